package forecast

import (
	"encoding/json"
	"errors"
	"math"
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// TestThetaMatchesR compares Theta with R's thetaf (testdata/theta_ref.R,
// forecast 8.20) on classic and M3 series: alpha, drift, sigma2, fitted
// values, forecasts and 80/95% intervals to 1e-6 relative.
func TestThetaMatchesR(t *testing.T) {
	b, err := os.ReadFile("testdata/theta_ref.json")
	if err != nil {
		t.Fatal(err)
	}
	var ref struct {
		Cases map[string]struct {
			Y      []float64   `json:"y"`
			Period int         `json:"period"`
			H      int         `json:"h"`
			Alpha  float64     `json:"alpha"`
			Drift  float64     `json:"drift"`
			Sigma2 float64     `json:"sigma2"`
			Mean   []float64   `json:"mean"`
			Lower  [][]float64 `json:"lower"`
			Upper  [][]float64 `json:"upper"`
			Fitted []float64   `json:"fitted"`
		} `json:"cases"`
	}
	if err := json.Unmarshal(b, &ref); err != nil {
		t.Fatal(err)
	}
	approx := cmpopts.EquateApprox(1e-6, 1e-8)
	for name, c := range ref.Cases {
		t.Run(name, func(t *testing.T) {
			m, err := Theta(c.Y, c.Period, nil)
			if err != nil {
				t.Fatal(err)
			}
			type pars struct{ Alpha, Drift, Sigma2 float64 }
			if diff := cmp.Diff(pars{c.Alpha, c.Drift, c.Sigma2}, pars{m.Alpha(), m.Drift(), m.Sigma2()}, approx); diff != "" {
				t.Errorf("parameters (-R +got):\n%s", diff)
			}
			if diff := cmp.Diff(c.Fitted, m.Fitted(), approx); diff != "" {
				t.Errorf("fitted (-R +got):\n%s", diff)
			}
			fc, err := m.Forecast(c.H, 80, 95)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(c.Mean, fc.Mean, approx); diff != "" {
				t.Errorf("mean (-R +got):\n%s", diff)
			}
			for k, iv := range fc.Intervals {
				wl, wu := make([]float64, c.H), make([]float64, c.H)
				for i := range c.H {
					wl[i], wu[i] = c.Lower[i][k], c.Upper[i][k]
				}
				if diff := cmp.Diff(wl, iv.Lower, approx); diff != "" {
					t.Errorf("%v%% lower (-R +got):\n%s", iv.Level, diff)
				}
				if diff := cmp.Diff(wu, iv.Upper, approx); diff != "" {
					t.Errorf("%v%% upper (-R +got):\n%s", iv.Level, diff)
				}
			}
		})
	}
}

// TestOTMRecursion checks the Optimised Theta Model against an independent
// loop over the one-step equation of Fiorucci et al. (2016, OTM):
// μ_1 = ℓ0 + (1−1/θ)(A_n + B_n), μ_{t+1} = ℓ_t + (1−1/θ)(A_n(1−α)^t +
// B_n(1−(1−α)^{t+1})/α), ℓ_t = αy_t + (1−α)ℓ_{t−1}, with forecasts fed back
// as observations beyond n; and that optimising θ does not do worse in
// sample than θ = 2 at the same ℓ0 and α.
func TestOTMRecursion(t *testing.T) {
	y := []float64{12, 15, 14, 18, 21, 19, 24, 26, 25, 30, 31, 33, 35, 34, 38}
	m, err := Theta(y, 1, &ThetaOptions{Optimized: true})
	if err != nil {
		t.Fatal(err)
	}
	if m.ThetaCoef() < 1 || m.Alpha() < 0.1 || m.Alpha() > 0.99 {
		t.Fatalf("parameters outside the OTM bounds: alpha %v theta %v", m.Alpha(), m.ThetaCoef())
	}
	// Hand recursion of the paper's model from ℓ0 (A_n, B_n by OLS on 1..n).
	n := len(y)
	var sy, sty float64
	for i, v := range y {
		sy += v
		sty += float64(i+1) * v
	}
	fn := float64(n)
	bn := 6 * (2*sty/fn - (1+fn)*sy/fn) / (fn*fn - 1)
	an := sy/fn - (fn+1)*bn/2
	a, th := m.Alpha(), m.ThetaCoef()
	l := m.l0
	var fit []float64
	ext := append([]float64(nil), y...)
	const h = 5
	for i := 0; i < n+h; i++ {
		var mu float64
		if i == 0 {
			mu = l + (1-1/th)*(an+bn)
		} else {
			mu = l + (1-1/th)*(an*math.Pow(1-a, float64(i))+bn*(1-math.Pow(1-a, float64(i+1)))/a)
		}
		fit = append(fit, mu)
		if i >= n {
			ext = append(ext, mu)
		}
		l = a*ext[i] + (1-a)*l
	}
	fc, err := m.Forecast(h)
	if err != nil {
		t.Fatal(err)
	}
	approx := cmpopts.EquateApprox(1e-9, 1e-9)
	if diff := cmp.Diff(fit[:n], m.Fitted(), approx); diff != "" {
		t.Errorf("fitted (-hand +got):\n%s", diff)
	}
	if diff := cmp.Diff(fit[n:], fc.Mean, approx); diff != "" {
		t.Errorf("forecast (-hand +got):\n%s", diff)
	}
	// Optimising θ can only lower the in-sample squared error of θ = 2 from
	// the same start (the standard model is a special case).
	var sseOTM, sseSTM float64
	mu := make([]float64, n)
	stm := &ThetaModel{an: an, bn: bn}
	for _, v := range m.Residuals() {
		sseOTM += v * v
	}
	stm.otmPath(y, m.l0, m.Alpha(), 2, mu)
	for i, v := range y {
		sseSTM += (v - mu[i]) * (v - mu[i])
	}
	if sseOTM > sseSTM*(1+1e-9) {
		t.Errorf("OTM SSE %v above the θ=2 SSE %v at the same ℓ0, α", sseOTM, sseSTM)
	}
}

func TestThetaErrors(t *testing.T) {
	tests := []struct {
		name    string
		reason  string
		y       []float64
		period  int
		wantErr error
	}{
		{"empty", "no data is too short (forecast.ErrTooShort, as check.go promises)", nil, 1, ErrTooShort},
		{"nan", "missing value", []float64{1, 2, math.NaN(), 4, 5, 6, 7, 8}, 1, ErrMissing},
		{"inf", "infinite value", []float64{1, 2, math.Inf(1), 4, 5, 6, 7, 8}, 1, ErrInvalid},
		{"huge", "a value above 1e150 overflows", []float64{1, 2, 1e200, 4, 5, 6, 7, 8}, 1, ErrInvalid},
		{"short", "R's ses needs more than 6 points", []float64{1, 2, 3, 4, 5, 6}, 1, ErrTooShort},
		{"period", "period below 1", []float64{1, 2, 3, 4, 5, 6, 7, 8}, 0, ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Theta(tt.y, tt.period, nil)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("%s: err = %v, want %v", tt.reason, err, tt.wantErr)
			}
			var te *ETSError
			if !errors.As(err, &te) {
				t.Errorf("%s: err %T is not an *ETSError", tt.reason, err)
			}
		})
	}
}
