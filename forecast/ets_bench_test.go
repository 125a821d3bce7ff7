package forecast

import (
	"sync"
	"testing"

	"github.com/crmkit/crmkit/internal/m3"
)

func etsBenchSeries(b *testing.B) []m3.Series {
	b.Helper()
	s, err := m3.ReadFile("testdata/m3/m3_monthly.csv", 12)
	if err != nil {
		b.Fatal(err)
	}
	return s
}

// BenchmarkETSFitForecastMonthly fits automatic ETS to one M3 monthly series
// (N1901, 122 observations) and forecasts 18 steps with 80/95% intervals.
func BenchmarkETSFitForecastMonthly(b *testing.B) {
	s := etsBenchSeries(b)[500] // N1901, 122 observations
	b.ReportAllocs()
	var last float64
	for b.Loop() {
		f, err := FitETS(s.Train, 12, "ZZZ", nil)
		if err != nil {
			b.Fatal(err)
		}
		fc, err := f.Forecast(18, 80, 95)
		if err != nil {
			b.Fatal(err)
		}
		last = fc.Mean[17]
	}
	b.ReportMetric(last, "y18")
}

// BenchmarkThetaFitForecastMonthly does the same for Theta.
func BenchmarkThetaFitForecastMonthly(b *testing.B) {
	s := etsBenchSeries(b)[500]
	b.ReportAllocs()
	var last float64
	for b.Loop() {
		f, err := Theta(s.Train, 12, nil)
		if err != nil {
			b.Fatal(err)
		}
		fc, err := f.Forecast(18, 80, 95)
		if err != nil {
			b.Fatal(err)
		}
		last = fc.Mean[17]
	}
	b.ReportMetric(last, "y18")
}

// BenchmarkETSM3Monthly fits automatic ETS to all 1,428 M3 monthly series
// with 2 workers and forecasts 18 steps with intervals (about 40 CPU
// seconds per iteration: run with -benchtime=1x).
func BenchmarkETSM3Monthly(b *testing.B) {
	series := etsBenchSeries(b)
	b.ReportAllocs()
	var sum float64
	for b.Loop() {
		var wg sync.WaitGroup
		next := make(chan int)
		errs := make([]error, len(series))
		last := make([]float64, len(series))
		for range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range next {
					f, err := FitETS(series[i].Train, 12, "ZZZ", nil)
					if err == nil {
						var fc Forecast
						fc, err = f.Forecast(18, 80, 95)
						if err == nil {
							last[i] = fc.Mean[17]
						}
					}
					errs[i] = err
				}
			}()
		}
		for i := range series {
			next <- i
		}
		close(next)
		wg.Wait()
		sum = 0
		for i, err := range errs {
			if err != nil {
				b.Fatalf("%s: %v", series[i].ID, err)
			}
			sum += last[i]
		}
	}
	// The sum of the 18-step forecasts keeps the results alive and shows a
	// change in any selected model.
	b.ReportMetric(sum, "sum_y18")
}
