package forecast

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
)

// ETSOptions are the options of [FitETS]. A nil pointer and the zero value
// mean R's ets() defaults: estimate every parameter by maximum likelihood
// (opt.crit = "lik", bounds = "both", nmse = 3, at most 2000 Nelder-Mead
// evaluations), select by AICc, restrict to R's stable combinations, no
// multiplicative trend in automatic selection, and 5000 simulated paths
// (seed 0) for prediction intervals that have no analytic form.
// Options are only read, so one value may be shared by concurrent calls.
type ETSOptions struct {
	// Alpha, Beta, Gamma and Phi fix a smoothing parameter (R's alpha=,
	// beta=, gamma=, phi=); nil estimates it. A fixed value must lie inside
	// the bounds, as in R.
	Alpha, Beta, Gamma, Phi *float64 `json:",omitempty"`
	// InitialStates fixes the initial states as R's model$initstate lists
	// them: level, growth (trended models), then the m seasonal terms s1..sm
	// (s1 the most recent). It requires every smoothing parameter of the
	// model to be fixed too, and an explicit spec (no Z); nothing is then
	// estimated (R's ets(y, model = fit, use.initial.values = TRUE)).
	InitialStates []float64 `json:",omitempty"`
	// AllowMultiplicativeTrend lets a Z trend also try M and Md (R's
	// allow.multiplicative.trend).
	AllowMultiplicativeTrend bool `json:",omitempty"`
	// AdditiveOnly restricts selection to additive components.
	AdditiveOnly bool `json:",omitempty"`
	// Unrestricted allows the combinations R's restrict = TRUE forbids
	// (additive error with multiplicative trend or season, and M,M,A).
	Unrestricted bool `json:",omitempty"`
	// Lower and Upper bound alpha, beta, gamma, phi (in that order) under
	// the "usual" bounds. The zero value means R's c(1e-4, 1e-4, 1e-4, 0.8)
	// and c(0.9999, 0.9999, 0.9999, 0.98).
	Lower, Upper [4]float64 `json:",omitempty"`
	// OptCrit is the estimation criterion: "lik" (default), "mse", "amse",
	// "sigma" or "mae", as R's opt.crit.
	OptCrit string `json:",omitempty"`
	// NMSE is the number of steps for "amse" (1..30); zero means 3.
	NMSE int `json:",omitempty"`
	// Bounds is "both" (default), "usual" or "admissible".
	Bounds string `json:",omitempty"`
	// IC is the selection criterion: "aicc" (default), "aic" or "bic".
	IC string `json:",omitempty"`
	// MaxEval bounds Nelder-Mead evaluations per model; zero means 2000.
	MaxEval int `json:",omitempty"`
	// Seed and NPaths drive simulated prediction intervals (models without
	// an analytic variance); NPaths zero means 5000.
	Seed   uint64 `json:",omitempty"`
	NPaths int    `json:",omitempty"`
}

// ErrETSFit means no ETS model could be estimated from the data (no finite
// likelihood at the starting values, too many parameters for the data, every
// candidate failing). It is wrapped in an [*ETSError].
var ErrETSFit = errors.New("ETS estimation failed")

// ETSError reports why fitting or forecasting an ETS or Theta model failed
// (the zero value has a nil Err and should not be used; values are safe for
// concurrent reads). Err wraps one of this package's sentinels, so
// errors.Is works: [ErrTooShort] (empty series, too few observations for
// the model), [ErrMissing] (NaN), [ErrNonPositive] (multiplicative model for
// data with a value ≤ 0), [ErrInvalid] (bad spec, period or options,
// infinite or overflowing value, fixed parameter out of bounds, level
// outside (0,100)), [ErrHorizon] (forecast horizon), or [ErrETSFit]
// (estimation failed). Problems with the data come as a [*CheckError]
// inside, naming the first offending index.
type ETSError struct {
	Op    string // "fit" or "forecast"
	Model string // the spec or model, "" when not known
	Err   error
}

// Error formats the error as `forecast: ETS fit MAM: …`.
func (e *ETSError) Error() string {
	s := "forecast: ETS " + e.Op
	if e.Model != "" {
		s += " " + e.Model
	}
	return s + ": " + e.Err.Error()
}

// Unwrap returns the wrapped error.
func (e *ETSError) Unwrap() error { return e.Err }

var (
	etsErrShort   = ErrTooShort
	etsErrFit     = ErrETSFit
	etsErrInvalid = ErrInvalid
)

func etsErrf(kind error, format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{kind}, args...)...)
}

// ETS is a fitted exponential smoothing state space model (Hyndman, Koehler,
// Ord & Snyder 2008) as R's forecast::ets fits it (see
// docs/decisions/0180-ets-r-parity.md for the few deliberate differences). Read it through its
// methods; it marshals to JSON as a summary. The zero value is not a usable
// model: obtain one from [FitETS]. An *ETS is immutable and safe for
// concurrent use.
type ETS struct {
	errT, trendT, seasT int
	damped              bool
	m                   int // period of the recursion (1 without season)
	alpha, beta, gamma  float64
	phi                 float64
	states              []float64 // (n+1)×p
	p                   int
	fitted, resid       []float64
	loglik, aic, aicc   float64
	bic, sigma2         float64
	mse, amse           float64
	npar                int // parameters counted in the information criteria
	seed                uint64
	npaths              int
	constantFallback    bool
}

// ETSParams are the smoothing parameters of an [ETS] model. Beta, Gamma and
// Phi are zero when the model has no trend, no season or no damping (Phi is
// then 1 in the recursions); the zero value means no parameter at all. It is
// a plain value, safe to copy and share.
type ETSParams struct {
	Alpha float64 `json:"alpha"`
	Beta  float64 `json:"beta,omitempty"`
	Gamma float64 `json:"gamma,omitempty"`
	Phi   float64 `json:"phi,omitempty"`
}

var etsCode = map[byte]int{'N': etsNone, 'A': etsAdd, 'M': etsMult}
var etsName = [3]string{"N", "A", "M"}

// String names the model in R's notation, e.g. "ETS(M,Ad,M)".
func (f *ETS) String() string {
	d := ""
	if f.damped {
		d = "d"
	}
	return "ETS(" + etsName[f.errT] + "," + etsName[f.trendT] + d + "," + etsName[f.seasT] + ")"
}

// Spec returns the model in FitETS's spec notation, e.g. "MAdM".
func (f *ETS) Spec() string {
	d := ""
	if f.damped {
		d = "d"
	}
	return etsName[f.errT] + etsName[f.trendT] + d + etsName[f.seasT]
}

// LogLik is R's logLik(fit): −½·(n·log Σe² + 2Σlog|ŷ|), the Gaussian
// log-likelihood up to a constant, as R's ets reports it.
func (f *ETS) LogLik() float64 { return f.loglik }

// AIC, AICc and BIC are R's information criteria of the fit.
func (f *ETS) AIC() float64 { return f.aic }

// AICc is the small-sample corrected AIC that automatic selection minimises.
func (f *ETS) AICc() float64 { return f.aicc }

// BIC is the Bayesian information criterion.
func (f *ETS) BIC() float64 { return f.bic }

// Sigma2 is R's sigma2: the residual sum of squares over n minus the number
// of parameters (residuals are relative errors for multiplicative error).
func (f *ETS) Sigma2() float64 { return f.sigma2 }

// MSE is the in-sample mean squared one-step error in the data's units.
func (f *ETS) MSE() float64 { return f.mse }

// AMSE is the in-sample mean squared error averaged over horizons 1..NMSE,
// as R's fit$amse.
func (f *ETS) AMSE() float64 { return f.amse }

// Params returns the smoothing parameters.
func (f *ETS) Params() ETSParams {
	p := ETSParams{Alpha: f.alpha}
	if f.trendT != etsNone {
		p.Beta = f.beta
	}
	if f.seasT != etsNone {
		p.Gamma = f.gamma
	}
	if f.damped {
		p.Phi = f.phi
	}
	return p
}

// ParamsByName returns the smoothing parameters the model has, keyed
// "alpha", "beta", "gamma" and "phi" as in R's fit$par.
func (f *ETS) ParamsByName() map[string]float64 {
	p := map[string]float64{"alpha": f.alpha}
	if f.trendT != etsNone {
		p["beta"] = f.beta
	}
	if f.seasT != etsNone {
		p["gamma"] = f.gamma
	}
	if f.damped {
		p["phi"] = f.phi
	}
	return p
}

// InitialStates returns a copy of the initial states in R's order: level,
// growth (if trended), then s1..sm (if seasonal).
func (f *ETS) InitialStates() []float64 { return append([]float64(nil), f.states[:f.p]...) }

// States returns a copy of the states, one row of len(InitialStates()) per
// time point 0..n (row 0 the initial states), as R's fit$states.
func (f *ETS) States() [][]float64 {
	n := len(f.states) / f.p
	out := make([][]float64, n)
	for i := range out {
		out[i] = append([]float64(nil), f.states[i*f.p:(i+1)*f.p]...)
	}
	return out
}

// Fitted returns a copy of the one-step in-sample forecasts.
func (f *ETS) Fitted() []float64 { return append([]float64(nil), f.fitted...) }

// Residuals returns a copy of the innovations: y − ŷ for additive error and
// (y − ŷ)/ŷ for multiplicative error, as R's residuals(fit).
func (f *ETS) Residuals() []float64 { return append([]float64(nil), f.resid...) }

// Period is the seasonal period the model uses: the period given to
// [FitETS] when the model has a season, else 1. FitETS drops the season, as
// R does, for a Z season with period above 24, for a series no longer than
// one period, or when selection picks none; Period then reports 1, agreeing
// with [ETS.String], so ETS(A,N,N) fitted with period 1<<40 reports 1.
func (f *ETS) Period() int { return f.m }

// NumParams is the number of parameters the information criteria count
// (estimated smoothing parameters, free initial states, and the variance).
func (f *ETS) NumParams() int { return f.npar }

type etsJSON struct {
	Model         string    `json:"model"`
	Period        int       `json:"period"`
	Params        ETSParams `json:"params"`
	InitialStates []float64 `json:"initial_states"`
	LogLik        *float64  `json:"loglik,omitempty"`
	AIC           *float64  `json:"aic,omitempty"`
	AICc          *float64  `json:"aicc,omitempty"`
	BIC           *float64  `json:"bic,omitempty"`
	Sigma2        float64   `json:"sigma2"`
}

func etsFinitePtr(v float64) *float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	return &v
}

// MarshalJSON writes a summary: model, period, parameters, initial states,
// and the information criteria when finite.
func (f *ETS) MarshalJSON() ([]byte, error) {
	return json.Marshal(etsJSON{
		Model: f.String(), Period: f.m, Params: f.Params(), InitialStates: f.InitialStates(),
		LogLik: etsFinitePtr(f.loglik), AIC: etsFinitePtr(f.aic), AICc: etsFinitePtr(f.aicc),
		BIC: etsFinitePtr(f.bic), Sigma2: f.sigma2,
	})
}

// etsSpec is a parsed model specification; -1 means Z (select).
type etsSpec struct {
	e, t, s int
	damped  int // -1 select (Z trend), 0 no, 1 yes
}

func etsParseSpec(spec string) (etsSpec, error) {
	// Letters are case-sensitive, as in R: "mam" is not a spec, and the
	// damping mark is a lower-case d ("MAdM").
	s := spec
	bad := etsErrf(etsErrInvalid, "spec %q: want upper-case error, trend and season letters such as \"ANN\", \"MAdM\" or \"ZZZ\"", spec)
	damped := 0
	if len(s) == 4 && s[2] == 'd' {
		damped = 1
		s = s[:2] + s[3:]
	}
	if len(s) != 3 {
		return etsSpec{}, bad
	}
	code := func(c byte, allowed string) (int, bool) {
		if !strings.ContainsRune(allowed, rune(c)) {
			return 0, false
		}
		if c == 'Z' {
			return -1, true
		}
		return etsCode[c], true
	}
	var r etsSpec
	var ok1, ok2, ok3 bool
	r.e, ok1 = code(s[0], "AMZ")
	r.t, ok2 = code(s[1], "NAMZ")
	r.s, ok3 = code(s[2], "NAMZ")
	if !ok1 || !ok2 || !ok3 {
		return etsSpec{}, bad
	}
	r.damped = damped
	if r.t == -1 {
		if damped == 1 {
			return etsSpec{}, bad
		}
		r.damped = -1
	}
	if damped == 1 && r.t == etsNone {
		return etsSpec{}, etsErrf(etsErrInvalid, "spec %q: a damped trend needs a trend", spec)
	}
	return r, nil
}

// FitETS fits an ETS model to y with seasonal period period (1 for
// non-seasonal data) as R's forecast::ets does.
//
// spec names the error, trend and season components: "A", "M" or "N", with
// "Ad"/"Md" for a damped trend ("AAdN", "MAdM"), and "Z" for a component to
// select by the information criterion (opts.IC, AICc by default): "ZZZ" is
// R's automatic ets(), "AZZ", "ZZN", "MZM" and so on select only some parts.
// A Z trend tries N, A and Ad (and M, Md with AllowMultiplicativeTrend). Unlike
// R, an explicit trend letter fixes damping: "AAN" is undamped, "AAdN" damped.
//
// As in R: a season is dropped when period < 2 or the series is not longer
// than one period (an explicit A or M season with period 1 or above 24 is an
// error, a Z season is then N); multiplicative error needs positive data
// (with Z it is skipped otherwise); and restricted combinations (A error with
// M trend or season, M,M,A) are errors unless opts.Unrestricted.
//
// Spec letters are case-sensitive as in R ("mam" is an error); the damping
// mark is a lower-case d. A dropped season is reported by [ETS.Period] as 1.
//
// Input rules and fallbacks ([ETSRequirements] publishes them): an empty or
// too short series (no more than the model's parameter count + 4
// observations; R falls back to Holt-Winters there) wraps [ErrTooShort], NaN
// [ErrMissing], infinite or overflowing values [ErrInvalid], data ≤ 0 for
// an explicit multiplicative component [ErrNonPositive], each as a
// [*CheckError] naming the first bad index inside an [*ETSError]. A
// constant series with a Z spec gives ETS(A,N,N) with alpha = 0.99999 and
// the constant as level, as R's ets() does for constant data.
//
// FitETS keeps no state between calls and may be called concurrently; it
// only reads y and the model keeps no reference to it.
func FitETS(y []float64, period int, spec string, opts *ETSOptions) (*ETS, error) {
	fit, err := etsFit(y, period, spec, opts)
	if err != nil {
		return nil, &ETSError{Op: "fit", Model: spec, Err: err}
	}
	return fit, nil
}

// etsCheckData checks y against req (every problem, joined) and, beyond
// what [Requirements] can say, rejects finite values so large that the
// likelihood overflows.
func etsCheckData(y []float64, period int, req Requirements) error {
	var errs []error
	req.Model = "" // the *ETSError around names the model
	if err := req.Check(y, period); err != nil {
		errs = append(errs, err)
	}
	for i, v := range y {
		if !math.IsInf(v, 0) && math.Abs(v) > 1e150 {
			errs = append(errs, &CheckError{Model: req.Model, Index: i, Err: ErrInvalid, Detail: fmt.Sprintf("|%g| above 1e150 overflows the likelihood", v)})
			break
		}
	}
	return errors.Join(errs...)
}

// ETSRequirements returns what [FitETS] checks before estimating a model of
// spec with seasonal period period: no missing values, strictly positive
// data when the spec names a multiplicative component (M error, trend or
// season; a Z error or component is then only tried on positive data), and
// more observations than the model's parameter count + 4 (2 for the level
// and variance, 2 for a trend, 1 for damping, period for a season kept
// under the rules of FitETS).
//
// The count assumes the series is longer than one period: FitETS drops the
// season of a series no longer than one period, as R does, and then checks
// the non-seasonal count, which is smaller. Passing the check does not
// guarantee a fit: estimation can still fail with [ErrETSFit]. It returns
// an [*ETSError] wrapping [ErrInvalid] for a spec or period FitETS rejects.
func ETSRequirements(spec string, period int) (Requirements, error) {
	sp, err := etsParseSpec(spec)
	if err == nil && period < 1 {
		err = etsErrf(etsErrInvalid, "period %d below 1", period)
	}
	if err == nil {
		sp, err = etsSeasonRule(sp, spec, period, period+1)
	}
	if err != nil {
		return Requirements{}, &ETSError{Op: "fit", Model: spec, Err: err}
	}
	return etsRequirements(sp, spec, period), nil
}

// etsSeasonRule applies R's rules for dropping a season: none for period
// 1 or a series of n ≤ period observations (an explicit A or M season with
// period 1 is an error), and none for a Z season above period 24 (an
// explicit one is an error).
func etsSeasonRule(sp etsSpec, spec string, m, n int) (etsSpec, error) {
	if m <= 1 || n <= m {
		if m == 1 && (sp.s == etsAdd || sp.s == etsMult) {
			return sp, etsErrf(etsErrInvalid, "seasonal model %q for non-seasonal data (period 1)", spec)
		}
		sp.s = etsNone
	}
	if m > 24 {
		if sp.s == etsAdd || sp.s == etsMult {
			return sp, etsErrf(etsErrInvalid, "seasonal period %d above 24 (R's limit)", m)
		}
		if sp.s == -1 {
			sp.s = etsNone
		}
	}
	return sp, nil
}

// etsNumParams is R's parameter count for the "too short" test; Z
// components count as nothing, so the test is the weakest over the
// candidates.
func etsNumParams(sp etsSpec, m int) int {
	npars := 2
	if sp.t == etsAdd || sp.t == etsMult {
		npars += 2
	}
	if sp.s == etsAdd || sp.s == etsMult {
		npars += m
	}
	if sp.damped == 1 {
		npars++
	}
	return npars
}

func etsRequirements(sp etsSpec, spec string, m int) Requirements {
	return Requirements{
		Model:     "ETS(" + spec + ")",
		MinLength: etsNumParams(sp, m) + 5,
		Positive:  sp.e == etsMult || sp.t == etsMult || sp.s == etsMult,
	}
}

type etsSettings struct {
	lower, upper [4]float64
	crit         etsCrit
	nmse         int
	bounds       int // 0 both, 1 usual, 2 admissible
	ic           int // 0 aicc, 1 aic, 2 bic
	maxEval      int
	alpha, beta  *float64
	gamma, phi   *float64
}

func etsResolve(opts *ETSOptions) (etsSettings, error) {
	var o ETSOptions
	if opts != nil {
		o = *opts
	}
	s := etsSettings{
		lower: [4]float64{1e-4, 1e-4, 1e-4, 0.8}, upper: [4]float64{0.9999, 0.9999, 0.9999, 0.98},
		nmse: 3, maxEval: 2000, alpha: o.Alpha, beta: o.Beta, gamma: o.Gamma, phi: o.Phi,
	}
	var errs []error
	if o.Lower != [4]float64{} {
		s.lower = o.Lower
	}
	if o.Upper != [4]float64{} {
		s.upper = o.Upper
	}
	for i := range 4 {
		if !(s.lower[i] <= s.upper[i]) {
			errs = append(errs, etsErrf(etsErrInvalid, "lower bound %v above upper bound %v", s.lower[i], s.upper[i]))
		}
	}
	switch o.OptCrit {
	case "", "lik":
	case "mse":
		s.crit = etsCritMSE
	case "amse":
		s.crit = etsCritAMSE
	case "sigma":
		s.crit = etsCritSigma
	case "mae":
		s.crit = etsCritMAE
	default:
		errs = append(errs, etsErrf(etsErrInvalid, "OptCrit %q", o.OptCrit))
	}
	if o.NMSE != 0 {
		if o.NMSE < 1 || o.NMSE > 30 {
			errs = append(errs, etsErrf(etsErrInvalid, "NMSE %d outside 1..30", o.NMSE))
		}
		s.nmse = o.NMSE
	}
	switch o.Bounds {
	case "", "both":
	case "usual":
		s.bounds = 1
	case "admissible":
		s.bounds = 2
	default:
		errs = append(errs, etsErrf(etsErrInvalid, "Bounds %q", o.Bounds))
	}
	switch strings.ToLower(o.IC) {
	case "", "aicc":
	case "aic":
		s.ic = 1
	case "bic":
		s.ic = 2
	default:
		errs = append(errs, etsErrf(etsErrInvalid, "IC %q", o.IC))
	}
	if o.MaxEval < 0 {
		errs = append(errs, etsErrf(etsErrInvalid, "MaxEval %d", o.MaxEval))
	} else if o.MaxEval > 0 {
		s.maxEval = o.MaxEval
	}
	if o.NPaths < 0 || o.NPaths > 1_000_000 {
		errs = append(errs, etsErrf(etsErrInvalid, "NPaths %d outside 0..1e6", o.NPaths))
	}
	for _, p := range []*float64{o.Alpha, o.Beta, o.Gamma, o.Phi} {
		if p != nil && (math.IsNaN(*p) || math.IsInf(*p, 0)) {
			errs = append(errs, etsErrf(etsErrInvalid, "fixed parameter %v", *p))
		}
	}
	for _, v := range o.InitialStates {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			errs = append(errs, etsErrf(etsErrInvalid, "initial state %v", v))
			break
		}
	}
	return s, errors.Join(errs...)
}

func etsIsConstant(y []float64) bool {
	// R's is.constant: all.equal(x, rep(x[1], n)), a mean relative
	// difference below 1.5e-8.
	var num, den float64
	for _, v := range y {
		num += math.Abs(v - y[0])
		den += math.Abs(v)
	}
	if den == 0 || math.IsInf(den, 0) {
		return num == 0
	}
	return num/den < 1.5e-8
}

func etsFit(y []float64, period int, spec string, opts *ETSOptions) (*ETS, error) {
	if period < 1 {
		return nil, etsErrf(etsErrInvalid, "period %d below 1", period)
	}
	sp, err := etsParseSpec(spec)
	if err != nil {
		return nil, err
	}
	set, err := etsResolve(opts)
	if err != nil {
		return nil, err
	}
	// Missing, infinite and huge values, and an empty series, first: the
	// checks below read the data.
	if err := etsCheckData(y, period, Requirements{Model: "ETS(" + spec + ")"}); err != nil {
		return nil, err
	}
	var o ETSOptions
	if opts != nil {
		o = *opts
	}
	n := len(y)
	m := period
	if sp.e == -1 || sp.t == -1 || sp.s == -1 {
		if o.InitialStates != nil {
			return nil, etsErrf(etsErrInvalid, "InitialStates need an explicit spec, not %q", spec)
		}
		if etsIsConstant(y) {
			return etsConstant(y), nil
		}
	}
	// R: too short for a season → no season (even if explicit).
	if sp, err = etsSeasonRule(sp, spec, m, n); err != nil {
		return nil, err
	}
	restricted := func(e, t, s int) bool {
		if o.Unrestricted {
			return false
		}
		return (e == etsAdd && (t == etsMult || s == etsMult)) || (e == etsMult && t == etsMult && s == etsAdd) ||
			(o.AdditiveOnly && (e == etsMult || t == etsMult || s == etsMult))
	}
	if sp.e >= 0 && sp.t >= 0 && sp.s >= 0 && restricted(sp.e, sp.t, sp.s) {
		return nil, etsErrf(etsErrInvalid, "model %s is a forbidden combination (set Unrestricted to allow it)", spec)
	}
	positive := true
	for _, v := range y {
		if v <= 0 {
			positive = false
			break
		}
	}
	// Positivity for explicit M components and R's "too short" count
	// (R would fall back to Holt-Winters there).
	req := etsRequirements(sp, spec, m)
	req.Model = "" // the *ETSError around names the model
	if err := req.Check(y, m); err != nil {
		return nil, err
	}
	es := []int{sp.e}
	if sp.e == -1 {
		es = []int{etsAdd, etsMult}
	}
	ts := []int{sp.t}
	if sp.t == -1 {
		ts = []int{etsNone, etsAdd}
		if o.AllowMultiplicativeTrend {
			ts = append(ts, etsMult)
		}
	}
	ss := []int{sp.s}
	if sp.s == -1 {
		ss = []int{etsNone, etsAdd, etsMult}
	}
	ds := []bool{sp.damped == 1}
	if sp.damped == -1 {
		ds = []bool{true, false}
	}
	if o.InitialStates != nil {
		return etsFixedFit(y, m, sp, set, o)
	}
	w := &etsWork{}
	var best *ETS
	bestIC := math.Inf(1)
	var firstErr error
	for _, e := range es {
		for _, t := range ts {
			for _, s := range ss {
				for _, d := range ds {
					if t == etsNone && d {
						continue
					}
					if restricted(e, t, s) {
						continue
					}
					if !positive && (e == etsMult || t == etsMult || s == etsMult) {
						continue
					}
					fit, err := etsFitModel(w, y, m, e, t, s, d, set)
					if err != nil {
						if firstErr == nil {
							firstErr = err
						}
						continue
					}
					ic := fit.aicc
					switch set.ic {
					case 1:
						ic = fit.aic
					case 2:
						ic = fit.bic
					}
					if !math.IsNaN(ic) && ic < bestIC {
						best, bestIC = fit, ic
					}
				}
			}
		}
	}
	if best == nil {
		if firstErr != nil && len(es)*len(ts)*len(ss)*len(ds) == 1 {
			return nil, firstErr
		}
		return nil, etsErrf(etsErrFit, "no model could be fitted")
	}
	best.seed, best.npaths = o.Seed, o.NPaths
	if best.npaths == 0 {
		best.npaths = 5000
	}
	return best, nil
}

// etsConstant is R's fallback for constant data: simple exponential
// smoothing with alpha = 0.99999 started at the constant.
func etsConstant(y []float64) *ETS {
	n := len(y)
	f := &ETS{errT: etsAdd, m: 1, alpha: 0.99999, phi: 1, p: 1,
		states: make([]float64, n+1), fitted: make([]float64, n), resid: make([]float64, n),
		loglik: math.Inf(1), aic: math.Inf(-1), aicc: math.Inf(-1), bic: math.Inf(-1), npar: 2,
		constantFallback: true, npaths: 5000}
	for i := range f.states {
		f.states[i] = y[0]
	}
	copy(f.fitted, y)
	return f
}
