package forecast_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/crmkit/crmkit/forecast"
)

func ExampleBatch() {
	// Forecast next month for each product; one product has no history.
	products := map[string][]float64{
		"P-1": {10, 12, 14, 16},
		"P-2": {},
		"P-3": {5, 5, 6, 6},
	}
	keys := []string{"P-1", "P-2", "P-3"}
	res, err := forecast.Batch(context.Background(), keys, func(k string) string { return k },
		func(_ context.Context, k string) (float64, error) {
			m, err := forecast.Drift(products[k])
			if err != nil {
				return 0, err
			}
			fc, err := m.Forecast(1)
			if err != nil {
				return 0, err
			}
			return fc.Mean[0], nil
		}, &forecast.BatchOptions{Workers: 2})
	if err != nil {
		panic(err) // only a cancelled ctx stops a batch
	}
	for _, r := range res {
		if r.Err != nil {
			fmt.Println(r.Key, "failed, too short:", errors.Is(r.Err, forecast.ErrTooShort))
			continue
		}
		fmt.Printf("%s %.2f\n", r.Key, r.Value)
	}
	// Output:
	// P-1 18.00
	// P-2 failed, too short: true
	// P-3 6.33
}

func ExampleEvaluate() {
	set := []forecast.Holdout{
		{Key: "A", Train: []float64{1, 2, 3, 1, 2, 4, 1, 2, 3}, Test: []float64{1, 2, 4}, Period: 3},
		{Key: "B", Train: []float64{10, 20, 10, 20}, Test: []float64{10, 30}, Period: 2},
	}
	ev, err := forecast.Evaluate(context.Background(), set, func(y []float64, period int) (forecast.Model, error) {
		return forecast.SeasonalNaive(y, period)
	}, nil)
	if err != nil {
		panic(err)
	}
	// A: forecast 1 2 3, sMAPE (200·1/7)/3 = 9.52; MAE 1/3 over a lag-3
	// scale of 1/3, MASE 1. B: forecast 10 20, sMAPE (200·10/50)/2 = 20;
	// its training data repeat exactly, so the scale is 0 and MASE is
	// undefined and left out of the mean.
	fmt.Printf("%s over %d series: sMAPE %.2f, MASE %.2f (defined for %d)\n", ev.Model, ev.Series, ev.SMAPE, ev.MASE, ev.MASECount)
	// Output:
	// Seasonal naive method over 2 series: sMAPE 14.76, MASE 1.00 (defined for 1)
}
