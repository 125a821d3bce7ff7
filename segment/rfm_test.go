package segment

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/crmkit/crmkit"
	"github.com/crmkit/crmkit/customer"
	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"
)

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

func ord(id, cust string, t time.Time, amt int64) customer.Order {
	return customer.Order{ID: id, CustomerID: cust, Time: t, Amount: decimal.NewFromInt(amt), Currency: "EUR"}
}

func rfmOrders() []customer.Order {
	return []customer.Order{
		ord("1", "a", day(2024, 1, 30), 100), ord("2", "a", day(2024, 1, 20), 100), ord("3", "a", day(2024, 1, 10), 100),
		ord("4", "b", day(2024, 1, 29), 50), ord("5", "b", day(2024, 1, 1), 50),
		ord("6", "c", day(2024, 1, 2), 500),
		ord("7", "d", day(2024, 1, 15), 20),
		ord("8", "e", day(2023, 12, 1), 20),
	}
}

// TestScoreRFM: hand-computed scores (1 + ⌊5·worse/5⌋, ties shared) and
// segments from the default map.
func TestScoreRFM(t *testing.T) {
	res, err := ScoreRFM(context.Background(), crmkit.Stream(rfmOrders()), RFMOptions{AsOf: day(2024, 1, 31)})
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		ID      string
		R, F, M int
		Seg     string
	}
	var got []row
	for _, c := range res.Customers {
		got = append(got, row{c.CustomerID, c.R, c.F, c.M, c.Segment})
	}
	want := []row{
		{"a", 5, 5, 4, Champions},
		{"b", 4, 4, 3, Loyal},
		{"c", 2, 1, 5, AtRisk},
		{"d", 3, 1, 1, AboutToSleep},
		{"e", 1, 1, 1, Lost},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
	if res.Customers[0].Recency != 1 || !res.Customers[0].Monetary.Equal(decimal.NewFromInt(300)) {
		t.Errorf("a: %+v", res.Customers[0])
	}
	ex := res.Explain(0)
	for _, s := range []string{"R=5", "F=5 (3 orders)", "M=4 (300.00)", "FM=5", "Champions by rule 0", "R 5, FM 4–5"} {
		if !strings.Contains(ex, s) {
			t.Errorf("explanation %q lacks %q", ex, s)
		}
	}
}

func TestScoreRFMErrors(t *testing.T) {
	future := append(rfmOrders(), ord("9", "a", day(2024, 2, 2), 1))
	mixed := append(rfmOrders(), customer.Order{ID: "9", CustomerID: "a", Time: day(2024, 1, 3), Amount: decimal.NewFromInt(1), Currency: "USD"})
	neg := append(rfmOrders(), ord("9", "a", day(2024, 1, 3), -5))
	tests := []struct {
		name    string
		reason  string
		orders  []customer.Order
		opts    RFMOptions
		wantErr error
	}{
		{"future", "order after AsOf", future, RFMOptions{AsOf: day(2024, 1, 31)}, crmkit.ErrFuture},
		{"currency", "EUR then USD", mixed, RFMOptions{AsOf: day(2024, 1, 31)}, crmkit.ErrCurrency},
		{"negative", "negative amount", neg, RFMOptions{AsOf: day(2024, 1, 31)}, crmkit.ErrInvalid},
		{"no asof", "AsOf is required", rfmOrders(), RFMOptions{}, ErrOptions},
		{"bad q", "Q=1", rfmOrders(), RFMOptions{AsOf: day(2024, 1, 31), Q: 1}, ErrOptions},
		{"empty", "nothing to score", nil, RFMOptions{AsOf: day(2024, 1, 31)}, ErrNoData},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ScoreRFM(context.Background(), crmkit.Stream(tc.orders), tc.opts)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("%s: err %v, want %v", tc.reason, err, tc.wantErr)
			}
			var re *crmkit.RecordError
			if errors.Is(tc.wantErr, crmkit.ErrInvalid) && (!errors.As(err, &re) || re.Index != 8 || re.ID != "9") {
				t.Errorf("want a RecordError naming order #8 \"9\", got %v", err)
			}
		})
	}
}

func TestQuantileScores(t *testing.T) {
	tests := []struct {
		name   string
		reason string
		in     []float64
		q      int
		want   []int
	}{
		{"ties share", "three equal lowest values all score 1; the rest by strictly-smaller counts", []float64{1, 1, 1, 2, 3}, 5, []int{1, 1, 1, 4, 5}},
		{"distinct", "n = q: scores 1..q", []float64{5, 4, 3, 2, 1}, 5, []int{5, 4, 3, 2, 1}},
		{"all equal", "one tie group", []float64{7, 7, 7}, 4, []int{1, 1, 1}},
		{"quartiles of 8", "two per score", []float64{1, 2, 3, 4, 5, 6, 7, 8}, 4, []int{1, 1, 2, 2, 3, 3, 4, 4}},
	}
	for _, tc := range tests {
		if d := cmp.Diff(tc.want, quantileScores(tc.in, tc.q)); d != "" {
			t.Errorf("%s (%s): (-want +got)\n%s", tc.name, tc.reason, d)
		}
	}
}

// TestDefaultSegmentsCoverGrid: each of the 5×5 (R, FM) cells is matched by
// exactly one default rule, and all 11 segments appear.
func TestDefaultSegmentsCoverGrid(t *testing.T) {
	rules := DefaultSegments()
	seen := map[string]bool{}
	for r := 1; r <= 5; r++ {
		for fm := 1; fm <= 5; fm++ {
			n := 0
			for _, rule := range rules {
				if rule.R.match(r) && rule.FM.match(fm) {
					n++
					seen[rule.Segment] = true
				}
			}
			if n != 1 {
				t.Errorf("R=%d FM=%d matched by %d rules", r, fm, n)
			}
		}
	}
	if len(seen) != 11 {
		t.Errorf("%d segments used, want 11: %v", len(seen), seen)
	}
}
