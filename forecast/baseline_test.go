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

// fcoreNum decodes a JSON number or null (R's NA) into a float64 (NaN).
type fcoreNum float64

func (f *fcoreNum) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*f = fcoreNum(math.NaN())
		return nil
	}
	var v float64
	err := json.Unmarshal(b, &v)
	*f = fcoreNum(v)
	return err
}

func fcoreFloats(v []fcoreNum) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = float64(x)
	}
	return out
}

type fcoreBaselineRef struct {
	Baselines []struct {
		Name, Method string
		Y            []fcoreNum
		Period, H    int
		Mean         []fcoreNum
		Intervals    []struct {
			Level        float64
			Lower, Upper []fcoreNum
		}
	}
	Croston []struct {
		Name      string
		Alpha     float64
		Y         []fcoreNum
		H         int
		Mean, SBA []fcoreNum
		Fitted    []fcoreNum
	}
}

func fcoreLoadBaselineRef(t *testing.T) fcoreBaselineRef {
	t.Helper()
	b, err := os.ReadFile("testdata/baseline_ref.json")
	if err != nil {
		t.Fatal(err)
	}
	var ref fcoreBaselineRef
	if err := json.Unmarshal(b, &ref); err != nil {
		t.Fatal(err)
	}
	return ref
}

// TestBaselinesMatchR compares with R's forecast 8.20 (testdata/baseline_ref.R):
// meanf, naive, snaive and rwf(drift = TRUE) on WWWusage, AirPassengers,
// UKgas and a short series with missing values, h up to 30, levels 80 and 95.
// Tolerance: 1e-9 relative (closed forms; only summation order differs).
func TestBaselinesMatchR(t *testing.T) {
	ref := fcoreLoadBaselineRef(t)
	if len(ref.Baselines) != 16 {
		t.Fatalf("reference has %d baseline cases, want 16", len(ref.Baselines))
	}
	for _, c := range ref.Baselines {
		t.Run(c.Name+"/"+c.Method, func(t *testing.T) {
			y := fcoreFloats(c.Y)
			var m *Baseline
			var err error
			switch c.Method {
			case "mean":
				m, err = Mean(y)
			case "naive":
				m, err = Naive(y)
			case "snaive":
				m, err = SeasonalNaive(y, c.Period)
			case "drift":
				m, err = Drift(y)
			}
			if err != nil {
				t.Fatal(err)
			}
			fc, err := m.Forecast(c.H, 80, 95)
			if err != nil {
				t.Fatal(err)
			}
			want := Forecast{Mean: fcoreFloats(c.Mean)}
			for _, iv := range c.Intervals {
				want.Intervals = append(want.Intervals, Interval{Level: iv.Level, Lower: fcoreFloats(iv.Lower), Upper: fcoreFloats(iv.Upper)})
			}
			if diff := cmp.Diff(want, fc, cmpopts.EquateApprox(1e-9, 1e-12)); diff != "" {
				t.Errorf("%s on %s (-R +got):\n%s", c.Method, c.Name, diff)
			}
		})
	}
}

// TestCrostonMatchesR compares with R's forecast::croston (alpha 0.1 and 0.3)
// and SBA = (1 − α/2)·Croston, forecasts and one-step fitted values, to 1e-9
// relative.
func TestCrostonMatchesR(t *testing.T) {
	ref := fcoreLoadBaselineRef(t)
	if len(ref.Croston) != 8 {
		t.Fatalf("reference has %d Croston cases, want 8", len(ref.Croston))
	}
	for _, c := range ref.Croston {
		for _, sba := range []bool{false, true} {
			m, err := Croston(fcoreFloats(c.Y), &CrostonOptions{Alpha: c.Alpha, SBA: sba})
			if err != nil {
				t.Fatalf("%s alpha %v: %v", c.Name, c.Alpha, err)
			}
			fc, err := m.Forecast(c.H)
			if err != nil {
				t.Fatal(err)
			}
			want := fcoreFloats(c.Mean)
			wantFitted := fcoreFloats(c.Fitted)
			if sba {
				want = fcoreFloats(c.SBA)
				for i := range wantFitted {
					wantFitted[i] *= 1 - c.Alpha/2
				}
			}
			opt := cmpopts.EquateApprox(1e-9, 1e-12)
			if diff := cmp.Diff(want, fc.Mean, opt); diff != "" {
				t.Errorf("%s alpha %v sba %v forecast (-R +got):\n%s", c.Name, c.Alpha, sba, diff)
			}
			if diff := cmp.Diff(wantFitted, m.Fitted(), opt, cmpopts.EquateNaNs()); diff != "" {
				t.Errorf("%s alpha %v sba %v fitted (-R +got):\n%s", c.Name, c.Alpha, sba, diff)
			}
		}
	}
}

// Hand-computed: y = 2, 4, 3. Naive: future 3, one-step errors 2, -1, mse
// (4+1)/2 = 2.5. Drift: b = (3-2)/2 = 0.5, residuals 1.5, -1.5, sigma² =
// 4.5/1 = 4.5, se(b) = sqrt(4.5/2) = 1.5; h=2: mean 4, se = sqrt(4.5·2 +
// (2·1.5)²) = sqrt(18).
func TestBaselinesHandComputed(t *testing.T) {
	y := []float64{2, 4, 3}
	nv, err := Naive(y)
	if err != nil {
		t.Fatal(err)
	}
	if got := nv.Sigma(); math.Abs(got-math.Sqrt(2.5)) > 1e-12 {
		t.Errorf("naive sigma %v, want sqrt(2.5)", got)
	}
	dr, err := Drift(y)
	if err != nil {
		t.Fatal(err)
	}
	fc, err := dr.Forecast(2, 95)
	if err != nil {
		t.Fatal(err)
	}
	z := 1.959963984540054
	want := Forecast{Mean: []float64{3.5, 4}, Intervals: []Interval{{Level: 95,
		Lower: []float64{3.5 - z*math.Sqrt(4.5+2.25), 4 - z*math.Sqrt(18)},
		Upper: []float64{3.5 + z*math.Sqrt(4.5+2.25), 4 + z*math.Sqrt(18)}}}}
	if diff := cmp.Diff(want, fc, cmpopts.EquateApprox(1e-12, 1e-12)); diff != "" {
		t.Errorf("drift (-want +got):\n%s", diff)
	}
}

func TestBaselineEdges(t *testing.T) {
	nan := math.NaN()
	fit := map[string]func([]float64) (Model, error){
		"mean":    func(y []float64) (Model, error) { return Mean(y) },
		"naive":   func(y []float64) (Model, error) { return Naive(y) },
		"snaive":  func(y []float64) (Model, error) { return SeasonalNaive(y, 4) },
		"drift":   func(y []float64) (Model, error) { return Drift(y) },
		"croston": func(y []float64) (Model, error) { return Croston(y, nil) },
	}
	tests := []struct {
		name, reason, model string
		y                   []float64
		h                   int
		levels              []float64
		wantErr             error
	}{
		{"mean empty", "nothing to average", "mean", nil, 1, nil, ErrTooShort},
		{"mean all NaN", "no observed value", "mean", []float64{nan, nan}, 1, nil, ErrMissing},
		{"mean one point", "point forecast works", "mean", []float64{3}, 2, nil, nil},
		{"mean one point levels", "no spread to estimate", "mean", []float64{3}, 2, []float64{80}, ErrTooShort},
		{"naive inf", "infinite data is invalid", "naive", []float64{1, math.Inf(1)}, 1, nil, ErrInvalid},
		{"naive one point levels", "no one-step error", "naive", []float64{1}, 1, []float64{80}, ErrTooShort},
		{"snaive short", "a season of 4 needs 4 values", "snaive", []float64{1, 2, 3}, 1, nil, ErrTooShort},
		{"snaive last season missing", "nothing to carry forward", "snaive", []float64{1, 2, nan, 4}, 1, nil, ErrMissing},
		{"drift one point", "no difference", "drift", []float64{1}, 1, nil, ErrTooShort},
		{"drift two points levels", "one difference leaves no spread", "drift", []float64{1, 2}, 1, []float64{95}, ErrTooShort},
		{"huge horizon", "a billion steps is refused, not allocated", "naive", []float64{1, 2}, 1_000_000_000, nil, ErrHorizon},
		{"zero horizon", "h must be positive", "drift", []float64{1, 2, 4}, 0, nil, ErrHorizon},
		{"bad level", "levels are percentages in (0,100)", "mean", []float64{1, 2}, 1, []float64{0.95 * 100, 120}, ErrInvalid},
		{"croston negative", "demand cannot be negative", "croston", []float64{1, -1}, 1, nil, ErrInvalid},
		{"croston NaN", "missing demand is not zero demand", "croston", []float64{1, nan}, 1, nil, ErrMissing},
		{"drift overflow", "a forecast beyond float64 is an error, not +Inf", "drift", []float64{1e308, 1.7e308}, 2, nil, ErrInvalid},
		{"croston zeros", "no demand forecasts zero", "croston", []float64{0, 0}, 3, []float64{80}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := fit[tt.model](tt.y)
			if err == nil {
				_, err = m.Forecast(tt.h, tt.levels...)
			}
			if !errors.Is(err, tt.wantErr) || (err == nil) != (tt.wantErr == nil) {
				t.Errorf("%s: err = %v, want %v", tt.reason, err, tt.wantErr)
			}
		})
	}
	if _, err := SeasonalNaive([]float64{1}, 0); !errors.Is(err, ErrInvalid) {
		t.Errorf("period 0: err = %v, want ErrInvalid", err)
	}
	if _, err := Croston([]float64{1}, &CrostonOptions{Alpha: 1.5}); !errors.Is(err, ErrInvalid) {
		t.Errorf("alpha 1.5: err = %v, want ErrInvalid", err)
	}
	var zero Baseline
	if _, err := zero.Forecast(1); !errors.Is(err, ErrInvalid) {
		t.Errorf("zero Baseline: err = %v, want ErrInvalid", err)
	}
}
