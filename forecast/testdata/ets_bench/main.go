// Command ets_bench times automatic ETS and Theta over the M3 monthly series
// (h = 18) in one goroutine and prints CPU seconds, wall seconds, mean sMAPE
// and MASE. ets_bench.sh runs it side by side with ets_bench.R.
//
//	go run ./forecast/testdata/ets_bench -every 1
package main

import (
	"flag"
	"fmt"
	"log"
	"syscall"
	"time"

	"github.com/crmkit/crmkit/forecast"
	"github.com/crmkit/crmkit/internal/m3"
)

func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return float64(ru.Utime.Sec+ru.Stime.Sec) + float64(ru.Utime.Usec+ru.Stime.Usec)/1e6
}

func main() {
	every := flag.Int("every", 1, "use every k-th series (1 = all 1,428)")
	file := flag.String("file", "forecast/testdata/m3/m3_monthly.csv", "M3 monthly CSV")
	flag.Parse()
	all, err := m3.ReadFile(*file, 12)
	if err != nil {
		log.Fatal(err)
	}
	var series []m3.Series
	for i := 0; i < len(all); i += *every {
		series = append(series, all[i])
	}
	for _, method := range []string{"ets", "theta"} {
		c0, w0 := cpuSeconds(), time.Now()
		var smape, mase float64
		for _, s := range series {
			var mdl forecast.Model
			if method == "ets" {
				mdl, err = forecast.FitETS(s.Train, s.Period, "ZZZ", nil)
			} else {
				mdl, err = forecast.Theta(s.Train, s.Period, nil)
			}
			if err != nil {
				log.Fatalf("%s %s: %v", method, s.ID, err)
			}
			fc, err := mdl.Forecast(len(s.Test))
			if err != nil {
				log.Fatalf("%s %s: %v", method, s.ID, err)
			}
			a, err := forecast.Measure(s.Test, fc.Mean, s.Train, s.Period)
			if err != nil {
				log.Fatal(err)
			}
			smape += a.SMAPE
			mase += a.MASE
		}
		n := float64(len(series))
		fmt.Printf("go  %-5s series=%d cpu_s=%.2f wall_s=%.2f smape=%.4f mase=%.4f\n", method, len(series),
			cpuSeconds()-c0, time.Since(w0).Seconds(), smape/n, mase/n)
	}
}
