package funnel

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	gocmp "github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/shopspring/decimal"
)

// TestStaleListPruned checks the stale list against a naive computation when
// far more deals are stale than the list keeps, so that the accumulator
// prunes many times and drops late arrivals at its cut-off: the listed deals
// must be exactly the StaleLimit most overdue per pipeline (ties by deal ID),
// whether the deals go through one accumulator or two merged ones.
func TestStaleListPruned(t *testing.T) {
	asOf := time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)
	p1 := fnlSynthPipeline()
	p2 := fnlSynthPipeline()
	p2.ID = "other"
	pls := []Pipeline{p1, p2}
	const n, limit = 9000, 7
	rng := rand.New(rand.NewPCG(3, 4))
	var hist []History
	type naive struct {
		id   string
		over int64
	}
	for i := range n {
		pl := pls[i%2]
		// Idle 31..400 days in a stage whose threshold is 30 days, in whole
		// days so that equal overdue times (ties) are common.
		idle := 31 + rng.IntN(370)
		created := asOf.AddDate(0, 0, -idle)
		d := Deal{ID: fmt.Sprintf("D%05d", rng.IntN(1_000_000)*10+i%10), Pipeline: pl.ID, Owner: "r", Amount: decimal.NewFromInt(100),
			Created: created, Stage: "s1"}
		hist = append(hist, History{Deal: d})
	}
	// Deal IDs must be unique; regenerate the rare clash deterministically.
	seen := map[string]bool{}
	for i := range hist {
		for seen[hist[i].Deal.ID] {
			hist[i].Deal.ID += "x"
		}
		seen[hist[i].Deal.ID] = true
	}
	want := map[string][]naive{}
	for _, h := range hist {
		want[h.Deal.Pipeline] = append(want[h.Deal.Pipeline], naive{h.Deal.ID, asOf.Unix() - h.Deal.Created.Unix() - 30*86400})
	}
	opts := &Options{AsOf: asOf, StaleLimit: limit}
	check := func(name string, r *Report) {
		t.Helper()
		for _, pr := range r.Pipelines {
			all := want[pr.Pipeline]
			slices.SortFunc(all, func(x, y naive) int {
				if c := cmp.Compare(y.over, x.over); c != 0 {
					return c
				}
				return cmp.Compare(x.id, y.id)
			})
			var wantIDs, got []string
			for _, s := range all[:limit] {
				wantIDs = append(wantIDs, s.id)
			}
			for _, s := range pr.Stale {
				got = append(got, s.DealID)
			}
			if diff := gocmp.Diff(wantIDs, got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("%s, pipeline %s: stale list (-want +got):\n%s", name, pr.Pipeline, diff)
			}
			if pr.Total.StaleDeals != len(all) {
				t.Errorf("%s, pipeline %s: StaleDeals = %d, want %d", name, pr.Pipeline, pr.Total.StaleDeals, len(all))
			}
		}
	}
	one, err := NewAccumulator(pls, opts)
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range hist {
		if err := one.Add(h); err != nil {
			t.Fatal(err)
		}
	}
	r, err := one.Report()
	if err != nil {
		t.Fatal(err)
	}
	check("one accumulator", r)

	a, _ := NewAccumulator(pls, opts)
	b, _ := NewAccumulator(pls, opts)
	for i, h := range hist {
		acc := a
		if i%3 == 0 {
			acc = b
		}
		if err := acc.Add(h); err != nil {
			t.Fatal(err)
		}
	}
	if err := a.Merge(b); err != nil {
		t.Fatal(err)
	}
	r, err = a.Report()
	if err != nil {
		t.Fatal(err)
	}
	check("merged", r)
}
