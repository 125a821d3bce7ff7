package segment

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/crmkit/crmkit"
	"github.com/crmkit/crmkit/customer"
	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"
)

// randomOrders draws an unsorted order stream: nc customers, up to 8 orders
// each, some amounts zero, some orders on the same day.
func randomOrders(rng *rand.Rand, nc int) []customer.Order {
	var out []customer.Order
	base := day(2024, 1, 1)
	for c := range nc {
		k := 1 + rng.IntN(8)
		for range k {
			t := base.Add(time.Duration(rng.IntN(300*24)) * time.Hour)
			amt := decimal.New(int64(rng.IntN(5)*rng.IntN(10000)), -2)
			out = append(out, customer.Order{ID: fmt.Sprint(len(out)), CustomerID: fmt.Sprintf("c%03d", c), Time: t, Amount: amt, Currency: "EUR", Quantity: float64(rng.IntN(3))})
		}
	}
	rng.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}

// TestAssignmentsAccountForEveryone: over random order streams, value
// tiers, RFM segments and k-means clusters each place every customer
// exactly once, and the per-tier and per-segment counts add up.
func TestAssignmentsAccountForEveryone(t *testing.T) {
	ctx := context.Background()
	asOf := day(2024, 12, 31)
	for trial := range 60 {
		rng := rand.New(rand.NewPCG(uint64(trial), 99))
		nc := 1 + rng.IntN(120)
		orders := randomOrders(rng, nc)
		want := map[string]bool{}
		for _, o := range orders {
			want[o.CustomerID] = true
		}
		once := func(what string, ids []string) {
			seen := map[string]int{}
			for _, id := range ids {
				seen[id]++
			}
			for id := range want {
				if seen[id] != 1 {
					t.Errorf("trial %d %s: customer %s placed %d times", trial, what, id, seen[id])
				}
			}
			if len(ids) != len(want) {
				t.Errorf("trial %d %s: %d placements for %d customers", trial, what, len(ids), len(want))
			}
		}
		vals, err := CustomerValues(ctx, crmkit.Stream(orders), ValuesOptions{To: asOf})
		if err != nil {
			t.Fatal(err)
		}
		tiers, err := AssignTiers(vals, nil)
		switch {
		case errors.Is(err, ErrDegenerate):
			// all amounts zero: documented error
		case err != nil:
			t.Fatal(err)
		default:
			var ids []string
			for _, a := range tiers.Assignments {
				ids = append(ids, a.CustomerID)
			}
			once("tiers", ids)
			n, sum := 0, decimal.Zero
			for _, s := range tiers.Tiers {
				n += s.Customers
				sum = sum.Add(s.Value)
			}
			if n != nc || !sum.Equal(tiers.Total) {
				t.Errorf("trial %d: tier counts %d of %d, value %s of %s", trial, n, nc, sum, tiers.Total)
			}
		}
		q := 2 + rng.IntN(9)
		rfm, err := ScoreRFM(ctx, crmkit.Stream(orders), RFMOptions{AsOf: asOf, Q: q})
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		features := make([]float64, 0, 3*nc)
		for _, c := range rfm.Customers {
			ids = append(ids, c.CustomerID)
			for _, s := range []int{c.R, c.F, c.M} {
				if s < 1 || s > q {
					t.Errorf("trial %d: score %d outside 1..%d", trial, s, q)
				}
			}
			if c.Rule < 0 {
				t.Errorf("trial %d: default map left %s unsegmented: %s", trial, c.CustomerID, rfm.Explain(0))
			}
			m, _ := c.Monetary.Float64()
			features = append(features, c.Recency, float64(c.Frequency), m)
		}
		once("rfm", ids)
		total := 0
		for _, n := range rfm.Counts {
			total += n
		}
		if total != nc {
			t.Errorf("trial %d: segment counts %d of %d", trial, total, nc)
		}
		if nc < 3 {
			continue
		}
		cl, err := KMeans(ctx, features, 3, KMeansOptions{K: min(4, nc), Seed: uint64(trial)})
		if errors.Is(err, ErrDegenerate) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		sizes := 0
		for _, s := range cl.Sizes {
			sizes += s
		}
		if len(cl.Labels) != nc || sizes != nc {
			t.Errorf("trial %d: %d labels, sizes sum %d, for %d customers", trial, len(cl.Labels), sizes, nc)
		}
		for _, l := range cl.Labels {
			if l < 0 || l >= cl.K {
				t.Errorf("trial %d: label %d", trial, l)
			}
		}
	}
}

// TestAggregateParallelEqualsSerial: routing orders to several workers gives
// exactly the single-worker result (amounts, counts, float quantities).
func TestAggregateParallelEqualsSerial(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 9))
	orders := randomOrders(rng, 3000) // > one batch per worker
	run := func(procs int) []CustomerValue {
		old := runtime.GOMAXPROCS(procs)
		defer runtime.GOMAXPROCS(old)
		v, err := CustomerValues(context.Background(), crmkit.Stream(orders), ValuesOptions{To: day(2025, 1, 1), Measure: MeasureQuantity})
		if err != nil {
			t.Fatal(err)
		}
		r, err := CustomerValues(context.Background(), crmkit.Stream(orders), ValuesOptions{To: day(2025, 1, 1)})
		if err != nil {
			t.Fatal(err)
		}
		return append(v, r...)
	}
	if d := cmp.Diff(run(1), run(4), decEq); d != "" {
		t.Errorf("(-serial +parallel):\n%s", d)
	}
}

// TestSortByID: the prefix sort orders IDs exactly as string comparison
// does, including IDs sharing 8-byte prefixes, shorter IDs and NUL bytes.
func TestSortByID(t *testing.T) {
	ids := []string{"C0000002", "C00000010", "C0000001", "C000000", "B", "C0000001\x00", "C00000011", "", "\x00", "ZZZ"}
	if d := checkSortByID(ids); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
}

// checkSortByID sorts aggregates with the given IDs by sortByID and returns
// the difference from slices.Sort's order ("" when equal).
func checkSortByID(ids []string) string {
	aggs := make([]custAgg, len(ids))
	for i, id := range ids {
		aggs[i].id = id
	}
	var got []string
	for _, a := range sortByID(aggs) {
		got = append(got, a.id)
	}
	want := slices.Clone(ids)
	slices.Sort(want)
	return cmp.Diff(want, got)
}
