// Package optim holds small derivative-free optimisers shared by crmkit's
// numeric kernels. They work on plain slices, allocate only when a workspace
// grows, and are deterministic.
package optim

import "math"

// nmBig is the value that replaces a non-finite objective, as R's optim does.
const nmBig = 1.0e35

// NelderMeadSettings controls [NelderMead.Minimize]. The zero value means the
// defaults of R's optim(method = "Nelder-Mead"): reflection 1, contraction
// 0.5, expansion 2, relative tolerance sqrt(machine epsilon), no absolute
// tolerance and 500 function evaluations.
type NelderMeadSettings struct {
	// AbsTol stops when the best value falls to AbsTol or below. Zero means
	// -Inf (never).
	AbsTol float64
	// RelTol stops when the simplex' function values span less than
	// RelTol·(|f(x0)|+RelTol). Zero means sqrt(2.2e-16).
	RelTol float64
	// Alpha, Beta and Gamma are the reflection, contraction and expansion
	// factors; zero means 1, 0.5 and 2.
	Alpha, Beta, Gamma float64
	// MaxEval bounds the number of function evaluations; zero means 500.
	MaxEval int
}

// NelderMeadResult reports the outcome of a minimisation.
type NelderMeadResult struct {
	F     float64 // best function value
	Evals int     // function evaluations used
	// Status is 0 on convergence, 1 when MaxEval was reached, 10 when the
	// simplex could not shrink further (R's fail codes) and -1 when f is not
	// finite at the starting point.
	Status int
}

// NelderMead is a reusable workspace for the Nelder-Mead simplex method as R's
// optim implements it (nmmin in R's src/appl/optim.c, after Nash 1990): the
// same initial simplex (a step of a tenth of the largest |x0_i|), the same
// moves and the same stopping rule, so results track R's closely.
//
// The zero value is ready to use. A NelderMead is not safe for concurrent
// use; give each goroutine its own.
type NelderMead struct {
	n    int
	p    []float64 // (n+1) vertices of n coordinates, plus the centroid
	fv   []float64 // function value of each vertex
	bvec []float64
}

func (nm *NelderMead) grow(n int) {
	if nm.n == n && nm.p != nil {
		return
	}
	nm.n = n
	nm.p = make([]float64, (n+2)*n)
	nm.fv = make([]float64, n+2)
	nm.bvec = make([]float64, n)
}

func (nm *NelderMead) vertex(j int) []float64 { return nm.p[j*nm.n : (j+1)*nm.n] }

// Minimize minimises f from x0 and writes the best point into x (which may
// alias x0). f must not keep its argument.
func (nm *NelderMead) Minimize(f func([]float64) float64, x0, x []float64, s NelderMeadSettings) NelderMeadResult {
	n := len(x0)
	alpha, bet, gamm := s.Alpha, s.Beta, s.Gamma
	if alpha == 0 {
		alpha = 1
	}
	if bet == 0 {
		bet = 0.5
	}
	if gamm == 0 {
		gamm = 2
	}
	abstol, intol := s.AbsTol, s.RelTol
	if abstol == 0 {
		abstol = math.Inf(-1)
	}
	if intol == 0 {
		intol = math.Sqrt(2.220446049250313e-16)
	}
	maxit := s.MaxEval
	if maxit == 0 {
		maxit = 500
	}
	if n == 0 {
		return NelderMeadResult{F: f(x0), Evals: 1}
	}
	nm.grow(n)
	b := nm.bvec
	copy(b, x0)
	fx := f(b)
	if math.IsNaN(fx) || math.IsInf(fx, 0) {
		copy(x, x0)
		return NelderMeadResult{F: fx, Evals: 1, Status: -1}
	}
	funcount := 1
	convtol := intol * (math.Abs(fx) + intol)
	n1 := n + 1
	c := n1 // index of the centroid slot
	copy(nm.vertex(0), b)
	nm.fv[0] = fx
	L := 0
	step := 0.0
	for _, v := range b {
		step = max(step, 0.1*math.Abs(v))
	}
	if step == 0 {
		step = 0.1
	}
	size := 0.0
	for j := 1; j < n1; j++ {
		v := nm.vertex(j)
		copy(v, b)
		try := step
		for v[j-1] == b[j-1] {
			v[j-1] = b[j-1] + try
			try *= 10
		}
		size += try
	}
	oldsize := size
	calcvert := true
	status := 0
	for {
		if calcvert {
			for j := 0; j < n1; j++ {
				if j != L {
					copy(b, nm.vertex(j))
					fj := f(b)
					if math.IsNaN(fj) || math.IsInf(fj, 0) {
						fj = nmBig
					}
					funcount++
					nm.fv[j] = fj
				}
			}
			calcvert = false
		}
		vl := nm.fv[L]
		vh := vl
		H := L
		for j := 0; j < n1; j++ {
			if j != L {
				fj := nm.fv[j]
				if fj < vl {
					L, vl = j, fj
				}
				if fj > vh {
					H, vh = j, fj
				}
			}
		}
		if vh <= vl+convtol || vl <= abstol {
			break
		}
		cen := nm.vertex(c)
		ph := nm.vertex(H)
		for i := 0; i < n; i++ {
			t := -ph[i]
			for j := 0; j < n1; j++ {
				t += nm.p[j*n+i]
			}
			cen[i] = t / float64(n)
		}
		for i := 0; i < n; i++ {
			b[i] = (1+alpha)*cen[i] - alpha*ph[i]
		}
		fr := f(b)
		if math.IsNaN(fr) || math.IsInf(fr, 0) {
			fr = nmBig
		}
		funcount++
		vr := fr
		if vr < vl {
			nm.fv[c] = fr
			for i := 0; i < n; i++ {
				t := gamm*b[i] + (1-gamm)*cen[i]
				cen[i] = b[i]
				b[i] = t
			}
			fe := f(b)
			if math.IsNaN(fe) || math.IsInf(fe, 0) {
				fe = nmBig
			}
			funcount++
			if fe < vr {
				copy(ph, b)
				nm.fv[H] = fe
			} else {
				copy(ph, cen)
				nm.fv[H] = vr
			}
		} else {
			if vr < vh {
				copy(ph, b)
				nm.fv[H] = vr
			}
			for i := 0; i < n; i++ {
				b[i] = (1-bet)*ph[i] + bet*cen[i]
			}
			fc := f(b)
			if math.IsNaN(fc) || math.IsInf(fc, 0) {
				fc = nmBig
			}
			funcount++
			if fc < nm.fv[H] {
				copy(ph, b)
				nm.fv[H] = fc
			} else if vr >= vh {
				calcvert = true
				size = 0
				pl := nm.vertex(L)
				for j := 0; j < n1; j++ {
					if j != L {
						pj := nm.vertex(j)
						for i := 0; i < n; i++ {
							pj[i] = bet*(pj[i]-pl[i]) + pl[i]
							size += math.Abs(pj[i] - pl[i])
						}
					}
				}
				if size < oldsize {
					oldsize = size
				} else {
					status = 10
					break
				}
			}
		}
		if funcount > maxit {
			break
		}
	}
	copy(x, nm.vertex(L))
	if funcount > maxit {
		status = 1
	}
	return NelderMeadResult{F: nm.fv[L], Evals: funcount, Status: status}
}
