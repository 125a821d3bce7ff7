package forecast_test

import (
	"fmt"

	"github.com/crmkit/crmkit/forecast"
)

// lh is R's datasets::lh: luteinizing hormone in blood samples, 48 values.
var lh = []float64{2.4, 2.4, 2.4, 2.2, 2.1, 1.5, 2.3, 2.3, 2.5, 2.0, 1.9, 1.7, 2.2, 1.8, 3.2, 3.2, 2.7, 2.2, 2.2, 1.9,
	1.9, 1.8, 2.7, 3.0, 2.3, 2.0, 2.0, 2.9, 2.9, 2.7, 2.7, 2.3, 2.6, 2.4, 1.8, 1.7, 1.5, 1.4, 2.1, 3.3, 3.5, 3.5,
	3.1, 2.6, 2.1, 3.4, 3.0, 2.9}

// The numbers agree with R: Arima(lh, order = c(1, 0, 0)) and forecast(h = 3).
func ExampleFitARIMA() {
	m, err := forecast.FitARIMA(lh, 1, forecast.Order{P: 1}, &forecast.ARIMAOptions{IncludeMean: true})
	if err != nil {
		fmt.Println(err)
		return
	}
	c := m.Coef()
	fmt.Println(m)
	fmt.Printf("ar1 %.4f intercept %.4f loglik %.2f AICc %.2f\n", c["ar1"], c["intercept"], m.LogLik(), m.AICc())
	fc, _ := m.Forecast(3, 95)
	fmt.Printf("next: %.3f [%.3f, %.3f]\n", fc.Mean[0], fc.Intervals[0].Lower[0], fc.Intervals[0].Upper[0])
	// Output:
	// ARIMA(1,0,0) with non-zero mean
	// ar1 0.5739 intercept 2.4133 loglik -29.38 AICc 65.30
	// next: 2.693 [1.803, 3.582]
}

func ExampleARIMA_ForecastWith() {
	// Weekly sales driven by a promotion flag.
	promo := []float64{0, 1, 0, 0, 1, 0, 0, 0, 1, 0, 0, 1, 0, 0, 0, 1, 0, 0, 1, 0, 0, 0, 1, 0}
	sales := make([]float64, len(promo))
	level := 100.0
	for i, p := range promo {
		level += []float64{1.5, -0.8, 0.3, 0.9, -1.2, 0.4}[i%6]
		sales[i] = level + 20*p
	}
	m, err := forecast.FitARIMA(sales, 1, forecast.Order{D: 1}, &forecast.ARIMAOptions{
		Regressors: []forecast.Regressor{{Name: "promo", Values: promo}},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(m)
	fmt.Printf("promo effect %.1f\n", m.Coef()["promo"])
	if _, err := m.Forecast(2); err != nil {
		fmt.Println("Forecast:", err)
	}
	fc, _ := m.ForecastWith(2, []forecast.Regressor{{Name: "promo", Values: []float64{1, 0}}})
	fmt.Printf("%.1f %.1f\n", fc.Mean[0], fc.Mean[1])
	// Output:
	// Regression with ARIMA(0,1,0) errors
	// promo effect 19.9
	// Forecast: forecast: forecast Regression with ARIMA(0,1,0) errors: future regressor values required: promo
	// 124.3 104.4
}

// R's auto.arima(WWWusage) also picks ARIMA(1,1,1) with AICc 514.55.
func ExampleAutoARIMA() {
	// R's datasets::WWWusage: users connected to a server, one per minute.
	www := []float64{88, 84, 85, 85, 84, 85, 83, 85, 88, 89, 91, 99, 104, 112, 126, 138, 146, 151, 150, 148, 147, 149,
		143, 132, 131, 139, 147, 150, 148, 145, 140, 134, 131, 131, 129, 126, 126, 132, 137, 140, 142, 150, 159, 167,
		170, 171, 172, 172, 174, 175, 172, 172, 174, 174, 169, 165, 156, 142, 131, 121, 112, 104, 102, 99, 99, 95, 88,
		84, 84, 87, 89, 88, 85, 86, 89, 91, 91, 94, 101, 110, 121, 135, 145, 149, 156, 165, 171, 175, 177, 182, 193,
		204, 208, 210, 215, 222, 228, 226, 222, 220}
	m, err := forecast.AutoARIMA(www, 1, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(m)
	fmt.Printf("AICc %.2f\n", m.AICc())
	// Output:
	// ARIMA(1,1,1)
	// AICc 514.55
}

func ExampleFitCombination() {
	// Six years of monthly sales with trend and season.
	y := make([]float64, 72)
	for i := range y {
		y[i] = 200 + 2*float64(i) + 30*[]float64{0, 1, 3, 4, 3, 1, 0, -1, -3, -4, -3, -1}[i%12] + float64((i*37)%11)
	}
	cm, err := forecast.FitCombination(y, 12, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	fc, err := cm.Forecast(12, 80)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(len(cm.Members()), "members")
	fmt.Printf("next month %.0f, 80%% interval [%.0f, %.0f]\n", fc.Mean[0], fc.Intervals[0].Lower[0], fc.Intervals[0].Upper[0])
	// Output:
	// 3 members
	// next month 353, 80% interval [345, 361]
}

func ExampleCombine() {
	a, _ := forecast.FitARIMA(lh, 1, forecast.Order{P: 1}, &forecast.ARIMAOptions{IncludeMean: true})
	b, _ := forecast.FitARIMA(lh, 1, forecast.Order{P: 3}, &forecast.ARIMAOptions{IncludeMean: true})
	cm, err := forecast.Combine(a, b)
	if err != nil {
		fmt.Println(err)
		return
	}
	fc, _ := cm.Forecast(1)
	fmt.Println(cm)
	fmt.Printf("%.3f\n", fc.Mean[0])
	// Output:
	// Combination(ARIMA(1,0,0) with non-zero mean, ARIMA(3,0,0) with non-zero mean)
	// 2.576
}
