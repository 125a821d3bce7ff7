package segment

import (
	"errors"
	"testing"

	"github.com/crmkit/crmkit"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/shopspring/decimal"
)

func cv(id string, v int64) CustomerValue {
	return CustomerValue{CustomerID: id, Value: decimal.NewFromInt(v)}
}

func TestAssignTiers(t *testing.T) {
	five := []CustomerValue{cv("e", 5), cv("a", 50), cv("c", 10), cv("b", 30), cv("d", 5)}
	tests := []struct {
		name    string
		reason  string
		in      []CustomerValue
		opts    *TierOptions
		want    map[string]string
		wantErr error
	}{
		{
			name:   "crossing and ties",
			reason: "b crosses 80% (0.5→0.8) and stays A; c starts at 0.8 so is B; e (before 0.95) ties d and joins d's B",
			in:     five,
			want:   map[string]string{"a": "A", "b": "A", "c": "B", "d": "B", "e": "B"},
		},
		{
			name:   "custom thresholds",
			reason: "one threshold at 50%: only a (before 0) is above the line",
			in:     five,
			opts:   &TierOptions{Thresholds: []float64{0.5}, Names: []string{"top", "rest"}},
			want:   map[string]string{"a": "top", "b": "rest", "c": "rest", "d": "rest", "e": "rest"},
		},
		{
			name:   "zero values fall in the last tier",
			reason: "z brings nothing",
			in:     []CustomerValue{cv("a", 10), cv("z", 0)},
			want:   map[string]string{"a": "A", "z": "C"},
		},
		{name: "empty", reason: "no customers", in: nil, wantErr: ErrNoData},
		{name: "all zero", reason: "shares undefined", in: []CustomerValue{cv("a", 0)}, wantErr: ErrDegenerate},
		{name: "negative", reason: "refund-heavy customer", in: []CustomerValue{cv("a", 1), cv("b", -1)}, wantErr: crmkit.ErrInvalid},
		{name: "duplicate", reason: "same ID twice", in: []CustomerValue{cv("a", 1), cv("a", 2)}, wantErr: crmkit.ErrDuplicate},
		{name: "bad thresholds", reason: "not increasing", in: five, opts: &TierOptions{Thresholds: []float64{0.9, 0.5}}, wantErr: ErrOptions},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := AssignTiers(tc.in, tc.opts)
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("%s: err %v, want %v", tc.reason, err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			m := map[string]string{}
			for _, a := range got.Assignments {
				m[a.CustomerID] = a.Tier
			}
			if d := cmp.Diff(tc.want, m); d != "" {
				t.Errorf("%s (-want +got):\n%s", tc.reason, d)
			}
		})
	}
}

func TestAssignTiersSummary(t *testing.T) {
	got, err := AssignTiers([]CustomerValue{cv("e", 5), cv("a", 50), cv("c", 10), cv("b", 30), cv("d", 5)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []TierSummary{
		{Tier: "A", Customers: 2, CustomerShare: 0.4, Value: decimal.NewFromInt(80), ValueShare: 0.8},
		{Tier: "B", Customers: 3, CustomerShare: 0.6, Value: decimal.NewFromInt(20), ValueShare: 0.2},
		{Tier: "C", Customers: 0, CustomerShare: 0, Value: decimal.Zero, ValueShare: 0},
	}
	if d := cmp.Diff(want, got.Tiers, cmpopts.EquateApprox(0, 1e-12), cmp.Comparer(func(a, b decimal.Decimal) bool { return a.Equal(b) })); d != "" {
		t.Errorf("hand-computed tier sums (-want +got):\n%s", d)
	}
	if got.Assignments[1].CustomerID != "b" || got.Assignments[1].Before != 0.5 || got.Assignments[1].Rank != 2 {
		t.Errorf("second rank: %+v", got.Assignments[1])
	}
}

// TestConcentration: hand computation for values 50, 30, 10, 5, 5:
// Gini = Σ(2i−n−1)v_(i)/(nΣv) = (−4·5 −2·5 + 0·10 + 2·30 + 4·50)/500 = 0.46;
// the top 20% (one customer) bring 50%; the top 10% (half a customer) 25%.
func TestConcentration(t *testing.T) {
	got, err := ConcentrationOf([]CustomerValue{cv("e", 5), cv("a", 50), cv("c", 10), cv("b", 30), cv("d", 5)}, &ConcentrationOptions{Top: []float64{0.1, 0.2, 1}})
	if err != nil {
		t.Fatal(err)
	}
	want := &Concentration{
		Customers: 5, Total: decimal.NewFromInt(100), Gini: 0.46,
		Pareto: TopShare{Customers: 0.2, Value: 0.5, Statement: "the top 20.0% of customers bring 50.0% of the value"},
		Top: []TopShare{
			{Customers: 0.1, Value: 0.25, Statement: "the top 10.0% of customers bring 25.0% of the value"},
			{Customers: 0.2, Value: 0.5, Statement: "the top 20.0% of customers bring 50.0% of the value"},
			{Customers: 1, Value: 1, Statement: "the top 100.0% of customers bring 100.0% of the value"},
		},
		Lorenz: []LorenzPoint{{0, 0}, {0.2, 0.05}, {0.4, 0.1}, {0.6, 0.2}, {0.8, 0.5}, {1, 1}},
	}
	if d := cmp.Diff(want, got, cmpopts.EquateApprox(0, 1e-12), cmp.Comparer(func(a, b decimal.Decimal) bool { return a.Equal(b) })); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
	// Equal values: Gini 0.
	eq, err := ConcentrationOf([]CustomerValue{cv("a", 3), cv("b", 3), cv("c", 3)}, &ConcentrationOptions{LorenzPoints: 3})
	if err != nil {
		t.Fatal(err)
	}
	if eq.Gini != 0 || len(eq.Lorenz) != 3 || eq.Lorenz[1].Value != 0.5 {
		t.Errorf("equal values: gini %v lorenz %v", eq.Gini, eq.Lorenz)
	}
}
