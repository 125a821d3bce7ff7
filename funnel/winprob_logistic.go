package funnel

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"math"
	"sort"
	"strconv"
	"time"

	"github.com/crmkit/crmkit"
	"gonum.org/v1/gonum/optimize"
)

// LogisticOptions control [FitLogistic]. A nil *LogisticOptions is invalid
// because AsOf is required; other zero fields mean the documented defaults.
// The zero value is invalid (no AsOf). Options are only read, so one value
// may serve concurrent calls.
type LogisticOptions struct {
	// AsOf is the clock: deals closed after it count as open (required).
	AsOf time.Time `json:"as_of"`
	// Numeric are Deal.Attributes keys holding numbers (parsed with
	// strconv.ParseFloat). They are standardised with the training mean and
	// standard deviation; a missing value counts as the mean. A value that
	// does not parse, or is NaN or infinite, is an error naming the deal.
	Numeric []string `json:"numeric,omitempty"`
	// Categorical are Deal.Attributes keys one-hot encoded: one indicator
	// per value seen in at least MinSupport training examples; rarer,
	// unseen and missing values set no indicator.
	Categorical []string `json:"categorical,omitempty"`
	// Lambda is the L2 penalty λ in Σ log-loss + λ/2·‖β‖² (the intercept is
	// not penalised); default 1. The stage is always a one-hot feature.
	Lambda float64 `json:"lambda,omitempty"`
	// MinSupport: see Categorical; default 5.
	MinSupport int `json:"min_support,omitempty"`
}

// LogisticModel is an L2-regularised logistic regression of P(win) on the
// current stage and deal attributes, learned by [FitLogistic]. The zero
// value has no coefficients and answers every deal with an error. It is
// immutable and safe for concurrent use.
type LogisticModel struct {
	coef      []float64 // intercept, stage one-hots, category one-hots, numeric
	stages    map[pipeStageKey]int
	catFields []string
	cats      []map[string]int // per field: value → coefficient index
	numFields []string
	mean, sd  []float64
	numBase   int
	known     map[pipeStageKey]bool
}

// Coefficients returns the fitted coefficients by name: "intercept",
// "stage:<pipeline>/<stage>", "<field>=<value>" and "<field>" (per standard
// deviation) for numeric fields.
func (m *LogisticModel) Coefficients() map[string]float64 {
	out := map[string]float64{}
	if len(m.coef) == 0 {
		return out
	}
	out["intercept"] = m.coef[0]
	for k, i := range m.stages {
		out["stage:"+k.pipeline+"/"+k.stage] = m.coef[i]
	}
	for f, vals := range m.cats {
		for v, i := range vals {
			out[m.catFields[f]+"="+v] = m.coef[i]
		}
	}
	for j, f := range m.numFields {
		out[f] = m.coef[m.numBase+j]
	}
	return out
}

// pipeLRRow is one training example in sparse form.
type pipeLRRow struct {
	idx []int     // active one-hot indices (stage and categories)
	num []float64 // standardised numeric values
	y   float64
}

// FitLogistic learns an L2-regularised logistic regression of P(win | stage,
// attributes) with gonum's L-BFGS and the analytic gradient.
//
// Each decided deal contributes one example for every open stage it stayed
// in (the deal as it sat in that stage, with its final attributes), so the
// coefficients of stage s describe the deals that reached s. Deals still open
// are left out. All examples are kept in memory (about 100 bytes each plus
// the features).
func FitLogistic(ctx context.Context, pipelines []Pipeline, histories iter.Seq2[History, error], opts *LogisticOptions) (*LogisticModel, error) {
	if opts == nil || opts.AsOf.IsZero() {
		return nil, fmt.Errorf("funnel: FitLogistic: %w: AsOf", crmkit.ErrMissing)
	}
	lambda := opts.Lambda
	if lambda == 0 {
		lambda = 1
	}
	minSup := opts.MinSupport
	if minSup == 0 {
		minSup = 5
	}
	if lambda < 0 || math.IsNaN(lambda) || math.IsInf(lambda, 0) || minSup < 0 {
		return nil, fmt.Errorf("funnel: FitLogistic: %w: lambda %v, min support %d", crmkit.ErrInvalid, opts.Lambda, opts.MinSupport)
	}
	pp, err := pipeIndexPipelines(pipelines)
	if err != nil {
		return nil, err
	}
	m := &LogisticModel{stages: map[pipeStageKey]int{}, catFields: opts.Categorical, numFields: opts.Numeric, known: map[pipeStageKey]bool{}}
	for _, p := range pipelines {
		for _, s := range p.Stages {
			if s.Kind == StageOpen {
				m.known[pipeStageKey{p.ID, s.ID}] = true
			}
		}
	}
	// First pass: collect raw examples.
	type raw struct {
		stage pipeStageKey
		cats  []string
		nums  []float64
		has   []bool
		y     float64
	}
	var rows []raw
	catCount := make([]map[string]int, len(opts.Categorical))
	for i := range catCount {
		catCount[i] = map[string]int{}
	}
	idx := -1
	err = pipeReadClosed(ctx, pp, histories, nil, opts.AsOf, func(c *pipeClosed) error {
		idx++
		nums, has, err := pipeParseNumeric(c.deal, opts.Numeric, idx)
		if err != nil {
			return err
		}
		cats := make([]string, len(opts.Categorical))
		for f, name := range opts.Categorical {
			cats[f] = c.deal.Attributes[name]
		}
		y := 0.0
		if c.won {
			y = 1
		}
		for _, st := range c.stays {
			rows = append(rows, raw{pipeStageKey{c.deal.Pipeline, st.stage}, cats, nums, has, y})
			for f, v := range cats {
				if v != "" {
					catCount[f][v]++
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return nil, fmt.Errorf("funnel: FitLogistic: %w: no decided deal with an open-stage stay", crmkit.ErrMissing)
	}
	// Feature layout, deterministic (sorted keys).
	dim := 1
	var stageKeys []pipeStageKey
	for _, r := range rows {
		if _, ok := m.stages[r.stage]; !ok {
			m.stages[r.stage] = 0
			stageKeys = append(stageKeys, r.stage)
		}
	}
	sort.Slice(stageKeys, func(i, j int) bool {
		a, b := stageKeys[i], stageKeys[j]
		return a.pipeline < b.pipeline || a.pipeline == b.pipeline && a.stage < b.stage
	})
	for _, k := range stageKeys {
		m.stages[k] = dim
		dim++
	}
	m.cats = make([]map[string]int, len(opts.Categorical))
	for f := range opts.Categorical {
		var vals []string
		for v, n := range catCount[f] {
			if n >= minSup {
				vals = append(vals, v)
			}
		}
		sort.Strings(vals)
		m.cats[f] = map[string]int{}
		for _, v := range vals {
			m.cats[f][v] = dim
			dim++
		}
	}
	m.numBase = dim
	dim += len(opts.Numeric)
	// Standardise numeric features.
	nn := len(opts.Numeric)
	m.mean, m.sd = make([]float64, nn), make([]float64, nn)
	for j := range nn {
		var s, s2, n float64
		for _, r := range rows {
			if r.has[j] {
				s += r.nums[j]
				s2 += r.nums[j] * r.nums[j]
				n++
			}
		}
		if n > 0 {
			m.mean[j] = s / n
			if v := s2/n - m.mean[j]*m.mean[j]; v > 0 {
				m.sd[j] = math.Sqrt(v)
			}
		}
	}
	data := make([]pipeLRRow, len(rows))
	for i, r := range rows {
		d := pipeLRRow{y: r.y, idx: []int{m.stages[r.stage]}, num: make([]float64, nn)}
		for f, v := range r.cats {
			if k, ok := m.cats[f][v]; ok {
				d.idx = append(d.idx, k)
			}
		}
		for j := range nn {
			if r.has[j] && m.sd[j] > 0 {
				d.num[j] = (r.nums[j] - m.mean[j]) / m.sd[j]
			}
		}
		data[i] = d
	}
	coef, err := pipeFitLR(ctx, data, dim, m.numBase, lambda)
	if err != nil {
		return nil, err
	}
	m.coef = coef
	return m, nil
}

func pipeParseNumeric(d *Deal, fields []string, idx int) ([]float64, []bool, error) {
	nums := make([]float64, len(fields))
	has := make([]bool, len(fields))
	for j, name := range fields {
		s, ok := d.Attributes[name]
		if !ok || s == "" {
			continue
		}
		v, err := strconv.ParseFloat(s, 64)
		if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, nil, crmkit.Errorf("deal", idx, d.ID, "attributes."+name, crmkit.ErrInvalid, "not a finite number: %q", s)
		}
		nums[j], has[j] = v, true
	}
	return nums, has, nil
}

// pipeFitLR minimises Σ log-loss + λ/2·‖β[1:]‖² with L-BFGS.
func pipeFitLR(ctx context.Context, data []pipeLRRow, dim, numBase int, lambda float64) ([]float64, error) {
	eta := func(x []float64, r *pipeLRRow) float64 {
		e := x[0]
		for _, k := range r.idx {
			e += x[k]
		}
		for j, v := range r.num {
			e += x[numBase+j] * v
		}
		return e
	}
	prob := optimize.Problem{
		Func: func(x []float64) float64 {
			f := 0.0
			for i := range data {
				r := &data[i]
				e := eta(x, r)
				// log(1+exp(e)) − y·e, stably.
				f += math.Max(e, 0) + math.Log1p(math.Exp(-math.Abs(e))) - r.y*e
			}
			for _, b := range x[1:] {
				f += 0.5 * lambda * b * b
			}
			return f
		},
		Grad: func(g, x []float64) {
			clear(g)
			for i := range data {
				r := &data[i]
				e := eta(x, r)
				d := 1/(1+math.Exp(-e)) - r.y
				g[0] += d
				for _, k := range r.idx {
					g[k] += d
				}
				for j, v := range r.num {
					g[numBase+j] += d * v
				}
			}
			for k := 1; k < len(x); k++ {
				g[k] += lambda * x[k]
			}
		},
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	x0 := make([]float64, dim)
	res, err := optimize.Minimize(prob, x0, &optimize.Settings{GradientThreshold: 1e-8 * float64(len(data)+1), MajorIterations: 1000}, &optimize.LBFGS{})
	if err != nil && (res == nil || !errors.Is(err, optimize.ErrLinesearcherFailure)) {
		return nil, fmt.Errorf("funnel: FitLogistic: optimiser: %w", err)
	}
	for _, v := range res.X {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("funnel: FitLogistic: optimiser diverged")
		}
	}
	return res.X, nil
}

// WinProbability returns σ(β·x) for the deal's stage and attributes. A stage
// not open in any pipeline given to FitLogistic is an error wrapping
// crmkit.ErrUnknownRef; an unparsable numeric attribute wraps
// crmkit.ErrInvalid.
func (m *LogisticModel) WinProbability(s DealState) (float64, error) {
	if len(m.coef) == 0 {
		return 0, fmt.Errorf("funnel: logistic model: %w: not fitted", crmkit.ErrMissing)
	}
	key := pipeStageKey{s.Deal.Pipeline, s.Deal.Stage}
	if !m.known[key] {
		return 0, crmkit.Errorf("deal", -1, s.Deal.ID, "stage", crmkit.ErrUnknownRef, "pipeline %q open stage %q", s.Deal.Pipeline, s.Deal.Stage)
	}
	e := m.coef[0]
	if k, ok := m.stages[key]; ok {
		e += m.coef[k]
	}
	for f, name := range m.catFields {
		if k, ok := m.cats[f][s.Deal.Attributes[name]]; ok {
			e += m.coef[k]
		}
	}
	nums, has, err := pipeParseNumeric(&s.Deal, m.numFields, -1)
	if err != nil {
		return 0, err
	}
	for j := range nums {
		if has[j] && m.sd[j] > 0 {
			e += m.coef[m.numBase+j] * (nums[j] - m.mean[j]) / m.sd[j]
		}
	}
	return 1 / (1 + math.Exp(-e)), nil
}
