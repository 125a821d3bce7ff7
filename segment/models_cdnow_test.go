package segment

import (
	"math"

	"gonum.org/v1/gonum/mathext"
	"testing"
)

// round rounds v to d decimal places, to compare with published digits.
func round(v float64, d int) float64 {
	p := math.Pow(10, float64(d))
	return math.Round(v*p) / p
}

// TestFitBGNBDCDNOW: the published BG/NBD estimates on the CDNOW sample
// (Fader, Hardie and Lee 2005) to the three decimals published, LL to one.
func TestFitBGNBDCDNOW(t *testing.T) {
	m, err := FitBGNBD(cdnowSummaries(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	p := m.Params()
	got := []float64{round(p.R, 3), round(p.Alpha, 3), round(p.A, 3), round(p.B, 3), round(m.LogLik(), 1)}
	want := []float64{0.243, 4.414, 0.793, 2.426, -9582.4}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("estimate %d: got %v, want %v (full %+v LL %v)", i, got[i], want[i], p, m.LogLik())
		}
	}
	se, err := m.StdErr()
	t.Logf("params %+v se %+v err %v LL %v", p, se, err, m.LogLik())
	e := m.ExpectedPurchases(39, 2, 30.43, 38.86)
	if round(e, 3) != 1.226 {
		t.Errorf("E[Y(39)|2,30.43,38.86] = %v, want 1.226", e)
	}
}

// TestFitParetoNBDCDNOW: the published Pareto/NBD estimates on the CDNOW
// sample (Fader, Hardie and Lee 2005) to the three decimals published, LL to
// one decimal.
func TestFitParetoNBDCDNOW(t *testing.T) {
	m, err := FitParetoNBD(cdnowSummaries(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	p := m.Params()
	got := []float64{round(p.R, 3), round(p.Alpha, 3), round(p.S, 3), round(p.Beta, 3), round(m.LogLik(), 1)}
	want := []float64{0.553, 10.578, 0.606, 11.669, -9595.0}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("estimate %d: got %v, want %v (full %+v LL %v)", i, got[i], want[i], p, m.LogLik())
		}
	}
	se, err := m.StdErr()
	t.Logf("params %+v se %+v err %v LL %v", p, se, err, m.LogLik())
}

// paretoClosedForm is Fader and Hardie's (2005) closed-form Pareto/NBD
// log-likelihood with the Gaussian hypergeometric function (gonum's
// Hypergeo), an independent check of the quadrature in paretoCustomer.
func paretoClosedForm(r, alpha, s, beta float64, x int, tx, T float64) float64 {
	xf := float64(x)
	lg1, _ := math.Lgamma(r + xf)
	lg2, _ := math.Lgamma(r)
	c := r + s + xf
	var a0 float64
	if alpha >= beta {
		f := func(t float64) float64 {
			return mathext.Hypergeo(c, s+1, c+1, (alpha-beta)/(alpha+t)) / math.Pow(alpha+t, c)
		}
		a0 = f(tx) - f(T)
	} else {
		f := func(t float64) float64 {
			return mathext.Hypergeo(c, r+xf, c+1, (beta-alpha)/(beta+t)) / math.Pow(beta+t, c)
		}
		a0 = f(tx) - f(T)
	}
	inner := 1/(math.Pow(alpha+T, r+xf)*math.Pow(beta+T, s)) + s/c*a0
	return lg1 - lg2 + r*math.Log(alpha) + s*math.Log(beta) + math.Log(inner)
}

// TestParetoQuadratureVsClosedForm: the quadrature log-likelihood equals the
// hypergeometric closed form to 1e-9 (relative) on every CDNOW history, at
// the published estimates and at a point with α < β swapped to α > β.
func TestParetoQuadratureVsClosedForm(t *testing.T) {
	ps, err := Compress(cdnowSummaries(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, par := range [][4]float64{{0.553, 10.578, 0.606, 11.669}, {0.8, 12, 0.4, 3}} {
		for _, p := range ps {
			got := paretoCustomer(par[0], par[1], par[2], par[3], p.Frequency, p.Recency, p.T, false).ll
			want := paretoClosedForm(par[0], par[1], par[2], par[3], p.Frequency, p.Recency, p.T)
			if math.Abs(got-want) > 1e-9*math.Abs(want) {
				t.Errorf("params %v pattern %+v: quadrature %v, closed form %v", par, p, got, want)
			}
		}
	}
}

// TestFitGammaGammaCDNOW: the published Gamma-Gamma estimates on the 946
// CDNOW repeat buyers (Fader and Hardie 2013) to the two decimals published,
// LL to one decimal.
func TestFitGammaGammaCDNOW(t *testing.T) {
	m, err := FitGammaGamma(cdnowSummaries(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	p := m.Params()
	got := []float64{round(p.P, 2), round(p.Q, 2), round(p.Gamma, 2), round(m.LogLik(), 1), m.n}
	want := []float64{6.25, 3.74, 15.44, -4055.9, 946}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("estimate %d: got %v, want %v (full %+v LL %v)", i, got[i], want[i], p, m.LogLik())
		}
	}
	se, err := m.StdErr()
	t.Logf("params %+v se %+v err %v LL %v", p, se, err, m.LogLik())
}
