package customer

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"math/bits"
	"slices"
	"strings"
	"time"

	"github.com/crmkit/crmkit"
)

// Capacity is implemented by the host to tell [PlanHandover] and
// [VerifyHandover] how many customers a rep may own in total (the book the
// rep already has plus what a handover adds).
//
// Capacity returns a number ≥ 0, or [NoCapacityLimit] for a rep without a
// limit; any other negative number is an error. It is called once per rep
// per plan, in the order of the reps given, from the calling goroutine; an
// implementation shared between concurrent plans must be safe for concurrent
// use. It should answer the same for the same rep within one plan and
// VerifyHandover of it. An error aborts the call and is returned wrapped.
//
// Package customertest checks an implementation against this contract.
type Capacity interface {
	Capacity(ctx context.Context, rep string) (int, error)
}

// CapacityFunc adapts a function to [Capacity]. It is as safe for concurrent
// use as the function; the zero value (nil) must not be used.
type CapacityFunc func(ctx context.Context, rep string) (int, error)

// Capacity calls f(ctx, rep).
func (f CapacityFunc) Capacity(ctx context.Context, rep string) (int, error) { return f(ctx, rep) }

// NoCapacityLimit is the capacity of a rep without a limit.
const NoCapacityLimit = -1

// ErrOverCapacity is wrapped by [VerifyHandover]'s error when a plan gives a
// rep more customers than the rep's capacity allows.
var ErrOverCapacity = errors.New("customer: rep over capacity")

// HandoverPolicy is how [PlanHandover] chooses among the eligible reps. The
// zero value means [HandoverLeastLoaded].
type HandoverPolicy string

const (
	// HandoverLeastLoaded gives each customer to the eligible rep who owns
	// the fewest customers at that moment (ties: the earlier rep in the
	// list). It is the default.
	HandoverLeastLoaded HandoverPolicy = "least_loaded"
	// HandoverRoundRobin deals the customers out in turn, in the order of
	// the reps, skipping reps at capacity. Each route keeps its own turn.
	HandoverRoundRobin HandoverPolicy = "round_robin"
	// HandoverCapacityWeighted gives each customer to the eligible rep whose
	// book would be the smallest fraction of their capacity (ties: the
	// earlier rep), so reps fill in proportion to capacity. Every rep needs
	// a finite capacity.
	HandoverCapacityWeighted HandoverPolicy = "capacity_weighted"
)

// HandoverRoute keeps customers by tag or territory: a customer that carries
// Tag (when set) and whose Attributes[Attribute] equals Value (when
// Attribute is set) may go only to Reps, chosen among them by the policy.
// The first matching route wins; customers that match none may go to any
// rep. Name labels the route in the plan ("" means "route #i"). A route
// needs Tag or Attribute and at least one rep, all of them among the
// remaining reps. The zero value is invalid.
type HandoverRoute struct {
	Name      string   `json:"name,omitempty"`
	Tag       string   `json:"tag,omitempty"`
	Attribute string   `json:"attribute,omitempty"`
	Value     string   `json:"value,omitempty"`
	Reps      []string `json:"reps"`
}

// HandoverInput holds the record streams [PlanHandover] reads. Customers is
// the whole book (every owner's customers: the others' count towards their
// load); it is required. Deals and FollowUps may be nil: open deals
// (DealRef.Open) and pending follow-ups (interactions the host considers
// pending, typically with a NextContact) of the leaving rep's customers are
// carried along in the plan by ID; closed deals are ignored. Each stream is
// read at most once. The zero value has no customer stream, which
// [PlanHandover] rejects.
type HandoverInput struct {
	Customers iter.Seq2[Customer, error]
	Deals     iter.Seq2[DealRef, error]
	FollowUps iter.Seq2[Interaction, error]
}

// HandoverOptions tunes [PlanHandover]. A nil pointer or the zero value
// means: least loaded, no routes, no capacity limits, stop at the first bad
// record.
type HandoverOptions struct {
	Policy   HandoverPolicy
	Routes   []HandoverRoute
	Capacity Capacity
	// SkipBad skips bad records (*crmkit.RecordError) instead of stopping;
	// the plan lists them; other stream errors always stop the plan. A
	// skipped customer of the leaving rep is not in the plan, so the host
	// must fix it and plan again.
	SkipBad bool
}

// HandoverAssignment is the audit record of one customer: From is the
// leaving rep, To the new owner ("" when the customer could not be placed),
// Reason why (policy and route, or why not placed). Deals and FollowUps are
// the IDs carried along, sorted. It is plain data: the zero value is empty, and a value may be read
// from several goroutines but not modified concurrently.
type HandoverAssignment struct {
	CustomerID string   `json:"customer_id"`
	From       string   `json:"from"`
	To         string   `json:"to,omitempty"`
	Route      string   `json:"route,omitempty"`
	Reason     string   `json:"reason"`
	Deals      []string `json:"deals,omitempty"`
	FollowUps  []string `json:"follow_ups,omitempty"`
}

// RepLoad is one remaining rep's book in a [HandoverPlan]: customers owned
// before the handover, customers added, and capacity ([NoCapacityLimit] when
// unlimited). It is plain data: the zero value is empty, and a value may be read
// from several goroutines but not modified concurrently.
type RepLoad struct {
	Rep      string `json:"rep"`
	Before   int    `json:"before"`
	Added    int    `json:"added"`
	Capacity int    `json:"capacity"`
}

// HandoverPlan is the result of [PlanHandover]. Each customer of the leaving
// rep that was read appears exactly once: in Assignments (placed) or in
// Unplaced (with the reason), both sorted by customer ID. Loads lists the
// remaining reps in the order given. Customers counts the book's records
// read; Moving counts the leaving rep's customers (len(Assignments) +
// len(Unplaced)). It is plain data: the zero value is empty, and a value may be read
// from several goroutines but not modified concurrently.
type HandoverPlan struct {
	AsOf        time.Time            `json:"as_of"`
	Leaving     string               `json:"leaving"`
	Policy      HandoverPolicy       `json:"policy"`
	Assignments []HandoverAssignment `json:"assignments"`
	Unplaced    []HandoverAssignment `json:"unplaced"`
	Loads       []RepLoad            `json:"loads"`
	Customers   int                  `json:"customers"`
	Moving      int                  `json:"moving"`
	Skipped     []Offender           `json:"skipped,omitempty"`
}

// PlanHandover plans the handover of every customer owned by the rep
// leaving to the remaining reps, as of asOf. It reads in.Customers fully,
// then in.Deals and in.FollowUps; memory grows with the number of customers.
//
// Customers are placed one at a time: first those that match a route (route
// by route), then the rest, each group in ID order, so the plan does not
// depend on the stream's order and routed customers are not crowded out.
// For each, the eligible reps are the first matching route's reps (or all
// reps); among those with room (capacity not reached) the policy chooses. A customer whose eligible reps are all at capacity, or
// who has no reps to go to, is Unplaced with the reason. The same input gives
// the same plan.
//
// Errors: an empty leaving rep, an empty or duplicate rep ID, the leaving
// rep among the reps, an invalid route or policy, or an unusable capacity
// are reported together (errors.Join, wrapping crmkit.ErrInvalid or
// crmkit.ErrMissing). A bad record (customer without ID or with a duplicate
// ID; a deal or follow-up without ID, for an unknown customer, or a
// follow-up timed after asOf) stops the plan with a [*crmkit.RecordError],
// or is skipped and listed with HandoverOptions.SkipBad. The capacity
// host's errors are returned wrapped. PlanHandover honours ctx and is safe
// for concurrent use when the Capacity is.
func PlanHandover(ctx context.Context, asOf time.Time, leaving string, reps []string, in HandoverInput, opts *HandoverOptions) (HandoverPlan, error) {
	var o HandoverOptions
	if opts != nil {
		o = *opts
	}
	if o.Policy == "" {
		o.Policy = HandoverLeastLoaded
	}
	plan := HandoverPlan{AsOf: asOf, Leaving: leaving, Policy: o.Policy, Assignments: []HandoverAssignment{}, Unplaced: []HandoverAssignment{}, Loads: []RepLoad{}}
	repIndex, err := checkHandover(leaving, reps, &o)
	if err != nil {
		return plan, err
	}
	if in.Customers == nil {
		return plan, fmt.Errorf("customer: handover: %w: no customer stream", crmkit.ErrMissing)
	}
	for _, r := range reps {
		c := NoCapacityLimit
		if o.Capacity != nil {
			if c, err = o.Capacity.Capacity(ctx, r); err != nil {
				return plan, fmt.Errorf("customer: capacity of rep %q: %w", r, err)
			}
			if c < NoCapacityLimit {
				return plan, fmt.Errorf("customer: capacity of rep %q: %w: %d", r, crmkit.ErrInvalid, c)
			}
			if c == NoCapacityLimit && o.Policy == HandoverCapacityWeighted {
				return plan, fmt.Errorf("customer: capacity of rep %q: %w: capacity-weighted handover needs a finite capacity", r, crmkit.ErrInvalid)
			}
		}
		plan.Loads = append(plan.Loads, RepLoad{Rep: r, Capacity: c})
	}

	skip := func(kind string, i int, id string, err error) error {
		if !o.SkipBad || !skippable(err) {
			return err
		}
		plan.Skipped = append(plan.Skipped, skipOf(kind, i, id, err))
		return nil
	}
	seen := map[string]int{} // customer ID → index in moving, or -1
	var moving []Customer
	i := -1
	for c, err := range in.Customers {
		i++
		if err == nil {
			if err = ctx.Err(); err != nil {
				return plan, err
			}
			if c.ID == "" {
				err = crmkit.Errorf("customer", i, "", "id", crmkit.ErrMissing, "")
			} else if _, dup := seen[c.ID]; dup {
				err = crmkit.Errorf("customer", i, c.ID, "id", crmkit.ErrDuplicate, "")
			}
		}
		plan.Customers++
		if err != nil {
			if err := skip("customer", i, c.ID, err); err != nil {
				return plan, err
			}
			continue
		}
		if c.Owner == leaving {
			seen[c.ID] = len(moving)
			moving = append(moving, c)
			continue
		}
		seen[c.ID] = -1
		if k, ok := repIndex[c.Owner]; ok {
			plan.Loads[k].Before++
		}
	}
	plan.Moving = len(moving)
	carried := make([]struct{ deals, follow []string }, len(moving))
	ref := func(kind string, j int, id, customerID string, t time.Time, err error) (int, error) {
		if err == nil {
			if err = ctx.Err(); err != nil {
				return -1, err
			}
			k, ok := seen[customerID]
			switch {
			case id == "":
				err = crmkit.Errorf(kind, j, "", "id", crmkit.ErrMissing, "")
			case customerID == "":
				err = crmkit.Errorf(kind, j, id, "customer_id", crmkit.ErrMissing, "")
			case !ok:
				err = crmkit.Errorf(kind, j, id, "customer_id", crmkit.ErrUnknownRef, "customer %q", customerID)
			case t.After(asOf):
				err = crmkit.Errorf(kind, j, id, "time", crmkit.ErrFuture, "%s after %s", t.Format(time.RFC3339), asOf.Format(time.RFC3339))
			default:
				return k, nil
			}
		}
		return -1, skip(kind, j, id, err)
	}
	if in.Deals != nil {
		j := -1
		for d, err := range in.Deals {
			j++
			k, err := ref("deal", j, d.ID, d.CustomerID, time.Time{}, err)
			if err != nil {
				return plan, err
			}
			if k >= 0 && d.Open {
				carried[k].deals = append(carried[k].deals, d.ID)
			}
		}
	}
	if in.FollowUps != nil {
		j := -1
		for f, err := range in.FollowUps {
			j++
			k, err := ref("interaction", j, f.ID, f.CustomerID, f.Time, err)
			if err != nil {
				return plan, err
			}
			if k >= 0 {
				carried[k].follow = append(carried[k].follow, f.ID)
			}
		}
	}

	// Routed customers go first, route by route, so that customers who may
	// go anywhere do not take the room that routed ones need; within a group
	// the order is by ID.
	routeOf := make([]int, len(moving))
	order := make([]int, len(moving))
	for k := range order {
		order[k] = k
		routeOf[k] = matchRoute(moving[k], o.Routes)
		if routeOf[k] < 0 {
			routeOf[k] = len(o.Routes)
		}
	}
	slices.SortFunc(order, func(a, b int) int {
		if c := routeOf[a] - routeOf[b]; c != 0 {
			return c
		}
		return strings.Compare(moving[a].ID, moving[b].ID)
	})

	// eligible rep indices per route, and -1 for "no route"
	all := make([]int, len(reps))
	for k := range all {
		all[k] = k
	}
	routeReps := make([][]int, len(o.Routes))
	for r, rt := range o.Routes {
		for _, rep := range rt.Reps {
			routeReps[r] = append(routeReps[r], repIndex[rep])
		}
	}
	turn := make([]int, len(o.Routes)+1) // round-robin cursor per route; last: no route
	for n, k := range order {
		if n%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return plan, err
			}
		}
		c := moving[k]
		a := HandoverAssignment{CustomerID: c.ID, From: leaving, Deals: sortedStrings(carried[k].deals), FollowUps: sortedStrings(carried[k].follow)}
		route := routeOf[k]
		if route == len(o.Routes) {
			route = -1
		}
		eligible, cursor := all, &turn[len(o.Routes)]
		if route >= 0 {
			eligible, cursor = routeReps[route], &turn[route]
			a.Route = routeName(o.Routes[route], route)
		}
		pick := pickRep(plan.Loads, eligible, o.Policy, cursor)
		switch {
		case len(eligible) == 0:
			a.Reason = "no remaining reps"
		case pick < 0 && route >= 0:
			a.Reason = fmt.Sprintf("every rep of route %s is at capacity", a.Route)
		case pick < 0:
			a.Reason = "every rep is at capacity"
		default:
			plan.Loads[pick].Added++
			a.To = plan.Loads[pick].Rep
			a.Reason = string(o.Policy)
			if route >= 0 {
				a.Reason += " within route " + a.Route
			}
		}
		if a.To == "" {
			plan.Unplaced = append(plan.Unplaced, a)
		} else {
			plan.Assignments = append(plan.Assignments, a)
		}
	}
	byID := func(a, b HandoverAssignment) int { return strings.Compare(a.CustomerID, b.CustomerID) }
	slices.SortFunc(plan.Assignments, byID)
	slices.SortFunc(plan.Unplaced, byID)
	return plan, nil
}

func sortedStrings(s []string) []string {
	slices.Sort(s)
	return s
}

func routeName(r HandoverRoute, i int) string {
	if r.Name != "" {
		return r.Name
	}
	return fmt.Sprintf("route #%d", i)
}

// matchRoute returns the index of the first route c matches, or -1.
// A customer with many tags gets a set of them, so that the work is the
// number of tags plus the number of routes, not their product.
func matchRoute(c Customer, routes []HandoverRoute) int {
	hasTag := func(tag string) bool { return slices.Contains(c.Tags, tag) }
	if len(c.Tags) > 16 && len(routes) > 1 {
		set := make(map[string]struct{}, len(c.Tags))
		for _, t := range c.Tags {
			set[t] = struct{}{}
		}
		hasTag = func(tag string) bool { _, ok := set[tag]; return ok }
	}
	for i, r := range routes {
		if r.Tag != "" && !hasTag(r.Tag) {
			continue
		}
		if r.Attribute != "" && c.Attributes[r.Attribute] != r.Value {
			continue
		}
		return i
	}
	return -1
}

func hasRoom(l RepLoad) bool {
	return l.Capacity == NoCapacityLimit || l.Before+l.Added < l.Capacity
}

// pickRep chooses a rep index among eligible ones with room, or -1.
func pickRep(loads []RepLoad, eligible []int, policy HandoverPolicy, cursor *int) int {
	switch policy {
	case HandoverRoundRobin:
		for n := 0; n < len(eligible); n++ {
			k := eligible[(*cursor+n)%len(eligible)]
			if hasRoom(loads[k]) {
				*cursor = (*cursor + n + 1) % len(eligible)
				return k
			}
		}
		return -1
	case HandoverCapacityWeighted:
		best := -1
		for _, k := range eligible {
			l := loads[k]
			if !hasRoom(l) {
				continue
			}
			if best < 0 || ratioLess(l.Before+l.Added+1, l.Capacity, loads[best].Before+loads[best].Added+1, loads[best].Capacity) {
				best = k
			}
		}
		return best
	default:
		best := -1
		for _, k := range eligible {
			l := loads[k]
			if hasRoom(l) && (best < 0 || l.Before+l.Added < loads[best].Before+loads[best].Added) {
				best = k
			}
		}
		return best
	}
}

// checkHandover validates the request and returns rep → index.
func checkHandover(leaving string, reps []string, o *HandoverOptions) (map[string]int, error) {
	var errs []error
	bad := func(sentinel error, format string, args ...any) {
		errs = append(errs, fmt.Errorf("customer: handover: %w: %s", sentinel, fmt.Sprintf(format, args...)))
	}
	if leaving == "" {
		bad(crmkit.ErrMissing, "no leaving rep")
	}
	switch o.Policy {
	case HandoverLeastLoaded, HandoverRoundRobin:
	case HandoverCapacityWeighted:
		if o.Capacity == nil {
			bad(crmkit.ErrInvalid, "capacity-weighted handover needs a Capacity")
		}
	default:
		bad(crmkit.ErrInvalid, "unknown policy %q", o.Policy)
	}
	index := make(map[string]int, len(reps))
	for i, r := range reps {
		switch _, dup := index[r]; {
		case r == "":
			bad(crmkit.ErrMissing, "rep #%d has no ID", i)
		case r == leaving:
			bad(crmkit.ErrInvalid, "the leaving rep %q is among the remaining reps", r)
		case dup:
			bad(crmkit.ErrInvalid, "rep %q listed twice", r)
		}
		index[r] = i
	}
	for i, rt := range o.Routes {
		name := routeName(rt, i)
		if rt.Tag == "" && rt.Attribute == "" {
			bad(crmkit.ErrInvalid, "%s matches no tag or attribute", name)
		}
		if len(rt.Reps) == 0 {
			bad(crmkit.ErrInvalid, "%s has no reps", name)
		}
		seen := map[string]bool{}
		for _, r := range rt.Reps {
			if _, ok := index[r]; !ok || r == "" || r == leaving {
				bad(crmkit.ErrInvalid, "%s: rep %q is not a remaining rep", name, r)
			}
			if seen[r] {
				bad(crmkit.ErrInvalid, "%s: rep %q listed twice", name, r)
			}
			seen[r] = true
		}
	}
	return index, errors.Join(errs...)
}

// VerifyHandover checks a plan against the book it was made from (read
// again from book) and the capacities: every customer the leaving rep owns
// is in the plan exactly once, the plan holds no other customer, every
// assignment goes from the leaving rep to one of the plan's reps, the plan's
// loads match the book, and no rep ends above capacity (when capacity is not
// nil). It returns nil for a sound plan, or every problem at once
// (errors.Join of [*crmkit.RecordError] values of Kind "assignment", wrapping
// crmkit.ErrMissing, ErrDuplicate, ErrUnknownRef, ErrInvalid or
// [ErrOverCapacity]). Errors of the book stream or of capacity are returned
// wrapped. VerifyHandover honours ctx and is safe for concurrent use when
// capacity is.
func VerifyHandover(ctx context.Context, book iter.Seq2[Customer, error], plan HandoverPlan, capacity Capacity) error {
	if book == nil {
		return fmt.Errorf("customer: verify handover: %w: no book", crmkit.ErrMissing)
	}
	reps := map[string]int{}
	for k, l := range plan.Loads {
		reps[l.Rep] = k
	}
	before := make([]int, len(plan.Loads))
	owned := map[string]bool{} // leaving rep's customers → seen in plan
	i := -1
	for c, err := range book {
		i++
		if err != nil {
			return fmt.Errorf("customer: verify handover: book: %w", err)
		}
		if i%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		if c.Owner == plan.Leaving && c.ID != "" {
			owned[c.ID] = false
		} else if k, ok := reps[c.Owner]; ok && c.ID != "" {
			before[k]++
		}
	}
	var errs []error
	fail := func(n int, id, field string, sentinel error, format string, args ...any) {
		errs = append(errs, crmkit.Errorf("assignment", n, id, field, sentinel, format, args...))
	}
	added := make([]int, len(plan.Loads))
	check := func(n int, a HandoverAssignment, placed bool) {
		seen, ok := owned[a.CustomerID]
		switch {
		case !ok:
			fail(n, a.CustomerID, "customer_id", crmkit.ErrUnknownRef, "not a customer of %q in the book", plan.Leaving)
			return
		case seen:
			fail(n, a.CustomerID, "customer_id", crmkit.ErrDuplicate, "customer planned twice")
			return
		}
		owned[a.CustomerID] = true
		if a.From != plan.Leaving {
			fail(n, a.CustomerID, "from", crmkit.ErrInvalid, "from %q, want %q", a.From, plan.Leaving)
		}
		if !placed {
			if a.To != "" {
				fail(n, a.CustomerID, "to", crmkit.ErrInvalid, "unplaced customer has new owner %q", a.To)
			}
			if a.Reason == "" {
				fail(n, a.CustomerID, "reason", crmkit.ErrMissing, "unplaced without a reason")
			}
			return
		}
		k, ok := reps[a.To]
		if !ok || a.To == "" {
			fail(n, a.CustomerID, "to", crmkit.ErrUnknownRef, "new owner %q is not a remaining rep", a.To)
			return
		}
		added[k]++
	}
	for n, a := range plan.Assignments {
		check(n, a, true)
	}
	for n, a := range plan.Unplaced {
		check(len(plan.Assignments)+n, a, false)
	}
	missing := []string{}
	for id, seen := range owned {
		if !seen {
			missing = append(missing, id)
		}
	}
	slices.Sort(missing)
	for _, id := range missing {
		fail(-1, id, "customer_id", crmkit.ErrMissing, "customer of %q missing from the plan", plan.Leaving)
	}
	for k, l := range plan.Loads {
		if l.Before != before[k] || l.Added != added[k] {
			fail(-1, l.Rep, "loads", crmkit.ErrInvalid, "plan says %d before + %d added, book and assignments say %d + %d", l.Before, l.Added, before[k], added[k])
		}
		if capacity == nil {
			continue
		}
		c, err := capacity.Capacity(ctx, l.Rep)
		if err != nil {
			return errors.Join(append(errs, fmt.Errorf("customer: capacity of rep %q: %w", l.Rep, err))...)
		}
		if c != NoCapacityLimit && added[k] > 0 && before[k]+added[k] > c {
			fail(-1, l.Rep, "to", ErrOverCapacity, "%d before + %d added > capacity %d", before[k], added[k], c)
		}
	}
	return errors.Join(errs...)
}

// ratioLess reports a/b < c/d for non-negative a, c and positive b, d,
// exactly (a·d < c·b in 128 bits).
func ratioLess(a, b, c, d int) bool {
	hi1, lo1 := bits.Mul64(uint64(a), uint64(d))
	hi2, lo2 := bits.Mul64(uint64(c), uint64(b))
	return hi1 < hi2 || hi1 == hi2 && lo1 < lo2
}
