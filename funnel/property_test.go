package funnel

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/crmkit/crmkit"
	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"
)

func fnlMessySpec(seed uint64, n int) fnlSynthSpec {
	return fnlSynthSpec{
		seed: seed, deals: n,
		reps:     []string{"ann", "ben", "cat"},
		advance:  []float64{0.7, 0.6, 0.5, 0.8},
		start:    time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC),
		asOf:     time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC),
		backward: 0.1, skip: 0.2, reopen: 0.15, amounts: 0.3, handover: 0.2,
	}
}

// TestSnapshotConservation: at any as-of time every deal created by then sits
// in exactly one stage, and counts and amounts are conserved. The reference
// stage and amount of each deal are computed here directly from the records.
func TestSnapshotConservation(t *testing.T) {
	for seed := uint64(1); seed <= 25; seed++ {
		spec := fnlMessySpec(seed, 150)
		deals, changes, amounts := fnlSynth(spec)
		rng := rand.New(rand.NewPCG(seed, 99))
		var snaps []time.Time
		for range 4 {
			snaps = append(snaps, spec.start.Add(time.Duration(rng.Int64N(int64(spec.asOf.Sub(spec.start))))))
		}
		snaps = append(snaps, deals[0].Created, changes[len(changes)/2].Time) // exactly at a creation and at a change
		r, err := Run(context.Background(), []Pipeline{fnlSynthPipeline()}, Input{Deals: crmkit.Stream(deals),
			StageChanges: crmkit.Stream(changes), AmountChanges: crmkit.Stream(amounts)}, &Options{AsOf: spec.asOf, Snapshots: snaps})
		if err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		byDeal := map[string][]StageChange{}
		for _, c := range changes {
			byDeal[c.DealID] = append(byDeal[c.DealID], c)
		}
		amtBy := map[string][]AmountChange{}
		for _, a := range amounts {
			amtBy[a.DealID] = append(amtBy[a.DealID], a)
		}
		p := r.Pipelines[0]
		for k, snap := range p.Total.Snapshots {
			at := snap.At
			wantN := map[string]int{}
			wantAmt := map[string]decimal.Decimal{}
			total, totalAmt := 0, decimal.Zero
			for _, d := range deals {
				if d.Created.After(at) {
					continue
				}
				stage := d.Stage
				if ch := byDeal[d.ID]; len(ch) > 0 {
					stage = ch[0].From
					for _, c := range ch {
						if !c.Time.After(at) {
							stage = c.To
						}
					}
				}
				amt := d.Amount
				if ac := amtBy[d.ID]; len(ac) > 0 {
					amt = ac[0].From
					for _, a := range ac {
						if !a.Time.After(at) {
							amt = a.To
						}
					}
				}
				wantN[stage]++
				wantAmt[stage] = wantAmt[stage].Add(amt)
				total++
				totalAmt = totalAmt.Add(amt)
			}
			gotN, gotAmt := map[string]int{}, map[string]decimal.Decimal{}
			for _, s := range snap.Stages {
				if s.Count > 0 {
					gotN[s.Stage] = s.Count
					gotAmt[s.Stage] = s.Amount
				}
			}
			if diff := cmp.Diff(wantN, gotN); diff != "" {
				t.Errorf("seed %d at %v: deals per stage (-want +got):\n%s", seed, at, diff)
			}
			if diff := cmp.Diff(wantAmt, gotAmt, fnlApprox); diff != "" {
				t.Errorf("seed %d at %v: amount per stage (-want +got):\n%s", seed, at, diff)
			}
			if snap.Count != total || !snap.Amount.Equal(totalAmt) {
				t.Errorf("seed %d at %v: total %d %s, want %d %s", seed, at, snap.Count, snap.Amount, total, totalAmt)
			}
			// The reps' snapshots partition the pipeline's.
			n, a := 0, decimal.Zero
			for _, m := range p.Reps {
				n += m.Snapshots[k].Count
				a = a.Add(m.Snapshots[k].Amount)
			}
			if n != total || !a.Equal(totalAmt) {
				t.Errorf("seed %d at %v: reps sum to %d %s, want %d %s", seed, at, n, a, total, totalAmt)
			}
		}
		// Conversion identities on the same data.
		for _, c := range p.Total.Conversion.StageToStage {
			if c.Entered != c.Advanced+c.Dropped+c.Open || c.Rate < 0 || c.Rate > 1 {
				t.Errorf("seed %d: stage-to-stage %+v does not add up", seed, c)
			}
		}
		for _, c := range p.Total.Conversion.ReachedStage {
			if c.Reached != c.Won+c.Lost+c.Open {
				t.Errorf("seed %d: reached %+v does not add up", seed, c)
			}
		}
	}
}

// TestAccumulatorMergeEqualsRun: histories split across accumulators, merged
// in a different order, give exactly the report of one pass.
func TestAccumulatorMergeEqualsRun(t *testing.T) {
	spec := fnlMessySpec(3, 400)
	deals, changes, amounts := fnlSynth(spec)
	opts := &Options{AsOf: spec.asOf, From: spec.start.AddDate(0, 1, 0), Snapshots: []time.Time{spec.start.AddDate(0, 2, 0)},
		Teams:   map[string]string{"ann": "north", "ben": "north", "cat": "south"},
		Targets: []Target{{Team: "north", Period: Quarter, Start: spec.asOf, Amount: decimal.NewFromInt(100000)}}}
	pl := []Pipeline{fnlSynthPipeline()}
	want, err := Run(context.Background(), pl, Input{Deals: crmkit.Stream(deals), StageChanges: crmkit.Stream(changes), AmountChanges: crmkit.Stream(amounts)}, opts)
	if err != nil {
		t.Fatal(err)
	}
	hist := map[string]*History{}
	var order []string
	for _, d := range deals {
		hist[d.ID] = &History{Deal: d}
		order = append(order, d.ID)
	}
	for _, c := range changes {
		hist[c.DealID].Changes = append(hist[c.DealID].Changes, c)
	}
	for _, a := range amounts {
		hist[a.DealID].Amounts = append(hist[a.DealID].Amounts, a)
	}
	const parts = 4
	accs := make([]*Accumulator, parts)
	for i := range accs {
		if accs[i], err = NewAccumulator(pl, opts); err != nil {
			t.Fatal(err)
		}
	}
	for i, id := range order {
		if err := accs[(i*7)%parts].Add(*hist[id]); err != nil {
			t.Fatal(err)
		}
	}
	// ((3 + 1) + (2 + 0))
	if err := accs[3].Merge(accs[1]); err != nil {
		t.Fatal(err)
	}
	if err := accs[2].Merge(accs[0]); err != nil {
		t.Fatal(err)
	}
	if err := accs[3].Merge(accs[2]); err != nil {
		t.Fatal(err)
	}
	got, err := accs[3].Report()
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got, fnlApprox); diff != "" {
		t.Errorf("merged report differs from one pass (-run +merged):\n%s", diff)
	}
	// A deal in two partitions is caught.
	if err := accs[3].Merge(accs[1]); err == nil {
		t.Errorf("merging the same deals twice: no error")
	}
	other, _ := NewAccumulator(pl, &Options{AsOf: spec.asOf})
	if err := accs[3].Merge(other); err != ErrMismatch {
		t.Errorf("merging accumulators with different options: err = %v, want ErrMismatch", err)
	}
	_ = fmt.Sprint
}
