package segment

import (
	"cmp"
	"context"
	"fmt"
	"iter"
	"slices"
	"time"

	"github.com/crmkit/crmkit/customer"
)

// ActivityOptions configure [ActivityIndex]. AsOf is required: orders after
// it are errors. Unit (zero: 7×24h) is the unit of the reported gaps; Grain
// (zero: 24h, whole seconds) merges orders into purchases as in
// [SummaryOptions]. The zero value is not usable (AsOf missing).
type ActivityOptions struct {
	AsOf  time.Time     `json:"as_of"`
	Unit  time.Duration `json:"unit,omitempty"`
	Grain time.Duration `json:"grain,omitempty"`
	// Location is where a Grain bucket begins (nil: UTC), as in
	// [SummaryOptions].
	Location *time.Location `json:"-"`
	// Skipped, when non-nil, makes bad orders skipped instead of stopping
	// the analysis; it is reset and then receives how many were skipped
	// and why (see [Skipped]).
	Skipped *Skipped `json:"-"`
}

// Activity (plain data; the zero value is an empty entry) is one customer's
// customer activity index (CAI; Gupta and
// Lehmann 2005, Kumar and Reinartz 2012): with inter-purchase gaps g_1..g_n
// (oldest first), MeanGap = Σg_j/n, WeightedGap = Σ j·g_j / Σ j, and
// Index = (MeanGap − WeightedGap)/MeanGap. Recent gaps weigh more, so
// Index > 0 means the customer is buying faster than before, < 0 slower.
// Index is defined (Defined true) from two gaps (three purchases) on; with
// fewer it is 0. SinceLast is the time from the last purchase to AsOf, also
// in Unit: a customer whose SinceLast far exceeds MeanGap is slowing even if
// Index is positive.
type Activity struct {
	CustomerID  string  `json:"customer_id"`
	Purchases   int     `json:"purchases"`
	MeanGap     float64 `json:"mean_gap"`
	WeightedGap float64 `json:"weighted_gap"`
	SinceLast   float64 `json:"since_last"`
	Index       float64 `json:"index"`
	Defined     bool    `json:"defined"`
}

// ActivityIndex computes the [Activity] of every customer in the stream,
// sorted by CustomerID. Orders may come in any order; bad orders stop it
// with a [*crmkit.RecordError] as in [Summarize], or are skipped with
// opts.Skipped.
func ActivityIndex(ctx context.Context, orders iter.Seq2[customer.Order, error], opts ActivityOptions) ([]Activity, error) {
	if opts.AsOf.IsZero() {
		return nil, fmt.Errorf("%w: AsOf is required", ErrOptions)
	}
	so, err := SummaryOptions{Unit: opts.Unit, Grain: opts.Grain, CalibrationEnd: opts.AsOf}.withDefaults()
	if err != nil {
		return nil, err
	}
	accs, err := gather(ctx, orders, so.Grain, opts.Location, opts.AsOf, "AsOf", newSkipper(opts.Skipped))
	if err != nil {
		return nil, err
	}
	unit := float64(so.Unit)
	out := make([]Activity, 0, len(accs))
	for id, a := range accs {
		b := a.Buckets
		act := Activity{CustomerID: id, Purchases: len(b)}
		last := bucketStart(b[len(b)-1].Index, so.Grain)
		act.SinceLast = float64(toWall(opts.AsOf, opts.Location).Sub(last)) / unit
		n := len(b) - 1
		if n >= 1 {
			var sum, wsum, wtot float64
			for j := 1; j <= n; j++ {
				g := float64(b[j].Index-b[j-1].Index) * float64(so.Grain) / unit
				sum += g
				wsum += float64(j) * g
				wtot += float64(j)
			}
			act.MeanGap = sum / float64(n)
			act.WeightedGap = wsum / wtot
			if n >= 2 {
				act.Index = (act.MeanGap - act.WeightedGap) / act.MeanGap
				act.Defined = true
			}
		}
		out = append(out, act)
	}
	slices.SortFunc(out, func(a, b Activity) int { return cmp.Compare(a.CustomerID, b.CustomerID) })
	return out, nil
}
