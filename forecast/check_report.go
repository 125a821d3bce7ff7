package forecast

import (
	"fmt"
	"math"
	"slices"
)

// CheckOptions configures [Check]. A nil pointer or the zero value means a
// non-seasonal series and the default thresholds.
// Options are only read, so one value may be shared by concurrent calls.
type CheckOptions struct {
	// Period is the seasonal period; 0 or 1 means non-seasonal.
	Period int `json:"period,omitempty"`
	// OutlierThreshold is the multiple of the residuals' interquartile
	// range beyond the quartiles at which an observation is an outlier; 0
	// means 3, R's forecast::tsoutliers rule (about 4.7 standard
	// deviations for normal noise).
	OutlierThreshold float64 `json:"outlier_threshold,omitempty"`
	// ShiftThreshold is the z-score of a change in level between the
	// windows before and after an index beyond which it is a level shift;
	// 0 means 5 (high, because every index is tested).
	ShiftThreshold float64 `json:"shift_threshold,omitempty"`
	// Log searches outliers and level shifts on the logarithm of the
	// values, for multiplicative seasonality (a seasonal swing that grows
	// with the level) and shifts in percent; non-positive values are left
	// out of that search. Expected, Before and After are reported back on
	// the original scale.
	Log bool `json:"log,omitempty"`
	// ShiftWindow is the number of observations on each side compared for
	// a level shift; 0 means max(Period, 6). Windows are capped at
	// [MaxCheckWindow].
	ShiftWindow int `json:"shift_window,omitempty"`
}

// MaxCheckWindow caps the running-median and level-shift windows of
// [Check], so its cost stays near n·MaxCheckWindow: a seasonal period above
// it is not decomposed (outliers are then searched as for a non-seasonal
// series, and Report.Seasonal is false).
const MaxCheckWindow = 1000

// Report describes a series' fitness for forecasting. It is a plain value
// that marshals to JSON; the zero value describes an empty series.
// Reports are safe for concurrent reads.
type Report struct {
	N        int `json:"n"`
	Observed int `json:"observed"`
	Period   int `json:"period"`
	// FullSeasons is the number of complete seasonal cycles (N / Period).
	FullSeasons int `json:"full_seasons"`
	// Seasonal is true when seasonal effects were estimated for the
	// outlier search (Period > 1 with two full seasons, Period ≤
	// MaxCheckWindow).
	Seasonal bool `json:"seasonal"`
	// Missing and Infinite list the indices of NaN and ±Inf values.
	Missing  []int `json:"missing,omitempty"`
	Infinite []int `json:"infinite,omitempty"`
	// NonPositive counts values ≤ 0 (which rule out multiplicative models);
	// FirstNonPositive is the first one's index, −1 if none.
	NonPositive      int `json:"non_positive"`
	FirstNonPositive int `json:"first_non_positive"`
	// Constant is true when every observed value is equal.
	Constant bool `json:"constant"`
	// Outliers and LevelShifts were searched only when the flags are true
	// (outliers need 5 observed values, shifts two windows plus one).
	OutliersChecked bool         `json:"outliers_checked"`
	Outliers        []Outlier    `json:"outliers,omitempty"`
	ShiftsChecked   bool         `json:"shifts_checked"`
	LevelShifts     []LevelShift `json:"level_shifts,omitempty"`
}

// Outlier (a plain value) is an observation far from its robust expectation (local median
// trend plus median seasonal effect). Expected is a suggested replacement;
// Score is the residual in robust standard deviations (IQR/1.349).
// Values that overflow float64 (data near ±1.8e308) are clamped to
// ±math.MaxFloat64 so the report always marshals.
// The zero value (index 0, score 0) is never reported by [Check]; values
// are safe for concurrent reads.
type Outlier struct {
	Index    int     `json:"index"`
	Value    float64 `json:"value"`
	Expected float64 `json:"expected"`
	Score    float64 `json:"score"`
}

// LevelShift (a plain value) is a lasting change in level starting at Index: Before and
// After are the medians of the (deseasonalised) windows on each side.
// The zero value is a shift of 0 at index 0, which [Check] never
// reports; values are safe for concurrent reads.
type LevelShift struct {
	Index  int     `json:"index"`
	Before float64 `json:"before"`
	After  float64 `json:"after"`
	Score  float64 `json:"score"`
	step   float64 // the change net of trend, to remove it
}

// Check examines y and reports missing, infinite and non-positive values, a
// constant series, the number of full seasons, outliers and level shifts.
// It never fails on data (NaN and Inf are reported, not fatal); it returns
// [ErrInvalid] only for bad options.
//
// Outliers are found without STL: the trend is a running median over one
// season (the 6 neighbours when non-seasonal) after removing a robust
// slope; a point's seasonal effect is the median detrended value at the same
// season position in the three cycles on each side, leaving the point out
// (then the trend is recomputed on the deseasonalised series); and, as in
// R's tsoutliers, an observation is an outlier when its residual lies more
// than OutlierThreshold interquartile ranges beyond the quartiles of all
// residuals. Level shifts are searched on the deseasonalised series: at each
// index the median of the ShiftWindow values after it is compared with the
// median of those before, less the trend over the window (the median of the
// differences at lag ShiftWindow, which a single shift barely moves), and
// scaled by the noise level estimated from the MAD of the first differences
// or, if larger (a wandering series), of the lag-ShiftWindow differences;
// the strongest non-overlapping changes above ShiftThreshold are reported,
// each placed at the split that best separates the two levels. Outliers are
// then searched again with the shifts removed.
//
// On the series of testdata/check_ref.R, Check finds every injected outlier,
// as R's tsoutliers does, with at most two other flags that R does not
// raise.
func Check(y []float64, opts *CheckOptions) (*Report, error) {
	var o CheckOptions
	if opts != nil {
		o = *opts
	}
	if o.Period == 0 {
		o.Period = 1
	}
	if o.OutlierThreshold == 0 {
		o.OutlierThreshold = 3
	}
	if o.ShiftThreshold == 0 {
		o.ShiftThreshold = 5
	}
	if o.ShiftWindow == 0 {
		o.ShiftWindow = max(o.Period, 6)
	}
	o.ShiftWindow = min(o.ShiftWindow, MaxCheckWindow)
	if o.Period < 1 || o.ShiftWindow < 1 || !(o.OutlierThreshold > 0) || !(o.ShiftThreshold > 0) ||
		math.IsInf(o.OutlierThreshold, 0) || math.IsInf(o.ShiftThreshold, 0) {
		return nil, fmt.Errorf("%w: check options %+v", ErrInvalid, o)
	}
	n := len(y)
	r := &Report{N: n, Period: o.Period, FullSeasons: n / o.Period, FirstNonPositive: -1}
	x := make([]float64, n) // observed values, NaN for missing and infinite
	var first float64
	r.Constant = true
	for i, v := range y {
		x[i] = v
		switch {
		case math.IsNaN(v):
			r.Missing = append(r.Missing, i)
			continue
		case math.IsInf(v, 0):
			r.Infinite = append(r.Infinite, i)
			x[i] = math.NaN()
			continue
		}
		if v <= 0 {
			if r.NonPositive == 0 {
				r.FirstNonPositive = i
			}
			r.NonPositive++
		}
		if r.Observed == 0 {
			first = v
		} else if v != first {
			r.Constant = false
		}
		r.Observed++
	}
	if r.Observed == 0 {
		r.Constant = false
	}
	if r.Observed < 5 || r.Constant {
		return r, nil
	}
	r.OutliersChecked = true
	if o.Log {
		for i, v := range x {
			x[i] = math.NaN()
			if v > 0 {
				x[i] = math.Log(v)
			}
		}
		defer fcoreExpReport(r, y)
	}
	period := o.Period
	if period > MaxCheckWindow || r.FullSeasons < 2 {
		period = 1
	}
	r.Seasonal = period > 1
	_, _, outliers, clean := fcoreOutlierPass(x, period, o.OutlierThreshold)
	r.Outliers = outliers
	k := o.ShiftWindow
	if k > n || n < 2*k+1 {
		return r, nil
	}
	r.ShiftsChecked = true
	r.LevelShifts = fcoreShiftPass(clean, k, o.ShiftThreshold)
	if len(r.LevelShifts) == 0 {
		return r, nil
	}
	// Points next to a shift look like outliers to a running median that
	// straddles it, and the shift inflates the residual spread; so remove
	// the shifts and search the outliers again.
	offset := make([]float64, n)
	for _, ls := range r.LevelShifts {
		for t := ls.Index; t < n; t++ {
			offset[t] += ls.step
		}
	}
	adj := make([]float64, n)
	for t := range x {
		adj[t] = x[t] - offset[t]
	}
	_, _, outliers, _ = fcoreOutlierPass(adj, period, o.OutlierThreshold)
	for q := range outliers {
		outliers[q].Value = x[outliers[q].Index]
		outliers[q].Expected = fcoreClamp(outliers[q].Expected + offset[outliers[q].Index])
	}
	r.Outliers = outliers
	return r, nil
}

// fcoreOutlierPass estimates a robust trend and season of x (NaN missing),
// flags outliers by R's tsoutliers rule and returns the deseasonalised
// series (the shift search is median-based, so outliers may stay in it).
func fcoreOutlierPass(x []float64, period int, threshold float64) (season, trend []float64, outliers []Outlier, clean []float64) {
	n := len(x)
	// Trend: running median over a season (the 6 neighbours when non-seasonal);
	// for seasonal data a second pass on the deseasonalised
	// series, so the seasonal pattern does not leak into the trend.
	// Window: 3 on each side of the point, or one full season (phases
	// balanced, so the season cancels in the median).
	a, b, excl := 3, 3, true
	if period > 1 {
		a, b, excl = period/2, period-1-period/2, false
	}
	// A running median of a steep trend passes the data through and hides
	// the noise, so a global robust slope (median difference at the
	// seasonal lag) is removed first and added back to the trend.
	lag := max(min(period, n-1), 1)
	diffs := make([]float64, 0, n)
	for i := lag; i < n; i++ {
		if d := x[i] - x[i-lag]; !math.IsNaN(d) {
			diffs = append(diffs, d)
		}
	}
	slope0 := fcoreMedian(diffs) / float64(lag)
	if math.IsNaN(slope0) || math.IsInf(slope0, 0) {
		slope0 = 0
	}
	flat := make([]float64, n)
	for i := range x {
		flat[i] = x[i] - slope0*float64(i)
	}
	trend = fcoreRunningMedian(flat, a, b, excl)
	season = make([]float64, n)
	if period > 1 {
		// Seasonal effect of each point: the median detrended value of
		// the same season position in the fcoreSeasonYears cycles on
		// each side, leaving the point out (so an outlier cannot hide in
		// its own seasonal effect) and following a pattern that changes
		// over the years; centred by the median of the positions' overall
		// medians.
		eff := make([]float64, period)
		sub := make([]float64, 0, n/period+1)
		vals := make([]float64, 0, 2*fcoreSeasonYears)
		for j := range period {
			sub = sub[:0]
			for i := j; i < n; i += period {
				sub = append(sub, flat[i]-trend[i])
			}
			for q := range sub {
				vals = vals[:0]
				for r := max(0, q-fcoreSeasonYears); r < min(len(sub), q+fcoreSeasonYears+1); r++ {
					if r != q && !math.IsNaN(sub[r]) {
						vals = append(vals, sub[r])
					}
				}
				season[j+q*period] = fcoreMedian(vals)
			}
			vals = vals[:0]
			for _, d := range sub {
				if !math.IsNaN(d) {
					vals = append(vals, d)
				}
			}
			eff[j] = fcoreMedian(vals)
			if math.IsNaN(eff[j]) {
				eff[j] = 0
			}
			for q := range sub {
				if math.IsNaN(season[j+q*period]) {
					season[j+q*period] = eff[j]
				}
			}
		}
		c := fcoreMedian(eff)
		des := make([]float64, n)
		for i := range season {
			season[i] -= c
			des[i] = flat[i] - season[i]
		}
		trend = fcoreRunningMedian(des, a, b, excl)
	}
	for i := range trend {
		trend[i] += slope0 * float64(i)
	}
	resid := make([]float64, 0, n)
	for i := range x {
		if d := x[i] - trend[i] - season[i]; !math.IsNaN(d) {
			resid = append(resid, d)
		}
	}
	q1, q2, q3, iqr := fcoreQuartiles(resid)
	// Rounding noise is not an outlier: floor the spread at 1e-9 of the
	// data's typical magnitude.
	mags := make([]float64, 0, n)
	for _, v := range x {
		if !math.IsNaN(v) {
			mags = append(mags, math.Abs(v))
		}
	}
	iqr = max(iqr, 1e-9*fcoreMedian(mags))
	clean = make([]float64, n)
	for i := range x {
		clean[i] = x[i] - season[i]
		if math.IsNaN(x[i]) || iqr == 0 || math.IsNaN(iqr) || math.IsInf(iqr, 0) {
			continue
		}
		e := x[i] - trend[i] - season[i]
		if e < q1-threshold*iqr || e > q3+threshold*iqr {
			outliers = append(outliers, Outlier{Index: i, Value: x[i], Expected: fcoreClamp(trend[i] + season[i]), Score: fcoreClamp((e - q2) / (iqr / 1.349))})
		}
	}
	return season, trend, outliers, clean
}

// fcoreShiftPass finds level shifts in the deseasonalised series clean with
// windows of k on each side.
func fcoreShiftPass(clean []float64, k int, threshold float64) []LevelShift {
	n := len(clean)
	steps := make([]float64, 0, n)
	for i := 1; i < n; i++ {
		if d := clean[i] - clean[i-1]; !math.IsNaN(d) {
			steps = append(steps, d)
		}
	}
	_, stepScale := fcoreRobustScale(steps)
	mags := make([]float64, 0, n)
	for _, v := range clean {
		if !math.IsNaN(v) {
			mags = append(mags, math.Abs(v))
		}
	}
	// As for outliers, rounding noise is not a level: floor the noise at
	// 1e-9 of the typical magnitude.
	noise := max(stepScale/math.Sqrt2, 1e-9*fcoreMedian(mags))
	steps = steps[:0]
	for i := k; i < n; i++ {
		if d := clean[i] - clean[i-k]; !math.IsNaN(d) {
			steps = append(steps, d)
		}
	}
	slope := fcoreMedian(steps) / float64(k)
	// Wandering series (random walks, strong autocorrelation) move far
	// over k steps without any single shift: the spread of the lag-k
	// differences, which a lone shift barely affects, raises the noise
	// level for them, while for white noise it equals the first-difference
	// estimate.
	_, lagScale := fcoreRobustScale(steps)
	noise = max(noise, lagScale/math.Sqrt2)
	if noise == 0 || math.IsNaN(noise) || math.IsInf(noise, 0) || math.IsNaN(slope) {
		return nil
	}
	se := 1.2533 * noise * math.Sqrt(2/float64(k))
	type cand struct {
		i                    int
		before, after, score float64
	}
	var cands []cand
	buf := make([]float64, 0, k)
	win := func(lo, hi int) float64 {
		buf = buf[:0]
		for _, v := range clean[lo:hi] {
			if !math.IsNaN(v) {
				buf = append(buf, v)
			}
		}
		if len(buf) < (k+1)/2 {
			return math.NaN()
		}
		return fcoreMedian(buf)
	}
	for i := k; i+k <= n; i++ {
		b, a := win(i-k, i), win(i, i+k)
		s := (a - b - slope*float64(k)) / se
		if math.IsNaN(s) || math.Abs(s) <= threshold {
			continue
		}
		cands = append(cands, cand{i, b, a, s})
	}
	// Strongest first; suppress candidates within a window of a chosen one.
	slices.SortStableFunc(cands, func(p, q cand) int {
		switch {
		case math.Abs(p.score) > math.Abs(q.score):
			return -1
		case math.Abs(p.score) < math.Abs(q.score):
			return 1
		}
		return p.i - q.i
	})
	var out []LevelShift
	for _, c := range cands {
		near := false
		for _, s := range out {
			if c.i > s.Index-k && c.i < s.Index+k {
				near = true
				break
			}
		}
		if near {
			continue
		}
		at := fcoreBestSplit(clean, c.i, k, c.before, c.after, slope)
		for _, s := range out {
			if at > s.Index-k && at < s.Index+k {
				near = true
				break
			}
		}
		if !near {
			out = append(out, LevelShift{Index: at, Before: fcoreClamp(c.before), After: fcoreClamp(c.after), Score: fcoreClamp(c.score), step: c.after - c.before - slope*float64(k)})
		}
	}
	slices.SortFunc(out, func(p, q LevelShift) int { return p.Index - q.Index })
	return out
}

// fcoreBestSplit returns the index j near i that minimises the absolute
// deviations of clean from two parallel lines with the given slope, through
// the before median (at the centre of the window before i) up to j and the
// after median (at the centre of the window after i) from j: where the level
// really changes.
func fcoreBestSplit(clean []float64, i, k int, before, after, slope float64) int {
	lo, hi := max(i-k, 1), min(i+k, len(clean))
	cb := float64(i) - float64(k+1)/2
	ca := float64(i) + float64(k-1)/2
	best, bestCost := i, math.Inf(1)
	for j := lo; j < hi; j++ {
		var cost float64
		for t := lo - 1; t < hi; t++ {
			if math.IsNaN(clean[t]) {
				continue
			}
			if t < j {
				cost += math.Abs(clean[t] - before - slope*(float64(t)-cb))
			} else {
				cost += math.Abs(clean[t] - after - slope*(float64(t)-ca))
			}
		}
		if cost < bestCost {
			best, bestCost = j, cost
		}
	}
	return best
}

// fcoreQuartiles returns the quartiles of v (R's default type 7) and the
// interquartile range; when the IQR is 0 (most values equal) it falls back to
// 1.349·1.2533 times the mean absolute deviation from the median, so a lone
// spike in a flat series is still found. It reorders v.
func fcoreQuartiles(v []float64) (q1, q2, q3, iqr float64) {
	if len(v) == 0 {
		return math.NaN(), math.NaN(), math.NaN(), 0
	}
	slices.Sort(v)
	q := func(p float64) float64 {
		h := p * float64(len(v)-1)
		lo := int(h)
		if lo+1 >= len(v) {
			return v[lo]
		}
		return v[lo] + (h-float64(lo))*(v[lo+1]-v[lo])
	}
	q1, q2, q3 = q(0.25), q(0.5), q(0.75)
	iqr = q3 - q1
	if iqr == 0 {
		var sum float64
		for _, x := range v {
			sum += math.Abs(x - q2)
		}
		iqr = 1.349 * 1.2533 * sum / float64(len(v))
	}
	return q1, q2, q3, iqr
}

// fcoreRunningMedian is the running median of x over the window
// [i−a, i+b], skipping NaN and, when excl is set, the point i itself (so a
// short window cannot pass an observation through to its own expectation).
// Where the window does not fit, within reach of either end, it extends the
// nearest full-window value along the median slope of the full-window
// medians, so a trend or a season does not bend the ends. When x is shorter
// than the window it uses all of x.
func fcoreRunningMedian(x []float64, a, b int, excl bool) []float64 {
	n := len(x)
	out := make([]float64, n)
	full := a+b+1 <= n
	buf := make([]float64, 0, min(a+b+1, n))
	for i := range x {
		lo, hi := i-a, i+b+1
		if !full {
			lo, hi = 0, n
		}
		buf = buf[:0]
		for j := max(0, lo); j < min(n, hi); j++ {
			if (!excl || j != i) && !math.IsNaN(x[j]) {
				buf = append(buf, x[j])
			}
		}
		out[i] = fcoreMedian(buf)
	}
	if !full {
		return out
	}
	d := make([]float64, 0, n)
	for i := a + 1; i < n-b; i++ {
		if s := out[i] - out[i-1]; !math.IsNaN(s) {
			d = append(d, s)
		}
	}
	slope := fcoreMedian(d)
	if math.IsNaN(slope) {
		slope = 0
	}
	for i := range a {
		out[i] = out[a] - slope*float64(a-i)
	}
	for i := n - b; i < n; i++ {
		out[i] = out[n-1-b] + slope*float64(i-(n-1-b))
	}
	return out
}

// fcoreExpReport maps a report searched on log values back to the scale of
// y.
func fcoreExpReport(r *Report, y []float64) {
	for q := range r.Outliers {
		r.Outliers[q].Value = y[r.Outliers[q].Index]
		r.Outliers[q].Expected = fcoreClamp(math.Exp(r.Outliers[q].Expected))
	}
	for q := range r.LevelShifts {
		r.LevelShifts[q].Before = fcoreClamp(math.Exp(r.LevelShifts[q].Before))
		r.LevelShifts[q].After = fcoreClamp(math.Exp(r.LevelShifts[q].After))
	}
}

// fcoreClamp keeps report values JSON-safe when data near the float64 limit
// overflow: ±Inf becomes ±MaxFloat64 and NaN becomes 0.
func fcoreClamp(v float64) float64 {
	switch {
	case math.IsNaN(v):
		return 0
	case math.IsInf(v, 1):
		return math.MaxFloat64
	case math.IsInf(v, -1):
		return -math.MaxFloat64
	}
	return v
}

// fcoreSeasonYears is the number of seasonal cycles on each side whose
// values at the same position estimate a point's seasonal effect.
const fcoreSeasonYears = 3

// fcoreMedian returns the median of v, reordering v; NaN if empty.
func fcoreMedian(v []float64) float64 {
	if len(v) == 0 {
		return math.NaN()
	}
	slices.Sort(v)
	m := len(v) / 2
	if len(v)%2 == 1 {
		return v[m]
	}
	return (v[m-1] + v[m]) / 2
}

// fcoreRobustScale returns the median of v and a robust standard deviation:
// 1.4826·MAD, or, when more than half the values are equal (MAD 0),
// 1.2533 times the mean absolute deviation from the median. It reorders v.
func fcoreRobustScale(v []float64) (center, sigma float64) {
	center = fcoreMedian(v)
	dev := make([]float64, len(v))
	var sum float64
	for i, x := range v {
		dev[i] = math.Abs(x - center)
		sum += dev[i]
	}
	sigma = 1.4826 * fcoreMedian(dev)
	if sigma == 0 && len(v) > 0 {
		sigma = 1.2533 * sum / float64(len(v))
	}
	return center, sigma
}
