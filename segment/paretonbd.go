package segment

import (
	"encoding/json"
	"fmt"
	"math"
	"sync"

	"gonum.org/v1/gonum/integrate/quad"
	"gonum.org/v1/gonum/mathext"
)

// ParetoNBDParams are the parameters of the Pareto/NBD model (Schmittlein,
// Morrison and Colombo 1987): while alive a customer buys at Poisson rate
// λ ~ Gamma(R, Alpha) and dies at exponential rate μ ~ Gamma(S, Beta). Alpha
// and Beta are in the summaries' time unit. The zero value is invalid.
type ParetoNBDParams struct {
	R     float64 `json:"r"`
	Alpha float64 `json:"alpha"`
	S     float64 `json:"s"`
	Beta  float64 `json:"beta"`
}

// ParetoNBD is a fitted Pareto/NBD model. It is immutable and safe for
// concurrent use. The zero value is not usable; build one with
// [FitParetoNBD], [FitParetoNBDPatterns] or [NewParetoNBD].
type ParetoNBD struct {
	p  ParetoNBDParams
	se *ParetoNBDParams
	ll float64
	n  float64
}

// NewParetoNBD builds a Pareto/NBD model from known parameters, all positive
// and finite. It has no log-likelihood or standard errors.
func NewParetoNBD(p ParetoNBDParams) (*ParetoNBD, error) {
	for _, v := range []float64{p.R, p.Alpha, p.S, p.Beta} {
		if badFloat(v) || v <= 0 {
			return nil, fmt.Errorf("%w: parameters must be positive and finite: %+v", ErrOptions, p)
		}
	}
	return &ParetoNBD{p: p}, nil
}

// FitParetoNBD fits the Pareto/NBD model to summaries by maximum likelihood,
// like [FitBGNBD].
func FitParetoNBD(s []Summary, opts *FitOptions) (*ParetoNBD, error) {
	ps, err := Compress(s)
	if err != nil {
		return nil, err
	}
	return FitParetoNBDPatterns(ps, opts)
}

// FitParetoNBDPatterns fits the Pareto/NBD model to weighted patterns.
func FitParetoNBDPatterns(ps []Pattern, opts *FitOptions) (*ParetoNBD, error) {
	d, err := newPatternData(ps)
	if err != nil {
		return nil, err
	}
	scale := d.meanT
	if scale <= 0 {
		scale = 1
	}
	res, err := maximise(paretoNegLL(ps, d.total), []float64{1, scale, 1, scale}, d.total, opts)
	if err != nil {
		return nil, err
	}
	m := &ParetoNBD{p: ParetoNBDParams{res.params[0], res.params[1], res.params[2], res.params[3]}, ll: res.ll, n: d.total}
	if res.se != nil {
		m.se = &ParetoNBDParams{res.se[0], res.se[1], res.se[2], res.se[3]}
	}
	return m, nil
}

// glNodes are 16-point Gauss-Legendre nodes and weights on [0, 1].
var glNodes = sync.OnceValues(func() ([]float64, []float64) {
	x, w := make([]float64, 16), make([]float64, 16)
	quad.Legendre{}.FixedLocations(x, w, 0, 1)
	return x, w
})

// paretoTerms holds one customer's log-likelihood and its derivatives.
type paretoTerms struct {
	ll, wF                float64 // log-likelihood; share of the "alive at T" term (= P(alive))
	dr, dalpha, ds, dbeta float64
}

// paretoCustomer evaluates the Pareto/NBD log-likelihood of one history,
//
//	L = Γ(r+x)α^r β^s / Γ(r) · [ (α+T)^-(r+x) (β+T)^-s + s·I ],
//	I = ∫_{t_x}^{T} (α+y)^-(r+x) (β+y)^-(s+1) dy,
//
// the integral form of Fader and Hardie's (2005) A0 term: the customer died
// at some y between the last purchase and T. I and its parameter derivatives
// (differentiation under the integral) use composite Gauss-Legendre in
// u = ln(α+y), with panels narrow enough for the integrand's power-law
// decay, so value and gradient are consistent to rounding.
func paretoCustomer(r, alpha, s, beta float64, x int, tx, T float64, grad bool) paretoTerms {
	xf := float64(x)
	rx := r + xf
	var t paretoTerms
	lgrx, _ := math.Lgamma(rx)
	lgr, _ := math.Lgamma(r)
	outer := lgrx - lgr + r*math.Log(alpha) + s*math.Log(beta)
	lF := -rx*math.Log(alpha+T) - s*math.Log(beta+T)
	if T <= tx {
		t.ll, t.wF = outer+lF, 1
		if grad {
			t.dr = mathext.Digamma(rx) - mathext.Digamma(r) + math.Log(alpha) - math.Log(alpha+T)
			t.dalpha = r/alpha - rx/(alpha+T)
			t.ds = math.Log(beta) - math.Log(beta+T)
			t.dbeta = s/beta - s/(beta+T)
		}
		return t
	}
	nodes, weights := glNodes()
	u0 := math.Log(alpha + tx)
	span := math.Log1p((T - tx) / (alpha + tx))
	panels := int(math.Ceil((rx + s + 1) * span / 8))
	panels = max(1, min(panels, 512))
	h := span / float64(panels)
	lref := -(rx-1)*u0 - (s+1)*math.Log(beta+tx) // log-integrand at y = t_x
	lbtx := math.Log(beta + tx)
	var S, Sr, Sa, Ss, Sb float64
	for k := range panels {
		for j, z := range nodes {
			v := (float64(k) + z) * h // u − u0
			e1 := math.Expm1(v)
			apy := (alpha + tx) * (1 + e1) // α + y
			bpy := beta + tx + (alpha+tx)*e1
			lb := math.Log(bpy)
			e := weights[j] * h * math.Exp(-(rx-1)*v-(s+1)*(lb-lbtx))
			S += e
			if grad {
				Sr -= e * (u0 + v)
				Sa -= e * rx / apy
				Ss -= e * lb
				Sb -= e * (s + 1) / bpy
			}
		}
	}
	lI := math.Log(s) + lref + math.Log(S)
	var lse float64
	if lF >= lI {
		lse = lF + math.Log1p(math.Exp(lI-lF))
	} else {
		lse = lI + math.Log1p(math.Exp(lF-lI))
	}
	t.ll = outer + lse
	t.wF = math.Exp(lF - lse)
	if grad {
		wI := 1 - t.wF
		t.dr = mathext.Digamma(rx) - mathext.Digamma(r) + math.Log(alpha) - t.wF*math.Log(alpha+T) + wI*Sr/S
		t.dalpha = r/alpha - t.wF*rx/(alpha+T) + wI*Sa/S
		t.ds = math.Log(beta) - t.wF*math.Log(beta+T) + wI*(1/s+Ss/S)
		t.dbeta = s/beta - t.wF*s/(beta+T) + wI*Sb/S
	}
	return t
}

func paretoNegLL(ps []Pattern, total float64) negLL {
	return func(lp, grad []float64) float64 {
		r, alpha, s, beta := math.Exp(lp[0]), math.Exp(lp[1]), math.Exp(lp[2]), math.Exp(lp[3])
		sums := chunkedSum(len(ps), 5, func(lo, hi int, out []float64) {
			for _, p := range ps[lo:hi] {
				t := paretoCustomer(r, alpha, s, beta, p.Frequency, p.Recency, p.T, grad != nil)
				out[0] += p.Weight * t.ll
				out[1] += p.Weight * t.dr
				out[2] += p.Weight * t.dalpha
				out[3] += p.Weight * t.ds
				out[4] += p.Weight * t.dbeta
			}
		})
		ll, g0, g1, g2, g3 := sums[0], sums[1], sums[2], sums[3], sums[4]
		if grad != nil {
			grad[0] = -g0 * r / total
			grad[1] = -g1 * alpha / total
			grad[2] = -g2 * s / total
			grad[3] = -g3 * beta / total
		}
		return -ll / total
	}
}

// Params returns the model's parameters.
func (m *ParetoNBD) Params() ParetoNBDParams { return m.p }

// StdErr returns the asymptotic standard errors of the parameters, as
// [BGNBD.StdErr] does.
func (m *ParetoNBD) StdErr() (ParetoNBDParams, error) {
	if m.se == nil {
		return ParetoNBDParams{}, fmt.Errorf("%w: standard errors unavailable", ErrNotConverged)
	}
	return *m.se, nil
}

// LogLik returns the maximised log-likelihood (0 for a model built from
// parameters).
func (m *ParetoNBD) LogLik() float64 { return m.ll }

// ProbAlive returns P(alive at T | x, t_x, T); invalid arguments give NaN.
func (m *ParetoNBD) ProbAlive(x int, tx, T float64) float64 {
	if !validHistory(x, tx, T) {
		return math.NaN()
	}
	p := m.p
	return paretoCustomer(p.R, p.Alpha, p.S, p.Beta, x, tx, T, false).wF
}

// ExpectedPurchases returns E[Y(t) | x, t_x, T] (Schmittlein, Morrison and
// Colombo 1987; Fader and Hardie 2005 note):
//
//	(r+x)(β+T) / ((α+T)(s−1)) · [1 − ((β+T)/(β+T+t))^(s−1)] · P(alive),
//
// with the s → 1 limit handled; with x = t_x = T = 0 it is the
// unconditional E[X(t)]. Invalid arguments or t < 0 give NaN.
func (m *ParetoNBD) ExpectedPurchases(t float64, x int, tx, T float64) float64 {
	if !validHistory(x, tx, T) || badFloat(t) || t < 0 {
		return math.NaN()
	}
	p := m.p
	return (p.R + float64(x)) / (p.Alpha + T) * (p.Beta + T) * oneMinusPowOver(math.Log1p(t/(p.Beta+T)), p.S-1) * m.ProbAlive(x, tx, T)
}

// oneMinusPowOver returns [1 − e^(−c·L)]/c, i.e. [1 − q^c]/c with
// L = −ln q, and its limit L as c → 0.
func oneMinusPowOver(L, c float64) float64 {
	if math.Abs(c) < 1e-12 {
		return L
	}
	return -math.Expm1(-c*L) / c
}

// PurchaseProb returns P(X(t) = k) for a customer picked at random at
// acquisition: the customer lives past t with probability (β/(β+t))^s and
// otherwise dies at τ with density sβ^s/(β+τ)^(s+1); given the active time
// d = min(τ, t) the count is NBD(r, α, d). The integral over τ uses composite
// Gauss-Legendre in ln(1+τ). k < 0 gives 0; t < 0 or non-finite gives NaN.
func (m *ParetoNBD) PurchaseProb(k int, t float64) float64 {
	if badFloat(t) || t < 0 {
		return math.NaN()
	}
	if k < 0 {
		return 0
	}
	p := m.p
	kf := float64(k)
	lg1, _ := math.Lgamma(p.R + kf)
	lg2, _ := math.Lgamma(p.R)
	lg3, _ := math.Lgamma(kf + 1)
	lc := lg1 - lg2 - lg3
	nbd := func(d float64) float64 {
		if d == 0 {
			if k == 0 {
				return 1
			}
			return 0
		}
		v := lc + p.R*math.Log(p.Alpha/(p.Alpha+d))
		if k > 0 {
			v += kf * math.Log(d/(p.Alpha+d))
		}
		return math.Exp(v)
	}
	out := math.Exp(p.S*math.Log(p.Beta/(p.Beta+t))) * nbd(t)
	if t == 0 {
		return out
	}
	nodes, weights := glNodes()
	const panels = 32
	span := math.Log1p(t)
	h := span / panels
	for i := range panels {
		for j, z := range nodes {
			w := (float64(i) + z) * h
			tau := math.Expm1(w)
			dens := p.S * math.Exp(p.S*math.Log(p.Beta)-(p.S+1)*math.Log(p.Beta+tau))
			out += weights[j] * h * (1 + tau) * dens * nbd(tau)
		}
	}
	return out
}

// ConditionalPurchaseProb returns P(Y(t) = k | x, t_x, T). A customer
// alive at T buys on as a new Pareto/NBD customer with the posterior
// parameters (r+x, α+T, s, β+T); one who has dropped out makes no purchase:
// P(k) = (1−P_A)·[k=0] + P_A·P'(X(t)=k), with P' the [ParetoNBD.PurchaseProb]
// of the updated model. Invalid arguments give NaN; k < 0 gives 0.
func (m *ParetoNBD) ConditionalPurchaseProb(k int, t float64, x int, tx, T float64) float64 {
	if !validHistory(x, tx, T) || badFloat(t) || t < 0 {
		return math.NaN()
	}
	if k < 0 {
		return 0
	}
	pa := m.ProbAlive(x, tx, T)
	p := m.p
	post := ParetoNBD{p: ParetoNBDParams{R: p.R + float64(x), Alpha: p.Alpha + T, S: p.S, Beta: p.Beta + T}}
	out := pa * post.PurchaseProb(k, t)
	if k == 0 {
		out += 1 - pa
	}
	return out
}

// MarshalJSON encodes the model as {"model", "params", "std_err", "log_lik", "n"}.
func (m *ParetoNBD) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Model  string           `json:"model"`
		Params ParetoNBDParams  `json:"params"`
		StdErr *ParetoNBDParams `json:"std_err,omitempty"`
		LogLik float64          `json:"log_lik"`
		N      float64          `json:"n"`
	}{"paretonbd", m.p, m.se, m.ll, m.n})
}
