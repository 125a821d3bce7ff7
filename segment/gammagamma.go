package segment

import (
	"encoding/json"
	"fmt"
	"math"

	"github.com/crmkit/crmkit"
	"github.com/shopspring/decimal"
	"gonum.org/v1/gonum/mathext"
)

// GammaGammaParams are the parameters of the Gamma-Gamma spend model (Fader,
// Hardie and Lee 2005, "RFM and CLV"; Fader and Hardie 2013): a customer's
// transaction values are Gamma(P, ν) with ν ~ Gamma(Q, Gamma) across
// customers, so a customer's mean spend per transaction is pν and the
// population mean is P·Gamma/(Q−1). Gamma is in money units. The zero value
// is invalid.
type GammaGammaParams struct {
	P     float64 `json:"p"`
	Q     float64 `json:"q"`
	Gamma float64 `json:"gamma"`
}

// GammaGamma is a fitted Gamma-Gamma spend model. It is immutable and safe
// for concurrent use. The zero value is not usable; build one with
// [FitGammaGamma], [FitGammaGammaPatterns] or [NewGammaGamma].
type GammaGamma struct {
	p  GammaGammaParams
	se *GammaGammaParams
	ll float64
	n  float64
}

// NewGammaGamma builds a spend model from known parameters, all positive and
// finite.
func NewGammaGamma(p GammaGammaParams) (*GammaGamma, error) {
	for _, v := range []float64{p.P, p.Q, p.Gamma} {
		if badFloat(v) || v <= 0 {
			return nil, fmt.Errorf("%w: parameters must be positive and finite: %+v", ErrOptions, p)
		}
	}
	return &GammaGamma{p: p}, nil
}

// FitGammaGamma fits the Gamma-Gamma model by maximum likelihood to the
// repeat buyers (Frequency > 0) among s, using their Frequency and Monetary
// (the mean of the repeat purchases, as Fader and Hardie do). Customers
// without repeat purchases carry no spend information and are left out.
// Errors: [ErrNoData] when no summary has repeat purchases, a
// [*crmkit.RecordError] for an invalid summary or a repeat buyer with
// Monetary ≤ 0, [ErrNotConverged].
func FitGammaGamma(s []Summary, opts *FitOptions) (*GammaGamma, error) {
	ps, err := CompressSpend(s)
	if err != nil {
		return nil, err
	}
	return FitGammaGammaPatterns(ps, opts)
}

// FitGammaGammaPatterns fits the Gamma-Gamma model to weighted spend
// patterns (see [CompressSpend]).
func FitGammaGammaPatterns(ps []SpendPattern, opts *FitOptions) (*GammaGamma, error) {
	if len(ps) == 0 {
		return nil, fmt.Errorf("%w: no repeat buyers", ErrNoData)
	}
	var total, mean float64
	for i, p := range ps {
		if err := checkSpendPattern(p, i); err != nil {
			return nil, err
		}
		total += p.Weight
		mean += p.Weight * p.Monetary
	}
	mean /= total
	f := ggNegLL(ps, total)
	res, err := maximise(f, []float64{1, 1, mean}, total, opts)
	if err != nil {
		return nil, err
	}
	m := &GammaGamma{p: GammaGammaParams{res.params[0], res.params[1], res.params[2]}, ll: res.ll, n: total}
	if res.se != nil {
		m.se = &GammaGammaParams{res.se[0], res.se[1], res.se[2]}
	}
	return m, nil
}

// ggNegLL: for one repeat buyer with x transactions of mean m,
//
//	f(m | p, q, γ, x) = Γ(px+q) / (Γ(px)Γ(q)) · γ^q m^(px−1) x^(px) / (γ + m x)^(px+q).
func ggNegLL(ps []SpendPattern, total float64) negLL {
	return func(lp, grad []float64) float64 {
		p, q, g := math.Exp(lp[0]), math.Exp(lp[1]), math.Exp(lp[2])
		lgq, _ := math.Lgamma(q)
		lg := math.Log(g)
		psq := mathext.Digamma(q)
		var ll, gp, gq, gg float64
		for _, s := range ps {
			x := float64(s.Frequency)
			px := p * x
			lpq, _ := math.Lgamma(px + q)
			lpx, _ := math.Lgamma(px)
			lm, lx := math.Log(s.Monetary), math.Log(x)
			lgm := math.Log(g + s.Monetary*x)
			ll += s.Weight * (lpq - lpx - lgq + q*lg + (px-1)*lm + px*lx - (px+q)*lgm)
			if grad != nil {
				dpq := mathext.Digamma(px + q)
				gp += s.Weight * x * (dpq - mathext.Digamma(px) + lm + lx - lgm)
				gq += s.Weight * (dpq - psq + lg - lgm)
				gg += s.Weight * (q/g - (px+q)/(g+s.Monetary*x))
			}
		}
		if grad != nil {
			grad[0] = -gp * p / total
			grad[1] = -gq * q / total
			grad[2] = -gg * g / total
		}
		return -ll / total
	}
}

// Params returns the model's parameters.
func (m *GammaGamma) Params() GammaGammaParams { return m.p }

// StdErr returns the asymptotic standard errors of the parameters, as
// [BGNBD.StdErr] does.
func (m *GammaGamma) StdErr() (GammaGammaParams, error) {
	if m.se == nil {
		return GammaGammaParams{}, fmt.Errorf("%w: standard errors unavailable", ErrNotConverged)
	}
	return *m.se, nil
}

// LogLik returns the maximised log-likelihood (0 for a model built from
// parameters).
func (m *GammaGamma) LogLik() float64 { return m.ll }

// expectedSpend is E[M | x, m_x] = p(γ + x·m_x)/(px + q − 1): a weighted
// mean of the population mean pγ/(q−1) and the customer's own mean. With
// x = 0 it is the population mean. It needs q > 1 (a finite population
// mean); otherwise NaN.
func (m *GammaGamma) expectedSpend(x int, mx float64) float64 {
	p := m.p
	xf := float64(x)
	if x == 0 {
		mx = 0
	}
	d := p.P*xf + p.Q - 1
	if d <= 0 || badFloat(mx) || mx < 0 || x < 0 {
		return math.NaN()
	}
	return p.P * (p.Gamma + xf*mx) / d
}

// ExpectedSpend returns the expected mean transaction value of a customer
// with x repeat purchases of mean monetary (for x = 0 the population mean
// pγ/(q−1)), as money rounded by [crmkit.FromFloat]. It fails with
// [ErrDegenerate] when q ≤ 1 (the population mean is infinite) and with a
// crmkit error for invalid arguments.
func (m *GammaGamma) ExpectedSpend(x int, monetary decimal.Decimal) (decimal.Decimal, error) {
	mx, err := crmkit.ToFloat(monetary)
	if err != nil {
		return decimal.Zero, err
	}
	if x < 0 || mx < 0 {
		return decimal.Zero, fmt.Errorf("%w: x = %d, monetary = %s", crmkit.ErrInvalid, x, monetary)
	}
	v := m.expectedSpend(x, mx)
	if badFloat(v) {
		return decimal.Zero, fmt.Errorf("%w: q = %v ≤ 1 leaves the mean spend infinite", ErrDegenerate, m.p.Q)
	}
	return crmkit.FromFloat(v)
}

// MarshalJSON encodes the model as {"model", "params", "std_err", "log_lik", "n"}.
func (m *GammaGamma) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Model  string            `json:"model"`
		Params GammaGammaParams  `json:"params"`
		StdErr *GammaGammaParams `json:"std_err,omitempty"`
		LogLik float64           `json:"log_lik"`
		N      float64           `json:"n"`
	}{"gammagamma", m.p, m.se, m.ll, m.n})
}
