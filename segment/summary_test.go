package segment

import (
	"context"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/crmkit/crmkit"
	"github.com/crmkit/crmkit/customer"
	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"
)

var decEq = cmp.Comparer(func(a, b decimal.Decimal) bool { return a.Equal(b) })

// TestSummarizeOrderFree: shuffling the CDNOW orders changes nothing.
func TestSummarizeOrderFree(t *testing.T) {
	orders := cdnowOrders(t)
	want, err := Summarize(context.Background(), crmkit.Stream(orders), cdnowOpts)
	if err != nil {
		t.Fatal(err)
	}
	shuffled := slices.Clone(orders)
	rng := rand.New(rand.NewPCG(1, 2))
	rng.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	got, err := Summarize(context.Background(), crmkit.Stream(shuffled), cdnowOpts)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(want, got, decEq); d != "" {
		t.Errorf("shuffled orders (-sorted +shuffled):\n%s", d)
	}
}

// TestAccumulatorMerge: accumulating random parts of each customer's orders
// and merging them (in either order) gives exactly Summarize's result, and
// compressing parts then merging patterns equals compressing everything —
// the combine a distributed engine runs.
func TestAccumulatorMerge(t *testing.T) {
	orders := cdnowOrders(t)
	want, err := Summarize(context.Background(), crmkit.Stream(orders), cdnowOpts)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(3, 4))
	parts := [3]map[string]*Accumulator{{}, {}, {}}
	for _, o := range orders {
		p := parts[rng.IntN(3)]
		if p[o.CustomerID] == nil {
			p[o.CustomerID] = &Accumulator{}
		}
		if err := p[o.CustomerID].Add(o); err != nil {
			t.Fatal(err)
		}
	}
	var got []Summary
	for _, w := range want {
		var acc Accumulator
		for _, k := range []int{2, 0, 1} {
			if err := acc.Merge(parts[k][w.CustomerID]); err != nil {
				t.Fatal(err)
			}
		}
		s, ok, err := acc.Summary(cdnowOpts)
		if err != nil || !ok {
			t.Fatalf("%s: ok %v err %v", w.CustomerID, ok, err)
		}
		got = append(got, s)
	}
	if d := cmp.Diff(want, got, decEq); d != "" {
		t.Errorf("merged accumulators (-Summarize +merged):\n%s", d)
	}
	all, _ := Compress(want)
	a, _ := Compress(want[:1000])
	b, _ := Compress(want[1000:])
	if d := cmp.Diff(all, MergePatterns(b, a)); d != "" {
		t.Errorf("MergePatterns (-whole +merged):\n%s", d)
	}
	if len(all) >= len(want) {
		t.Errorf("compression: %d patterns for %d customers", len(all), len(want))
	}
	sa, _ := CompressSpend(want)
	s1, _ := CompressSpend(want[:700])
	s2, _ := CompressSpend(want[700:])
	if d := cmp.Diff(sa, MergeSpendPatterns(s1, s2)); d != "" {
		t.Errorf("MergeSpendPatterns (-whole +merged):\n%s", d)
	}
}

func TestSummarizeErrors(t *testing.T) {
	cal := day(2024, 3, 31)
	good := func() []customer.Order {
		return []customer.Order{ord("1", "a", day(2024, 1, 1), 10), ord("2", "a", day(2024, 2, 1), 10)}
	}
	with := func(o customer.Order) []customer.Order { return append(good(), o) }
	tests := []struct {
		name    string
		reason  string
		orders  []customer.Order
		opts    SummaryOptions
		wantErr error
		wantIdx int
	}{
		{"no customer", "CustomerID empty", with(customer.Order{ID: "3", Time: day(2024, 1, 5), Amount: decimal.NewFromInt(1), Currency: "EUR"}), SummaryOptions{CalibrationEnd: cal}, crmkit.ErrMissing, 2},
		{"no time", "zero time", with(customer.Order{ID: "3", CustomerID: "b", Amount: decimal.NewFromInt(1), Currency: "EUR"}), SummaryOptions{CalibrationEnd: cal}, crmkit.ErrMissing, 2},
		{"negative", "refunds are not purchases", with(ord("3", "b", day(2024, 1, 5), -1)), SummaryOptions{CalibrationEnd: cal}, crmkit.ErrInvalid, 2},
		{"future", "after ObservationEnd", with(ord("3", "b", day(2024, 4, 5), 1)), SummaryOptions{CalibrationEnd: cal}, crmkit.ErrFuture, 2},
		{"currency", "USD after EUR", with(customer.Order{ID: "3", CustomerID: "b", Time: day(2024, 1, 5), Amount: decimal.NewFromInt(1), Currency: "USD"}), SummaryOptions{CalibrationEnd: cal}, crmkit.ErrCurrency, 2},
		{"no calibration end", "required", good(), SummaryOptions{}, ErrOptions, -1},
		{"observation before calibration", "inverted periods", good(), SummaryOptions{CalibrationEnd: cal, ObservationEnd: day(2024, 1, 1)}, ErrOptions, -1},
		{"sub-second grain", "grain must be whole seconds", good(), SummaryOptions{CalibrationEnd: cal, Grain: time.Millisecond}, ErrOptions, -1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Summarize(context.Background(), crmkit.Stream(tc.orders), tc.opts)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("%s: err %v, want %v", tc.reason, err, tc.wantErr)
			}
			var re *crmkit.RecordError
			if tc.wantIdx >= 0 && (!errors.As(err, &re) || re.Index != tc.wantIdx) {
				t.Errorf("want RecordError at index %d, got %v", tc.wantIdx, err)
			}
		})
	}
}

// TestSummarizeCohort: a customer whose first purchase follows the
// calibration end is not in the cohort; same-day orders merge into one
// purchase whose value is their sum.
func TestSummarizeCohort(t *testing.T) {
	orders := []customer.Order{
		ord("1", "a", day(2024, 1, 1), 10),
		ord("2", "a", day(2024, 1, 8).Add(9*time.Hour), 4),
		ord("3", "a", day(2024, 1, 8).Add(17*time.Hour), 6),
		ord("4", "a", day(2024, 1, 22), 20),
		ord("5", "a", day(2024, 2, 12), 1),
		ord("6", "late", day(2024, 2, 1), 5),
	}
	got, err := Summarize(context.Background(), crmkit.Stream(orders), SummaryOptions{CalibrationEnd: day(2024, 1, 29), ObservationEnd: day(2024, 2, 29)})
	if err != nil {
		t.Fatal(err)
	}
	want := []Summary{{CustomerID: "a", First: day(2024, 1, 1), Frequency: 2, Recency: 3, T: 4, Monetary: decimal.NewFromInt(15), HoldoutFrequency: 1}}
	if d := cmp.Diff(want, got, decEq); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
}

func TestValidateSummaries(t *testing.T) {
	s := []Summary{
		{CustomerID: "ok", Frequency: 1, Recency: 1, T: 2},
		{CustomerID: "neg", Frequency: -1, T: 2},
		{CustomerID: "late", Frequency: 1, Recency: 3, T: 2},
		{CustomerID: "ghost", Frequency: 0, Recency: 1, T: 2},
	}
	err := ValidateSummaries(s)
	var n int
	for _, e := range err.(interface{ Unwrap() []error }).Unwrap() {
		var re *crmkit.RecordError
		if errors.As(e, &re) && errors.Is(e, crmkit.ErrInvalid) {
			n++
		}
	}
	if n != 3 {
		t.Errorf("want 3 joined record errors, got %v", err)
	}
}

// TestAccumulatorJSON: an accumulator survives a JSON round trip (how an
// engine ships partial results between workers) and keeps merging.
func TestAccumulatorJSON(t *testing.T) {
	var a, b Accumulator
	_ = a.Add(ord("1", "x", day(2024, 1, 1), 10))
	_ = b.Add(ord("2", "x", day(2024, 1, 1).Add(3*time.Hour), 5))
	_ = b.Add(ord("3", "x", day(2024, 1, 15), 7))
	data, err := json.Marshal(&b)
	if err != nil {
		t.Fatal(err)
	}
	var back Accumulator
	if err := json.Unmarshal(data, &back); err != nil {
		t.Fatal(err)
	}
	if err := a.Merge(&back); err != nil {
		t.Fatal(err)
	}
	want := []Bucket{{Index: bucketIndex(day(2024, 1, 1), 24*time.Hour, nil), Amount: decimal.NewFromInt(15)}, {Index: bucketIndex(day(2024, 1, 15), 24*time.Hour, nil), Amount: decimal.NewFromInt(7)}}
	if d := cmp.Diff(want, a.Buckets, decEq); d != "" || a.Orders != 3 {
		t.Errorf("orders %d (-want +got):\n%s", a.Orders, d)
	}
	if err := a.Merge(&Accumulator{CustomerID: "y", Orders: 1, Buckets: []Bucket{{}}}); !errors.Is(err, crmkit.ErrInvalid) {
		t.Errorf("merging another customer: %v", err)
	}
}
