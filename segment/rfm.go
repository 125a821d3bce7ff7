package segment

import (
	"context"
	"fmt"
	"iter"
	"math"
	"strings"
	"time"

	"github.com/crmkit/crmkit"
	"github.com/crmkit/crmkit/customer"
	"github.com/shopspring/decimal"
)

// ScoreRange is an inclusive range of scores. The zero value matches any
// score.
type ScoreRange struct {
	Min int `json:"min,omitempty"`
	Max int `json:"max,omitempty"`
}

func (r ScoreRange) any() bool { return r.Min == 0 && r.Max == 0 }

func (r ScoreRange) match(s int) bool {
	return r.any() || (s >= r.Min && s <= r.Max)
}

func (r ScoreRange) String() string {
	if r.Min == r.Max {
		return fmt.Sprint(r.Min)
	}
	return fmt.Sprintf("%d–%d", r.Min, r.Max)
}

// SegmentRule maps score ranges to a segment. A customer matches when every
// non-zero range holds the customer's score; FM is the rounded mean of F and
// M, (F+M+1)/2. The zero value matches everybody.
type SegmentRule struct {
	Segment string     `json:"segment"`
	R       ScoreRange `json:"r,omitzero"`
	F       ScoreRange `json:"f,omitzero"`
	M       ScoreRange `json:"m,omitzero"`
	FM      ScoreRange `json:"fm,omitzero"`
}

// Default segment names.
const (
	Champions         = "Champions"
	Loyal             = "Loyal"
	PotentialLoyalist = "Potential loyalist"
	NewCustomers      = "New"
	Promising         = "Promising"
	NeedAttention     = "Need attention"
	AboutToSleep      = "About to sleep"
	AtRisk            = "At risk"
	CantLoseThem      = "Can't lose them"
	Hibernating       = "Hibernating"
	Lost              = "Lost"
	// Unsegmented is the segment of a customer no rule matches.
	Unsegmented = "Other"
)

// DefaultSegments returns the default segment map, defined on 1..5 scores
// over recency R and the rounded mean FM of frequency and monetary scores.
// It covers the 5×5 grid exactly once:
//
//	R\FM   1            2            3               4          5
//	5      New          Potential    Potential       Champions  Champions
//	4      Promising    Potential    Potential       Loyal      Loyal
//	3      About2sleep  About2sleep  Need attention  Loyal      Loyal
//	2      Hibernating  Hibernating  At risk         At risk    Can't lose
//	1      Lost         Hibernating  At risk         At risk    Can't lose
//
// The rules are disjoint (Hibernating takes two rules to leave the corner to
// Lost); in any map, rules are tried in order and the first match wins.
func DefaultSegments() []SegmentRule {
	return []SegmentRule{
		{Segment: Champions, R: ScoreRange{5, 5}, FM: ScoreRange{4, 5}},
		{Segment: Loyal, R: ScoreRange{3, 4}, FM: ScoreRange{4, 5}},
		{Segment: PotentialLoyalist, R: ScoreRange{4, 5}, FM: ScoreRange{2, 3}},
		{Segment: NewCustomers, R: ScoreRange{5, 5}, FM: ScoreRange{1, 1}},
		{Segment: Promising, R: ScoreRange{4, 4}, FM: ScoreRange{1, 1}},
		{Segment: NeedAttention, R: ScoreRange{3, 3}, FM: ScoreRange{3, 3}},
		{Segment: AboutToSleep, R: ScoreRange{3, 3}, FM: ScoreRange{1, 2}},
		{Segment: CantLoseThem, R: ScoreRange{1, 2}, FM: ScoreRange{5, 5}},
		{Segment: AtRisk, R: ScoreRange{1, 2}, FM: ScoreRange{3, 4}},
		{Segment: Lost, R: ScoreRange{1, 1}, FM: ScoreRange{1, 1}},
		{Segment: Hibernating, R: ScoreRange{2, 2}, FM: ScoreRange{1, 2}},
		{Segment: Hibernating, R: ScoreRange{1, 1}, FM: ScoreRange{2, 2}},
	}
}

// Monetary chooses the M of RFM; "" means [MonetaryTotal].
type Monetary string

// Monetary measures.
const (
	MonetaryTotal Monetary = "total" // sum of order amounts (the default)
	MonetaryMean  Monetary = "mean"  // mean order amount
)

// RFMOptions configure [ScoreRFM]. AsOf is required; orders after it are
// errors ([crmkit.ErrFuture]). From, when set, leaves out orders before it.
// Q is the number of score levels (zero: 5; 2..100). Monetary zero means
// [MonetaryTotal]. Segments nil means [DefaultSegments]; the default map is
// written for 5 levels, so with another Q the scores are first mapped to
// 1..5 by s5 = 1 + ⌊5(s−1)/Q⌋ for the lookup only. The zero value is not
// usable (AsOf missing).
type RFMOptions struct {
	AsOf     time.Time     `json:"as_of"`
	From     time.Time     `json:"from,omitzero"`
	Q        int           `json:"q,omitempty"`
	Monetary Monetary      `json:"monetary,omitempty"`
	Segments []SegmentRule `json:"segments,omitempty"`
	// Skipped, when non-nil, makes bad orders skipped instead of stopping
	// the analysis; it is reset and then receives how many were skipped
	// and why (see [Skipped]).
	Skipped *Skipped `json:"-"`
}

// RFM is one customer's recency, frequency and monetary value, their scores
// 1..Q (Q best: most recent, most frequent, highest spend) and segment.
// Recency is in days from the last order to AsOf; Frequency counts orders.
// Rule is the index of the matching segment rule, −1 when none matched.
// Plain data.
type RFM struct {
	CustomerID string          `json:"customer_id"`
	Recency    float64         `json:"recency_days"`
	Frequency  int             `json:"frequency"`
	Monetary   decimal.Decimal `json:"monetary"`
	R          int             `json:"r"`
	F          int             `json:"f"`
	M          int             `json:"m"`
	Segment    string          `json:"segment"`
	Rule       int             `json:"rule"`
}

// RFMResult holds every customer's RFM (sorted by CustomerID), the levels
// and rules used, and the customer count per segment. Rescaled says scores
// were mapped to 1..5 for the default map (see [RFMOptions]). Plain data,
// safe to read concurrently.
type RFMResult struct {
	Q         int            `json:"q"`
	Segments  []SegmentRule  `json:"segments"`
	Customers []RFM          `json:"customers"`
	Counts    map[string]int `json:"counts"`
	Rescaled  bool           `json:"rescaled,omitempty"`
}

// ScoreRFM computes RFM values, quantile scores and segments from an order
// stream.
//
// Scores are quantile ranks with ties shared: a customer's score is
// 1 + ⌊Q·w/n⌋ where w is the number of customers with a strictly worse value
// (older last order for R, fewer orders for F, less money for M) among n.
// Equal values always get equal scores, so heavily tied measures (most
// customers order once) leave some scores unused rather than splitting
// equals arbitrarily; with fewer customers than levels the top levels are
// not reached either.
//
// Errors: [ErrOptions], [ErrNoData] when no order falls in [From, AsOf],
// [*crmkit.RecordError] for a bad order (unless opts.Skipped is set).
func ScoreRFM(ctx context.Context, orders iter.Seq2[customer.Order, error], opts RFMOptions) (*RFMResult, error) {
	if opts.AsOf.IsZero() {
		return nil, fmt.Errorf("%w: AsOf is required", ErrOptions)
	}
	q := opts.Q
	if q == 0 {
		q = 5
	}
	if q < 2 || q > 100 {
		return nil, fmt.Errorf("%w: Q = %d outside 2..100", ErrOptions, opts.Q)
	}
	mon := opts.Monetary
	if mon == "" {
		mon = MonetaryTotal
	}
	if mon != MonetaryTotal && mon != MonetaryMean {
		return nil, fmt.Errorf("%w: unknown monetary %q", ErrOptions, mon)
	}
	rules := opts.Segments
	rescale := false
	if rules == nil {
		rules = DefaultSegments()
		rescale = q != 5
	}
	aggs, err := aggregate(ctx, orders, aggConfig{from: opts.From, asOf: opts.AsOf, strictAsOf: true, asOfName: "AsOf", skip: newSkipper(opts.Skipped)})
	if err != nil {
		return nil, err
	}
	n := len(aggs)
	if n == 0 {
		return nil, fmt.Errorf("%w: no orders", ErrNoData)
	}
	res := &RFMResult{Q: q, Segments: rules, Customers: make([]RFM, n), Counts: make(map[string]int), Rescaled: rescale}
	rec := make([]float64, n)
	freq := make([]float64, n)
	money := make([]float64, n)
	parts := numParts(n)
	errs := make([]error, parts)
	forParts(n, parts, func(p, lo, hi int) {
		for i := lo; i < hi; i++ {
			a := &aggs[i]
			c := &res.Customers[i]
			c.CustomerID = a.id
			c.Recency = float64(opts.AsOf.Sub(a.last())) / float64(24*time.Hour)
			c.Frequency = a.orders
			c.Monetary = a.revenue()
			if mon == MonetaryMean {
				c.Monetary = c.Monetary.DivRound(decimal.NewFromInt(int64(a.orders)), crmkit.MoneyPlaces+12).RoundBank(crmkit.MoneyPlaces)
			}
			rec[i] = -c.Recency // higher is better
			freq[i] = float64(a.orders)
			f, err := crmkit.ToFloat(c.Monetary)
			if err != nil {
				errs[p] = crmkit.Errorf("customer", i, a.id, "monetary", crmkit.ErrInvalid, "%v", err)
				return
			}
			money[i] = f
		}
	})
	for _, err := range errs { // parts in order: the first customer's error
		if err != nil {
			return nil, err
		}
	}
	var rs, fs, ms []int
	parallel(
		func() { rs = quantileScores(rec, q) },
		func() { fs = quantileScores(freq, q) },
		func() { ms = quantileScores(money, q) },
	)
	perRule := make([]int, len(rules)+1) // last: unsegmented
	partRule := make([][]int, parts)
	forParts(n, parts, func(p, lo, hi int) {
		counts := make([]int, len(perRule))
		for i := lo; i < hi; i++ {
			c := &res.Customers[i]
			c.R, c.F, c.M = rs[i], fs[i], ms[i]
			r, f, m := res.lookupScores(c.R, c.F, c.M)
			c.Segment, c.Rule = SegmentOf(rules, r, f, m)
			counts[(c.Rule+len(counts))%len(counts)]++
		}
		partRule[p] = counts
	})
	for _, counts := range partRule {
		for k, c := range counts {
			perRule[k] += c
		}
	}
	for k, cnt := range perRule {
		if cnt == 0 {
			continue
		}
		name := Unsegmented
		if k < len(rules) {
			name = rules[k].Segment
		}
		res.Counts[name] += cnt
	}
	return res, nil
}

// SegmentOf applies a segment map to scores: the first rule that matches
// wins; no match gives [Unsegmented] and rule −1. Engines that compute
// scores themselves (for example from approximate quantiles) use it to
// segment exactly as [ScoreRFM] does. The default map expects 1..5 scores.
func SegmentOf(rules []SegmentRule, r, f, m int) (segment string, rule int) {
	for k, x := range rules {
		if x.R.match(r) && x.F.match(f) && x.M.match(m) && x.FM.match((f+m+1)/2) {
			return x.Segment, k
		}
	}
	return Unsegmented, -1
}

func (res *RFMResult) lookupScores(r, f, m int) (int, int, int) {
	if !res.Rescaled {
		return r, f, m
	}
	s5 := func(s int) int { return 1 + 5*(s-1)/res.Q }
	return s5(r), s5(f), s5(m)
}

// quantileScores returns 1 + ⌊q·(number of strictly smaller values)/n⌋.
// The values must not be NaN.
func quantileScores(v []float64, q int) []int {
	n := len(v)
	// Radix-sort (value, index) keys rather than compare indices through
	// v: with 10⁶ customers every indirect comparison is a cache miss.
	keys := make([]sortKey, n)
	for i, x := range v {
		keys[i] = sortKey{hi: floatKey(x), i: int32(i)}
	}
	keys = radixSort(keys)
	out := make([]int, n)
	below := 0
	for k, p := range keys {
		if k > 0 && p.hi != keys[k-1].hi {
			below = k
		}
		out[p.i] = 1 + int(int64(q)*int64(below)/int64(n))
	}
	return out
}

// floatKey maps a float64 that is not NaN to a uint64 that orders as the
// floats do, −0 and +0 to the same key.
func floatKey(x float64) uint64 {
	if x == 0 {
		x = 0 // −0 → +0
	}
	b := math.Float64bits(x)
	if b>>63 != 0 {
		return ^b
	}
	return b | 1<<63
}

// Explain says in words why customer i (an index into Customers) has its
// scores and segment, for example
//
//	C-17: R=5 (last order 3.0 days ago), F=4 (7 orders), M=5 (1250.00) → FM=5 → Champions by rule 0 (R 5, FM 4–5)
func (res *RFMResult) Explain(i int) string {
	if i < 0 || i >= len(res.Customers) {
		return ""
	}
	c := res.Customers[i]
	var b strings.Builder
	fmt.Fprintf(&b, "%s: R=%d (last order %.1f days ago), F=%d (%d orders), M=%d (%s) → FM=%d", c.CustomerID, c.R, c.Recency, c.F, c.Frequency, c.M, c.Monetary.StringFixed(2), (c.F+c.M+1)/2)
	if res.Rescaled {
		r, f, m := res.lookupScores(c.R, c.F, c.M)
		fmt.Fprintf(&b, "; on the 1..5 scale of the default map R=%d F=%d M=%d FM=%d", r, f, m, (f+m+1)/2)
	}
	if c.Rule < 0 {
		fmt.Fprintf(&b, " → %s: no rule matched", c.Segment)
		return b.String()
	}
	rule := res.Segments[c.Rule]
	var conds []string
	for _, p := range []struct {
		n string
		r ScoreRange
	}{{"R", rule.R}, {"F", rule.F}, {"M", rule.M}, {"FM", rule.FM}} {
		if !p.r.any() {
			conds = append(conds, p.n+" "+p.r.String())
		}
	}
	fmt.Fprintf(&b, " → %s by rule %d (%s)", c.Segment, c.Rule, strings.Join(conds, ", "))
	return b.String()
}
