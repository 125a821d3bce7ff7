package customer

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"strings"
	"time"

	"github.com/crmkit/crmkit"
)

// ReminderKind names what a [Reminder] is about. The zero value names no
// kind.
type ReminderKind string

const (
	// ReminderBirthday: a customer's birthday (Gregorian or lunar).
	ReminderBirthday ReminderKind = "birthday"
	// ReminderHoliday: a holiday from the [HolidayCalendar]; it concerns no
	// single customer (CustomerID is empty).
	ReminderHoliday ReminderKind = "holiday"
	// ReminderNextContact: a contact a rep planned in an [Interaction].
	ReminderNextContact ReminderKind = "next_contact"
	// ReminderNoContact: a customer reaches the no-contact limit.
	ReminderNoContact ReminderKind = "no_contact"
)

// kindRank orders kinds within a day.
func kindRank(k ReminderKind) int {
	switch k {
	case ReminderHoliday:
		return 0
	case ReminderBirthday:
		return 1
	case ReminderNextContact:
		return 2
	default:
		return 3
	}
}

// Feb29Rule says when a Gregorian 29 February birthday is remembered in a
// common year. The zero value is [Feb29OnFeb28].
type Feb29Rule int

const (
	// Feb29OnFeb28 remembers it on 28 February (the default).
	Feb29OnFeb28 Feb29Rule = iota
	// Feb29OnMar1 remembers it on 1 March.
	Feb29OnMar1
	// Feb29Skip remembers it only in leap years.
	Feb29Skip
)

// ReminderOptions tunes [PlanReminders]. A nil pointer or the zero value
// means: UTC, 29 February on 28 February, the [StandardHolidays] calendar,
// no no-contact reminders, and stop at the first bad record.
type ReminderOptions struct {
	// Location is the time zone whose calendar days the reminders fall on;
	// nil means UTC.
	Location *time.Location
	// Feb29 is the rule for 29 February birthdays in common years.
	Feb29 Feb29Rule
	// Holidays supplies holidays; nil means [StandardHolidays]. To have none,
	// pass a HolidayCalendarFunc that returns nil.
	Holidays HolidayCalendar
	// NoContactDays, when positive, adds a no-contact reminder on the day a
	// customer has gone that many days without an interaction (counted from
	// the last interaction, or from Created when there is none).
	NoContactDays int
	// SkipBad skips bad records (errors of type *crmkit.RecordError, whether
	// found here or yielded by the stream) instead of stopping at the first;
	// the plan lists each. Other stream errors always stop the plan.
	SkipBad bool
}

// Reminder is one entry of a [ReminderPlan]. Date is midnight, in the plan's
// location, of the day the reminder falls on. Owner is the customer's owner
// (the rep to remind; "" for pool customers and holidays).
//
// Detail says why, in words: for a lunar birthday the lunar date and any
// substitution, for a no-contact reminder the last contact. Due is the exact
// planned time of a next-contact reminder; Overdue marks a planned contact
// that fell before the window and was not followed by any interaction (it is
// put on the window's first day). It is plain data: the zero value is empty, and a value may be read
// from several goroutines but not modified concurrently.
type Reminder struct {
	Date          time.Time    `json:"date"`
	Kind          ReminderKind `json:"kind"`
	CustomerID    string       `json:"customer_id,omitempty"`
	Owner         string       `json:"owner,omitempty"`
	Name          string       `json:"name,omitempty"`
	Detail        string       `json:"detail,omitempty"`
	InteractionID string       `json:"interaction_id,omitempty"`
	Due           time.Time    `json:"due,omitzero"`
	Overdue       bool         `json:"overdue,omitempty"`
}

// skippedOffender describes a skipped record as an [Offender], like the skipped
// records of every other analysis.
func skippedOffender(err error) Offender {
	var re *crmkit.RecordError
	if errors.As(err, &re) {
		return offenderOf(re)
	}
	return Offender{Index: -1, Problem: ProblemStream, Message: err.Error()}
}

// ReminderPlan is the result of [PlanReminders]: the reminders of the
// window [From, To), sorted by date, then kind (holiday, birthday, next
// contact, no contact), customer ID, name and interaction ID.
//
// Every customer read is accounted for: Customers = Reminded + Quiet +
// SkippedCustomers, where Reminded counts customers with at least one
// reminder and Quiet those with none. Interactions counts the interactions
// read, SkippedInteractions those skipped. Skipped lists every skipped
// record. It is plain data: the zero value is empty, and a value may be read
// from several goroutines but not modified concurrently.
type ReminderPlan struct {
	From                time.Time  `json:"from"`
	To                  time.Time  `json:"to"`
	Location            string     `json:"location"`
	Reminders           []Reminder `json:"reminders"`
	Customers           int        `json:"customers"`
	Reminded            int        `json:"reminded"`
	Quiet               int        `json:"quiet"`
	SkippedCustomers    int        `json:"skipped_customers"`
	Interactions        int        `json:"interactions"`
	SkippedInteractions int        `json:"skipped_interactions"`
	Skipped             []Offender `json:"skipped,omitempty"`
}

// MaxReminderWindow is the longest window [PlanReminders] accepts.
const MaxReminderWindow = 366 * 24 * time.Hour

// remState is what PlanReminders keeps per customer between the two
// streams.
type remState struct {
	id, owner   string
	created     time.Time
	last        time.Time // latest interaction time (zero: none)
	lastID      string    // interaction that set last
	next        time.Time // NextContact of that interaction
	birthdayHit bool
}

// PlanReminders plans the reminders that fall in the window [from, to):
// birthdays, holidays, planned next contacts and, with
// ReminderOptions.NoContactDays, customers reaching the no-contact limit.
// Days are calendar days in ReminderOptions.Location; a day belongs to the
// window when its midnight lies in [from, to).
//
// It reads customers fully, then interactions (either may be nil).
// Memory grows with the number of customers, not interactions.
//
// Birthdays: a Gregorian 29 February follows ReminderOptions.Feb29. A lunar
// birthday is remembered on the Gregorian day of that lunar month and day in
// each lunar year; a birthday in a leap month is remembered in the regular
// month of the same number (the usual custom, and every year has it), and day
// 30 in a 29-day month on day 29. Lunar birthdays in a window outside
// 1900-01-31 .. 2101-01-28 yield an error wrapping [ErrLunarRange].
//
// Next contacts: per customer, the latest interaction (by Time, then ID)
// decides. Its NextContact, if set, gives a reminder on that day when it lies
// in the window, or on the window's first day, marked Overdue, when it lies
// before from. Later plans supersede earlier ones.
//
// Bad records (a customer without ID, a duplicate ID, an impossible birthday,
// an interaction for an unknown customer or after asOf, an interaction
// without a time) stop the plan with a [*crmkit.RecordError], or are skipped
// and listed with ReminderOptions.SkipBad. A window with to before from, or
// longer than [MaxReminderWindow], is an error wrapping crmkit.ErrInvalid.
// PlanReminders honours ctx between records. It is safe for concurrent use
// when the calendar is.
func PlanReminders(ctx context.Context, asOf, from, to time.Time, customers iter.Seq2[Customer, error], interactions iter.Seq2[Interaction, error], opts *ReminderOptions) (ReminderPlan, error) {
	var o ReminderOptions
	if opts != nil {
		o = *opts
	}
	loc := o.Location
	if loc == nil {
		loc = time.UTC
	}
	cal := o.Holidays
	if cal == nil {
		cal = StandardHolidays{}
	}
	from, to = from.In(loc), to.In(loc)
	plan := ReminderPlan{From: from, To: to, Location: loc.String(), Reminders: []Reminder{}}
	if to.Before(from) {
		return plan, fmt.Errorf("customer: reminder window: %w: to %v before from %v", crmkit.ErrInvalid, to, from)
	}
	if to.Sub(from) > MaxReminderWindow {
		return plan, fmt.Errorf("customer: reminder window: %w: %v is longer than %v", crmkit.ErrInvalid, to.Sub(from), MaxReminderWindow)
	}
	if o.NoContactDays < 0 {
		return plan, fmt.Errorf("customer: reminder options: %w: NoContactDays %d is negative", crmkit.ErrInvalid, o.NoContactDays)
	}
	if o.Feb29 < Feb29OnFeb28 || o.Feb29 > Feb29Skip {
		return plan, fmt.Errorf("customer: reminder options: %w: unknown Feb29 rule %d", crmkit.ErrInvalid, o.Feb29)
	}

	var out chunkedList[Reminder] // collected here, flattened once at the end
	hs, err := cal.Holidays(from, to)
	if err != nil {
		return plan, fmt.Errorf("customer: holiday calendar: %w", err)
	}
	for _, h := range hs {
		d := h.Date.In(loc)
		d = time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, loc)
		if d.Before(from) || !d.Before(to) {
			return plan, fmt.Errorf("customer: holiday calendar: %w: %q on %s lies outside [%s, %s)", crmkit.ErrInvalid, h.Name, d.Format(time.DateOnly), from, to)
		}
		out.add(Reminder{Date: d, Kind: ReminderHoliday, Name: h.Name})
	}

	bd := newBirthdayDays(from, to, loc, o.Feb29)
	var state chunkedList[remState]
	index := map[string]int{}
	i := -1
	if customers != nil {
		for c, err := range customers {
			i++
			if err == nil {
				err = ctx.Err()
				if err != nil {
					return plan, err
				}
			}
			if err == nil {
				err = checkCustomer(c, i, index)
			}
			var hits []Reminder
			if err == nil {
				hits, err = bd.reminders(c, i)
			}
			if err != nil {
				if !o.SkipBad || !skippable(err) {
					return plan, err
				}
				plan.Customers++
				plan.SkippedCustomers++
				plan.Skipped = append(plan.Skipped, skipOf("customer", i, c.ID, err))
				continue
			}
			plan.Customers++
			index[c.ID] = state.add(remState{id: c.ID, owner: c.Owner, created: c.Created, birthdayHit: len(hits) > 0})
			for _, h := range hits {
				out.add(h)
			}
		}
	}

	if interactions != nil {
		j := -1
		for in, err := range interactions {
			j++
			if err == nil {
				err = ctx.Err()
				if err != nil {
					return plan, err
				}
			}
			var k int
			if err == nil {
				k, err = checkInteraction(in, j, asOf, index)
			}
			if err != nil {
				if !o.SkipBad || !skippable(err) {
					return plan, err
				}
				plan.Interactions++
				plan.SkippedInteractions++
				plan.Skipped = append(plan.Skipped, skipOf("interaction", j, in.ID, err))
				continue
			}
			plan.Interactions++
			s := state.at(k)
			if s.lastID == "" && s.last.IsZero() || in.Time.After(s.last) || in.Time.Equal(s.last) && in.ID > s.lastID {
				s.last, s.lastID, s.next = in.Time, in.ID, in.NextContact
			}
		}
	}

	// the first day whose midnight lies in the window
	firstDay := time.Date(from.Year(), from.Month(), from.Day(), 0, 0, 0, 0, loc)
	if firstDay.Before(from) {
		firstDay = time.Date(from.Year(), from.Month(), from.Day()+1, 0, 0, 0, 0, loc)
	}
	for k := range state.n {
		if k%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return plan, err
			}
		}
		s := state.at(k)
		got := s.birthdayHit
		if !s.next.IsZero() {
			due := s.next.In(loc)
			r := Reminder{Kind: ReminderNextContact, CustomerID: s.id, Owner: s.owner, InteractionID: s.lastID, Due: due}
			switch {
			case due.Before(from):
				r.Date, r.Overdue = firstDay, true
				r.Detail = "planned for " + due.Format(time.DateOnly)
				if r.Date.Before(to) {
					out.add(r)
					got = true
				}
			case due.Before(to):
				r.Date = time.Date(due.Year(), due.Month(), due.Day(), 0, 0, 0, 0, loc)
				if !r.Date.Before(from) {
					out.add(r)
					got = true
				}
			}
		}
		if o.NoContactDays > 0 {
			base, what := s.last, "last contact "
			if base.IsZero() {
				base, what = s.created, "never contacted; created "
			}
			var day time.Time
			var detail string
			if base.IsZero() {
				day, detail = firstDay, "never contacted"
			} else {
				b := base.In(loc)
				day = time.Date(b.Year(), b.Month(), b.Day()+o.NoContactDays, 0, 0, 0, 0, loc)
				detail = fmt.Sprintf("%d days without contact (%s%s)", o.NoContactDays, what, b.Format(time.DateOnly))
			}
			if day.Before(from) {
				day = firstDay
			}
			if day.Before(to) {
				out.add(Reminder{Date: day, Kind: ReminderNoContact, CustomerID: s.id, Owner: s.owner, Detail: detail})
				got = true
			}
		}
		if got {
			plan.Reminded++
		} else {
			plan.Quiet++
		}
	}
	plan.Reminders = make([]Reminder, 0, out.n)
	for _, c := range out.chunks {
		plan.Reminders = append(plan.Reminders, c...)
	}
	sortReminders(plan.Reminders)
	return plan, nil
}

// skippable reports whether SkipBad may skip err: only record errors
// are; a stream's I/O error, a cancelled context or a window problem stops
// the plan.
func skippable(err error) bool {
	var re *crmkit.RecordError
	return errors.As(err, &re)
}

func skipOf(kind string, i int, id string, err error) Offender {
	s := skippedOffender(err)
	if s.Kind == "" {
		s.Kind, s.Index, s.ID = kind, i, id
	}
	return s
}

func sortReminders(rs []Reminder) {
	sortInPlace(rs, func(r *Reminder) [2]int64 {
		// a day's midnight has whole seconds, so Unix seconds order days
		return [2]int64{r.Date.Unix(), int64(kindRank(r.Kind))}
	}, func(a, b *Reminder) int {
		if c := strings.Compare(a.CustomerID, b.CustomerID); c != 0 {
			return c
		}
		if c := strings.Compare(a.Name, b.Name); c != 0 {
			return c
		}
		return strings.Compare(a.InteractionID, b.InteractionID)
	})
}

// checkCustomer reports the first problem that keeps a customer out of
// a plan: no ID, a duplicate ID, or an impossible birthday.
func checkCustomer(c Customer, i int, seen map[string]int) error {
	if c.ID == "" {
		return crmkit.Errorf("customer", i, "", "id", crmkit.ErrMissing, "")
	}
	if _, dup := seen[c.ID]; dup {
		return crmkit.Errorf("customer", i, c.ID, "id", crmkit.ErrDuplicate, "")
	}
	return checkReminderBirthday(c.Birthday, i, c.ID)
}

func checkReminderBirthday(b Birthday, i int, id string) error {
	bad := func(format string, args ...any) error {
		return crmkit.Errorf("customer", i, id, "birthday", crmkit.ErrInvalid, format, args...)
	}
	switch b.Calendar {
	case "":
		if !b.IsZero() {
			return bad("month/day given without a calendar")
		}
		return nil
	case Gregorian:
		if b.LeapMonth {
			return bad("leap month in a Gregorian birthday")
		}
		if b.Month < 1 || b.Month > 12 || b.Day < 1 {
			return bad("month %d day %d", b.Month, b.Day)
		}
		y := b.Year
		if y == 0 {
			y = 2000 // a leap year: 29 February is possible without a year
		}
		if b.Year < 0 || b.Day > daysInMonth(y, time.Month(b.Month)) {
			return bad("%04d-%02d-%02d does not exist", b.Year, b.Month, b.Day)
		}
		return nil
	case Lunar:
		if b.Month < 1 || b.Month > 12 || b.Day < 1 || b.Day > 30 || b.Year < 0 {
			return bad("lunar month %d day %d", b.Month, b.Day)
		}
		if b.Year >= LunarMinYear && b.Year <= LunarMaxYear {
			n, err := LunarMonthDays(b.Year, b.Month, b.LeapMonth)
			if err != nil {
				return bad("%v", err)
			}
			if b.Day > n {
				return bad("lunar %d month %d has %d days", b.Year, b.Month, n)
			}
		}
		return nil
	default:
		return bad("unknown calendar %q", b.Calendar)
	}
}

func daysInMonth(y int, m time.Month) int {
	return time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// checkInteraction checks an interaction and returns its customer's
// index.
func checkInteraction(in Interaction, j int, asOf time.Time, index map[string]int) (int, error) {
	if in.CustomerID == "" {
		return 0, crmkit.Errorf("interaction", j, in.ID, "customer_id", crmkit.ErrMissing, "")
	}
	k, ok := index[in.CustomerID]
	if !ok {
		return 0, crmkit.Errorf("interaction", j, in.ID, "customer_id", crmkit.ErrUnknownRef, "customer %q", in.CustomerID)
	}
	if in.Time.IsZero() {
		return 0, crmkit.Errorf("interaction", j, in.ID, "time", crmkit.ErrMissing, "")
	}
	if in.Time.After(asOf) {
		return 0, crmkit.Errorf("interaction", j, in.ID, "time", crmkit.ErrFuture, "%s after %s", in.Time.Format(time.RFC3339), asOf.Format(time.RFC3339))
	}
	return k, nil
}

// birthdayDays precomputes, for one window, the days on which each
// birthday month/day falls.
type birthdayDays struct {
	from, to time.Time
	loc      *time.Location
	feb29    Feb29Rule
	greg     [13][32][]birthdayEntry // [month][day] → days in the window
	lunar    [13][31][]birthdayEntry
	lunarErr error
	lunarOK  bool
}

type birthdayEntry struct {
	date   time.Time
	detail string
}

func newBirthdayDays(from, to time.Time, loc *time.Location, feb29 Feb29Rule) *birthdayDays {
	b := &birthdayDays{from: from, to: to, loc: loc, feb29: feb29}
	in := func(d time.Time) bool { return !d.Before(from) && d.Before(to) }
	for y := from.Year(); y <= to.Year(); y++ {
		for m := 1; m <= 12; m++ {
			for d := 1; d <= daysInMonth(2000, time.Month(m)); d++ {
				date := time.Date(y, time.Month(m), d, 0, 0, 0, 0, loc)
				detail := ""
				if m == 2 && d == 29 && daysInMonth(y, time.February) == 28 {
					switch feb29 {
					case Feb29Skip:
						continue
					case Feb29OnMar1:
						date = time.Date(y, time.March, 1, 0, 0, 0, 0, loc)
						detail = "29 February remembered on 1 March"
					default:
						date = time.Date(y, time.February, 28, 0, 0, 0, 0, loc)
						detail = "29 February remembered on 28 February"
					}
				}
				if in(date) {
					b.greg[m][d] = append(b.greg[m][d], birthdayEntry{date, detail})
				}
			}
		}
	}
	return b
}

// lunarDays fills the lunar table on first use, so that a plan without
// lunar birthdays works for any window.
func (b *birthdayDays) lunarDays() error {
	if b.lunarOK || b.lunarErr != nil {
		return b.lunarErr
	}
	if !b.from.Before(b.to) {
		b.lunarOK = true // an empty window needs no lunar dates
		return nil
	}
	lo := time.Date(LunarMinYear, 1, 31, 0, 0, 0, 0, b.loc)
	hi := time.Date(LunarMaxYear+1, 1, 29, 0, 0, 0, 0, b.loc)
	if b.from.Before(lo) || b.to.After(hi) {
		b.lunarErr = fmt.Errorf("customer: lunar birthdays for [%s, %s): %w", b.from.Format(time.DateOnly), b.to.Format(time.DateOnly), ErrLunarRange)
		return b.lunarErr
	}
	in := func(d time.Time) bool { return !d.Before(b.from) && d.Before(b.to) }
	for ly := max(b.from.Year()-1, LunarMinYear); ly <= min(b.to.Year(), LunarMaxYear); ly++ {
		for m := 1; m <= 12; m++ {
			n, _ := LunarMonthDays(ly, m, false)
			for d := 1; d <= 30; d++ {
				dd, detail := d, ""
				if d > n {
					dd, detail = n, fmt.Sprintf("lunar %d/30 remembered on %d/%d: the month has %d days", m, m, n, n)
				}
				day, err := fromLunarDays(LunarDate{Year: ly, Month: m, Day: dd})
				if err != nil {
					b.lunarErr = err
					return err
				}
				y, mo, da := civilFromDays(day)
				date := time.Date(y, mo, da, 0, 0, 0, 0, b.loc)
				if in(date) {
					if detail == "" {
						detail = fmt.Sprintf("lunar %d/%d (%s)", m, d, LunarDate{Year: ly, Month: m, Day: dd})
					}
					b.lunar[m][d] = append(b.lunar[m][d], birthdayEntry{date, detail})
				}
			}
		}
	}
	b.lunarOK = true
	return nil
}

func (b *birthdayDays) reminders(c Customer, i int) ([]Reminder, error) {
	var days []birthdayEntry
	switch c.Birthday.Calendar {
	case Gregorian:
		days = b.greg[c.Birthday.Month][c.Birthday.Day]
	case Lunar:
		if err := b.lunarDays(); err != nil {
			return nil, err
		}
		days = b.lunar[c.Birthday.Month][c.Birthday.Day]
	default:
		return nil, nil
	}
	if len(days) == 0 {
		return nil, nil
	}
	out := make([]Reminder, 0, len(days))
	for _, d := range days {
		detail := d.detail
		if c.Birthday.LeapMonth {
			detail += fmt.Sprintf("; born in leap month %d, remembered in month %d", c.Birthday.Month, c.Birthday.Month)
		}
		out = append(out, Reminder{Date: d.date, Kind: ReminderBirthday, CustomerID: c.ID, Owner: c.Owner, Name: c.Name, Detail: detail})
	}
	return out, nil
}
