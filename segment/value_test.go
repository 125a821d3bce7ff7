package segment

import (
	"context"
	"errors"
	"math"
	"testing"
	"time"

	"github.com/crmkit/crmkit"
	"github.com/crmkit/crmkit/customer"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/shopspring/decimal"
)

// TestLifetimeValueHand: with no discounting and one step, CLV = E[Y(39)] ×
// E[M]. E[M] by hand from the published Gamma-Gamma parameters:
// 6.25·(15.44 + 2·22.345)/(6.25·2 + 3.74 − 1) = 375.8125/15.24.
func TestLifetimeValueHand(t *testing.T) {
	bg, _ := NewBGNBD(BGNBDParams{R: 0.243, Alpha: 4.414, A: 0.793, B: 2.426})
	gg, _ := NewGammaGamma(GammaGammaParams{P: 6.25, Q: 3.74, Gamma: 15.44})
	s := []Summary{{CustomerID: "x", Frequency: 2, Recency: 30.43, T: 38.86, Monetary: decimal.RequireFromString("22.345")}}
	got, err := LifetimeValues(context.Background(), bg, gg, s, ValueOptions{Horizon: 39, Step: 39})
	if err != nil {
		t.Fatal(err)
	}
	spend := 375.8125 / 15.24
	if f, _ := got[0].Spend.Float64(); math.Abs(f-spend) > 5e-5 {
		t.Errorf("spend %v, hand %v", f, spend)
	}
	if round(got[0].Purchases, 3) != 1.226 {
		t.Errorf("purchases %v, published 1.226", got[0].Purchases)
	}
	clv, _ := got[0].CLV.Float64()
	if math.Abs(clv-got[0].Purchases*spend) > 1e-3 {
		t.Errorf("CLV %v, want %v", clv, got[0].Purchases*spend)
	}
	if got[0].Risk != RiskLow { // P(alive) 0.7266 ≥ 0.7
		t.Errorf("risk %v (P alive %v)", got[0].Risk, got[0].ProbAlive)
	}
	// Discounting: 10% per step over two steps must lower the value.
	d, err := LifetimeValues(context.Background(), bg, gg, s, ValueOptions{Horizon: 39, Step: 19.5, DiscountRate: 0.1})
	if err != nil {
		t.Fatal(err)
	}
	e1 := bg.ExpectedPurchases(19.5, 2, 30.43, 38.86)
	e2 := bg.ExpectedPurchases(39, 2, 30.43, 38.86)
	want := e1*spend/1.1 + (e2-e1)*spend/1.21
	if f, _ := d[0].CLV.Float64(); math.Abs(f-want) > 1e-3 {
		t.Errorf("discounted CLV %v, want %v", f, want)
	}
	if _, err := LifetimeValues(context.Background(), bg, gg, s, ValueOptions{}); !errors.Is(err, ErrOptions) {
		t.Errorf("zero horizon: %v", err)
	}
}

func TestRetentionPriorities(t *testing.T) {
	vals := []LifetimeValue{
		{CustomerID: "safe", ProbAlive: 1, ValueIfAlive: decimal.NewFromInt(1000)},
		{CustomerID: "lapsing", ProbAlive: 0.2, ValueIfAlive: decimal.NewFromInt(500)},
		{CustomerID: "small", ProbAlive: 0.5, ValueIfAlive: decimal.NewFromInt(40)},
	}
	got, err := RetentionPriorities(vals, RetentionOptions{AcquisitionCost: decimal.NewFromInt(50), ContactCost: decimal.NewFromInt(10), SaveRate: 0.5})
	if err != nil {
		t.Fatal(err)
	}
	// lapsing: at risk 0.8·500 = 400, gain 0.5·400 − 10 = 190, cost per save 10/(0.5·0.8) = 25 < 50.
	// small:   at risk 20, gain 0, cost per save 40 < 50.
	// safe:    at risk 0, gain −10, no cost per save.
	type row struct {
		ID   string
		Rank int
		Gain string
		Call bool
		Keep bool
	}
	var rows []row
	for _, r := range got {
		rows = append(rows, row{r.CustomerID, r.Rank, r.Gain.String(), r.Call, r.KeepCheaper})
	}
	want := []row{{"lapsing", 1, "190", true, true}, {"small", 2, "0", false, true}, {"safe", 3, "-10", false, false}}
	if d := cmp.Diff(want, rows); d != "" {
		t.Errorf("hand-computed ranking (-want +got):\n%s", d)
	}
	if got[0].CostPerSave == nil || !got[0].CostPerSave.Equal(decimal.NewFromInt(25)) {
		t.Errorf("cost per save %v, want 25", got[0].CostPerSave)
	}
}

// TestActivityIndex: purchases on days 0, 10, 15, 17 give gaps 10, 5, 2;
// mean 17/3, weighted (10+10+6)/6 = 26/6, CAI = (17/3 − 26/6)/(17/3) = 4/17.
func TestActivityIndex(t *testing.T) {
	d0 := day(2024, 3, 1)
	orders := []customer.Order{
		ord("1", "a", d0.AddDate(0, 0, 15), 1), ord("2", "a", d0, 1), ord("3", "a", d0.AddDate(0, 0, 17).Add(5*time.Hour), 1), ord("4", "a", d0.AddDate(0, 0, 10), 1),
		ord("5", "b", d0, 1), ord("6", "b", d0.Add(2*time.Hour), 1),
	}
	got, err := ActivityIndex(context.Background(), crmkit.Stream(orders), ActivityOptions{AsOf: d0.AddDate(0, 0, 20), Unit: 24 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	want := []Activity{
		{CustomerID: "a", Purchases: 4, MeanGap: 17.0 / 3, WeightedGap: 26.0 / 6, SinceLast: 3, Index: 4.0 / 17, Defined: true},
		{CustomerID: "b", Purchases: 1, SinceLast: 20},
	}
	if d := cmp.Diff(want, got, cmpopts.EquateApprox(0, 1e-12)); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
}

// TestLifetimeValuesWorkers: results do not depend on the number of
// workers, progress reaches the total, and a cancelled context stops it.
func TestLifetimeValuesWorkers(t *testing.T) {
	bg, _ := NewBGNBD(BGNBDParams{R: 0.243, Alpha: 4.414, A: 0.793, B: 2.426})
	gg, _ := NewGammaGamma(GammaGammaParams{P: 6.25, Q: 3.74, Gamma: 15.44})
	s := cdnowSummaries(t)
	one, err := LifetimeValues(context.Background(), bg, gg, s, ValueOptions{Horizon: 52, Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	last := 0
	many, err := LifetimeValues(context.Background(), bg, gg, s, ValueOptions{Horizon: 52, Workers: 4, Progress: func(done, total int) { last = done }})
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(one, many, cmp.Comparer(func(a, b decimal.Decimal) bool { return a.Equal(b) })); d != "" {
		t.Errorf("(-1 worker +4):\n%s", d)
	}
	if last != len(s) {
		t.Errorf("progress ended at %d of %d", last, len(s))
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := LifetimeValues(ctx, bg, gg, s, ValueOptions{Horizon: 52}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}

// TestLifetimeValuesNilModels: a typed nil model in the interface passed
// `pm == nil` and then panicked; every nil model is ErrOptions.
func TestLifetimeValuesNilModels(t *testing.T) {
	gg, _ := NewGammaGamma(GammaGammaParams{P: 6.25, Q: 3.74, Gamma: 15.44})
	s := []Summary{{CustomerID: "a", Frequency: 2, Recency: 30, T: 38, Monetary: decimal.New(20, 0)}}
	tests := []struct {
		name   string
		reason string
		pm     PurchaseModel
		spend  *GammaGamma
	}{
		{"untyped nil", "plain nil interface", nil, gg},
		{"nil *BGNBD", "typed nil is not == nil", (*BGNBD)(nil), gg},
		{"nil *MBGNBD", "typed nil is not == nil", (*MBGNBD)(nil), gg},
		{"nil *ParetoNBD", "typed nil is not == nil", (*ParetoNBD)(nil), gg},
		{"nil spend", "spend model missing", mustBG(t), nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := LifetimeValues(context.Background(), tc.pm, tc.spend, s, ValueOptions{Horizon: 52})
			if !errors.Is(err, ErrOptions) {
				t.Errorf("%s: err %v, want ErrOptions", tc.reason, err)
			}
		})
	}
}

func mustBG(t *testing.T) *BGNBD {
	t.Helper()
	bg, err := NewBGNBD(BGNBDParams{R: 0.243, Alpha: 4.414, A: 0.793, B: 2.426})
	if err != nil {
		t.Fatal(err)
	}
	return bg
}
