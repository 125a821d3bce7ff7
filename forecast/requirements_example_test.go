package forecast_test

import (
	"errors"
	"fmt"

	"github.com/crmkit/crmkit/forecast"
)

func ExampleETSRequirements() {
	// ETS(M,Ad,M) on monthly data: level, variance, trend (2), damping and
	// 12 seasonal states make 17 parameters; R needs more than 17 + 4
	// observations, all positive.
	req, err := forecast.ETSRequirements("MAdM", 12)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(req.MinLength, req.Positive)
	y := []float64{120, 130, 0, 140, 150, 160, 170, 180, 190, 200}
	err = req.Check(y, 12)
	fmt.Println(errors.Is(err, forecast.ErrTooShort), errors.Is(err, forecast.ErrNonPositive))
	// FitETS reports the same problems, inside an *ETSError.
	_, err = forecast.FitETS(y, 12, "MAdM", nil)
	fmt.Println(errors.Is(err, forecast.ErrNonPositive))
	// Output:
	// 22 true
	// true true
	// true
}

func ExampleThetaRequirements() {
	err := forecast.ThetaRequirements().Check([]float64{1, 2, 3}, 1)
	fmt.Println(err)
	// Output:
	// Theta: forecast: series too short: 3 observations, need at least 7
}

func ExampleMeanRequirements() {
	// The returned value is the caller's copy: changing it does not change
	// what Mean checks.
	req := forecast.MeanRequirements()
	fmt.Println(req.MinLength, req.AllowMissing)
	// Output:
	// 1 true
}

func ExampleMonthly() {
	f := forecast.Monthly()
	fmt.Println(f, f.Period(), forecast.Quarterly().Period(), forecast.Yearly().Period())
	// Output:
	// month 12 4 1
}
