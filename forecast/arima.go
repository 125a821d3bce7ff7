package forecast

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
)

// Order is a seasonal ARIMA order (p,d,q)(P,D,Q): the non-seasonal AR,
// differencing and MA orders, and their seasonal counterparts SP, SD, SQ at
// the period given to [FitARIMA]. The zero value is ARIMA(0,0,0), white
// noise.
type Order struct{ P, D, Q, SP, SD, SQ int }

// ARIMAMethod is the fitting criterion, as R's arima(method=).
type ARIMAMethod string

// Fitting criteria. The empty method means [ARIMAMethodCSSML].
const (
	// ARIMAMethodCSSML starts maximum likelihood from the conditional
	// sum-of-squares estimates (R's default). Series with missing values are
	// fitted by ML, as R does.
	ARIMAMethodCSSML ARIMAMethod = "CSS-ML"
	// ARIMAMethodML is exact Gaussian maximum likelihood by the Kalman filter.
	ARIMAMethodML ARIMAMethod = "ML"
	// ARIMAMethodCSS minimises the conditional sum of squares. Its AIC is
	// undefined (NaN), as in R.
	ARIMAMethodCSS ARIMAMethod = "CSS"
)

// Regressor is one external regressor: a named column of values, one per
// observation of the series (or per forecast step in
// [ARIMA.ForecastWith]). NaN marks a missing value when fitting.
type Regressor struct {
	Name   string    `json:"name"`
	Values []float64 `json:"values"`
}

// ARIMAOptions are the options of [FitARIMA]. A nil pointer and the zero
// value fit by CSS-ML with no mean, no drift and no regressors. Note that R's
// Arima() includes a mean by default: set IncludeMean to match it.
type ARIMAOptions struct {
	// IncludeMean adds an intercept (R's include.mean); it has effect only
	// for undifferenced models (d+D = 0), as in R.
	IncludeMean bool
	// IncludeDrift adds a linear trend 1..n as a regressor named "drift"
	// (forecast::Arima's include.drift). It needs d+D = 1 at most; with
	// d+D ≥ 2 FitARIMA returns an error wrapping [ErrInvalid].
	IncludeDrift bool
	// Method is the fitting criterion; "" means CSS-ML.
	Method ARIMAMethod
	// Regressors are external regressors, each with len(y) values. Names
	// must be distinct and non-empty, and may not be "intercept" or "drift".
	Regressors []Regressor
}

// ErrRegressorsRequired is returned (wrapped in an [*ARIMAError]) by
// [ARIMA.Forecast] on a model fitted with regressors, and by
// [ARIMA.ForecastWith] when the future values given do not match them.
var ErrRegressorsRequired = errors.New("future regressor values required")

// ErrARIMAFit means the model could not be estimated from the data (too few
// observations, a non-stationary AR estimate from CSS, a singular Hessian, a
// non-finite likelihood). It is wrapped in an [*ARIMAError].
var ErrARIMAFit = errors.New("ARIMA estimation failed")

// ARIMAError reports why fitting or forecasting an ARIMA model failed. Err
// wraps [ErrARIMAFit], [ErrRegressorsRequired], ErrInvalid (bad input:
// negative order, NaN regressor in a forecast, infinite value, a level
// outside (0,100)) or ErrTooShort (no observed value), so errors.Is
// works.
type ARIMAError struct {
	Op    string // "fit", "forecast" or "auto"
	Model string // the model in R's notation, "" when not yet known
	Err   error
}

func (e *ARIMAError) Error() string {
	if e.Model != "" {
		return "forecast: " + e.Op + " " + e.Model + ": " + e.Err.Error()
	}
	return "forecast: " + e.Op + ": " + e.Err.Error()
}

func (e *ARIMAError) Unwrap() error { return e.Err }

// arimaMaxState bounds the state dimension max(p+s·P, q+s·Q+1): Gardner's
// initial covariance needs O(r⁴) memory (R stops at 350; 100 keeps it under
// 100 MB).
const arimaMaxState = 100

// ARIMA is a fitted (seasonal) ARIMA model with optional mean, drift and
// regressors, as R's forecast::Arima returns. It is immutable and safe for
// concurrent use. The zero value is not a fitted model; obtain one from
// [FitARIMA] or [AutoARIMA].
type ARIMA struct {
	order    Order
	period   int
	n        int
	fit      *arimaFitResult
	drift    bool
	user     []string // user regressor names, in order
	aicc     float64
	bic      float64
	sigma2   float64 // forecast::Arima's residual variance
	constant bool    // auto.arima's constant-series fit: forecasts repeat y[0]
	y0       float64
}

// FitARIMA fits a seasonal ARIMA model of the given order to y with the
// seasonal period (1 for none) as R's forecast::Arima(y, order, seasonal,
// include.mean, include.drift, xreg, method) does: exact Gaussian likelihood
// by the Kalman filter on R's state-space form (Gardner et al. 1980 initial
// covariance, diffuse differenced states), AR parts kept stationary by Jones'
// transformation and MA parts made invertible, BFGS with numerical
// gradients as R's optim, standard errors from the Hessian. NaN values in y
// are missing and handled by the filter.
func FitARIMA(y []float64, period int, order Order, opts *ARIMAOptions) (*ARIMA, error) {
	var o ARIMAOptions
	if opts != nil {
		o = *opts
	}
	m, err := arimaFitPublic(y, period, order, o.IncludeMean, o.IncludeDrift, o.Method, o.Regressors, nil)
	if err != nil {
		var ae *ARIMAError
		if errors.As(err, &ae) {
			return nil, err
		}
		return nil, &ARIMAError{Op: "fit", Model: arimaOrderString(order, period), Err: err}
	}
	return m, nil
}

func arimaOrderString(o Order, period int) string {
	s := fmt.Sprintf("ARIMA(%d,%d,%d)", o.P, o.D, o.Q)
	if period > 1 && o.SP+o.SD+o.SQ > 0 {
		s += fmt.Sprintf("(%d,%d,%d)[%d]", o.SP, o.SD, o.SQ, period)
	}
	return s
}

// arimaValidate checks the inputs common to FitARIMA and AutoARIMA.
func arimaValidate(y []float64, period int, regs []Regressor) error {
	var errs []error
	if len(y) == 0 {
		errs = append(errs, fmt.Errorf("%w: empty series", ErrTooShort))
	}
	if period < 1 {
		errs = append(errs, fmt.Errorf("%w: period %d < 1", ErrInvalid, period))
	}
	nObs := 0
	for i, v := range y {
		if math.IsInf(v, 0) {
			errs = append(errs, fmt.Errorf("%w: y[%d] is infinite", ErrInvalid, i))
			break
		}
		if !math.IsNaN(v) {
			nObs++
		}
	}
	if len(y) > 0 && nObs == 0 {
		errs = append(errs, fmt.Errorf("%w: all values are missing (NaN)", ErrTooShort))
	}
	seen := map[string]bool{}
	for j, r := range regs {
		switch {
		case r.Name == "":
			errs = append(errs, fmt.Errorf("%w: regressor %d has no name", ErrInvalid, j))
		case r.Name == "intercept" || r.Name == "drift":
			errs = append(errs, fmt.Errorf("%w: regressor name %q is reserved", ErrInvalid, r.Name))
		case seen[r.Name]:
			errs = append(errs, fmt.Errorf("%w: duplicate regressor %q", ErrInvalid, r.Name))
		}
		seen[r.Name] = true
		if len(r.Values) != len(y) {
			errs = append(errs, fmt.Errorf("%w: regressor %q has %d values, series has %d", ErrInvalid, r.Name, len(r.Values), len(y)))
		}
		for i, v := range r.Values {
			if math.IsInf(v, 0) {
				errs = append(errs, fmt.Errorf("%w: regressor %q value %d is infinite", ErrInvalid, r.Name, i))
				break
			}
		}
	}
	return errors.Join(errs...)
}

// arimaFitPublic is forecast::Arima.
func arimaFitPublic(y []float64, period int, order Order, includeMean, includeDrift bool, method ARIMAMethod, regs []Regressor, fixed []float64) (*ARIMA, error) {
	if err := arimaValidate(y, period, regs); err != nil {
		return nil, err
	}
	if order.P < 0 || order.D < 0 || order.Q < 0 || order.SP < 0 || order.SD < 0 || order.SQ < 0 {
		return nil, fmt.Errorf("%w: negative order %+v", ErrInvalid, order)
	}
	switch method {
	case "", ARIMAMethodCSSML, ARIMAMethodML, ARIMAMethodCSS:
	default:
		return nil, fmt.Errorf("%w: unknown method %q", ErrInvalid, method)
	}
	if period == 1 && order.SP+order.SD+order.SQ > 0 {
		return nil, fmt.Errorf("%w: seasonal order %d,%d,%d with period 1", ErrInvalid, order.SP, order.SD, order.SQ)
	}
	s := period
	if s <= 1 {
		s = 1
	}
	if r := max(order.P+s*order.SP, order.Q+s*order.SQ+1); r > arimaMaxState {
		return nil, fmt.Errorf("%w: state dimension %d exceeds %d", ErrInvalid, r, arimaMaxState)
	}
	if order.D > 10 || order.SD > 10 {
		return nil, fmt.Errorf("%w: differencing order too large", ErrInvalid)
	}
	n := len(y)
	if n <= order.D+order.SD*s {
		return nil, fmt.Errorf("%w: not enough data (%d values) for %d differences", ErrTooShort, n, order.D+order.SD*s)
	}
	nd := order.D + order.SD
	if includeDrift && nd > 1 {
		return nil, fmt.Errorf("%w: drift needs at most one difference (d+D = %d)", ErrInvalid, nd)
	}
	arma := arimaArma{p: order.P, q: order.Q, sp: order.SP, sq: order.SQ, s: s, d: order.D, sd: order.SD}
	if s == 1 {
		arma.s = 1
	}
	var xreg [][]float64
	var names []string
	if includeDrift {
		dr := make([]float64, n)
		for i := range dr {
			dr[i] = float64(i + 1)
		}
		xreg = append(xreg, dr)
		names = append(names, "drift")
	}
	var user []string
	for _, r := range regs {
		xreg = append(xreg, r.Values)
		names = append(names, r.Name)
		user = append(user, r.Name)
	}
	fr, err := arimaFitCore(arimaFitSpec{arma: arma, x: y, xreg: xreg, xnames: names, includeMean: includeMean, method: method, fixed: fixed})
	if err != nil {
		if errors.Is(err, ErrInvalid) {
			return nil, err
		}
		return nil, fmt.Errorf("%w: %v", ErrARIMAFit, err)
	}
	m := &ARIMA{order: order, period: period, n: n, fit: fr, drift: includeDrift, user: user}
	m.finish()
	return m, nil
}

// finish computes forecast::Arima's AICc, BIC and residual variance.
func (m *ARIMA) finish() {
	fr := m.fit
	npar := 1
	for _, b := range fr.mask {
		if b {
			npar++
		}
	}
	first, last := -1, -1
	for i, v := range fr.resid {
		if !math.IsNaN(v) {
			if first < 0 {
				first = i
			}
			last = i
		}
	}
	nn := 0
	ss := 0.0
	if first >= 0 {
		for i := first; i <= last; i++ {
			if !math.IsNaN(fr.resid[i]) {
				nn++
				ss += fr.resid[i] * fr.resid[i]
			}
		}
	}
	nstar := float64(nn - fr.arma.d - fr.arma.sd*fr.arma.s)
	k := float64(npar)
	m.aicc = fr.aic + 2*k*(nstar/(nstar-k-1)-1)
	m.bic = fr.aic + k*(math.Log(nstar)-2)
	m.sigma2 = ss / (nstar - k + 1)
}

// Order returns the model's order.
func (m *ARIMA) Order() Order { return m.order }

// Period returns the seasonal period the model was fitted with.
func (m *ARIMA) Period() int { return m.period }

// Coef returns the estimated coefficients by R's names: ar1…, ma1…, sar1…,
// sma1…, intercept, drift and the regressor names.
func (m *ARIMA) Coef() map[string]float64 {
	out := make(map[string]float64, len(m.fit.coef))
	for i, nm := range m.fit.names {
		out[nm] = m.fit.coef[i]
	}
	return out
}

// CoefNames returns the coefficient names in R's order.
func (m *ARIMA) CoefNames() []string { return slices.Clone(m.fit.names) }

// StdErr returns the standard errors of the estimated coefficients from the
// inverse Hessian of the likelihood (R's sqrt(diag(var.coef))). Coefficients
// held fixed (as in a constant-series fit) are absent; a negative variance
// (an ill-conditioned fit) gives NaN.
func (m *ARIMA) StdErr() map[string]float64 {
	out := map[string]float64{}
	k := 0
	nf := 0
	for _, b := range m.fit.mask {
		if b {
			nf++
		}
	}
	if m.fit.vcov == nil {
		return out
	}
	for i, nm := range m.fit.names {
		if !m.fit.mask[i] {
			continue
		}
		out[nm] = math.Sqrt(m.fit.vcov[k*nf+k])
		k++
	}
	return out
}

// LogLik is the log-likelihood (for CSS, R's CSS-based value).
func (m *ARIMA) LogLik() float64 { return m.fit.loglik }

// AIC is Akaike's criterion (NaN for CSS fits, as in R).
func (m *ARIMA) AIC() float64 { return m.fit.aic }

// AICc is the small-sample corrected AIC as forecast::Arima computes it.
func (m *ARIMA) AICc() float64 { return m.aicc }

// BIC is the Bayesian information criterion as forecast::Arima computes it.
func (m *ARIMA) BIC() float64 { return m.bic }

// Sigma2 is the innovation variance, forecast::Arima's sum of squared
// residuals over (n* - k + 1), which also scales the prediction intervals.
func (m *ARIMA) Sigma2() float64 { return m.sigma2 }

// NObs is the number of observations used (R's nobs: non-missing values less
// the differencing length).
func (m *ARIMA) NObs() int { return m.fit.nUsed }

// Residuals returns the standardised innovations (R's residuals(fit)); NaN
// where y was missing.
func (m *ARIMA) Residuals() []float64 { return slices.Clone(m.fit.resid) }

// Regressors returns the names of the regressors that [ARIMA.ForecastWith]
// needs future values of, in order (nil when none).
func (m *ARIMA) Regressors() []string { return slices.Clone(m.user) }

// String names the model as forecast's arima.string does, e.g.
// "ARIMA(2,1,1)(0,1,0)[12]", "ARIMA(1,1,1) with drift",
// "ARIMA(1,0,0) with non-zero mean", "Regression with ARIMA(1,0,0) errors".
func (m *ARIMA) String() string {
	s := arimaOrderString(m.order, m.period)
	switch {
	case len(m.user) > 0:
		return "Regression with " + s + " errors"
	case m.drift:
		return s + " with drift"
	case slices.Contains(m.fit.names, "intercept"):
		return s + " with non-zero mean"
	case m.order.D == 0 && m.order.SD == 0:
		return s + " with zero mean"
	}
	return s
}

// Forecast returns h forecasts with prediction intervals at the given
// levels (percent). A model fitted with regressors needs their future
// values: Forecast then returns an [*ARIMAError] wrapping
// [ErrRegressorsRequired]; use [ARIMA.ForecastWith].
func (m *ARIMA) Forecast(h int, levels ...float64) (Forecast, error) {
	if len(m.user) > 0 {
		return Forecast{}, &ARIMAError{Op: "forecast", Model: m.String(), Err: fmt.Errorf("%w: %s", ErrRegressorsRequired, strings.Join(m.user, ", "))}
	}
	return m.ForecastWith(h, nil, levels...)
}

// ForecastWith forecasts h steps given the future values of the model's
// regressors (each with h values, matched by name; order does not matter),
// as R's forecast(fit, xreg=). Intervals are Gaussian: mean ± z·se with the
// Kalman filter's forecast variances scaled by [ARIMA.Sigma2].
func (m *ARIMA) ForecastWith(h int, xreg []Regressor, levels ...float64) (Forecast, error) {
	fail := func(err error) (Forecast, error) {
		return Forecast{}, &ARIMAError{Op: "forecast", Model: m.String(), Err: err}
	}
	if h < 1 || h > MaxHorizon {
		return fail(fmt.Errorf("%w: horizon %d outside 1..%d", ErrHorizon, h, MaxHorizon))
	}
	for _, l := range levels {
		if !(l > 0 && l < 100) {
			return fail(fmt.Errorf("%w: level %v outside (0, 100)", ErrInvalid, l))
		}
	}
	byName := map[string][]float64{}
	for _, r := range xreg {
		byName[r.Name] = r.Values
	}
	for _, nm := range m.user {
		v, ok := byName[nm]
		if !ok {
			return fail(fmt.Errorf("%w: no future values for %q", ErrRegressorsRequired, nm))
		}
		if len(v) != h {
			return fail(fmt.Errorf("%w: %q has %d future values, horizon is %d", ErrRegressorsRequired, nm, len(v), h))
		}
		for i, x := range v {
			if math.IsNaN(x) || math.IsInf(x, 0) {
				return fail(fmt.Errorf("%w: future %q[%d] is not finite", ErrInvalid, nm, i))
			}
		}
	}
	if len(xreg) > len(m.user) {
		for _, r := range xreg {
			if !slices.Contains(m.user, r.Name) {
				return fail(fmt.Errorf("%w: regressor %q was not used in fitting", ErrInvalid, r.Name))
			}
		}
	}
	out := Forecast{Mean: make([]float64, h)}
	var se []float64
	if m.constant {
		for i := range out.Mean {
			out.Mean[i] = m.y0
		}
		se = make([]float64, h)
	} else {
		mean, variance := arimaForecastSS(h, m.fit.model)
		narma := m.fit.arma.narma()
		for i, nm := range m.fit.names[narma:] {
			b := m.fit.coef[narma+i]
			for t := range h {
				var x float64
				switch nm {
				case "intercept":
					x = 1
				case "drift":
					if m.drift {
						x = float64(m.n + t + 1)
					} else {
						x = byName[nm][t]
					}
				default:
					x = byName[nm][t]
				}
				mean[t] += b * x
			}
		}
		out.Mean = mean
		se = make([]float64, h)
		for t := range h {
			se[t] = math.Sqrt(variance[t] * m.sigma2)
		}
	}
	sorted := slices.Clone(levels)
	slices.Sort(sorted)
	for _, l := range sorted {
		z := arimaQnorm(0.5 * (1 + l/100))
		iv := Interval{Level: l, Lower: make([]float64, h), Upper: make([]float64, h)}
		for t := range h {
			iv.Lower[t] = out.Mean[t] - z*se[t]
			iv.Upper[t] = out.Mean[t] + z*se[t]
		}
		out.Intervals = append(out.Intervals, iv)
	}
	return out, nil
}

// arimaQnorm is the standard normal quantile.
func arimaQnorm(p float64) float64 { return -math.Sqrt2 * math.Erfcinv(2*p) }

// MarshalJSON encodes the fitted model as a summary: its name, order,
// period, coefficients, standard errors and fit statistics. Undefined values
// (the AIC of a CSS fit, a NaN standard error) are omitted.
func (m *ARIMA) MarshalJSON() ([]byte, error) {
	fin := func(v float64) *float64 {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil
		}
		return &v
	}
	se := map[string]float64{}
	for k, v := range m.StdErr() {
		if !math.IsNaN(v) && !math.IsInf(v, 0) {
			se[k] = v
		}
	}
	return json.Marshal(struct {
		Model  string             `json:"model"`
		Order  Order              `json:"order"`
		Period int                `json:"period"`
		Coef   map[string]float64 `json:"coef"`
		StdErr map[string]float64 `json:"stderr,omitempty"`
		LogLik *float64           `json:"loglik,omitempty"`
		AIC    *float64           `json:"aic,omitempty"`
		AICc   *float64           `json:"aicc,omitempty"`
		BIC    *float64           `json:"bic,omitempty"`
		Sigma2 *float64           `json:"sigma2,omitempty"`
		NObs   int                `json:"nobs"`
	}{m.String(), m.order, m.period, m.Coef(), se, fin(m.LogLik()), fin(m.AIC()), fin(m.AICc()), fin(m.BIC()), fin(m.Sigma2()), m.NObs()})
}
