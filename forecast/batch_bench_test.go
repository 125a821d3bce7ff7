package forecast

import (
	"context"
	"strconv"
	"testing"
)

// BenchmarkEvaluateM3Monthly fits and forecasts the seasonal naive method on
// all 1,428 M3 monthly series (h = 18) with 2 workers and measures them.
func BenchmarkEvaluateM3Monthly(b *testing.B) {
	set := fcoreM3Monthly(b)
	fit := func(y []float64, p int) (Model, error) { return SeasonalNaive(y, p) }
	b.ReportAllocs()
	var smape float64
	for b.Loop() {
		ev, err := Evaluate(context.Background(), set, fit, &BatchOptions{Workers: 2})
		if err != nil || ev.Failed != 0 {
			b.Fatal(err, ev.FirstError)
		}
		smape = ev.SMAPE
	}
	b.ReportMetric(smape, "sMAPE")
}

// BenchmarkBacktest runs a rolling-origin backtest of the drift model,
// horizon 12, with 80/95% intervals. The expanding window copies a training
// set as long as the origin at every origin (O(n²)), so it stops at 10^4;
// the sliding window of 120 observations (MinTrain 120, or n/2 for short
// series) is linear in n and runs up to 10^6.
func BenchmarkBacktest(b *testing.B) {
	type run struct {
		name string
		n    int
		opts BacktestOptions
	}
	var runs []run
	for _, n := range []int{10, 100, 1_000, 10_000} {
		runs = append(runs, run{"expanding/n=" + strconv.Itoa(n), n, BacktestOptions{Horizon: 12, Levels: []float64{80, 95}}})
	}
	for _, n := range []int{10, 1_000, 100_000, 1_000_000} {
		w := min(120, n/2)
		runs = append(runs, run{"window=120/n=" + strconv.Itoa(n), n, BacktestOptions{Horizon: 12, Levels: []float64{80, 95}, Window: w, MinTrain: w}})
	}
	for _, r := range runs {
		y := make([]float64, r.n)
		for i := range y {
			y[i] = float64(i) + float64(i%7)
		}
		b.Run(r.name, func(b *testing.B) {
			b.ReportAllocs()
			var origins int
			var mae float64
			for b.Loop() {
				res, err := Backtest(context.Background(), y, func(t []float64) (Model, error) { return Drift(t) }, &r.opts)
				if err != nil {
					b.Fatal(err)
				}
				origins, mae = res.Origins, res.Overall.MAE
			}
			b.ReportMetric(float64(origins), "origins")
			b.ReportMetric(mae, "MAE")
		})
	}
}
