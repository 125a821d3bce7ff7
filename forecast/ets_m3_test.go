package forecast

import (
	"math"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/crmkit/crmkit/internal/m3"
)

// etsM3Score fits every M3 monthly series with fit, forecasts 18 steps and
// returns the mean sMAPE and MASE over the 1,428 series.
func etsM3Score(t *testing.T, fit func(y []float64, period int) (Model, error)) (smape, mase float64, elapsed time.Duration) {
	t.Helper()
	return etsM3ScoreEvery(t, 1, fit)
}

// etsM3ScoreEvery scores every k-th M3 monthly series (0, k, 2k, …), the
// subset testdata/ets_bench.sh k times in R and Go.
func etsM3ScoreEvery(t *testing.T, every int, fit func(y []float64, period int) (Model, error)) (smape, mase float64, elapsed time.Duration) {
	t.Helper()
	all, err := m3.ReadFile("testdata/m3/m3_monthly.csv", 12)
	if err != nil {
		t.Fatal(err)
	}
	var series []m3.Series
	for i := 0; i < len(all); i += every {
		series = append(series, all[i])
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
// 0.865), Theta 13.860 (0.864), OTM 14.083 (0.855).
//
// Plainly: this is a weak check. The published figures have two decimals,
// so the test passes when our sMAPE rounded to two decimals is not above
// them; ETS's 14.143 passes against 14.14 only because it rounds to 14.14,
// and any value below 14.145 would pass. The strong check that our ETS is
// R's ets() is TestETSM3MonthlySubsetMatchesR (same series, R's own sMAPE,
// 0.01). R's sMAPE on all 1,428 series is not committed: R needs about 20
// CPU minutes for it (sh testdata/ets_bench.sh 1), more than was available
// on the shared machine. This test takes about 40 s of CPU, so it runs only
// when CRMKIT_M3=1 and not with -short.
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

// etsBenchR reads R's sMAPE and MASE for method ("ets" or "theta") from
// testdata/ets_bench_result.txt, the committed output of
// testdata/ets_bench.sh 7 (R 4, forecast 8.20, every 7th M3 monthly series).
func etsBenchR(t *testing.T, method string) (series int, smape, mase float64) {
	t.Helper()
	b, err := os.ReadFile("testdata/ets_bench_result.txt")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) < 7 || f[0] != "R" || f[1] != method {
			continue
		}
		kv := map[string]float64{}
		for _, p := range f[2:] {
			k, v, ok := strings.Cut(p, "=")
			if !ok {
				t.Fatalf("bad field %q in %q", p, line)
			}
			if kv[k], err = strconv.ParseFloat(v, 64); err != nil {
				t.Fatalf("bad field %q in %q", p, line)
			}
		}
		return int(kv["series"]), kv["smape"], kv["mase"]
	}
	t.Fatalf("no R %s line in testdata/ets_bench_result.txt", method)
	return 0, 0, 0
}

// TestETSM3MonthlySubsetMatchesR is the strong M3 check: on every 7th M3
// monthly series (204 of 1,428, h = 18) our automatic ETS and Theta must
// give R's own mean sMAPE on the same series to within 0.01 and R's mean
// MASE to within 0.001 (R's figures: testdata/ets_bench_result.txt,
// produced by testdata/ets_bench.sh 7 with R's forecast 8.20, where the two
// agreed to 4 decimals). About 6 s of CPU for ETS, so it is skipped with
// -short.
func TestETSM3MonthlySubsetMatchesR(t *testing.T) {
	if testing.Short() {
		t.Skip("fits automatic ETS to 204 M3 series; drop -short to run")
	}
	for _, c := range []struct {
		method string
		fit    func(y []float64, period int) (Model, error)
	}{
		{"ets", func(y []float64, p int) (Model, error) { return FitETS(y, p, "ZZZ", nil) }},
		{"theta", func(y []float64, p int) (Model, error) { return Theta(y, p, nil) }},
	} {
		n, wantSMAPE, wantMASE := etsBenchR(t, c.method)
		if n != 204 {
			t.Fatalf("%s: R's line covers %d series, want 204 (every 7th)", c.method, n)
		}
		smape, mase, _ := etsM3ScoreEvery(t, 7, c.fit)
		t.Logf("%s, every 7th M3 monthly series: sMAPE %.4f (R %.4f), MASE %.4f (R %.4f)", c.method, smape, wantSMAPE, mase, wantMASE)
		if math.Abs(smape-wantSMAPE) > 0.01 {
			t.Errorf("%s: sMAPE %.4f, R's %.4f on the same series (tolerance 0.01)", c.method, smape, wantSMAPE)
		}
		if math.Abs(mase-wantMASE) > 0.001 {
			t.Errorf("%s: MASE %.4f, R's %.4f on the same series (tolerance 0.001)", c.method, mase, wantMASE)
		}
	}
}
