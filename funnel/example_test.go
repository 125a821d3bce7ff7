package funnel_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/crmkit/crmkit"
	"github.com/crmkit/crmkit/funnel"
	"github.com/shopspring/decimal"
)

func day(m, d int) time.Time { return time.Date(2024, time.Month(m), d, 0, 0, 0, 0, time.UTC) }

var pipelines = []funnel.Pipeline{{ID: "sales", Stages: []funnel.Stage{
	{ID: "lead", Probability: 0.1, Kind: funnel.StageOpen, StaleDays: 14},
	{ID: "qualified", Probability: 0.3, Kind: funnel.StageOpen, StaleDays: 21},
	{ID: "proposal", Probability: 0.6, Kind: funnel.StageOpen, StaleDays: 30},
	{ID: "won", Probability: 1, Kind: funnel.StageWon},
	{ID: "lost", Kind: funnel.StageLost},
}}}

// Four deals: D1 won after 40 days, D2 lost at qualified, D3 won skipping
// qualified, D4 still open in qualified since March 26.
func histories() []funnel.History {
	ch := func(id, from, to string, m, d int) funnel.StageChange {
		return funnel.StageChange{DealID: id, From: from, To: to, Time: day(m, d)}
	}
	return []funnel.History{
		{Deal: funnel.Deal{ID: "D1", Pipeline: "sales", Owner: "alice", Amount: decimal.NewFromInt(1000), Created: day(1, 1), Closed: day(2, 10), Stage: "won"},
			Changes: []funnel.StageChange{ch("D1", "lead", "qualified", 1, 11), ch("D1", "qualified", "proposal", 1, 31), ch("D1", "proposal", "won", 2, 10)}},
		{Deal: funnel.Deal{ID: "D2", Pipeline: "sales", Owner: "alice", Amount: decimal.NewFromInt(2000), Created: day(1, 15), Closed: day(2, 4), Stage: "lost", LostReason: "price"},
			Changes: []funnel.StageChange{ch("D2", "lead", "qualified", 1, 20), ch("D2", "qualified", "lost", 2, 4)}},
		{Deal: funnel.Deal{ID: "D3", Pipeline: "sales", Owner: "bob", Amount: decimal.NewFromInt(500), Created: day(2, 1), Closed: day(3, 2), Stage: "won"},
			Changes: []funnel.StageChange{ch("D3", "lead", "proposal", 2, 11), ch("D3", "proposal", "won", 3, 2)}},
		{Deal: funnel.Deal{ID: "D4", Pipeline: "sales", Owner: "bob", Amount: decimal.NewFromInt(3000), Created: day(3, 1), Stage: "qualified", ExpectedClose: day(7, 15)},
			Changes: []funnel.StageChange{ch("D4", "lead", "qualified", 3, 26)}},
	}
}

// input flattens the histories into the streams Run reads.
func input() funnel.Input {
	var deals []funnel.Deal
	var changes []funnel.StageChange
	for _, h := range histories() {
		deals = append(deals, h.Deal)
		changes = append(changes, h.Changes...)
	}
	return funnel.Input{Deals: crmkit.Stream(deals), StageChanges: crmkit.Stream(changes)}
}

func ExampleRun() {
	r, err := funnel.Run(context.Background(), pipelines, input(), &funnel.Options{
		AsOf:      day(7, 1),
		Snapshots: []time.Time{day(2, 5)}, // rebuild the pipeline as it stood on Feb 5
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	t := r.Pipelines[0].Total
	for _, s := range t.Snapshots {
		fmt.Printf("%s: %d deals, %s, weighted %s\n", s.At.Format("Jan 2"), s.Count, s.Amount, s.Weighted)
	}
	for _, c := range t.Conversion.StageToStage {
		fmt.Printf("%-9s entered %d advanced %d dropped %d open %d rate %.2f\n", c.Stage, c.Entered, c.Advanced, c.Dropped, c.Open, c.Rate)
	}
	fmt.Printf("win rate %.2f, avg won %s, cycle %.0f days, velocity %s/day\n", t.WinRate, t.AvgWonAmount, t.CycleDays.Mean, t.Velocity)
	for _, s := range r.Pipelines[0].Stale {
		fmt.Printf("stale: %s in %s, %.0f days overdue\n", s.DealID, s.Stage, s.OverdueDays)
	}
	// Output:
	// Feb 5: 3 deals, 3500, weighted 650
	// Jul 1: 4 deals, 6500, weighted 2400
	// lead      entered 4 advanced 4 dropped 0 open 0 rate 1.00
	// qualified entered 3 advanced 1 dropped 1 open 1 rate 0.33
	// proposal  entered 2 advanced 2 dropped 0 open 0 rate 1.00
	// win rate 0.67, avg won 750, cycle 35 days, velocity 14.2857/day
	// stale: D4 in qualified, 76 days overdue
}

func ExampleNewAccumulator() {
	opts := &funnel.Options{AsOf: day(7, 1)}
	// Two workers each fold part of the deals, then the partial results merge.
	a, err := funnel.NewAccumulator(pipelines, opts)
	if err != nil {
		fmt.Println(err)
		return
	}
	b, _ := funnel.NewAccumulator(pipelines, opts)
	for i, h := range histories() {
		w := a
		if i%2 == 1 {
			w = b
		}
		if err := w.Add(h); err != nil {
			fmt.Println(err)
		}
	}
	if err := a.Merge(b); err != nil {
		fmt.Println(err)
	}
	r, _ := a.Report()
	t := r.Pipelines[0].Total
	fmt.Println(t.Won, t.Lost, t.OpenDeals, t.WonAmount)
	// Output: 2 1 1 1500
}

func ExampleAccumulator_Add() {
	a, _ := funnel.NewAccumulator(pipelines, &funnel.Options{AsOf: day(7, 1)})
	h := histories()[0]
	fmt.Println(a.Add(h))
	fmt.Println(a.Add(h)) // the same deal again
	bad := histories()[1]
	bad.Changes[1].Time = day(1, 19) // before the previous change
	fmt.Println(a.Add(bad))
	// Output:
	// <nil>
	// deal "D1": field id: duplicate ID: deal already added
	// stage change #1 "D2": field time: record out of order: 2024-01-19 00:00:00 +0000 UTC is before the previous change of this deal
}

func ExampleAccumulator_Add_skipBad() {
	a, _ := funnel.NewAccumulator(pipelines, &funnel.Options{AsOf: day(7, 1), SkipBad: true})
	for _, h := range histories() {
		if h.Deal.ID == "D3" {
			h.Deal.Amount = decimal.NewFromInt(-500)
		}
		if err := a.Add(h); err != nil {
			fmt.Println(err)
		}
	}
	r, _ := a.Report()
	fmt.Printf("%+v\n", r.Skipped.Reasons)
	fmt.Println(r.Skipped.Deals, r.Skipped.Records, r.Pipelines[0].Total.Snapshots[0].Count)
	// Output:
	// [{Reason:deal: invalid value Count:3}]
	// 1 3 3
}

func ExampleAccumulator_Merge() {
	opts := &funnel.Options{AsOf: day(7, 1)}
	a, _ := funnel.NewAccumulator(pipelines, opts)
	b, _ := funnel.NewAccumulator(pipelines, opts)
	h := histories()
	a.Add(h[0])
	b.Add(h[0]) // the same deal on two workers
	fmt.Println(a.Merge(b))
	c, _ := funnel.NewAccumulator(pipelines, &funnel.Options{AsOf: day(6, 1)})
	fmt.Println(a.Merge(c))
	// Output:
	// deal "D1": field id: duplicate ID: deal in both accumulators
	// funnel: accumulators were built with different pipelines or options
}

func ExampleAccumulator_Report() {
	a, _ := funnel.NewAccumulator(pipelines, &funnel.Options{
		AsOf:  day(7, 1),
		Teams: map[string]string{"alice": "east", "bob": "east"},
		Targets: []funnel.Target{
			{Team: "east", Period: funnel.Quarter, Start: day(7, 1), Amount: decimal.NewFromInt(5000)},
		},
	})
	for _, h := range histories() {
		a.Add(h)
	}
	r, _ := a.Report()
	for _, c := range r.Pipelines[0].Total.Conversion.ReachedStage {
		fmt.Printf("reached %-9s %d, won %d: %.2f\n", c.Stage, c.Reached, c.Won, c.WinShare)
	}
	for _, c := range r.Pipelines[0].Total.Conversion.Cohorts {
		fmt.Printf("cohort %s: created %d won %d open %d\n", c.Start.Format("Jan"), c.Created, c.Won, c.Open)
	}
	tr := r.Targets[0]
	fmt.Printf("target %s: won %s, gap %s, weighted open %s, coverage %.2f (unweighted %.2f, needed %.2f)\n",
		tr.Target.Amount, tr.Won, tr.Gap, tr.WeightedOpen, tr.Coverage, tr.UnweightedCoverage, tr.CoverageNeeded)
	// Output:
	// reached lead      4, won 2: 0.50
	// reached qualified 4, won 2: 0.50
	// reached proposal  2, won 2: 1.00
	// cohort Jan: created 2 won 1 open 0
	// cohort Feb: created 1 won 1 open 0
	// cohort Mar: created 1 won 0 open 1
	// target 5000: won 0, gap 5000, weighted open 900, coverage 0.18 (unweighted 0.60, needed 1.50)
}

func ExampleReport_WriteTo() {
	r, _ := funnel.Run(context.Background(), pipelines, input(), &funnel.Options{AsOf: day(7, 1), MinDeals: 1})
	r.WriteTo(os.Stdout)
	// Output:
	// Funnel report as of 2024-07-01 00:00
	//
	// Pipeline sales
	// stage      kind  deals  amount   weighted
	// lead       open  0      0.00     0.00
	// qualified  open  1      3000.00  900.00
	// proposal   open  0      0.00     0.00
	// won        won   2      1500.00  1500.00
	// lost       lost  1      2000.00  0.00
	// total            4      6500.00  2400.00
	//
	// stage-to-stage  entered  advanced  dropped  open  rate    skipped  days p50  p90
	// lead            4        4         0        0     100.0%  0        10.0      20.5
	// qualified       3        1         1        1     33.3%   1        17.5      19.5
	// proposal        2        2         0        0     100.0%  0        15.0      19.0
	//
	// won 2, lost 1, win rate 66.7%, avg won 750.00, median won 750.00, cycle 35.0 days (median 35.0)
	// open 1 (3000.00), velocity 14.29 per day; moves: 1 skips, 0 backward, 0 reopened; 1 stale deals
	//
	// rep    team  open  won  win rate  won amount
	// alice  -     0     1    50.0%     1000.00
	// bob    -     1     1    100.0%    500.00
	// alice: no stage below the rest of the team with 99% probability (95% adjusted for 5 comparisons)
	// bob: no stage below the rest of the team with 99% probability (95% adjusted for 5 comparisons)
}

func ExampleReport_String() {
	r, _ := funnel.Run(context.Background(), pipelines, input(), &funnel.Options{AsOf: day(7, 1)})
	fmt.Println(len(r.String()) > 0)
	// Output: true
}

func ExampleWarning_String() {
	w := funnel.Warning{Pipeline: "sales", Stage: "demo", Message: "probability 0.1 is below 0.2 of the earlier open stage \"lead\""}
	fmt.Println(w)
	// Output: pipeline "sales" stage "demo": probability 0.1 is below 0.2 of the earlier open stage "lead"
}

func ExampleAccumulator_MarshalBinary() {
	opts := &funnel.Options{AsOf: day(7, 1)}
	worker, _ := funnel.NewAccumulator(pipelines, opts)
	for _, h := range histories()[:2] {
		worker.Add(h)
	}
	b, err := worker.MarshalBinary() // ship b to the combining worker
	if err != nil {
		fmt.Println(err)
		return
	}
	var partial funnel.Accumulator
	if err := partial.UnmarshalBinary(b); err != nil {
		fmt.Println(err)
		return
	}
	total, _ := funnel.NewAccumulator(pipelines, opts)
	for _, h := range histories()[2:] {
		total.Add(h)
	}
	fmt.Println(total.Merge(&partial))
	r, _ := total.Report()
	fmt.Println(r.Pipelines[0].Total.Snapshots[0].Count)
	// Output:
	// <nil>
	// 4
}

func ExampleAccumulator_UnmarshalBinary() {
	var a funnel.Accumulator
	err := a.UnmarshalBinary([]byte{1, 200})
	fmt.Println(errors.Is(err, funnel.ErrCorrupt))
	// Output: true
}
