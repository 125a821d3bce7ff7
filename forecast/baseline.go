package forecast

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/stat/distuv"
)

// Baseline is one of the four simple benchmark forecasts of R's forecast
// package: [Mean] (meanf), [Naive] (naive), [SeasonalNaive] (snaive) and
// [Drift] (rwf with drift = TRUE). Every serious model should beat them in a
// backtest; a model that does not is not worth its complexity.
//
// Prediction intervals are R's: Student-t for the mean, normal for the random
// walks, with standard errors growing with the number of steps (the number of
// full seasons for the seasonal naive forecast) and, for the drift, the
// uncertainty of the estimated slope.
//
// Missing values (NaN) are handled as R does: the mean skips them, the random
// walks carry the last observed value of the same season forward. A fitted
// Baseline is immutable and safe for concurrent use; the zero value is not a
// usable model (its Forecast returns an error).
type Baseline struct {
	method string
	lag    int
	drift  bool
	// future holds the last lag values (the mean for Mean).
	future []float64
	b, bse float64 // drift per step and its standard error
	mse    float64 // one-step error variance used by the intervals
	n      int     // observations used (Mean: observed count)
	sd     float64 // Mean: sample standard deviation
}

// MeanRequirements returns what [Mean] needs: one observed value (two for
// intervals). Check a series with [Requirements.Check] before fitting. Each
// call returns a fresh value, so a caller cannot change what Mean checks.
func MeanRequirements() Requirements {
	return Requirements{Model: "Mean", MinLength: 1, AllowMissing: true}
}

// NaiveRequirements returns what [Naive] needs: one observed value (two for
// intervals).
func NaiveRequirements() Requirements {
	return Requirements{Model: "Naive", MinLength: 1, AllowMissing: true}
}

// SeasonalNaiveRequirements returns what [SeasonalNaive] needs: one full
// season with the last season observed (one more season for intervals).
func SeasonalNaiveRequirements() Requirements {
	return Requirements{Model: "Seasonal naive", MinLength: 1, MinSeasons: 1, AllowMissing: true}
}

// DriftRequirements returns what [Drift] needs: two observations (one
// difference; three for intervals).
func DriftRequirements() Requirements {
	return Requirements{Model: "Drift", MinLength: 2, AllowMissing: true}
}

// Mean forecasts every future value as the mean of the observed values, as
// R's meanf. Intervals use Student's t with n−1 degrees of freedom and the
// factor sqrt(1 + 1/n); n is the number of observed (non-NaN) values, where R
// counts NaN too (the two agree on complete data).
func Mean(y []float64) (*Baseline, error) {
	if err := MeanRequirements().Check(y, 1); err != nil {
		return nil, err
	}
	var sum float64
	n := 0
	for _, v := range y {
		if !math.IsNaN(v) {
			sum += v
			n++
		}
	}
	mean := sum / float64(n)
	var ss float64
	for _, v := range y {
		if !math.IsNaN(v) {
			ss += (v - mean) * (v - mean)
		}
	}
	m := &Baseline{method: "Mean", lag: 1, future: []float64{mean}, n: n, sd: math.NaN()}
	if n > 1 {
		m.sd = math.Sqrt(ss / float64(n-1))
	}
	if math.IsInf(mean, 0) || math.IsNaN(mean) {
		return nil, &CheckError{Model: "Mean", Index: -1, Err: ErrInvalid, Detail: "mean overflows float64"}
	}
	return m, nil
}

// Naive forecasts every future value as the last observation (a random
// walk), as R's naive: intervals widen with the square root of the step.
func Naive(y []float64) (*Baseline, error) {
	return fcoreLagwalk("Naive", y, 1, false, NaiveRequirements())
}

// SeasonalNaive forecasts each future value as the last observation of the
// same season, as R's snaive. period must be at least 1 (1 gives [Naive]) and
// y must hold at least one full season.
func SeasonalNaive(y []float64, period int) (*Baseline, error) {
	if period < 1 {
		return nil, &CheckError{Model: "Seasonal naive", Index: -1, Err: ErrInvalid, Detail: fmt.Sprintf("period %d below 1", period)}
	}
	return fcoreLagwalk("Seasonal naive", y, period, false, SeasonalNaiveRequirements())
}

// Drift forecasts a straight line through the first and last observations
// (a random walk with drift), as R's rwf(drift = TRUE). The intervals include
// the standard error of the estimated drift.
func Drift(y []float64) (*Baseline, error) {
	return fcoreLagwalk("Drift", y, 1, true, DriftRequirements())
}

// fcoreLagwalk follows R's forecast:::lagwalk: fitted values are the value
// lag steps back, with a missing value replaced by the one lag steps before
// it, so the last season is always the most recent observed one.
func fcoreLagwalk(name string, y []float64, lag int, drift bool, req Requirements) (*Baseline, error) {
	if err := req.Check(y, lag); err != nil {
		return nil, err
	}
	n := len(y)
	if lag > n {
		return nil, &CheckError{Model: name, Index: -1, Err: ErrTooShort, Detail: fmt.Sprintf("%d observations, period %d", n, lag)}
	}
	fits := make([]float64, n)
	copy(fits, y)
	for i := lag; i < n; i++ {
		if math.IsNaN(fits[i]) {
			fits[i] = fits[i-lag]
		}
	}
	future := fits[n-lag:]
	for j, v := range future {
		if math.IsNaN(v) {
			return nil, &CheckError{Model: name, Index: n - lag + j, Err: ErrMissing, Detail: "no observed value for this season to carry forward"}
		}
	}
	// Residuals of the walk: the lag differences y[t] - fits[t-lag].
	var sum, sumSq float64
	k := 0
	for t := lag; t < n; t++ {
		d := y[t] - fits[t-lag]
		if math.IsNaN(d) {
			continue
		}
		sum += d
		k++
	}
	m := &Baseline{method: name, lag: lag, drift: drift, future: append([]float64(nil), future...), n: n}
	if !drift {
		for t := lag; t < n; t++ {
			if d := y[t] - fits[t-lag]; !math.IsNaN(d) {
				sumSq += d * d
			}
		}
		m.mse = math.NaN()
		if k > 0 {
			m.mse = sumSq / float64(k)
		}
		return m, nil
	}
	if k == 0 {
		return nil, &CheckError{Model: name, Index: -1, Err: ErrTooShort, Detail: "no pair of observed values to estimate the drift"}
	}
	m.b = sum / float64(k)
	for t := lag; t < n; t++ {
		if d := y[t] - fits[t-lag]; !math.IsNaN(d) {
			sumSq += (d - m.b) * (d - m.b)
		}
	}
	m.mse, m.bse = math.NaN(), math.NaN()
	if k > 1 {
		sigma2 := sumSq / float64(k-1)
		m.bse = math.Sqrt(sigma2 / float64(k))
		// R divides by k − 1 only when the drift is non-zero
		// (forecast.lagwalk); a drift of exactly 0 keeps k. Mirrored for
		// parity.
		if m.b != 0 {
			m.mse = sigma2
		} else {
			m.mse = sumSq / float64(k)
		}
	}
	if math.IsInf(m.b, 0) || math.IsNaN(m.b) {
		return nil, &CheckError{Model: name, Index: -1, Err: ErrInvalid, Detail: "drift overflows float64"}
	}
	return m, nil
}

// String names the method as R's forecast objects do: "Mean", "Naive
// method", "Seasonal naive method" or "Random walk with drift".
func (m *Baseline) String() string {
	switch m.method {
	case "Mean":
		return "Mean"
	case "Naive":
		return "Naive method"
	case "Seasonal naive":
		return "Seasonal naive method"
	case "Drift":
		return "Random walk with drift"
	}
	return "Baseline"
}

// DriftRate returns the estimated change per step of a [Drift] model (0 for
// the others).
func (m *Baseline) DriftRate() float64 { return m.b }

// Sigma returns the standard deviation of the one-step errors that the
// intervals use (the sample standard deviation for [Mean]); NaN when there
// were too few observations to estimate it.
func (m *Baseline) Sigma() float64 {
	if m.method == "Mean" {
		return m.sd
	}
	return math.Sqrt(m.mse)
}

// Forecast returns h future values and the intervals at the given levels
// (percent). Intervals need an error estimate: with too few observations
// (one for Mean and Naive, one season for SeasonalNaive, two for Drift)
// asking for levels returns [ErrTooShort]; the point forecast alone works.
// Data so large that a forecast or bound overflows float64 give
// [ErrInvalid].
func (m *Baseline) Forecast(h int, levels ...float64) (Forecast, error) {
	if m == nil || len(m.future) == 0 {
		return Forecast{}, fmt.Errorf("%w: forecast from an unfitted Baseline", ErrInvalid)
	}
	if err := CheckHorizon(h, levels...); err != nil {
		return Forecast{}, err
	}
	if len(levels) > 0 && math.IsNaN(m.Sigma()) {
		return Forecast{}, &CheckError{Model: m.String(), Index: -1, Err: ErrTooShort, Detail: "too few observations to estimate prediction intervals"}
	}
	fc := Forecast{Mean: make([]float64, h)}
	se := make([]float64, h)
	if m.method == "Mean" {
		for j := range fc.Mean {
			fc.Mean[j] = m.future[0]
		}
		for i, l := range levels {
			n := float64(m.n)
			w := distuv.StudentsT{Mu: 0, Sigma: 1, Nu: n - 1}.Quantile(0.5+l/200) * m.sd * math.Sqrt(1+1/n)
			fc.Intervals = append(fc.Intervals, Interval{Level: l, Lower: make([]float64, h), Upper: make([]float64, h)})
			for j := range h {
				fc.Intervals[i].Lower[j] = fc.Mean[j] - w
				fc.Intervals[i].Upper[j] = fc.Mean[j] + w
			}
		}
		return fc, fcoreFiniteForecast(m.String(), fc)
	}
	for j := range h {
		steps := float64(j/m.lag + 1)
		fc.Mean[j] = m.future[j%m.lag] + steps*m.b
		se[j] = math.Sqrt(m.mse*steps + (steps*m.bse)*(steps*m.bse))
		if !m.drift {
			se[j] = math.Sqrt(m.mse * steps)
		}
	}
	fcoreNormalIntervals(&fc, se, levels)
	return fc, fcoreFiniteForecast(m.String(), fc)
}

// fcoreFiniteForecast returns an error when data near the float64 limit made
// a forecast or bound overflow, so a Forecast is always finite (and
// marshals to JSON).
func fcoreFiniteForecast(model string, fc Forecast) error {
	bad := func(v []float64) bool {
		for _, x := range v {
			if math.IsNaN(x) || math.IsInf(x, 0) {
				return true
			}
		}
		return false
	}
	if bad(fc.Mean) {
		return &CheckError{Model: model, Index: -1, Err: ErrInvalid, Detail: "forecast overflows float64"}
	}
	for _, iv := range fc.Intervals {
		if bad(iv.Lower) || bad(iv.Upper) {
			return &CheckError{Model: model, Index: -1, Err: ErrInvalid, Detail: "prediction interval overflows float64"}
		}
	}
	return nil
}

// fcoreNormalIntervals adds mean ± z·se intervals for each level.
func fcoreNormalIntervals(fc *Forecast, se []float64, levels []float64) {
	for _, l := range levels {
		z := fcoreNormalQuantile(0.5 + l/200)
		iv := Interval{Level: l, Lower: make([]float64, len(se)), Upper: make([]float64, len(se))}
		for j, s := range se {
			iv.Lower[j] = fc.Mean[j] - z*s
			iv.Upper[j] = fc.Mean[j] + z*s
		}
		fc.Intervals = append(fc.Intervals, iv)
	}
}

// fcoreNormalQuantile is the standard normal quantile function.
func fcoreNormalQuantile(p float64) float64 {
	return distuv.UnitNormal.Quantile(p)
}
