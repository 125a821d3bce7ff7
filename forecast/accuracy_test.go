package forecast

import (
	"errors"
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// The expected values are computed by hand in the comments: train 1,3,2,5,4
// has absolute first differences 2,1,3,1 (scale 1.75); actual 4,6 against
// forecast 5,3 gives errors -1,3.
func TestMeasureHandComputed(t *testing.T) {
	got, err := Measure([]float64{4, 6}, []float64{5, 3}, []float64{1, 3, 2, 5, 4}, 1)
	if err != nil {
		t.Fatal(err)
	}
	want := Accuracy{
		N:     2,
		ME:    1,            // (-1+3)/2
		MAE:   2,            // (1+3)/2
		RMSE:  math.Sqrt(5), // sqrt((1+9)/2)
		MPE:   12.5,         // 100*(-1/4+3/6)/2
		MAPE:  37.5,         // 100*(1/4+3/6)/2
		SMAPE: 400.0 / 9,    // (200*1/9 + 200*3/9)/2
		MASE:  2 / 1.75,     // MAE / scale
	}
	if diff := cmp.Diff(want, got, cmpopts.EquateApprox(0, 1e-12)); diff != "" {
		t.Errorf("Measure (-want +got):\n%s", diff)
	}
}

func TestMeasureEdges(t *testing.T) {
	tests := []struct {
		name, reason           string
		actual, fc, train      []float64
		period                 int
		wantErr                error
		wantMAPENaN, wantMASEN bool
	}{
		{"empty", "nothing to measure", nil, nil, nil, 1, ErrLength, false, false},
		{"mismatch", "lengths must line up", []float64{1}, []float64{1, 2}, nil, 1, ErrLength, false, false},
		{"all nan", "no usable pair", []float64{math.NaN()}, []float64{1}, nil, 1, ErrLength, false, false},
		{"zero actual", "MAPE undefined when an actual is zero", []float64{0, 1}, []float64{1, 1}, []float64{1, 2, 3}, 1, nil, true, false},
		{"no train", "MASE undefined without a scale", []float64{1}, []float64{2}, nil, 1, nil, false, true},
		{"constant train", "a zero scale leaves MASE undefined, not infinite", []float64{1}, []float64{2}, []float64{5, 5, 5}, 1, nil, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Measure(tt.actual, tt.fc, tt.train, tt.period)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("%s: err = %v, want %v", tt.reason, err, tt.wantErr)
			}
			if err != nil {
				return
			}
			if math.IsNaN(got.MAPE) != tt.wantMAPENaN || math.IsNaN(got.MASE) != tt.wantMASEN {
				t.Errorf("%s: got MAPE %v MASE %v", tt.reason, got.MAPE, got.MASE)
			}
			if got.Defined() == (tt.wantMAPENaN || tt.wantMASEN) {
				t.Errorf("%s: Defined() = %v", tt.reason, got.Defined())
			}
		})
	}
}

func TestMASEScaleSeasonal(t *testing.T) {
	// lag-2 differences of 1,2,4,8,16: 3,6,12 -> mean 7
	if got := MASEScale([]float64{1, 2, 4, 8, 16}, 2); got != 7 {
		t.Errorf("MASEScale = %v, want 7", got)
	}
}

func TestMeasureIntervalHandComputed(t *testing.T) {
	// level 80: alpha 0.2. y=4 inside [3,5]: score 2. y=6 above [4,5]: 1 + 10*1 = 11.
	got, err := MeasureInterval([]float64{4, 6}, Interval{Level: 80, Lower: []float64{3, 4}, Upper: []float64{5, 5}}, []float64{1, 3, 2, 5, 4}, 1)
	if err != nil {
		t.Fatal(err)
	}
	want := IntervalAccuracy{Level: 80, N: 2, Coverage: 0.5, Score: 6.5, ScaledScore: 6.5 / 1.75}
	if diff := cmp.Diff(want, got, cmpopts.EquateApprox(0, 1e-12)); diff != "" {
		t.Errorf("MeasureInterval (-want +got):\n%s", diff)
	}
	if _, err := MeasureInterval([]float64{1}, Interval{Level: 100, Lower: []float64{0}, Upper: []float64{2}}, nil, 1); err == nil {
		t.Error("level 100 accepted; want an error")
	}
}

func FuzzMeasure(f *testing.F) {
	f.Add(1.0, 2.0, 3.0, 0.0, -1.0, 2)
	f.Fuzz(func(t *testing.T, a, b, c, d, e float64, period int) {
		acc, err := Measure([]float64{a, b}, []float64{c, d}, []float64{a, e, b, c}, period%5)
		if err != nil {
			return
		}
		if acc.N < 1 || acc.N > 2 {
			t.Fatalf("N = %d", acc.N)
		}
		if acc.MAE < 0 || (acc.SMAPE < 0 || acc.SMAPE > 200.0000001) && !math.IsNaN(acc.SMAPE) {
			t.Fatalf("out of range: %+v", acc)
		}
	})
}
