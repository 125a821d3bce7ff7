// Command benchtable regenerates crmkit's speed and memory table: it runs the
// benchmark behind each target in the issues once (-benchtime=1x) and prints
// a Markdown table with the target beside what was measured on this machine.
//
//	(cd examples && go run ./benchtable)              # every target (several minutes)
//	(cd examples && go run ./benchtable -only funnel) # targets whose name contains "funnel"
//
// Benchmarks report wall time (ns/op) and, where they measure it, process CPU
// time (cpu-ns/…), which a shared machine distorts far less: compare targets
// with the CPU figures when the load average is high (it is printed).
package main

import (
	"bufio"
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"time"
)

// target is one performance claim and the benchmark that proves it.
type target struct {
	name, claim string
	pkg, bench  string // package directory (relative to the root) and -bench pattern
	times       string // -benchtime; "" means 1x
	cpu         string // -cpu (GOMAXPROCS); "" means the machine's
}

var targets = []target{
	{"customer: Validate", "1M customers + 10M orders streamed; memory bounded by customers", "./customer", "^BenchmarkValidate$/customers=1000000/", "", ""},
	{"customer: Classify", "1M customers + 10M orders streamed; memory bounded by customers", "./customer", "^BenchmarkClassify$/customers=1000000/", "", ""},
	{"customer: FindDuplicates", "1M customers in seconds, not n²", "./customer", "^BenchmarkFindDuplicates$/default/customers=1000000$", "", ""},
	{"customer: PlanHandover", "1M-customer book", "./customer", "^BenchmarkPlanHandover$/least_loaded/customers=1000000$", "", ""},
	{"funnel: Run", "1M deals, 10M stage changes, full report: < 2 s on one core, ≤ ~100 B state/deal", "./funnel", "^BenchmarkRun$/deals=1000000$", "", "1"},
	{"funnel: stream generator", "the share of funnel: Run that is the benchmark's own input", "./funnel", "^BenchmarkGenerate$/deals=1000000$", "", "1"},
	{"funnel: ForecastPipeline", "100k open deals, 10k draws, 12 periods, with slippage: < 1 s on 2 cores", "./funnel", "^BenchmarkForecast$/deals=100000/^slip$", "", ""},
	{"forecast: ETS", "fit + forecast one monthly series", "./forecast", "^BenchmarkETSFitForecastMonthly$", "20x", ""},
	{"forecast: ARIMA", "fit + forecast a 144-point monthly series", "./forecast", "^BenchmarkFitForecastARIMA144$", "20x", ""},
	{"forecast: Aggregate", "10M timestamped amounts streamed into periods", "./forecast", "^BenchmarkAggregate$/n=10000000/", "", ""},
	{"segment: RFM", "10M orders of 1M customers streamed, fresh IDs as a decoder makes them: < 5 s", "./segment", "^BenchmarkScoreRFM$/ids=fresh/orders=10000000$", "", ""},
	{"segment: RFM, shared IDs", "same, IDs pre-built and shared (the input's own cache misses included)", "./segment", "^BenchmarkScoreRFM$/ids=shared/orders=10000000$", "", ""},
	{"segment: tiers", "10M orders of 1M customers streamed, fresh IDs: < 5 s", "./segment", "^BenchmarkTiers$/ids=fresh/orders=10000000$", "", ""},
	{"segment: tiers, shared IDs", "same, IDs pre-built and shared", "./segment", "^BenchmarkTiers$/ids=shared/orders=10000000$", "", ""},
	{"segment: BG/NBD fit", "1M customers: < 2 s", "./segment", "^BenchmarkFitBGNBD$/customers=1000000$", "", ""},
	{"segment: k-means", "1M points × 3 dimensions, k = 8: < 2 s", "./segment", "^BenchmarkKMeans$/points=1000000$", "", ""},
}

func main() {
	root := flag.String("root", "..", "repository root (the root module)")
	only := flag.String("only", "", "run only targets whose name contains this")
	flag.Parse()
	if err := run(context.Background(), os.Stdout, *root, *only); err != nil {
		fmt.Fprintln(os.Stderr, "benchtable:", err)
		os.Exit(1)
	}
}

func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	return strings.Join(f[:min(3, len(f))], " ")
}

func run(ctx context.Context, w io.Writer, root, only string) error {
	fmt.Fprintf(w, "crmkit speed and memory (%s, %s/%s, %d CPUs, load average before: %s)\n\n", runtime.Version(), runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), loadavg())
	fmt.Fprintln(w, "| target | claim | measured (-benchtime 1x unless the bench pattern says) |")
	fmt.Fprintln(w, "|---|---|---|")
	for _, t := range targets {
		if only != "" && !strings.Contains(t.name, only) {
			continue
		}
		start := time.Now()
		times := t.times
		if times == "" {
			times = "1x"
		}
		args := []string{"test", "-run", "^$", "-bench", t.bench, "-benchtime", times, "-count", "1"}
		if t.cpu != "" {
			args = append(args, "-cpu", t.cpu)
		}
		cmd := exec.CommandContext(ctx, "go", append(args, t.pkg)...)
		cmd.Dir = root
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		err := cmd.Run()
		res := parse(out.String())
		if err != nil || res == "" {
			res = "did not run: " + firstLine(out.String(), err)
		}
		fmt.Fprintf(os.Stderr, "%-26s %s (%s)\n", t.name, res, time.Since(start).Round(time.Second))
		fmt.Fprintf(w, "| %s | %s | %s |\n", t.name, t.claim, res)
	}
	fmt.Fprintf(w, "\nLoad average after: %s. Regenerate: `(cd examples && go run ./benchtable)`.\n", loadavg())
	return nil
}

// parse keeps the metrics of the benchmark result lines ("BenchmarkX-2  1
// 123 ns/op  4 B/op ..."), formatted as "123 ns/op, 4 B/op, …".
func parse(out string) string {
	var rows []string
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") {
			continue
		}
		var ms []string
		for i := 2; i+1 < len(f); i += 2 {
			ms = append(ms, f[i]+" "+f[i+1])
		}
		rows = append(rows, strings.Join(ms, ", "))
	}
	return strings.Join(rows, "; ")
}

func firstLine(s string, err error) string {
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "goos") && !strings.HasPrefix(l, "goarch") && !strings.HasPrefix(l, "pkg") && !strings.HasPrefix(l, "cpu") {
			return l
		}
	}
	if err != nil {
		return err.Error()
	}
	return "no benchmark matched"
}
