package forecast

import (
	"errors"
	"testing"
)

// TestRequirementsNotShared guards against the package-level variables the
// requirement sets and calendar frequencies used to be: a caller changing
// the value it got must not change what the models check or what "monthly"
// means to the next caller.
func TestRequirementsNotShared(t *testing.T) {
	for _, tt := range []struct {
		name   string
		reason string
		req    func() Requirements
		fit    func([]float64) error
	}{
		{"mean", "Mean checks its own copy", MeanRequirements, func(y []float64) error { _, err := Mean(y); return err }},
		{"naive", "Naive checks its own copy", NaiveRequirements, func(y []float64) error { _, err := Naive(y); return err }},
		{"snaive", "SeasonalNaive checks its own copy", SeasonalNaiveRequirements, func(y []float64) error { _, err := SeasonalNaive(y, 1); return err }},
		{"drift", "Drift checks its own copy", DriftRequirements, func(y []float64) error { _, err := Drift(y); return err }},
		{"croston", "Croston checks its own copy", CrostonRequirements, func(y []float64) error { _, err := Croston(y, nil); return err }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := tt.req()
			r.MinLength = 1000
			if tt.req().MinLength == 1000 {
				t.Fatalf("%s: a caller's change leaked into the next call", tt.reason)
			}
			y := []float64{1, 2, 3}
			if err := tt.fit(y); err != nil {
				t.Fatalf("%s: fit failed after a caller changed its copy: %v", tt.reason, err)
			}
			if err := tt.req().Check(y, 1); err != nil {
				t.Errorf("%s: published requirements reject data the model accepts: %v", tt.reason, err)
			}
			if err := tt.req().Check(nil, 1); !errors.Is(err, ErrTooShort) {
				t.Errorf("%s: empty series: got %v, want ErrTooShort", tt.reason, err)
			}
		})
	}
	f := Monthly()
	f.Unit = Day
	if Monthly().Period() != 12 {
		t.Errorf("Monthly changed by a caller's copy")
	}
}
