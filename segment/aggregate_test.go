package segment

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/crmkit/crmkit"
	"github.com/crmkit/crmkit/customer"
	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"
)

// naiveValues is the reference for CustomerValues and ScoreRFM inputs: a
// plain map and decimal.Add per order.
type naiveAgg struct {
	revenue decimal.Decimal
	orders  int
	last    time.Time
}

func naiveAggregate(orders []customer.Order, to time.Time) map[string]*naiveAgg {
	m := map[string]*naiveAgg{}
	for _, o := range orders {
		if !o.Time.Before(to) {
			continue
		}
		a := m[o.CustomerID]
		if a == nil {
			a = &naiveAgg{}
			m[o.CustomerID] = a
		}
		a.revenue = a.revenue.Add(o.Amount)
		a.orders++
		if o.Time.After(a.last) {
			a.last = o.Time
		}
	}
	return m
}

// TestAggregateMatchesNaive: the open-addressing table (grown several times
// past 1024 slots), the batch prefetch and the same-customer shortcut give
// what a map and decimal.Add give, for shuffled streams, streams grouped by
// customer, mixed exponents and amounts that leave the int64 fast path, on
// one worker and on several.
func TestAggregateMatchesNaive(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	orders := randomOrders(rng, 5000)
	// Mixed exponents and huge coefficients force the decimal fallback.
	for i := 0; i < len(orders); i += 97 {
		orders[i].Amount = decimal.New(int64(i), -4)
	}
	for i := 0; i < len(orders); i += 389 {
		orders[i].Amount = decimal.New(999_999_999_999_999_999, 0)
	}
	grouped := slices.Clone(orders)
	slices.SortStableFunc(grouped, func(a, b customer.Order) int { return strings.Compare(a.CustomerID, b.CustomerID) })
	to := day(2025, 1, 1)
	want := naiveAggregate(orders, to)
	for _, tc := range []struct {
		name   string
		orders []customer.Order
		procs  int
	}{
		{"shuffled, 1 worker", orders, 1},
		{"shuffled, 3 workers", orders, 3},
		{"grouped by customer, 1 worker", grouped, 1},
		{"grouped by customer, 2 workers", grouped, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			old := runtime.GOMAXPROCS(tc.procs)
			defer runtime.GOMAXPROCS(old)
			vals, err := CustomerValues(context.Background(), crmkit.Stream(tc.orders), ValuesOptions{To: to})
			if err != nil {
				t.Fatal(err)
			}
			res, err := ScoreRFM(context.Background(), crmkit.Stream(tc.orders), RFMOptions{AsOf: to})
			if err != nil {
				t.Fatal(err)
			}
			checkNaive(t, want, vals, res, to)
		})
	}
}

// checkNaive compares CustomerValues' and ScoreRFM's results (as of to)
// with the naive aggregates: every customer once, in ID order, with its
// revenue, order count and last order.
func checkNaive(t *testing.T, want map[string]*naiveAgg, vals []CustomerValue, res *RFMResult, to time.Time) {
	t.Helper()
	if len(vals) != len(want) || len(res.Customers) != len(want) {
		t.Fatalf("%d values, %d RFM customers, want %d", len(vals), len(res.Customers), len(want))
	}
	for i, v := range vals {
		w := want[v.CustomerID]
		c := res.Customers[i]
		if w == nil || !v.Value.Equal(w.revenue) || c.CustomerID != v.CustomerID || !c.Monetary.Equal(w.revenue) || c.Frequency != w.orders ||
			c.Recency != float64(to.Sub(w.last))/float64(24*time.Hour) {
			t.Fatalf("customer %q: value %s, RFM %+v; want %+v", v.CustomerID, v.Value, c, w)
		}
		if i > 0 && vals[i-1].CustomerID >= v.CustomerID {
			t.Fatalf("not sorted at %d: %q then %q", i, vals[i-1].CustomerID, v.CustomerID)
		}
	}
}

// TestQuantityOverflow: two orders of quantity 1e308 used to sum to +Inf and
// make decimal.NewFromFloat panic; the order that overflows is reported,
// or skipped with Skipped, on one worker and on several.
func TestQuantityOverflow(t *testing.T) {
	orders := []customer.Order{
		{ID: "o1", CustomerID: "a", Time: day(2024, 1, 1), Amount: decimal.New(1, 0), Quantity: 1e308},
		{ID: "o2", CustomerID: "b", Time: day(2024, 1, 2), Amount: decimal.New(1, 0), Quantity: 1},
		{ID: "o3", CustomerID: "a", Time: day(2024, 1, 3), Amount: decimal.New(1, 0), Quantity: 1e308},
		{ID: "o4", CustomerID: "a", Time: day(2024, 1, 4), Amount: decimal.New(2, 0), Quantity: 1},
	}
	for _, procs := range []int{1, 2} {
		old := runtime.GOMAXPROCS(procs)
		_, err := CustomerValues(context.Background(), crmkit.Stream(orders), ValuesOptions{To: day(2025, 1, 1), Measure: MeasureQuantity})
		var re *crmkit.RecordError
		if !errors.As(err, &re) || !errors.Is(err, crmkit.ErrInvalid) || re.Index != 2 || re.ID != "o3" || re.Field != "quantity" {
			t.Errorf("procs %d: err %v, want RecordError for order 2 (o3) quantity", procs, err)
		}
		var sk Skipped
		got, err := CustomerValues(context.Background(), crmkit.Stream(orders), ValuesOptions{To: day(2025, 1, 1), Measure: MeasureQuantity, Skipped: &sk})
		if err != nil {
			t.Fatalf("procs %d: %v", procs, err)
		}
		want := []CustomerValue{{"a", decimal.NewFromFloat(1e308 + 1)}, {"b", decimal.New(1, 0)}}
		if d := cmp.Diff(want, got, decEq); d != "" {
			t.Errorf("procs %d: (-want +got):\n%s", procs, d)
		}
		if sk.Count != 1 || len(sk.Records) != 1 || sk.Records[0].Index != 2 || sk.Records[0].ID != "o3" {
			t.Errorf("procs %d: skipped %+v", procs, sk)
		}
		// Revenue does not sum quantities: no overflow, nothing to report.
		if _, err := CustomerValues(context.Background(), crmkit.Stream(orders), ValuesOptions{To: day(2025, 1, 1)}); err != nil {
			t.Errorf("procs %d: revenue: %v", procs, err)
		}
		runtime.GOMAXPROCS(old)
	}
	if q := orders[0].Quantity; !math.IsInf(q+q, 1) {
		t.Fatal("test premise")
	}
}

// TestTiersInputOrder: ranking takes a fast path for input sorted by ID
// (ties by index, no duplicate map); shuffled input with many ties gives
// the same tiers, and duplicates in unsorted or non-strictly sorted input
// are still found.
func TestTiersInputOrder(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	var sorted []CustomerValue
	for i := range 3000 {
		sorted = append(sorted, CustomerValue{CustomerID: fmt.Sprintf("c%05d", i), Value: decimal.New(int64(rng.IntN(20)), 0)})
	}
	shuffled := slices.Clone(sorted)
	rng.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	a, err := AssignTiers(sorted, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, err := AssignTiers(shuffled, nil)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(a, b, decEq); d != "" {
		t.Errorf("(-sorted +shuffled):\n%s", d)
	}
	for _, dup := range [][]CustomerValue{
		{{"a", decimal.New(1, 0)}, {"a", decimal.New(2, 0)}},                           // sorted, not strictly
		{{"b", decimal.New(1, 0)}, {"a", decimal.New(2, 0)}, {"b", decimal.New(3, 0)}}, // unsorted
	} {
		if _, err := AssignTiers(dup, nil); !errors.Is(err, crmkit.ErrDuplicate) {
			t.Errorf("%v: err %v, want ErrDuplicate", dup, err)
		}
	}
}
