package funnel

import (
	"context"
	"fmt"
	"iter"
	"math"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/crmkit/crmkit"
)

// StageAgeOptions control [FitStageAge]. A nil *StageAgeOptions is invalid
// because AsOf is required; other zero fields mean the documented defaults.
// The zero value is invalid (no AsOf). Options are only read, so one value
// may serve concurrent calls.
type StageAgeOptions struct {
	// AsOf is the clock: deals closed after it count as open, records
	// dated after it are errors (required).
	AsOf time.Time `json:"as_of"`
	// Buckets are the lower bounds, in days, of the age-in-stage buckets,
	// ascending from 0. Default 0, 7, 14, 30, 60, 90.
	Buckets []float64 `json:"buckets,omitempty"`
	// PriorStrength is the weight, in pseudo-deals, of the stage-level rate
	// in each bucket's estimate. 0 estimates it from the data per stage
	// (empirical Bayes, method of moments), clamped to [1, 500].
	PriorStrength float64 `json:"prior_strength,omitempty"`
}

// StageAgeCell is one (pipeline, stage, age bucket) of a [StageAgeModel].
// Deals is the number of decided deals that spent time in the stage at an
// age in [MinDays, MaxDays) (MaxDays 0: no upper bound), Days the total time
// they spent there and EffectiveDeals the Kish effective sample size of that
// time-weighted sample. Raw is the time-weighted share won: the win rate of
// the deals one would find in this cell on a random day. Probability is Raw
// shrunk toward StageRate with Strength pseudo-deals. The zero value is an
// empty cell. It is a plain value, safe for concurrent reads.
type StageAgeCell struct {
	Pipeline       string  `json:"pipeline"`
	Stage          string  `json:"stage"`
	MinDays        float64 `json:"min_days"`
	MaxDays        float64 `json:"max_days,omitempty"`
	Deals          int     `json:"deals"`
	Days           float64 `json:"days"`
	EffectiveDeals float64 `json:"effective_deals"`
	Raw            float64 `json:"raw"`
	StageRate      float64 `json:"stage_rate"`
	Strength       float64 `json:"strength"`
	Probability    float64 `json:"probability"`
}

// StageAgeModel is the empirical P(win | stage, age in stage) learned by
// [FitStageAge]. The zero value has no cells and answers every deal with an
// error. It is immutable and safe for concurrent use.
type StageAgeModel struct {
	buckets []float64
	cells   map[pipeStageKey][]StageAgeCell
}

// FitStageAge learns P(win | stage, age in stage) from decided deals.
//
// Every decided deal (won or lost at or before AsOf) is weighted in each
// age bucket of each open stage by the time it spent there at that age, so a
// cell answers "of the deals sitting in stage s at an age in this bucket on
// any given day, what share went on to win" — the question a forecast asks
// of today's open deals. (Counting each deal once per bucket it reached
// would answer for deals at the bucket's lower bound and over-predict
// within it.) Deals still open are left out (their outcome is unknown, never
// a loss). Small buckets borrow from the stage's time-weighted rate over all
// ages (beta-binomial shrinkage on the effective sample size): estimate =
// (raw·n + m·rate) / (n + m); the stage rate itself is shrunk toward the
// stage's default probability with 2 pseudo-deals. A stage without history
// answers with its default probability.
//
// Histories are read once; memory is bounded by the number of stages.
func FitStageAge(ctx context.Context, pipelines []Pipeline, histories iter.Seq2[History, error], opts *StageAgeOptions) (*StageAgeModel, error) {
	if opts == nil || opts.AsOf.IsZero() {
		return nil, fmt.Errorf("funnel: FitStageAge: %w: AsOf", crmkit.ErrMissing)
	}
	buckets := opts.Buckets
	if len(buckets) == 0 {
		buckets = []float64{0, 7, 14, 30, 60, 90}
	}
	if buckets[0] != 0 || !sort.Float64sAreSorted(buckets) || slices.ContainsFunc(buckets, func(b float64) bool { return math.IsNaN(b) || math.IsInf(b, 0) }) {
		return nil, fmt.Errorf("funnel: FitStageAge: %w: buckets must ascend from 0: %v", crmkit.ErrInvalid, buckets)
	}
	if s := opts.PriorStrength; s < 0 || math.IsNaN(s) || math.IsInf(s, 0) {
		return nil, fmt.Errorf("funnel: FitStageAge: %w: prior strength %v", crmkit.ErrInvalid, s)
	}
	pp, err := pipeIndexPipelines(pipelines)
	if err != nil {
		return nil, err
	}
	type counts struct {
		n         []int
		e, we, e2 []float64 // exposure days, won exposure, squared exposure
		sn        int
		se, swe   float64
		se2       float64
	}
	nb := len(buckets)
	tab := map[pipeStageKey]*counts{}
	for _, p := range pipelines {
		for _, s := range p.Stages {
			if s.Kind == StageOpen {
				tab[pipeStageKey{p.ID, s.ID}] = &counts{n: make([]int, nb), e: make([]float64, nb), we: make([]float64, nb), e2: make([]float64, nb)}
			}
		}
	}
	err = pipeReadClosed(ctx, pp, histories, nil, opts.AsOf, func(c *pipeClosed) error {
		for _, st := range c.stays {
			ct := tab[pipeStageKey{c.deal.Pipeline, st.stage}]
			// A zero-length stay still counts, with a token second of
			// exposure, so that instant moves are not invisible.
			age := math.Max(pipeDays(st.exit.Sub(st.enter)), 1.0/86400)
			for b, lo := range buckets {
				if age <= lo {
					break
				}
				hi := age
				if b+1 < nb {
					hi = math.Min(hi, buckets[b+1])
				}
				x := hi - lo
				ct.n[b]++
				ct.e[b] += x
				ct.e2[b] += x * x
				if c.won {
					ct.we[b] += x
				}
			}
			ct.sn++
			ct.se += age
			ct.se2 += age * age
			if c.won {
				ct.swe += age
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	m := &StageAgeModel{buckets: slices.Clone(buckets), cells: map[pipeStageKey][]StageAgeCell{}}
	for _, p := range pipelines {
		for _, s := range p.Stages {
			if s.Kind != StageOpen {
				continue
			}
			key := pipeStageKey{p.ID, s.ID}
			ct := tab[key]
			rate := s.Probability
			if ct.se > 0 {
				ne := ct.se * ct.se / ct.se2
				rate = (ct.swe/ct.se*ne + 2*s.Probability) / (ne + 2)
			}
			neff := make([]float64, nb)
			raw := make([]float64, nb)
			for b := range buckets {
				if ct.e[b] > 0 {
					neff[b] = ct.e[b] * ct.e[b] / ct.e2[b]
					raw[b] = ct.we[b] / ct.e[b]
				}
			}
			strength := opts.PriorStrength
			if strength == 0 {
				strength = pipeMoMStrength(neff, raw)
			}
			cells := make([]StageAgeCell, nb)
			for b := range buckets {
				c := StageAgeCell{Pipeline: p.ID, Stage: s.ID, MinDays: buckets[b], Deals: ct.n[b], Days: ct.e[b], EffectiveDeals: neff[b], Raw: raw[b], StageRate: rate, Strength: strength}
				if b+1 < nb {
					c.MaxDays = buckets[b+1]
				}
				c.Probability = (raw[b]*neff[b] + strength*rate) / (neff[b] + strength)
				cells[b] = c
			}
			m.cells[key] = cells
		}
	}
	return m, nil
}

// pipeMoMStrength estimates the beta prior strength α+β from bucket sizes
// n and rates r by the method of moments: the between-bucket variance of the
// rates beyond what binomial noise explains is the prior's variance
// p(1−p)/(α+β+1).
func pipeMoMStrength(n, r []float64) float64 {
	const lo, hi = 1.0, 500.0
	var N, W float64
	k := 0
	for b := range n {
		if n[b] > 0 {
			N += n[b]
			W += n[b] * r[b]
			k++
		}
	}
	if k < 2 {
		return hi
	}
	p := W / N
	if p <= 0 || p >= 1 {
		return hi
	}
	var s float64
	for b := range n {
		if n[b] > 0 {
			s += n[b] * (r[b] - p) * (r[b] - p)
		}
	}
	s /= N
	tau2 := s - float64(k)*p*(1-p)/N
	if tau2 <= 0 {
		return hi
	}
	return math.Max(lo, math.Min(hi, p*(1-p)/tau2-1))
}

// WinProbability returns the estimate for the deal's stage and the bucket of
// its age in stage. An unknown pipeline or stage is an error wrapping
// crmkit.ErrUnknownRef.
func (m *StageAgeModel) WinProbability(s DealState) (float64, error) {
	cells, ok := m.cells[pipeStageKey{s.Deal.Pipeline, s.Deal.Stage}]
	if !ok {
		return 0, crmkit.Errorf("deal", -1, s.Deal.ID, "stage", crmkit.ErrUnknownRef, "pipeline %q open stage %q", s.Deal.Pipeline, s.Deal.Stage)
	}
	age := pipeDays(s.AgeInStage())
	b := sort.Search(len(m.buckets), func(i int) bool { return m.buckets[i] > age }) - 1
	return cells[max(b, 0)].Probability, nil
}

// Cells returns the model's table sorted by pipeline and stage ID, buckets
// ascending. The slice is a copy.
func (m *StageAgeModel) Cells() []StageAgeCell {
	var out []StageAgeCell
	for _, c := range m.cells {
		out = append(out, c...)
	}
	slices.SortStableFunc(out, func(a, b StageAgeCell) int {
		if a.Pipeline != b.Pipeline {
			return strings.Compare(a.Pipeline, b.Pipeline)
		}
		if a.Stage != b.Stage {
			return strings.Compare(a.Stage, b.Stage)
		}
		return int(math.Copysign(1, a.MinDays-b.MinDays))
	})
	return out
}
