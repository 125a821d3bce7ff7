// Command m3bench regenerates crmkit's accuracy and speed table on the M3
// competition series (monthly, quarterly, yearly; data in testdata/) for every
// model, and, where R's forecast package is installed, runs R on the same
// series in the same run and prints the ratios.
//
//	(cd examples && go run ./m3bench)                      # everything, R if present
//	(cd examples && go run ./m3bench -every 10 -r=false)   # quick look, Go only
//
// Speed is CPU seconds with one worker on both sides (the fair measure on a
// shared machine), plus crmkit's wall time with -workers. Accuracy is the mean
// over series of sMAPE and MASE over the whole horizon, as the M3 literature
// reports it.
package main

import (
	"bufio"
	"bytes"
	"context"
	_ "embed"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/crmkit/crmkit/forecast"
	"github.com/crmkit/crmkit/internal/m3"
)

//go:embed bench.R
var rScript []byte

var periods = map[string]int{"monthly": 12, "quarterly": 4, "yearly": 1}

// models maps a model's name to its automatic fit.
var models = map[string]forecast.SeasonalFitFunc{
	"naive":  func(y []float64, _ int) (forecast.Model, error) { return forecast.Naive(y) },
	"snaive": func(y []float64, p int) (forecast.Model, error) { return forecast.SeasonalNaive(y, p) },
	"ets":    func(y []float64, p int) (forecast.Model, error) { return forecast.FitETS(y, p, "ZZZ", nil) },
	"theta":  func(y []float64, p int) (forecast.Model, error) { return forecast.Theta(y, p, nil) },
	"arima":  func(y []float64, p int) (forecast.Model, error) { return forecast.AutoARIMA(y, p, nil) },
	"comb":   func(y []float64, p int) (forecast.Model, error) { return forecast.FitCombination(y, p, nil) },
}

var modelOrder = []string{"naive", "snaive", "ets", "theta", "arima", "comb"}

// row is one line of the table.
type row struct {
	model, freq       string
	series, failed    int
	smape, mase       float64
	cpu, wall         float64 // seconds; wall with the chosen workers
	rCPU, rSMAPE      float64
	rMASE             float64
	rFailed, rPresent int
}

func main() {
	var (
		freqs   = flag.String("freq", "monthly,quarterly,yearly", "frequencies")
		names   = flag.String("models", strings.Join(available(), ","), "models")
		every   = flag.Int("every", 1, "use every k-th series")
		workers = flag.Int("workers", 2, "workers for the wall-time column")
		useR    = flag.Bool("r", true, "also run R's forecast package when Rscript is installed")
		data    = flag.String("data", "m3bench/testdata", "folder with m3_<freq>.csv")
	)
	flag.Parse()
	if err := run(context.Background(), os.Stdout, strings.Split(*freqs, ","), strings.Split(*names, ","), *every, *workers, *useR, *data); err != nil {
		fmt.Fprintln(os.Stderr, "m3bench:", err)
		os.Exit(1)
	}
}

func available() []string {
	var out []string
	for _, m := range modelOrder {
		if _, ok := models[m]; ok {
			out = append(out, m)
		}
	}
	return out
}

func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}

func run(ctx context.Context, w io.Writer, freqs, names []string, every, workers int, useR bool, data string) error {
	if every < 1 {
		return fmt.Errorf("-every must be ≥ 1")
	}
	var rows []*row
	for _, fq := range freqs {
		p, ok := periods[fq]
		if !ok {
			return fmt.Errorf("unknown frequency %q", fq)
		}
		all, err := m3.ReadFile(filepath.Join(data, "m3_"+fq+".csv"), p)
		if err != nil {
			return err
		}
		var set []forecast.Holdout
		for i := 0; i < len(all); i += every {
			s := all[i]
			set = append(set, forecast.Holdout{Key: s.ID, Train: s.Train, Test: s.Test, Period: s.Period})
		}
		for _, name := range names {
			fit, ok := models[name]
			if !ok {
				return fmt.Errorf("unknown model %q (have %v)", name, available())
			}
			r := &row{model: name, freq: fq, series: len(set)}
			c0 := cpuSeconds()
			ev, err := forecast.Evaluate(ctx, set, fit, &forecast.BatchOptions{Workers: 1})
			if err != nil {
				return err
			}
			r.cpu = cpuSeconds() - c0
			r.failed, r.smape, r.mase = ev.Failed, ev.SMAPE, ev.MASE
			t0 := time.Now()
			if _, err := forecast.Evaluate(ctx, set, fit, &forecast.BatchOptions{Workers: workers}); err != nil {
				return err
			}
			r.wall = time.Since(t0).Seconds()
			fmt.Fprintf(os.Stderr, "crmkit %-6s %-9s sMAPE %.3f MASE %.3f cpu %.1fs\n", name, fq, r.smape, r.mase, r.cpu)
			rows = append(rows, r)
		}
	}
	rVersion := ""
	if useR {
		if _, err := exec.LookPath("Rscript"); err == nil {
			v, err := runR(ctx, rows, freqs, names, every, data)
			if err != nil {
				return err
			}
			rVersion = v
		}
	}
	printTable(w, rows, every, workers, rVersion)
	return nil
}

func runR(ctx context.Context, rows []*row, freqs, names []string, every int, data string) (string, error) {
	f, err := os.CreateTemp("", "m3bench-*.R")
	if err != nil {
		return "", err
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(rScript); err != nil {
		return "", err
	}
	f.Close()
	ver, _ := exec.CommandContext(ctx, "Rscript", "-e", `cat(R.version.string, "forecast", as.character(packageVersion("forecast")))`).Output()
	cmd := exec.CommandContext(ctx, "Rscript", f.Name(), data, strings.Join(freqs, ","), strings.Join(names, ","), strconv.Itoa(every))
	var out bytes.Buffer
	cmd.Stdout = io.MultiWriter(&out, os.Stderr)
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("Rscript: %w", err)
	}
	sc := bufio.NewScanner(&out)
	for sc.Scan() {
		fs := strings.Fields(sc.Text())
		if len(fs) != 8 || fs[0] != "R" {
			continue
		}
		kv := map[string]float64{}
		for _, f := range fs[3:] {
			k, v, _ := strings.Cut(f, "=")
			kv[k], _ = strconv.ParseFloat(v, 64)
		}
		for _, r := range rows {
			if r.model == fs[1] && r.freq == fs[2] {
				r.rCPU, r.rSMAPE, r.rMASE, r.rFailed, r.rPresent = kv["cpu_s"], kv["smape"], kv["mase"], int(kv["failed"]), 1
			}
		}
	}
	return strings.TrimSpace(string(ver)), nil
}

func printTable(w io.Writer, rows []*row, every, workers int, rVersion string) {
	fmt.Fprintf(w, "M3 hold-out accuracy and speed: crmkit vs R's forecast package\n\n")
	fmt.Fprintf(w, "Machine: %s/%s, %d CPUs, %s; every %d-th series; R: %s\n\n", runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), runtime.Version(), every, orNone(rVersion))
	fmt.Fprintf(w, "| model | freq | series | sMAPE | MASE | failed | CPU s (1 worker) | wall s (%d workers) | R sMAPE | R MASE | R CPU s | speed-up |\n", workers)
	fmt.Fprintf(w, "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, r := range rows {
		rs, rm, rc, sp := "–", "–", "–", "–"
		if r.rPresent == 1 {
			rs, rm, rc = fmt.Sprintf("%.2f", r.rSMAPE), fmt.Sprintf("%.3f", r.rMASE), fmt.Sprintf("%.1f", r.rCPU)
			if r.cpu > 0 {
				sp = fmt.Sprintf("%.0f×", r.rCPU/r.cpu)
			}
		}
		fmt.Fprintf(w, "| %s | %s | %d | %.2f | %.3f | %d | %.2f | %.2f | %s | %s | %s | %s |\n", r.model, r.freq, r.series, r.smape, r.mase, r.failed, r.cpu, r.wall, rs, rm, rc, sp)
	}
}

func orNone(s string) string {
	if s == "" {
		return "not installed (crmkit columns only)"
	}
	return s
}
