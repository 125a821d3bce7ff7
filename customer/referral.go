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
	"github.com/shopspring/decimal"
)

var (
	// ErrSelfReferral is wrapped by a [*ReferralError] for a customer whose
	// ReferredBy is its own ID.
	ErrSelfReferral = errors.New("customer refers itself")
	// ErrReferralCycle is wrapped by a [*ReferralError] for customers that
	// refer each other in a ring (A brought by B, B brought by A).
	ErrReferralCycle = errors.New("referral cycle")
)

// ReferralError reports a self-referral or a referral cycle and names every
// record in it. IDs lists the customers in referral order — IDs[0] was
// referred by IDs[1], …, the last by IDs[0] — starting from the customer
// that came first in the stream; Indexes are their stream positions. A
// self-referral has one ID. errors.Is matches [ErrSelfReferral] or
// [ErrReferralCycle], and [crmkit.ErrInvalid]. The zero value (no IDs) reads
// as a cycle with no members; it is only ever built by this package.
type ReferralError struct {
	IDs     []string
	Indexes []int
}

// Error lists the records: `referral cycle: "A" (#0) ← "B" (#4) ← "A"`.
func (e *ReferralError) Error() string {
	var b strings.Builder
	b.WriteString(e.sentinel().Error())
	b.WriteString(": ")
	for i, id := range e.IDs {
		if i > 0 {
			b.WriteString(" ← ")
		}
		fmt.Fprintf(&b, "%q", id)
		if i < len(e.Indexes) {
			fmt.Fprintf(&b, " (#%d)", e.Indexes[i])
		}
	}
	if len(e.IDs) > 1 {
		fmt.Fprintf(&b, " ← %q", e.IDs[0])
	}
	return b.String()
}

func (e *ReferralError) sentinel() error {
	if len(e.IDs) == 1 {
		return ErrSelfReferral
	}
	return ErrReferralCycle
}

// Unwrap returns the sentinel and [crmkit.ErrInvalid].
func (e *ReferralError) Unwrap() []error { return []error{e.sentinel(), crmkit.ErrInvalid} }

// UnknownReferrer says what [BuildReferralGraph] does with a ReferredBy that
// names no customer in the stream. The zero value is [UnknownReferrerError].
type UnknownReferrer string

const (
	// UnknownReferrerError (the default, "") reports it as a
	// [*crmkit.RecordError] on field referred_by wrapping
	// [crmkit.ErrUnknownRef].
	UnknownReferrerError UnknownReferrer = ""
	// UnknownReferrerDrop drops the link: the customer has no referrer in
	// the graph and is listed in [ReferralGraph.Dropped].
	UnknownReferrerDrop UnknownReferrer = "drop"
	// UnknownReferrerExternal keeps the referrer as an external node (a
	// partner, an agent, a deleted customer): it has no orders of its own
	// but is credited with the value of those it brought.
	UnknownReferrerExternal UnknownReferrer = "external"
)

// ReferralOptions tunes [BuildReferralGraph]. A nil pointer or the zero value
// means the defaults documented on each field. Only read.
type ReferralOptions struct {
	UnknownReferrer UnknownReferrer
	// SkipInvalid skips customers without an ID or repeating one, and stream
	// errors, instead of stopping. Self-referrals and cycles are always
	// errors: a graph with them has no meaning.
	SkipInvalid bool
}

// ReferralGraph is who brought whom: a forest whose edges go from a
// referrer to the customers it referred. It is immutable once built and safe
// for concurrent use. The zero value is an empty graph.
type ReferralGraph struct {
	ids      []string
	stream   []int // stream position, -1 for external nodes
	index    map[string]int32
	parent   []int32 // -1 for none
	kidStart []int32 // CSR: children of v are kids[kidStart[v]:kidStart[v+1]]
	kids     []int32
	dropped  []string
	skipped  []Offender
}

// BuildReferralGraph reads customers and builds their referral graph from
// ReferredBy. Self-referrals and cycles are reported together, each as a
// [*ReferralError] naming its records (errors.Join), and no graph is
// returned. A referrer that is not in the stream is handled as
// [ReferralOptions.UnknownReferrer] says. Memory grows with the number of
// customers. Honours ctx.
func BuildReferralGraph(ctx context.Context, customers iter.Seq2[Customer, error], opts *ReferralOptions) (*ReferralGraph, error) {
	var o ReferralOptions
	if opts != nil {
		o = *opts
	}
	switch o.UnknownReferrer {
	case UnknownReferrerError, UnknownReferrerDrop, UnknownReferrerExternal:
	default:
		return nil, fmt.Errorf("customer: ReferralOptions.UnknownReferrer %q is not error, drop or external", o.UnknownReferrer)
	}
	g := &ReferralGraph{index: map[string]int32{}}
	var refs []string
	i := -1
	if customers != nil {
		for c, err := range customers {
			i++
			if i&1023 == 0 {
				if cerr := ctx.Err(); cerr != nil {
					return nil, cerr
				}
			}
			var e *crmkit.RecordError
			switch {
			case err != nil:
				e = &crmkit.RecordError{Kind: KindCustomer, Index: i, Err: err}
			case c.ID == "":
				e = crmkit.Errorf(KindCustomer, i, "", "id", crmkit.ErrMissing, "")
			default:
				if _, dup := g.index[c.ID]; dup {
					e = crmkit.Errorf(KindCustomer, i, c.ID, "id", crmkit.ErrDuplicate, "")
				}
			}
			if e != nil {
				if !o.SkipInvalid {
					return nil, e
				}
				g.skipped = append(g.skipped, custaOffender(e))
				continue
			}
			g.index[c.ID] = int32(len(g.ids))
			g.ids = append(g.ids, c.ID)
			g.stream = append(g.stream, i)
			refs = append(refs, c.ReferredBy)
		}
	}
	n := len(g.ids)
	g.parent = make([]int32, n)
	var errs []error
	for v := range n {
		g.parent[v] = -1
		ref := refs[v]
		if ref == "" {
			continue
		}
		if ref == g.ids[v] {
			errs = append(errs, &ReferralError{IDs: []string{ref}, Indexes: []int{g.stream[v]}})
			continue
		}
		p, ok := g.index[ref]
		if !ok {
			switch o.UnknownReferrer {
			case UnknownReferrerDrop:
				g.dropped = append(g.dropped, g.ids[v])
				continue
			case UnknownReferrerExternal:
				p = int32(len(g.ids))
				g.index[ref] = p
				g.ids = append(g.ids, ref)
				g.stream = append(g.stream, -1)
				g.parent = append(g.parent, -1)
			default:
				errs = append(errs, crmkit.Errorf(KindCustomer, g.stream[v], g.ids[v], "referred_by", crmkit.ErrUnknownRef, "referrer %q is not in the customer stream", ref))
				continue
			}
		}
		g.parent[v] = p
	}
	errs = append(errs, g.cycles()...)
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	// Children in CSR form, in stream order.
	total := len(g.ids)
	g.kidStart = make([]int32, total+1)
	for _, p := range g.parent {
		if p >= 0 {
			g.kidStart[p+1]++
		}
	}
	for v := range total {
		g.kidStart[v+1] += g.kidStart[v]
	}
	g.kids = make([]int32, g.kidStart[total])
	fill := slices.Clone(g.kidStart[:total])
	for v, p := range g.parent {
		if p >= 0 {
			g.kids[fill[p]] = int32(v)
			fill[p]++
		}
	}
	return g, nil
}

// cycles finds every ring of parent links, each reported once, starting at
// its earliest record. Each node has at most one parent, so each walk ends at
// a root, at a node already settled, or on a ring: O(n) in all.
func (g *ReferralGraph) cycles() []error {
	state := make([]int32, len(g.parent)) // 0 new, walk+1 on the current walk, -1 settled
	var errs []error
	for start := range g.parent {
		if state[start] != 0 {
			continue
		}
		walk := int32(start + 1)
		v := int32(start)
		for v >= 0 && state[v] == 0 {
			state[v] = walk
			v = g.parent[v]
		}
		if v >= 0 && state[v] == walk {
			// v is on a ring: collect it, starting from its earliest node.
			ring := []int32{v}
			for u := g.parent[v]; u != v; u = g.parent[u] {
				ring = append(ring, u)
			}
			first := slices.Index(ring, slices.Min(ring))
			ring = append(ring[first:], ring[:first]...)
			e := &ReferralError{}
			for _, u := range ring {
				e.IDs = append(e.IDs, g.ids[u])
				e.Indexes = append(e.Indexes, g.stream[u])
			}
			errs = append(errs, e)
		}
		for u := int32(start); u >= 0 && state[u] == walk; u = g.parent[u] {
			state[u] = -1
		}
	}
	return errs
}

// Len returns the number of nodes: customers plus external referrers.
func (g *ReferralGraph) Len() int { return len(g.ids) }

// Referrer returns who brought id, and false when nobody did or id is not
// in the graph.
func (g *ReferralGraph) Referrer(id string) (string, bool) {
	v, ok := g.index[id]
	if !ok || g.parent[v] < 0 {
		return "", false
	}
	return g.ids[g.parent[v]], true
}

// Referred returns the customers id brought directly, in stream order, as a
// new slice the caller owns.
func (g *ReferralGraph) Referred(id string) []string {
	v, ok := g.index[id]
	if !ok {
		return nil
	}
	var out []string
	for _, k := range g.kids[g.kidStart[v]:g.kidStart[v+1]] {
		out = append(out, g.ids[k])
	}
	return out
}

// Dropped returns the customers whose unknown referrer was dropped under
// [UnknownReferrerDrop], in stream order, as a new slice.
func (g *ReferralGraph) Dropped() []string { return slices.Clone(g.dropped) }

// Skipped returns the records skipped under [ReferralOptions.SkipInvalid],
// as a new slice.
func (g *ReferralGraph) Skipped() []Offender { return slices.Clone(g.skipped) }

// ReferralValueOptions tunes [ReferralGraph.Value]. A nil pointer or the zero
// value means the defaults documented on each field. Only read.
type ReferralValueOptions struct {
	// From starts the window (inclusive); the window ends at asOf
	// (inclusive). The zero time means all orders up to asOf.
	From time.Time
	// Decay is the weight of each further level: revenue of customers
	// brought directly counts fully, of those they brought Decay times, and
	// so on (weight Decay^(level-1)). 0 means 0.5; it must lie in (0, 1].
	// The weight is taken as the shortest decimal that reads back as Decay
	// (0.3 is exactly 3/10), and money is multiplied in decimal.
	Decay float64
	// MaxDepth is the deepest level counted; 0 means 3, a negative value
	// means every level.
	MaxDepth int
	// Currency is the currency all orders must be in; "" means the currency
	// of the first order that names one.
	Currency string
	// SkipInvalid skips bad orders instead of stopping; the result counts
	// them.
	SkipInvalid bool
}

// ReferralValue is the referral value of one referrer. Levels[k] is the
// window revenue of the customers it brought at level k+1 (Levels[0]: those
// it brought directly); Value is Σ Levels[k]·Decay^k. Direct and Network
// count the customers brought directly and within MaxDepth levels. A plain
// value; the zero value is a referrer who brought nobody.
type ReferralValue struct {
	CustomerID string            `json:"customer_id"`
	External   bool              `json:"external,omitempty"`
	Direct     int               `json:"direct"`
	Network    int               `json:"network"`
	Levels     []decimal.Decimal `json:"levels"`
	Value      decimal.Decimal   `json:"value"`
}

// ReferralValues is the result of [ReferralGraph.Value]: one entry per node
// that brought at least one customer, highest Value first, then by ID.
// Orders == Accepted + OutsideWindow + SkippedOrders; the zero value is an
// empty result, owned by the caller.
type ReferralValues struct {
	AsOf          time.Time       `json:"as_of"`
	From          time.Time       `json:"from"`
	Currency      string          `json:"currency,omitempty"`
	Values        []ReferralValue `json:"values"`
	Orders        int             `json:"orders"`
	Accepted      int             `json:"accepted"`
	OutsideWindow int             `json:"outside_window"`
	SkippedOrders int             `json:"skipped_orders,omitempty"`
	Skipped       []Offender      `json:"skipped,omitempty"`
}

// Value streams orders and computes each referrer's referral value over the
// window [From, asOf]: the revenue of the customers it brought, directly and
// over further levels, each level weighted by Decay. Orders for customers
// not in the graph (or for external referrers), without a time, after asOf
// or in another currency stop Value with a [*crmkit.RecordError] unless
// SkipInvalid is set. Orders before From are counted and ignored. Memory
// grows with the number of customers, not orders. Honours ctx.
func (g *ReferralGraph) Value(ctx context.Context, asOf time.Time, orders iter.Seq2[Order, error], opts *ReferralValueOptions) (*ReferralValues, error) {
	var o ReferralValueOptions
	if opts != nil {
		o = *opts
	}
	if o.Decay == 0 {
		o.Decay = 0.5
	}
	if math.IsNaN(o.Decay) || o.Decay <= 0 || o.Decay > 1 {
		return nil, fmt.Errorf("customer: ReferralValueOptions.Decay %v is not in (0, 1]", o.Decay)
	}
	if !o.From.IsZero() && o.From.After(asOf) {
		return nil, fmt.Errorf("customer: ReferralValueOptions.From %s is after asOf %s", o.From.Format(time.RFC3339), asOf.Format(time.RFC3339))
	}
	depth := o.MaxDepth
	if depth == 0 {
		depth = 3
	}
	if depth < 0 || depth > len(g.ids) {
		depth = max(len(g.ids), 1) // no chain is longer than the graph
	}
	res := &ReferralValues{AsOf: asOf, From: o.From}
	revenue := make([]custaSum, len(g.ids))
	currency := strings.TrimSpace(o.Currency)
	i := -1
	if orders != nil {
		for ord, err := range orders {
			i++
			if i&1023 == 0 {
				if cerr := ctx.Err(); cerr != nil {
					return nil, cerr
				}
			}
			res.Orders++
			v, known := g.index[ord.CustomerID]
			if known && g.stream[v] < 0 {
				known = false
			}
			cur := strings.TrimSpace(ord.Currency)
			var e *crmkit.RecordError
			switch {
			case err != nil:
				e = &crmkit.RecordError{Kind: KindOrder, Index: i, Err: err}
			case !known:
				e = crmkit.Errorf(KindOrder, i, ord.ID, "customer_id", crmkit.ErrUnknownRef, "customer %q", ord.CustomerID)
			case ord.Time.IsZero():
				e = crmkit.Errorf(KindOrder, i, ord.ID, "time", crmkit.ErrMissing, "")
			case ord.Time.After(asOf):
				e = crmkit.Errorf(KindOrder, i, ord.ID, "time", crmkit.ErrFuture, "")
			case cur != "" && currency != "" && !strings.EqualFold(cur, currency):
				e = crmkit.Errorf(KindOrder, i, ord.ID, "currency", crmkit.ErrCurrency, "%s, referral value is in %s", cur, currency)
			}
			if e != nil {
				if !o.SkipInvalid {
					return nil, e
				}
				res.SkippedOrders++
				if len(res.Skipped) < 100 {
					res.Skipped = append(res.Skipped, custaOffender(e))
				}
				continue
			}
			if currency == "" {
				currency = cur
			}
			if !o.From.IsZero() && ord.Time.Before(o.From) {
				res.OutsideWindow++
				continue
			}
			res.Accepted++
			revenue[v].add(ord.Amount)
		}
	}
	res.Currency = currency

	// Walk up from every node, crediting its ancestors level by level.
	levels := map[int32][]custaSum{}
	network := map[int32]int{}
	for v := range g.ids {
		if v&1023 == 0 {
			if cerr := ctx.Err(); cerr != nil {
				return nil, cerr
			}
		}
		var r decimal.Decimal
		if g.stream[v] >= 0 {
			r = revenue[v].value()
		}
		a := g.parent[v]
		for lvl := 0; a >= 0 && lvl < depth; lvl++ {
			network[a]++
			ls := levels[a]
			for len(ls) <= lvl {
				ls = append(ls, custaSum{})
			}
			if !r.IsZero() {
				ls[lvl].big = ls[lvl].big.Add(r)
			}
			levels[a] = ls
			a = g.parent[a]
		}
	}
	decay := decimal.NewFromFloat(o.Decay)
	for a, ls := range levels {
		rv := ReferralValue{CustomerID: g.ids[a], External: g.stream[a] < 0,
			Direct: int(g.kidStart[a+1] - g.kidStart[a]), Network: network[a], Value: decimal.Zero}
		w := decimal.NewFromInt(1)
		for k := range ls {
			l := ls[k].value()
			rv.Levels = append(rv.Levels, l)
			rv.Value = rv.Value.Add(l.Mul(w))
			w = w.Mul(decay)
		}
		res.Values = append(res.Values, rv)
	}
	slices.SortFunc(res.Values, func(p, q ReferralValue) int {
		return cmp.Or(q.Value.Cmp(p.Value), cmp.Compare(p.CustomerID, q.CustomerID))
	})
	if res.Values == nil {
		res.Values = []ReferralValue{}
	}
	return res, nil
}

func custaOffender(e *crmkit.RecordError) Offender {
	name := ProblemStream
	if e.Field != "" {
		name = custaProblemName(e.Err)
	}
	return Offender{Kind: e.Kind, Index: e.Index, ID: e.ID, Field: e.Field, Problem: name, Message: e.Error()}
}
