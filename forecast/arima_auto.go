package forecast

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"math/cmplx"
	"runtime"
	"slices"
	"sync"
)

// ARIMAIC is the information criterion AutoARIMA minimises.
type ARIMAIC string

// Information criteria; "" means AICc.
const (
	ARIMAICAICc ARIMAIC = "aicc"
	ARIMAICAIC  ARIMAIC = "aic"
	ARIMAICBIC  ARIMAIC = "bic"
)

// ARIMAApprox says whether AutoARIMA searches with the CSS approximation.
type ARIMAApprox int

// Approximation modes. The zero value follows R: approximate when the series
// has more than 150 values or the period exceeds 12.
const (
	ARIMAApproxAuto ARIMAApprox = iota
	ARIMAApproxOn
	ARIMAApproxOff
)

// AutoARIMAOptions are the options of [AutoARIMA]. A nil pointer and the zero
// value give R's auto.arima defaults: max.p = max.q = 5, max.P = max.Q = 2,
// max.order = 5 (exhaustive search only), max.d = 2, max.D = 1, stepwise
// search by AICc from start orders (2,2)(1,1), at most 94 models, KPSS
// (alpha 0.05) for d, the seasonal-strength test for D, drift and mean
// allowed.
//
// For the integer limits, 0 means R's default; a negative value means 0
// (for example MaxSP: -1 forbids seasonal AR terms).
type AutoARIMAOptions struct {
	MaxP, MaxQ, MaxSP, MaxSQ int
	// MaxOrder bounds p+q+P+Q in the exhaustive search.
	MaxOrder int
	// MaxD and MaxSD bound the differencing orders the tests may choose.
	MaxD, MaxSD int
	// D and SD fix the differencing orders instead of testing; nil tests.
	D, SD *int
	// Stationary restricts the search to d = D = 0.
	Stationary bool
	// NonSeasonal ignores the period (R's seasonal = FALSE).
	NonSeasonal bool
	// IC is the criterion; "" means AICc.
	IC ARIMAIC
	// Exhaustive fits every model within the limits (R's stepwise = FALSE),
	// in parallel on Workers goroutines (0 means GOMAXPROCS).
	Exhaustive bool
	Workers    int
	// NModels bounds the stepwise search (0 means 94).
	NModels int
	// Approximation controls the CSS approximation during the search.
	Approximation ARIMAApprox
	// Method, when set, is used for every fit (R's method argument).
	Method ARIMAMethod
	// NoDrift and NoMean forbid the drift and the mean (R's allowdrift =
	// FALSE, allowmean = FALSE).
	NoDrift, NoMean bool
	// OCSB chooses D by the OCSB test instead of seasonal strength
	// (seasonal.test = "ocsb").
	OCSB bool
	// Regressors are external regressors, as in [ARIMAOptions].
	Regressors []Regressor
}

// arimaCand is one row of auto.arima's results table.
type arimaCand struct {
	p, d, q, sp, sd, sq int
	constant            bool
	ic                  float64
}

// arimaSearch carries the state of one AutoARIMA run.
type arimaSearch struct {
	x        []float64
	period   int // m: 1 when non-seasonal
	ic       ARIMAIC
	method   ARIMAMethod
	offset   float64
	regs     []Regressor
	n        int // non-missing count between first and last observation
	approxOn bool
}

// fit is forecast's myarima: one candidate, returning the model and its
// criterion (+Inf when the fit fails or has roots near the unit circle).
func (s *arimaSearch) fit(o Order, constant, approx bool) (*ARIMA, float64) {
	method := s.method
	if method == "" {
		method = ARIMAMethodCSSML
		if approx {
			method = ARIMAMethodCSS
		}
	}
	diffs := o.D + o.SD
	period := s.period
	useSeason := o.SP+o.SD+o.SQ > 0 && period > 1
	if !useSeason {
		period = max(s.period, 1)
	}
	m, err := arimaFitPublic(s.x, period, o, constant && diffs == 0, constant && diffs == 1, method, s.regs, nil)
	if err != nil {
		return nil, math.Inf(1)
	}
	fr := m.fit
	nstar := float64(s.n - o.D - o.SD*max(s.period, 1))
	npar := 1.0
	for _, b := range fr.mask {
		if b {
			npar++
		}
	}
	aic := fr.aic
	if method == ARIMAMethodCSS {
		aic = s.offset + nstar*math.Log(fr.sigma2) + 2*npar
	}
	var ic float64
	if math.IsNaN(aic) {
		return m, math.Inf(1)
	}
	bic := aic + npar*(math.Log(nstar)-2)
	aicc := aic + 2*npar*(npar+1)/(nstar-npar-1)
	switch s.ic {
	case ARIMAICAIC:
		ic = aic
	case ARIMAICBIC:
		ic = bic
	default:
		ic = aicc
	}
	if method == ARIMAMethodCSS {
		m.fit.aic = aic
		m.aicc, m.bic = aicc, bic
	}
	if arimaMinRoot(fr.model.phi, -1) < 1.01 || arimaMinRoot(fr.model.theta, 1) < 1.01 {
		ic = math.Inf(1)
	}
	if !arimaVarOK(fr) {
		ic = math.Inf(1)
	}
	return m, ic
}

// arimaMinRoot is the smallest root modulus of 1 + sign·(c1 z + c2 z² …)
// after trimming coefficients below 1e-8 at the end (2 when there are none).
func arimaMinRoot(c []float64, sign float64) float64 {
	last := -1
	for i, v := range c {
		if math.Abs(v) > 1e-8 {
			last = i
		}
	}
	if last < 0 {
		return 2
	}
	poly := make([]float64, last+2)
	poly[0] = 1
	for i := 0; i <= last; i++ {
		poly[i+1] = sign * c[i]
	}
	roots, ok := arimaPolyRoots(poly)
	if !ok {
		return 0
	}
	mr := 2.0
	for _, r := range roots {
		mr = math.Min(mr, cmplx.Abs(r))
	}
	return mr
}

// arimaVarOK is the negation of forecast's checkarima: no negative variance
// on the diagonal of var.coef.
func arimaVarOK(fr *arimaFitResult) bool {
	nf := 0
	for _, b := range fr.mask {
		if b {
			nf++
		}
	}
	for i := range nf {
		v := fr.vcov[i*nf+i]
		if math.IsNaN(math.Sqrt(v)) {
			return false
		}
	}
	return true
}

// AutoARIMA selects and fits a seasonal ARIMA model as R's
// forecast::auto.arima does (Hyndman & Khandakar 2008): KPSS tests choose d,
// the seasonal-strength (or OCSB) test chooses D, then a stepwise search
// over (p,q)(P,Q) and the constant minimises AICc, rejecting models with
// AR or MA roots within 1/1.01 of the unit circle. Long series (more than
// 150 values or a period above 12) are searched with the CSS approximation
// and the best models refitted exactly. With Exhaustive set, every model
// within the limits is fitted, in parallel.
//
// Missing values (NaN) are allowed; leading ones are dropped. A constant
// series gives ARIMA(0,0,0) with its mean (or zero mean), whose forecasts
// repeat the first observed value with zero-width intervals, as R's.
func AutoARIMA(y []float64, period int, opts *AutoARIMAOptions) (*ARIMA, error) {
	var o AutoARIMAOptions
	if opts != nil {
		o = *opts
	}
	fail := func(err error) (*ARIMA, error) {
		var ae *ARIMAError
		if errors.As(err, &ae) {
			return nil, err
		}
		return nil, &ARIMAError{Op: "auto", Err: err}
	}
	if err := arimaValidate(y, period, o.Regressors); err != nil {
		return fail(err)
	}
	switch o.Method {
	case "", ARIMAMethodCSSML, ARIMAMethodML, ARIMAMethodCSS:
	default:
		return fail(fmt.Errorf("%w: unknown method %q", ErrInvalid, o.Method))
	}
	switch o.IC {
	case "", ARIMAICAICc, ARIMAICAIC, ARIMAICBIC:
	default:
		return fail(fmt.Errorf("%w: unknown criterion %q", ErrInvalid, o.IC))
	}
	def := func(v, d int) int {
		if v == 0 {
			return d
		}
		return max(v, 0)
	}
	maxP, maxQ := def(o.MaxP, 5), def(o.MaxQ, 5)
	maxSP, maxSQ := def(o.MaxSP, 2), def(o.MaxSQ, 2)
	maxOrder := def(o.MaxOrder, 5)
	maxD, maxSD := def(o.MaxD, 2), def(o.MaxSD, 1)
	nmodels := def(o.NModels, 94)

	first, last := -1, -1
	for i, v := range y {
		if !math.IsNaN(v) {
			if first < 0 {
				first = i
			}
			last = i
		}
	}
	serieslength := 0
	for i := first; i <= last; i++ {
		if !math.IsNaN(y[i]) {
			serieslength++
		}
	}
	x := y[first:]
	regs := make([]Regressor, len(o.Regressors))
	for j, r := range o.Regressors {
		regs[j] = Regressor{Name: r.Name, Values: r.Values[first:]}
	}
	ic := o.IC
	if ic == "" {
		ic = ARIMAICAICc
	}

	if kpssIsConstant(x) {
		mean := 0.0
		for _, v := range x {
			if !math.IsNaN(v) {
				mean += v
			}
		}
		mean /= float64(serieslength)
		var m *ARIMA
		var err error
		if !o.NoMean {
			m, err = arimaFitPublic(x, max(period, 1), Order{}, true, false, o.Method, nil, []float64{mean})
		} else {
			m, err = arimaFitPublic(x, max(period, 1), Order{}, false, false, o.Method, nil, nil)
		}
		if err != nil {
			return fail(err)
		}
		m.constant = true
		m.y0 = y[first]
		return m, nil
	}

	m := period
	if o.NonSeasonal {
		m = 1
	}
	maxP = min(maxP, serieslength/3)
	maxQ = min(maxQ, serieslength/3)
	maxSP = min(maxSP, serieslength/3/m)
	maxSQ = min(maxSQ, serieslength/3/m)
	if serieslength <= 3 {
		ic = ARIMAICAIC
	}

	// Regressors: drop constant columns, check rank, work on residuals.
	xx := x
	var xregg []Regressor
	for _, r := range regs {
		if !kpssIsConstant(r.Values) {
			xregg = append(xregg, r)
		}
	}
	if len(xregg) > 0 {
		cols := make([][]float64, 0, len(xregg)+1)
		one := make([]float64, len(x))
		for i := range one {
			one[i] = 1
		}
		cols = append(cols, one)
		for _, r := range xregg {
			cols = append(cols, r.Values)
		}
		coef, _, rank := arimaOLS(x, cols)
		if rank < len(cols) {
			return fail(fmt.Errorf("%w: regressors are rank deficient", ErrInvalid))
		}
		xx = make([]float64, len(x))
		for t := range x {
			f := 0.0
			ok := !math.IsNaN(x[t])
			for j := range cols {
				if math.IsNaN(cols[j][t]) {
					ok = false
				}
				f += cols[j][t] * coef[j]
			}
			if ok {
				xx[t] = x[t] - f
			} else {
				xx[t] = x[t]
			}
		}
	}

	d, D := -1, -1
	if o.D != nil {
		d = max(*o.D, 0)
	}
	if o.SD != nil {
		D = max(*o.SD, 0)
	}
	if o.Stationary {
		d, D = 0, 0
	}
	regConstAfter := func(lag, times int, cols []Regressor) bool {
		for _, r := range cols {
			v := r.Values
			for range times {
				v = arimaDiff(v, lag)
			}
			if kpssIsConstant(v) {
				return true
			}
		}
		return false
	}
	allNaN := func(v []float64) bool {
		for _, f := range v {
			if !math.IsNaN(f) {
				return false
			}
		}
		return true
	}
	if m == 1 {
		D, maxSP, maxSQ = 0, 0, 0
	} else if D < 0 && len(xx) <= 2*m {
		D = 0
	} else if D < 0 {
		D = kpssNSDiffs(xx, m, maxSD, o.OCSB)
		if D > 0 && len(xregg) > 0 && regConstAfter(m, D, xregg) {
			D--
		}
		if D > 0 {
			dx := xx
			for range D {
				dx = arimaDiff(dx, m)
			}
			if allNaN(dx) {
				D--
			}
		}
	}
	dx := xx
	for range D {
		dx = arimaDiff(dx, m)
	}
	var diffxreg []Regressor
	for _, r := range xregg {
		v := r.Values
		for range D {
			v = arimaDiff(v, m)
		}
		diffxreg = append(diffxreg, Regressor{Name: r.Name, Values: v})
	}
	if d < 0 {
		d = kpssNDiffs(dx, maxD)
		if d > 0 && len(diffxreg) > 0 && regConstAfter(1, d, diffxreg) {
			d--
		}
		if d > 0 {
			ddx := dx
			for range d {
				ddx = arimaDiff(ddx, 1)
			}
			if allNaN(ddx) {
				d--
			}
		}
	}
	for range d {
		dx = arimaDiff(dx, 1)
	}
	if len(dx) == 0 {
		return fail(fmt.Errorf("%w: not enough data to proceed", ErrARIMAFit))
	}
	if kpssIsConstant(dx) {
		return arimaAutoConstantDiff(x, y[first], m, d, D, dx, regs, o.Method, fail)
	}
	if m > 1 {
		if maxSP > 0 {
			maxP = min(maxP, m-1)
		}
		if maxSQ > 0 {
			maxQ = min(maxQ, m-1)
		}
	}
	approx := len(x) > 150 || m > 12
	switch o.Approximation {
	case ARIMAApproxOn:
		approx = true
	case ARIMAApproxOff:
		approx = false
	}
	s := &arimaSearch{x: x, period: m, ic: ic, method: o.Method, regs: regs, n: serieslength, approxOn: approx}
	if approx {
		// offset from stats::arima(x, order = c(0,d,0), seasonal = c(0,D,0),
		// xreg), which includes a mean when d = D = 0.
		mm, err := arimaFitPublic(x, m, Order{D: d, SD: D}, true, false, ARIMAMethodCSSML, regs, nil)
		if err == nil {
			s.offset = -2*mm.fit.loglik - float64(serieslength)*math.Log(mm.fit.sigma2)
		}
	}
	allowDrift := !o.NoDrift && d+D == 1
	allowMean := !o.NoMean && d+D == 0
	constant := allowDrift || allowMean

	var best *ARIMA
	var bestIC float64
	if o.Exhaustive {
		best, bestIC = s.exhaustive(d, D, maxP, maxQ, maxSP, maxSQ, maxOrder, allowDrift || allowMean, approx, o.Workers)
	} else {
		best, bestIC = s.stepwise(d, D, maxP, maxQ, maxSP, maxSQ, constant, allowDrift, allowMean, approx, nmodels, len(x))
	}
	if best == nil || math.IsInf(bestIC, 1) {
		if !(o.Method == ARIMAMethodCSS && best != nil) {
			return fail(fmt.Errorf("%w: no suitable ARIMA model found", ErrARIMAFit))
		}
	}
	return best, nil
}

// arimaAutoConstantDiff handles auto.arima's case of a differenced series
// that is constant (a polynomial trend or a fixed seasonal pattern).
func arimaAutoConstantDiff(x []float64, y0 float64, m, d, D int, dx []float64, regs []Regressor, method ARIMAMethod, fail func(error) (*ARIMA, error)) (*ARIMA, error) {
	mean := 0.0
	cnt := 0
	for _, v := range dx {
		if !math.IsNaN(v) {
			mean += v
			cnt++
		}
	}
	mean /= float64(cnt)
	var mdl *ARIMA
	var err error
	o := Order{D: d, SD: D}
	switch {
	case len(regs) > 0:
		mdl, err = arimaFitPublic(x, m, o, true, false, method, regs, nil)
	case D > 0 && d == 0:
		mdl, err = arimaFitPublic(x, m, o, true, D == 1, method, nil, []float64{mean / float64(m)})
	case D > 0 && d > 0:
		mdl, err = arimaFitPublic(x, m, o, false, false, method, nil, nil)
	case d == 2:
		mdl, err = arimaFitPublic(x, m, o, false, false, method, nil, nil)
	case d < 2:
		mdl, err = arimaFitPublic(x, m, o, true, d == 1, method, nil, []float64{mean})
	default:
		return fail(fmt.Errorf("%w: data follow a simple polynomial and are not suitable for ARIMA modelling", ErrARIMAFit))
	}
	if err != nil {
		return fail(err)
	}
	_ = y0
	return mdl, nil
}

// stepwise is the Hyndman–Khandakar search of auto.arima (stepwise = TRUE).
func (s *arimaSearch) stepwise(d, D, maxP, maxQ, maxSP, maxSQ int, constant, allowDrift, allowMean, approx bool, nmodels, nx int) (*ARIMA, float64) {
	startP, startQ, startSP, startSQ := 2, 2, 1, 1
	if nx < 10 {
		startP, startQ, startSP, startSQ = min(startP, 1), min(startQ, 1), 0, 0
	}
	p := min(startP, maxP)
	q := min(startQ, maxQ)
	P := min(startSP, maxSP)
	Q := min(startSQ, maxSQ)
	results := make([]arimaCand, 0, nmodels)
	b2i := func(b bool) int {
		if b {
			return 1
		}
		return 0
	}
	m := s.period
	seasOK := m > 1
	try := func(p, q, P, Q int, c bool) (*ARIMA, float64) {
		mdl, ic := s.fit(Order{P: p, D: d, Q: q, SP: P, SD: D, SQ: Q}, c, approx)
		results = append(results, arimaCand{p, d, q, P, D, Q, c, ic})
		return mdl, ic
	}
	best, bestIC := try(p, q, P, Q, constant)
	if f, ic := try(0, 0, 0, 0, constant); ic < bestIC {
		best, bestIC = f, ic
		p, q, P, Q = 0, 0, 0, 0
	}
	if maxP > 0 || maxSP > 0 {
		pp := b2i(maxP > 0)
		ps := b2i(seasOK && maxSP > 0)
		if f, ic := try(pp, 0, ps, 0, constant); ic < bestIC {
			best, bestIC = f, ic
			p, P, q, Q = pp, ps, 0, 0
		}
	}
	if maxQ > 0 || maxSQ > 0 {
		qq := b2i(maxQ > 0)
		qs := b2i(seasOK && maxSQ > 0)
		if f, ic := try(0, qq, 0, qs, constant); ic < bestIC {
			best, bestIC = f, ic
			p, P, Q, q = 0, 0, qs, qq
		}
	}
	if constant {
		if f, ic := try(0, 0, 0, 0, false); ic < bestIC {
			best, bestIC = f, ic
			p, q, P, Q = 0, 0, 0, 0
		}
	}
	newmodel := func(p, q, P, Q int, c bool) bool {
		for _, r := range results {
			if r.p == p && r.d == d && r.q == q && r.sp == P && r.sd == D && r.sq == Q && r.constant == c {
				return false
			}
		}
		return true
	}
	k := len(results)
	startk := 0
	for startk < k && k < nmodels {
		startk = k
		type move struct {
			ok         bool
			p, q, P, Q int
		}
		moves := []move{
			{P > 0, p, q, P - 1, Q},
			{Q > 0, p, q, P, Q - 1},
			{P < maxSP, p, q, P + 1, Q},
			{Q < maxSQ, p, q, P, Q + 1},
			{Q > 0 && P > 0, p, q, P - 1, Q - 1},
			{Q < maxSQ && P > 0, p, q, P - 1, Q + 1},
			{Q > 0 && P < maxSP, p, q, P + 1, Q - 1},
			{Q < maxSQ && P < maxSP, p, q, P + 1, Q + 1},
			{p > 0, p - 1, q, P, Q},
			{q > 0, p, q - 1, P, Q},
			{p < maxP, p + 1, q, P, Q},
			{q < maxQ, p, q + 1, P, Q},
			{q > 0 && p > 0, p - 1, q - 1, P, Q},
			{q < maxQ && p > 0, p - 1, q + 1, P, Q},
			{q > 0 && p < maxP, p + 1, q - 1, P, Q},
			{q < maxQ && p < maxP, p + 1, q + 1, P, Q},
		}
		improved := false
		stop := false
		for _, mv := range moves {
			if !mv.ok || !newmodel(mv.p, mv.q, mv.P, mv.Q, constant) {
				continue
			}
			k++
			if k > nmodels {
				stop = true
				break
			}
			if f, ic := try(mv.p, mv.q, mv.P, mv.Q, constant); ic < bestIC {
				best, bestIC = f, ic
				p, q, P, Q = mv.p, mv.q, mv.P, mv.Q
				improved = true
				break
			}
		}
		if stop || improved {
			continue
		}
		if allowDrift || allowMean {
			if newmodel(p, q, P, Q, !constant) {
				k++
				if k > nmodels {
					continue
				}
				if f, ic := try(p, q, P, Q, !constant); ic < bestIC {
					best, bestIC = f, ic
					constant = !constant
				}
			}
		}
	}
	if approx && best != nil {
		// Refit the candidates without approximation in order of their
		// approximate criterion; the first that fits wins.
		order := make([]int, len(results))
		for i := range order {
			order[i] = i
		}
		slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(results[a].ic, results[b].ic) })
		best, bestIC = nil, math.Inf(1)
		for _, i := range order {
			r := results[i]
			f, ic := s.fit(Order{P: r.p, D: d, Q: r.q, SP: r.sp, SD: D, SQ: r.sq}, r.constant, false)
			if ic < math.Inf(1) {
				best, bestIC = f, ic
				break
			}
		}
	}
	return best, bestIC
}

// exhaustive is search.arima: every model with p+q+P+Q ≤ maxOrder, fitted on
// a bounded pool of goroutines; ties go to the first in R's loop order.
func (s *arimaSearch) exhaustive(d, D, maxP, maxQ, maxSP, maxSQ, maxOrder int, maxK, approx bool, workers int) (*ARIMA, float64) {
	type job struct {
		idx int
		o   Order
		c   bool
	}
	var jobs []job
	for i := 0; i <= maxP; i++ {
		for j := 0; j <= maxQ; j++ {
			for I := 0; I <= maxSP; I++ {
				for J := 0; J <= maxSQ; J++ {
					if i+j+I+J > maxOrder {
						continue
					}
					for K := 0; K <= arimaB2I(maxK); K++ {
						jobs = append(jobs, job{len(jobs), Order{P: i, D: d, Q: j, SP: I, SD: D, SQ: J}, K == 1})
					}
				}
			}
		}
	}
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	workers = min(workers, len(jobs))
	fits := make([]*ARIMA, len(jobs))
	ics := make([]float64, len(jobs))
	ch := make(chan job)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for jb := range ch {
				fits[jb.idx], ics[jb.idx] = s.fit(jb.o, jb.c, approx)
			}
		}()
	}
	for _, jb := range jobs {
		ch <- jb
	}
	close(ch)
	wg.Wait()
	bi := -1
	bestIC := math.Inf(1)
	for i, ic := range ics {
		if ic < bestIC {
			bi, bestIC = i, ic
		}
	}
	if bi < 0 {
		return nil, math.Inf(1)
	}
	best := fits[bi]
	if approx {
		f, ic := s.fit(jobs[bi].o, jobs[bi].c, false)
		if math.IsInf(ic, 1) {
			return s.exhaustive(d, D, maxP, maxQ, maxSP, maxSQ, maxOrder, maxK, false, workers)
		}
		return f, ic
	}
	return best, bestIC
}

func arimaB2I(b bool) int {
	if b {
		return 1
	}
	return 0
}
