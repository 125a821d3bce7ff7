package forecast

import (
	"errors"
	"math"
)

// This file holds the state-space machinery of R's stats::arima (src/library/
// stats/src/arima.c): the model of makeARIMA, Gardner et al.'s (1980, AS 154)
// initial state covariance, the Kalman filter likelihood (ARIMA_Like), the
// conditional sum of squares (ARIMA_CSS), the parameter transformations that
// keep AR parts stationary (Jones 1980) and KalmanForecast. Matrices are
// stored column-major (element i,j at i+rd*j) as in R so the recursions can be
// checked against the reference line by line.

// arimaArma is R's `arma` vector: p, q, P, Q, period, d, D.
type arimaArma struct {
	p, q, sp, sq, s, d, sd int
}

func (a arimaArma) narma() int { return a.p + a.q + a.sp + a.sq }

// arimaKappa is R's prior variance for the differenced (diffuse) states.
const arimaKappa = 1e6

// arimaModel is R's makeARIMA list: the state-space form of an ARIMA model,
// and after filtering, the filtered state (a, P) at the end of the series.
type arimaModel struct {
	phi, theta, delta []float64 // theta padded to r-1 as makeARIMA does
	r, d, rd          int
	q0buf             []float64 // scratch for the initial covariance
	a                 []float64 // state
	P                 []float64 // filtered covariance
	Pn                []float64 // predicted covariance (initially the prior)
}

// arimaDelta returns R's Delta: the coefficients of the differencing
// polynomial (1-B)^d (1-B^s)^D, negated and without the leading 1.
func arimaDelta(d, sd, s int) []float64 {
	poly := []float64{1}
	conv := func(b []float64) {
		out := make([]float64, len(poly)+len(b)-1)
		for i, x := range poly {
			for j, y := range b {
				out[i+j] += x * y
			}
		}
		poly = out
	}
	for range d {
		conv([]float64{1, -1})
	}
	if s > 0 {
		for range sd {
			b := make([]float64, s+1)
			b[0], b[s] = 1, -1
			conv(b)
		}
	}
	out := make([]float64, len(poly)-1)
	for i := range out {
		out[i] = -poly[i+1]
	}
	return out
}

var errArimaLag = errors.New("maximum supported lag is 350")

// arimaNewModel is makeARIMA with SSinit = "Gardner1980".
func arimaNewModel(phi, theta, delta []float64, kappa float64) (*arimaModel, error) {
	p, q := len(phi), len(theta)
	r := max(p, q+1)
	d := len(delta)
	rd := r + d
	if r > 350 {
		return nil, errArimaLag
	}
	th := make([]float64, max(q, r-1))
	copy(th, theta)
	m := &arimaModel{
		phi: append([]float64(nil), phi...), theta: th, delta: append([]float64(nil), delta...),
		r: r, d: d, rd: rd,
		a: make([]float64, rd), P: make([]float64, rd*rd), Pn: make([]float64, rd*rd),
	}
	if r > 1 {
		q0 := arimaQ0Fast(phi, th, nil, false)
		if q0 == nil {
			q0 = arimaQ0(phi, th)
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
	for i := range d {
		m.Pn[(r+i)+rd*(r+i)] = kappa
	}
	return m, nil
}

// arimaInclu2 is AS 154's INCLU2: it updates the square-root-free Givens
// regression (d, rbar, thetab) with one more row xnext, ynext.
func arimaInclu2(np int, xnext, xrow []float64, ynext float64, d, rbar, thetab []float64) {
	copy(xrow[:np], xnext[:np])
	ithisr := 0
	for i := range np {
		if xrow[i] != 0 {
			xi := xrow[i]
			di := d[i]
			dpi := di + xi*xi
			d[i] = dpi
			cbar := di / dpi
			sbar := xi / dpi
			for k := i + 1; k < np; k++ {
				xk := xrow[k]
				rbthis := rbar[ithisr]
				xrow[k] = xk - xi*rbthis
				rbar[ithisr] = cbar*rbthis + sbar*xk
				ithisr++
			}
			xk := ynext
			ynext = xk - xi*thetab[i]
			thetab[i] = cbar*thetab[i] + sbar*xk
			if di == 0 {
				return
			}
		} else {
			ithisr += np - i - 1
		}
	}
}

// arimaQ0 is the covariance of the initial state of the ARMA part (Gardner,
// Harvey & Phillips 1980), R's getQ0: the r×r matrix, column-major.
func arimaQ0(phi, theta []float64) []float64 {
	p, q := len(phi), len(theta)
	r := max(p, q+1)
	np := r * (r + 1) / 2
	nrbar := np * (np - 1) / 2
	V := make([]float64, np)
	ind := 0
	for j := range r {
		vj := 0.0
		if j == 0 {
			vj = 1
		} else if j-1 < q {
			vj = theta[j-1]
		}
		for i := j; i < r; i++ {
			vi := 0.0
			if i == 0 {
				vi = 1
			} else if i-1 < q {
				vi = theta[i-1]
			}
			V[ind] = vi * vj
			ind++
		}
	}
	res := make([]float64, r*r)
	P := res
	if r == 1 {
		if p == 0 {
			P[0] = 1
		} else {
			P[0] = 1 / (1 - phi[0]*phi[0])
		}
		return res
	}
	if p > 0 {
		// Solve s·vec(P0) = vec(v) for vec(P0), s generated row by row in
		// xnext, with P's elements reordered to bring leading zeros forward.
		rbar := make([]float64, nrbar)
		thetab := make([]float64, np)
		xnext := make([]float64, np)
		xrow := make([]float64, np)
		ind = 0
		ind1 := -1
		npr := np - r
		npr1 := npr + 1
		indj := npr
		ind2 := npr - 1
		for j := range r {
			phij := 0.0
			if j < p {
				phij = phi[j]
			}
			xnext[indj] = 0
			indj++
			indi := npr1 + j
			for i := j; i < r; i++ {
				ynext := V[ind]
				ind++
				phii := 0.0
				if i < p {
					phii = phi[i]
				}
				if j != r-1 {
					xnext[indj] = -phii
					if i != r-1 {
						xnext[indi] -= phij
						ind1++
						xnext[ind1] = -1
					}
				}
				xnext[npr] = -phii * phij
				ind2++
				if ind2 >= np {
					ind2 = 0
				}
				xnext[ind2] += 1
				arimaInclu2(np, xnext, xrow, ynext, P, rbar, thetab)
				xnext[ind2] = 0
				if i != r-1 {
					xnext[indi] = 0
					indi++
					xnext[ind1] = 0
				}
			}
		}
		ithisr := nrbar - 1
		im := np - 1
		for i := range np {
			bi := thetab[im]
			jm := np - 1
			for j := 0; j < i; j++ {
				bi -= rbar[ithisr] * P[jm]
				ithisr--
				jm--
			}
			P[im] = bi
			im--
		}
		// re-order P
		ind = npr
		for i := range r {
			xnext[i] = P[ind]
			ind++
		}
		ind = np - 1
		ind1 = npr - 1
		for range npr {
			P[ind] = P[ind1]
			ind--
			ind1--
		}
		for i := range r {
			P[i] = xnext[i]
		}
	} else {
		// pure MA: back-substitution
		indn := np
		ind = np
		for i := range r {
			for j := 0; j <= i; j++ {
				ind--
				P[ind] = V[ind]
				if j != 0 {
					indn--
					P[ind] += P[indn]
				}
			}
		}
	}
	// unpack to a full matrix
	ind = np
	for i := r - 1; i > 0; i-- {
		for j := r - 1; j >= i; j-- {
			ind--
			P[r*i+j] = P[ind]
		}
	}
	for i := 0; i < r-1; i++ {
		for j := i + 1; j < r; j++ {
			P[i+r*j] = P[j+r*i]
		}
	}
	return res
}

// arimaWork is scratch space for the Kalman filter, reused across the many
// likelihood evaluations of one fit.
type arimaWork struct {
	anew, M, mm, prev []float64
	nzPhi, nzDelta    []int
}

// arimaLike runs the Kalman filter over y (NaN = missing) as R's ARIMA_Like
// with up = 0, updating m.a, m.P and m.Pn in place. It returns the sum of
// squared standardised innovations, the sum of log gains and the number of
// innovations used. If resid is non-nil it receives the standardised
// residuals.
//
// The recursions are R's, reorganised for speed: the prediction
// Pnew = T P T' + V is done with row copies and the non-zero AR and
// differencing coefficients only (T is a shift plus sparse columns), and
// once the predicted covariance stops changing (relative change below
// 1e-12, the Riccati recursion having converged) the covariance updates are
// skipped until a missing value perturbs them again. The results agree with
// R's loops to rounding error (TestArimaLikeMatchesReference).
func arimaLike(y []float64, m *arimaModel, w *arimaWork, resid []float64) (ssq, sumlog float64, nu int) {
	r, d, rd := m.r, m.d, m.rd
	phi, theta, delta := m.phi, m.theta, m.delta
	a, P, Pnew := m.a, m.P, m.Pn
	if w == nil {
		w = &arimaWork{}
	}
	if len(w.anew) < rd {
		w.anew = make([]float64, rd)
		w.M = make([]float64, rd)
	}
	if len(w.mm) < rd*rd {
		w.mm = make([]float64, rd*rd)
		w.prev = make([]float64, rd*rd)
	}
	anew, M, mm := w.anew[:rd], w.M[:rd], w.mm[:rd*rd]
	w.nzPhi = w.nzPhi[:0]
	for i, v := range phi {
		if v != 0 {
			w.nzPhi = append(w.nzPhi, i)
		}
	}
	w.nzDelta = w.nzDelta[:0]
	for i, v := range delta {
		if v != 0 {
			w.nzDelta = append(w.nzDelta, i)
		}
	}
	nzPhi, nzDelta := w.nzPhi, w.nzDelta
	q := len(theta)
	for q > 0 && theta[q-1] == 0 {
		q--
	}
	steady := false
	gainPrev := math.NaN()
	var gain float64
	for l := range y {
		// state prediction anew = T a
		copy(anew[:r-1], a[1:r])
		anew[r-1] = 0
		for _, i := range nzPhi {
			anew[i] += phi[i] * a[0]
		}
		if d > 0 {
			tmp := a[0]
			for _, i := range nzDelta {
				tmp += delta[i] * a[r+i]
			}
			anew[r] = tmp
			copy(anew[r+1:rd], a[r:rd-1])
		}
		if l > 0 && !steady {
			copy(w.prev[:rd*rd], Pnew[:rd*rd])
			arimaPredictCov(m, P, Pnew, mm, nzPhi, nzDelta, q)
		}
		if math.IsNaN(y[l]) {
			copy(a, anew)
			if steady {
				steady = false
			}
			copy(P, Pnew[:rd*rd])
			gainPrev = math.NaN()
			if resid != nil {
				resid[l] = math.NaN()
			}
			continue
		}
		res := y[l] - anew[0]
		for _, i := range nzDelta {
			res -= delta[i] * anew[r+i]
		}
		if !steady {
			for i := range rd {
				row := Pnew[i*rd : (i+1)*rd]
				tmp := row[0]
				for _, j := range nzDelta {
					tmp += row[r+j] * delta[j]
				}
				M[i] = tmp
			}
			gain = M[0]
			for _, j := range nzDelta {
				gain += delta[j] * M[r+j]
			}
		}
		if gain < 1e4 {
			nu++
			ssq += res * res / gain
			sumlog += math.Log(gain)
		}
		if resid != nil {
			resid[l] = res / math.Sqrt(gain)
		}
		f := res / gain
		for i := range rd {
			a[i] = anew[i] + M[i]*f
		}
		if steady {
			continue
		}
		for i := range rd {
			mi := M[i] / gain
			prow := P[i*rd : (i+1)*rd]
			nrow := Pnew[i*rd : (i+1)*rd]
			for j := range prow {
				prow[j] = nrow[j] - mi*M[j]
			}
		}
		if l > 0 && math.Abs(gain-gainPrev) <= 1e-12*gain {
			scale, diff := 0.0, 0.0
			for i, v := range Pnew[:rd*rd] {
				if av := math.Abs(v); av > scale {
					scale = av
				}
				if dv := math.Abs(v - w.prev[i]); dv > diff {
					diff = dv
				}
			}
			if diff <= 1e-12*scale {
				steady = true
			}
		}
		gainPrev = gain
	}
	return ssq, sumlog, nu
}

// arimaPredictCov sets Pnew = T P T' + V for the model's companion-plus-
// differencing transition T, using row copies and the non-zero AR (nzPhi)
// and differencing (nzDelta) coefficients only; mm is rd×rd scratch and q
// the effective MA order.
func arimaPredictCov(m *arimaModel, P, Pnew, mm []float64, nzPhi, nzDelta []int, q int) {
	r, d, rd := m.r, m.d, m.rd
	phi, theta, delta := m.phi, m.theta, m.delta
	// mm = T P (rows)
	for i := 0; i < r-1; i++ {
		copy(mm[i*rd:(i+1)*rd], P[(i+1)*rd:(i+2)*rd])
	}
	row := mm[(r-1)*rd : r*rd]
	for j := range row {
		row[j] = 0
	}
	p0 := P[:rd]
	for _, i := range nzPhi {
		ph := phi[i]
		row := mm[i*rd : (i+1)*rd]
		for j, v := range p0 {
			row[j] += ph * v
		}
	}
	if d > 0 {
		row := mm[r*rd : (r+1)*rd]
		copy(row, p0)
		for _, k := range nzDelta {
			dl := delta[k]
			src := P[(r+k)*rd : (r+k+1)*rd]
			for j, v := range src {
				row[j] += dl * v
			}
		}
		for i := r + 1; i < rd; i++ {
			copy(mm[i*rd:(i+1)*rd], P[(i-1)*rd:i*rd])
		}
	}
	// Pnew = mm T' (columns)
	for i := range rd {
		src := mm[i*rd : (i+1)*rd]
		dst := Pnew[i*rd : (i+1)*rd]
		copy(dst[:r-1], src[1:r])
		dst[r-1] = 0
		m0 := src[0]
		for _, k := range nzPhi {
			dst[k] += phi[k] * m0
		}
		if d > 0 {
			tmp := m0
			for _, k := range nzDelta {
				tmp += delta[k] * src[r+k]
			}
			dst[r] = tmp
			copy(dst[r+1:rd], src[r:rd-1])
		}
	}
	// + V = (1, theta)(1, theta)'
	for i := 0; i <= q; i++ {
		vi := 1.0
		if i > 0 {
			vi = theta[i-1]
		}
		if vi == 0 {
			continue
		}
		row := Pnew[i*rd : i*rd+q+1]
		row[0] += vi
		for j := 1; j <= q; j++ {
			row[j] += vi * theta[j-1]
		}
	}
}

// arimaCSS is R's ARIMA_CSS: it differences y, then returns the conditional
// mean squared residual from observation ncond on. If resid is non-nil it
// receives the residuals (zero before ncond).
func arimaCSS(y []float64, arma arimaArma, phi, theta []float64, ncond int, resid []float64, w []float64) float64 {
	n := len(y)
	if len(w) < n {
		w = make([]float64, n)
	}
	w = w[:n]
	copy(w, y)
	for range arma.d {
		for l := n - 1; l > 0; l-- {
			w[l] -= w[l-1]
		}
	}
	ns := arma.s
	for range arma.sd {
		for l := n - 1; l >= ns; l-- {
			w[l] -= w[l-ns]
		}
	}
	if resid == nil {
		resid = make([]float64, n)
	}
	for l := range min(ncond, n) {
		resid[l] = 0
	}
	p, q := len(phi), len(theta)
	ssq := 0.0
	nu := 0
	for l := ncond; l < n; l++ {
		tmp := w[l]
		for j := range p {
			tmp -= phi[j] * w[l-j-1]
		}
		for j := range min(l-ncond, q) {
			tmp -= theta[j] * resid[l-j-1]
		}
		resid[l] = tmp
		if !math.IsNaN(tmp) {
			nu++
			ssq += tmp * tmp
		}
	}
	return ssq / float64(nu)
}

// arimaPartrans maps unconstrained values to the coefficients of a
// stationary AR(p) polynomial: tanh to partial autocorrelations, then the
// Durbin–Levinson recursion.
func arimaPartrans(raw, out []float64) {
	p := len(raw)
	var wbuf [64]float64
	work := wbuf[:0]
	if p > len(wbuf) {
		work = make([]float64, p)
	} else {
		work = wbuf[:p]
	}
	for j := range p {
		out[j] = math.Tanh(raw[j])
		work[j] = out[j]
	}
	for j := 1; j < p; j++ {
		a := out[j]
		for k := range j {
			work[k] -= a * out[j-k-1]
		}
		copy(out[:j], work[:j])
	}
}

// arimaInvPartrans is the inverse of arimaPartrans.
func arimaInvPartrans(phi, out []float64) {
	p := len(phi)
	work := make([]float64, p)
	copy(out, phi)
	copy(work, phi)
	for j := p - 1; j > 0; j-- {
		a := out[j]
		for k := range j {
			work[k] = (out[k] + a*out[j-k-1]) / (1 - a*a)
		}
		copy(out[:j], work[:j])
	}
	for j := range p {
		out[j] = math.Atanh(out[j])
	}
}

// arimaTransPars expands (and with trans, transforms) the ARMA parameters in
// par into the full phi and theta polynomials of the multiplicative seasonal
// model, as R's ARIMA_transPars. phi and theta must have length p+s·P and
// q+s·Q; scratch has length ≥ narma.
func arimaTransPars(par []float64, arma arimaArma, trans bool, phi, theta, scratch []float64) {
	mp, mq, msp, msq, ns := arma.p, arma.q, arma.sp, arma.sq, arma.s
	params := par
	if trans {
		n := mp + mq + msp + msq
		params = scratch[:n]
		copy(params, par[:n])
		if mp > 0 {
			arimaPartrans(par[:mp], params[:mp])
		}
		v := mp + mq
		if msp > 0 {
			arimaPartrans(par[v:v+msp], params[v:v+msp])
		}
	}
	if ns > 0 && (msp > 0 || msq > 0) {
		p := mp + ns*msp
		q := mq + ns*msq
		for i := range mp {
			phi[i] = params[i]
		}
		for i := range mq {
			theta[i] = params[i+mp]
		}
		for i := mp; i < p; i++ {
			phi[i] = 0
		}
		for i := mq; i < q; i++ {
			theta[i] = 0
		}
		for j := range msp {
			phi[(j+1)*ns-1] += params[j+mp+mq]
			for i := range mp {
				phi[(j+1)*ns+i] -= params[i] * params[j+mp+mq]
			}
		}
		for j := range msq {
			theta[(j+1)*ns-1] += params[j+mp+mq+msp]
			for i := range mq {
				theta[(j+1)*ns+i] += params[i+mp] * params[j+mp+mq+msp]
			}
		}
	} else {
		for i := range mp {
			phi[i] = params[i]
		}
		for i := range mq {
			theta[i] = params[i+mp]
		}
	}
}

// arimaUndoPars applies the AR transformations to the transformed-scale
// parameters (R's ARIMA_undoPars).
func arimaUndoPars(in []float64, arma arimaArma) []float64 {
	out := append([]float64(nil), in...)
	if arma.p > 0 {
		arimaPartrans(in[:arma.p], out[:arma.p])
	}
	v := arma.p + arma.q
	if arma.sp > 0 {
		arimaPartrans(in[v:v+arma.sp], out[v:v+arma.sp])
	}
	return out
}

// arimaInvtrans is R's ARIMA_Invtrans.
func arimaInvtrans(in []float64, arma arimaArma) []float64 {
	out := append([]float64(nil), in...)
	if arma.p > 0 {
		arimaInvPartrans(in[:arma.p], out[:arma.p])
	}
	v := arma.p + arma.q
	if arma.sp > 0 {
		arimaInvPartrans(in[v:v+arma.sp], out[v:v+arma.sp])
	}
	return out
}

// arimaGradtrans is the Jacobian of the AR transformations by forward
// differences with step 1e-3 (R's ARIMA_Gradtrans), n×n column-major.
func arimaGradtrans(in []float64, arma arimaArma) []float64 {
	const eps = 1e-3
	n := len(in)
	A := make([]float64, n*n)
	for i := range n {
		A[i+i*n] = 1
	}
	block := func(off, m int) {
		w1 := append([]float64(nil), in[off:off+m]...)
		w2 := make([]float64, m)
		w3 := make([]float64, m)
		arimaPartrans(w1, w2)
		for i := range m {
			w1[i] += eps
			arimaPartrans(w1, w3)
			for j := range m {
				A[i+off+(j+off)*n] = (w3[j] - w2[j]) / eps
			}
			w1[i] -= eps
		}
	}
	if arma.p > 0 {
		block(0, arma.p)
	}
	if arma.sp > 0 {
		block(arma.p+arma.q, arma.sp)
	}
	return A
}

// arimaForecastSS is R's KalmanForecast: it projects the filtered state h
// steps ahead and returns the means and the variances (in units of σ²).
func arimaForecastSS(h int, m *arimaModel) (mean, variance []float64) {
	rd, r, d := m.rd, m.r, m.d
	var nzPhi, nzDelta []int
	for i, v := range m.phi {
		if v != 0 {
			nzPhi = append(nzPhi, i)
		}
	}
	for i, v := range m.delta {
		if v != 0 {
			nzDelta = append(nzDelta, i)
		}
	}
	q := len(m.theta)
	for q > 0 && m.theta[q-1] == 0 {
		q--
	}
	a := append([]float64(nil), m.a...)
	anew := make([]float64, rd)
	P := append([]float64(nil), m.P...)
	Pnew := make([]float64, rd*rd)
	mm := make([]float64, rd*rd)
	mean = make([]float64, h)
	variance = make([]float64, h)
	for l := range h {
		copy(anew[:r-1], a[1:r])
		anew[r-1] = 0
		for _, i := range nzPhi {
			anew[i] += m.phi[i] * a[0]
		}
		if d > 0 {
			tmp := a[0]
			for _, i := range nzDelta {
				tmp += m.delta[i] * a[r+i]
			}
			anew[r] = tmp
			copy(anew[r+1:rd], a[r:rd-1])
		}
		a, anew = anew, a
		fc := a[0]
		for _, i := range nzDelta {
			fc += m.delta[i] * a[r+i]
		}
		mean[l] = fc
		arimaPredictCov(m, P, Pnew, mm, nzPhi, nzDelta, q)
		P, Pnew = Pnew, P
		v := P[0]
		for _, k := range nzDelta {
			v += 2 * m.delta[k] * P[r+k]
			for _, k2 := range nzDelta {
				v += m.delta[k] * m.delta[k2] * P[(r+k)*rd+r+k2]
			}
		}
		variance[l] = v
	}
	return mean, variance
}

// arimaQ0Fast computes the same stationary state covariance as arimaQ0
// (the solution of P = T P T' + R R') in O(p³ + r²) instead of AS 154's
// O(r⁶): the first row from the ARMA autocovariances and ψ-weights, the rest
// by the backward recursion P[i][j] = φi φj P00 + φi P0,j+1 + φj P0,i+1 +
// P[i+1][j+1] + Ri Rj. It returns nil if the autocovariance system is
// singular (the caller then falls back to arimaQ0). buf, if long enough,
// is reused for the result. With firstColumn only res[0:r] (the first
// column) is filled.
func arimaQ0Fast(phi, theta []float64, buf []float64, firstColumn bool) []float64 {
	p, q := len(phi), len(theta)
	r := max(p, q+1)
	var res []float64
	if len(buf) >= r*r {
		res = buf[:r*r]
	} else {
		res = make([]float64, r*r)
	}
	clear(res)
	th := func(j int) float64 { // θ_j with θ_0 = 1
		if j == 0 {
			return 1
		}
		if j <= q {
			return theta[j-1]
		}
		return 0
	}
	ph := func(k int) float64 { // 0-based state coefficient
		if k < p {
			return phi[k]
		}
		return 0
	}
	var stack [4 * 64]float64
	var scratch []float64
	need := 2*(r+2) + (p+1)*(p+2)
	switch {
	case len(buf) >= r*r+need:
		scratch = buf[r*r : r*r+need]
	case need <= len(stack):
		scratch = stack[:need]
	default:
		scratch = make([]float64, need)
	}
	psi := scratch[:r+1]
	gam := scratch[r+1 : 2*(r+1)]
	A := scratch[2*(r+2):]
	for j := 0; j <= r; j++ {
		v := th(j)
		for k := 1; k <= min(j, p); k++ {
			v += phi[k-1] * psi[j-k]
		}
		psi[j] = v
	}
	c := func(h int) float64 {
		v := 0.0
		for j := h; j <= q; j++ {
			v += th(j) * psi[j-h]
		}
		return v
	}
	// Autocovariances γ(0..p): (p+1)×(p+1) system, augmented column last.
	w := p + 2
	for i := range A[:(p+1)*w] {
		A[i] = 0
	}
	for h := 0; h <= p; h++ {
		A[h*w+h] += 1
		for k := 1; k <= p; k++ {
			idx := h - k
			if idx < 0 {
				idx = -idx
			}
			A[h*w+idx] -= phi[k-1]
		}
		A[h*w+p+1] = c(h)
	}
	for col := 0; col <= p; col++ {
		piv := col
		for i := col + 1; i <= p; i++ {
			if math.Abs(A[i*w+col]) > math.Abs(A[piv*w+col]) {
				piv = i
			}
		}
		if A[piv*w+col] == 0 || math.IsNaN(A[piv*w+col]) {
			return nil
		}
		if piv != col {
			for k := range w {
				A[col*w+k], A[piv*w+k] = A[piv*w+k], A[col*w+k]
			}
		}
		for i := col + 1; i <= p; i++ {
			f := A[i*w+col] / A[col*w+col]
			if f == 0 {
				continue
			}
			for k := col; k < w; k++ {
				A[i*w+k] -= f * A[col*w+k]
			}
		}
	}
	for h := p; h >= 0; h-- {
		v := A[h*w+p+1]
		for k := h + 1; k <= p; k++ {
			v -= A[h*w+k] * gam[k]
		}
		gam[h] = v / A[h*w+h]
	}
	for h := p + 1; h <= r; h++ {
		v := c(h)
		for k := 1; k <= p; k++ {
			v += phi[k-1] * gam[h-k]
		}
		gam[h] = v
	}
	// First row.
	res[0] = gam[0]
	for j := 1; j < r; j++ {
		v := 0.0
		for k := j; k < r; k++ {
			v += ph(k)*gam[k-j+1] + th(k)*psi[k-j]
		}
		res[j*r] = v
		res[j] = v
	}
	if firstColumn {
		for _, v := range res[:r] {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return nil
			}
		}
		return res
	}
	for i := r - 1; i >= 1; i-- {
		for j := r - 1; j >= i; j-- {
			v := ph(i)*ph(j)*res[0] + th(i)*th(j)
			if j+1 < r {
				v += ph(i) * res[j+1]
			}
			if i+1 < r {
				v += ph(j) * res[i+1]
			}
			if i+1 < r && j+1 < r {
				v += res[(i+1)+r*(j+1)]
			}
			res[i+r*j] = v
			res[j+r*i] = v
		}
	}
	for _, v := range res {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil
		}
	}
	return res
}

// arimaStationaryBuf is the scratch length arimaLikeStationary needs.
func arimaStationaryBuf(p, q int) int {
	r := max(p, q+1)
	return r*r + 2*(r+2) + (p+1)*(p+2) + 3*(r+1)
}

// arimaLikeStationary evaluates the same likelihood terms as arimaLike for a
// stationary ARMA model (no differencing) on a series without missing
// values, by the Chandrasekhar recursions (Morf, Sidhu & Kailath 1974): with
// the stationary initial covariance the change P(t+1) − P(t) has rank one,
// so each step costs O(r) instead of O(r²). Only the first column of the
// initial covariance is needed. ok is false if that cannot be computed.
//
// For a differenced model, R's likelihood with the diffuse prior (kappa =
// 1e6) on the differencing states equals, up to O(1/kappa), the exact
// likelihood of the differenced series (Harvey 1989, 3.4), which is what
// this function then gets; the optimiser uses it, the reported likelihood
// comes from arimaLike.
func arimaLikeStationary(w, phi, theta []float64, buf []float64) (ssq, sumlog float64, nu int, ok bool) {
	p, q := len(phi), len(theta)
	r := max(p, q+1)
	need := arimaStationaryBuf(p, q)
	if len(buf) < need {
		buf = make([]float64, need)
	}
	q0n := r*r + 2*(r+2) + (p+1)*(p+2)
	c := arimaQ0Fast(phi, theta, buf[:q0n], true)
	if c == nil {
		return 0, 0, 0, false
	}
	rest := buf[q0n:]
	a := rest[:r+1]
	G := rest[r+1 : 2*(r+1)]
	W := rest[2*(r+1) : 3*(r+1)]
	for i := range a {
		a[i], G[i], W[i] = 0, 0, 0
	}
	// phi padded: G(1) = T c, with c[r] = 0
	for i := range r {
		v := 0.0
		if i+1 < r {
			v = c[i+1]
		}
		if i < p {
			v += phi[i] * c[0]
		}
		G[i] = v
	}
	F := c[0]
	copy(W[:r], G[:r])
	M := -1 / F
	converged := false
	// Non-zero AR coefficients only (seasonal expansions are sparse).
	var nzbuf [32]int
	nz := nzbuf[:0]
	for i := range p {
		if phi[i] != 0 {
			nz = append(nz, i)
		}
	}
	// log F is accumulated as a log of products of up to 32 gains (F ≥ 1
	// for unit innovation variance and F < 1e4 when counted, so products
	// stay far from overflow).
	prod, nprod := 1.0, 0
	for _, y := range w {
		res := y - a[0]
		if F < 1e4 {
			nu++
			ssq += res * res / F
			prod *= F
			nprod++
			if nprod == 32 {
				sumlog += math.Log(prod)
				prod, nprod = 1, 0
			}
		}
		f := res / F
		a0 := a[0]
		for i := 0; i < r-1; i++ {
			a[i] = a[i+1] + G[i]*f
		}
		a[r-1] = G[r-1] * f
		for _, i := range nz {
			a[i] += phi[i] * a0
		}
		if converged {
			continue
		}
		u := W[0]
		Mu := M * u
		Fnew := F + Mu*u
		// TW overwrites W in place: TW[i] = phi_i W[0] + W[i+1]
		w0 := W[0]
		copy(W[:r-1], W[1:r])
		W[r-1] = 0
		for _, i := range nz {
			W[i] += phi[i] * w0
		}
		k := u / Fnew
		w2 := 0.0
		for i := range r {
			g := G[i] + W[i]*Mu
			G[i] = g
			wi := W[i] - g*k
			W[i] = wi
			if wi*wi > w2 {
				w2 = wi * wi
			}
		}
		M += Mu * Mu / F
		F = Fnew
		// ΔP = M W W': stop updating once every element is negligible.
		if math.Abs(M)*w2 <= 1e-14*F {
			converged = true
		}
	}
	if nprod > 0 {
		sumlog += math.Log(prod)
	}
	return ssq, sumlog, nu, true
}
