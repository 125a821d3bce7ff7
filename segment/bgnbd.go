package segment

import (
	"encoding/json"
	"fmt"
	"math"

	"gonum.org/v1/gonum/mathext"
)

// patternData is the kernel's view of patterns: each distinct x, t_x and T
// stored once so that logarithms of (α+t) are computed per distinct time,
// not per customer.
type patternData struct {
	w            []float64
	xi, txi, ti  []int32
	xu, txu, tu  []float64
	total, meanT float64
	np           int
}

func newPatternData(ps []Pattern) (*patternData, error) {
	if len(ps) == 0 {
		return nil, fmt.Errorf("%w: no customers", ErrNoData)
	}
	d := &patternData{np: len(ps), w: make([]float64, len(ps)), xi: make([]int32, len(ps)), txi: make([]int32, len(ps)), ti: make([]int32, len(ps))}
	xs := make(map[int]int32)
	txs := make(map[float64]int32)
	ts := make(map[float64]int32)
	for i, p := range ps {
		if err := checkPattern(p, i); err != nil {
			return nil, err
		}
		d.w[i] = p.Weight
		d.total += p.Weight
		d.meanT += p.Weight * p.T
		d.xi[i] = index(xs, p.Frequency, &d.xu, float64(p.Frequency))
		d.txi[i] = index(txs, p.Recency, &d.txu, p.Recency)
		d.ti[i] = index(ts, p.T, &d.tu, p.T)
	}
	d.meanT /= d.total
	if badFloat(d.total) {
		return nil, fmt.Errorf("%w: total weight %v", ErrOptions, d.total)
	}
	return d, nil
}

func index[K comparable](m map[K]int32, k K, vals *[]float64, v float64) int32 {
	if i, ok := m[k]; ok {
		return i
	}
	i := int32(len(*vals))
	m[k] = i
	*vals = append(*vals, v)
	return i
}

// BGNBDParams are the parameters of the BG/NBD and MBG/NBD models: while
// alive a customer buys at Poisson rate λ ~ Gamma(R, Alpha) per time unit;
// after each purchase (and, in MBG/NBD, also at the start) the customer
// drops out with probability p ~ Beta(A, B). Alpha is in the summaries' time
// unit. The zero value is invalid (all parameters must be positive).
type BGNBDParams struct {
	R     float64 `json:"r"`
	Alpha float64 `json:"alpha"`
	A     float64 `json:"a"`
	B     float64 `json:"b"`
}

// BGNBD is a fitted BG/NBD model (Fader, Hardie and Lee 2005, "Counting your
// customers the easy way"). It is immutable and safe for concurrent use. The
// zero value is not usable; build one with [FitBGNBD], [FitBGNBDPatterns] or
// [NewBGNBD]. It marshals to JSON as its parameters, standard errors and
// log-likelihood.
type BGNBD struct {
	bgCommon
}

// MBGNBD is a fitted MBG/NBD model (Batislam, Denizel and Filiztekin 2007):
// BG/NBD in which a customer may also drop out right after the first
// purchase, so customers without repeat purchases are not assumed alive.
// Immutable and safe for concurrent use; the zero value is not usable: build
// one with [FitMBGNBD], [FitMBGNBDPatterns] or [NewMBGNBD].
type MBGNBD struct {
	bgCommon
}

type bgCommon struct {
	p        BGNBDParams
	se       *BGNBDParams
	ll       float64
	n        float64
	modified bool
}

// NewBGNBD builds a BG/NBD model from known parameters (for example ones
// fitted elsewhere and shipped to workers). All must be positive and finite.
// It has no log-likelihood or standard errors.
func NewBGNBD(p BGNBDParams) (*BGNBD, error) {
	if err := p.check(); err != nil {
		return nil, err
	}
	return &BGNBD{bgCommon{p: p}}, nil
}

// NewMBGNBD builds an MBG/NBD model from known parameters, like [NewBGNBD].
func NewMBGNBD(p BGNBDParams) (*MBGNBD, error) {
	if err := p.check(); err != nil {
		return nil, err
	}
	return &MBGNBD{bgCommon{p: p, modified: true}}, nil
}

func (p BGNBDParams) check() error {
	for _, v := range []float64{p.R, p.Alpha, p.A, p.B} {
		if badFloat(v) || v <= 0 {
			return fmt.Errorf("%w: parameters must be positive and finite: %+v", ErrOptions, p)
		}
	}
	return nil
}

// FitBGNBD fits the BG/NBD model to summaries by maximum likelihood. Equal
// histories are compressed into weighted patterns first (see [Compress]).
// Errors: a [*crmkit.RecordError] for an invalid summary, [ErrNoData] for
// no summaries, [ErrNotConverged] when BFGS fails or the likelihood has no
// interior maximum (a Hessian that is not positive definite: all customers
// alike, no repeat purchases at all).
func FitBGNBD(s []Summary, opts *FitOptions) (*BGNBD, error) {
	ps, err := Compress(s)
	if err != nil {
		return nil, err
	}
	return FitBGNBDPatterns(ps, opts)
}

// FitBGNBDPatterns fits the BG/NBD model to weighted patterns, the form a
// distributed engine combines (see [Compress] and [MergePatterns]).
func FitBGNBDPatterns(ps []Pattern, opts *FitOptions) (*BGNBD, error) {
	c, err := fitBG(ps, opts, false)
	if err != nil {
		return nil, err
	}
	return &BGNBD{c}, nil
}

// FitMBGNBD fits the MBG/NBD model to summaries by maximum likelihood, like
// [FitBGNBD].
func FitMBGNBD(s []Summary, opts *FitOptions) (*MBGNBD, error) {
	ps, err := Compress(s)
	if err != nil {
		return nil, err
	}
	return FitMBGNBDPatterns(ps, opts)
}

// FitMBGNBDPatterns fits the MBG/NBD model to weighted patterns.
func FitMBGNBDPatterns(ps []Pattern, opts *FitOptions) (*MBGNBD, error) {
	c, err := fitBG(ps, opts, true)
	if err != nil {
		return nil, err
	}
	return &MBGNBD{c}, nil
}

func fitBG(ps []Pattern, opts *FitOptions, modified bool) (bgCommon, error) {
	d, err := newPatternData(ps)
	if err != nil {
		return bgCommon{}, err
	}
	alpha0 := d.meanT
	if alpha0 <= 0 {
		alpha0 = 1
	}
	f := bgNegLL(d, modified)
	res, err := maximise(f, []float64{1, alpha0, 1, 1}, d.total, opts)
	if err != nil {
		return bgCommon{}, err
	}
	c := bgCommon{p: BGNBDParams{res.params[0], res.params[1], res.params[2], res.params[3]}, ll: res.ll, n: d.total, modified: modified}
	if res.se != nil {
		c.se = &BGNBDParams{res.se[0], res.se[1], res.se[2], res.se[3]}
	}
	return c, nil
}

// bgNegLL is the BG/NBD (or MBG/NBD) negative log-likelihood per unit
// weight over log-parameters, with its analytic gradient. For one customer
//
//	L = B(a,b+x+m)/B(a,b) · Γ(r+x)α^r / (Γ(r)(α+T)^(r+x))
//	  + [x>0 or m] B(a+1,b+x-1+m)/B(a,b) · Γ(r+x)α^r / (Γ(r)(α+t_x)^(r+x))
//
// with m = 1 for MBG/NBD and 0 for BG/NBD.
func bgNegLL(d *patternData, modified bool) negLL {
	m := 0.0
	if modified {
		m = 1
	}
	nx, ntx, nt := len(d.xu), len(d.txu), len(d.tu)
	lgR, psR := make([]float64, nx), make([]float64, nx)
	lgB, psB := make([]float64, nx), make([]float64, nx)
	lgAB, psAB := make([]float64, nx), make([]float64, nx)
	lbx, ibx := make([]float64, nx), make([]float64, nx)
	lTx, iTx := make([]float64, ntx), make([]float64, ntx)
	lT, iT := make([]float64, nt), make([]float64, nt)
	return func(lp, grad []float64) float64 {
		r, alpha, a, b := math.Exp(lp[0]), math.Exp(lp[1]), math.Exp(lp[2]), math.Exp(lp[3])
		lgr0, _ := math.Lgamma(r)
		lgb0, _ := math.Lgamma(b)
		lgab0, _ := math.Lgamma(a + b)
		psr0, psb0, psab0 := mathext.Digamma(r), mathext.Digamma(b), mathext.Digamma(a+b)
		la, lalpha := math.Log(a), math.Log(alpha)
		for k, x := range d.xu {
			lgR[k], _ = math.Lgamma(r + x)
			lgB[k], _ = math.Lgamma(b + x + m)
			lgAB[k], _ = math.Lgamma(a + b + x + m)
			lbx[k] = math.Log(b + x - 1 + m)
			ibx[k] = 1 / (b + x - 1 + m)
			if grad != nil {
				psR[k] = mathext.Digamma(r + x)
				psB[k] = mathext.Digamma(b + x + m)
				psAB[k] = mathext.Digamma(a + b + x + m)
			}
		}
		for k, t := range d.txu {
			lTx[k] = math.Log(alpha + t)
			iTx[k] = 1 / (alpha + t)
		}
		for k, t := range d.tu {
			lT[k] = math.Log(alpha + t)
			iT[k] = 1 / (alpha + t)
		}
		grad0 := grad != nil
		sums := chunkedSum(len(d.w), 5, func(lo, hi int, out []float64) {
			var ll, gr, galpha, ga, gb float64
			for i := lo; i < hi; i++ {
				w := d.w[i]
				xk, tk, txk := d.xi[i], d.ti[i], d.txi[i]
				x := d.xu[xk]
				base := lgR[xk] - lgr0 + r*lalpha + lgab0 + lgB[xk] - lgb0 - lgAB[xk]
				a3 := -(r + x) * lT[tk]
				w3, li := 1.0, base+a3
				if x > 0 || modified {
					a4 := la - lbx[xk] - (r+x)*lTx[txk]
					if a3 >= a4 {
						e := math.Exp(a4 - a3)
						li += math.Log1p(e)
						w3 = 1 / (1 + e)
					} else {
						e := math.Exp(a3 - a4)
						li = base + a4 + math.Log1p(e)
						w3 = e / (1 + e)
					}
				}
				ll += w * li
				if !grad0 {
					continue
				}
				w4 := 1 - w3
				gr += w * (psR[xk] - psr0 + lalpha - w3*lT[tk] - w4*lTx[txk])
				galpha += w * (r/alpha - (r+x)*(w3*iT[tk]+w4*iTx[txk]))
				ga += w * (psab0 - psAB[xk] + w4/a)
				gbi := psab0 + psB[xk] - psb0 - psAB[xk]
				if w4 != 0 {
					gbi -= w4 * ibx[xk] // ibx is +Inf for x = 0 under BG/NBD, where w4 = 0
				}
				gb += w * gbi
			}
			out[0], out[1], out[2], out[3], out[4] = ll, gr, galpha, ga, gb
		})
		ll, gr, galpha, ga, gb := sums[0], sums[1], sums[2], sums[3], sums[4]
		if grad != nil {
			// Chain rule to log-parameters, sign for minimisation, per unit weight.
			grad[0] = -gr * r / d.total
			grad[1] = -galpha * alpha / d.total
			grad[2] = -ga * a / d.total
			grad[3] = -gb * b / d.total
		}
		return -ll / d.total
	}
}

// Params returns the model's parameters.
func (m *bgCommon) Params() BGNBDParams { return m.p }

// StdErr returns the asymptotic standard errors of the parameters (from the
// inverse Hessian of the log-likelihood at the estimate, delta method from
// the log scale). It fails only for a model built by NewBGNBD or NewMBGNBD:
// a fit whose Hessian is not positive definite is itself an error.
func (m *bgCommon) StdErr() (BGNBDParams, error) {
	if m.se == nil {
		return BGNBDParams{}, fmt.Errorf("%w: standard errors unavailable", ErrNotConverged)
	}
	return *m.se, nil
}

// LogLik returns the maximised log-likelihood (0 for a model built from
// parameters).
func (m *bgCommon) LogLik() float64 { return m.ll }

// ProbAlive returns P(alive at T | x, t_x, T). The arguments must satisfy
// x ≥ 0 and 0 ≤ t_x ≤ T (t_x = 0 when x = 0); otherwise the result is NaN.
// Under BG/NBD a customer without repeat purchases is alive for sure.
func (m *bgCommon) ProbAlive(x int, tx, T float64) float64 {
	if !validHistory(x, tx, T) {
		return math.NaN()
	}
	if x == 0 && !m.modified {
		return 1
	}
	mm := 0.0
	if m.modified {
		mm = 1
	}
	p := m.p
	xf := float64(x)
	// odds of having died = a/(b+x-1+m) · ((α+T)/(α+t_x))^(r+x)
	lo := math.Log(p.A) - math.Log(p.B+xf-1+mm) + (p.R+xf)*(math.Log(p.Alpha+T)-math.Log(p.Alpha+tx))
	return 1 / (1 + math.Exp(lo))
}

func validHistory(x int, tx, T float64) bool {
	return x >= 0 && !badFloat(tx) && !badFloat(T) && tx >= 0 && tx <= T && (x > 0 || tx == 0)
}

// ExpectedPurchases returns E[Y(t) | x, t_x, T], the expected number of
// purchases in the next t time units of a customer with the given history
// (FHL 2005 eq. 10; Batislam et al. 2007 for MBG/NBD), in a few
// hypergeometric terms for any x. For a customer just
// acquired (x = 0, t_x = 0, T = 0) it is the unconditional E[X(t)]. Invalid
// arguments or t < 0 give NaN.
func (m *bgCommon) ExpectedPurchases(t float64, x int, tx, T float64) float64 {
	if !validHistory(x, tx, T) || badFloat(t) || t < 0 {
		return math.NaN()
	}
	if t == 0 {
		return 0
	}
	p := m.p
	// At a = 1 the formula is 0/0 (removable); interpolate across it.
	const da = 1e-4
	if math.Abs(p.A-1) < da {
		lo := m.expectedAt(1-da, t, x, tx, T)
		hi := m.expectedAt(1+da, t, x, tx, T)
		return lo + (hi-lo)*(p.A-(1-da))/(2*da)
	}
	return m.expectedAt(p.A, t, x, tx, T)
}

func (m *bgCommon) expectedAt(a, t float64, x int, tx, T float64) float64 {
	p := m.p
	xf := float64(x)
	mm := 0.0
	if m.modified {
		mm = 1
	}
	z := t / (p.Alpha + T + t)
	// FHL eq. 10 has ((α+T)/(α+T+t))^(r+x) · 2F1(r+x, b+x+m; a+b+x−1+m; z).
	// Euler's transformation 2F1(A,B;C;z) = (1−z)^(C−A−B) 2F1(C−A,C−B;C;z)
	// with 1−z = (α+T)/(α+T+t) turns it into (1−z)^(a−1) ·
	// 2F1(a+b−1+m−r, a−1; a+b+x−1+m; z): the upper parameters no longer
	// grow with x, so the series converges in a few terms for any x (the
	// direct form took seconds and returned NaN at x = 10⁹).
	c := a + p.B + xf - 1 + mm
	hyp := mathext.Hypergeo(a+p.B-1+mm-p.R, a-1, c, z)
	num := c / (a - 1) * (1 - math.Exp((a-1)*math.Log1p(-z))*hyp)
	return num * m.ProbAlive(x, tx, T)
}

// PurchaseProb returns P(X(t) = k): the probability that a customer picked at
// random from the population makes exactly k purchases in a period of
// length t from acquisition (FHL 2005 eq. 8 for BG/NBD; the analogous
// expression for MBG/NBD). The cost does not grow with k (log-gamma terms
// and a regularised incomplete beta). k < 0 gives 0; t < 0 or non-finite
// gives NaN.
func (m *bgCommon) PurchaseProb(k int, t float64) float64 {
	if badFloat(t) || t < 0 {
		return math.NaN()
	}
	if k < 0 {
		return 0
	}
	p := m.p
	mm := 0.0
	if m.modified {
		mm = 1
	}
	kf := float64(k)
	lbab := mathext.Lbeta(p.A, p.B)
	out := math.Exp(mathext.Lbeta(p.A, p.B+kf+mm)-lbab) * nbdProb(k, p.R, p.Alpha, t)
	if k > 0 || m.modified {
		out += math.Exp(mathext.Lbeta(p.A+1, p.B+kf-1+mm)-lbab) * nbdTail(k, p.R, p.Alpha, t)
	}
	return out
}

// ConditionalPurchaseProb returns P(Y(t) = k | x, t_x, T): the probability
// that a customer with the given history makes exactly k purchases in the
// next t time units. A customer who has dropped out makes none; one who is
// alive buys as a new BG/NBD customer whose λ ~ Gamma(r+x, α+T) and
// p ~ Beta(a, b+x) (b+x+1 for MBG/NBD) — the posterior given survival —
// except that no dropout happens at the start:
//
//	P(k) = (1−P_A)·[k=0] + P_A·[ B(a,b'+k)/B(a,b')·NBD_k
//	                           + [k>0]·B(a+1,b'+k−1)/B(a,b')·(1 − Σ_{j<k} NBD_j) ]
//
// with b' = b+x (+1) and NBD_j the NBD(r+x, α+T) probability of j events in
// t. Its mean is [bgCommon.ExpectedPurchases] (tested). Invalid arguments
// give NaN; k < 0 gives 0.
func (m *bgCommon) ConditionalPurchaseProb(k int, t float64, x int, tx, T float64) float64 {
	if !validHistory(x, tx, T) || badFloat(t) || t < 0 {
		return math.NaN()
	}
	if k < 0 {
		return 0
	}
	pa := m.ProbAlive(x, tx, T)
	p := m.p
	bp := p.B + float64(x)
	if m.modified {
		bp++
	}
	rx := p.R + float64(x)
	kf := float64(k)
	lb := mathext.Lbeta(p.A, bp)
	alive := math.Exp(mathext.Lbeta(p.A, bp+kf)-lb) * nbdProb(k, rx, p.Alpha+T, t)
	if k > 0 {
		alive += math.Exp(mathext.Lbeta(p.A+1, bp+kf-1)-lb) * nbdTail(k, rx, p.Alpha+T, t)
	}
	out := pa * alive
	if k == 0 {
		out += 1 - pa
	}
	return out
}

// nbdProb returns P(N = k) for N ~ Poisson(λt), λ ~ Gamma(r, rate a), from
// log-gamma terms: constant time for any k (a loop to k took seconds at
// k = 10⁷ and memory in proportion).
func nbdProb(k int, r, a, t float64) float64 {
	v := r * math.Log(a/(a+t))
	if k == 0 {
		return math.Exp(v)
	}
	if t == 0 {
		return 0
	}
	kf := float64(k)
	lg1, _ := math.Lgamma(r + kf)
	lg2, _ := math.Lgamma(r)
	lg3, _ := math.Lgamma(kf + 1)
	return math.Exp(v + lg1 - lg2 - lg3 + kf*math.Log(t/(a+t)))
}

// nbdTail returns P(N ≥ k) = 1 − Σ_{j<k} P(N = j) for the same N: the
// regularised incomplete beta I_z(k, r) with z = t/(a+t) (the negative
// binomial's CDF identity), bounded work for any k and without the
// cancellation of the running subtraction.
func nbdTail(k int, r, a, t float64) float64 {
	if k <= 0 {
		return 1
	}
	if t == 0 {
		return 0
	}
	return mathext.RegIncBeta(float64(k), r, t/(a+t))
}

type bgJSON struct {
	Model  string       `json:"model"`
	Params BGNBDParams  `json:"params"`
	StdErr *BGNBDParams `json:"std_err,omitempty"`
	LogLik float64      `json:"log_lik"`
	N      float64      `json:"n"`
}

// MarshalJSON encodes the model as {"model", "params", "std_err", "log_lik", "n"}.
func (m *bgCommon) MarshalJSON() ([]byte, error) {
	name := "bgnbd"
	if m.modified {
		name = "mbgnbd"
	}
	return json.Marshal(bgJSON{Model: name, Params: m.p, StdErr: m.se, LogLik: m.ll, N: m.n})
}
