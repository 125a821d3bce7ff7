package forecast

import (
	"encoding/json"
	"math"
	"os"
	"testing"
)

type etsEstFile struct {
	Series []struct {
		ID     string    `json:"id"`
		Period int       `json:"period"`
		Y      []float64 `json:"y"`
		Auto   struct {
			Method string  `json:"method"`
			LogLik float64 `json:"loglik"`
			AICc   float64 `json:"aicc"`
		} `json:"auto"`
		Fits map[string]struct {
			LogLik float64 `json:"loglik"`
			AICc   float64 `json:"aicc"`
			Method string  `json:"method"`
		} `json:"fits"`
	} `json:"series"`
}

func etsLoadEst(t testing.TB) *etsEstFile {
	t.Helper()
	b, err := os.ReadFile("testdata/ets_est.json")
	if err != nil {
		t.Fatal(err)
	}
	var r etsEstFile
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	return &r
}

// TestETSEstimatedLogLikVsR fits fixed specifications to 40 M3 series
// (testdata/ets_est.R) and requires each maximised log-likelihood to be no
// worse than R's by more than 0.1% of |R's|.
func TestETSEstimatedLogLikVsR(t *testing.T) {
	ref := etsLoadEst(t)
	var n, worse, better int
	for _, s := range ref.Series {
		for spec, want := range s.Fits {
			fit, err := FitETS(s.Y, s.Period, spec, nil)
			if err != nil {
				t.Errorf("%s %s: %v", s.ID, spec, err)
				continue
			}
			n++
			got := fit.LogLik()
			tol := 1e-3 * math.Abs(want.LogLik)
			switch {
			case got < want.LogLik-tol:
				worse++
				t.Errorf("%s %s: loglik %.6f, R %.6f (worse by %.3g%%)", s.ID, spec, got, want.LogLik, 100*(want.LogLik-got)/math.Abs(want.LogLik))
			case got > want.LogLik+1e-6*math.Abs(want.LogLik):
				better++
			}
		}
	}
	t.Logf("%d fits: %d worse than R beyond 0.1%%, %d better than R", n, worse, better)
}

// TestETSAutoVsR runs automatic selection ("ZZZ") on the same 40 series and
// requires R's model, or a model whose AICc is no worse than R's choice
// (up to 1e-6 relative).
func TestETSAutoVsR(t *testing.T) {
	ref := etsLoadEst(t)
	same := 0
	for _, s := range ref.Series {
		fit, err := FitETS(s.Y, s.Period, "ZZZ", nil)
		if err != nil {
			t.Errorf("%s: %v", s.ID, err)
			continue
		}
		if fit.String() == s.Auto.Method {
			same++
			continue
		}
		if fit.AICc() > s.Auto.AICc+1e-6*math.Abs(s.Auto.AICc) {
			t.Errorf("%s: chose %s (AICc %.4f), R chose %s (AICc %.4f)", s.ID, fit, fit.AICc(), s.Auto.Method, s.Auto.AICc)
		}
	}
	t.Logf("%d of %d series: same model as R", same, len(ref.Series))
}
