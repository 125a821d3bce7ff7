package segment

import (
	"errors"
	"math"
	"testing"

	"github.com/crmkit/crmkit"
	"github.com/shopspring/decimal"
)

func TestFitEdgeCases(t *testing.T) {
	same := make([]Summary, 50)
	for i := range same {
		same[i] = Summary{CustomerID: "c", Frequency: 2, Recency: 10, T: 20, Monetary: decimal.NewFromInt(10)}
	}
	none := []Summary{{CustomerID: "a", T: 5}, {CustomerID: "b", T: 7}}
	tests := []struct {
		name    string
		reason  string
		in      []Summary
		wantErr error // nil: must succeed with finite estimates
	}{
		{"empty", "nothing to fit", nil, ErrNoData},
		{"nan", "NaN T", []Summary{{CustomerID: "a", T: math.NaN()}}, crmkit.ErrInvalid},
		{"negative", "negative frequency", []Summary{{CustomerID: "a", Frequency: -1, T: 3}}, crmkit.ErrInvalid},
		{"recency after T", "t_x > T", []Summary{{CustomerID: "a", Frequency: 1, Recency: 4, T: 3}}, crmkit.ErrInvalid},
		{"all identical", "every customer alike: λ and the dropout are not separately identified", same, ErrNotConverged},
		{"no repeat buyers", "x = 0 for all: the likelihood rises as λ → 0", none, ErrNotConverged},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := FitBGNBD(tc.in, nil)
			if !errors.Is(err, tc.wantErr) {
				t.Errorf("BG/NBD (%s): err %v, want %v", tc.reason, err, tc.wantErr)
			}
			_, err = FitParetoNBD(tc.in, &FitOptions{MaxIterations: 200})
			if !errors.Is(err, tc.wantErr) {
				t.Errorf("Pareto/NBD (%s): err %v, want %v", tc.reason, err, tc.wantErr)
			}
		})
	}
	if _, err := FitGammaGamma(none, nil); !errors.Is(err, ErrNoData) {
		t.Errorf("Gamma-Gamma without repeat buyers: %v", err)
	}
	zero := []Summary{{CustomerID: "a", Frequency: 1, Recency: 1, T: 2}}
	if _, err := FitGammaGamma(zero, nil); !errors.Is(err, crmkit.ErrInvalid) {
		t.Errorf("Gamma-Gamma with zero spend: %v", err)
	}
	if _, err := FitBGNBD(cdnowSummaries(t), &FitOptions{Start: []float64{1, -2, 1, 1}}); !errors.Is(err, ErrOptions) {
		t.Errorf("negative start: %v", err)
	}
}
