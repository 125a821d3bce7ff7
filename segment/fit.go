package segment

import (
	"errors"
	"fmt"
	"math"
	"slices"

	"gonum.org/v1/gonum/mat"
)

// FitOptions tune a maximum-likelihood fit. A nil pointer or the zero value
// means the defaults.
//
// The likelihood is maximised over the logarithms of the parameters by BFGS
// with analytic gradients. MaxIterations bounds BFGS's major iterations
// (zero: 1000). Start, when non-nil, gives the starting parameters in the
// model's order (BG/NBD: r, α, a, b; Pareto/NBD: r, α, s, β; Gamma-Gamma: p,
// q, γ), all positive; nil starts from 1 for shape parameters and the mean
// of T (or of spend) for scale parameters.
type FitOptions struct {
	MaxIterations int       `json:"max_iterations,omitempty"`
	Start         []float64 `json:"start,omitempty"`
}

// negLL evaluates the negative log-likelihood per unit weight and its
// gradient with respect to the log-parameters (grad may be nil).
type negLL func(logp, grad []float64) float64

// fitResult is what every fit returns.
type fitResult struct {
	params []float64 // natural scale
	se     []float64 // natural scale; nil when the Hessian is not invertible
	seErr  error
	ll     float64 // total log-likelihood
	iter   int
}

// maximise runs BFGS on f from start (natural scale), then computes standard
// errors from the Hessian of the total negative log-likelihood.
func maximise(f negLL, start []float64, weight float64, opts *FitOptions) (fitResult, error) {
	n := len(start)
	if opts != nil && opts.Start != nil {
		if len(opts.Start) != n {
			return fitResult{}, fmt.Errorf("%w: Start has %d values, the model %d", ErrOptions, len(opts.Start), n)
		}
		start = opts.Start
	}
	x0 := make([]float64, n)
	for i, v := range start {
		if badFloat(v) || v <= 0 {
			return fitResult{}, fmt.Errorf("%w: Start[%d] = %v must be positive", ErrOptions, i, v)
		}
		x0[i] = math.Log(v)
	}
	maxIter := 1000
	if opts != nil && opts.MaxIterations > 0 {
		maxIter = opts.MaxIterations
	}
	// Parameters beyond e^±30 mean the likelihood has no interior maximum
	// (for example all customers identical); the barrier keeps BFGS finite.
	const bound = 30.0
	obj := func(x, grad []float64) float64 {
		for _, v := range x {
			if math.Abs(v) > bound || math.IsNaN(v) {
				return math.Inf(1)
			}
		}
		v := f(x, grad)
		if math.IsNaN(v) {
			return math.Inf(1)
		}
		return v
	}
	res := bfgsMinimize(obj, x0, 1e-9, maxIter)
	x := res.x
	for _, v := range x {
		if math.Abs(v) >= bound-1 {
			return fitResult{}, fmt.Errorf("%w: a parameter ran to e^%.0f (no interior maximum; the data may be degenerate)", ErrNotConverged, v)
		}
	}
	g := make([]float64, n)
	fv := f(x, g)
	if gmax := infNorm(g); badFloat(fv) || badFloat(gmax) || gmax > 1e-5 {
		return fitResult{}, fmt.Errorf("%w: after %d iterations the gradient is %.3g", ErrNotConverged, res.iter, gmax)
	}
	out := fitResult{params: make([]float64, n), ll: -fv * weight, iter: res.iter}
	for i, v := range x {
		out.params[i] = math.Exp(v)
	}
	out.se, out.seErr = stdErrors(f, x, weight)
	if out.seErr != nil {
		// A flat or saddle-shaped optimum: the data do not identify the
		// parameters (all customers alike, no repeat purchases, …).
		return fitResult{}, fmt.Errorf("%w: no interior maximum (%v); the data may not identify the model", ErrNotConverged, out.seErr)
	}
	return out, nil
}

// stdErrors inverts the Hessian of the total negative log-likelihood in
// log-parameters, computed by central differences of the analytic gradient,
// and maps the standard errors to the natural scale by the delta method
// (se(θ) = θ·se(log θ)).
func stdErrors(f negLL, x []float64, weight float64) ([]float64, error) {
	n := len(x)
	h := mat.NewSymDense(n, nil)
	gp, gm := make([]float64, n), make([]float64, n)
	xx := slices.Clone(x)
	hess := make([][]float64, n)
	for j := range n {
		step := 1e-5 * math.Max(1, math.Abs(x[j]))
		xx[j] = x[j] + step
		f(xx, gp)
		xx[j] = x[j] - step
		f(xx, gm)
		xx[j] = x[j]
		hess[j] = make([]float64, n)
		for i := range n {
			hess[j][i] = (gp[i] - gm[i]) / (2 * step) * weight
		}
	}
	for i := range n {
		for j := i; j < n; j++ {
			h.SetSym(i, j, (hess[i][j]+hess[j][i])/2)
		}
	}
	var chol mat.Cholesky
	if ok := chol.Factorize(h); !ok {
		return nil, errors.New("segment: Hessian not positive definite; standard errors unavailable")
	}
	var cov mat.SymDense
	if err := chol.InverseTo(&cov); err != nil {
		return nil, fmt.Errorf("segment: standard errors unavailable: %w", err)
	}
	se := make([]float64, n)
	for i := range n {
		v := cov.At(i, i)
		if v < 0 || badFloat(v) {
			return nil, errors.New("segment: negative variance; standard errors unavailable")
		}
		se[i] = math.Exp(x[i]) * math.Sqrt(v)
	}
	return se, nil
}
