// Command batch runs crmkit analyses over CSV exports: the funnel report,
// forecasts for many series, value tiers and concentration, RFM segments and
// customer lifetime value. It is the shape of a nightly job: files in, CSV and
// JSON out, a progress line on long runs, and an exit status a script can
// rely on.
//
//	(cd examples && go run ./batch -orders orders.csv -asof 2026-06-30 -out out/)
//	(cd examples && go run ./batch -sample -asof 2026-06-30 -out /tmp/crmkit-batch)
//
// Input formats (header row required, column order free, extra columns ignored;
// times are RFC 3339 or YYYY-MM-DD):
//
//	orders.csv         id,customer_id,time,amount[,currency,quantity,product]
//	interactions.csv   id,customer_id,time[,rep,channel,note,next_contact]
//	deals.csv          id,pipeline,stage,amount,created[,customer_id,owner,currency,expected_close,closed,lost_reason,last_activity]
//	stage_changes.csv  deal_id,from,to,time[,owner]   (grouped by deal, in time order)
//	pipelines.json     [funnel.Pipeline…] as JSON
//
// Exit status: 0 success; 1 bad data or a failed analysis (the message names
// file, line and column); 2 bad command line. With -skip-bad, bad rows are
// reported on stderr and counted, and the run goes on.
//
// Memory: orders are streamed from the file for each analysis; what is kept
// grows with the number of customers and series, not with the number of rows.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"time"
)

// config is the parsed command line.
type config struct {
	orders, deals, stages, pipelines string
	out                              string
	asOf                             time.Time
	run                              map[string]bool
	skipBad                          bool
	horizon, workers                 int
	seriesBy                         string
	quiet                            bool
	sample                           bool
}

var analyses = []string{"funnel", "forecast", "tiers", "rfm", "ltv"}

// usageError marks command-line mistakes (exit status 2).
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func parseFlags(args []string, stderr io.Writer) (*config, error) {
	fs := flag.NewFlagSet("batch", flag.ContinueOnError)
	fs.SetOutput(stderr)
	c := &config{}
	var asOf, run string
	fs.StringVar(&c.orders, "orders", "", "orders CSV file")
	fs.StringVar(&c.deals, "deals", "", "deals CSV file (funnel)")
	fs.StringVar(&c.stages, "stages", "", "stage changes CSV file (funnel)")
	fs.StringVar(&c.pipelines, "pipelines", "", "pipelines JSON file (funnel)")
	fs.StringVar(&c.out, "out", "out", "output directory")
	fs.StringVar(&asOf, "asof", "", "analysis date, YYYY-MM-DD or RFC 3339 (required)")
	fs.StringVar(&run, "run", "all", "comma-separated analyses: "+strings.Join(analyses, ",")+" or all")
	fs.BoolVar(&c.skipBad, "skip-bad", false, "report and skip bad rows instead of stopping")
	fs.IntVar(&c.horizon, "h", 6, "forecast horizon in months")
	fs.IntVar(&c.workers, "workers", 0, "forecast workers (0: all cores)")
	fs.StringVar(&c.seriesBy, "series-by", "product", "forecast one series per: product, customer or all")
	fs.BoolVar(&c.quiet, "q", false, "no progress output")
	fs.BoolVar(&c.sample, "sample", false, "write a seeded sample book as CSV into <out>/input and run on it")
	if err := fs.Parse(args); err != nil {
		return nil, usageError{err.Error()}
	}
	if asOf == "" {
		return nil, usageError{"-asof is required"}
	}
	var err error
	if c.asOf, err = time.Parse("2006-01-02", asOf); err != nil {
		if c.asOf, err = time.Parse(time.RFC3339, asOf); err != nil {
			return nil, usageError{fmt.Sprintf("-asof %q: want YYYY-MM-DD or RFC 3339", asOf)}
		}
	} else {
		c.asOf = c.asOf.Add(24*time.Hour - time.Nanosecond) // the whole day counts
	}
	if c.sample {
		if err := writeSample(c, filepath.Join(c.out, "input")); err != nil {
			return nil, err
		}
	}
	c.run = map[string]bool{}
	for _, a := range strings.Split(run, ",") {
		a = strings.TrimSpace(a)
		switch {
		case a == "all":
			for _, x := range analyses {
				c.run[x] = true
			}
		case contains(analyses, a):
			c.run[a] = true
		default:
			return nil, usageError{fmt.Sprintf("-run: unknown analysis %q", a)}
		}
	}
	if c.run["funnel"] && (c.deals == "" || c.pipelines == "") {
		if run != "all" {
			return nil, usageError{"funnel needs -deals and -pipelines (and usually -stages)"}
		}
		delete(c.run, "funnel")
	}
	if (c.run["forecast"] || c.run["tiers"] || c.run["rfm"] || c.run["ltv"]) && c.orders == "" {
		return nil, usageError{"forecast, tiers, rfm and ltv need -orders"}
	}
	if c.horizon < 1 || c.horizon > 120 {
		return nil, usageError{"-h must be 1..120"}
	}
	switch c.seriesBy {
	case "product", "customer", "all":
	default:
		return nil, usageError{"-series-by must be product, customer or all"}
	}
	return c, nil
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if x == y {
			return true
		}
	}
	return false
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// run is main without the process: it returns the exit status.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	c, err := parseFlags(args, stderr)
	if err != nil {
		var ue usageError
		fmt.Fprintln(stderr, "batch:", err)
		if errors.As(err, &ue) {
			return 2
		}
		return 1
	}
	if err := os.MkdirAll(c.out, 0o755); err != nil {
		fmt.Fprintln(stderr, "batch:", err)
		return 1
	}
	j := &job{cfg: c, stdout: stdout, stderr: stderr}
	for _, a := range analyses {
		if !c.run[a] {
			continue
		}
		start := time.Now()
		if err := j.analysis(ctx, a); err != nil {
			fmt.Fprintf(stderr, "batch: %s: %v\n", a, err)
			return 1
		}
		fmt.Fprintf(stdout, "%-8s done in %s\n", a, time.Since(start).Round(time.Millisecond))
	}
	if j.skipped > 0 {
		fmt.Fprintf(stdout, "skipped %d bad rows (listed on stderr)\n", j.skipped)
	}
	fmt.Fprintf(stdout, "results in %s\n", c.out)
	return 0
}
