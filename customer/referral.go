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

// referralErrorIDs is how many records [ReferralError.Error] names; the
// rest are counted. IDs and Indexes always hold them all.
const referralErrorIDs = 10

// Error lists the records: `referral cycle: "A" (#0) ← "B" (#4) ← "A"`. A
// ring of more than ten records names the first ten and counts the rest
// (`… ← "J" (#9) ← … 1990 more`), so the text stays short; IDs and Indexes
// hold them all.
func (e *ReferralError) Error() string {
	var b strings.Builder
	b.WriteString(e.sentinel().Error())
	b.WriteString(": ")
	for i, id := range e.IDs {
		if i == referralErrorIDs {
			fmt.Fprintf(&b, " ← … %d more", len(e.IDs)-i)
			return b.String()
		}
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
				g.skipped = append(g.skipped, offenderOf(e))
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
	// means every level. Any depth costs time linear in the number of
	// customers; levels beyond [MaxReferralLevels] count in Value and
	// Network but are not listed in [ReferralValue.Levels].
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
// it brought directly), for the levels it reaches within MaxDepth, at most
// [MaxReferralLevels] of them; Value is Σ Levels[k]·Decay^k over all levels
// within MaxDepth, listed or not. Value is exact when at most
// MaxReferralLevels levels are counted; beyond that, products are rounded
// to 24 decimal places, far below any currency's minor unit. Direct and
// Network count the customers brought directly and within MaxDepth levels.
// A plain value; the zero value is a referrer who brought nobody.
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
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	res := &ReferralValues{AsOf: asOf, From: o.From}
	revenue := make([]moneySum, len(g.ids))
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
			e := orderProblem(i, ord, err, known, asOf, currency, "referral value")
			if e != nil {
				if !o.SkipInvalid {
					return nil, e
				}
				res.SkippedOrders++
				if len(res.Skipped) < 100 {
					res.Skipped = append(res.Skipped, offenderOf(e))
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

	var err error
	if res.Values, err = g.values(ctx, revenue, depth, o.Decay); err != nil {
		return nil, err
	}
	slices.SortFunc(res.Values, func(p, q ReferralValue) int {
		return cmp.Or(q.Value.Cmp(p.Value), cmp.Compare(p.CustomerID, q.CustomerID))
	})
	if res.Values == nil {
		res.Values = []ReferralValue{}
	}
	return res, nil
}

// MaxReferralLevels is the most levels [ReferralValue.Levels] breaks out.
// Deeper levels, up to [ReferralValueOptions.MaxDepth], still count in
// Value and Network; only their per-level revenue is not listed, so that the
// result stays linear in the number of customers however deep the graph.
const MaxReferralLevels = 10

// referralScale is the number of decimal places kept in intermediate
// products when Value is summed over more than [MaxReferralLevels] levels:
// exact powers of Decay grow one digit or more per level.
const referralScale = 24

func referralRound(d decimal.Decimal) decimal.Decimal {
	if d.Exponent() < -referralScale {
		return d.Round(referralScale)
	}
	return d
}

// values computes every referrer's value over depth levels in O(n·min(depth,
// MaxReferralLevels)) time: one pass from the leaves up for Value and
// Network, and a walk of at most MaxReferralLevels ancestors per node for
// the per-level breakdown.
//
// Beyond MaxReferralLevels, Value uses V(a) = Σ over children c of
// (rev(c) + decay·V(c)), the value over unlimited depth; when depth is
// finite but reachable, the part below depth is taken off: every node w
// exactly depth levels below a contributes decay^depth·V(w) to V(a) and
// nothing to the depth-limited value.
func (g *ReferralGraph) values(ctx context.Context, revenue []moneySum, depth int, decayF float64) ([]ReferralValue, error) {
	total := len(g.ids)
	rev := make([]decimal.Decimal, total)
	for v := range total {
		if g.stream[v] >= 0 {
			rev[v] = revenue[v].value()
		}
	}
	// Preorder of the forest, iteratively, with each node's depth-th
	// ancestor when some chain may be longer than depth.
	useAnc := depth < total
	var anc []int32
	if useAnc {
		anc = make([]int32, total)
	}
	order := make([]int32, 0, total)
	var path, next []int32
	for root := range total {
		if g.parent[root] >= 0 {
			continue
		}
		path, next = append(path[:0], int32(root)), append(next[:0], g.kidStart[root])
		order = append(order, int32(root))
		if useAnc {
			anc[root] = -1
		}
		for len(path) > 0 {
			top := len(path) - 1
			if next[top] == g.kidStart[path[top]+1] {
				path, next = path[:top], next[:top]
				continue
			}
			u := g.kids[next[top]]
			next[top]++
			if useAnc {
				anc[u] = -1
				if d := len(path); d >= depth {
					anc[u] = path[d-depth]
				}
			}
			order = append(order, u)
			path, next = append(path, u), append(next, g.kidStart[u])
			if len(order)&0xffff == 0 {
				if err := ctx.Err(); err != nil {
					return nil, err
				}
			}
		}
	}

	// Leaves up: subtree sizes, heights and the unlimited-depth value.
	decay := decimal.NewFromFloat(decayF)
	size := make([]int32, total)
	height := make([]int32, total)
	var val []decimal.Decimal
	if depth > MaxReferralLevels {
		val = make([]decimal.Decimal, total)
	}
	for i := len(order) - 1; i >= 0; i-- {
		u := order[i]
		size[u]++
		p := g.parent[u]
		if p < 0 {
			continue
		}
		size[p] += size[u]
		height[p] = max(height[p], height[u]+1)
		if val != nil {
			c := rev[u]
			if !val[u].IsZero() {
				c = c.Add(referralRound(val[u].Mul(decay)))
			}
			val[p] = val[p].Add(c)
		}
		if i&0xffff == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
	}
	var cutVal []decimal.Decimal
	var cutN []int32
	var decayDepth decimal.Decimal
	if useAnc {
		cutN = make([]int32, total)
		if val != nil {
			cutVal = make([]decimal.Decimal, total)
		}
		for u, a := range anc {
			if a >= 0 {
				if val != nil {
					cutVal[a] = cutVal[a].Add(val[u])
				}
				cutN[a] += size[u] - 1
			}
		}
	}
	if cutVal != nil {
		decayDepth = decimal.NewFromInt(1)
		for b, k := decay, depth; k > 0; k >>= 1 { // decay^depth by squaring
			if k&1 == 1 {
				decayDepth = referralRound(decayDepth.Mul(b))
			}
			b = referralRound(b.Mul(b))
		}
	}

	// Per-level breakdown: each node credits at most MaxReferralLevels
	// ancestors.
	walk := min(depth, MaxReferralLevels)
	start := make([]int, total+1)
	for a := range total {
		start[a+1] = start[a] + min(int(height[a]), walk)
	}
	levels := make([]moneySum, start[total])
	for u := range total {
		if g.stream[u] < 0 || rev[u].IsZero() {
			continue
		}
		a := g.parent[u]
		for lvl := 0; a >= 0 && lvl < walk; lvl++ {
			levels[start[a]+lvl].add(rev[u])
			a = g.parent[a]
		}
		if u&0xffff == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
	}

	referrers := 0
	for a := range total {
		if height[a] > 0 {
			referrers++
		}
	}
	out := make([]ReferralValue, 0, referrers)
	levelOut := make([]decimal.Decimal, len(levels)) // one backing array for every Levels
	for a := range total {
		if height[a] == 0 {
			continue
		}
		rv := ReferralValue{CustomerID: g.ids[a], External: g.stream[a] < 0,
			Direct: int(g.kidStart[a+1] - g.kidStart[a]), Network: int(size[a] - 1), Value: decimal.Zero}
		if cutN != nil {
			rv.Network -= int(cutN[a])
		}
		rv.Levels = levelOut[start[a]:start[a+1]:start[a+1]]
		w := decimal.NewFromInt(1)
		for k := range rv.Levels {
			l := levels[start[a]+k].value()
			rv.Levels[k] = l
			if val == nil {
				rv.Value = rv.Value.Add(l.Mul(w))
				w = w.Mul(decay)
			}
		}
		if val != nil {
			rv.Value = val[a]
			if cutVal != nil && !cutVal[a].IsZero() {
				rv.Value = rv.Value.Sub(referralRound(decayDepth.Mul(cutVal[a])))
			}
		}
		out = append(out, rv)
	}
	return out, nil
}

// OffenderOf describes a record error as an [Offender], the form in which
// every crmkit analysis that skips bad records lists them.
func OffenderOf(e *crmkit.RecordError) Offender { return offenderOf(e) }

func offenderOf(e *crmkit.RecordError) Offender {
	name := ProblemStream
	if e.Field != "" {
		name = problemName(e.Err)
	}
	return Offender{Kind: e.Kind, Index: e.Index, ID: e.ID, Field: e.Field, Problem: name, Message: e.Error()}
}
