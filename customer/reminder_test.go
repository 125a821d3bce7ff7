package customer

import (
	"context"
	"encoding/json"
	"errors"
	"iter"
	"testing"
	"time"

	"github.com/crmkit/crmkit"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

var cstZone = time.FixedZone("CST", 8*3600)

func dayIn(s string, loc *time.Location) time.Time {
	t, err := time.ParseInLocation(time.DateOnly, s, loc)
	if err != nil {
		panic(err)
	}
	return t
}

var noHolidays = HolidayCalendarFunc(func(from, to time.Time) ([]Holiday, error) { return nil, nil })

// remKey is the part of a reminder the table tests compare.
type remKey struct {
	Date     string
	Kind     ReminderKind
	Customer string
	Name     string
	Overdue  bool
}

func reminderKeys(rs []Reminder) []remKey {
	out := []remKey{}
	for _, r := range rs {
		out = append(out, remKey{r.Date.Format(time.DateOnly), r.Kind, r.CustomerID, r.Name, r.Overdue})
	}
	return out
}

func TestStandardHolidays2024(t *testing.T) {
	// Published dates of the 2024 festivals (State Council holiday notice and
	// Hong Kong Observatory calendar), entered by hand.
	want := []remKey{
		{"2024-01-01", "", "", "New Year's Day", false},
		{"2024-02-10", "", "", "Spring Festival", false},
		{"2024-02-24", "", "", "Lantern Festival", false},
		{"2024-05-01", "", "", "Labour Day", false},
		{"2024-06-10", "", "", "Dragon Boat Festival", false},
		{"2024-08-10", "", "", "Qixi Festival", false},
		{"2024-09-17", "", "", "Mid-Autumn Festival", false},
		{"2024-10-01", "", "", "National Day", false},
	}
	hs, err := StandardHolidays{}.Holidays(dayIn("2024-01-01", cstZone), dayIn("2025-01-01", cstZone))
	if err != nil {
		t.Fatal(err)
	}
	got := []remKey{}
	for _, h := range hs {
		if h.Date.Location() != cstZone || h.Date.Hour() != 0 {
			t.Errorf("%s: date %v is not midnight in the window's location", h.Name, h.Date)
		}
		got = append(got, remKey{Date: h.Date.Format(time.DateOnly), Name: h.Name})
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("2024 holidays (-want +got):\n%s", diff)
	}
	// The window's ends: [from, to) keeps Spring Festival on from and drops
	// Lantern on to.
	hs, err = StandardHolidays{}.Holidays(dayIn("2024-02-10", cstZone), dayIn("2024-02-24", cstZone))
	if err != nil || len(hs) != 1 || hs[0].Name != "Spring Festival" {
		t.Errorf("window ends: got %v, %v", hs, err)
	}
	if _, err := (StandardHolidays{}).Holidays(dayIn("2101-01-01", time.UTC), dayIn("2101-03-01", time.UTC)); !errors.Is(err, ErrLunarRange) {
		t.Errorf("window past 2101-01-28: err = %v, want ErrLunarRange", err)
	}
	if hs, err := (StandardHolidays{}).Holidays(dayIn("2024-03-01", time.UTC), dayIn("2024-02-01", time.UTC)); err != nil || len(hs) != 0 {
		t.Errorf("reversed window: %v, %v; want none", hs, err)
	}
}

func TestPlanReminders(t *testing.T) {
	asOf := time.Date(2024, 9, 1, 0, 0, 0, 0, cstZone)
	c := func(id string, b Birthday) Customer {
		return Customer{ID: id, Owner: "rep1", Created: time.Date(2024, 1, 1, 0, 0, 0, 0, cstZone), Birthday: b}
	}
	greg := func(m, d int) Birthday { return Birthday{Calendar: Gregorian, Month: m, Day: d} }
	lunar := func(m, d int, leap bool) Birthday {
		return Birthday{Calendar: Lunar, Month: m, Day: d, LeapMonth: leap}
	}
	tests := []struct {
		name, reason string
		from, to     string
		customers    []Customer
		interactions []Interaction
		opts         ReminderOptions
		want         []remKey
		wantQuiet    int
	}{
		{
			name: "gregorian", reason: "a birthday inside the window is reminded, one outside is not",
			from: "2024-09-01", to: "2024-10-01",
			customers: []Customer{c("a", greg(9, 15)), c("b", greg(10, 1)), c("c", Birthday{})},
			want:      []remKey{{"2024-09-15", ReminderBirthday, "a", "", false}},
			wantQuiet: 2,
		},
		{
			name: "feb29 default", reason: "29 February falls on 28 February in 2025 by default",
			from: "2025-02-01", to: "2025-03-31",
			customers: []Customer{c("a", greg(2, 29))},
			want:      []remKey{{"2025-02-28", ReminderBirthday, "a", "", false}},
		},
		{
			name: "feb29 mar1", reason: "Feb29OnMar1 moves it to 1 March",
			from: "2025-02-01", to: "2025-03-31", opts: ReminderOptions{Feb29: Feb29OnMar1},
			customers: []Customer{c("a", greg(2, 29))},
			want:      []remKey{{"2025-03-01", ReminderBirthday, "a", "", false}},
		},
		{
			name: "feb29 skip", reason: "Feb29Skip drops it in common years",
			from: "2025-02-01", to: "2025-03-31", opts: ReminderOptions{Feb29: Feb29Skip},
			customers: []Customer{c("a", greg(2, 29))},
			wantQuiet: 1,
		},
		{
			name: "feb29 leap year", reason: "in a leap year 29 February is itself",
			from: "2024-02-01", to: "2024-03-31",
			customers: []Customer{c("a", greg(2, 29))},
			want:      []remKey{{"2024-02-29", ReminderBirthday, "a", "", false}},
		},
		{
			name: "lunar", reason: "lunar 8/15 in 2024 is 17 September (Mid-Autumn, published)",
			from: "2024-09-01", to: "2024-10-01",
			customers: []Customer{c("a", lunar(8, 15, false))},
			want:      []remKey{{"2024-09-17", ReminderBirthday, "a", "", false}},
		},
		{
			name: "lunar day 30", reason: "2024 month 1 has 29 days: 1/30 is remembered on 1/29 = 9 March (1/1 is 10 Feb)",
			from: "2024-03-01", to: "2024-03-31",
			customers: []Customer{c("a", lunar(1, 30, false))},
			want:      []remKey{{"2024-03-09", ReminderBirthday, "a", "", false}},
		},
		{
			name: "lunar leap month", reason: "born in leap 2/10 (2023): remembered on 2/10 of 2024 = 19 March (month 2 starts 10 March)",
			from: "2024-03-01", to: "2024-03-31",
			customers: []Customer{c("a", Birthday{Calendar: Lunar, Year: 2023, Month: 2, Day: 10, LeapMonth: true})},
			want:      []remKey{{"2024-03-19", ReminderBirthday, "a", "", false}},
		},
		{
			name: "lunar across years", reason: "lunar 12/20 of lunar 2023 is 30 Jan 2024; the window spans two lunar years",
			from: "2023-12-15", to: "2024-02-15",
			customers: []Customer{c("a", lunar(12, 20, false)), c("b", lunar(1, 5, false))},
			want: []remKey{
				{"2024-01-30", ReminderBirthday, "a", "", false},
				{"2024-02-14", ReminderBirthday, "b", "", false},
			},
		},
		{
			name: "holidays", reason: "the standard calendar adds Mid-Autumn and National Day; holidays sort before birthdays on a day",
			from: "2024-09-17", to: "2024-10-02", opts: ReminderOptions{Holidays: StandardHolidays{}},
			customers: []Customer{c("a", lunar(8, 15, false))},
			want: []remKey{
				{"2024-09-17", ReminderHoliday, "", "Mid-Autumn Festival", false},
				{"2024-09-17", ReminderBirthday, "a", "", false},
				{"2024-10-01", ReminderHoliday, "", "National Day", false},
			},
		},
		{
			name: "next contact", reason: "the latest interaction's plan counts; 20:00 UTC is the next day in China",
			from: "2024-09-01", to: "2024-09-10",
			customers: []Customer{c("a", Birthday{}), c("b", Birthday{})},
			interactions: []Interaction{
				{ID: "i1", CustomerID: "a", Time: time.Date(2024, 8, 1, 0, 0, 0, 0, time.UTC), NextContact: time.Date(2024, 9, 5, 20, 0, 0, 0, time.UTC)},
				{ID: "i2", CustomerID: "b", Time: time.Date(2024, 8, 1, 0, 0, 0, 0, time.UTC), NextContact: time.Date(2024, 9, 3, 0, 0, 0, 0, time.UTC)},
				{ID: "i3", CustomerID: "b", Time: time.Date(2024, 8, 20, 0, 0, 0, 0, time.UTC)},
			},
			want:      []remKey{{"2024-09-06", ReminderNextContact, "a", "", false}},
			wantQuiet: 1,
		},
		{
			name: "overdue", reason: "a plan before the window with no later interaction lands on the first day",
			from: "2024-09-01", to: "2024-09-10",
			customers:    []Customer{c("a", Birthday{})},
			interactions: []Interaction{{ID: "i1", CustomerID: "a", Time: time.Date(2024, 8, 1, 0, 0, 0, 0, cstZone), NextContact: time.Date(2024, 8, 15, 0, 0, 0, 0, cstZone)}},
			want:         []remKey{{"2024-09-01", ReminderNextContact, "a", "", true}},
		},
		{
			name: "no contact", reason: "30 days after the last contact (15 Aug) is 14 Sep; created 1 Jan with none is already due on day one",
			from: "2024-09-01", to: "2024-09-30", opts: ReminderOptions{NoContactDays: 30},
			customers:    []Customer{c("a", Birthday{}), c("b", Birthday{})},
			interactions: []Interaction{{ID: "i1", CustomerID: "a", Time: time.Date(2024, 8, 15, 10, 0, 0, 0, cstZone)}},
			want: []remKey{
				{"2024-09-01", ReminderNoContact, "b", "", false},
				{"2024-09-14", ReminderNoContact, "a", "", false},
			},
		},
		{
			name: "skip bad", reason: "bad records are skipped and counted, good ones planned",
			from: "2024-09-01", to: "2024-10-01", opts: ReminderOptions{SkipBad: true},
			customers:    []Customer{c("a", greg(9, 2)), c("a", greg(9, 3)), c("", greg(9, 4)), c("d", greg(2, 30))},
			interactions: []Interaction{{ID: "x", CustomerID: "zz", Time: asOf}},
			want:         []remKey{{"2024-09-02", ReminderBirthday, "a", "", false}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := tt.opts
			o.Location = cstZone
			if o.Holidays == nil {
				o.Holidays = noHolidays
			}
			plan, err := PlanReminders(context.Background(), asOf, dayIn(tt.from, cstZone), dayIn(tt.to, cstZone),
				crmkit.Stream(tt.customers), crmkit.Stream(tt.interactions), &o)
			if err != nil {
				t.Fatalf("%s: %v", tt.reason, err)
			}
			if diff := cmp.Diff(tt.want, reminderKeys(plan.Reminders), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("%s (-want +got):\n%s", tt.reason, diff)
			}
			if plan.Quiet != tt.wantQuiet {
				t.Errorf("%s: Quiet = %d, want %d", tt.reason, plan.Quiet, tt.wantQuiet)
			}
			if plan.Customers != len(tt.customers) || plan.Reminded+plan.Quiet+plan.SkippedCustomers != plan.Customers {
				t.Errorf("%s: counts do not add up: %+v", tt.reason, plan)
			}
			if plan.Interactions != len(tt.interactions) || len(plan.Skipped) != plan.SkippedCustomers+plan.SkippedInteractions {
				t.Errorf("%s: interaction counts: %+v", tt.reason, plan)
			}
		})
	}
}

func TestPlanRemindersErrors(t *testing.T) {
	asOf := time.Date(2024, 9, 1, 0, 0, 0, 0, time.UTC)
	from, to := dayIn("2024-09-01", time.UTC), dayIn("2024-10-01", time.UTC)
	boom := errors.New("boom")
	badStream := func(yield func(Customer, error) bool) { yield(Customer{}, boom) }
	okCust := []Customer{{ID: "a"}}
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	tests := []struct {
		name, reason string
		ctx          context.Context
		from, to     time.Time
		customers    iter.Seq2[Customer, error]
		interactions []Interaction
		opts         ReminderOptions
		wantErr      error
		wantField    string
	}{
		{"reversed window", "to before from", nil, to, from, crmkit.Stream(okCust), nil, ReminderOptions{}, crmkit.ErrInvalid, ""},
		{"huge window", "a window over 366 days is refused", nil, from, from.AddDate(5, 0, 0), crmkit.Stream(okCust), nil, ReminderOptions{}, crmkit.ErrInvalid, ""},
		{"negative no-contact", "NoContactDays < 0", nil, from, to, crmkit.Stream(okCust), nil, ReminderOptions{NoContactDays: -1}, crmkit.ErrInvalid, ""},
		{"bad feb29 rule", "unknown enum value", nil, from, to, crmkit.Stream(okCust), nil, ReminderOptions{Feb29: 7}, crmkit.ErrInvalid, ""},
		{"stream error", "an I/O error inside the stream is returned", nil, from, to, badStream, nil, ReminderOptions{}, boom, ""},
		{"missing id", "a customer needs an ID", nil, from, to, crmkit.Stream([]Customer{{}}), nil, ReminderOptions{}, crmkit.ErrMissing, "id"},
		{"duplicate", "IDs are unique", nil, from, to, crmkit.Stream([]Customer{{ID: "a"}, {ID: "a"}}), nil, ReminderOptions{}, crmkit.ErrDuplicate, "id"},
		{"impossible birthday", "31 April does not exist", nil, from, to, crmkit.Stream([]Customer{{ID: "a", Birthday: Birthday{Calendar: Gregorian, Month: 4, Day: 31}}}), nil, ReminderOptions{}, crmkit.ErrInvalid, "birthday"},
		{"lunar no leap", "2024 has no leap month 4", nil, from, to, crmkit.Stream([]Customer{{ID: "a", Birthday: Birthday{Calendar: Lunar, Year: 2024, Month: 4, Day: 1, LeapMonth: true}}}), nil, ReminderOptions{}, crmkit.ErrInvalid, "birthday"},
		{"unknown calendar", "only gregorian and lunar", nil, from, to, crmkit.Stream([]Customer{{ID: "a", Birthday: Birthday{Calendar: "hebrew", Month: 1, Day: 1}}}), nil, ReminderOptions{}, crmkit.ErrInvalid, "birthday"},
		{"unknown customer", "an interaction must refer to a known customer", nil, from, to, crmkit.Stream(okCust), []Interaction{{ID: "i", CustomerID: "b", Time: asOf}}, ReminderOptions{}, crmkit.ErrUnknownRef, "customer_id"},
		{"future", "an interaction after asOf", nil, from, to, crmkit.Stream(okCust), []Interaction{{ID: "i", CustomerID: "a", Time: asOf.Add(time.Hour)}}, ReminderOptions{}, crmkit.ErrFuture, "time"},
		{"no time", "an interaction needs a time", nil, from, to, crmkit.Stream(okCust), []Interaction{{ID: "i", CustomerID: "a"}}, ReminderOptions{}, crmkit.ErrMissing, "time"},
		{"lunar range", "lunar birthdays past 2101 cannot be placed, even with SkipBad", nil, dayIn("2101-01-01", time.UTC), dayIn("2101-03-01", time.UTC),
			crmkit.Stream([]Customer{{ID: "a", Birthday: Birthday{Calendar: Lunar, Month: 1, Day: 1}}}), nil, ReminderOptions{Holidays: noHolidays, SkipBad: true}, ErrLunarRange, ""},
		{"calendar error", "the host calendar's error aborts the plan", nil, from, to, crmkit.Stream(okCust), nil,
			ReminderOptions{Holidays: HolidayCalendarFunc(func(from, to time.Time) ([]Holiday, error) { return nil, boom })}, boom, ""},
		{"calendar out of window", "a holiday outside [from, to) breaks the contract", nil, from, to, crmkit.Stream(okCust), nil,
			ReminderOptions{Holidays: HolidayCalendarFunc(func(from, to time.Time) ([]Holiday, error) {
				return []Holiday{{Name: "x", Date: to}}, nil
			})}, crmkit.ErrInvalid, ""},
		{"cancelled", "a cancelled context stops the plan", cancelled, from, to, crmkit.Stream(okCust), nil, ReminderOptions{}, context.Canceled, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := tt.ctx
			if ctx == nil {
				ctx = context.Background()
			}
			_, err := PlanReminders(ctx, asOf, tt.from, tt.to, tt.customers, crmkit.Stream(tt.interactions), &tt.opts)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("%s: err = %v, want %v", tt.reason, err, tt.wantErr)
			}
			var re *crmkit.RecordError
			if tt.wantField != "" && (!errors.As(err, &re) || re.Field != tt.wantField) {
				t.Errorf("%s: err = %v, want a RecordError on field %s", tt.reason, err, tt.wantField)
			}
		})
	}
}

func TestPlanRemindersNilStreams(t *testing.T) {
	from := dayIn("2024-09-01", time.UTC)
	plan, err := PlanReminders(context.Background(), from, from, from.AddDate(0, 1, 0), nil, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	// Mid-Autumn 2024 (17 Sep) from the default calendar, nothing else.
	if diff := cmp.Diff([]remKey{{"2024-09-17", ReminderHoliday, "", "Mid-Autumn Festival", false}}, reminderKeys(plan.Reminders)); diff != "" {
		t.Errorf("nil streams, default options (-want +got):\n%s", diff)
	}
}

// FuzzPlanReminders: arbitrary customers and interactions never panic;
// with SkipBad every record is counted exactly once.
func FuzzPlanReminders(f *testing.F) {
	f.Add("a", "gregorian", 2, 29, false, "a", int64(0), int64(86400*3), 10, 2)
	f.Add("b", "lunar", 12, 30, true, "x", int64(-86400), int64(0), 0, 1)
	f.Add("", "", 0, 0, false, "", int64(1<<40), int64(-1), -3, 0)
	f.Fuzz(func(t *testing.T, id, cal string, month, day int, leap bool, custRef string, tOff, nextOff int64, noContact int, feb29 int) {
		asOf := time.Date(2024, 9, 1, 0, 0, 0, 0, time.UTC)
		cs := []Customer{
			{ID: id, Owner: "r", Birthday: Birthday{Calendar: Calendar(cal), Month: month, Day: day, LeapMonth: leap}},
			{ID: "fixed", Birthday: Birthday{Calendar: Lunar, Month: month, Day: day}},
		}
		is := []Interaction{{ID: "i", CustomerID: custRef, Time: asOf.Add(time.Duration(tOff % (1 << 50))), NextContact: asOf.Add(time.Duration(nextOff % (1 << 50)))}}
		o := &ReminderOptions{SkipBad: true, NoContactDays: noContact % 1000, Feb29: Feb29Rule(feb29 % 4)}
		plan, err := PlanReminders(context.Background(), asOf, asOf.AddDate(0, -1, 0), asOf.AddDate(0, 2, 0), crmkit.Stream(cs), crmkit.Stream(is), o)
		if err != nil {
			if !errors.Is(err, crmkit.ErrInvalid) {
				t.Fatalf("unexpected plan-level error: %v", err)
			}
			return
		}
		if plan.Customers != 2 || plan.Reminded+plan.Quiet+plan.SkippedCustomers != 2 || plan.Interactions != 1 {
			t.Fatalf("counts do not add up: %+v", plan)
		}
		if len(plan.Skipped) != plan.SkippedCustomers+plan.SkippedInteractions {
			t.Fatalf("skipped list %d, counts %d+%d", len(plan.Skipped), plan.SkippedCustomers, plan.SkippedInteractions)
		}
		for _, r := range plan.Reminders {
			if r.Date.Before(plan.From) || !r.Date.Before(plan.To) {
				t.Fatalf("reminder %+v outside the window", r)
			}
		}
	})
}

// TestPlansJSON: every plan marshals to JSON and back unchanged.
func TestPlansJSON(t *testing.T) {
	asOf := time.Date(2024, 9, 1, 0, 0, 0, 0, time.UTC)
	rp, err := PlanReminders(context.Background(), asOf, asOf, asOf.AddDate(0, 1, 0),
		crmkit.Stream([]Customer{{ID: "a", Owner: "r", Birthday: Birthday{Calendar: Lunar, Month: 8, Day: 15}}, {}}), nil,
		&ReminderOptions{SkipBad: true})
	if err != nil {
		t.Fatal(err)
	}
	cp, err := PlanReclaim(context.Background(), asOf, ReclaimInput{Customers: crmkit.Stream([]Customer{{ID: "a", Owner: "r", Created: asOf.AddDate(-1, 0, 0)}})},
		[]ReclaimRule{{Kind: ReclaimNoFollowUp, Days: 30}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	hp, err := PlanHandover(context.Background(), asOf, "L", []string{"A"}, HandoverInput{Customers: crmkit.Stream(handoverBook())}, &HandoverOptions{Capacity: fixedCaps(map[string]int{"A": 3})})
	if err != nil {
		t.Fatal(err)
	}
	roundTrip := func(name string, v, into any) {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if err := json.Unmarshal(b, into); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	var rp2 ReminderPlan
	var cp2 ReclaimPlan
	var hp2 HandoverPlan
	roundTrip("reminders", rp, &rp2)
	roundTrip("reclaim", cp, &cp2)
	roundTrip("handover", hp, &hp2)
	eq := cmp.Comparer(func(a, b time.Time) bool { return a.Equal(b) })
	for _, d := range []string{cmp.Diff(rp, rp2, eq), cmp.Diff(cp, cp2, eq), cmp.Diff(hp, hp2, eq, cmpopts.EquateEmpty())} {
		if d != "" {
			t.Errorf("JSON round trip changed a plan (-before +after):\n%s", d)
		}
	}
}

// TestPlanRemindersDST: days are calendar days, not 24-hour steps, across a
// daylight-saving change (New York, 10 March 2024, 02:00 → 03:00).
func TestPlanRemindersDST(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Skipf("no time zone database: %v", err)
	}
	from := time.Date(2024, 3, 1, 0, 0, 0, 0, ny)
	plan, err := PlanReminders(context.Background(), from.AddDate(0, 0, 2), from, from.AddDate(0, 0, 20),
		crmkit.Stream([]Customer{
			// created mid-window: their no-contact day (25 March) is after it
			{ID: "a", Created: from.AddDate(0, 0, 14), Birthday: Birthday{Calendar: Gregorian, Month: 3, Day: 10}},
			{ID: "b", Created: from.AddDate(0, 0, 14), Birthday: Birthday{Calendar: Gregorian, Month: 3, Day: 11}},
			{ID: "c"},
		}),
		crmkit.Stream([]Interaction{{ID: "i", CustomerID: "c", Time: time.Date(2024, 3, 1, 23, 30, 0, 0, ny)}}),
		&ReminderOptions{Location: ny, Holidays: noHolidays, NoContactDays: 10})
	if err != nil {
		t.Fatal(err)
	}
	type got struct {
		ID    string
		Local string
		UTC   string
	}
	var g []got
	for _, r := range plan.Reminders {
		g = append(g, got{r.CustomerID, r.Date.Format("2006-01-02 15:04"), r.Date.UTC().Format("2006-01-02 15:04")})
	}
	want := []got{
		{"a", "2024-03-10 00:00", "2024-03-10 05:00"}, // EST, UTC-5
		{"b", "2024-03-11 00:00", "2024-03-11 04:00"}, // EDT, UTC-4: 23 hours later
		{"c", "2024-03-11 00:00", "2024-03-11 04:00"}, // 1 March 23:30 + 10 calendar days
	}
	if diff := cmp.Diff(want, g); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}
