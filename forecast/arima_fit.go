package forecast

import (
	"errors"
	"fmt"
	"math"
)

// arimaFitSpec is the input of arimaFitCore, R's stats::arima.
type arimaFitSpec struct {
	arma        arimaArma
	x           []float64   // NaN = missing
	xreg        [][]float64 // columns, each len(x)
	xnames      []string
	includeMean bool
	method      ARIMAMethod
	fixed       []float64 // nil, or narma+ncxreg (after the intercept) values, NaN = free
}

// arimaFitResult is what stats::arima returns.
type arimaFitResult struct {
	arma   arimaArma
	coef   []float64
	names  []string
	mask   []bool
	sigma2 float64   // stats::arima's ssq/n.used
	vcov   []float64 // free×free row-major
	loglik float64
	aic    float64 // NaN for CSS
	resid  []float64
	model  *arimaModel
	nUsed  int
	code   int
	xreg   [][]float64 // regressors in the final (original) basis, intercept first if added
	method ARIMAMethod
}

var (
	errArimaTooFew       = errors.New("too few non-missing observations")
	errArimaNonStatCSS   = errors.New("non-stationary AR part from CSS")
	errArimaRankDeficent = errors.New("regressors are rank deficient")
)

// arimaFitCore ports stats::arima (R 4) for SSinit = "Gardner1980",
// transform.pars = TRUE, optim BFGS with default control.
func arimaFitCore(sp arimaFitSpec) (*arimaFitResult, error) {
	arma := sp.arma
	x := sp.x
	n := len(x)
	delta := arimaDelta(arma.d, arma.sd, arma.s)
	nd := arma.d + arma.sd
	narma := arma.narma()
	nonNA := 0
	for _, v := range x {
		if !math.IsNaN(v) {
			nonNA++
		}
	}
	nUsed := nonNA - len(delta)
	xreg := make([][]float64, 0, len(sp.xreg)+1)
	names := make([]string, 0, narma+len(sp.xreg)+1)
	for i := range arma.p {
		names = append(names, fmt.Sprintf("ar%d", i+1))
	}
	for i := range arma.q {
		names = append(names, fmt.Sprintf("ma%d", i+1))
	}
	for i := range arma.sp {
		names = append(names, fmt.Sprintf("sar%d", i+1))
	}
	for i := range arma.sq {
		names = append(names, fmt.Sprintf("sma%d", i+1))
	}
	if sp.includeMean && nd == 0 {
		one := make([]float64, n)
		for i := range one {
			one[i] = 1
		}
		xreg = append(xreg, one)
		names = append(names, "intercept")
	}
	xreg = append(xreg, sp.xreg...)
	names = append(names, sp.xnames...)
	ncxreg := len(xreg)
	method := sp.method
	if method == "" {
		method = ARIMAMethodCSSML
	}
	if method == ARIMAMethodCSSML {
		anyNA := nonNA < n
		for _, col := range xreg {
			for _, v := range col {
				if math.IsNaN(v) {
					anyNA = true
				}
			}
		}
		if anyNA {
			method = ARIMAMethodML
		}
	}
	ncond := 0
	if method == ARIMAMethodCSS || method == ARIMAMethodCSSML {
		ncond = arma.d + arma.sd*arma.s + arma.p + arma.s*arma.sp
	}
	npar := narma + ncxreg
	fixed := sp.fixed
	if fixed == nil {
		fixed = make([]float64, npar)
		for i := range fixed {
			fixed[i] = math.NaN()
		}
	}
	if len(fixed) != npar {
		return nil, fmt.Errorf("wrong length for fixed: %d, want %d", len(fixed), npar)
	}
	mask := make([]bool, npar)
	nfree := 0
	for i, v := range fixed {
		mask[i] = math.IsNaN(v)
		if mask[i] {
			nfree++
		}
	}
	noOptim := nfree == 0
	transform := !noOptim
	if transform {
		for i := range arma.p {
			if !mask[i] {
				transform = false
			}
		}
		for i := range arma.sp {
			if !mask[arma.p+arma.q+i] {
				transform = false
			}
		}
	}
	init0 := make([]float64, narma, npar)
	parscale := make([]float64, narma, npar)
	for i := range parscale {
		parscale[i] = 1
	}
	var svdV []float64
	origXreg := true
	if ncxreg > 0 {
		origXreg = ncxreg == 1
		for i := range ncxreg {
			if !mask[narma+i] {
				origXreg = true
			}
		}
		if !origXreg {
			V, ok := arimaSVDV(xreg)
			if !ok {
				return nil, errArimaRankDeficent
			}
			svdV = V
			rot := make([][]float64, ncxreg)
			for j := range ncxreg {
				rot[j] = make([]float64, n)
				for t := range n {
					s := 0.0
					for k := range ncxreg {
						s += xreg[k][t] * V[k*ncxreg+j]
					}
					rot[j][t] = s
				}
			}
			xreg = rot
		}
		dx := append([]float64(nil), x...)
		dxreg := make([][]float64, ncxreg)
		for j := range ncxreg {
			dxreg[j] = append([]float64(nil), xreg[j]...)
		}
		diffLag := func(v []float64, lag, times int) []float64 {
			for range times {
				if len(v) <= lag {
					return v[:0]
				}
				out := make([]float64, len(v)-lag)
				for i := range out {
					out[i] = v[i+lag] - v[i]
				}
				v = out
			}
			return v
		}
		if arma.d > 0 {
			dx = diffLag(dx, 1, arma.d)
			for j := range dxreg {
				dxreg[j] = diffLag(dxreg[j], 1, arma.d)
			}
		}
		if arma.s > 1 && arma.sd > 0 {
			dx = diffLag(dx, arma.s, arma.sd)
			for j := range dxreg {
				dxreg[j] = diffLag(dxreg[j], arma.s, arma.sd)
			}
		}
		var coef, se []float64
		rank := 0
		if len(dx) > ncxreg {
			coef, se, rank = arimaOLS(dx, dxreg)
		}
		if rank == 0 {
			coef, se, rank = arimaOLS(x, xreg)
		}
		if rank < ncxreg {
			return nil, errArimaRankDeficent
		}
		cnt := 0
		for t := range n {
			ok := !math.IsNaN(x[t])
			for j := 0; j < ncxreg && ok; j++ {
				ok = !math.IsNaN(xreg[j][t])
			}
			if ok {
				cnt++
			}
		}
		nUsed = cnt - len(delta)
		init0 = append(init0, coef...)
		for _, s := range se {
			parscale = append(parscale, 10*s)
		}
	}
	if nUsed <= 0 {
		return nil, errArimaTooFew
	}
	init := append([]float64(nil), init0...)
	coef := append([]float64(nil), fixed...)
	var freeScale []float64
	for i := range npar {
		if mask[i] {
			freeScale = append(freeScale, parscale[i])
		}
	}
	for _, s := range freeScale {
		if !(s > 0) || math.IsInf(s, 0) {
			return nil, errArimaNonFinite
		}
	}

	pLen := arma.p + arma.s*arma.sp
	qLen := arma.q + arma.s*arma.sq
	phi := make([]float64, pLen)
	theta := make([]float64, qLen)
	scratch := make([]float64, npar)
	par := make([]float64, npar)
	xres := make([]float64, n)
	cssWork := make([]float64, n)
	fill := func(p []float64) {
		copy(par, coef)
		k := 0
		for i := range npar {
			if mask[i] {
				par[i] = p[k]
				k++
			}
		}
	}
	residualize := func(beta []float64) []float64 {
		if ncxreg == 0 {
			return x
		}
		for t := range n {
			s := x[t]
			for j := range ncxreg {
				s -= xreg[j][t] * beta[j]
			}
			xres[t] = s
		}
		return xres
	}
	armaCSS := func(p []float64) float64 {
		fill(p)
		arimaTransPars(par, arma, false, phi, theta, scratch)
		y := residualize(par[narma:])
		res := arimaCSS(y, arma, phi, theta, ncond, nil, cssWork)
		return 0.5 * math.Log(res)
	}
	var mod *arimaModel
	var work arimaWork
	// Without missing values the optimiser evaluates the likelihood by the
	// Chandrasekhar recursions on the differenced series (see
	// arimaLikeStationary); the reported likelihood is R's filter's.
	fastOK := nonNA == n
	for _, col := range xreg {
		for _, v := range col {
			if math.IsNaN(v) {
				fastOK = false
			}
		}
	}
	wbuf := make([]float64, max(n-len(delta), 0))
	var fastBuf []float64
	armafnExact := func(p []float64, trans bool) float64 {
		fill(p)
		arimaTransPars(par, arma, trans, phi, theta, scratch)
		if err := arimaResetModel(mod, phi, theta); err != nil {
			return math.MaxFloat64
		}
		y := residualize(par[narma:])
		ssq, sumlog, nu := arimaLike(y, mod, &work, nil)
		s2 := ssq / float64(nu)
		return 0.5 * (math.Log(s2) + sumlog/float64(nu))
	}
	armafn := func(p []float64, trans bool) float64 {
		if !fastOK {
			return armafnExact(p, trans)
		}
		fill(p)
		arimaTransPars(par, arma, trans, phi, theta, scratch)
		y := residualize(par[narma:])
		nd := len(delta)
		for t := nd; t < n; t++ {
			v := y[t]
			for k, dl := range delta {
				if dl != 0 {
					v -= dl * y[t-1-k]
				}
			}
			wbuf[t-nd] = v
		}
		if nb := arimaStationaryBuf(len(phi), len(theta)); len(fastBuf) < nb {
			fastBuf = make([]float64, nb)
		}
		ssq, sumlog, nu, ok := arimaLikeStationary(wbuf, phi, theta, fastBuf)
		if !ok {
			return armafnExact(p, trans)
		}
		s2 := ssq / float64(nu)
		return 0.5 * (math.Log(s2) + sumlog/float64(nu))
	}
	free := func(v []float64) []float64 {
		var out []float64
		for i := range npar {
			if mask[i] {
				out = append(out, v[i])
			}
		}
		return out
	}
	setFree := func(dst, p []float64) {
		k := 0
		for i := range npar {
			if mask[i] {
				dst[i] = p[k]
				k++
			}
		}
	}
	newOpt := func(fn func([]float64) float64) *arimaOptimizer {
		return &arimaOptimizer{fn: fn, parscale: freeScale, ndeps: 1e-3, maxit: 100, reltol: 1.4901161193847656e-08}
	}

	res := &arimaFitResult{arma: arma, names: names, mask: mask, method: method}
	var value float64
	var vcov []float64
	var sigma2 float64
	var resid []float64
	code := 0
	if method == ARIMAMethodCSS {
		var hess []float64
		if noOptim {
			value = armaCSS(nil)
		} else {
			o := newOpt(armaCSS)
			pOpt, v, hitMax, err := o.minimize(free(init))
			if err != nil {
				return nil, err
			}
			if hitMax {
				code = 1
			}
			value = v
			setFree(coef, pOpt)
			hess, err = o.hessian(pOpt)
			if err != nil {
				return nil, err
			}
		}
		arimaTransPars(coef, arma, false, phi, theta, scratch)
		m, err := arimaNewModel(phi, theta, delta, arimaKappa)
		if err != nil {
			return nil, err
		}
		y := residualize(coef[narma:])
		arimaLike(y, m, nil, nil)
		mod = m
		resid = make([]float64, n)
		sigma2 = arimaCSS(y, arma, phi, theta, ncond, resid, nil)
		if !noOptim {
			h := make([]float64, len(hess))
			for i, v := range hess {
				h[i] = v * float64(nUsed)
			}
			id := arimaIdentity(nfree)
			vcov, err = arimaSolve(h, nfree, id, nfree)
			if err != nil {
				return nil, err
			}
		}
	} else {
		if method == ARIMAMethodCSSML {
			if !noOptim {
				o := newOpt(armaCSS)
				pOpt, _, hitMax, err := o.minimize(free(init))
				if err != nil {
					return nil, err
				}
				if !hitMax {
					setFree(init, pOpt)
				}
			}
			if arma.p > 0 && !arimaARCheck(init[:arma.p]) {
				return nil, errArimaNonStatCSS
			}
			if arma.sp > 0 && !arimaARCheck(init[arma.p+arma.q:arma.p+arma.q+arma.sp]) {
				return nil, errArimaNonStatCSS
			}
			ncond = 0
		}
		if transform {
			init = arimaInvtrans(init, arma)
			if arma.q > 0 {
				copy(init[arma.p:arma.p+arma.q], arimaMAInvert(init[arma.p:arma.p+arma.q]))
			}
			if arma.sq > 0 {
				o := arma.p + arma.q + arma.sp
				copy(init[o:o+arma.sq], arimaMAInvert(init[o:o+arma.sq]))
			}
		}
		arimaTransPars(init, arma, transform, phi, theta, scratch)
		m, err := arimaNewModel(phi, theta, delta, arimaKappa)
		if err != nil {
			return nil, err
		}
		mod = m
		fn := func(p []float64) float64 { return armafn(p, transform) }
		var hess []float64
		var pOpt []float64
		if noOptim {
			value = fn(nil)
		} else {
			o := newOpt(fn)
			var hitMax bool
			pOpt, value, hitMax, err = o.minimize(free(init))
			if err != nil {
				return nil, err
			}
			if fastOK && len(delta) > 0 && math.Abs(armafnExact(pOpt, transform)-value) > 1e-5 {
				// Polish with R's filter: its finite diffuse prior shifts
				// the optimum slightly (see arimaLikeStationary). When the
				// two objectives agree to 1e-5 at the optimum the shift of
				// the optimum is of order 1e-4 or less (far inside the 1e-3
				// parity tolerance) and polishing is skipped.
				po := newOpt(func(p []float64) float64 { return armafnExact(p, transform) })
				if p2, _, _, err2 := po.minimize(pOpt); err2 == nil {
					pOpt = p2
				}
			}
			if hitMax {
				code = 1
			}
			setFree(coef, pOpt)
			if !transform {
				value = armafnExact(pOpt, false)
				hess, err = o.hessian(pOpt)
				if err != nil {
					return nil, err
				}
			}
		}
		if transform {
			if arma.q > 0 {
				ind := coef[arma.p : arma.p+arma.q]
				allFree := true
				for i := range arma.q {
					allFree = allFree && mask[arma.p+i]
				}
				if allFree {
					copy(ind, arimaMAInvert(ind))
				}
			}
			if arma.sq > 0 {
				o := arma.p + arma.q + arma.sp
				ind := coef[o : o+arma.sq]
				allFree := true
				for i := range arma.sq {
					allFree = allFree && mask[o+i]
				}
				if allFree {
					copy(ind, arimaMAInvert(ind))
				}
			}
			cf := free(coef)
			o := newOpt(fn)
			value = armafnExact(cf, transform)
			hess, err = o.hessian(cf)
			if err != nil {
				return nil, err
			}
			Afull := arimaGradtrans(coef, arma)
			A := make([]float64, nfree*nfree)
			fi := 0
			for i := range npar {
				if !mask[i] {
					continue
				}
				fj := 0
				for j := range npar {
					if !mask[j] {
						continue
					}
					A[fi*nfree+fj] = Afull[i+j*npar] // A[i,j] (R column-major)
					fj++
				}
				fi++
			}
			h := make([]float64, len(hess))
			for i, v := range hess {
				h[i] = v * float64(nUsed)
			}
			sol, err := arimaSolve(h, nfree, A, nfree)
			if err != nil {
				return nil, err
			}
			vcov = make([]float64, nfree*nfree)
			for i := range nfree {
				for j := range nfree {
					s := 0.0
					for k := range nfree {
						s += A[k*nfree+i] * sol[k*nfree+j]
					}
					vcov[i*nfree+j] = s
				}
			}
			coef = arimaUndoPars(coef, arma)
		} else if !noOptim {
			h := make([]float64, len(hess))
			for i, v := range hess {
				h[i] = v * float64(nUsed)
			}
			vcov, err = arimaSolve(h, nfree, arimaIdentity(nfree), nfree)
			if err != nil {
				return nil, err
			}
		}
		arimaTransPars(coef, arma, false, phi, theta, scratch)
		mod, err = arimaNewModel(phi, theta, delta, arimaKappa)
		if err != nil {
			return nil, err
		}
		resid = make([]float64, n)
		y := residualize(coef[narma:])
		ssq, _, _ := arimaLike(y, mod, nil, resid)
		sigma2 = ssq / float64(nUsed)
	}
	val := 2*float64(nUsed)*value + float64(nUsed) + float64(nUsed)*math.Log(2*math.Pi)
	res.loglik = -0.5 * val
	res.aic = math.NaN()
	if method != ARIMAMethodCSS {
		res.aic = val + 2*float64(nfree) + 2
	}
	if ncxreg > 0 && !origXreg {
		beta := make([]float64, ncxreg)
		for i := range ncxreg {
			for j := range ncxreg {
				beta[i] += svdV[i*ncxreg+j] * coef[narma+j]
			}
		}
		copy(coef[narma:], beta)
		// all xreg coefficients are free here (origXreg would be true otherwise)
		A := arimaIdentity(npar)
		for i := range ncxreg {
			for j := range ncxreg {
				A[(narma+i)*npar+narma+j] = svdV[i*ncxreg+j]
			}
		}
		// restrict to mask (ARMA part may have fixed entries)
		idx := []int{}
		for i := range npar {
			if mask[i] {
				idx = append(idx, i)
			}
		}
		Am := make([]float64, nfree*nfree)
		for a, i := range idx {
			for b, j := range idx {
				Am[a*nfree+b] = A[i*npar+j]
			}
		}
		if vcov != nil {
			tmp := arimaMatMul(Am, vcov, nfree)
			vcov = arimaMatMul(tmp, arimaTranspose(Am, nfree), nfree)
		}
		// regressors back in their original basis for forecasting
		xreg = xreg[:0]
		if sp.includeMean && nd == 0 {
			one := make([]float64, n)
			for i := range one {
				one[i] = 1
			}
			xreg = append(xreg, one)
		}
		xreg = append(xreg, sp.xreg...)
	}
	res.coef = coef
	res.sigma2 = sigma2
	res.vcov = vcov
	res.resid = resid
	res.model = mod
	res.nUsed = nUsed
	res.code = code
	res.xreg = xreg
	return res, nil
}

// arimaResetModel is R's upARIMA: new phi and theta, the prior covariance
// recomputed, the state zeroed. m must have been built for the same orders.
func arimaResetModel(m *arimaModel, phi, theta []float64) error {
	p, q := len(phi), len(theta)
	r := m.r
	copy(m.phi, phi)
	for i := range m.theta {
		m.theta[i] = 0
	}
	copy(m.theta, theta)
	_ = q
	rd := m.rd
	for i := range m.Pn {
		m.Pn[i] = 0
	}
	if r > 1 {
		q0 := arimaQ0Fast(phi, theta, m.q0buf, false)
		if q0 == nil {
			q0 = arimaQ0(phi, theta)
		} else {
			m.q0buf = q0
		}
		for j := range r {
			for i := range r {
				m.Pn[i+rd*j] = q0[i+r*j]
			}
		}
	} else if p > 0 {
		m.Pn[0] = 1 / (1 - phi[0]*phi[0])
	} else {
		m.Pn[0] = 1
	}
	for i := range m.d {
		m.Pn[(r+i)+rd*(r+i)] = arimaKappa
	}
	for i := range m.a {
		m.a[i] = 0
	}
	return nil
}

func arimaIdentity(n int) []float64 {
	out := make([]float64, n*n)
	for i := range n {
		out[i*n+i] = 1
	}
	return out
}

func arimaMatMul(A, B []float64, n int) []float64 {
	out := make([]float64, n*n)
	for i := range n {
		for k := range n {
			a := A[i*n+k]
			if a == 0 {
				continue
			}
			for j := range n {
				out[i*n+j] += a * B[k*n+j]
			}
		}
	}
	return out
}

func arimaTranspose(A []float64, n int) []float64 {
	out := make([]float64, n*n)
	for i := range n {
		for j := range n {
			out[j*n+i] = A[i*n+j]
		}
	}
	return out
}
