package segment

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"testing"
)

// conditionalModel is what the hold-out check needs from a purchase model.
type conditionalModel interface {
	ExpectedPurchases(t float64, x int, tx, T float64) float64
	ProbAlive(x int, tx, T float64) float64
	PurchaseProb(k int, t float64) float64
}

// btydRef is testdata/btyd_ref.json, produced by testdata/btyd_ref.py with
// SciPy (hyp2f1, adaptive quad) at the published CDNOW parameters.
type btydRef struct {
	BGHoldoutTotal float64   `json:"bgnbd_holdout_total"`
	BGHoldoutByX   []float64 `json:"bgnbd_holdout_mean_by_x"`
	PNHoldoutTotal float64   `json:"paretonbd_holdout_total"`
	PNHoldoutByX   []float64 `json:"paretonbd_holdout_mean_by_x"`
	BGPAliveX2     float64   `json:"bgnbd_palive_x2"`
	PNPAliveX2     float64   `json:"paretonbd_palive_x2"`
	BGPMF39        []float64 `json:"bgnbd_pmf_39"`
	PNPMF39        []float64 `json:"paretonbd_pmf_39"`
}

func loadBTYDRef(t *testing.T) btydRef {
	t.Helper()
	b, err := os.ReadFile("testdata/btyd_ref.json")
	if err != nil {
		t.Fatal(err)
	}
	var r btydRef
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	return r
}

// holdoutByX returns the hold-out prediction total and the mean prediction
// and actual per calibration frequency bin 0..6, 7+.
func holdoutByX(m conditionalModel, s []Summary) (pred, act float64, mp, ma [8]float64) {
	var n [8]float64
	for _, c := range s {
		e := m.ExpectedPurchases(39, c.Frequency, c.Recency, c.T)
		pred += e
		act += float64(c.HoldoutFrequency)
		g := min(c.Frequency, 7)
		mp[g] += e
		ma[g] += float64(c.HoldoutFrequency)
		n[g]++
	}
	for g := range n {
		mp[g] /= n[g]
		ma[g] /= n[g]
	}
	return pred, act, mp, ma
}

// TestFormulasVsSciPy: at the published parameters, this package's
// conditional expectations (summed over the CDNOW customers and by
// frequency), P(alive) and the pmf P(X(39)=k) equal SciPy's evaluation of the
// published formulas to 1e-7 relative (1e-9 absolute for probabilities).
func TestFormulasVsSciPy(t *testing.T) {
	ref := loadBTYDRef(t)
	s := cdnowSummaries(t)
	bg, _ := NewBGNBD(BGNBDParams{R: 0.243, Alpha: 4.414, A: 0.793, B: 2.426})
	pn, _ := NewParetoNBD(ParetoNBDParams{R: 0.553, Alpha: 10.578, S: 0.606, Beta: 11.669})
	for _, tc := range []struct {
		name   string
		m      conditionalModel
		total  float64
		byX    []float64
		palive float64
		pmf    []float64
	}{
		{"BG/NBD", bg, ref.BGHoldoutTotal, ref.BGHoldoutByX, ref.BGPAliveX2, ref.BGPMF39},
		{"Pareto/NBD", pn, ref.PNHoldoutTotal, ref.PNHoldoutByX, ref.PNPAliveX2, ref.PNPMF39},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pred, _, mp, _ := holdoutByX(tc.m, s)
			if math.Abs(pred-tc.total) > 1e-7*tc.total {
				t.Errorf("hold-out total %v, SciPy %v", pred, tc.total)
			}
			for g, w := range tc.byX {
				if math.Abs(mp[g]-w) > 1e-7*w {
					t.Errorf("x=%d: mean %v, SciPy %v", g, mp[g], w)
				}
			}
			if p := tc.m.ProbAlive(2, 30.43, 38.86); math.Abs(p-tc.palive) > 1e-9 {
				t.Errorf("P(alive) %v, SciPy %v", p, tc.palive)
			}
			for k, w := range tc.pmf {
				if p := tc.m.PurchaseProb(k, 39); math.Abs(p-w) > 1e-9 {
					t.Errorf("P(X(39)=%d) = %v, SciPy %v", k, p, w)
				}
			}
		})
	}
}

// TestHoldoutCDNOW: predicted vs actual repeat purchases in the 39-week
// hold-out (weeks 40–78) of the CDNOW sample, models fitted on the
// calibration weeks 1–39.
//
// Tolerances and why. A first run with a 5% aggregate tolerance failed: all
// three models under-predict this hold-out (BG/NBD 1,653 and Pareto/NBD 1,666
// vs 1,882 actual, −12%); SciPy gives the same totals at the published
// parameters (TestFormulasVsSciPy), so it is the models' fit to CDNOW, not
// this code. The test therefore checks what the models do claim:
//   - aggregate within 20% of the actual 1,882;
//   - mean per calibration frequency x = 0..6, 7+ within max(0.4, 30%) of
//     the actual mean, and increasing in x as the actual means do.
func TestHoldoutCDNOW(t *testing.T) {
	s := cdnowSummaries(t)
	bg, err := FitBGNBD(s, nil)
	if err != nil {
		t.Fatal(err)
	}
	mbg, err := FitMBGNBD(s, nil)
	if err != nil {
		t.Fatal(err)
	}
	pn, err := FitParetoNBD(s, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		m    conditionalModel
	}{{"BG/NBD", bg}, {"MBG/NBD", mbg}, {"Pareto/NBD", pn}} {
		t.Run(tc.name, func(t *testing.T) {
			pred, act, mp, ma := holdoutByX(tc.m, s)
			if act != 1882 {
				t.Fatalf("actual hold-out purchases %v, want 1882", act)
			}
			if math.Abs(pred-act) > 0.20*act {
				t.Errorf("aggregate: predicted %.1f, actual %.0f", pred, act)
			}
			line := ""
			for g := range mp {
				line += fmt.Sprintf(" x=%d: %.2f/%.2f", g, mp[g], ma[g])
				if math.Abs(mp[g]-ma[g]) > math.Max(0.4, 0.3*ma[g]) {
					t.Errorf("x=%d: mean predicted %.3f, actual %.3f", g, mp[g], ma[g])
				}
				if g > 0 && mp[g] <= mp[g-1] {
					t.Errorf("prediction not increasing in x at x=%d", g)
				}
			}
			t.Logf("total %.1f/%.0f; predicted/actual by x:%s", pred, act, line)
		})
	}
}
