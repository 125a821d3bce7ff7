package forecast

import (
	"math"

	"github.com/crmkit/crmkit/internal/optim"
)

// etsWork is the per-call workspace shared by the candidate models of one
// FitETS call.
type etsWork struct {
	k     etsKernel
	nm    optim.NelderMead
	state []float64
}

// etsAdmissible is R's admissibility test (forecast's etsTargetFunction.cpp
// admissible()): the parameters give a forecastable model. hasBeta/hasGamma
// say whether the model has (optimised or fixed) beta and gamma; m is the
// seasonal period of the recursion.
func etsAdmissible(alpha, beta, gamma, phi float64, m int, hasBeta, hasGamma bool) bool {
	if phi < 0 || phi > 1+1e-8 {
		return false
	}
	if !hasGamma {
		if alpha < 1-1/phi || alpha > 1+1/phi {
			return false
		}
		if hasBeta && (beta < alpha*(phi-1) || beta > (1+phi)*(2-alpha)) {
			return false
		}
		return true
	}
	if m <= 1 {
		return true
	}
	if !hasBeta {
		beta = 0
	}
	d := 1 - 1/phi - alpha
	if gamma < max(d, 0) || gamma > 1+1/phi-alpha {
		return false
	}
	fm := float64(m)
	if alpha < 1-1/phi-gamma*(1-fm+phi+phi*fm)/(2*phi*fm) {
		return false
	}
	if beta < -(1-phi)*(gamma/fm+alpha) {
		return false
	}
	// Characteristic polynomial, decreasing powers, degree m+1:
	// z^{m+1} + (α+β−φ)z^m + (α+β−αφ)(z^{m−1}+…+z²) + (α+β−αφ+γ−1)z + φ(1−α−γ).
	// R rejects when a root has modulus above 1+1e-10.
	var cbuf [26]float64
	c := cbuf[:m+2]
	c[0] = 1
	c[1] = alpha + beta - phi
	for i := 2; i < m; i++ {
		c[i] = alpha + beta - alpha*phi
	}
	c[m] = alpha + beta - alpha*phi + gamma - 1
	c[m+1] = phi * (1 - alpha - gamma)
	if !hasBeta && math.Abs(phi-1) < 1e-12 {
		// Without trend and damping z = 1 is an exact root (the
		// coefficients sum to 0); divide it out so that the
		// stability test below is not decided by rounding.
		for i := 1; i <= m; i++ {
			c[i] += c[i-1]
		}
		c = c[:m+1]
	}
	return etsRootsWithin(c, 1+1e-10)
}

// etsRootsWithin reports whether every root of the monic polynomial c
// (decreasing powers) has modulus below r, by the Schur-Cohn (Levinson
// step-down) test on the polynomial scaled to the unit circle.
func etsRootsWithin(c []float64, r float64) bool {
	var abuf [26]float64
	d := len(c) - 1
	a := abuf[:d+1]
	sc := 1.0
	for i := range a {
		a[i] = c[i] * sc
		sc /= r
	}
	for p := d; p >= 1; p-- {
		k := a[p]
		if !(math.Abs(k) < 1) {
			return false
		}
		inv := 1 / (1 - k*k)
		// a'[i] = (a[i] − k·a[p−i]) / (1 − k²), computed in symmetric pairs
		// so that it can run in place.
		for i, j := 1, p-1; i <= j; i, j = i+1, j-1 {
			ai, aj := a[i], a[j]
			a[i] = (ai - k*aj) * inv
			a[j] = (aj - k*ai) * inv
		}
	}
	return true
}

// etsFitModel is R's etsmodel(): estimate one ETS model by minimising
// opt.crit with Nelder-Mead from R's starting values.
func etsFitModel(w *etsWork, y []float64, period, errT, trendT, seasT int, damped bool, set etsSettings) (*ETS, error) {
	n := len(y)
	m := 1
	if seasT != etsNone {
		m = period
	}
	lower, upper := set.lower, set.upper
	var fixA, fixB, fixG, fixP = set.alpha, set.beta, set.gamma, set.phi
	if trendT == etsNone {
		fixB = nil
	}
	if seasT == etsNone {
		fixG = nil
	}
	if !damped {
		fixP = nil
	}
	if fixA != nil {
		upper[1] = min(*fixA, upper[1])
		upper[2] = min(1-*fixA, upper[2])
	}
	if fixB != nil {
		lower[0] = max(*fixB, lower[0])
	}
	if fixG != nil {
		upper[0] = min(1-*fixG, upper[0])
	}
	// initparam
	il, iu := lower, upper
	if set.bounds == 2 {
		for i := range 3 {
			il[i], iu[i] = 0, 0.001
		}
	}
	var par []float64
	alpha, beta, gamma, phi := 0.0, 0.0, 0.0, 1.0
	optA, optB, optG, optP := fixA == nil, trendT != etsNone && fixB == nil, seasT != etsNone && fixG == nil, damped && fixP == nil
	if optA {
		alpha = il[0] + 0.2*(iu[0]-il[0])/float64(m)
		if alpha > 1 || alpha < 0 {
			alpha = il[0] + 0.002
		}
		par = append(par, alpha)
	} else {
		alpha = *fixA
	}
	if trendT != etsNone {
		if optB {
			iu[1] = min(iu[1], alpha)
			beta = il[1] + 0.1*(iu[1]-il[1])
			if beta < 0 || beta > alpha {
				beta = alpha - 0.001
			}
			par = append(par, beta)
		} else {
			beta = *fixB
		}
	}
	if seasT != etsNone {
		if optG {
			iu[2] = min(iu[2], 1-alpha)
			gamma = il[2] + 0.05*(iu[2]-il[2])
			if gamma < 0 || gamma > 1-alpha {
				gamma = 1 - alpha - 0.001
			}
			par = append(par, gamma)
		} else {
			gamma = *fixG
		}
	}
	if damped {
		if optP {
			phi = il[3] + 0.99*(iu[3]-il[3])
			if phi < 0 || phi > 1 {
				phi = iu[3] - 0.001
			}
			par = append(par, phi)
		} else {
			phi = *fixP
		}
	}
	hasB, hasG := trendT != etsNone, seasT != etsNone
	if !etsCheckParam(alpha, beta, gamma, phi, lower, upper, set.bounds, m, [4]bool{true, hasB, hasG, damped}, hasB, hasG, damped) {
		return nil, etsErrf(etsErrInvalid, "parameters out of range")
	}
	init, err := etsInitState(y, period, trendT, seasT)
	if err != nil {
		return nil, err
	}
	npar := len(par)
	par = append(par, init...)
	np := len(par)
	if np >= n-1 {
		return nil, etsErrf(etsErrShort, "%d parameters for %d observations", np, n)
	}
	w.k.reset(y, m, errT, trendT, seasT)
	p := 1 + etsB2i(hasB) + m*etsB2i(hasG)
	if cap(w.state) < p {
		w.state = make([]float64, p)
	}
	state := w.state[:p]
	crit := set.crit
	nmse := set.nmse
	var amse []float64
	var tr *etsTrace
	if crit == etsCritAMSE {
		amse = make([]float64, nmse)
		tr = &etsTrace{amse: amse}
	}
	sOff := 1 + etsB2i(hasB)
	chk := [4]bool{optA, optB, optG, optP}
	obj := func(x []float64) float64 {
		a, b, g, ph := alpha, beta, gamma, phi
		j := 0
		if optA {
			a = x[j]
			j++
		}
		if optB {
			b = x[j]
			j++
		}
		if optG {
			g = x[j]
			j++
		}
		if optP {
			ph = x[j]
			j++
		}
		if !etsCheckParam(a, b, g, ph, lower, upper, set.bounds, m, chk, hasB, hasG, damped) {
			return math.Inf(1)
		}
		copy(state, x[j:])
		if hasG {
			sum := 0.0
			for _, v := range state[sOff : p-1] {
				sum += v
			}
			last := -sum
			if seasT == etsMult {
				last += float64(m)
			}
			state[p-1] = last
			if seasT == etsMult {
				for _, v := range state[sOff:] {
					if v < 0 {
						return math.Inf(1)
					}
				}
			}
		}
		var lik, mse float64
		if crit == etsCritLik || crit == etsCritMSE {
			lik, mse = w.k.lik(state, a, b, g, ph)
		} else {
			lik, mse = w.k.run(state, a, b, g, ph, crit, nmse, tr)
		}
		lik = max(lik, -1e10)
		if math.IsNaN(lik) {
			return math.Inf(1)
		}
		switch crit {
		case etsCritLik:
			return lik
		case etsCritAMSE:
			var s float64
			for _, v := range amse {
				s += v
			}
			return s / float64(nmse)
		}
		return mse
	}
	res := w.nm.Minimize(obj, par, par, optim.NelderMeadSettings{MaxEval: set.maxEval})
	if res.Status == -1 {
		return nil, etsErrf(etsErrFit, "objective not finite at the starting values")
	}
	j := 0
	if optA {
		alpha = par[j]
		j++
	}
	if optB {
		beta = par[j]
		j++
	}
	if optG {
		gamma = par[j]
		j++
	}
	if optP {
		phi = par[j]
	}
	full := make([]float64, p)
	copy(full, par[npar:])
	if hasG {
		sum := 0.0
		for _, v := range full[sOff : p-1] {
			sum += v
		}
		full[p-1] = -sum
		if seasT == etsMult {
			full[p-1] += float64(m)
		}
	}
	nfixed := etsB2i(!optA) + etsB2i(hasB && !optB) + etsB2i(hasG && !optG) + etsB2i(damped && !optP)
	f, err := etsFinish(y, m, errT, trendT, seasT, damped, alpha, beta, gamma, phi, full, np+1, np+nfixed, nmse)
	if err != nil {
		return nil, err
	}
	return f, nil
}

// etsCheckParam is R's check.param (initial) and the C target's
// check_params (during optimisation): the usual bounds and/or
// admissibility. chk selects the parameters whose usual bounds are checked
// (alpha, beta, gamma, phi).
func etsCheckParam(alpha, beta, gamma, phi float64, lower, upper [4]float64, bounds, m int, chk [4]bool, hasB, hasG, damped bool) bool {
	if bounds != 2 {
		if chk[0] && (alpha < lower[0] || alpha > upper[0]) {
			return false
		}
		if chk[1] && (beta < lower[1] || beta > alpha || beta > upper[1]) {
			return false
		}
		if chk[3] && (phi < lower[3] || phi > upper[3]) {
			return false
		}
		if chk[2] && (gamma < lower[2] || gamma > 1-alpha || gamma > upper[2]) {
			return false
		}
	}
	if bounds != 1 {
		if !damped {
			phi = 1
		}
		if !etsAdmissible(alpha, beta, gamma, phi, m, hasB, hasG) {
			return false
		}
	}
	return true
}

// etsFinish runs the final filtering pass and fills the model: npIC is the
// parameter count of the information criteria, npSigma the one sigma2
// divides by.
func etsFinish(y []float64, m, errT, trendT, seasT int, damped bool, alpha, beta, gamma, phi float64, x0 []float64, npIC, npSigma, nmse int) (*ETS, error) {
	n := len(y)
	p := len(x0)
	var k etsKernel
	k.reset(y, m, errT, trendT, seasT)
	tr := etsTrace{e: make([]float64, n), fits: make([]float64, n), states: make([]float64, (n+1)*p), amse: make([]float64, max(nmse, 1))}
	if !damped {
		phi = 1
	}
	lik, _ := k.run(x0, alpha, beta, gamma, phi, etsCritLik, nmse, &tr)
	if math.IsNaN(lik) {
		return nil, etsErrf(etsErrFit, "likelihood not finite")
	}
	f := &ETS{errT: errT, trendT: trendT, seasT: seasT, damped: damped, m: m,
		alpha: alpha, beta: beta, gamma: gamma, phi: phi, states: tr.states, p: p,
		fitted: tr.fits, resid: tr.e, npar: npIC}
	f.loglik = -0.5 * lik
	fnp, fn := float64(npIC), float64(n)
	f.aic = lik + 2*fnp
	f.bic = lik + math.Log(fn)*fnp
	f.aicc = f.aic + 2*fnp*(fnp+1)/(fn-fnp-1)
	f.mse = tr.amse[0]
	var s float64
	for _, v := range tr.amse {
		s += v
	}
	f.amse = s / float64(len(tr.amse))
	var sse float64
	for _, e := range tr.e {
		sse += e * e
	}
	f.sigma2 = sse / float64(n-npSigma)
	if n-npSigma <= 0 {
		f.sigma2 = math.NaN()
	}
	return f, nil
}

// etsFixedFit filters y with every parameter and the initial states given
// (R's ets(y, model = fit, use.initial.values = TRUE)).
func etsFixedFit(y []float64, period int, sp etsSpec, set etsSettings, o ETSOptions) (*ETS, error) {
	m := period
	if sp.s == etsNone {
		m = 1
	}
	p := 1 + etsB2i(sp.t != etsNone) + m*etsB2i(sp.s != etsNone)
	if len(o.InitialStates) != p {
		return nil, etsErrf(etsErrInvalid, "%d initial states, model needs %d (level, growth, seasons)", len(o.InitialStates), p)
	}
	need := func(v *float64, name string) (float64, error) {
		if v == nil {
			return 0, etsErrf(etsErrInvalid, "InitialStates need a fixed %s", name)
		}
		return *v, nil
	}
	nparams := 1
	alpha, err := need(set.alpha, "Alpha")
	if err != nil {
		return nil, err
	}
	beta, gamma, phi := 0.0, 0.0, 1.0
	if sp.t != etsNone {
		if beta, err = need(set.beta, "Beta"); err != nil {
			return nil, err
		}
		nparams++
	}
	if sp.s != etsNone {
		if gamma, err = need(set.gamma, "Gamma"); err != nil {
			return nil, err
		}
		nparams++
	}
	if sp.damped == 1 {
		if phi, err = need(set.phi, "Phi"); err != nil {
			return nil, err
		}
		nparams++
	}
	nfree := p
	if sp.s != etsNone {
		nfree--
	}
	np := nparams + nfree + 1
	x0 := append([]float64(nil), o.InitialStates...)
	f, err := etsFinish(y, m, sp.e, sp.t, sp.s, sp.damped == 1, alpha, beta, gamma, phi, x0, np, np, set.nmse)
	if err != nil {
		return nil, err
	}
	f.seed, f.npaths = o.Seed, o.NPaths
	if f.npaths == 0 {
		f.npaths = 5000
	}
	return f, nil
}
