package forecast

import (
	"errors"
	"math"
	"testing"
)

// TestAutoARIMARobust feeds degenerate series to AutoARIMA and FitARIMA:
// each must give a model whose forecasts are finite, or a typed error;
// never a panic or a hang.
func TestAutoARIMARobust(t *testing.T) {
	nan := math.NaN()
	explosive := make([]float64, 60)
	for i := range explosive {
		explosive[i] = math.Pow(1.3, float64(i))
	}
	laced := make([]float64, 72)
	for i := range laced {
		laced[i] = 100 + 10*math.Sin(float64(i)*2*math.Pi/12) + float64(i)
		if i%5 == 0 {
			laced[i] = nan
		}
	}
	trend := make([]float64, 30)
	for i := range trend {
		trend[i] = 3 + 2*float64(i)
	}
	quad := make([]float64, 30)
	for i := range quad {
		quad[i] = float64(i * i)
	}
	seasonalFixed := make([]float64, 48)
	for i := range seasonalFixed {
		seasonalFixed[i] = float64(i%12) * 10
	}
	huge := []float64{1e300, 2e300, 1.5e300, 3e300, 2.5e300, 1e300, 2e300, 3e300}
	tests := []struct {
		name    string
		reason  string
		y       []float64
		period  int
		wantErr error // nil: a model is expected
	}{
		{"empty", "nothing to fit", nil, 1, ErrTooShort},
		{"all NaN", "nothing observed", []float64{nan, nan, nan}, 1, ErrTooShort},
		{"one value", "a constant series of one value", []float64{5}, 1, nil},
		{"two values", "very short", []float64{5, 7}, 1, nil},
		{"three values seasonal", "period longer than the series", []float64{5, 7, 6}, 12, nil},
		{"constant", "R fits the mean", []float64{4, 4, 4, 4, 4, 4, 4, 4}, 4, nil},
		{"all zero", "constant at zero", make([]float64, 24), 12, nil},
		{"linear trend", "differenced series is constant: fixed drift", trend, 1, nil},
		{"quadratic", "second differences constant", quad, 1, nil},
		{"fixed seasonal pattern", "seasonal differences constant", seasonalFixed, 12, nil},
		{"explosive", "exponential growth", explosive, 1, nil},
		{"NaN-laced seasonal", "every fifth value missing", laced, 12, nil},
		{"leading NaN", "leading missing values are dropped", append([]float64{nan, nan}, laced[1:40]...), 12, nil},
		{"huge values", "near the float64 limit", huge, 1, nil},
		{"infinite", "Inf is invalid, not missing", []float64{1, 2, math.Inf(1), 3}, 1, ErrInvalid},
		{"bad period", "period 0", []float64{1, 2, 3}, 0, ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := AutoARIMA(tt.y, tt.period, nil)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("%s: err = %v, want %v", tt.reason, err, tt.wantErr)
				}
				var ae *ARIMAError
				if !errors.As(err, &ae) {
					t.Errorf("err %T is not *ARIMAError", err)
				}
				return
			}
			if err != nil {
				var ae *ARIMAError
				if !errors.As(err, &ae) {
					t.Fatalf("%s: untyped error %v", tt.reason, err)
				}
				if !errors.Is(err, ErrARIMAFit) {
					t.Fatalf("%s: unexpected error %v", tt.reason, err)
				}
				return
			}
			fc, err := m.Forecast(12, 80, 95)
			if err != nil {
				t.Fatalf("%s: %v: forecast: %v", tt.reason, m, err)
			}
			for i, v := range fc.Mean {
				if math.IsNaN(v) {
					t.Fatalf("%s: %v: forecast[%d] is NaN", tt.reason, m, i)
				}
			}
		})
	}
}

func TestARIMAForecastErrors(t *testing.T) {
	m, err := FitARIMA([]float64{1, 3, 2, 4, 3, 5, 4, 6, 5, 7}, 1, Order{P: 1}, &ARIMAOptions{IncludeMean: true})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		reason  string
		h       int
		levels  []float64
		xreg    []Regressor
		wantErr error
	}{
		{"zero horizon", "h must be at least 1", 0, nil, nil, ErrHorizon},
		{"huge horizon", "h above MaxHorizon", 1_000_000_000, nil, nil, ErrHorizon},
		{"level 100", "levels are in (0, 100)", 3, []float64{100}, nil, ErrInvalid},
		{"level NaN", "NaN level", 3, []float64{math.NaN()}, nil, ErrInvalid},
		{"unused regressor", "the model has no regressor x", 3, nil, []Regressor{{Name: "x", Values: []float64{1, 2, 3}}}, ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := m.ForecastWith(tt.h, tt.xreg, tt.levels...)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("%s: err = %v, want %v", tt.reason, err, tt.wantErr)
			}
		})
	}
}

// FuzzFitARIMA fits random small models to random series: no panic, no
// hang, a model or an *ARIMAError.
func FuzzFitARIMA(f *testing.F) {
	f.Add([]byte{10, 20, 15, 30, 25, 40, 35, 50, 45, 60, 55, 70}, uint8(1), uint8(0x11), false)
	f.Add([]byte{0, 0, 0, 0, 0, 0, 0, 0}, uint8(4), uint8(0x21), true)
	f.Add([]byte{255, 0, 255, 0, 255, 0, 255, 0, 255, 0}, uint8(2), uint8(0x12), true)
	f.Add([]byte{1, 2}, uint8(12), uint8(0x01), false)
	f.Fuzz(func(t *testing.T, data []byte, period, ord uint8, mean bool) {
		if len(data) > 300 {
			data = data[:300]
		}
		y := make([]float64, len(data))
		for i, b := range data {
			switch b {
			case 254:
				y[i] = math.NaN()
			case 253:
				y[i] = math.Inf(1)
			default:
				y[i] = float64(b) * float64(1+i%7)
			}
		}
		p := int(period%13) + 1
		o := Order{P: int(ord & 3), D: int(ord>>2) & 1, Q: int(ord>>3) & 3, SP: int(ord>>5) & 1, SD: int(ord>>6) & 1, SQ: int(ord>>7) & 1}
		if p == 1 {
			o.SP, o.SD, o.SQ = 0, 0, 0
		}
		m, err := FitARIMA(y, p, o, &ARIMAOptions{IncludeMean: mean})
		if err != nil {
			var ae *ARIMAError
			if !errors.As(err, &ae) {
				t.Fatalf("untyped error %T %v", err, err)
			}
			return
		}
		if _, err := m.Forecast(5, 95); err != nil {
			var ae *ARIMAError
			if !errors.As(err, &ae) {
				t.Fatalf("untyped forecast error %v", err)
			}
		}
	})
}

// FuzzAutoARIMA runs the automatic selection on random short series.
func FuzzAutoARIMA(f *testing.F) {
	f.Add([]byte{10, 20, 15, 30, 25, 40, 35, 50, 45, 60, 55, 70, 65, 80}, uint8(4))
	f.Add([]byte{7, 7, 7, 7}, uint8(1))
	f.Add([]byte{254, 1, 254, 2, 254, 3}, uint8(2))
	f.Fuzz(func(t *testing.T, data []byte, period uint8) {
		if len(data) > 60 {
			data = data[:60]
		}
		y := make([]float64, len(data))
		for i, b := range data {
			if b == 254 {
				y[i] = math.NaN()
			} else {
				y[i] = float64(b)
			}
		}
		m, err := AutoARIMA(y, int(period%13)+1, nil)
		if err != nil {
			var ae *ARIMAError
			if !errors.As(err, &ae) {
				t.Fatalf("untyped error %T %v", err, err)
			}
			return
		}
		if _, err := m.Forecast(3, 80); err != nil {
			var ae *ARIMAError
			if !errors.As(err, &ae) {
				t.Fatalf("untyped forecast error %v", err)
			}
		}
	})
}

// TestAutoARIMAExhaustiveWorkers checks that the parallel exhaustive search
// picks the same model whatever the number of workers, and that it is at
// least as good by AICc as the stepwise search on the same differencing.
func TestAutoARIMAExhaustiveWorkers(t *testing.T) {
	if testing.Short() {
		t.Skip("exhaustive search twice: seconds (see TestAutoARIMAExhaustiveMatchesR)")
	}
	var y []float64
	for _, c := range arimaLoadRef(t) {
		if c.Name == "WWWusage (1,1,1)" {
			y = arimaFloats(c.Y)
		}
	}
	one, err := AutoARIMA(y, 1, &AutoARIMAOptions{Exhaustive: true, Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	four, err := AutoARIMA(y, 1, &AutoARIMAOptions{Exhaustive: true, Workers: 4})
	if err != nil {
		t.Fatal(err)
	}
	if one.String() != four.String() || one.AICc() != four.AICc() {
		t.Errorf("1 worker: %v %v; 4 workers: %v %v", one, one.AICc(), four, four.AICc())
	}
	step, err := AutoARIMA(y, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	if one.Order().D == step.Order().D && one.AICc() > step.AICc()+1e-9 {
		t.Errorf("exhaustive %v AICc %v worse than stepwise %v AICc %v", one, one.AICc(), step, step.AICc())
	}
}
