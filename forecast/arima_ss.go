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
		q0 := arimaQ0(phi, th)
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
	anew, M, mm []float64
}

// arimaLike runs the Kalman filter over y (NaN = missing) as R's ARIMA_Like
// with up = 0, updating m.a, m.P and m.Pn in place. It returns the sum of
// squared standardised innovations, the sum of log gains and the number of
// innovations used. If resid is non-nil it receives the standardised
// residuals.
func arimaLike(y []float64, m *arimaModel, w *arimaWork, resid []float64) (ssq, sumlog float64, nu int) {
	r, d, rd := m.r, m.d, m.rd
	p, q := len(m.phi), len(m.theta)
	phi, theta, delta := m.phi, m.theta, m.delta
	a, P, Pnew := m.a, m.P, m.Pn
	if w == nil {
		w = &arimaWork{}
	}
	if len(w.anew) < rd {
		w.anew = make([]float64, rd)
		w.M = make([]float64, rd)
	}
	if d > 0 && len(w.mm) < rd*rd {
		w.mm = make([]float64, rd*rd)
	}
	anew, M, mm := w.anew[:rd], w.M[:rd], w.mm
	for l := range y {
		for i := range r {
			tmp := 0.0
			if i < r-1 {
				tmp = a[i+1]
			}
			if i < p {
				tmp += phi[i] * a[0]
			}
			anew[i] = tmp
		}
		if d > 0 {
			for i := r + 1; i < rd; i++ {
				anew[i] = a[i-1]
			}
			tmp := a[0]
			for i := range d {
				tmp += delta[i] * a[r+i]
			}
			anew[r] = tmp
		}
		if l > 0 {
			if d == 0 {
				for i := range r {
					vi := 0.0
					if i == 0 {
						vi = 1
					} else if i-1 < q {
						vi = theta[i-1]
					}
					for j := range r {
						tmp := 0.0
						if j == 0 {
							tmp = vi
						} else if j-1 < q {
							tmp = vi * theta[j-1]
						}
						if i < p && j < p {
							tmp += phi[i] * phi[j] * P[0]
						}
						if i < r-1 && j < r-1 {
							tmp += P[i+1+r*(j+1)]
						}
						if i < p && j < r-1 {
							tmp += phi[i] * P[j+1]
						}
						if j < p && i < r-1 {
							tmp += phi[j] * P[i+1]
						}
						Pnew[i+r*j] = tmp
					}
				}
			} else {
				// mm = T P
				for i := range r {
					for j := range rd {
						tmp := 0.0
						if i < p {
							tmp += phi[i] * P[rd*j]
						}
						if i < r-1 {
							tmp += P[i+1+rd*j]
						}
						mm[i+rd*j] = tmp
					}
				}
				for j := range rd {
					tmp := P[rd*j]
					for k := range d {
						tmp += delta[k] * P[r+k+rd*j]
					}
					mm[r+rd*j] = tmp
				}
				for i := 1; i < d; i++ {
					for j := range rd {
						mm[r+i+rd*j] = P[r+i-1+rd*j]
					}
				}
				// Pnew = mm T'
				for i := range r {
					for j := range rd {
						tmp := 0.0
						if i < p {
							tmp += phi[i] * mm[j]
						}
						if i < r-1 {
							tmp += mm[rd*(i+1)+j]
						}
						Pnew[j+rd*i] = tmp
					}
				}
				for j := range rd {
					tmp := mm[j]
					for k := range d {
						tmp += delta[k] * mm[rd*(r+k)+j]
					}
					Pnew[rd*r+j] = tmp
				}
				for i := 1; i < d; i++ {
					for j := range rd {
						Pnew[rd*(r+i)+j] = mm[rd*(r+i-1)+j]
					}
				}
				for i := 0; i <= q; i++ {
					vi := 1.0
					if i > 0 {
						vi = theta[i-1]
					}
					for j := 0; j <= q; j++ {
						vj := 1.0
						if j > 0 {
							vj = theta[j-1]
						}
						Pnew[i+rd*j] += vi * vj
					}
				}
			}
		}
		if !math.IsNaN(y[l]) {
			res := y[l] - anew[0]
			for i := range d {
				res -= delta[i] * anew[r+i]
			}
			for i := range rd {
				tmp := Pnew[i]
				for j := range d {
					tmp += Pnew[i+(r+j)*rd] * delta[j]
				}
				M[i] = tmp
			}
			gain := M[0]
			for j := range d {
				gain += delta[j] * M[r+j]
			}
			if gain < 1e4 {
				nu++
				ssq += res * res / gain
				sumlog += math.Log(gain)
			}
			if resid != nil {
				resid[l] = res / math.Sqrt(gain)
			}
			for i := range rd {
				a[i] = anew[i] + M[i]*res/gain
			}
			for j := range rd {
				for i := range rd {
					P[i+j*rd] = Pnew[i+j*rd] - M[i]*M[j]/gain
				}
			}
		} else {
			copy(a, anew)
			copy(P, Pnew[:rd*rd])
			if resid != nil {
				resid[l] = math.NaN()
			}
		}
	}
	return ssq, sumlog, nu
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
	// T and V as makeARIMA builds them.
	T := make([]float64, rd*rd)
	for i, ph := range m.phi {
		T[i] = ph
	}
	for i := 1; i < r; i++ {
		T[(i-1)+rd*i] = 1
	}
	if d > 0 {
		T[r] = 1
		for j, dl := range m.delta {
			T[r+rd*(r+j)] = dl
		}
		for i := 1; i < d; i++ {
			T[(r+i)+rd*(r+i-1)] = 1
		}
	}
	R := make([]float64, rd)
	R[0] = 1
	copy(R[1:], m.theta[:min(len(m.theta), r-1)])
	a := append([]float64(nil), m.a...)
	P := append([]float64(nil), m.P...)
	anew := make([]float64, rd)
	mm := make([]float64, rd*rd)
	mean = make([]float64, h)
	variance = make([]float64, h)
	for l := range h {
		fc := 0.0
		for i := range rd {
			tmp := 0.0
			for k := range rd {
				tmp += T[i+rd*k] * a[k]
			}
			anew[i] = tmp
		}
		copy(a, anew)
		fc = a[0]
		for i := range d {
			fc += m.delta[i] * a[r+i]
		}
		mean[l] = fc
		for i := range rd {
			for j := range rd {
				tmp := 0.0
				for k := range rd {
					tmp += T[i+rd*k] * P[k+rd*j]
				}
				mm[i+rd*j] = tmp
			}
		}
		for i := range rd {
			for j := range rd {
				tmp := R[i] * R[j]
				for k := range rd {
					tmp += mm[i+rd*k] * T[j+rd*k]
				}
				P[i+rd*j] = tmp
			}
		}
		v := 0.0
		for i := range rd {
			zi := 1.0
			if i > 0 && i < r {
				zi = 0
			} else if i >= r {
				zi = m.delta[i-r]
			}
			if zi == 0 {
				continue
			}
			for j := range rd {
				zj := 1.0
				if j > 0 && j < r {
					zj = 0
				} else if j >= r {
					zj = m.delta[j-r]
				}
				v += zi * zj * P[i+rd*j]
			}
		}
		variance[l] = v
	}
	return mean, variance
}
