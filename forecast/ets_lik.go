package forecast

import "math"

// lik is the optimiser's fast path of run: the same recursions and value of
// R's lik (n·log Σe² + 2Σlog|ŷ| for multiplicative error), and the mean
// squared one-step error in data units, with no tracing. NaN means the
// recursion broke down.
func (k *etsKernel) lik(x0 []float64, alpha, beta, gamma, phi float64) (lik, mse float64) {
	y := k.y
	n := len(y)
	m := k.m
	trendT, seasT, errT := k.trendT, k.seasT, k.errT
	l := x0[0]
	b := 0.0
	off := 1
	if trendT != etsNone {
		b = x0[1]
		off = 2
	}
	s := k.seas[:m]
	if seasT != etsNone {
		for j := 0; j < m; j++ {
			s[m-1-j] = x0[off+j]
		}
	}
	phiOne := math.Abs(phi-1) < etsTol
	bOverA := beta / alpha
	multErr := errT == etsMult
	var sse, sseAdd float64
	prodMant, expSum := 1.0, 0
	k0 := 0
	for _, yi := range y {
		oldl := l
		var q, phib float64
		switch trendT {
		case etsNone:
			q = oldl
		case etsAdd:
			phib = phi * b
			q = oldl + phib
		default:
			if b < 0 {
				return math.NaN(), math.NaN()
			}
			if phiOne {
				phib = b
			} else {
				phib = math.Pow(b, phi)
			}
			q = oldl * phib
		}
		var f float64
		switch seasT {
		case etsNone:
			f = q
			var e float64
			if multErr {
				e = (yi - f) / f
			} else {
				e = yi - f
			}
			sse += e * e
			l = q + alpha*(yi-q)
		case etsAdd:
			sOld := s[k0]
			f = q + sOld
			var e float64
			if multErr {
				e = (yi - f) / f
			} else {
				e = yi - f
			}
			sse += e * e
			l = q + alpha*(yi-sOld-q)
			s[k0] = sOld + gamma*(yi-q-sOld)
			if k0++; k0 == m {
				k0 = 0
			}
		default:
			sOld := s[k0]
			f = q * sOld
			var e float64
			if multErr {
				e = (yi - f) / f
			} else {
				e = yi - f
			}
			sse += e * e
			// The quotients stay off the level's dependency chain (y/s
			// does not wait for the level), so they overlap.
			pp := etsHuge
			if math.Abs(sOld) >= etsTol {
				pp = yi / sOld
			}
			t := etsHuge
			if math.Abs(q) >= etsTol {
				t = yi / q
			}
			l = q + alpha*(pp-q)
			s[k0] = sOld + gamma*(t-sOld)
			if k0++; k0 == m {
				k0 = 0
			}
		}
		d := yi - f
		sseAdd += d * d
		if multErr {
			prodMant *= math.Abs(f)
			if !(prodMant < 1e100 && prodMant > 1e-100) {
				fm, fe := math.Frexp(prodMant)
				prodMant = fm
				expSum += fe
			}
		}
		switch trendT {
		case etsAdd:
			b = phib + bOverA*(l-oldl-phib)
		case etsMult:
			r := etsHuge
			if math.Abs(oldl) >= etsTol {
				r = l / oldl
			}
			b = phib + bOverA*(r-phib)
		}
	}
	lik = float64(n) * math.Log(sse)
	if multErr {
		lik += 2 * (math.Log(prodMant) + float64(expSum)*math.Ln2)
	}
	return lik, sseAdd / float64(n)
}
