package forecast_test

import (
	"fmt"

	"github.com/crmkit/crmkit/forecast"
)

// Monthly sales for two years; the second repeats the first plus 10.
var fcoreSales = []float64{
	120, 100, 130, 150, 170, 160, 140, 150, 180, 200, 230, 260,
	130, 110, 140, 160, 180, 170, 150, 160, 190, 210, 240, 270,
}

// The numbers match R: meanf(c(3,5,4,6,7), level = 95) gives [0.191, 9.809].
func ExampleMean() {
	m, err := forecast.Mean([]float64{3, 5, 4, 6, 7})
	if err != nil {
		panic(err)
	}
	fc, _ := m.Forecast(2, 95)
	fmt.Printf("%s: %.1f, 95%% [%.2f, %.2f]\n", m, fc.Mean[0], fc.Intervals[0].Lower[0], fc.Intervals[0].Upper[0])
	// Output:
	// Mean: 5.0, 95% [0.19, 9.81]
}

func ExampleNaive() {
	m, err := forecast.Naive([]float64{10, 12, 11, 13})
	if err != nil {
		panic(err)
	}
	fc, _ := m.Forecast(3, 80)
	fmt.Printf("%s: %v\n", m, fc.Mean)
	fmt.Printf("80%% upper bounds widen with the square root of the step: %.2f %.2f %.2f\n",
		fc.Intervals[0].Upper[0], fc.Intervals[0].Upper[1], fc.Intervals[0].Upper[2])
	// Output:
	// Naive method: [13 13 13]
	// 80% upper bounds widen with the square root of the step: 15.22 16.14 16.84
}

func ExampleSeasonalNaive() {
	m, err := forecast.SeasonalNaive(fcoreSales, 12)
	if err != nil {
		panic(err)
	}
	fc, _ := m.Forecast(4)
	fmt.Println(m, fc.Mean)
	// Output:
	// Seasonal naive method [130 110 140 160]
}

func ExampleDrift() {
	m, err := forecast.Drift([]float64{100, 104, 109, 111, 116})
	if err != nil {
		panic(err)
	}
	fc, _ := m.Forecast(2)
	fmt.Printf("%s: drift %.1f per period, forecast %.0f %.0f\n", m, m.DriftRate(), fc.Mean[0], fc.Mean[1])
	// Output:
	// Random walk with drift: drift 4.0 per period, forecast 120 124
}

func ExampleCroston() {
	// Weekly sales of a slow-moving spare part.
	demand := []float64{0, 0, 3, 0, 0, 0, 2, 0, 5, 0, 0, 1, 0, 0, 0, 0, 4, 0, 0, 2}
	cro, _ := forecast.Croston(demand, nil)
	sba, _ := forecast.Croston(demand, &forecast.CrostonOptions{SBA: true})
	fmt.Printf("%s: %.4f per week\n", cro, cro.Rate())
	fmt.Printf("%s: %.4f per week\n", sba, sba.Rate())
	// Output:
	// Croston's method: 0.9166 per week
	// SBA: 0.8708 per week
}
