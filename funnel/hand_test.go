package funnel

import (
	"context"
	"testing"
	"time"

	"github.com/crmkit/crmkit"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/shopspring/decimal"
)

// The hand-computed fixture. Every expected number in TestHandComputed was
// worked out on paper from this data (see the comments there); none was
// copied from the code's output.
//
//	D1 alice 1000 (800 until Jan 20)  Jan 1: lead →Jan 11 qualified →Jan 31 proposal →Feb 10 won
//	D2 alice 2000  Jan 15: lead →Jan 20 qualified →Feb 4 lost ("price")
//	D3 bob    500  Feb 1: lead →Feb 11 proposal (skips qualified) →Mar 2 won
//	D4 bob   3000  Mar 1: lead →Mar 6 qualified →Mar 16 lead (backward) →Mar 26 qualified; open, expected Jul 15
//	D5 alice 1500  May 1: lead, no changes; open, last activity Jun 25, expected Jul 20
//	D6 bob    800  Apr 1: lead →Apr 11 won (skips qualified and proposal)
//	D7 alice  400  Jun 1: lead →Jun 6 lost ("no budget")
//
// AsOf is 2024-07-01 00:00 UTC; the window is everything up to AsOf.
func fnlDay(m, d int) time.Time { return time.Date(2024, time.Month(m), d, 0, 0, 0, 0, time.UTC) }

func fnlDec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

// fnlHandCloseDates: D4's expected close moved Jun 15 → Jul 31 (Apr 1, a
// push of 46 days) → Jul 15 (May 1, pulled in); D5's went from none to
// Jul 20 (not counted) on May 2.
func fnlHandCloseDates() []CloseDateChange {
	return []CloseDateChange{
		{DealID: "D4", Time: fnlDay(4, 1), From: fnlDay(6, 15), To: fnlDay(7, 31)},
		{DealID: "D4", Time: fnlDay(5, 1), From: fnlDay(7, 31), To: fnlDay(7, 15)},
		{DealID: "D5", Time: fnlDay(5, 2), To: fnlDay(7, 20)},
	}
}

func fnlHandData() ([]Deal, []StageChange, []AmountChange) {
	deals := []Deal{
		{ID: "D1", Pipeline: "sales", Owner: "alice", Amount: fnlDec("1000"), Currency: "EUR", Created: fnlDay(1, 1), Closed: fnlDay(2, 10), Stage: "won"},
		{ID: "D2", Pipeline: "sales", Owner: "alice", Amount: fnlDec("2000"), Currency: "EUR", Created: fnlDay(1, 15), Closed: fnlDay(2, 4), Stage: "lost", LostReason: "price"},
		{ID: "D3", Pipeline: "sales", Owner: "bob", Amount: fnlDec("500"), Created: fnlDay(2, 1), Closed: fnlDay(3, 2), Stage: "won"},
		{ID: "D4", Pipeline: "sales", Owner: "bob", Amount: fnlDec("3000"), Created: fnlDay(3, 1), Stage: "qualified", ExpectedClose: fnlDay(7, 15)},
		{ID: "D5", Pipeline: "sales", Owner: "alice", Amount: fnlDec("1500"), Created: fnlDay(5, 1), Stage: "lead", ExpectedClose: fnlDay(7, 20), LastActivity: fnlDay(6, 25)},
		{ID: "D6", Pipeline: "sales", Owner: "bob", Amount: fnlDec("800"), Created: fnlDay(4, 1), Closed: fnlDay(4, 11), Stage: "won"},
		{ID: "D7", Pipeline: "sales", Owner: "alice", Amount: fnlDec("400"), Created: fnlDay(6, 1), Closed: fnlDay(6, 6), Stage: "lost", LostReason: "no budget"},
	}
	ch := func(id, from, to string, m, d int) StageChange {
		return StageChange{DealID: id, From: from, To: to, Time: fnlDay(m, d)}
	}
	changes := []StageChange{
		ch("D1", "lead", "qualified", 1, 11), ch("D1", "qualified", "proposal", 1, 31), ch("D1", "proposal", "won", 2, 10),
		ch("D2", "lead", "qualified", 1, 20), ch("D2", "qualified", "lost", 2, 4),
		ch("D3", "lead", "proposal", 2, 11), ch("D3", "proposal", "won", 3, 2),
		ch("D4", "lead", "qualified", 3, 6), ch("D4", "qualified", "lead", 3, 16), ch("D4", "lead", "qualified", 3, 26),
		ch("D6", "lead", "won", 4, 11),
		ch("D7", "lead", "lost", 6, 6),
	}
	amounts := []AmountChange{{DealID: "D1", Time: fnlDay(1, 20), From: fnlDec("800"), To: fnlDec("1000")}}
	return deals, changes, amounts
}

func fnlHandOptions() *Options {
	return &Options{
		AsOf:      fnlDay(7, 1),
		Snapshots: []time.Time{fnlDay(1, 15), fnlDay(2, 5)},
		Teams:     map[string]string{"alice": "east", "bob": "east"},
		Targets: []Target{
			{Rep: "alice", Period: Month, Start: fnlDay(2, 14), Amount: fnlDec("2000")},
			{Team: "east", Period: Quarter, Start: fnlDay(7, 1), Amount: fnlDec("5000")},
			{Rep: "bob", Period: Year, Start: fnlDay(1, 1), Amount: fnlDec("2000")},
		},
	}
}

func fnlHandReport(t *testing.T) *Report {
	t.Helper()
	deals, changes, amounts := fnlHandData()
	r, err := Run(context.Background(), []Pipeline{fnlTestPipeline()}, Input{
		Deals: crmkit.Stream(deals), StageChanges: crmkit.Stream(changes), AmountChanges: crmkit.Stream(amounts),
		CloseDateChanges: crmkit.Stream(fnlHandCloseDates()),
	}, fnlHandOptions())
	if err != nil {
		t.Fatal(err)
	}
	return r
}

var fnlApprox = cmp.Options{cmpopts.EquateApprox(0, 1e-9), cmp.Comparer(func(a, b decimal.Decimal) bool { return a.Equal(b) })}

func TestHandComputed(t *testing.T) {
	r := fnlHandReport(t)
	if len(r.Pipelines) != 1 {
		t.Fatalf("got %d pipelines", len(r.Pipelines))
	}
	p := r.Pipelines[0]
	tot := p.Total
	sa := func(stage string, kind StageKind, n int, amt, w string) StageAmount {
		return StageAmount{Stage: stage, Kind: kind, Count: n, Amount: fnlDec(amt), Weighted: fnlDec(w)}
	}
	// Snapshots. Jan 15: D1 in qualified at its old amount 800 (w 0.3 → 240), D2 just created in lead (2000, w 200).
	// Feb 5: D1 proposal 1000 (600), D2 lost 2000, D3 lead 500 (50).
	// Jul 1: lead D5 1500 (150), qualified D4 3000 (900), won D1+D3+D6 2300, lost D2+D7 2400.
	wantSnaps := []Snapshot{
		{At: fnlDay(1, 15), Count: 2, Amount: fnlDec("2800"), Weighted: fnlDec("440"), Stages: []StageAmount{
			sa("lead", StageOpen, 1, "2000", "200"), sa("qualified", StageOpen, 1, "800", "240"), sa("proposal", StageOpen, 0, "0", "0"),
			sa("won", StageWon, 0, "0", "0"), sa("lost", StageLost, 0, "0", "0")}},
		{At: fnlDay(2, 5), Count: 3, Amount: fnlDec("3500"), Weighted: fnlDec("650"), Stages: []StageAmount{
			sa("lead", StageOpen, 1, "500", "50"), sa("qualified", StageOpen, 0, "0", "0"), sa("proposal", StageOpen, 1, "1000", "600"),
			sa("won", StageWon, 0, "0", "0"), sa("lost", StageLost, 1, "2000", "0")}},
		{At: fnlDay(7, 1), Count: 7, Amount: fnlDec("9200"), Weighted: fnlDec("3350"), Stages: []StageAmount{
			sa("lead", StageOpen, 1, "1500", "150"), sa("qualified", StageOpen, 1, "3000", "900"), sa("proposal", StageOpen, 0, "0", "0"),
			sa("won", StageWon, 3, "2300", "2300"), sa("lost", StageLost, 2, "2400", "0")}},
	}
	if diff := cmp.Diff(wantSnaps, tot.Snapshots, fnlApprox); diff != "" {
		t.Errorf("snapshots rebuilt from history (-want +got):\n%s", diff)
	}
	// Stage-to-stage: lead entered by all 7; advanced D1 D2 D3 D4 D6, dropped D7, open D5.
	// qualified entered D1 D2 D4: D1 advanced, D2 dropped, D4 went back and is open again (unknown, not lost).
	// proposal entered D1 D3, both won.
	wantS2S := []StageConversion{
		{Stage: "lead", Entered: 7, Advanced: 5, Dropped: 1, Open: 1, Rate: 5.0 / 7, DecidedRate: 5.0 / 6, DropAmount: fnlDec("400")},
		{Stage: "qualified", Entered: 3, Advanced: 1, Dropped: 1, Open: 1, Rate: 1.0 / 3, DecidedRate: 0.5, DropAmount: fnlDec("2000")},
		{Stage: "proposal", Entered: 2, Advanced: 2, Rate: 1, DecidedRate: 1, DropAmount: fnlDec("0")},
	}
	if diff := cmp.Diff(wantS2S, tot.Conversion.StageToStage, fnlApprox); diff != "" {
		t.Errorf("stage-to-stage (-want +got):\n%s", diff)
	}
	// Reached stage: furthest stage D1 won, D2 qualified, D3 won, D4 qualified, D5 lead, D6 won, D7 lead.
	wantReached := []ReachedConversion{
		{Stage: "lead", Reached: 7, Won: 3, Lost: 2, Open: 2, WinShare: 3.0 / 7},
		{Stage: "qualified", Reached: 5, Won: 3, Lost: 1, Open: 1, WinShare: 0.6},
		{Stage: "proposal", Reached: 3, Won: 3, WinShare: 1},
	}
	if diff := cmp.Diff(wantReached, tot.Conversion.ReachedStage, fnlApprox); diff != "" {
		t.Errorf("reached stage (-want +got):\n%s", diff)
	}
	coh := func(m, created, won, lost, open int) Cohort {
		return Cohort{Start: fnlDay(m, 1), End: fnlDay(m+1, 1), Created: created, Won: won, Lost: lost, Open: open,
			WinRate: float64(won) / float64(created), OpenShare: float64(open) / float64(created)}
	}
	wantCohorts := []Cohort{coh(1, 2, 1, 1, 0), coh(2, 1, 1, 0, 0), coh(3, 1, 0, 0, 1), coh(4, 1, 1, 0, 0), coh(5, 1, 0, 0, 1), coh(6, 1, 0, 1, 0)}
	if diff := cmp.Diff(wantCohorts, tot.Conversion.Cohorts, fnlApprox); diff != "" {
		t.Errorf("cohorts (-want +got):\n%s", diff)
	}
	// Outcomes: won D1 D3 D6 (1000+500+800 = 2300), lost D2 D7; cycles 40, 30, 10 days.
	type outcome struct {
		Won, Lost, Open   int
		WinRate           float64
		WonAmt, Avg, Med  decimal.Decimal
		OpenAmt, Velocity decimal.Decimal
		Cycle             Durations
	}
	got := outcome{tot.Won, tot.Lost, tot.OpenDeals, tot.WinRate, tot.WonAmount, tot.AvgWonAmount, tot.MedianWonAmount, tot.OpenAmount, tot.Velocity, tot.CycleDays}
	want := outcome{3, 2, 2, 0.6, fnlDec("2300"), fnlDec("766.6667"), fnlDec("800"), fnlDec("4500"),
		// velocity = 2 open × 0.6 × (2300/3) ÷ (80/3 days) = 34.5 per day
		fnlDec("34.5"),
		// type-7 quantiles of {10, 30, 40}: p75 at position 1.5 → 35, p90 at 1.8 → 38
		Durations{N: 3, Mean: 80.0 / 3, Median: 30, P75: 35, P90: 38}}
	if diff := cmp.Diff(want, got, fnlApprox); diff != "" {
		t.Errorf("outcomes (-want +got):\n%s", diff)
	}
	// Time in stage, finished stays only: lead {10,5,10,5,10,10,5}, qualified {20,15,10}, proposal {10,20}.
	wantTIS := []StageTime{
		{Stage: "lead", Days: Durations{N: 7, Mean: 55.0 / 7, Median: 10, P75: 10, P90: 10}},
		{Stage: "qualified", Days: Durations{N: 3, Mean: 15, Median: 15, P75: 17.5, P90: 19}},
		{Stage: "proposal", Days: Durations{N: 2, Mean: 15, Median: 15, P75: 17.5, P90: 19}},
	}
	if diff := cmp.Diff(wantTIS, tot.TimeInStage, fnlApprox); diff != "" {
		t.Errorf("time in stage (-want +got):\n%s", diff)
	}
	// Moves: 12 changes; D3 skips qualified, D6 skips qualified and proposal; D4 moves back once.
	wantMoves := Moves{Changes: 12, Skips: 2, Backward: 1, Skipped: []StageCount{{"qualified", 2}, {"proposal", 1}}}
	if diff := cmp.Diff(wantMoves, tot.Moves); diff != "" {
		t.Errorf("moves (-want +got):\n%s", diff)
	}
	wantLost := []LostReason{{Reason: "no budget", Stage: "lead", Count: 1, Amount: fnlDec("400")}, {Reason: "price", Stage: "qualified", Count: 1, Amount: fnlDec("2000")}}
	if diff := cmp.Diff(wantLost, tot.LostReasons, fnlApprox); diff != "" {
		t.Errorf("lost reasons (-want +got):\n%s", diff)
	}
	// Stale: D4 in qualified since Mar 26: 97 idle days, threshold 21, 76 overdue. D5 was touched on Jun 25.
	wantStale := []StaleDeal{{DealID: "D4", Rep: "bob", Stage: "qualified", Amount: fnlDec("3000"), LastTouch: fnlDay(3, 26), IdleDays: 97, ThresholdDays: 21, OverdueDays: 76}}
	if tot.StaleDeals != 1 || !tot.StaleAmount.Equal(fnlDec("3000")) {
		t.Errorf("stale totals %d %s, want 1 3000", tot.StaleDeals, tot.StaleAmount)
	}
	if diff := cmp.Diff(wantStale, p.Stale, fnlApprox); diff != "" {
		t.Errorf("stale (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(CloseDateMoves{Pushes: 1, PulledIn: 1, PushedDeals: 1, MeanPushDays: 46}, tot.CloseDates, fnlApprox); diff != "" {
		t.Errorf("close-date moves (-want +got):\n%s", diff)
	}
	// Reps: alice won D1, lost D2 D7; bob won D3 D6.
	if len(p.Reps) != 2 || p.Reps[0].Rep != "alice" || p.Reps[0].WinRate != 1.0/3 || p.Reps[1].Rep != "bob" || p.Reps[1].WinRate != 1 {
		t.Errorf("rep win rates: %+v", p.Reps)
	}
	if len(p.Teams) != 1 || p.Teams[0].Team != "east" || p.Teams[0].Won != 3 {
		t.Errorf("team rollup: %+v", p.Teams)
	}
	// Targets.
	//  alice, Feb 2024, 2000: won D1 1000 → attainment 0.5, gap 1000, nothing open for Feb; win rate 1/3 → needs 3×.
	//  east, Q3 2024, 5000: nothing won yet; open D4 3000 (w 900) + D5 1500 (w 150) expected in Q3:
	//    coverage 1050/5000 = 0.21, unweighted 4500/5000 = 0.9; team win rate 3/5 → needs 1/0.6.
	//  bob, 2024, 2000: won D3 500 + D6 800 = 1300 → 0.65, gap 700; open D4 3000 (w 900) → 900/700, 3000/700; win rate 1.
	wantTargets := []TargetResult{
		{Target: Target{Rep: "alice", Period: Month, Start: fnlDay(2, 1), Amount: fnlDec("2000")}, End: fnlDay(3, 1),
			Won: fnlDec("1000"), Attainment: 0.5, Gap: fnlDec("1000"), Open: fnlDec("0"), WeightedOpen: fnlDec("0"), WinRate: 1.0 / 3, CoverageNeeded: 3},
		{Target: Target{Team: "east", Period: Quarter, Start: fnlDay(7, 1), Amount: fnlDec("5000")}, End: fnlDay(10, 1),
			Won: fnlDec("0"), Attainment: 0, Gap: fnlDec("5000"), Open: fnlDec("4500"), WeightedOpen: fnlDec("1050"),
			Coverage: 0.21, UnweightedCoverage: 0.9, WinRate: 0.6, CoverageNeeded: 1 / 0.6},
		{Target: Target{Rep: "bob", Period: Year, Start: fnlDay(1, 1), Amount: fnlDec("2000")}, End: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC),
			Won: fnlDec("1300"), Attainment: 0.65, Gap: fnlDec("700"), Open: fnlDec("3000"), WeightedOpen: fnlDec("900"),
			Coverage: 900.0 / 700, UnweightedCoverage: 3000.0 / 700, WinRate: 1, CoverageNeeded: 1},
	}
	if diff := cmp.Diff(wantTargets, r.Targets, fnlApprox); diff != "" {
		t.Errorf("targets (-want +got):\n%s", diff)
	}
	for _, d := range p.Diagnostics {
		if d.WeakStage != "" {
			t.Errorf("rep %s: weak stage %q named from a handful of deals", d.Rep, d.WeakStage)
		}
	}
}

// TestHandWindow: the same fixture with the window [Feb 1, Apr 1).
// Created in the window: D3, D4. Closed in it: D1 (won Feb 10), D2 (lost
// Feb 4), D3 (won Mar 2). Stays ending in it: lead D3 10, D4 5, D4 10;
// qualified D2 15, D4 10; proposal D1 10, D3 20. Changes in it: D1 1, D2 1,
// D3 2 (one skips qualified), D4 3 (one backward).
func TestHandWindow(t *testing.T) {
	deals, changes, amounts := fnlHandData()
	opts := fnlHandOptions()
	opts.From, opts.To = fnlDay(2, 1), fnlDay(4, 1)
	r, err := Run(context.Background(), []Pipeline{fnlTestPipeline()}, Input{Deals: crmkit.Stream(deals), StageChanges: crmkit.Stream(changes), AmountChanges: crmkit.Stream(amounts)}, opts)
	if err != nil {
		t.Fatal(err)
	}
	tot := r.Pipelines[0].Total
	type got struct {
		Created, Won, Lost int
		WinRate            float64
		WonAmount          decimal.Decimal
		Cycle              Durations
		S2S                []StageConversion
		TIS                []StageTime
		Moves              Moves
	}
	want := got{Created: 2, Won: 2, Lost: 1, WinRate: 2.0 / 3, WonAmount: fnlDec("1500"),
		Cycle: Durations{N: 2, Mean: 35, Median: 35, P75: 37.5, P90: 39},
		S2S: []StageConversion{
			{Stage: "lead", Entered: 2, Advanced: 2, Rate: 1, DecidedRate: 1, DropAmount: fnlDec("0")},
			{Stage: "qualified", Entered: 1, Open: 1, DropAmount: fnlDec("0")},
			{Stage: "proposal", Entered: 1, Advanced: 1, Rate: 1, DecidedRate: 1, DropAmount: fnlDec("0")},
		},
		TIS: []StageTime{
			{Stage: "lead", Days: Durations{N: 3, Mean: 25.0 / 3, Median: 10, P75: 10, P90: 10}},
			{Stage: "qualified", Days: Durations{N: 2, Mean: 12.5, Median: 12.5, P75: 13.75, P90: 14.5}},
			{Stage: "proposal", Days: Durations{N: 2, Mean: 15, Median: 15, P75: 17.5, P90: 19}},
		},
		Moves: Moves{Changes: 7, Skips: 1, Backward: 1, Skipped: []StageCount{{"qualified", 1}}},
	}
	g := got{tot.Created, tot.Won, tot.Lost, tot.WinRate, tot.WonAmount, tot.CycleDays, tot.Conversion.StageToStage, tot.TimeInStage, tot.Moves}
	if diff := cmp.Diff(want, g, fnlApprox); diff != "" {
		t.Errorf("window [Feb 1, Apr 1) (-want +got):\n%s", diff)
	}
}
