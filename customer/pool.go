package customer

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"iter"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/crmkit/crmkit"
)

// DealRef is what the customer package needs to know about a host's deal:
// its ID, its customer, whether it is open, and when it closed (zero while
// open or when unknown). The zero value is not a valid reference.
type DealRef struct {
	ID         string    `json:"id"`
	CustomerID string    `json:"customer_id"`
	Open       bool      `json:"open"`
	Closed     time.Time `json:"closed,omitzero"`
}

// ReclaimKind names the inactivity a [ReclaimRule] measures. The zero value
// is invalid in a rule.
type ReclaimKind string

const (
	// ReclaimNoFollowUp counts days since the customer's last interaction.
	ReclaimNoFollowUp ReclaimKind = "no_follow_up"
	// ReclaimNoOpenDeal counts days without an open deal: it never fires while the
	// customer has an open deal, and otherwise counts from the latest Closed
	// time among the customer's deals.
	ReclaimNoOpenDeal ReclaimKind = "no_open_deal"
	// ReclaimNoPurchase counts days since the customer's last order with a positive
	// amount (refunds do not count as purchases).
	ReclaimNoPurchase ReclaimKind = "no_purchase"
)

// ReclaimRule returns a customer to the shared pool after Days days of the
// inactivity Kind. Level selects the customers it applies to: a rule with a
// Level applies to customers of that level; rules with Level "" apply to
// customers whose level has no rule of its own. Every clock starts no
// earlier than the customer's Created time, so a new customer is not
// reclaimed for lacking a history.
//
// WarnDays, when positive, warns that many days before the customer is
// reclaimed; 0 means [ReclaimOptions].WarnDays. Name identifies the rule in
// the plan; "" means "<level>/<kind>/<days>d". Days and WarnDays are at
// most 100,000 (some 270 years; larger counts overflowed the date
// arithmetic). The zero value is invalid (Kind and Days are required).
type ReclaimRule struct {
	Name     string      `json:"name,omitempty"`
	Level    string      `json:"level,omitempty"`
	Kind     ReclaimKind `json:"kind"`
	Days     int         `json:"days"`
	WarnDays int         `json:"warn_days,omitempty"`
}

func (r ReclaimRule) name() string {
	if r.Name != "" {
		return r.Name
	}
	lv := r.Level
	if lv == "" {
		lv = "*"
	}
	return fmt.Sprintf("%s/%s/%dd", lv, r.Kind, r.Days)
}

// ReclaimInput holds the record streams [PlanReclaim] reads. Customers is
// required; the others may be nil (then no customer has interactions,
// orders or deals). The streams are read one after the other, Customers
// first, each at most once. The zero value has no customer stream, which
// [PlanReclaim] rejects.
type ReclaimInput struct {
	Customers    iter.Seq2[Customer, error]
	Interactions iter.Seq2[Interaction, error]
	Orders       iter.Seq2[Order, error]
	Deals        iter.Seq2[DealRef, error]
}

// ReclaimOptions tunes [PlanReclaim]. A nil pointer or the zero value means:
// UTC, no warnings, stop at the first bad record.
type ReclaimOptions struct {
	// Location is the time zone whose calendar days count; nil means UTC. A
	// customer last followed up on day D is reclaimed at midnight starting
	// day D+N.
	Location *time.Location
	// WarnDays is the default warning lead (K) for rules that set none.
	WarnDays int
	// SkipBad skips bad records (*crmkit.RecordError) instead of stopping;
	// the plan lists them. Other stream errors always stop the plan.
	SkipBad bool
}

// ReclaimAction is what a plan does with one customer. The zero value names
// no action.
type ReclaimAction string

const (
	// ReclaimNow: return the customer to the pool now.
	ReclaimNow ReclaimAction = "reclaim"
	// ReclaimWarn: the customer will be reclaimed within the warning lead.
	ReclaimWarn ReclaimAction = "warn"
	// ReclaimKeep: nothing to do (including customers already in the pool).
	ReclaimKeep ReclaimAction = "keep"
)

// ReclaimItem is the plan's decision for one customer. Owner is the rep the
// customer is taken from ("" for a customer already in the pool). Rule and
// Kind name the rule that decided (for [ReclaimNow] and [ReclaimWarn]; for
// [ReclaimKeep] the rule that will fire first, if any). Since is when that rule's clock started,
// Due when it fires (midnight in the plan's location), DaysLeft the whole
// days from AsOf to Due (0 for Reclaim). Reason says it in words. It is plain data: the zero value is empty, and a value may be read
// from several goroutines but not modified concurrently.
type ReclaimItem struct {
	CustomerID string        `json:"customer_id"`
	Owner      string        `json:"owner,omitempty"`
	Level      string        `json:"level,omitempty"`
	Action     ReclaimAction `json:"action"`
	Rule       string        `json:"rule,omitempty"`
	Kind       ReclaimKind   `json:"kind,omitempty"`
	Since      time.Time     `json:"since,omitzero"`
	Due        time.Time     `json:"due,omitzero"`
	DaysLeft   int           `json:"days_left,omitempty"`
	Reason     string        `json:"reason"`
}

// ReclaimPlan is the result of [PlanReclaim]. Items holds exactly one entry
// per customer read (skipped customers excepted, which are in Skipped),
// sorted by action (reclaim, warn, keep), then Due (none last), then
// customer ID.
// Customers = Reclaimed + Warned + Kept + SkippedCustomers. It is plain data: the zero value is empty, and a value may be read
// from several goroutines but not modified concurrently.
type ReclaimPlan struct {
	AsOf             time.Time     `json:"as_of"`
	Items            []ReclaimItem `json:"items"`
	Customers        int           `json:"customers"`
	Reclaimed        int           `json:"reclaimed"`
	Warned           int           `json:"warned"`
	Kept             int           `json:"kept"`
	SkippedCustomers int           `json:"skipped_customers"`
	Skipped          []Offender    `json:"skipped,omitempty"`
}

// poolState is what PlanReclaim keeps per customer.
type poolState struct {
	id, owner, level string
	created          time.Time
	lastFollow       time.Time
	lastPurchase     time.Time
	lastClosed       time.Time
	openDeal         bool
}

// maxRuleDays bounds day counts in rules: far beyond any real policy, and
// far from overflowing time arithmetic.
const maxRuleDays = 100_000

// checkRules validates reclaim rules and groups them by level.
func checkRules(rules []ReclaimRule, defWarn int) (map[string][]ReclaimRule, error) {
	var errs []error
	byLevel := map[string][]ReclaimRule{}
	seen := map[[2]string]bool{}
	if defWarn < 0 || defWarn > maxRuleDays {
		errs = append(errs, fmt.Errorf("customer: reclaim options: %w: WarnDays %d is not in [0, %d]", crmkit.ErrInvalid, defWarn, maxRuleDays))
	}
	for i, r := range rules {
		bad := func(format string, args ...any) {
			errs = append(errs, fmt.Errorf("customer: reclaim rule #%d %q: %w: %s", i, r.name(), crmkit.ErrInvalid, fmt.Sprintf(format, args...)))
		}
		switch r.Kind {
		case ReclaimNoFollowUp, ReclaimNoOpenDeal, ReclaimNoPurchase:
		default:
			bad("unknown kind %q", r.Kind)
		}
		if r.Days <= 0 || r.Days > maxRuleDays {
			bad("days %d must be in [1, %d]", r.Days, maxRuleDays)
		}
		if r.WarnDays < 0 || r.WarnDays > maxRuleDays {
			bad("warn days %d must be in [0, %d]", r.WarnDays, maxRuleDays)
		}
		k := [2]string{r.Level, string(r.Kind)}
		if seen[k] {
			bad("a second %s rule for level %q", r.Kind, r.Level)
		}
		seen[k] = true
		if r.WarnDays == 0 {
			r.WarnDays = defWarn
		}
		r.Name = r.name() // computed once, not per customer
		byLevel[r.Level] = append(byLevel[r.Level], r)
	}
	return byLevel, errors.Join(errs...)
}

// PlanReclaim decides, as of asOf, which customers return to the shared
// pool under rules, which get a warning, and which stay. It reads
// in.Customers fully, then in.Interactions, in.Orders and in.Deals; memory
// grows with the number of customers.
//
// For each customer the applicable rules (see [ReclaimRule]) each give a due
// day: the day the rule's clock started plus Days, at midnight in
// ReclaimOptions.Location. The earliest due day decides (ties: rule order):
// due at or before asOf means [ReclaimNow], within the rule's warning lead
// [ReclaimWarn], else [ReclaimKeep]. Customers already in the pool (Owner "")
// are kept. A level with no rules and no default rules keeps its customers.
// A customer with no date at all (no Created, no activity) is due at once.
//
// Invalid rules or options are reported all at once (errors.Join, each
// wrapping crmkit.ErrInvalid). Bad records (a customer without ID or with a
// duplicate ID; an interaction, order or deal without a customer, for an
// unknown customer, or timed after asOf) stop the plan with a
// [*crmkit.RecordError], or are skipped and listed with
// ReclaimOptions.SkipBad. PlanReclaim honours ctx between records and is safe
// for concurrent use.
func PlanReclaim(ctx context.Context, asOf time.Time, in ReclaimInput, rules []ReclaimRule, opts *ReclaimOptions) (ReclaimPlan, error) {
	var o ReclaimOptions
	if opts != nil {
		o = *opts
	}
	loc := o.Location
	if loc == nil {
		loc = time.UTC
	}
	plan := ReclaimPlan{AsOf: asOf, Items: []ReclaimItem{}}
	byLevel, err := checkRules(rules, o.WarnDays)
	if err != nil {
		return plan, err
	}
	if in.Customers == nil {
		return plan, fmt.Errorf("customer: reclaim: %w: no customer stream", crmkit.ErrMissing)
	}
	var state chunkedList[poolState]
	index := map[string]int{}
	skip := func(kind string, i int, id string, err error) error {
		if !o.SkipBad || !skippable(err) {
			return err
		}
		plan.Skipped = append(plan.Skipped, skipOf(kind, i, id, err))
		return nil
	}
	i := -1
	for c, err := range in.Customers {
		i++
		if err == nil {
			if err = ctx.Err(); err != nil {
				return plan, err
			}
			if c.ID == "" {
				err = crmkit.Errorf("customer", i, "", "id", crmkit.ErrMissing, "")
			} else if _, dup := index[c.ID]; dup {
				err = crmkit.Errorf("customer", i, c.ID, "id", crmkit.ErrDuplicate, "")
			}
		}
		plan.Customers++
		if err != nil {
			plan.SkippedCustomers++
			if err := skip("customer", i, c.ID, err); err != nil {
				return plan, err
			}
			continue
		}
		index[c.ID] = state.add(poolState{id: c.ID, owner: c.Owner, level: c.Level, created: c.Created})
	}

	// ref checks one record of a secondary stream and returns its
	// customer's state, or nil when it was skipped.
	ref := func(kind string, j int, id, customerID string, t time.Time, timeField string, err error) (*poolState, error) {
		if err == nil {
			if err = ctx.Err(); err != nil {
				return nil, err
			}
		}
		var k int
		if err == nil {
			var ok bool
			switch k, ok = index[customerID]; {
			case customerID == "":
				err = crmkit.Errorf(kind, j, id, "customer_id", crmkit.ErrMissing, "")
			case !ok:
				err = crmkit.Errorf(kind, j, id, "customer_id", crmkit.ErrUnknownRef, "customer %q", customerID)
			case t.After(asOf):
				err = crmkit.Errorf(kind, j, id, timeField, crmkit.ErrFuture, "%s after %s", t.Format(time.RFC3339), asOf.Format(time.RFC3339))
			}
		}
		if err != nil {
			return nil, skip(kind, j, id, err)
		}
		return state.at(k), nil
	}
	if in.Interactions != nil {
		j := -1
		for x, err := range in.Interactions {
			j++
			s, err := ref("interaction", j, x.ID, x.CustomerID, x.Time, "time", err)
			if err != nil {
				return plan, err
			}
			if s != nil && x.Time.After(s.lastFollow) {
				s.lastFollow = x.Time
			}
		}
	}
	if in.Orders != nil {
		j := -1
		for x, err := range in.Orders {
			j++
			s, err := ref("order", j, x.ID, x.CustomerID, x.Time, "time", err)
			if err != nil {
				return plan, err
			}
			if s != nil && x.Amount.IsPositive() && x.Time.After(s.lastPurchase) {
				s.lastPurchase = x.Time
			}
		}
	}
	if in.Deals != nil {
		j := -1
		for x, err := range in.Deals {
			j++
			s, err := ref("deal", j, x.ID, x.CustomerID, x.Closed, "closed", err)
			if err != nil {
				return plan, err
			}
			if s == nil {
				continue
			}
			if x.Open {
				s.openDeal = true
			} else if x.Closed.After(s.lastClosed) {
				s.lastClosed = x.Closed
			}
		}
	}

	plan.Items = make([]ReclaimItem, 0, state.n)
	for k := range state.n {
		if k%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return plan, err
			}
		}
		it := decideReclaim(state.at(k), byLevel, asOf, loc)
		switch it.Action {
		case ReclaimNow:
			plan.Reclaimed++
		case ReclaimWarn:
			plan.Warned++
		default:
			plan.Kept++
		}
		plan.Items = append(plan.Items, it)
	}
	sortInPlace(plan.Items, func(it *ReclaimItem) [2]int64 {
		rank := int64(2)
		switch it.Action {
		case ReclaimNow:
			rank = 0
		case ReclaimWarn:
			rank = 1
		}
		due := int64(math.MaxInt64) // no due day sorts last
		if !it.Due.IsZero() {
			due = it.Due.Unix()
		}
		return [2]int64{rank, due}
	}, func(a, b *ReclaimItem) int { return strings.Compare(a.CustomerID, b.CustomerID) })
	return plan, nil
}

// decideReclaim applies the rules to one customer.
func decideReclaim(s *poolState, byLevel map[string][]ReclaimRule, asOf time.Time, loc *time.Location) ReclaimItem {
	it := ReclaimItem{CustomerID: s.id, Owner: s.owner, Level: s.level, Action: ReclaimKeep}
	if s.owner == "" {
		it.Reason = "already in the pool"
		return it
	}
	rules, ok := byLevel[s.level]
	if !ok {
		rules = byLevel[""]
	}
	if len(rules) == 0 {
		it.Reason = fmt.Sprintf("no rule applies to level %q", s.level)
		return it
	}
	var best *ReclaimRule
	var bestSince, bestDue time.Time
	openDeal := false
	for r := range rules {
		rule := &rules[r]
		var since time.Time
		switch rule.Kind {
		case ReclaimNoFollowUp:
			since = s.lastFollow
		case ReclaimNoPurchase:
			since = s.lastPurchase
		case ReclaimNoOpenDeal:
			if s.openDeal {
				openDeal = true
				continue
			}
			since = s.lastClosed
		}
		if s.created.After(since) {
			since = s.created
		}
		var due time.Time
		if since.IsZero() {
			due = time.Time{} // no clock start at all: due long ago
		} else {
			d := since.In(loc)
			due = time.Date(d.Year(), d.Month(), d.Day()+rule.Days, 0, 0, 0, 0, loc)
		}
		if best == nil || due.Before(bestDue) {
			best, bestSince, bestDue = rule, since, due
		}
	}
	if best == nil {
		it.Reason = "has an open deal"
		return it
	}
	it.Rule, it.Kind, it.Since, it.Due = best.name(), best.Kind, bestSince, bestDue
	what := "purchase"
	switch best.Kind {
	case ReclaimNoFollowUp:
		what = "follow-up"
	case ReclaimNoOpenDeal:
		what = "open deal"
	}
	since := "ever (no date known)"
	if !bestSince.IsZero() {
		since = "since " + bestSince.In(loc).Format(time.DateOnly)
	}
	switch {
	case !bestDue.After(asOf):
		it.Action = ReclaimNow
		it.Reason = fmt.Sprintf("no %s %s; limit %d days reached", what, since, best.Days)
	default:
		left := daysBetween(asOf.In(loc), bestDue)
		it.DaysLeft = left
		if left <= best.WarnDays {
			it.Action = ReclaimWarn
			it.Reason = fmt.Sprintf("no %s %s; reclaimed in %d days", what, since, left)
		} else {
			it.Reason = fmt.Sprintf("next check: no %s %s, due in %d days", what, since, left)
		}
	}
	if openDeal && it.Action == ReclaimKeep {
		it.Reason += "; has an open deal"
	}
	return it
}

// daysBetween counts calendar days from a's day to b's day (b a
// midnight), rounding a partial first day up.
func daysBetween(a, b time.Time) int {
	ad := daysFromCivil(a.Date())
	bd := daysFromCivil(b.Date())
	n := bd - ad
	if n < 1 {
		n = 1
	}
	return n
}

// sortInPlace sorts items by key, then by tie. It sorts a small
// permutation and then moves each (large) element along its cycle once,
// instead of at every swap, without a second copy of items.
func sortInPlace[T any](items []T, key func(*T) [2]int64, tie func(a, b *T) int) {
	type entry struct {
		k   [2]int64
		idx int
	}
	perm := make([]entry, len(items))
	for i := range items {
		perm[i] = entry{key(&items[i]), i}
	}
	slices.SortFunc(perm, func(a, b entry) int {
		if c := cmp.Compare(a.k[0], b.k[0]); c != 0 {
			return c
		}
		if c := cmp.Compare(a.k[1], b.k[1]); c != 0 {
			return c
		}
		return tie(&items[a.idx], &items[b.idx])
	})
	// position i must receive items[perm[i].idx]; follow each cycle once.
	for i := range perm {
		if perm[i].idx < 0 || perm[i].idx == i {
			continue
		}
		tmp := items[i]
		j := i
		for {
			src := perm[j].idx
			perm[j].idx = -1
			if src == i {
				items[j] = tmp
				break
			}
			items[j] = items[src]
			j = src
		}
	}
}

// chunkedList is an append-only sequence stored in fixed-size chunks, so
// that growing to a million entries never copies what it holds.
type chunkedList[T any] struct {
	chunks [][]T
	n      int
}

const chunkSize = 8192

func (c *chunkedList[T]) add(v T) int {
	if c.n%chunkSize == 0 {
		c.chunks = append(c.chunks, make([]T, 0, chunkSize))
	}
	last := len(c.chunks) - 1
	c.chunks[last] = append(c.chunks[last], v)
	c.n++
	return c.n - 1
}

func (c *chunkedList[T]) at(i int) *T { return &c.chunks[i/chunkSize][i%chunkSize] }
