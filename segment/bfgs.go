package segment

import "math"

// bfgsResult is the outcome of [bfgsMinimize].
type bfgsResult struct {
	x     []float64
	f     float64
	grad  []float64
	iter  int
	evals int
}

// bfgsMinimize minimises f (which also fills grad when grad != nil) from x0
// by BFGS with a strong-Wolfe line search (Nocedal and Wright 2006,
// algorithms 6.1, 3.5 and 3.6). It is written here rather than taken from
// gonum/optimize because that package pulls golang.org/x/tools into the
// root module's requirements (docs/decisions/0160-segment-bfgs.md). It stops
// when the largest gradient component falls below gtol, when f stops
// changing, or after maxIter iterations; the caller judges convergence
// from the returned gradient.
func bfgsMinimize(f func(x, grad []float64) float64, x0 []float64, gtol float64, maxIter int) bfgsResult {
	n := len(x0)
	x := append([]float64(nil), x0...)
	g := make([]float64, n)
	fx := f(x, g)
	res := bfgsResult{evals: 1}
	h := make([]float64, n*n) // inverse Hessian approximation, row-major
	setIdentity := func(scale float64) {
		for i := range h {
			h[i] = 0
		}
		for i := range n {
			h[i*n+i] = scale
		}
	}
	setIdentity(1)
	d := make([]float64, n)
	xn, gn := make([]float64, n), make([]float64, n)
	s, y, hy := make([]float64, n), make([]float64, n), make([]float64, n)
	flat := 0
	first := true
	for res.iter = 0; res.iter < maxIter; res.iter++ {
		if infNorm(g) < gtol || badFloat(fx) {
			break
		}
		for i := range n {
			d[i] = 0
			for j := range n {
				d[i] -= h[i*n+j] * g[j]
			}
		}
		slope := dot(g, d)
		if !(slope < 0) {
			setIdentity(1)
			for i := range n {
				d[i] = -g[i]
			}
			slope = dot(g, d)
		}
		step := 1.0
		if first {
			step = math.Min(1, 1/infNorm(g))
		}
		fn, ok, ev := wolfeSearch(f, x, fx, g, d, slope, step, xn, gn)
		res.evals += ev
		if !ok {
			// No decrease along d: at the optimum to rounding, or H is stale.
			if first || infNorm(g) < 1e-6 {
				break
			}
			// Restart from steepest descent once before giving up.
			setIdentity(1)
			first = true
			continue
		}
		for i := range n {
			s[i] = xn[i] - x[i]
			y[i] = gn[i] - g[i]
		}
		sy := dot(s, y)
		if math.Abs(fn-fx) <= 1e-14*math.Max(1, math.Abs(fx)) && infNorm(gn) < 1e-6 {
			flat++
		} else {
			flat = 0
		}
		copy(x, xn)
		copy(g, gn)
		fx = fn
		if flat >= 2 {
			res.iter++
			break
		}
		if sy <= 1e-300 {
			continue
		}
		if first {
			setIdentity(sy / dot(y, y))
			first = false
		}
		// H ← (I − ρ s yᵀ) H (I − ρ y sᵀ) + ρ s sᵀ
		rho := 1 / sy
		for i := range n {
			hy[i] = 0
			for j := range n {
				hy[i] += h[i*n+j] * y[j]
			}
		}
		yhy := dot(y, hy)
		for i := range n {
			for j := range n {
				h[i*n+j] += -rho*(hy[i]*s[j]+s[i]*hy[j]) + (rho*rho*yhy+rho)*s[i]*s[j]
			}
		}
	}
	res.x, res.f, res.grad = x, fx, g
	return res
}

// wolfeSearch finds a step along d satisfying the strong Wolfe conditions
// (c1 = 1e-4, c2 = 0.9), zooming by safeguarded quadratic interpolation. On
// success xn, gn hold the new point and gradient. It gives up (false) when
// no step decreases f, which near the optimum means f is flat to rounding.
func wolfeSearch(f func(x, grad []float64) float64, x []float64, f0 float64, g0, d []float64, slope0, step float64, xn, gn []float64) (float64, bool, int) {
	const c1, c2 = 1e-4, 0.9
	evals := 0
	eval := func(a float64) (float64, float64) {
		for i := range x {
			xn[i] = x[i] + a*d[i]
		}
		evals++
		fa := f(xn, gn)
		return fa, dot(gn, d)
	}
	// zoom narrows [lo, hi], lo satisfying Armijo with the lowest f so far.
	zoom := func(lo, flo, dlo, hi, fhi float64) (float64, bool) {
		for range 20 {
			w := hi - lo
			// Minimiser of the quadratic through f(lo), f'(lo), f(hi).
			den := 2 * (fhi - flo - dlo*w)
			a := lo + w/2
			if den != 0 && !badFloat(den) {
				a = lo - dlo*w*w/den
			}
			lowB, highB := lo+0.1*w, hi-0.1*w
			if lowB > highB {
				lowB, highB = highB, lowB
			}
			if !(a >= lowB && a <= highB) {
				a = lo + w/2
			}
			fa, da := eval(a)
			if badFloat(fa) || fa > f0+c1*a*slope0 || fa >= flo {
				hi, fhi = a, fa
				if badFloat(fhi) {
					fhi = math.MaxFloat64
				}
				continue
			}
			if math.Abs(da) <= -c2*slope0 {
				return fa, true
			}
			if da*(hi-lo) >= 0 {
				hi, fhi = lo, flo
			}
			lo, flo, dlo = a, fa, da
		}
		if lo > 0 && flo < f0 {
			fa, _ := eval(lo)
			return fa, true
		}
		return 0, false
	}
	prev, fprev, dprev := 0.0, f0, slope0
	a := step
	for i := 0; i < 50; i++ {
		fa, da := eval(a)
		if badFloat(fa) {
			// Outside the domain: shrink towards the last good step.
			a = prev + (a-prev)/4
			continue
		}
		if fa > f0+c1*a*slope0 || (i > 0 && fa >= fprev) {
			fz, ok := zoom(prev, fprev, dprev, a, fa)
			return fz, ok, evals
		}
		if math.Abs(da) <= -c2*slope0 {
			return fa, true, evals
		}
		if da >= 0 {
			fz, ok := zoom(a, fa, da, prev, fprev)
			return fz, ok, evals
		}
		prev, fprev, dprev = a, fa, da
		a *= 2
	}
	return 0, false, evals
}

func dot(a, b []float64) float64 {
	s := 0.0
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}

func infNorm(a []float64) float64 {
	m := 0.0
	for _, v := range a {
		m = math.Max(m, math.Abs(v))
	}
	return m
}
