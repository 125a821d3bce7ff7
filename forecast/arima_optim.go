package forecast

import (
	"errors"
	"math"
)

// The optimiser of R's optim(method = "BFGS"): Nash's variable-metric method
// (vmmin, Nash 1990 Algorithm 21) on parameters divided by parscale, with
// central-difference gradients of step ndeps = 1e-3 on that scale, and
// optimHess's Hessian. Matching R's optimiser step for step (not only its
// optimum) keeps the fitted coefficients within R's own convergence noise.

var (
	errArimaNonFinite     = errors.New("non-finite value in optimisation")
	errArimaNonFiniteGrad = errors.New("non-finite finite-difference value")
)

type arimaOptimizer struct {
	fn       func([]float64) float64
	parscale []float64
	ndeps    float64
	maxit    int
	reltol   float64
	x        []float64 // scratch: unscaled parameters
	evals    int
}

func (o *arimaOptimizer) f(b []float64) float64 {
	for i := range b {
		o.x[i] = b[i] * o.parscale[i]
	}
	o.evals++
	v := o.fn(o.x)
	return v
}

// grad is R's fmingr with numerical derivatives on the scaled parameters.
func (o *arimaOptimizer) grad(b, df []float64) error {
	n := len(b)
	for i := range n {
		o.x[i] = b[i] * o.parscale[i]
	}
	for i := range n {
		eps := o.ndeps
		o.x[i] = (b[i] + eps) * o.parscale[i]
		o.evals++
		v1 := o.fn(o.x)
		o.x[i] = (b[i] - eps) * o.parscale[i]
		o.evals++
		v2 := o.fn(o.x)
		df[i] = (v1 - v2) / (2 * eps)
		if math.IsNaN(df[i]) || math.IsInf(df[i], 0) {
			return errArimaNonFiniteGrad
		}
		o.x[i] = b[i] * o.parscale[i]
	}
	return nil
}

// minimize runs vmmin from par (unscaled). It returns the minimiser
// (unscaled), the minimum and whether the iteration limit was hit.
func (o *arimaOptimizer) minimize(par []float64) ([]float64, float64, bool, error) {
	const (
		stepredn = 0.2
		acctol   = 0.0001
		reltest  = 10.0
	)
	n := len(par)
	o.x = make([]float64, n)
	b := make([]float64, n)
	for i := range n {
		b[i] = par[i] / o.parscale[i]
	}
	unscale := func() []float64 {
		out := make([]float64, n)
		for i := range n {
			out[i] = b[i] * o.parscale[i]
		}
		return out
	}
	f := o.f(b)
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return nil, 0, false, errArimaNonFinite
	}
	if n == 0 {
		return unscale(), f, false, nil
	}
	fmin := f
	g := make([]float64, n)
	if err := o.grad(b, g); err != nil {
		return nil, 0, false, err
	}
	funcount, gradcount := 1, 1
	iter := 1
	ilast := gradcount
	B := make([]float64, n*n) // lower triangle used, B[i*n+j], j<=i
	X := make([]float64, n)
	c := make([]float64, n)
	t := make([]float64, n)
	count := 0
	for {
		if ilast == gradcount {
			for i := range n {
				for j := 0; j <= i; j++ {
					B[i*n+j] = 0
				}
				B[i*n+i] = 1
			}
		}
		copy(X, b)
		copy(c, g)
		gradproj := 0.0
		for i := range n {
			s := 0.0
			for j := 0; j <= i; j++ {
				s -= B[i*n+j] * g[j]
			}
			for j := i + 1; j < n; j++ {
				s -= B[j*n+i] * g[j]
			}
			t[i] = s
			gradproj += s * g[i]
		}
		if gradproj < 0 {
			steplength := 1.0
			accpoint := false
			for {
				count = 0
				for i := range n {
					b[i] = X[i] + steplength*t[i]
					if reltest+X[i] == reltest+b[i] {
						count++
					}
				}
				if count < n {
					f = o.f(b)
					funcount++
					accpoint = !math.IsNaN(f) && !math.IsInf(f, 0) && f <= fmin+gradproj*steplength*acctol
					if !accpoint {
						steplength *= stepredn
					}
				}
				if count == n || accpoint {
					break
				}
			}
			enough := f > math.Inf(-1) && math.Abs(f-fmin) > o.reltol*(math.Abs(fmin)+o.reltol)
			if !enough {
				count = n
				fmin = f
			}
			if count < n {
				fmin = f
				if err := o.grad(b, g); err != nil {
					return nil, 0, false, err
				}
				gradcount++
				iter++
				D1 := 0.0
				for i := range n {
					t[i] *= steplength
					c[i] = g[i] - c[i]
					D1 += t[i] * c[i]
				}
				if D1 > 0 {
					D2 := 0.0
					for i := range n {
						s := 0.0
						for j := 0; j <= i; j++ {
							s += B[i*n+j] * c[j]
						}
						for j := i + 1; j < n; j++ {
							s += B[j*n+i] * c[j]
						}
						X[i] = s
						D2 += s * c[i]
					}
					D2 = 1 + D2/D1
					for i := range n {
						for j := 0; j <= i; j++ {
							B[i*n+j] += (D2*t[i]*t[j] - X[i]*t[j] - t[i]*X[j]) / D1
						}
					}
				} else {
					ilast = gradcount
				}
			} else if ilast < gradcount {
				count = 0
				ilast = gradcount
			}
		} else {
			count = 0
			if ilast == gradcount {
				count = n
			} else {
				ilast = gradcount
			}
		}
		if iter >= o.maxit {
			break
		}
		if gradcount-ilast > 2*n {
			ilast = gradcount
		}
		if count == n && ilast == gradcount {
			break
		}
	}
	_ = funcount
	return unscale(), fmin, iter >= o.maxit, nil
}

// hessian is R's optimhess at par (unscaled), n×n row-major.
func (o *arimaOptimizer) hessian(par []float64) ([]float64, error) {
	n := len(par)
	o.x = make([]float64, n)
	dpar := make([]float64, n)
	for i := range n {
		dpar[i] = par[i] / o.parscale[i]
	}
	df1 := make([]float64, n)
	df2 := make([]float64, n)
	H := make([]float64, n*n)
	for i := range n {
		eps := o.ndeps / o.parscale[i]
		dpar[i] += eps
		if err := o.grad(dpar, df1); err != nil {
			return nil, err
		}
		dpar[i] -= 2 * eps
		if err := o.grad(dpar, df2); err != nil {
			return nil, err
		}
		for j := range n {
			H[i*n+j] = (df1[j] - df2[j]) / (2 * eps * o.parscale[i] * o.parscale[j])
		}
		dpar[i] += eps
	}
	for i := range n {
		for j := range i {
			tmp := 0.5 * (H[i*n+j] + H[j*n+i])
			H[i*n+j], H[j*n+i] = tmp, tmp
		}
	}
	return H, nil
}
