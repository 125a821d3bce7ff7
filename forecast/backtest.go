package forecast

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strings"
	"text/tabwriter"
)

// FitFunc fits a model to a training series. Backtests call it once per
// origin with a fresh slice the function may keep. It must be safe for
// concurrent use when given to [Batch] or [Evaluate] with several workers.
// A nil FitFunc makes [Backtest] fail with [ErrInvalid] and gives a failed
// row in [Compare].
type FitFunc func(y []float64) (Model, error)

// BacktestOptions configures [Backtest]. A nil pointer or the zero value
// means: one-step forecasts from every origin, expanding window, the first
// origin after half the series, non-seasonal MASE scale, no intervals.
// Options are only read, so one value may be shared by concurrent calls.
type BacktestOptions struct {
	// Horizon is the number of steps forecast from each origin; 0 means 1.
	// Above [MaxHorizon] is [ErrHorizon].
	Horizon int `json:"horizon,omitempty"`
	// Step is the distance between successive origins; 0 means 1.
	Step int `json:"step,omitempty"`
	// MinTrain is the length of the first training set; 0 means half the
	// series (at least 1).
	MinTrain int `json:"min_train,omitempty"`
	// Window, when positive, makes the window slide: each training set is
	// the Window observations before the origin. 0 means expanding.
	Window int `json:"window,omitempty"`
	// Period is the seasonal period of the MASE and interval-score scale;
	// 0 means 1.
	Period int `json:"period,omitempty"`
	// Levels are the prediction-interval levels (percent) whose coverage
	// and score are measured.
	Levels []float64 `json:"levels,omitempty"`
}

// BacktestResult is the accuracy of one model over rolling origins. Errors
// are pooled over every (origin, step) pair with an actual value; MASE
// scales each error by its own training set's scale. Measures that are not
// defined are NaN in Go and −1 in JSON (see [Accuracy.Finite]). A plain
// value, safe for concurrent reads; the zero value means no backtest ran.
type BacktestResult struct {
	// Model is the model's String() at the last successful origin.
	Model string `json:"model"`
	// Origins is the number of forecast origins; Failed of them could not
	// be fitted or forecast, the first failure described in FirstError.
	Origins    int    `json:"origins"`
	Failed     int    `json:"failed"`
	FirstError string `json:"first_error,omitempty"`
	// NoIntervals counts origins whose model gave a point forecast but
	// not the requested intervals (too little data for an error variance,
	// or a model without intervals such as Croston); coverage pools the
	// other origins.
	NoIntervals int `json:"no_intervals,omitempty"`
	// Overall pools every step; ByHorizon[k] covers step k+1 only.
	Overall   Accuracy   `json:"overall"`
	ByHorizon []Accuracy `json:"by_horizon"`
	// Intervals has one entry per requested level, pooled over all steps;
	// empty when the model gives no intervals.
	Intervals []IntervalAccuracy `json:"intervals,omitempty"`
}

// MarshalJSON encodes undefined measures as −1, as [Accuracy.Finite] does.
func (r BacktestResult) MarshalJSON() ([]byte, error) {
	type plain BacktestResult
	p := plain(r)
	p.Overall = r.Overall.Finite()
	p.ByHorizon = make([]Accuracy, len(r.ByHorizon))
	for i, a := range r.ByHorizon {
		p.ByHorizon[i] = a.Finite()
	}
	p.Intervals = make([]IntervalAccuracy, len(r.Intervals))
	for i, iv := range r.Intervals {
		p.Intervals[i] = fcoreFiniteInterval(iv)
	}
	return json.Marshal(p)
}

func fcoreFiniteInterval(iv IntervalAccuracy) IntervalAccuracy {
	for _, p := range []*float64{&iv.Coverage, &iv.Score, &iv.ScaledScore} {
		if math.IsNaN(*p) || math.IsInf(*p, 0) {
			*p = -1
		}
	}
	return iv
}

// Backtest evaluates fit by rolling-origin forecasting (time-series cross
// validation, as R's tsCV): for each origin t = MinTrain, MinTrain+Step, …
// below len(y), it fits on y[:t] (or the last Window values before t),
// forecasts min(Horizon, len(y)−t) steps and compares them with y[t:].
// Missing actual values are skipped.
//
// An origin whose fit or forecast fails is counted in Failed and the
// backtest goes on; if every origin fails, the first error is returned. A
// model that cannot give the requested intervals at an origin still
// contributes its point forecast (counted in NoIntervals).
// Backtest checks ctx between origins. It returns [ErrTooShort] when no
// origin fits in y and [ErrHorizon] or [ErrInvalid] for bad options.
func Backtest(ctx context.Context, y []float64, fit FitFunc, opts *BacktestOptions) (*BacktestResult, error) {
	if fit == nil {
		return nil, fmt.Errorf("%w: nil fit function", ErrInvalid)
	}
	o, first, h, err := fcoreBacktestSetup(len(y), opts)
	if err != nil {
		return nil, err
	}
	all := fcoreNewAccum()
	byH := make([]*fcoreAccum, h)
	for k := range byH {
		byH[k] = fcoreNewAccum()
	}
	ivs := make([]fcoreIntervalAccum, len(o.Levels))
	res := &BacktestResult{}
	var firstErr error
	gotIntervals := false
	for t := first; t < len(y); t = fcoreNextOrigin(t, o.Step, len(y)) {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		res.Origins++
		lo := 0
		if o.Window > 0 {
			lo = t - o.Window
		}
		train := append([]float64(nil), y[lo:t]...)
		steps := min(h, len(y)-t)
		fc, err := fcoreFitForecast(fit, train, steps, o.Levels)
		if err != nil {
			res.Failed++
			if firstErr == nil {
				firstErr = fmt.Errorf("origin %d: %w", t, err)
			}
			continue
		}
		res.Model = fc.name
		scale := MASEScale(train, o.Period)
		for k := range steps {
			a, f := y[t+k], fc.fc.Mean[k]
			all.add(a, f, scale)
			byH[k].add(a, f, scale)
		}
		if len(o.Levels) > 0 && len(fc.fc.Intervals) != len(o.Levels) {
			res.NoIntervals++
		}
		if len(fc.fc.Intervals) == len(o.Levels) && len(o.Levels) > 0 {
			gotIntervals = true
			for i, iv := range fc.fc.Intervals {
				for k := range steps {
					ivs[i].add(y[t+k], iv.Lower[k], iv.Upper[k], iv.Level, scale)
				}
			}
		}
	}
	if res.Failed == res.Origins {
		return nil, fmt.Errorf("forecast: backtest: all %d origins failed, first at %w", res.Origins, firstErr)
	}
	if firstErr != nil {
		res.FirstError = firstErr.Error()
	}
	res.Overall = all.result()
	res.ByHorizon = make([]Accuracy, h)
	for k := range byH {
		res.ByHorizon[k] = byH[k].result()
	}
	if gotIntervals {
		for i, l := range o.Levels {
			res.Intervals = append(res.Intervals, ivs[i].result(l))
		}
	}
	return res, nil
}

// fcoreNextOrigin advances t by step without overflowing past n.
func fcoreNextOrigin(t, step, n int) int {
	if step >= n-t {
		return n
	}
	return t + step
}

type fcoreFitted struct {
	fc   Forecast
	name string
}

// fcoreBacktestSetup applies the defaults and validates the options for a
// series of n values, returning the first origin and the effective horizon.
func fcoreBacktestSetup(n int, opts *BacktestOptions) (o BacktestOptions, first, h int, err error) {
	if opts != nil {
		o = *opts
	}
	if o.Horizon == 0 {
		o.Horizon = 1
	}
	if o.Step == 0 {
		o.Step = 1
	}
	if o.Period == 0 {
		o.Period = 1
	}
	if o.MinTrain == 0 {
		o.MinTrain = max(n/2, 1)
	}
	if err := CheckHorizon(o.Horizon, o.Levels...); err != nil {
		return o, 0, 0, err
	}
	if o.Step < 0 || o.Period < 0 || o.MinTrain < 0 || o.Window < 0 {
		return o, 0, 0, fmt.Errorf("%w: negative step, period, min train or window in %+v", ErrInvalid, o)
	}
	first = max(o.MinTrain, o.Window)
	if first >= n {
		return o, 0, 0, &CheckError{Index: -1, Err: ErrTooShort, Detail: fmt.Sprintf("%d observations leave no origin after %d training values", n, first)}
	}
	return o, first, min(o.Horizon, n-first), nil
}

// fcoreFitForecast fits and forecasts, turning a panic inside a host's fit
// function or model into an error so one bad model cannot take down a
// batch, and checking that the forecast has the promised shape.
func fcoreFitForecast(fit FitFunc, train []float64, h int, levels []float64) (out fcoreFitted, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("forecast: model panicked: %v", p)
		}
	}()
	m, err := fit(train)
	if err != nil {
		return out, err
	}
	if m == nil {
		return out, fmt.Errorf("%w: fit returned a nil model", ErrInvalid)
	}
	fc, err := m.Forecast(h, levels...)
	if err != nil && len(levels) > 0 {
		// No intervals at this origin (too little data to estimate the
		// error variance, say): keep the point forecast.
		fc, err = m.Forecast(h)
	}
	if err != nil {
		return out, err
	}
	if len(fc.Mean) != h {
		return out, fmt.Errorf("%w: %s returned %d forecasts for h = %d", ErrInvalid, m, len(fc.Mean), h)
	}
	for _, iv := range fc.Intervals {
		if len(iv.Lower) != h || len(iv.Upper) != h {
			return out, fmt.Errorf("%w: %s returned an interval of the wrong length", ErrInvalid, m)
		}
	}
	return fcoreFitted{fc: fc, name: m.String()}, nil
}

// fcoreAccum pools forecast errors into an [Accuracy] with the definitions
// of [Measure], except that each error is scaled by its own MASE scale.
type fcoreAccum struct {
	n, nPct, nScaled      int
	zeroActual            bool
	me, mae, se, mpe, ape float64
	sape, scaled          float64
}

func fcoreNewAccum() *fcoreAccum { return &fcoreAccum{} }

func (a *fcoreAccum) add(y, f, scale float64) {
	if math.IsNaN(y) || math.IsNaN(f) {
		return
	}
	e := y - f
	a.n++
	a.me += e
	a.mae += math.Abs(e)
	a.se += e * e
	if y == 0 {
		a.zeroActual = true
	} else {
		a.nPct++
		a.mpe += 100 * e / y
		a.ape += 100 * math.Abs(e/y)
	}
	if d := math.Abs(y) + math.Abs(f); d > 0 {
		a.sape += 200 * math.Abs(e) / d
	}
	if !math.IsNaN(scale) {
		a.nScaled++
		a.scaled += math.Abs(e) / scale
	}
}

func (a *fcoreAccum) result() Accuracy {
	nan := math.NaN()
	if a.n == 0 {
		return Accuracy{ME: nan, MAE: nan, RMSE: nan, MPE: nan, MAPE: nan, SMAPE: nan, MASE: nan}
	}
	n := float64(a.n)
	r := Accuracy{N: a.n, ME: a.me / n, MAE: a.mae / n, RMSE: math.Sqrt(a.se / n), SMAPE: a.sape / n, MPE: nan, MAPE: nan, MASE: nan}
	if !a.zeroActual {
		r.MPE, r.MAPE = a.mpe/n, a.ape/n
	}
	if a.nScaled > 0 {
		r.MASE = a.scaled / float64(a.nScaled)
	}
	return r
}

// fcoreIntervalAccum pools interval coverage and score as [MeasureInterval].
type fcoreIntervalAccum struct {
	n, in         int
	score, scaled float64
	nScaled       int
}

func (a *fcoreIntervalAccum) add(y, l, u, level, scale float64) {
	if math.IsNaN(y) || math.IsNaN(l) || math.IsNaN(u) {
		return
	}
	alpha := 1 - level/100
	s := u - l
	switch {
	case y < l:
		s += 2 / alpha * (l - y)
	case y > u:
		s += 2 / alpha * (y - u)
	default:
		a.in++
	}
	a.n++
	a.score += s
	if !math.IsNaN(scale) {
		a.nScaled++
		a.scaled += s / scale
	}
}

func (a *fcoreIntervalAccum) result(level float64) IntervalAccuracy {
	nan := math.NaN()
	r := IntervalAccuracy{Level: level, N: a.n, Coverage: nan, Score: nan, ScaledScore: nan}
	if a.n > 0 {
		r.Coverage = float64(a.in) / float64(a.n)
		r.Score = a.score / float64(a.n)
	}
	if a.nScaled > 0 {
		r.ScaledScore = a.scaled / float64(a.nScaled)
	}
	return r
}

// Candidate is a named model for [Compare]. A zero Candidate (nil Fit) gets
// a failed row.
// Candidates are only read; one may be shared by concurrent calls if its
// Fit is safe for concurrent use.
type Candidate struct {
	Name string
	Fit  FitFunc
}

// Comparison is a table of backtest results, one row per model, in the
// order given until sorted. It marshals to JSON and renders as text with
// String. The zero value is an empty table; a Comparison is not safe for
// concurrent modification (Sort).
type Comparison struct {
	Rows []ComparisonRow `json:"rows"`
}

// ComparisonRow is one model's line of a [Comparison]. Err is set (and
// Result nil) when the model could not be backtested at all. A plain value.
// The zero value is an unnamed row with neither result nor error; rows are
// safe for concurrent reads.
type ComparisonRow struct {
	Name   string          `json:"name"`
	Result *BacktestResult `json:"result,omitempty"`
	Err    string          `json:"error,omitempty"`
}

// Compare backtests every candidate on y with the same options and returns
// the table. A candidate that fails entirely gets a row with Err; Compare
// itself fails only for bad options or a cancelled ctx.
func Compare(ctx context.Context, y []float64, candidates []Candidate, opts *BacktestOptions) (*Comparison, error) {
	if _, _, _, err := fcoreBacktestSetup(len(y), opts); err != nil {
		return nil, err
	}
	c := &Comparison{}
	for _, cand := range candidates {
		r, err := Backtest(ctx, y, cand.Fit, opts)
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			c.Rows = append(c.Rows, ComparisonRow{Name: cand.Name, Err: err.Error()})
			continue
		}
		c.Rows = append(c.Rows, ComparisonRow{Name: cand.Name, Result: r})
	}
	return c, nil
}

// Measure names for [Comparison.Sort].
const (
	ByME    = "ME"
	ByMAE   = "MAE"
	ByRMSE  = "RMSE"
	ByMAPE  = "MAPE"
	BySMAPE = "sMAPE"
	ByMASE  = "MASE"
)

// Sort orders the rows by an overall measure (ByMASE, …), best first: the
// smallest absolute value (ME is best near zero); rows without the measure
// (failed models, undefined values) go last. It is stable and returns
// [ErrInvalid] for an unknown measure.
func (c *Comparison) Sort(measure string) error {
	get, ok := fcoreMeasureGetter(measure)
	if !ok {
		return fmt.Errorf("%w: unknown measure %q", ErrInvalid, measure)
	}
	key := func(r ComparisonRow) float64 {
		if r.Result == nil {
			return math.Inf(1)
		}
		v := math.Abs(get(r.Result.Overall))
		if math.IsNaN(v) {
			return math.Inf(1)
		}
		return v
	}
	sort.SliceStable(c.Rows, func(i, j int) bool { return key(c.Rows[i]) < key(c.Rows[j]) })
	return nil
}

func fcoreMeasureGetter(m string) (func(Accuracy) float64, bool) {
	switch m {
	case ByME:
		return func(a Accuracy) float64 { return a.ME }, true
	case ByMAE:
		return func(a Accuracy) float64 { return a.MAE }, true
	case ByRMSE:
		return func(a Accuracy) float64 { return a.RMSE }, true
	case ByMAPE:
		return func(a Accuracy) float64 { return a.MAPE }, true
	case BySMAPE:
		return func(a Accuracy) float64 { return a.SMAPE }, true
	case ByMASE:
		return func(a Accuracy) float64 { return a.MASE }, true
	}
	return nil, false
}

// String renders the table as aligned text: one row per model with the
// overall measures and the coverage of each interval level; "-" marks an
// undefined measure.
func (c *Comparison) String() string {
	var b strings.Builder
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', tabwriter.AlignRight)
	var levels []float64
	for _, r := range c.Rows {
		if r.Result != nil && len(r.Result.Intervals) > len(levels) {
			levels = levels[:0]
			for _, iv := range r.Result.Intervals {
				levels = append(levels, iv.Level)
			}
		}
	}
	fmt.Fprintf(tw, "model\tME\tMAE\tRMSE\tMAPE\tsMAPE\tMASE")
	for _, l := range levels {
		fmt.Fprintf(tw, "\tcover%g", l)
	}
	fmt.Fprintln(tw, "\t")
	num := func(v float64) string {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return "-"
		}
		return fmt.Sprintf("%.3f", v)
	}
	for _, r := range c.Rows {
		if r.Result == nil {
			fmt.Fprintf(tw, "%s\tfailed: %s\t", r.Name, r.Err)
			fmt.Fprintln(tw)
			continue
		}
		a := r.Result.Overall
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s", r.Name, num(a.ME), num(a.MAE), num(a.RMSE), num(a.MAPE), num(a.SMAPE), num(a.MASE))
		for i := range levels {
			v := math.NaN()
			if i < len(r.Result.Intervals) {
				v = r.Result.Intervals[i].Coverage
			}
			fmt.Fprintf(tw, "\t%s", num(v))
		}
		fmt.Fprintln(tw, "\t")
	}
	tw.Flush()
	return b.String()
}
