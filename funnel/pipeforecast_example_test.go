package funnel_test

import (
	"context"
	"fmt"
	"iter"
	"math/rand/v2"
	"time"

	"github.com/crmkit/crmkit"
	"github.com/crmkit/crmkit/forecast"
	"github.com/crmkit/crmkit/funnel"
	"github.com/shopspring/decimal"
)

var exPipeline = funnel.Pipeline{ID: "sales", Stages: []funnel.Stage{
	{ID: "lead", Kind: funnel.StageOpen, Probability: 0.1},
	{ID: "proposal", Kind: funnel.StageOpen, Probability: 0.5},
	{ID: "won", Kind: funnel.StageWon, Probability: 1},
	{ID: "lost", Kind: funnel.StageLost, Probability: 0},
}}

var exAsOf = time.Date(2025, 3, 10, 0, 0, 0, 0, time.UTC)

// exHistory makes a small seeded history: decided deals from 2024 (web
// leads win more often) and three open deals.
func exHistory() []funnel.History {
	r := rand.New(rand.NewPCG(1, 2))
	var out []funnel.History
	day := 24 * time.Hour
	for i := range 400 {
		src := []string{"web", "event"}[r.IntN(2)]
		pWin := 0.5
		if src == "event" {
			pWin = 0.2
		}
		won := r.Float64() < pWin
		id := fmt.Sprintf("D%d", i)
		created := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(r.IntN(300)) * day)
		moved := created.Add(time.Duration(1+r.IntN(20)) * day)
		closed := moved.Add(time.Duration(1+r.IntN(20)) * day)
		end := "lost"
		if won {
			end = "won"
		}
		expected := closed.Add(-time.Duration(r.IntN(15)) * day)
		out = append(out, funnel.History{
			Deal: funnel.Deal{ID: id, Pipeline: "sales", Owner: "ann", Amount: decimal.NewFromInt(1000), Created: created,
				Stage: end, Closed: closed, Attributes: map[string]string{"source": src}},
			Changes:    []funnel.StageChange{{DealID: id, From: "lead", To: "proposal", Time: moved}, {DealID: id, From: "proposal", To: end, Time: closed}},
			CloseDates: []funnel.CloseDateChange{{DealID: id, Time: created, To: expected}},
		})
	}
	for i, st := range []string{"lead", "proposal", "proposal"} {
		id := fmt.Sprintf("O%d", i)
		h := funnel.History{Deal: funnel.Deal{ID: id, Pipeline: "sales", Owner: []string{"ann", "bob"}[i%2], Amount: decimal.NewFromInt(int64(i+1) * 5000),
			Created: exAsOf.Add(-30 * day), Stage: st, ExpectedClose: exAsOf.Add(time.Duration(10+20*i) * day), Attributes: map[string]string{"source": "web"}}}
		if st == "proposal" {
			h.Changes = []funnel.StageChange{{DealID: id, From: "lead", To: "proposal", Time: exAsOf.Add(-5 * day)}}
		}
		out = append(out, h)
	}
	return out
}

func ExampleNewStageDefaults() {
	m, err := funnel.NewStageDefaults([]funnel.Pipeline{exPipeline})
	if err != nil {
		panic(err)
	}
	p, _ := m.WinProbability(funnel.DealState{Deal: funnel.Deal{ID: "X", Pipeline: "sales", Stage: "proposal"}})
	fmt.Println(p)
	// Output: 0.5
}

func ExampleWinProbabilityFunc() {
	// A host's own model: bigger deals are harder to win.
	m := funnel.WinProbabilityFunc(func(s funnel.DealState) (float64, error) {
		if s.Deal.Amount.GreaterThan(decimal.NewFromInt(10000)) {
			return 0.2, nil
		}
		return 0.4, nil
	})
	p, _ := m.WinProbability(funnel.DealState{Deal: funnel.Deal{Amount: decimal.NewFromInt(50000)}})
	fmt.Println(p)
	// Output: 0.2
}

func ExampleFitStageAge() {
	ctx := context.Background()
	m, err := funnel.FitStageAge(ctx, []funnel.Pipeline{exPipeline}, crmkit.Stream(exHistory()), &funnel.StageAgeOptions{AsOf: exAsOf, Buckets: []float64{0, 10}})
	if err != nil {
		panic(err)
	}
	for _, c := range m.Cells() {
		fmt.Printf("%s [%v,%v) deals %d raw %.2f estimate %.2f\n", c.Stage, c.MinDays, c.MaxDays, c.Deals, c.Raw, c.Probability)
	}
	// Output:
	// lead [0,10) deals 400 raw 0.33 estimate 0.32
	// lead [10,0) deals 208 raw 0.31 estimate 0.32
	// proposal [0,10) deals 400 raw 0.30 estimate 0.30
	// proposal [10,0) deals 217 raw 0.28 estimate 0.29
}

func ExampleFitNaiveBayes() {
	ctx := context.Background()
	m, err := funnel.FitNaiveBayes(ctx, []funnel.Pipeline{exPipeline}, crmkit.Stream(exHistory()), &funnel.NaiveBayesOptions{AsOf: exAsOf, Fields: []string{"source"}})
	if err != nil {
		panic(err)
	}
	for _, src := range []string{"web", "event"} {
		p, _ := m.WinProbability(funnel.DealState{Deal: funnel.Deal{Pipeline: "sales", Stage: "proposal", Attributes: map[string]string{"source": src}}})
		fmt.Printf("%s %.2f\n", src, p)
	}
	// Output:
	// web 0.49
	// event 0.15
}

func ExampleFitLogistic() {
	ctx := context.Background()
	m, err := funnel.FitLogistic(ctx, []funnel.Pipeline{exPipeline}, crmkit.Stream(exHistory()), &funnel.LogisticOptions{AsOf: exAsOf, Categorical: []string{"source"}, Lambda: 0.1})
	if err != nil {
		panic(err)
	}
	for _, src := range []string{"web", "event"} {
		p, _ := m.WinProbability(funnel.DealState{Deal: funnel.Deal{Pipeline: "sales", Stage: "proposal", Attributes: map[string]string{"source": src}}})
		fmt.Printf("%s %.2f\n", src, p)
	}
	// Output:
	// web 0.49
	// event 0.15
}

func ExampleCalibrate() {
	fit := func(ctx context.Context, pl []funnel.Pipeline, train iter.Seq2[funnel.History, error], asOf time.Time) (funnel.WinProbability, error) {
		return funnel.FitNaiveBayes(ctx, pl, train, &funnel.NaiveBayesOptions{AsOf: asOf, Fields: []string{"source"}})
	}
	rep, err := funnel.Calibrate(context.Background(), []funnel.Pipeline{exPipeline}, crmkit.Stream(exHistory()), fit, &funnel.CalibrationOptions{
		Cutoff: time.Date(2024, 8, 1, 0, 0, 0, 0, time.UTC), AsOf: exAsOf, Points: funnel.ScoreOnEntry, Bins: 5})
	if err != nil {
		panic(err)
	}
	fmt.Printf("train %d test %d Brier %.3f (baseline %.3f)\n", rep.TrainDeals, rep.TestDeals, rep.Brier, rep.BrierBaseline)
	// Output: train 260 test 116 Brier 0.214 (baseline 0.214)
}

func ExampleFitSlippage() {
	s, err := funnel.FitSlippage(context.Background(), []funnel.Pipeline{exPipeline}, crmkit.Stream(exHistory()), &funnel.SlippageOptions{AsOf: exAsOf})
	if err != nil {
		panic(err)
	}
	fmt.Printf("deals %d won %d median delay %.0f days\n", s.Deals, s.Won, s.DelayDays.Median)
	// Output: deals 400 won 128 median delay 7 days
}

func ExampleForecastPipeline() {
	f, err := funnel.ForecastPipeline(context.Background(), []funnel.Pipeline{exPipeline}, crmkit.Stream(exHistory()), &funnel.ForecastOptions{
		AsOf: exAsOf, Periods: 2, Seed: 1,
		Targets: []funnel.Target{{Period: funnel.Month, Start: exAsOf, Amount: decimal.NewFromInt(5000)}},
	})
	if err != nil {
		panic(err)
	}
	for _, p := range f.Total.Periods {
		fmt.Printf("%s %s expected %s P10 %s P50 %s P90 %s", p.Start.Format("2006-01"), p.Method, p.Expected, p.P10, p.P50, p.P90)
		if p.PReachTarget != nil {
			fmt.Printf(" P(≥%s) %.2f", p.Target, *p.PReachTarget)
		}
		fmt.Println()
	}
	// Output:
	// 2025-03 exact expected 500 P10 0 P50 0 P90 0 P(≥5000) 0.10
	// 2025-04 exact expected 12500 P10 0 P50 10000 P90 25000
}

func ExampleCategoryRules_Categorize() {
	var rules *funnel.CategoryRules // defaults: commit ≥ 0.7, best case ≥ 0.4
	for _, p := range []float64{0.9, 0.5, 0.1} {
		c, _ := rules.Categorize(&funnel.Deal{ID: "X"}, funnel.StageOpen, p)
		fmt.Println(p, c)
	}
	// Output:
	// 0.9 commit
	// 0.5 best_case
	// 0.1 pipeline
}

func ExampleCheckCapacity() {
	// Operations can install one deal a month.
	capacity := funnel.CapacityFunc(func(team string, start, end time.Time) (float64, error) { return 1, nil })
	out, err := funnel.CheckCapacity(context.Background(), []funnel.Pipeline{exPipeline}, crmkit.Stream(exHistory()), capacity,
		&funnel.CapacityOptions{Forecast: funnel.ForecastOptions{AsOf: exAsOf, Periods: 2}})
	if err != nil {
		panic(err)
	}
	for _, p := range out {
		fmt.Printf("%s capacity %v expected %.2f P(exceed) %.2f\n", p.Start.Format("2006-01"), p.Capacity, p.ExpectedUnits, p.PExceed)
	}
	// Output:
	// 2025-03 capacity 1 expected 0.10 P(exceed) 0.00
	// 2025-04 capacity 1 expected 1.00 P(exceed) 0.25
}

// exRunRate is a stand-in for a fitted forecast.Model (ETS, ARIMA, …).
type exRunRate struct{}

func (exRunRate) String() string { return "flat(12000)" }
func (exRunRate) Forecast(h int, levels ...float64) (forecast.Forecast, error) {
	f := forecast.Forecast{Mean: make([]float64, h)}
	for i := range f.Mean {
		f.Mean[i] = 12000
	}
	return f, nil
}

func ExampleCombineOutlook() {
	f, err := funnel.ForecastPipeline(context.Background(), []funnel.Pipeline{exPipeline}, crmkit.Stream(exHistory()), &funnel.ForecastOptions{AsOf: exAsOf, Periods: 2})
	if err != nil {
		panic(err)
	}
	o, err := funnel.CombineOutlook(f, exRunRate{})
	if err != nil {
		panic(err)
	}
	for _, p := range o.Periods {
		fmt.Printf("%s pipeline %s run rate %s gap %s\n", p.Start.Format("2006-01"), p.PipelineExpected, p.RunRate, p.Gap)
	}
	// Output:
	// 2025-03 pipeline 500 run rate 12000 gap 11500
	// 2025-04 pipeline 12500 run rate 12000 gap -500
}

func ExampleForecastAccuracy() {
	// How did the stage-default forecast made on the 1st of each month of
	// 2024 compare with what closed that month?
	var dates []time.Time
	for m := 3; m <= 9; m++ {
		dates = append(dates, time.Date(2024, time.Month(m), 1, 0, 0, 0, 0, time.UTC))
	}
	r, err := funnel.ForecastAccuracy(context.Background(), []funnel.Pipeline{exPipeline}, crmkit.Stream(exHistory()), &funnel.AccuracyOptions{Dates: dates, AsOf: exAsOf})
	if err != nil {
		panic(err)
	}
	g := r.Groups[0]
	fmt.Printf("%s: %d forecasts, mean error %s, bias %.2f, commit bias %.2f\n", g.Level, g.Forecasts, g.MeanError.StringFixed(0), g.Bias, g.CommitBias)
	for _, c := range g.Categories[:2] {
		fmt.Printf("%s: %s in the category, %.0f%% of it won\n", c.Category, c.Amount, 100*c.WonShare)
	}
	// Output:
	// total: 7 forecasts, mean error -3586, bias -0.28, commit bias -0.96
	// pipeline: 94000 in the category, 33% of it won
	// best_case: 103000 in the category, 28% of it won
}

func ExampleLogisticModel_Coefficients() {
	m, err := funnel.FitLogistic(context.Background(), []funnel.Pipeline{exPipeline}, crmkit.Stream(exHistory()), &funnel.LogisticOptions{AsOf: exAsOf, Categorical: []string{"source"}})
	if err != nil {
		panic(err)
	}
	c := m.Coefficients()
	fmt.Printf("web vs event log-odds: %.2f\n", c["source=web"]-c["source=event"])
	// Output: web vs event log-odds: 1.64
}

func ExampleDealState_AgeInStage() {
	entered := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)
	s := funnel.DealState{AsOf: entered.Add(36 * time.Hour), StageEntered: entered}
	fmt.Println(s.AgeInStage())
	// Output: 36h0m0s
}
