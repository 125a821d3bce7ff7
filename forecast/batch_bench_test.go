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
// horizon 12, on series of growing length.
func BenchmarkBacktest(b *testing.B) {
	for _, n := range []int{10, 100, 1000} {
		y := make([]float64, n)
		for i := range y {
			y[i] = float64(i) + float64(i%7)
		}
		b.Run("n="+strconv.Itoa(n), func(b *testing.B) {
			b.ReportAllocs()
			var origins int
			for b.Loop() {
				r, err := Backtest(context.Background(), y, func(t []float64) (Model, error) { return Drift(t) }, &BacktestOptions{Horizon: 12, Levels: []float64{80, 95}})
				if err != nil {
					b.Fatal(err)
				}
				origins = r.Origins
			}
			b.ReportMetric(float64(origins), "origins")
		})
	}
}
