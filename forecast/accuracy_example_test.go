package forecast_test

import (
	"fmt"

	"github.com/crmkit/crmkit/forecast"
)

// The numbers are the hand-computed ones of TestMeasureHandComputed.
func ExampleMeasure() {
	train := []float64{1, 3, 2, 5, 4} // mean absolute first difference 1.75
	acc, err := forecast.Measure([]float64{4, 6}, []float64{5, 3}, train, 1)
	if err != nil {
		panic(err)
	}
	fmt.Printf("ME %.2f MAE %.2f RMSE %.3f MAPE %.1f sMAPE %.2f MASE %.4f\n", acc.ME, acc.MAE, acc.RMSE, acc.MAPE, acc.SMAPE, acc.MASE)
	// Output:
	// ME 1.00 MAE 2.00 RMSE 2.236 MAPE 37.5 sMAPE 44.44 MASE 1.1429
}

func ExampleMeasureInterval() {
	// 80% interval: 4 falls inside [3, 5]; 6 lies 1 above [4, 5], which
	// costs 2/0.2 = 10 on top of the width.
	iv := forecast.Interval{Level: 80, Lower: []float64{3, 4}, Upper: []float64{5, 5}}
	r, err := forecast.MeasureInterval([]float64{4, 6}, iv, nil, 1)
	if err != nil {
		panic(err)
	}
	fmt.Printf("coverage %.2f, interval score %.1f\n", r.Coverage, r.Score)
	// Output:
	// coverage 0.50, interval score 6.5
}

func ExampleMASEScale() {
	// Lag-2 differences of 1, 2, 4, 8, 16 are 3, 6, 12: mean 7.
	fmt.Println(forecast.MASEScale([]float64{1, 2, 4, 8, 16}, 2))
	// Output:
	// 7
}

func ExampleCrostonModel_Fitted() {
	m, err := forecast.Croston([]float64{0, 4, 0, 0, 2}, nil)
	if err != nil {
		panic(err)
	}
	// Before any demand the fitted value is 0; after the first demand (4 in
	// period 2) it is 4/2; the second (2, after a gap of 3) moves the size
	// to 4 + 0.1·(2 − 4) and the gap to 2 + 0.1·(3 − 2).
	fmt.Printf("%.4f\n", m.Fitted()[1:])
	fmt.Printf("%.4f\n", m.Rate())
	// Output:
	// [0.0000 2.0000 2.0000 2.0000]
	// 1.8095
}
