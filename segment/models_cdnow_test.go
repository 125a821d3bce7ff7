package segment

import (
	"math"
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
