package forecast

import (
	"encoding/json"
	"math"

	"github.com/crmkit/crmkit/internal/optim"
)

// ThetaOptions are the options of [Theta]. A nil pointer and the zero value
// give R's thetaf(): the standard Theta method with a seasonality test.
// Options are only read, so one value may be shared by concurrent calls.
type ThetaOptions struct {
	// Optimized fits the Optimised Theta Model of Fiorucci, Pellegrini,
	// Louzada, Petropoulos & Koehler (2016, IJF 32(4) 1151–1161), as the
	// forecTheta package's otm(): initial level ℓ0, α ∈ [0.1, 0.99] and
	// θ ≥ 1 are estimated by least squares instead of θ = 2.
	Optimized bool `json:",omitempty"`
	// NoSeasonalAdjust skips the seasonality test and the multiplicative
	// decomposition even when period > 1.
	NoSeasonalAdjust bool `json:",omitempty"`
}

// ThetaModel is a fitted Theta model. It is immutable and safe for
// concurrent use; the zero value is not a usable model (use [Theta]).
type ThetaModel struct {
	optimized   bool
	period      int
	n           int
	seasonal    bool
	seasIdx     []float64 // seasonal index of each observation (len n) when seasonal
	alpha       float64
	theta       float64
	drift       float64 // thetaf: half the OLS slope
	level       float64 // final SES level (thetaf) or ℓ_n (OTM)
	l0          float64
	an, bn      float64 // OTM regression line
	sigma2      float64
	fitted      []float64
	resid       []float64
	adjusted    []float64
	nonSeasonal string // why the seasonal adjustment was not used, if tested
}

// ThetaRequirements returns what [Theta] needs: at least 7 observations
// (R's ses falls back to Holt-Winters below that) and no missing values.
func ThetaRequirements() Requirements {
	return Requirements{Model: "Theta", MinLength: 7}
}

// Theta fits the Theta method to y with seasonal period period (1 for
// non-seasonal data).
//
// By default it is R's forecast::thetaf (Hyndman & Billah 2003's form of
// Assimakopoulos & Nikolopoulos 2000): when period > 1, the series is not
// constant and longer than two periods, a 90% test on the autocorrelation at
// lag period decides seasonality; a seasonal series is divided by the
// classical multiplicative decomposition's indices; simple exponential
// smoothing (ETS(A,N,N) fitted by MSE, as R's ses) plus a drift of half the
// least-squares slope forecasts the adjusted series; the forecasts are
// re-seasonalised. Intervals are R's: ±z·σ·sqrt(1 + (h−1)α²).
//
// With opts.Optimized it fits the Optimised Theta Model (see
// [ThetaOptions]) on the same seasonally adjusted series, with intervals
// from the same state space variance formula.
//
// Input rules: the series must meet [ThetaRequirements]; NaN, infinite or
// overflowing (above 1e150) values, a period below 1 and fewer than 7
// observations are an [*ETSError] wrapping [ErrMissing], [ErrInvalid] or
// [ErrTooShort].
func Theta(y []float64, period int, opts *ThetaOptions) (*ThetaModel, error) {
	var o ThetaOptions
	if opts != nil {
		o = *opts
	}
	wrap := func(err error) error { return &ETSError{Op: "fit", Model: "Theta", Err: err} }
	if err := etsCheckData(y, period, ThetaRequirements()); err != nil {
		return nil, wrap(err)
	}
	n := len(y)
	t := &ThetaModel{optimized: o.Optimized, period: period, n: n}
	x := y
	m := period
	if !o.NoSeasonalAdjust && m > 1 && !etsIsConstant(y) && n > 2*m {
		if thetaSeasonalTest(y, m) {
			idx := etsDecompose(y, m, true, nil)
			ok := true
			for _, v := range idx {
				if math.Abs(v) < 1e-4 || math.IsNaN(v) {
					ok = false
				}
			}
			if ok {
				t.seasonal = true
				t.seasIdx = idx
				x = make([]float64, n)
				for i := range y {
					x[i] = y[i] / idx[i]
				}
			} else {
				t.nonSeasonal = "seasonal indices close to zero"
			}
		}
	}
	t.adjusted = append([]float64(nil), x...)
	var fitted []float64
	if o.Optimized {
		if err := t.fitOTM(x); err != nil {
			return nil, wrap(err)
		}
		fitted = t.fitted
	} else {
		set, _ := etsResolve(&ETSOptions{OptCrit: "mse"})
		ses, err := etsFitModel(&etsWork{}, x, 1, etsAdd, etsNone, etsNone, false, set)
		if err != nil {
			return nil, wrap(err)
		}
		t.alpha = max(1e-10, ses.alpha)
		t.theta = 2
		t.level = ses.states[len(ses.states)-1]
		t.sigma2 = ses.sigma2
		_, t.drift = etsLineFit(x)
		t.drift /= 2
		fitted = ses.fitted
	}
	t.fitted = make([]float64, n)
	t.resid = make([]float64, n)
	for i := range n {
		f := fitted[i]
		if t.seasonal {
			f *= t.seasIdx[i]
		}
		t.fitted[i] = f
		t.resid[i] = y[i] - f
	}
	return t, nil
}

// thetaSeasonalTest is thetaf's test: |r_m| / sqrt((1 + 2Σ_{k<m} r_k²)/n)
// above the 95% normal quantile (a 90% two-sided test).
func thetaSeasonalTest(y []float64, m int) bool {
	n := len(y)
	var mean float64
	for _, v := range y {
		mean += v
	}
	mean /= float64(n)
	var c0 float64
	for _, v := range y {
		c0 += (v - mean) * (v - mean)
	}
	r := func(k int) float64 {
		var s float64
		for t := 0; t+k < n; t++ {
			s += (y[t] - mean) * (y[t+k] - mean)
		}
		return s / c0
	}
	var sum float64
	for k := 1; k < m; k++ {
		rk := r(k)
		sum += rk * rk
	}
	stat := math.Sqrt((1 + 2*sum) / float64(n))
	return math.Abs(r(m))/stat > etsZ(0.95)
}

// fitOTM estimates the Optimised Theta Model by least squares (Fiorucci et
// al. 2016, eq. for the non-dynamic OTM): μ_{t+1} = ℓ_t + (1−1/θ)(A_n(1−α)^t
// + B_n(1−(1−α)^{t+1})/α), ℓ_t = αy_t + (1−α)ℓ_{t−1}, with A_n, B_n the
// least-squares line through the whole series.
func (t *ThetaModel) fitOTM(x []float64) error {
	n := len(x)
	t.an, t.bn = etsLineFit(x)
	var scale float64
	for _, v := range x {
		scale += math.Abs(v)
	}
	scale /= float64(n)
	if scale == 0 {
		scale = 1
	}
	mu := make([]float64, n)
	sse := func(p []float64) float64 {
		l0, a, th := p[0], p[1], p[2]
		if a < 0.1 || a > 0.99 || th < 1 || th > 1e10 || math.Abs(l0) > 1e10*math.Max(1, scale) {
			return 1e300
		}
		t.otmPath(x, l0, a, th, mu)
		var s float64
		for i, v := range x {
			e := (v - mu[i]) / scale
			s += e * e
		}
		return s
	}
	p := []float64{x[0] / 2, 0.5, 2}
	var nm optim.NelderMead
	// optim(method = "Nelder-Mead") defaults, as forecTheta calls it.
	nm.Minimize(sse, p, p, optim.NelderMeadSettings{MaxEval: 500})
	t.l0, t.alpha, t.theta = p[0], p[1], p[2]
	t.fitted = make([]float64, n)
	t.level = t.otmPath(x, t.l0, t.alpha, t.theta, t.fitted)
	var s float64
	for i, v := range x {
		e := v - t.fitted[i]
		s += e * e
	}
	t.sigma2 = s / float64(n-3)
	return nil
}

// otmPath writes the one-step fits into mu and returns the final level.
func (t *ThetaModel) otmPath(x []float64, l0, a, th float64, mu []float64) float64 {
	w := 1 - 1/th
	mu[0] = l0 + w*(t.an+t.bn)
	l := a*x[0] + (1-a)*l0
	pw := 1 - a // (1−α)^i
	for i := 1; i < len(x); i++ {
		mu[i] = l + w*(t.an*pw+t.bn*(1-pw*(1-a))/a)
		l = a*x[i] + (1-a)*l
		pw *= 1 - a
	}
	return l
}

// String names the method: "Theta" (R's thetaf) or "OTM" (optimised).
func (t *ThetaModel) String() string {
	if t.optimized {
		return "OTM"
	}
	return "Theta"
}

// Forecast returns h point forecasts and intervals at the given levels (in
// percent): the mean ± z·σ·sqrt(1 + (h−1)α²), as thetaf (intervals are not
// re-seasonalised, as in R).
func (t *ThetaModel) Forecast(h int, levels ...float64) (Forecast, error) {
	if err := etsCheckForecastArgs(h, levels); err != nil {
		return Forecast{}, &ETSError{Op: "forecast", Model: t.String(), Err: err}
	}
	mean := make([]float64, h)
	if t.optimized {
		a := t.alpha
		w := 1 - 1/t.theta
		l := t.level
		pw := math.Pow(1-a, float64(t.n))
		for i := range h {
			mu := l + w*(t.an*pw+t.bn*(1-pw*(1-a))/a)
			mean[i] = mu
			l = a*mu + (1-a)*l
			pw *= 1 - a
		}
	} else {
		c := (1 - math.Pow(1-t.alpha, float64(t.n))) / t.alpha
		for i := range h {
			mean[i] = t.level + t.drift*(float64(i)+c)
		}
	}
	if t.seasonal {
		m := t.period
		last := t.seasIdx[t.n-m:]
		for i := range mean {
			mean[i] *= last[i%m]
		}
	}
	out := Forecast{Mean: mean}
	for _, lv := range levels {
		z := -etsZ(0.5 - lv/200)
		iv := Interval{Level: lv, Lower: make([]float64, h), Upper: make([]float64, h)}
		for i := range mean {
			se := math.Sqrt(t.sigma2) * math.Sqrt(float64(i)*t.alpha*t.alpha+1)
			iv.Lower[i], iv.Upper[i] = mean[i]-z*se, mean[i]+z*se
		}
		out.Intervals = append(out.Intervals, iv)
	}
	return out, nil
}

// Alpha is the smoothing parameter.
func (t *ThetaModel) Alpha() float64 { return t.alpha }

// ThetaCoef is θ: 2 for the standard method, estimated for OTM.
func (t *ThetaModel) ThetaCoef() float64 { return t.theta }

// Drift is thetaf's drift, half the least-squares slope of the adjusted
// series (0 for OTM, whose trend enters through θ and the line A_n + B_n·t).
func (t *ThetaModel) Drift() float64 { return t.drift }

// Seasonal reports whether the series was seasonally adjusted.
func (t *ThetaModel) Seasonal() bool { return t.seasonal }

// Sigma2 is the one-step error variance of the adjusted series.
func (t *ThetaModel) Sigma2() float64 { return t.sigma2 }

// Fitted returns a copy of the in-sample one-step fits (re-seasonalised);
// for thetaf these are the SES fits without drift, as in R.
func (t *ThetaModel) Fitted() []float64 { return append([]float64(nil), t.fitted...) }

// Residuals returns a copy of y minus Fitted.
func (t *ThetaModel) Residuals() []float64 { return append([]float64(nil), t.resid...) }

// MarshalJSON writes a summary of the fit.
func (t *ThetaModel) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Method   string  `json:"method"`
		Period   int     `json:"period"`
		Seasonal bool    `json:"seasonal"`
		Alpha    float64 `json:"alpha"`
		Theta    float64 `json:"theta"`
		Drift    float64 `json:"drift,omitempty"`
		Sigma2   float64 `json:"sigma2"`
	}{t.String(), t.period, t.seasonal, t.alpha, t.theta, t.drift, t.sigma2})
}
