package forecast

import (
	"errors"
	"fmt"
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// combFixed is a model with a fixed forecast, for hand-checked combinations.
type combFixed struct {
	name         string
	mean, lo, hi float64
}

func (f combFixed) String() string { return f.name }

func (f combFixed) Forecast(h int, levels ...float64) (Forecast, error) {
	if f.name == "broken" {
		return Forecast{}, errors.New("broken model")
	}
	fc := Forecast{Mean: make([]float64, h)}
	for t := range h {
		fc.Mean[t] = f.mean + float64(t)
	}
	for _, l := range levels {
		iv := Interval{Level: l, Lower: make([]float64, h), Upper: make([]float64, h)}
		for t := range h {
			iv.Lower[t] = f.lo + float64(t) - l/100
			iv.Upper[t] = f.hi + float64(t) + l/100
		}
		fc.Intervals = append(fc.Intervals, iv)
	}
	return fc, nil
}

func TestCombine(t *testing.T) {
	a := combFixed{"A", 10, 8, 12}
	b := combFixed{"B", 13, 10, 17}
	c := combFixed{"C", 16, 9, 25}
	tests := []struct {
		name    string
		reason  string
		models  []Model
		h       int
		levels  []float64
		want    Forecast
		wantErr error
	}{
		{
			name: "three members", reason: "means and bounds averaged by hand: (10+13+16)/3 = 13, (8+10+9)/3 = 9, (12+17+25)/3 = 18",
			models: []Model{a, b, c}, h: 2, levels: []float64{95, 80},
			want: Forecast{Mean: []float64{13, 14}, Intervals: []Interval{
				{Level: 80, Lower: []float64{8.2, 9.2}, Upper: []float64{18.8, 19.8}},
				{Level: 95, Lower: []float64{8.05, 9.05}, Upper: []float64{18.95, 19.95}},
			}},
		},
		{name: "no models", reason: "nothing to combine", wantErr: ErrInvalid},
		{name: "nil model", reason: "a nil member", models: []Model{a, nil}, wantErr: ErrInvalid},
		{name: "bad horizon", reason: "h = 0", models: []Model{a}, h: 0, wantErr: ErrHorizon},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cm, err := Combine(tt.models...)
			if err == nil {
				var fc Forecast
				fc, err = cm.Forecast(tt.h, tt.levels...)
				if err == nil {
					if diff := cmp.Diff(tt.want, fc, cmpopts.EquateApprox(0, 1e-12)); diff != "" {
						t.Errorf("%s: (-want +got)\n%s", tt.reason, diff)
					}
				}
			}
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("%s: err = %v, want %v", tt.reason, err, tt.wantErr)
			}
		})
	}
	cm, _ := Combine(a, combFixed{name: "broken"})
	if _, err := cm.Forecast(3); err == nil {
		t.Error("a failing member must fail the combination")
	}
	if got, want := cm.String(), "Combination(A, broken)"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
}

func TestFitCombination(t *testing.T) {
	y := arimaAirPassengersLogT(t)
	for _, parallel := range []bool{false, true} {
		if testing.Short() && !parallel {
			continue
		}
		t.Run(fmt.Sprint("parallel=", parallel), func(t *testing.T) {
			cm, err := FitCombination(y, 12, &CombinationOptions{Parallel: parallel})
			if err != nil {
				t.Fatal(err)
			}
			fc, err := cm.Forecast(12, 80)
			if err != nil {
				t.Fatal(err)
			}
			want := make([]float64, 12)
			for _, m := range cm.Members() {
				f, err := m.Forecast(12, 80)
				if err != nil {
					t.Fatal(err)
				}
				for i := range want {
					want[i] += f.Mean[i] / 3
				}
			}
			if diff := cmp.Diff(want, fc.Mean, cmpopts.EquateApprox(1e-12, 0)); diff != "" {
				t.Errorf("mean is not the members' average (-want +got)\n%s", diff)
			}
			if len(cm.Members()) != 3 {
				t.Errorf("%d members, want 3", len(cm.Members()))
			}
		})
	}
	if _, err := FitCombination(nil, 12, nil); err == nil {
		t.Error("empty series must fail")
	}
}

func arimaAirPassengersLogT(t *testing.T) []float64 {
	for _, c := range arimaLoadRef(t) {
		if c.Name == "log AirPassengers airline" {
			return arimaFloats(c.Y)
		}
	}
	t.Fatal("log AirPassengers not in testdata/arima_ref.json")
	return nil
}

func TestFitCombinationBadInput(t *testing.T) {
	nan := math.NaN()
	constant := make([]float64, 26)
	for i := range constant {
		constant[i] = 4
	}
	laced := append([]float64(nil), constant...)
	laced[1] = nan
	tests := []struct {
		name    string
		reason  string
		y       []float64
		wantErr error
	}{
		{"one value", "members need at least a few observations", []float64{5}, ErrTooShort},
		{"missing values", "ETS and Theta do not accept NaN; the member errors are kept", laced, ErrMissing},
		{"constant", "every member handles a constant series", constant, nil},
		{"zeros", "all-zero series", make([]float64, 24), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cm, err := FitCombination(tt.y, 12, nil)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("%s: err = %v, want %v", tt.reason, err, tt.wantErr)
			}
			if err != nil {
				return
			}
			fc, err := cm.Forecast(3, 80)
			if err != nil {
				t.Fatalf("%s: forecast: %v", tt.reason, err)
			}
			if diff := cmp.Diff([]float64{tt.y[0], tt.y[0], tt.y[0]}, fc.Mean, cmpopts.EquateApprox(0, 1e-9)); diff != "" {
				t.Errorf("%s: a constant series forecasts itself (-want +got)\n%s", tt.reason, diff)
			}
		})
	}
}
