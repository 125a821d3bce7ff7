package customer

import (
	stdcmp "cmp"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/crmkit/crmkit"
	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"
)

func utcDay(s string) time.Time { return dayIn(s, time.UTC) }

func TestPlanReclaim(t *testing.T) {
	asOf := utcDay("2024-09-01").Add(10 * time.Hour)
	rules := []ReclaimRule{
		{Kind: ReclaimNoFollowUp, Days: 30, WarnDays: 7},
		{Name: "vip-follow", Level: "vip", Kind: ReclaimNoFollowUp, Days: 60},
		{Name: "vip-buy", Level: "vip", Kind: ReclaimNoPurchase, Days: 90},
		{Name: "b-deal", Level: "B", Kind: ReclaimNoOpenDeal, Days: 45, WarnDays: 30},
	}
	created := utcDay("2024-01-01")
	cust := []Customer{
		{ID: "old", Owner: "r1", Created: created},
		{ID: "soon", Owner: "r1", Created: created},
		{ID: "fresh", Owner: "r2", Created: created},
		{ID: "pooled", Created: created},
		{ID: "vip", Owner: "r2", Level: "vip", Created: created},
		{ID: "b-open", Owner: "r3", Level: "B", Created: created},
		{ID: "b-closed", Owner: "r3", Level: "B", Created: created},
		{ID: "new", Owner: "r3", Created: utcDay("2024-08-30")},
		{ID: "refund", Owner: "r1", Level: "vip", Created: created},
		{ID: "c-level", Owner: "r1", Level: "C", Created: created},
	}
	inter := []Interaction{
		{ID: "i1", CustomerID: "old", Time: utcDay("2024-07-15")},
		{ID: "i2", CustomerID: "soon", Time: utcDay("2024-08-05").Add(23 * time.Hour)},
		{ID: "i3", CustomerID: "fresh", Time: utcDay("2024-08-25")},
		{ID: "i4", CustomerID: "vip", Time: utcDay("2024-08-20")},
		{ID: "i5", CustomerID: "refund", Time: utcDay("2024-08-20")},
		{ID: "i6", CustomerID: "c-level", Time: utcDay("2024-06-01")},
	}
	orders := []Order{
		{ID: "o1", CustomerID: "vip", Time: utcDay("2024-05-01"), Amount: decimal.NewFromInt(100)},
		{ID: "o2", CustomerID: "refund", Time: utcDay("2024-08-01"), Amount: decimal.NewFromInt(200)},
		{ID: "o3", CustomerID: "refund", Time: utcDay("2024-08-30"), Amount: decimal.NewFromInt(-50)},
	}
	deals := []DealRef{
		{ID: "d1", CustomerID: "b-open", Open: true},
		{ID: "d0", CustomerID: "b-open", Closed: utcDay("2024-01-05")},
		{ID: "d2", CustomerID: "b-closed", Closed: utcDay("2024-07-01")},
	}
	type row struct {
		ID, Action, Rule, Due string
		Left                  int
	}
	// Hand-computed: due = day of the clock start + Days.
	want := []row{
		{"c-level", "reclaim", "*/no_follow_up/30d", "2024-07-01", 0}, // level C has no rule: default; 1 Jun + 30
		{"vip", "reclaim", "vip-buy", "2024-07-30", 0},                // purchase 1 May + 90
		{"old", "reclaim", "*/no_follow_up/30d", "2024-08-14", 0},     // 15 Jul + 30
		{"b-closed", "reclaim", "b-deal", "2024-08-15", 0},            // closed 1 Jul + 45
		{"soon", "warn", "*/no_follow_up/30d", "2024-09-04", 3},       // 5 Aug (23:00) + 30; 3 days left
		{"fresh", "keep", "*/no_follow_up/30d", "2024-09-24", 23},     // 25 Aug + 30, beyond 7-day lead
		{"new", "keep", "*/no_follow_up/30d", "2024-09-29", 28},       // created 30 Aug + 30
		{"refund", "keep", "vip-follow", "2024-10-19", 48},            // refund does not count: buy due 30 Oct; follow 20 Aug + 60 = 19 Oct first
		{"b-open", "keep", "", "", 0},                                 // open deal blocks its only rule
		{"pooled", "keep", "", "", 0},                                 // already in the pool
	}
	plan, err := PlanReclaim(context.Background(), asOf, ReclaimInput{
		Customers: crmkit.Stream(cust), Interactions: crmkit.Stream(inter), Orders: crmkit.Stream(orders), Deals: crmkit.Stream(deals),
	}, rules, nil)
	if err != nil {
		t.Fatal(err)
	}
	var got []row
	for _, it := range plan.Items {
		due := ""
		if !it.Due.IsZero() {
			due = it.Due.Format(time.DateOnly)
		}
		got = append(got, row{it.CustomerID, string(it.Action), it.Rule, due, it.DaysLeft})
		if it.Reason == "" {
			t.Errorf("%s: empty reason", it.CustomerID)
		}
	}
	// within one action and due day the order is by ID; b-open and pooled
	// have no due day and sort last, by ID.
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("plan (-want +got):\n%s", diff)
	}
	if plan.Customers != 10 || plan.Reclaimed != 4 || plan.Warned != 1 || plan.Kept != 5 {
		t.Errorf("counts: %+v", plan)
	}
	for _, it := range plan.Items {
		if it.CustomerID == "old" && it.Owner != "r1" {
			t.Errorf("old: taken from %q, want r1", it.Owner)
		}
		if it.CustomerID == "b-open" && !strings.Contains(it.Reason, "open deal") {
			t.Errorf("b-open: reason %q does not mention the open deal", it.Reason)
		}
	}
}

func TestPlanReclaimErrors(t *testing.T) {
	asOf := utcDay("2024-09-01")
	ok := []Customer{{ID: "a", Owner: "r"}}
	rule := []ReclaimRule{{Kind: ReclaimNoFollowUp, Days: 30}}
	tests := []struct {
		name, reason string
		in           ReclaimInput
		rules        []ReclaimRule
		opts         ReclaimOptions
		wantErr      error
		wantN        int // number of joined errors, 0 = don't check
	}{
		{"bad rules", "all rule problems at once", ReclaimInput{Customers: crmkit.Stream(ok)},
			[]ReclaimRule{{Kind: "x", Days: 1}, {Kind: ReclaimNoPurchase, Days: 0}, {Kind: ReclaimNoPurchase, Days: 5, WarnDays: -1}}, ReclaimOptions{WarnDays: -2}, crmkit.ErrInvalid, 5},
		{"no customers", "the customer stream is required", ReclaimInput{}, rule, ReclaimOptions{}, crmkit.ErrMissing, 0},
		{"duplicate", "customer IDs are unique", ReclaimInput{Customers: crmkit.Stream([]Customer{{ID: "a"}, {ID: "a"}})}, rule, ReclaimOptions{}, crmkit.ErrDuplicate, 0},
		{"missing id", "customer IDs are required", ReclaimInput{Customers: crmkit.Stream([]Customer{{}})}, rule, ReclaimOptions{}, crmkit.ErrMissing, 0},
		{"unknown interaction", "interaction for an unknown customer", ReclaimInput{Customers: crmkit.Stream(ok), Interactions: crmkit.Stream([]Interaction{{ID: "i", CustomerID: "b"}})}, rule, ReclaimOptions{}, crmkit.ErrUnknownRef, 0},
		{"future order", "an order after asOf", ReclaimInput{Customers: crmkit.Stream(ok), Orders: crmkit.Stream([]Order{{ID: "o", CustomerID: "a", Time: asOf.AddDate(0, 0, 1)}})}, rule, ReclaimOptions{}, crmkit.ErrFuture, 0},
		{"deal without customer", "a deal needs a customer", ReclaimInput{Customers: crmkit.Stream(ok), Deals: crmkit.Stream([]DealRef{{ID: "d"}})}, rule, ReclaimOptions{}, crmkit.ErrMissing, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := PlanReclaim(context.Background(), asOf, tt.in, tt.rules, &tt.opts)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("%s: err = %v, want %v", tt.reason, err, tt.wantErr)
			}
			if tt.wantN > 0 {
				j, ok := err.(interface{ Unwrap() []error })
				if !ok || len(j.Unwrap()) != tt.wantN {
					t.Errorf("%s: want %d joined errors, got %v", tt.reason, tt.wantN, err)
				}
			}
		})
	}
	// SkipBad: the same bad records are listed, the good customer planned.
	plan, err := PlanReclaim(context.Background(), asOf, ReclaimInput{
		Customers:    crmkit.Stream([]Customer{{ID: "a", Owner: "r"}, {ID: "a"}, {}}),
		Interactions: crmkit.Stream([]Interaction{{ID: "i", CustomerID: "b"}, {ID: "j", CustomerID: "a", Time: asOf.AddDate(0, 0, 1)}}),
	}, rule, &ReclaimOptions{SkipBad: true})
	if err != nil {
		t.Fatal(err)
	}
	if plan.Customers != 3 || plan.SkippedCustomers != 2 || len(plan.Items) != 1 || len(plan.Skipped) != 4 {
		t.Errorf("SkipBad plan: %+v", plan)
	}
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := PlanReclaim(cancelled, asOf, ReclaimInput{Customers: crmkit.Stream(ok)}, rule, &ReclaimOptions{SkipBad: true}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: err = %v", err)
	}
}

// FuzzPlanReclaim: arbitrary records never panic; with SkipBad each
// customer is accounted for exactly once.
func FuzzPlanReclaim(f *testing.F) {
	f.Add("a", "r", "vip", "a", int64(-86400*40), "a", int64(-86400), true, 30, 7)
	f.Add("", "", "", "zz", int64(86400), "", int64(0), false, 0, -1)
	f.Fuzz(func(t *testing.T, id, owner, level, interRef string, interOff int64, dealRef string, closedOff int64, open bool, days, warn int) {
		asOf := utcDay("2024-09-01")
		cs := []Customer{{ID: id, Owner: owner, Level: level, Created: utcDay("2024-01-01")}, {ID: "fixed", Owner: "r2"}}
		is := []Interaction{{ID: "i", CustomerID: interRef, Time: asOf.Add(time.Duration(interOff % (1 << 50)))}}
		ds := []DealRef{{ID: "d", CustomerID: dealRef, Open: open, Closed: asOf.Add(time.Duration(closedOff % (1 << 50)))}}
		rules := []ReclaimRule{{Kind: ReclaimNoFollowUp, Days: days % 400, WarnDays: warn % 100}, {Level: level, Kind: ReclaimNoOpenDeal, Days: 10}}
		plan, err := PlanReclaim(context.Background(), asOf, ReclaimInput{Customers: crmkit.Stream(cs), Interactions: crmkit.Stream(is), Deals: crmkit.Stream(ds)}, rules, &ReclaimOptions{SkipBad: true})
		if err != nil {
			if !errors.Is(err, crmkit.ErrInvalid) {
				t.Fatalf("unexpected error: %v", err)
			}
			return
		}
		if plan.Customers != 2 || len(plan.Items)+plan.SkippedCustomers != 2 || plan.Reclaimed+plan.Warned+plan.Kept != len(plan.Items) {
			t.Fatalf("counts do not add up: %+v", plan)
		}
		seen := map[string]bool{}
		for _, it := range plan.Items {
			if seen[it.CustomerID] {
				t.Fatalf("customer %q planned twice", it.CustomerID)
			}
			seen[it.CustomerID] = true
			if it.Action == ReclaimNow && it.Due.After(asOf) {
				t.Fatalf("reclaimed before due: %+v", it)
			}
		}
	})
}

// TestSortInPlace checks the cycle-following sort against slices.SortFunc
// on random data with many ties, and the chunked store across chunk edges.
func TestSortInPlace(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for round := range 200 {
		n := rng.IntN(300)
		if round == 0 {
			n = 3*chunkSize + 5
		}
		type item struct {
			a, b int64
			s    string
		}
		items := make([]item, n)
		var store chunkedList[item]
		for i := range items {
			items[i] = item{rng.Int64N(4), rng.Int64N(3), fmt.Sprint(rng.IntN(50))}
			if k := store.add(items[i]); k != i {
				t.Fatalf("add returned %d, want %d", k, i)
			}
		}
		for i := range items {
			if *store.at(i) != items[i] {
				t.Fatalf("chunked store lost item %d", i)
			}
		}
		want := slices.Clone(items)
		slices.SortFunc(want, func(x, y item) int {
			return stdcmp.Or(stdcmp.Compare(x.a, y.a), stdcmp.Compare(x.b, y.b), strings.Compare(x.s, y.s))
		})
		sortInPlace(items, func(x *item) [2]int64 { return [2]int64{x.a, x.b} }, func(x, y *item) int { return strings.Compare(x.s, y.s) })
		if !slices.Equal(want, items) {
			t.Fatalf("round %d: sorted differently", round)
		}
	}
}

// TestSkipBadKeepsIOErrors: SkipBad skips record errors, even those the
// host's stream yields, but an I/O error in a stream still stops every plan.
func TestSkipBadKeepsIOErrors(t *testing.T) {
	asOf := utcDay("2024-09-01")
	boom := errors.New("connection reset")
	stream := func(last error) func(yield func(Customer, error) bool) {
		return func(yield func(Customer, error) bool) {
			if !yield(Customer{ID: "a", Owner: "L"}, nil) {
				return
			}
			if !yield(Customer{}, crmkit.Errorf("customer", 1, "row-2", "phone", crmkit.ErrInvalid, "unparsable")) {
				return
			}
			yield(Customer{}, last)
		}
	}
	tests := []struct {
		name, reason string
		last         error
		wantErr      error
	}{
		{"record error", "a RecordError from the host's stream is skipped like ours", crmkit.Errorf("customer", 2, "", "", crmkit.ErrMissing, ""), nil},
		{"io error", "an I/O error is not a bad record", boom, boom},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rp, err := PlanReminders(context.Background(), asOf, asOf, asOf.AddDate(0, 1, 0), stream(tt.last), nil, &ReminderOptions{SkipBad: true, Holidays: noHolidays})
			if !errors.Is(err, tt.wantErr) || err == nil && (rp.Customers != 3 || rp.SkippedCustomers != 2) {
				t.Errorf("reminders: %s: %+v, %v", tt.reason, rp, err)
			}
			cp, err := PlanReclaim(context.Background(), asOf, ReclaimInput{Customers: stream(tt.last)}, []ReclaimRule{{Kind: ReclaimNoPurchase, Days: 3}}, &ReclaimOptions{SkipBad: true})
			if !errors.Is(err, tt.wantErr) || err == nil && (cp.Customers != 3 || len(cp.Items) != 1) {
				t.Errorf("reclaim: %s: %+v, %v", tt.reason, cp, err)
			}
			hp, err := PlanHandover(context.Background(), asOf, "L", []string{"A"}, HandoverInput{Customers: stream(tt.last)}, &HandoverOptions{SkipBad: true})
			if !errors.Is(err, tt.wantErr) || err == nil && (hp.Customers != 3 || hp.Moving != 1 || len(hp.Skipped) != 2) {
				t.Errorf("handover: %s: %+v, %v", tt.reason, hp, err)
			}
		})
	}
}
