package customer

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/crmkit/crmkit"
	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"
)

// TestReferralValueAgainstNaive checks Value on random forests against a
// direct level-by-level sum over each referrer's descendants. Half the
// forests lean towards long chains so that depths beyond MaxReferralLevels
// (where Value is summed from the leaves up and Levels is cut) are covered.
func TestReferralValueAgainstNaive(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	for round := range 400 {
		n := 1 + rng.IntN(25)
		chainy := round%2 == 1
		if chainy {
			n = 1 + rng.IntN(60)
		}
		cs := make([]Customer, n)
		for i := range cs {
			cs[i].ID = fmt.Sprint("C", i)
			switch {
			case i > 0 && chainy && rng.IntN(5) > 0:
				cs[i].ReferredBy = cs[i-1].ID
			case i > 0 && rng.IntN(4) > 0:
				cs[i].ReferredBy = cs[rng.IntN(i)].ID // earlier only: a forest
			}
		}
		rng.Shuffle(n, func(a, b int) { cs[a], cs[b] = cs[b], cs[a] })
		var os []Order
		for range rng.IntN(60) {
			os = append(os, Order{CustomerID: cs[rng.IntN(n)].ID, Time: testAsOf.Add(-time.Duration(rng.IntN(500*24)) * time.Hour),
				Amount: decimal.New(int64(rng.IntN(100000)), -2)})
		}
		opts := ReferralValueOptions{Decay: []float64{0.5, 0.3, 1, 0.25}[rng.IntN(4)], MaxDepth: []int{0, 1, 2, -1, MaxReferralLevels, MaxReferralLevels + 1, 20, 35}[rng.IntN(8)]}
		if rng.IntN(2) == 0 {
			opts.From = testAsOf.AddDate(0, 0, -rng.IntN(500))
		}
		depth := opts.MaxDepth
		if depth == 0 {
			depth = 3
		}
		if depth < 0 {
			depth = n
		}
		revenue := map[string]decimal.Decimal{}
		for _, o := range os {
			if opts.From.IsZero() || !o.Time.Before(opts.From) {
				revenue[o.CustomerID] = revenue[o.CustomerID].Add(o.Amount)
			}
		}
		kids := map[string][]string{}
		for _, c := range cs {
			if c.ReferredBy != "" {
				kids[c.ReferredBy] = append(kids[c.ReferredBy], c.ID)
			}
		}
		decay := decimal.NewFromFloat(opts.Decay)
		var want []ReferralValue
		for _, c := range cs {
			if len(kids[c.ID]) == 0 {
				continue
			}
			v := ReferralValue{CustomerID: c.ID, Direct: len(kids[c.ID]), Value: decimal.Zero}
			level, w := kids[c.ID], decimal.NewFromInt(1)
			for l := 0; l < depth && len(level) > 0; l++ {
				sum := decimal.Zero
				var next []string
				for _, id := range level {
					sum = sum.Add(revenue[id])
					next = append(next, kids[id]...)
				}
				v.Network += len(level)
				v.Levels = append(v.Levels, sum)
				v.Value = v.Value.Add(sum.Mul(w))
				w = w.Mul(decay)
				level = next
			}
			want = append(want, v)
		}
		slices.SortFunc(want, func(a, b ReferralValue) int {
			if c := b.Value.Cmp(a.Value); c != 0 {
				return c
			}
			return strings.Compare(a.CustomerID, b.CustomerID)
		})
		g, err := BuildReferralGraph(context.Background(), crmkit.Stream(cs), nil)
		if err != nil {
			t.Fatal(err)
		}
		got, err := g.Value(context.Background(), testAsOf, crmkit.Stream(os), &opts)
		if err != nil {
			t.Fatal(err)
		}
		if want == nil {
			want = []ReferralValue{}
		}
		// Levels lists at most MaxReferralLevels levels; Value counts all.
		// Beyond MaxReferralLevels products are rounded to 24 places.
		eq := func(a, b decimal.Decimal) bool { return a.Equal(b) }
		if depth > MaxReferralLevels {
			tol := decimal.New(1, -18)
			eq = func(a, b decimal.Decimal) bool { return a.Sub(b).Abs().LessThanOrEqual(tol) }
		}
		for i := range want {
			if len(want[i].Levels) > MaxReferralLevels {
				want[i].Levels = want[i].Levels[:MaxReferralLevels]
			}
		}
		byID := func(vs []ReferralValue) []ReferralValue {
			vs = slices.Clone(vs)
			slices.SortFunc(vs, func(a, b ReferralValue) int { return strings.Compare(a.CustomerID, b.CustomerID) })
			return vs
		}
		if diff := cmp.Diff(byID(want), byID(got.Values), cmp.Comparer(eq)); diff != "" {
			t.Fatalf("round %d, options %+v (-naive +Value):\n%s", round, opts, diff)
		}
		if !slices.IsSortedFunc(got.Values, func(a, b ReferralValue) int {
			if c := b.Value.Cmp(a.Value); c != 0 {
				return c
			}
			return strings.Compare(a.CustomerID, b.CustomerID)
		}) {
			t.Fatalf("round %d: values not sorted by value, then ID", round)
		}
	}
}
