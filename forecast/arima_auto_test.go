package forecast

import (
	"encoding/json"
	"math"
	"os"
	"testing"
)

// arimaAutoRef is testdata/arima_auto_ref.json, written by
// testdata/arima_auto_ref.R (R 4, forecast 8.20, urca).
type arimaAutoRef struct {
	Series []struct {
		ID       string     `json:"id"`
		Y        []arimaNum `json:"y"`
		Period   int        `json:"period"`
		Order    []int      `json:"order"`
		String   string     `json:"string"`
		AICc     arimaNum   `json:"aicc"`
		NDiffs   int        `json:"ndiffs"`
		KPSS     arimaNum   `json:"kpss"`
		NSDSeas  arimaNum   `json:"nsdiffs_seas"`
		NSDOCSB  arimaNum   `json:"nsdiffs_ocsb"`
		Seas     arimaNum   `json:"seas"`
		OCSBStat arimaNum   `json:"ocsb"`
	} `json:"series"`
	STL []struct {
		ID       string    `json:"id"`
		Y        []float64 `json:"y"`
		Period   int       `json:"period"`
		Seasonal []float64 `json:"seasonal"`
		Trend    []float64 `json:"trend"`
	} `json:"stl"`
}

func arimaLoadAutoRef(t testing.TB) *arimaAutoRef {
	t.Helper()
	b, err := os.ReadFile("testdata/arima_auto_ref.json")
	if err != nil {
		t.Fatal(err)
	}
	var ref arimaAutoRef
	if err := json.Unmarshal(b, &ref); err != nil {
		t.Fatal(err)
	}
	return &ref
}

// TestSTLMatchesR compares stl(x, s.window = 11) components with R's to 1e-8
// relative to the series' scale.
func TestSTLMatchesR(t *testing.T) {
	for _, c := range arimaLoadAutoRef(t).STL {
		seas, trend := stlDecompose(c.Y, stlDefaults(c.Period, 11))
		scale := 0.0
		for _, v := range c.Y {
			scale = math.Max(scale, math.Abs(v))
		}
		for i := range c.Y {
			if math.Abs(seas[i]-c.Seasonal[i]) > 1e-8*scale || math.Abs(trend[i]-c.Trend[i]) > 1e-8*scale {
				t.Fatalf("%s[%d]: seasonal %v trend %v, R %v %v", c.ID, i, seas[i], trend[i], c.Seasonal[i], c.Trend[i])
			}
		}
	}
}

// TestDifferencingTestsMatchR compares the KPSS statistic (1e-8 relative),
// the seasonal strength and the OCSB statistic (1e-6) and the differencing
// orders chosen by ndiffs and nsdiffs (seas and ocsb) with R's.
func TestDifferencingTestsMatchR(t *testing.T) {
	for _, c := range arimaLoadAutoRef(t).Series {
		y := arimaFloats(c.Y)
		obs := make([]float64, 0, len(y))
		for _, v := range y {
			if !math.IsNaN(v) {
				obs = append(obs, v)
			}
		}
		lmax := int(3 * math.Sqrt(float64(len(obs))) / 13)
		if got, want := kpssStat(obs, lmax), float64(c.KPSS); math.Abs(got-want) > 1e-8*math.Abs(want) {
			t.Errorf("%s: KPSS %v, R %v", c.ID, got, want)
		}
		if got := kpssNDiffs(y, 2); got != c.NDiffs {
			t.Errorf("%s: ndiffs %d, R %d", c.ID, got, c.NDiffs)
		}
		if c.Period <= 1 {
			continue
		}
		if want := float64(c.Seas); !math.IsNaN(want) {
			if got, ok := stlSeasonalStrength(y, c.Period); !ok || math.Abs(got-want) > 1e-6 {
				t.Errorf("%s: seasonal strength %v, R %v", c.ID, got, want)
			}
		}
		if want := float64(c.OCSBStat); !math.IsNaN(want) {
			if got, ok := ocsbStatistic(y, c.Period, 3); !ok || math.Abs(got-want) > 1e-6*math.Max(1, math.Abs(want)) {
				t.Errorf("%s: OCSB %v, R %v", c.ID, got, want)
			}
		}
		if want := float64(c.NSDSeas); !math.IsNaN(want) {
			if got := kpssNSDiffs(y, c.Period, 1, false); got != int(want) {
				t.Errorf("%s: nsdiffs(seas) %d, R %v", c.ID, got, want)
			}
		}
		if want := float64(c.NSDOCSB); !math.IsNaN(want) {
			if got := kpssNSDiffs(y, c.Period, 1, true); got != int(want) {
				t.Errorf("%s: nsdiffs(ocsb) %d, R %v", c.ID, got, want)
			}
		}
	}
}

// TestAutoARIMAMatchesR runs AutoARIMA on every 10th M3 monthly series (143)
// and 14 classic data sets and compares with R's auto.arima: the same model
// (orders and constant) on at least 90% of them, and where it differs with
// the same differencing, an AICc no worse than R's choice (+0.01). By
// default every 3rd of the 157 runs (53 series), with -short every 16th, and
// all of them with CRMKIT_M3=1 (measured: 154 of 157 identical; the other
// three have lower AICc than R's choice).
func TestAutoARIMAMatchesR(t *testing.T) {
	ref := arimaLoadAutoRef(t)
	same, total := 0, 0
	for i, c := range ref.Series {
		stride := 3
		if testing.Short() {
			stride = 16
		}
		if os.Getenv("CRMKIT_M3") != "" {
			stride = 1
		}
		if i%stride != 0 {
			continue
		}
		total++
		m, err := AutoARIMA(arimaFloats(c.Y), c.Period, nil)
		if err != nil {
			t.Errorf("%s: %v", c.ID, err)
			continue
		}
		o := m.Order()
		got := []int{o.P, o.D, o.Q, o.SP, o.SD, o.SQ}
		match := m.String() == c.String
		for k := range got {
			match = match && got[k] == c.Order[k]
		}
		if match {
			same++
			if math.Abs(m.AICc()-float64(c.AICc)) > 0.01 {
				t.Errorf("%s: same model %s, AICc %.4f, R %.4f", c.ID, m, m.AICc(), float64(c.AICc))
			}
			continue
		}
		t.Logf("%s: %s (AICc %.3f), R %s (AICc %.3f)", c.ID, m, m.AICc(), c.String, float64(c.AICc))
		if got[1] == c.Order[1] && got[4] == c.Order[4] && m.AICc() > float64(c.AICc)+0.01 {
			t.Errorf("%s: AICc %.3f worse than R's %.3f", c.ID, m.AICc(), float64(c.AICc))
		}
	}
	t.Logf("same model as R on %d of %d series", same, total)
	if float64(same) < 0.9*float64(total) {
		t.Errorf("same model as R on %d of %d series, want at least 90%%", same, total)
	}
}

// TestAutoARIMAExhaustiveMatchesR compares the exhaustive search with R's
// auto.arima(stepwise = FALSE) (testdata/arima_exhaustive_ref.R): the same
// model, AICc within 0.01.
func TestAutoARIMAExhaustiveMatchesR(t *testing.T) {
	b, err := os.ReadFile("testdata/arima_exhaustive_ref.json")
	if err != nil {
		t.Fatal(err)
	}
	var ref map[string]struct {
		Y      []float64 `json:"y"`
		Period int       `json:"period"`
		String string    `json:"string"`
		AICc   float64   `json:"aicc"`
	}
	if err := json.Unmarshal(b, &ref); err != nil {
		t.Fatal(err)
	}
	for name, c := range ref {
		if testing.Short() && name != "lh" {
			continue // the seasonal and longer searches take seconds
		}
		m, err := AutoARIMA(c.Y, c.Period, &AutoARIMAOptions{Exhaustive: true, Workers: 2})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if m.String() != c.String || math.Abs(m.AICc()-c.AICc) > 0.01 {
			t.Errorf("%s: %s AICc %.4f, R %s AICc %.4f", name, m, m.AICc(), c.String, c.AICc)
		}
	}
}

// TestAutoARIMARegressorsMatchR runs AutoARIMA with regressors against R's
// auto.arima(y, xreg) (testdata/arima_auto_xreg_ref.R): the same model,
// AICc within 0.01, coefficients within 1e-3 or 0.5%.
func TestAutoARIMARegressorsMatchR(t *testing.T) {
	b, err := os.ReadFile("testdata/arima_auto_xreg_ref.json")
	if err != nil {
		t.Fatal(err)
	}
	var ref map[string]struct {
		String string             `json:"string"`
		AICc   float64            `json:"aicc"`
		Coef   map[string]float64 `json:"coef"`
	}
	if err := json.Unmarshal(b, &ref); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, c := range arimaLoadRef(t) {
		want, ok := ref[c.Name]
		if !ok {
			continue
		}
		n++
		m, err := AutoARIMA(arimaFloats(c.Y), c.Period, &AutoARIMAOptions{Regressors: c.Xreg})
		if err != nil {
			t.Fatalf("%s: %v", c.Name, err)
		}
		if m.String() != want.String || math.Abs(m.AICc()-want.AICc) > 0.01 {
			t.Errorf("%s: %s AICc %.4f, R %s AICc %.4f", c.Name, m, m.AICc(), want.String, want.AICc)
		}
		got := m.Coef()
		for k, v := range want.Coef {
			if !arimaClose(v, got[k], 1e-3, 0.005) {
				t.Errorf("%s: %s = %v, R %v", c.Name, k, got[k], v)
			}
		}
	}
	if n != len(ref) {
		t.Fatalf("matched %d of %d reference cases", n, len(ref))
	}
}
