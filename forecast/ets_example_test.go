package forecast_test

import (
	"fmt"

	"github.com/crmkit/crmkit/forecast"
)

// Monthly sales of three years, with a season and growth.
var etsExampleSales = []float64{
	112, 118, 132, 129, 121, 135, 148, 148, 136, 119, 104, 118,
	115, 126, 141, 135, 125, 149, 170, 170, 158, 133, 114, 140,
	145, 150, 178, 163, 172, 178, 199, 199, 184, 162, 146, 166,
	171, 180, 193, 181, 183, 218, 230, 242, 209, 191, 172, 194,
}

// FitETS with "ZZZ" selects the model by AICc, as R's ets() does.
func ExampleFitETS() {
	fit, err := forecast.FitETS(etsExampleSales, 12, "ZZZ", nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	fc, err := fit.Forecast(3, 95)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(fit)
	for i, m := range fc.Mean {
		fmt.Printf("month %d: %.0f (95%%: %.0f to %.0f)\n", i+1, m, fc.Intervals[0].Lower[i], fc.Intervals[0].Upper[i])
	}
	// R 4 with forecast 8.20 prints the same model and numbers.

	// Output:
	// ETS(M,A,M)
	// month 1: 196 (95%: 182 to 211)
	// month 2: 207 (95%: 190 to 224)
	// month 3: 233 (95%: 213 to 252)
}

// A model given in full: smoothing parameters and initial states fixed, so
// nothing is estimated (R's ets(y, model = fit, use.initial.values = TRUE)).
func ExampleFitETS_fixed() {
	alpha := 0.5
	fit, err := forecast.FitETS([]float64{10, 12, 11, 13, 12, 14, 13, 15}, 1, "ANN", &forecast.ETSOptions{
		Alpha:         &alpha,
		InitialStates: []float64{10},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%s alpha=%.1f fitted=%.3f\n", fit, fit.Params().Alpha, fit.Fitted())
	// Output:
	// ETS(A,N,N) alpha=0.5 fitted=[10.000 10.000 11.000 11.000 12.000 12.000 13.000 13.000]
}

// Theta is R's thetaf: seasonal adjustment when a test finds a season, then
// simple exponential smoothing with half the trend's slope as drift.
func ExampleTheta() {
	m, err := forecast.Theta(etsExampleSales, 12, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	fc, _ := m.Forecast(3)
	fmt.Printf("%s seasonal=%v alpha=%.3f mean=%.1f\n", m, m.Seasonal(), m.Alpha(), fc.Mean)
	// R's thetaf gives the same: no significant season in three years,
	// alpha 0.9999, forecasts 195.0, 195.9, 196.9.

	// Output:
	// Theta seasonal=false alpha=1.000 mean=[195.0 195.9 196.9]
}

// The Optimised Theta Model estimates θ as well.
func ExampleTheta_optimized() {
	m, err := forecast.Theta(etsExampleSales, 12, &forecast.ThetaOptions{Optimized: true})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%s theta>=1: %v\n", m, m.ThetaCoef() >= 1)
	// Output:
	// OTM theta>=1: true
}

// Forecast on any [forecast.Model] gives means and intervals per level.
func ExampleETS_Forecast() {
	fit, err := forecast.FitETS(etsExampleSales, 12, "AAdA", nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	var m forecast.Model = fit
	fc, _ := m.Forecast(2, 80, 95)
	for _, iv := range fc.Intervals {
		fmt.Printf("%s %v%%: [%.0f, %.0f]\n", m, iv.Level, iv.Lower[0], iv.Upper[0])
	}
	// R: 80% [184.8, 203.0], 95% [180.0, 207.8].

	// Output:
	// ETS(A,Ad,A) 80%: [185, 203]
	// ETS(A,Ad,A) 95%: [180, 208]
}

// The fitted model reports its estimates and information criteria by name.
func ExampleETS_ParamsByName() {
	fit, err := forecast.FitETS(etsExampleSales, 12, "MAM", nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	p := fit.ParamsByName()
	fmt.Printf("alpha=%.4f beta=%.4f gamma=%.4f\n", p["alpha"], p["beta"], p["gamma"])
	fmt.Printf("loglik=%.2f AICc=%.2f BIC=%.2f\n", fit.LogLik(), fit.AICc(), fit.BIC())
	fmt.Printf("initial level=%.2f growth=%.2f\n", fit.InitialStates()[0], fit.InitialStates()[1])
	// R: ets(y, "MAM", damped = FALSE) gives the same values.

	// Output:
	// alpha=0.3653 beta=0.0001 gamma=0.0001
	// loglik=-169.06 AICc=392.52 BIC=403.93
	// initial level=119.15 growth=1.84
}
