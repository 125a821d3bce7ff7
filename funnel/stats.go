package funnel

import (
	"math"

	"gonum.org/v1/gonum/mathext"
	"gonum.org/v1/gonum/stat/distuv"
)

// fnlWilson returns the Wilson score interval for k successes in n trials at
// two-sided confidence level conf. n == 0 gives [0, 1].
func fnlWilson(k, n int64, conf float64) (lo, hi float64) {
	if n == 0 {
		return 0, 1
	}
	z := distuv.UnitNormal.Quantile(1 - (1-conf)/2)
	nf := float64(n)
	p := float64(k) / nf
	z2 := z * z
	den := 1 + z2/nf
	c := (p + z2/(2*nf)) / den
	h := z * math.Sqrt(p*(1-p)/nf+z2/(4*nf*nf)) / den
	return math.Max(0, c-h), math.Min(1, c+h)
}

// fnlBetaPrior fits a Beta(alpha, beta) prior to per-rep success counts by
// the method of moments (the between-rep variance of the rates, less the
// binomial noise). The concentration alpha+beta is kept within [2, cap]
// with cap = min(fnlMaxConc, N/reps): with no detectable spread between reps
// the prior weighs as much as an average rep's own data, not more, so a
// rep's posterior still reflects the uncertainty of the pooled rate. Both
// parameters are at least 1.
func fnlBetaPrior(k, n []int64) (alpha, beta float64) {
	var K, N, sumN2 float64
	reps := 0
	for i := range n {
		if n[i] == 0 {
			continue
		}
		K += float64(k[i])
		N += float64(n[i])
		sumN2 += float64(n[i]) * float64(n[i])
		reps++
	}
	if N == 0 {
		return 1, 1
	}
	mu := math.Min(math.Max(K/N, 1e-3), 1-1e-3)
	conc := math.Inf(1)
	if reps >= 2 {
		var ss float64
		for i := range n {
			if n[i] == 0 {
				continue
			}
			r := float64(k[i]) / float64(n[i])
			ss += float64(n[i]) * (r - mu) * (r - mu)
		}
		tau2 := (ss - mu*(1-mu)*float64(reps-1)) / (N - sumN2/N)
		if tau2 > 0 {
			conc = mu*(1-mu)/tau2 - 1
		}
	}
	limit := math.Max(2, math.Min(fnlMaxConc, N/float64(reps)))
	conc = math.Min(math.Max(conc, 2), limit)
	// alpha, beta >= 1 keeps every posterior density bounded (no spike at 0
	// or 1), which the integration in fnlProbBelow relies on; it only moves
	// the prior mean of a very weak prior toward 1/2.
	return math.Max(1, mu*conc), math.Max(1, (1-mu)*conc)
}

const fnlMaxConc = 1000

// fnlProbBelow returns P(X < Y) for independent X ~ Beta(a1, b1) and
// Y ~ Beta(a2, b2), all parameters at least 1 (bounded densities): Simpson integration of the wider variable's CDF against
// the narrower one's density over the bulk of the narrower (mean ± 12
// standard deviations, clipped to [0, 1]), where that CDF is smooth.
func fnlProbBelow(a1, b1, a2, b2 float64) float64 {
	// Far apart (more than 12 combined standard deviations): the answer is
	// 0 or 1 to well within the integration's own accuracy.
	d := a2/(a2+b2) - a1/(a1+b1)
	if s := math.Hypot(fnlBetaSD(a1, b1), fnlBetaSD(a2, b2)); math.Abs(d) > 12*s {
		if d > 0 {
			return 1
		}
		return 0
	}
	if fnlBetaSD(a1, b1) < fnlBetaSD(a2, b2) {
		// P(X < Y) = 1 − P(Y < X) for continuous variables.
		return 1 - fnlIntegrateCDF(a2, b2, a1, b1)
	}
	return fnlIntegrateCDF(a1, b1, a2, b2)
}

func fnlBetaSD(a, b float64) float64 { return math.Sqrt(a * b / ((a + b) * (a + b) * (a + b + 1))) }

// fnlIntegrateCDF returns ∫ F_X(y) f_Y(y) dy = P(X < Y), integrating over Y.
func fnlIntegrateCDF(a1, b1, a2, b2 float64) float64 {
	// Y's log density, its normalising constant computed once (distuv's
	// Prob recomputes three log-gamma values per point).
	lb, _ := math.Lgamma(a2)
	lb2, _ := math.Lgamma(b2)
	lab, _ := math.Lgamma(a2 + b2)
	lnorm := lab - lb - lb2
	m, sd := a2/(a2+b2), fnlBetaSD(a2, b2)
	lo, hi := math.Max(0, m-12*sd), math.Min(1, m+12*sd)
	const steps = 400
	h := (hi - lo) / steps
	var s float64
	for i := 0; i <= steps; i++ {
		x := lo + float64(i)*h
		w := 2.0
		switch {
		case i == 0 || i == steps:
			w = 1
		case i%2 == 1:
			w = 4
		}
		// A term whose exponent is 0 is left out, so that the ends x = 0
		// and 1 give the density's finite limits (a2, b2 ≥ 1), not NaN.
		lf := lnorm
		if a2 != 1 {
			lf += (a2 - 1) * math.Log(x)
		}
		if b2 != 1 {
			lf += (b2 - 1) * math.Log1p(-x)
		}
		s += w * math.Exp(lf) * mathext.RegIncBeta(a1, b1, x)
	}
	return math.Min(1, math.Max(0, s*h/3))
}
