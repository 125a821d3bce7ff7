package report

import (
	"errors"
	"math"
	"strings"
	"testing"
)

func TestChartsRejectBadData(t *testing.T) {
	tests := []struct {
		name, reason string
		draw         func() (string, error)
	}{
		{"funnel empty", "nothing to draw", func() (string, error) { return FunnelChart(nil) }},
		{"funnel nan", "NaN amount", func() (string, error) { return FunnelChart([]FunnelStage{{"a", 1, math.NaN(), 0}}) }},
		{"fan band length", "band must match the mean", func() (string, error) {
			return FanChart([]float64{1}, []float64{1, 2}, []Band{{80, []float64{1}, []float64{2}}})
		}},
		{"lorenz out of range", "shares live in [0,1]", func() (string, error) { return LorenzChart([][2]float64{{0, 0}, {1, 2}}, 0) }},
		{"grid score", "scores live in 1..q", func() (string, error) { return SegmentGrid([]GridCell{{R: 6, F: 1}}, 5) }},
		{"hist inf", "Inf value", func() (string, error) { return Histogram("h", "h", []float64{math.Inf(1)}, 3) }},
	}
	for _, tt := range tests {
		if _, err := tt.draw(); !errors.Is(err, ErrChartData) {
			t.Errorf("%s: %s: err = %v, want ErrChartData", tt.name, tt.reason, err)
		}
	}
}

func TestLorenzMarksTop20Share(t *testing.T) {
	// L(0.8) = 0.25 on this curve, so the top 20% bring 75%.
	svg, err := LorenzChart([][2]float64{{0, 0}, {0.5, 0.1}, {0.8, 0.25}, {1, 1}}, 0.5)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(svg, "top 20% bring 75%") {
		t.Errorf("80/20 label missing: %s", svg)
	}
}

func TestNiceTicks(t *testing.T) {
	got := niceTicks(0, 95, 5)
	want := []float64{0, 20, 40, 60, 80}
	if len(got) != len(want) {
		t.Fatalf("niceTicks = %v, want %v", got, want)
	}
	for i := range want {
		if math.Abs(got[i]-want[i]) > 1e-9 {
			t.Fatalf("niceTicks = %v, want %v", got, want)
		}
	}
}
