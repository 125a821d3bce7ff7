package forecast_test

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/crmkit/crmkit/forecast"
)

func ExampleRequirements_Check() {
	// A multiplicative seasonal model needs positive data and two seasons.
	req := forecast.Requirements{Model: "ETS(M,N,M)", MinSeasons: 2, Positive: true}
	err := req.Check([]float64{5, 0, 7, 8, math.NaN(), 6}, 4)
	fmt.Println(errors.Is(err, forecast.ErrTooShort), errors.Is(err, forecast.ErrNonPositive), errors.Is(err, forecast.ErrMissing))
	var ce *forecast.CheckError
	if errors.As(err, &ce) {
		fmt.Println(ce)
	}
	// Output:
	// true true true
	// ETS(M,N,M): forecast: series too short: 6 observations, need at least 8
}

func ExampleCheckHorizon() {
	fmt.Println(forecast.CheckHorizon(12, 80, 95))
	fmt.Println(forecast.CheckHorizon(1_000_000_000))
	// Output:
	// <nil>
	// forecast: horizon out of range: h = 1000000000, want 1..100000
}

func ExampleCheck() {
	// Five years of monthly sales with a December peak and noise, a
	// data-entry error in month 14 and a price change lifting sales by 25
	// from month 36.
	rng := rand.New(rand.NewPCG(1, 2))
	y := make([]float64, 60)
	for i := range y {
		y[i] = 100 + 3*rng.NormFloat64()
		if i%12 == 11 {
			y[i] += 40
		}
		if i >= 36 {
			y[i] += 25
		}
	}
	y[14] = 900
	r, err := forecast.Check(y, &forecast.CheckOptions{Period: 12})
	if err != nil {
		panic(err)
	}
	for _, o := range r.Outliers {
		fmt.Printf("outlier at %d: %.0f, expected about %.0f\n", o.Index, o.Value, o.Expected)
	}
	for _, s := range r.LevelShifts {
		fmt.Printf("level shift at %d: %.0f -> %.0f\n", s.Index, s.Before, s.After)
	}
	fmt.Println("full seasons:", r.FullSeasons, "constant:", r.Constant)
	// Output:
	// outlier at 14: 900, expected about 101
	// level shift at 36: 100 -> 126
	// full seasons: 5 constant: false
}
