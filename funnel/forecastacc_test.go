package funnel

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/crmkit/crmkit"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/shopspring/decimal"
)

// pipeAccHistories adds amount and close-date changes to the synthetic
// histories, so that rebuilding a deal as of a past date has work to do.
func pipeAccHistories(seed uint64, n int) []History {
	hist := pipeGenHistories(seed, n, 365*pipeDay)
	r := rand.New(rand.NewPCG(seed, 5))
	for i := range hist {
		h := &hist[i]
		d := &h.Deal
		mid := d.Created.Add(d.Closed.Sub(d.Created) / 2)
		first := d.Created.Add(time.Duration(10+r.IntN(30)) * pipeDay)
		d.ExpectedClose = first
		if r.IntN(2) == 0 {
			d.ExpectedClose = first.Add(time.Duration(5+r.IntN(30)) * pipeDay)
			h.CloseDates = []CloseDateChange{{DealID: d.ID, Time: mid, From: first, To: d.ExpectedClose}}
		} else {
			h.CloseDates = []CloseDateChange{{DealID: d.ID, Time: d.Created, To: first}}
		}
		if r.IntN(3) == 0 {
			old := d.Amount
			d.Amount = old.Add(decimal.NewFromInt(500))
			h.Amounts = []AmountChange{{DealID: d.ID, Time: mid, From: old, To: d.Amount}}
		}
	}
	return hist
}

func TestHistoryAtMatchesReportSnapshot(t *testing.T) {
	// The per-deal rebuild must agree with the report engine's snapshot on
	// every stage's count and amount at every date.
	hist := pipeAccHistories(11, 3000)
	asOf := pipeGenStart.Add(2 * 365 * pipeDay)
	dates := []time.Time{pipeGenStart.Add(60 * pipeDay), pipeGenStart.Add(200 * pipeDay), pipeGenStart.Add(400 * pipeDay)}
	var deals []Deal
	var ch []StageChange
	var am []AmountChange
	var cl []CloseDateChange
	for _, h := range hist {
		deals = append(deals, h.Deal)
		ch = append(ch, h.Changes...)
		am = append(am, h.Amounts...)
		cl = append(cl, h.CloseDates...)
	}
	rep, err := Run(context.Background(), []Pipeline{pipeGenPipeline}, Input{Deals: crmkit.Stream(deals), StageChanges: crmkit.Stream(ch),
		AmountChanges: crmkit.Stream(am), CloseDateChanges: crmkit.Stream(cl)}, &Options{AsOf: asOf, Snapshots: dates})
	if err != nil {
		t.Fatal(err)
	}
	pp, _ := pipeIndexPipelines([]Pipeline{pipeGenPipeline})
	for k, date := range dates {
		type ca struct {
			N   int
			Amt string
		}
		want := map[string]ca{}
		for _, s := range rep.Pipelines[0].Total.Snapshots[k].Stages {
			want[s.Stage] = ca{s.Count, s.Amount.String()}
		}
		sums := map[string]decimal.Decimal{}
		counts := map[string]int{}
		for i := range hist {
			if h, ok := pipeHistoryAt(pp, &hist[i], date); ok {
				counts[h.Deal.Stage]++
				sums[h.Deal.Stage] = sums[h.Deal.Stage].Add(h.Deal.Amount)
			}
		}
		got := map[string]ca{}
		for s := range want {
			got[s] = ca{counts[s], sums[s].String()}
		}
		if d := cmp.Diff(want, got, cmp.Comparer(func(a, b string) bool {
			x, _ := decimal.NewFromString(a)
			y, _ := decimal.NewFromString(b)
			return x.Equal(y)
		})); d != "" {
			t.Errorf("snapshot %s (-report +rebuild):\n%s", date.Format(time.DateOnly), d)
		}
	}
}

func TestForecastAccuracyHand(t *testing.T) {
	// Forecast made on 10 March for March. A (propose, p=.6, 10 000,
	// expected 20 March) won on 18 March; B (lead, p=.1, 5 000, expected 25
	// March) lost. By hand: Predicted = 6 000 + 500 = 6 500; Actual 10 000;
	// Error −3 500. A is best case (.4 ≤ .6 < .7), B pipeline. The commit
	// rollup is 0 (bias −1), the best-case rollup 10 000 (bias 0).
	day := func(d int) time.Time { return time.Date(2025, 3, d, 0, 0, 0, 0, time.UTC) }
	hist := []History{
		{Deal: Deal{ID: "A", Pipeline: "P", Owner: "ann", Amount: decimal.NewFromInt(10000), Created: day(1), Stage: "won", Closed: day(18), ExpectedClose: day(20)},
			Changes: []StageChange{{DealID: "A", From: "lead", To: "propose", Time: day(5)}, {DealID: "A", From: "propose", To: "won", Time: day(18)}}},
		{Deal: Deal{ID: "B", Pipeline: "P", Owner: "ann", Amount: decimal.NewFromInt(5000), Created: day(2), Stage: "lost", Closed: day(28), ExpectedClose: day(25)},
			Changes: []StageChange{{DealID: "B", From: "lead", To: "lost", Time: day(28)}}},
	}
	r, err := ForecastAccuracy(context.Background(), []Pipeline{pipeGenPipeline}, crmkit.Stream(hist), &AccuracyOptions{Dates: []time.Time{day(10)}, AsOf: time.Date(2025, 4, 2, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	d := decimal.NewFromInt
	z := decimal.Zero
	want := AccuracySummary{Level: "total", Forecasts: 1, MeanError: d(-3500), MeanAbsError: d(3500), Bias: -0.35, CommitBias: -1, BestCaseBias: 0,
		Categories: []CategoryAccuracy{
			{Category: CategoryPipeline, Amount: d(5000), Won: z},
			{Category: CategoryBestCase, Amount: d(10000), Won: d(10000), WonShare: 1},
			{Category: CategoryCommit, Amount: z, Won: z},
			{Category: CategoryClosed, Amount: z, Won: z},
			{Category: CategoryOmitted, Amount: z, Won: z},
		}}
	if diff := cmp.Diff(want, r.Groups[0], cmp.Comparer(func(a, b decimal.Decimal) bool { return a.Equal(b) }), cmpopts.EquateApprox(0, 1e-12)); diff != "" {
		t.Errorf("total summary (-want +got):\n%s", diff)
	}
	if len(r.Groups) != 3 {
		t.Errorf("%d groups, want total, team \"\" and rep ann", len(r.Groups))
	}
	// A period that has not ended by AsOf cannot be judged.
	_, err = ForecastAccuracy(context.Background(), []Pipeline{pipeGenPipeline}, crmkit.Stream(hist), &AccuracyOptions{Dates: []time.Time{day(10)}, AsOf: day(30)})
	if err == nil {
		t.Error("a period ending after AsOf must be an error")
	}
}

func TestForecastAccuracyBias(t *testing.T) {
	// On synthetic history, stage defaults (0.1/0.3/0.6) against a world
	// whose reached-stage win rates are 0.40/0.53/0.69: the weighted
	// forecast must come out under-forecast (negative bias), and the bias
	// of a model that knows the true probabilities must be closer to zero.
	// (Not zero: deals created after the forecast date and won within the
	// period are in no forecast, and expected close dates here are not the
	// actual ones.)
	hist := pipeAccHistories(12, 4000)
	var dates []time.Time
	for m := 2; m <= 10; m++ {
		dates = append(dates, time.Date(2024, time.Month(m), 1, 0, 0, 0, 0, time.UTC))
	}
	asOf := pipeGenStart.Add(3 * 365 * pipeDay)
	def, err := ForecastAccuracy(context.Background(), []Pipeline{pipeGenPipeline}, crmkit.Stream(hist), &AccuracyOptions{Dates: dates, AsOf: asOf})
	if err != nil {
		t.Fatal(err)
	}
	tr, err := ForecastAccuracy(context.Background(), []Pipeline{pipeGenPipeline}, crmkit.Stream(hist), &AccuracyOptions{Dates: dates, AsOf: asOf,
		Model: WinProbabilityFunc(func(s DealState) (float64, error) {
			return pipeGenTruth(s.Deal.Stage, pipeDays(s.AgeInStage()), "", math.NaN()), nil
		})})
	if err != nil {
		t.Fatal(err)
	}
	bd, bt := def.Groups[0].Bias, tr.Groups[0].Bias
	t.Logf("bias: stage defaults %.3f, truth %.3f; forecasts %d", bd, bt, def.Groups[0].Forecasts)
	if bd >= 0 {
		t.Errorf("stage defaults under-state this world's win rates; bias %.3f should be negative", bd)
	}
	if math.Abs(bt) >= math.Abs(bd) {
		t.Errorf("the true model's bias %.3f is not smaller than the defaults' %.3f", bt, bd)
	}
}
