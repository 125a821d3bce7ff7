package forecast

import "math"

// Component codes, as in R's etscalc.c.
const (
	etsNone = 0
	etsAdd  = 1
	etsMult = 2
)

const (
	etsTol  = 1e-10
	etsHuge = 1e10
)

// etsKernel runs the ETS recursions of Hyndman et al. (2008), in the form of
// R's etscalc.c, over one series. It owns its buffers so that the likelihood
// loop inside the optimiser allocates nothing. Not safe for concurrent use.
type etsKernel struct {
	y                   []float64
	m                   int // seasonal period used by the recursion (1 if no season)
	errT, trendT, seasT int
	seas                []float64 // circular seasonal buffer, len m
}

func (k *etsKernel) reset(y []float64, m, errT, trendT, seasT int) {
	k.y, k.errT, k.trendT, k.seasT = y, errT, trendT, seasT
	if seasT == etsNone {
		m = 1
	}
	k.m = m
	if cap(k.seas) < m {
		k.seas = make([]float64, m)
	}
	k.seas = k.seas[:m]
}

// etsCrit selects what etsKernel.run accumulates.
type etsCrit int

const (
	etsCritLik etsCrit = iota
	etsCritMSE
	etsCritAMSE
	etsCritSigma
	etsCritMAE
)

// etsTrace receives the full output of a pass; nil fields are skipped.
type etsTrace struct {
	e, fits []float64 // len n
	states  []float64 // (n+1)*p, R's layout: l, b, s1..sm (s1 newest)
	amse    []float64 // nmse
}

// run filters the series from the initial state x0 (l, b, s1..sm in R's
// order) and returns R's objective value: lik is n·log(Σe²) (+2Σlog|ŷ| for
// multiplicative errors); mse is the mean squared one-step error in the data's
// units. A NaN lik means the recursion broke down (negative growth in a
// multiplicative trend).
func (k *etsKernel) run(x0 []float64, alpha, beta, gamma, phi float64, crit etsCrit, nmse int, tr *etsTrace) (lik, mse float64) {
	y := k.y
	n := len(y)
	m := k.m
	trendT, seasT, errT := k.trendT, k.seasT, k.errT
	l := x0[0]
	b := 0.0
	if trendT != etsNone {
		b = x0[1]
	}
	s := k.seas
	k0 := 0
	if seasT != etsNone {
		off := 1
		if trendT != etsNone {
			off = 2
		}
		// circular layout: s[(k0+i) mod m] is the seasonal term for horizon i+1;
		// R's s_j (j = 0 newest) sits at s[(k0-1-j) mod m].
		for j := 0; j < m; j++ {
			s[m-1-j] = x0[off+j]
		}
	}
	p := 1 + etsB2i(trendT != etsNone) + m*etsB2i(seasT != etsNone)
	if tr != nil && tr.states != nil {
		copy(tr.states[:p], x0[:p])
	}
	var sse, sae, sseAdd float64
	// Σlog|ŷ| as a product of mantissas and a sum of exponents: one Frexp
	// per step instead of one Log.
	prodMant, expSum := 1.0, 0
	if tr != nil && tr.amse != nil {
		clear(tr.amse)
	}
	var fbuf [30]float64
	phiOne := math.Abs(phi-1) < etsTol
	bOverA := beta / alpha
	for i := 0; i < n; i++ {
		yi := y[i]
		oldl, oldb := l, b
		var q, phib float64
		switch trendT {
		case etsNone:
			q = oldl
		case etsAdd:
			phib = phi * oldb
			q = oldl + phib
		default:
			if oldb < 0 {
				return math.NaN(), math.NaN()
			}
			if phiOne {
				phib = oldb
			} else {
				phib = math.Pow(oldb, phi)
			}
			q = oldl * phib
		}
		f := q
		sOld := 0.0
		if seasT != etsNone {
			sOld = s[k0]
			if seasT == etsAdd {
				f += sOld
			} else {
				f *= sOld
			}
		}
		var e float64
		if errT == etsAdd {
			e = yi - f
		} else {
			e = (yi - f) / f
		}
		sse += e * e
		if errT == etsMult {
			prodMant *= math.Abs(f)
			if !(prodMant < 1e100 && prodMant > 1e-100) {
				fm, fe := math.Frexp(prodMant)
				prodMant = fm
				expSum += fe
			}
		}
		switch crit {
		case etsCritMSE:
			d := yi - f
			sseAdd += d * d
		case etsCritMAE:
			sae += math.Abs(e)
		}
		if tr != nil {
			if tr.e != nil {
				tr.e[i] = e
				tr.fits[i] = f
			}
			if tr.amse != nil {
				h := len(tr.amse)
				k.multiStep(l, b, k0, phi, fbuf[:h])
				for j := 0; j < h && i+j < n; j++ {
					d := y[i+j] - fbuf[j]
					tr.amse[j] += d * d
				}
			}
		}
		// level
		var pp float64
		switch seasT {
		case etsNone:
			pp = yi
		case etsAdd:
			pp = yi - sOld
		default:
			if math.Abs(sOld) < etsTol {
				pp = etsHuge
			} else {
				pp = yi / sOld
			}
		}
		l = q + alpha*(pp-q)
		// growth
		if trendT != etsNone {
			var r float64
			if trendT == etsAdd {
				r = l - oldl
			} else if math.Abs(oldl) < etsTol {
				r = etsHuge
			} else {
				r = l / oldl
			}
			b = phib + bOverA*(r-phib)
		}
		// season
		if seasT != etsNone {
			var t float64
			if seasT == etsAdd {
				t = yi - q
			} else if math.Abs(q) < etsTol {
				t = etsHuge
			} else {
				t = yi / q
			}
			s[k0] = sOld + gamma*(t-sOld)
			k0++
			if k0 == m {
				k0 = 0
			}
		}
		if tr != nil && tr.states != nil {
			row := tr.states[(i+1)*p : (i+2)*p]
			row[0] = l
			c := 1
			if trendT != etsNone {
				row[1] = b
				c = 2
			}
			if seasT != etsNone {
				for j := 0; j < m; j++ {
					row[c+j] = s[(k0-1-j+m)%m]
				}
			}
		}
	}
	if tr != nil && tr.amse != nil {
		for j := range tr.amse {
			if d := n - j; d > 0 {
				tr.amse[j] /= float64(d)
			}
		}
	}
	lik = float64(n) * math.Log(sse)
	if errT == etsMult {
		lik += 2 * (math.Log(prodMant) + float64(expSum)*math.Ln2)
	}
	switch crit {
	case etsCritMSE:
		mse = sseAdd / float64(n)
	case etsCritSigma:
		mse = sse / float64(n)
	case etsCritMAE:
		mse = sae / float64(n)
	}
	return lik, mse
}

// multiStep writes the point forecasts 1..len(f) steps ahead of a state with
// level l, growth b and circular seasonal buffer k.seas starting at k0, as R's
// etscalc.c forecast(). A negative multiplicative growth gives NaN.
func (k *etsKernel) multiStep(l, b float64, k0 int, phi float64, f []float64) {
	etsPointForecast(l, b, k.seas, k0, k.m, k.trendT, k.seasT, phi, f)
}

// etsPointForecast computes point forecasts from a state; seas is circular
// with the next season's term at seas[k0].
func etsPointForecast(l, b float64, seas []float64, k0, m, trendT, seasT int, phi float64, f []float64) {
	phistar, phipow := phi, phi
	j := k0
	for i := range f {
		switch trendT {
		case etsNone:
			f[i] = l
		case etsAdd:
			f[i] = l + phistar*b
		default:
			if b < 0 {
				f[i] = math.NaN()
			} else {
				f[i] = l * math.Pow(b, phistar)
			}
		}
		if seasT == etsAdd {
			f[i] += seas[j]
		} else if seasT == etsMult {
			f[i] *= seas[j]
		}
		if j++; j == m {
			j = 0
		}
		if math.Abs(phi-1) < etsTol {
			phistar++
		} else {
			phipow *= phi
			phistar += phipow
		}
	}
}

func etsB2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
