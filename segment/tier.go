package segment

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"iter"
	"math"
	"slices"
	"strconv"
	"time"

	"github.com/crmkit/crmkit"
	"github.com/crmkit/crmkit/customer"
	"github.com/shopspring/decimal"
)

// CustomerValue is one customer's value for tiers and concentration:
// revenue, margin, an order count — any non-negative amount. The zero value
// has no ID, which the analyses reject.
type CustomerValue struct {
	CustomerID string          `json:"customer_id"`
	Value      decimal.Decimal `json:"value"`
}

// Measure names what [CustomerValues] adds up per customer; "" means
// [MeasureRevenue].
type Measure string

// Measures.
const (
	MeasureRevenue  Measure = "revenue"  // sum of order amounts (the default)
	MeasureOrders   Measure = "orders"   // number of orders
	MeasureQuantity Measure = "quantity" // sum of order quantities
)

// ValuesOptions configure [CustomerValues]. To is required; the window is
// [From, To) (From zero: from the first order). Orders outside the window
// are not part of the analysis and are passed over, but they are still
// validated. Measure zero means [MeasureRevenue]. The zero value is not
// usable (To missing).
type ValuesOptions struct {
	From    time.Time `json:"from,omitzero"`
	To      time.Time `json:"to"`
	Measure Measure   `json:"measure,omitempty"`
	// Skipped, when non-nil, makes bad orders skipped instead of stopping
	// the analysis; it is reset and then receives how many were skipped
	// and why (see [Skipped]).
	Skipped *Skipped `json:"-"`
}

// CustomerValues reads an order stream and returns each customer's value in
// the window, sorted by CustomerID; a customer with no order in the window
// is absent. Memory is O(customers). Bad orders (missing customer or time,
// negative amount, NaN quantity, mixed currency, and with [MeasureQuantity]
// an order that makes its customer's quantity sum overflow float64) stop it
// with a [*crmkit.RecordError], or are skipped with opts.Skipped.
func CustomerValues(ctx context.Context, orders iter.Seq2[customer.Order, error], opts ValuesOptions) ([]CustomerValue, error) {
	if opts.To.IsZero() {
		return nil, fmt.Errorf("%w: To is required", ErrOptions)
	}
	m := opts.Measure
	if m == "" {
		m = MeasureRevenue
	}
	if m != MeasureRevenue && m != MeasureOrders && m != MeasureQuantity {
		return nil, fmt.Errorf("%w: unknown measure %q", ErrOptions, m)
	}
	aggs, err := aggregate(ctx, orders, aggConfig{from: opts.From, asOf: opts.To, asOfName: "To", quantity: m == MeasureQuantity, skip: newSkipper(opts.Skipped)})
	if err != nil {
		return nil, err
	}
	out := make([]CustomerValue, len(aggs))
	forParts(len(aggs), numParts(len(aggs)), func(_, lo, hi int) {
		for i := lo; i < hi; i++ {
			a := &aggs[i]
			out[i].CustomerID = a.id
			switch m {
			case MeasureRevenue:
				out[i].Value = a.revenue()
			case MeasureOrders:
				out[i].Value = decimal.NewFromInt(int64(a.orders))
			case MeasureQuantity:
				out[i].Value = decimal.NewFromFloat(a.quantity)
			}
		}
	})
	return out, nil
}

// TierOptions configure [AssignTiers]. A nil pointer or the zero value means
// the classic ABC split: Thresholds [0.8, 0.95] and Names [A, B, C].
//
// Thresholds are cumulative value shares, strictly increasing in (0, 1);
// Names has one more entry than Thresholds.
type TierOptions struct {
	Thresholds []float64 `json:"thresholds,omitempty"`
	Names      []string  `json:"names,omitempty"`
}

// TierAssignment is one customer's tier. Rank is the 1-based position in
// the value order; Share the customer's own share of the total value;
// Before the cumulative share of all customers ranked above. Plain data.
type TierAssignment struct {
	CustomerID string          `json:"customer_id"`
	Tier       string          `json:"tier"`
	Rank       int             `json:"rank"`
	Value      decimal.Decimal `json:"value"`
	Share      float64         `json:"share"`
	Before     float64         `json:"before"`
}

// TierSummary sums one tier. Plain data.
type TierSummary struct {
	Tier          string          `json:"tier"`
	Customers     int             `json:"customers"`
	CustomerShare float64         `json:"customer_share"`
	Value         decimal.Decimal `json:"value"`
	ValueShare    float64         `json:"value_share"`
}

// Tiers is the result of [AssignTiers]: one assignment per input customer,
// in rank order, and one summary per tier (tiers without customers
// included). Plain data, safe to read concurrently; the zero value is an
// empty result.
type Tiers struct {
	Total       decimal.Decimal  `json:"total"`
	Assignments []TierAssignment `json:"assignments"`
	Tiers       []TierSummary    `json:"tiers"`
}

// AssignTiers splits customers into value tiers (Pareto/ABC analysis).
//
// Customers are ranked by value, highest first; equal values rank by
// CustomerID. The rule for the line: a customer belongs to the first tier
// whose threshold exceeds the cumulative share of the customers ranked
// above (Before), so the customer who crosses 80% is still an A. The rule
// for ties: customers with equal values form one group that takes the tier
// of its first member, so equal values never split across tiers (a tier may
// then hold a little more than its threshold). Zero-value customers fall in
// the last tier.
//
// Errors: [ErrNoData] for no customers, [ErrDegenerate] when every value is
// zero, [ErrOptions], and [*crmkit.RecordError]s (joined, all at once) for
// empty or duplicate IDs and negative values.
func AssignTiers(values []CustomerValue, opts *TierOptions) (*Tiers, error) {
	th, names, err := tierOptions(opts)
	if err != nil {
		return nil, err
	}
	order, vals, total, err := rankValues(values)
	if err != nil {
		return nil, err
	}
	res := &Tiers{Total: total.value(), Assignments: make([]TierAssignment, len(order))}
	tot, _ := crmkit.ToFloat(res.Total)
	sums := make([]moneySum, len(names))
	counts := make([]int, len(names))
	var cum float64 // running sum in float64, for shares only
	tier := 0
	tierOf := make([]int32, len(values)) // by index, so that sums read values in order
	for r, i := range order {
		v := &values[i]
		before := math.Min(cum/tot, 1)
		if r == 0 || vals[i] != vals[order[r-1]] {
			tier = len(th)
			for k, t := range th {
				if before < t {
					tier = k
					break
				}
			}
		}
		cum += vals[i]
		res.Assignments[r] = TierAssignment{CustomerID: v.CustomerID, Tier: names[tier], Rank: r + 1, Value: v.Value, Share: vals[i] / tot, Before: before}
		tierOf[i] = int32(tier)
		counts[tier]++
	}
	for i := range values {
		sums[tierOf[i]].add(values[i].Value)
	}
	n := float64(len(values))
	for k, name := range names {
		s := sums[k].value()
		f, _ := crmkit.ToFloat(s)
		res.Tiers = append(res.Tiers, TierSummary{Tier: name, Customers: counts[k], CustomerShare: float64(counts[k]) / n, Value: s, ValueShare: f / tot})
	}
	return res, nil
}

func tierOptions(o *TierOptions) ([]float64, []string, error) {
	th := []float64{0.8, 0.95}
	if o != nil && len(o.Thresholds) > 0 {
		th = o.Thresholds
	}
	for i, t := range th {
		if badFloat(t) || t <= 0 || t >= 1 || (i > 0 && t <= th[i-1]) {
			return nil, nil, fmt.Errorf("%w: thresholds must increase strictly within (0, 1): %v", ErrOptions, th)
		}
	}
	var names []string
	if o != nil && len(o.Names) > 0 {
		names = o.Names
	} else {
		for i := range len(th) + 1 {
			names = append(names, string(rune('A'+i%26))+suffix(i/26))
		}
	}
	if len(names) != len(th)+1 {
		return nil, nil, fmt.Errorf("%w: %d names for %d thresholds (want %d)", ErrOptions, len(names), len(th), len(th)+1)
	}
	return th, names, nil
}

func suffix(n int) string {
	if n == 0 {
		return ""
	}
	return strconv.Itoa(n)
}

// rankValues validates values and returns their indices ranked by value
// (highest first, then by ID), the float64 values and the exact total.
func rankValues(values []CustomerValue) ([]int, []float64, moneySum, error) {
	var total moneySum
	if len(values) == 0 {
		return nil, nil, total, fmt.Errorf("%w: no customers", ErrNoData)
	}
	vals := make([]float64, len(values))
	// Input sorted by strictly increasing ID (as CustomerValues returns
	// it) has no duplicates and ranks ties by index: no map, and no string
	// comparisons in the sort.
	byID := true
	for i := 1; i < len(values) && byID; i++ {
		byID = values[i-1].CustomerID < values[i].CustomerID
	}
	var seen map[string]int
	if !byID {
		seen = make(map[string]int, len(values))
	}
	var errs []error
	for i, v := range values {
		if v.CustomerID == "" {
			errs = append(errs, crmkit.Errorf("customer value", i, "", "customer_id", crmkit.ErrMissing, ""))
		} else if !byID {
			if j, dup := seen[v.CustomerID]; dup {
				errs = append(errs, crmkit.Errorf("customer value", i, v.CustomerID, "customer_id", crmkit.ErrDuplicate, "also at %d", j))
			} else {
				seen[v.CustomerID] = i
			}
		}
		f, err := crmkit.ToFloat(v.Value)
		if err != nil || f < 0 || v.Value.IsNegative() {
			errs = append(errs, crmkit.Errorf("customer value", i, v.CustomerID, "value", crmkit.ErrInvalid, "must be a finite non-negative amount, got %s", v.Value))
			continue
		}
		vals[i] = f
		total.add(v.Value)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, nil, total, err
	}
	if !total.value().IsPositive() {
		return nil, nil, total, fmt.Errorf("%w: every value is zero", ErrDegenerate)
	}
	// Radix-sort (value, index) keys, highest value first: with 10⁶
	// customers, comparisons that fetch vals[i] and IDs through indices
	// miss the cache every time. The sort is stable, so equal values stay
	// in index order, which is ID order for input sorted by ID; otherwise
	// runs of equal values are sorted by ID.
	keys := make([]sortKey, len(values))
	for i, v := range vals {
		keys[i] = sortKey{hi: ^floatKey(v), i: int32(i)}
	}
	keys = radixSort(keys)
	if !byID {
		for lo := 0; lo < len(keys); {
			hi := lo + 1
			for hi < len(keys) && keys[hi].hi == keys[lo].hi {
				hi++
			}
			if hi-lo > 1 {
				slices.SortFunc(keys[lo:hi], func(a, b sortKey) int {
					return cmp.Compare(values[a.i].CustomerID, values[b.i].CustomerID)
				})
			}
			lo = hi
		}
	}
	order := make([]int, len(values))
	for k, p := range keys {
		order[k] = int(p.i)
	}
	return order, vals, total, nil
}

// LorenzPoint is a point of the Lorenz curve: the poorest Customers share of
// customers brings the Value share of the total. Plain data.
type LorenzPoint struct {
	Customers float64 `json:"customers"`
	Value     float64 `json:"value"`
}

// TopShare says that the top Customers share of customers brings the Value
// share of the total, and says it in words. Plain data.
type TopShare struct {
	Customers float64 `json:"customers"`
	Value     float64 `json:"value"`
	Statement string  `json:"statement"`
}

// ConcentrationOptions configure [ConcentrationOf]. A nil pointer or the zero
// value means Top [0.01, 0.05, 0.1, 0.2, 0.5] and 101 Lorenz points.
type ConcentrationOptions struct {
	Top          []float64 `json:"top,omitempty"`
	LorenzPoints int       `json:"lorenz_points,omitempty"`
}

// Concentration describes how value concentrates among customers. Gini is
// the Gini coefficient (0: everybody brings the same; → 1: one customer
// brings everything). Pareto is the "top 20% of customers bring X%"
// statement as data; Top holds the other requested shares. Plain data, safe
// to read concurrently; the zero value is an empty result.
type Concentration struct {
	Customers int             `json:"customers"`
	Total     decimal.Decimal `json:"total"`
	Gini      float64         `json:"gini"`
	Pareto    TopShare        `json:"pareto"`
	Top       []TopShare      `json:"top"`
	Lorenz    []LorenzPoint   `json:"lorenz"`
}

// ConcentrationOf measures value concentration. The Lorenz curve is the
// polyline through (i/n, share of the i poorest customers); the Gini
// coefficient is exact for it, G = Σ (2i−n−1)·v_(i) / (n·Σv) with values in
// ascending order. Top shares for a fraction k of n customers interpolate
// linearly on the curve when k·n is not whole (the top 20% of 7 customers
// count 1.4 customers: the first in full, 40% of the second). Lorenz holds
// all n+1 vertices when n+1 ≤ LorenzPoints, else LorenzPoints points evenly
// spaced in customer share. Errors as for [AssignTiers].
func ConcentrationOf(values []CustomerValue, opts *ConcentrationOptions) (*Concentration, error) {
	tops := []float64{0.01, 0.05, 0.1, 0.2, 0.5}
	np := 101
	if opts != nil {
		if len(opts.Top) > 0 {
			tops = opts.Top
		}
		if opts.LorenzPoints != 0 {
			np = opts.LorenzPoints
		}
	}
	if np < 2 {
		return nil, fmt.Errorf("%w: LorenzPoints %d < 2", ErrOptions, np)
	}
	for _, k := range tops {
		if badFloat(k) || k <= 0 || k > 1 {
			return nil, fmt.Errorf("%w: top share %v outside (0, 1]", ErrOptions, k)
		}
	}
	order, vals, total, err := rankValues(values)
	if err != nil {
		return nil, err
	}
	n := len(order)
	// desc[i] = value of the i-th richest; cumTop[i] = share of the i richest.
	tot := 0.0
	for _, v := range vals {
		tot += v
	}
	cumTop := make([]float64, n+1)
	for r, i := range order {
		cumTop[r+1] = cumTop[r] + vals[i]
	}
	for r := range cumTop {
		cumTop[r] /= tot
	}
	cumTop[n] = 1
	res := &Concentration{Customers: n, Total: total.value()}
	// Gini with ascending values: the r-th richest is ascending position n−r.
	g := 0.0
	for r, i := range order {
		pos := float64(n - r) // 1-based ascending position
		g += (2*pos - float64(n) - 1) * vals[i]
	}
	res.Gini = g / (float64(n) * tot)
	topAt := func(k float64) float64 {
		m := k * float64(n)
		j := int(math.Floor(m))
		if j >= n {
			return 1
		}
		return cumTop[j] + (m-float64(j))*(cumTop[j+1]-cumTop[j])
	}
	mk := func(k float64) TopShare {
		v := topAt(k)
		return TopShare{Customers: k, Value: v, Statement: fmt.Sprintf("the top %s of customers bring %s of the value", pct(k), pct(v))}
	}
	res.Pareto = mk(0.2)
	for _, k := range tops {
		res.Top = append(res.Top, mk(k))
	}
	// Lorenz (ascending): share of the poorest p = 1 − share of the richest 1−p.
	if n+1 <= np {
		for j := 0; j <= n; j++ {
			res.Lorenz = append(res.Lorenz, LorenzPoint{Customers: float64(j) / float64(n), Value: 1 - cumTop[n-j]})
		}
	} else {
		for j := range np {
			p := float64(j) / float64(np-1)
			res.Lorenz = append(res.Lorenz, LorenzPoint{Customers: p, Value: 1 - topAt(1-p)})
		}
	}
	res.Lorenz[0].Value = 0
	res.Lorenz[len(res.Lorenz)-1].Value = 1
	return res, nil
}

func pct(f float64) string {
	return strconv.FormatFloat(100*f, 'f', 1, 64) + "%"
}
