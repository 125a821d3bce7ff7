package forecast_test

import (
	"context"
	"fmt"

	"github.com/crmkit/crmkit/forecast"
)

func ExampleBacktest() {
	// Forecast 3 months ahead from every month after the first year, with
	// the seasonal naive method, and measure 80% interval coverage.
	fit := func(y []float64) (forecast.Model, error) { return forecast.SeasonalNaive(y, 12) }
	res, err := forecast.Backtest(context.Background(), fcoreSales, fit, &forecast.BacktestOptions{
		Horizon: 3, MinTrain: 12, Period: 12, Levels: []float64{80},
	})
	if err != nil {
		panic(err)
	}
	fmt.Printf("%s: %d origins, MAE %.1f, MASE %.2f\n", res.Model, res.Origins, res.Overall.MAE, res.Overall.MASE)
	// The first origin has a single season: no error estimate for an
	// interval, so it gives a point forecast only.
	fmt.Println("failed:", res.Failed, "without intervals:", res.NoIntervals)
	for k, a := range res.ByHorizon {
		fmt.Printf("h=%d: ME %.1f over %d forecasts\n", k+1, a.ME, a.N)
	}
	// Output:
	// Seasonal naive method: 12 origins, MAE 10.0, MASE 1.00
	// failed: 0 without intervals: 1
	// h=1: ME 10.0 over 12 forecasts
	// h=2: ME 10.0 over 11 forecasts
	// h=3: ME 10.0 over 10 forecasts
}

// The figures agree with a rolling-origin loop over R's rwf, naive and
// meanf (testdata/backtest_ref.R).
func ExampleCompare() {
	trend := make([]float64, 30)
	for i := range trend {
		trend[i] = 50 + 3*float64(i) + float64(i%4)
	}
	table, err := forecast.Compare(context.Background(), trend, []forecast.Candidate{
		{Name: "mean", Fit: func(y []float64) (forecast.Model, error) { return forecast.Mean(y) }},
		{Name: "naive", Fit: func(y []float64) (forecast.Model, error) { return forecast.Naive(y) }},
		{Name: "drift", Fit: func(y []float64) (forecast.Model, error) { return forecast.Drift(y) }},
	}, &forecast.BacktestOptions{Horizon: 2, MinTrain: 15})
	if err != nil {
		panic(err)
	}
	if err := table.Sort(forecast.ByMASE); err != nil {
		panic(err)
	}
	for _, r := range table.Rows {
		fmt.Printf("%-6s MASE %.2f\n", r.Name, r.Result.Overall.MASE)
	}
	// Output:
	// drift  MASE 0.59
	// naive  MASE 1.40
	// mean   MASE 11.56
}

func ExampleComparison_String() {
	y := []float64{10, 12, 11, 13, 12, 14, 13, 15, 14, 16}
	table, _ := forecast.Compare(context.Background(), y, []forecast.Candidate{
		{Name: "naive", Fit: func(y []float64) (forecast.Model, error) { return forecast.Naive(y) }},
		{Name: "mean", Fit: func(y []float64) (forecast.Model, error) { return forecast.Mean(y) }},
	}, &forecast.BacktestOptions{MinTrain: 5, Levels: []float64{95}})
	fmt.Print(table)
	// Output:
	// model     ME    MAE   RMSE    MAPE   sMAPE   MASE  cover95
	//   naive  0.800  1.600  1.673  10.991  11.462  1.052    1.000
	//    mean  2.218  2.218  2.378  15.086  16.476  1.461    1.000
}
