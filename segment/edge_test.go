package segment

import (
	"context"
	"encoding/json"
	"math"
	"testing"

	"github.com/crmkit/crmkit"
	"github.com/shopspring/decimal"
)

// TestHugeHorizon: a horizon of a billion periods gives finite answers, not
// a hang or NaN: E[Y(t)] grows towards its finite limit (BG/NBD: customers
// eventually die) and probabilities stay in [0, 1].
func TestHugeHorizon(t *testing.T) {
	bg, _ := NewBGNBD(BGNBDParams{R: 0.243, Alpha: 4.414, A: 0.793, B: 2.426})
	mbg, _ := NewMBGNBD(BGNBDParams{R: 0.243, Alpha: 4.414, A: 0.793, B: 2.426})
	pn, _ := NewParetoNBD(ParetoNBDParams{R: 0.553, Alpha: 10.578, S: 0.606, Beta: 11.669})
	for name, m := range map[string]PurchaseModel{"bg": bg, "mbg": mbg, "pareto": pn} {
		prev := 0.0
		for _, h := range []float64{1, 1e3, 1e6, 1e9} {
			e := m.ExpectedPurchases(h, 2, 30.43, 38.86)
			if math.IsNaN(e) || math.IsInf(e, 0) || e < prev-1e-9 {
				t.Errorf("%s: E[Y(%g)] = %v after %v", name, h, e, prev)
			}
			prev = e
			p := m.PurchaseProb(0, h)
			if !(p >= 0 && p <= 1) {
				t.Errorf("%s: P(X(%g)=0) = %v", name, h, p)
			}
		}
	}
	gg, _ := NewGammaGamma(GammaGammaParams{P: 6.25, Q: 3.74, Gamma: 15.44})
	s := []Summary{{CustomerID: "a", Frequency: 2, Recency: 30.43, T: 38.86, Monetary: decimal.NewFromInt(20)}}
	if _, err := LifetimeValues(context.Background(), bg, gg, s, ValueOptions{Horizon: 1e9}); err == nil {
		t.Error("1e9 one-unit steps accepted")
	}
	v, err := LifetimeValues(context.Background(), bg, gg, s, ValueOptions{Horizon: 1e9, Step: 1e7, DiscountRate: 0.01})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := json.Marshal(v); err != nil {
		t.Errorf("marshal: %v", err)
	}
}

// TestPMFSumsToOne: P(X(t)=k) over k sums to 1 for every model (k up to 400).
func TestPMFSumsToOne(t *testing.T) {
	bg, _ := NewBGNBD(BGNBDParams{R: 0.243, Alpha: 4.414, A: 0.793, B: 2.426})
	mbg, _ := NewMBGNBD(BGNBDParams{R: 0.243, Alpha: 4.414, A: 0.793, B: 2.426})
	pn, _ := NewParetoNBD(ParetoNBDParams{R: 0.553, Alpha: 10.578, S: 0.606, Beta: 11.669})
	for name, m := range map[string]PurchaseModel{"bg": bg, "mbg": mbg, "pareto": pn} {
		sum := 0.0
		for k := 0; k <= 400; k++ {
			sum += m.PurchaseProb(k, 39)
		}
		if math.Abs(sum-1) > 1e-6 {
			t.Errorf("%s: pmf sums to %v", name, sum)
		}
	}
}

// TestExpectationMatchesPMF: for a customer just acquired (x = 0, t_x = 0,
// T = 0) the conditional expectation E[Y(t)] (hypergeometric or closed
// form) must equal Σ k·P(X(t)=k) from the independently derived pmf.
func TestExpectationMatchesPMF(t *testing.T) {
	bg, _ := NewBGNBD(BGNBDParams{R: 0.243, Alpha: 4.414, A: 0.793, B: 2.426})
	mbg, _ := NewMBGNBD(BGNBDParams{R: 0.243, Alpha: 4.414, A: 0.793, B: 2.426})
	pn, _ := NewParetoNBD(ParetoNBDParams{R: 0.553, Alpha: 10.578, S: 0.606, Beta: 11.669})
	for name, m := range map[string]PurchaseModel{"bg": bg, "mbg": mbg, "pareto": pn} {
		for _, h := range []float64{5, 39} {
			mean := 0.0
			for k := 1; k <= 400; k++ { // tail beyond 400 < 1e-15 at these parameters
				mean += float64(k) * m.PurchaseProb(k, h)
			}
			if e := m.ExpectedPurchases(h, 0, 0, 0); math.Abs(e-mean) > 1e-6*math.Max(1, mean) {
				t.Errorf("%s t=%v: E[Y] %v, pmf mean %v", name, h, e, mean)
			}
		}
	}
}

// TestExpectedPurchasesAtAEqualOne: the BG/NBD expectation is 0/0 at a = 1;
// the value there must lie between its neighbours at a = 1 ± 1e-3.
func TestExpectedPurchasesAtAEqualOne(t *testing.T) {
	at := func(a float64, modified bool) float64 {
		p := BGNBDParams{R: 0.5, Alpha: 5, A: a, B: 2}
		if modified {
			m, _ := NewMBGNBD(p)
			return m.ExpectedPurchases(39, 3, 20, 38)
		}
		m, _ := NewBGNBD(p)
		return m.ExpectedPurchases(39, 3, 20, 38)
	}
	for _, mod := range []bool{false, true} {
		lo, mid, hi := at(0.999, mod), at(1, mod), at(1.001, mod)
		if math.IsNaN(mid) || mid < math.Min(lo, hi) || mid > math.Max(lo, hi) {
			t.Errorf("modified=%v: E at a=0.999, 1, 1.001: %v %v %v", mod, lo, mid, hi)
		}
	}
}

// TestFitsFromRawCDNOW: the whole path from raw transactions — Summarize,
// then fit — gives the published BG/NBD and Gamma-Gamma estimates.
func TestFitsFromRawCDNOW(t *testing.T) {
	s, err := Summarize(context.Background(), crmkit.Stream(cdnowOrders(t)), cdnowOpts)
	if err != nil {
		t.Fatal(err)
	}
	bg, err := FitBGNBD(s, nil)
	if err != nil {
		t.Fatal(err)
	}
	gg, err := FitGammaGamma(s, nil)
	if err != nil {
		t.Fatal(err)
	}
	p, q := bg.Params(), gg.Params()
	got := []float64{round(p.R, 3), round(p.Alpha, 3), round(p.A, 3), round(p.B, 3), round(bg.LogLik(), 1), round(q.P, 2), round(q.Q, 2), round(q.Gamma, 2)}
	want := []float64{0.243, 4.414, 0.793, 2.426, -9582.4, 6.25, 3.74, 15.44}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("estimate %d: %v, published %v", i, got[i], want[i])
		}
	}
}

// TestConditionalPMF: the conditional pmf sums to 1 and its mean equals the
// established conditional expectation E[Y(t) | x, t_x, T] (FHL 2005 eq. 10,
// Batislam et al., Schmittlein et al.) for several histories.
func TestConditionalPMF(t *testing.T) {
	bg, _ := NewBGNBD(BGNBDParams{R: 0.243, Alpha: 4.414, A: 0.793, B: 2.426})
	mbg, _ := NewMBGNBD(BGNBDParams{R: 0.243, Alpha: 4.414, A: 0.793, B: 2.426})
	pn, _ := NewParetoNBD(ParetoNBDParams{R: 0.553, Alpha: 10.578, S: 0.606, Beta: 11.669})
	hist := []struct {
		x     int
		tx, T float64
	}{{0, 0, 38.86}, {2, 30.43, 38.86}, {7, 10, 35}, {15, 37, 38}}
	for name, m := range map[string]PurchaseModel{"bg": bg, "mbg": mbg, "pareto": pn} {
		for _, h := range hist {
			sum, mean := 0.0, 0.0
			for k := 0; k <= 300; k++ {
				p := m.ConditionalPurchaseProb(k, 39, h.x, h.tx, h.T)
				sum += p
				mean += float64(k) * p
			}
			want := m.ExpectedPurchases(39, h.x, h.tx, h.T)
			if math.Abs(sum-1) > 1e-9 || math.Abs(mean-want) > 1e-6*math.Max(1, want) {
				t.Errorf("%s %+v: pmf sums to %v, mean %v, E[Y] %v", name, h, sum, mean, want)
			}
		}
	}
}
