package funnel

import (
	"context"
	"fmt"
	"iter"
	"math"
	"slices"
	"sort"
	"time"

	"github.com/crmkit/crmkit"
)

// SlippageOptions control [FitSlippage]. A nil *SlippageOptions is invalid
// because AsOf is required. The zero value is invalid (no AsOf). Options are
// only read, so one value may serve concurrent calls.
type SlippageOptions struct {
	// AsOf is the clock (required); deals decided after it are ignored.
	AsOf time.Time `json:"as_of"`
}

// Slippage is how far and how often expected close dates move, learned from
// decided deals by [FitSlippage], and used by [ForecastPipeline] to place
// each open deal's likely close in periods.
//
// Deals counts the decided deals with an expected close date; MovedShare is
// the share of them whose date was changed at least once and PushedShare the
// share whose last date lies after their first; MeanMoves the mean number of
// changes. Won counts the won deals among them, and DelayDays summarises
// their delay: close time minus the first expected close date, in days
// (negative: closed early; quantiles are R's type 1). The zero value has no delays and places every
// deal at its expected close date. Immutable and safe for concurrent use.
type Slippage struct {
	Deals       int       `json:"deals"`
	MovedShare  float64   `json:"moved_share"`
	PushedShare float64   `json:"pushed_share"`
	MeanMoves   float64   `json:"mean_moves"`
	Won         int       `json:"won"`
	DelayDays   Durations `json:"delay_days"`
	delays      []float64 // won deals' delays in days, sorted
}

// FitSlippage learns close-date slippage from decided deals' histories. The
// first expected close date is the From of the first close-date change
// (or its To when From is zero), else the deal's ExpectedClose. Deals
// without any expected close date are not counted. Only won deals' delays
// are kept for placing: the forecast needs where won deals close.
func FitSlippage(ctx context.Context, pipelines []Pipeline, histories iter.Seq2[History, error], opts *SlippageOptions) (*Slippage, error) {
	if opts == nil || opts.AsOf.IsZero() {
		return nil, fmt.Errorf("funnel: FitSlippage: %w: AsOf", crmkit.ErrMissing)
	}
	pp, err := pipeIndexPipelines(pipelines)
	if err != nil {
		return nil, err
	}
	s := &Slippage{}
	var moved, pushed, moves int
	err = pipeReadClosed(ctx, pp, histories, nil, opts.AsOf, func(c *pipeClosed) error {
		h := c.hist
		first := h.Deal.ExpectedClose
		if len(h.CloseDates) > 0 {
			first = h.CloseDates[0].From
			if first.IsZero() {
				first = h.CloseDates[0].To
			}
		}
		if first.IsZero() {
			return nil
		}
		s.Deals++
		n := len(h.CloseDates)
		if n > 0 && !h.CloseDates[0].From.IsZero() || n > 1 {
			moved++
		}
		moves += n
		if last := h.Deal.ExpectedClose; !last.IsZero() && last.After(first) {
			pushed++
		}
		if c.won {
			s.delays = append(s.delays, pipeDays(c.closed.Sub(first)))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if s.Deals > 0 {
		s.MovedShare = float64(moved) / float64(s.Deals)
		s.PushedShare = float64(pushed) / float64(s.Deals)
		s.MeanMoves = float64(moves) / float64(s.Deals)
	}
	slices.Sort(s.delays)
	s.Won = len(s.delays)
	if s.Won > 0 {
		q := func(p float64) float64 { return s.delays[max(int(math.Ceil(p*float64(s.Won)))-1, 0)] }
		mean := 0.0
		for _, d := range s.delays {
			mean += d
		}
		s.DelayDays = Durations{N: s.Won, Mean: mean / float64(s.Won), Median: q(0.5), P75: q(0.75), P90: q(0.9)}
	}
	return s, nil
}

// place returns, for a deal expected to close at expected and still open at
// asOf, the probability that it closes (if won) in each of the periods
// [bounds[k], bounds[k+1]). Delays that would put the close before asOf are
// ruled out (the deal is known to be open); if no learned delay remains, or
// there are no delays at all, the close is max(expected, asOf).
func (s *Slippage) place(expected, asOf time.Time, bounds []time.Time, out []float64) {
	clear(out)
	var d []float64
	if s != nil {
		d = s.delays
	}
	if len(d) > 0 {
		minDelay := pipeDays(asOf.Sub(expected))
		lo := sort.SearchFloat64s(d, minDelay)
		if n := len(d) - lo; n > 0 {
			for k := range out {
				a := sort.SearchFloat64s(d, pipeDays(bounds[k].Sub(expected)))
				b := sort.SearchFloat64s(d, pipeDays(bounds[k+1].Sub(expected)))
				a = max(a, lo)
				if b > a {
					out[k] = float64(b-a) / float64(n)
				}
			}
			return
		}
	}
	at := expected
	if at.Before(asOf) {
		at = asOf
	}
	for k := range out {
		if !at.Before(bounds[k]) && at.Before(bounds[k+1]) {
			out[k] = 1
		}
	}
}
