package forecast

import (
	"math"
	"os"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/crmkit/crmkit/internal/m3"
)

// etsM3Score fits every M3 monthly series with fit, forecasts 18 steps and
// returns the mean sMAPE and MASE over the 1,428 series.
func etsM3Score(t *testing.T, fit func(y []float64, period int) (Model, error)) (smape, mase float64, elapsed time.Duration) {
	t.Helper()
	series, err := m3.ReadFile("testdata/m3/m3_monthly.csv", 12)
	if err != nil {
		t.Fatal(err)
	}
	type res struct {
		a   Accuracy
		err error
	}
	out := make([]res, len(series))
	start := time.Now()
	var wg sync.WaitGroup
	next := make(chan int)
	for range min(2, runtime.GOMAXPROCS(0)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				s := series[i]
				mdl, err := fit(s.Train, s.Period)
				if err != nil {
					out[i].err = err
					continue
				}
				fc, err := mdl.Forecast(len(s.Test))
				if err != nil {
					out[i].err = err
					continue
				}
				out[i].a, out[i].err = Measure(s.Test, fc.Mean, s.Train, s.Period)
			}
		}()
	}
	for i := range series {
		next <- i
	}
	close(next)
	wg.Wait()
	elapsed = time.Since(start)
	for i, r := range out {
		if r.err != nil {
			t.Fatalf("%s: %v", series[i].ID, r.err)
		}
		smape += r.a.SMAPE
		mase += r.a.MASE
	}
	n := float64(len(series))
	return smape / n, mase / n, elapsed
}

// TestETSM3Monthly checks automatic ETS and Theta on the 1,428 M3 monthly
// series (h = 18) against R's published sMAPE of 14.14 and 13.86 (forecast
// package results, see testdata/m3/README.md), and the Optimised Theta Model
// against forecTheta's published 14.18. Measured here: ETS 14.143 (MASE
// 0.865), Theta 13.860 (0.864), OTM 14.083 (0.855). The published figures have
// two decimals, so the test compares our sMAPE rounded to two decimals. It
// takes about 40 s of CPU, so it runs only when CRMKIT_M3=1 and not with
// -short.
func TestETSM3Monthly(t *testing.T) {
	if testing.Short() || os.Getenv("CRMKIT_M3") == "" {
		t.Skip("set CRMKIT_M3=1 (and drop -short) to run the full M3 monthly evaluation")
	}
	smape, mase, el := etsM3Score(t, func(y []float64, period int) (Model, error) {
		return FitETS(y, period, "ZZZ", nil)
	})
	t.Logf("auto ETS, M3 monthly: sMAPE %.3f MASE %.4f (%v with 2 workers)", smape, mase, el)
	if math.Round(100*smape) > 1414 {
		t.Errorf("sMAPE %.3f above R's 14.14", smape)
	}
	for _, c := range []struct {
		name string
		opts *ThetaOptions
		want float64
	}{
		{"Theta", nil, 13.86},
		// forecTheta's own M3 benchmark of otm() (its repository's
		// benchmarks/resultados_theta_multiplicative.csv): monthly sMAPE 14.18,
		// MASE 0.86.
		{"OTM", &ThetaOptions{Optimized: true}, 14.18},
	} {
		smape, mase, el = etsM3Score(t, func(y []float64, period int) (Model, error) {
			return Theta(y, period, c.opts)
		})
		t.Logf("%s, M3 monthly: sMAPE %.3f MASE %.4f (%v with 2 workers)", c.name, smape, mase, el)
		if math.Round(100*smape) > math.Round(100*c.want) {
			t.Errorf("%s sMAPE %.3f above %.2f", c.name, smape, c.want)
		}
	}
}
