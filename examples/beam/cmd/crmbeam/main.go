// Command crmbeam runs crmkit's analyses as Apache Beam pipelines: on the
// local Prism runner by default (nothing to install), or on Flink, Spark or
// Dataflow with Beam's --runner flags. See examples/beam/README.md.
//
//	crmbeam -gen /tmp/crm                      # write sample input files
//	crmbeam -pipeline value -orders '/tmp/crm/orders-*.csv' -asof 2025-01-01 -output /tmp/crm/value
//	crmbeam -pipeline forecasts -sales '/tmp/crm/sales-*.csv' -asof 2025-01-01 -output /tmp/crm/fc
//	crmbeam -pipeline funnel -deals '/tmp/crm/deals-*.jsonl' -changes '/tmp/crm/changes-*.jsonl' -asof 2024-12-01 -output /tmp/crm/funnel
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/x/beamx"
	crmbeam "github.com/crmkit/crmkit/examples/beam"
	"github.com/crmkit/crmkit/funnel"
	"github.com/crmkit/crmkit/segment"
)

var (
	pipeline  = flag.String("pipeline", "", "value, forecasts or funnel")
	orders    = flag.String("orders", "", "value: glob of order files (.csv or JSON lines)")
	currency  = flag.String("currency", "EUR", "value: the currency of the orders")
	horizon   = flag.Float64("horizon", 52, "value: lifetime-value horizon in weeks")
	sales     = flag.String("sales", "", "forecasts: glob of sales files (.csv or JSON lines)")
	months    = flag.Int("months", 12, "forecasts: months to forecast")
	deals     = flag.String("deals", "", "funnel: glob of deal JSON-lines files")
	changes   = flag.String("changes", "", "funnel: glob of stage-change JSON-lines files")
	pipesFile = flag.String("pipelines", "", "funnel: JSON file with the []funnel.Pipeline (default: the sample pipeline)")
	asOf      = flag.String("asof", "", "analysis date, YYYY-MM-DD (required): orders up to it, series end before it, funnel as of it")
	output    = flag.String("output", "", "output directory or prefix (gs://… on Dataflow)")
	gen       = flag.String("gen", "", "write seeded sample input files into this directory and exit")
	genN      = flag.Int("n", 20000, "with -gen: number of customers (deals: n/4, series: n/200)")
)

func main() {
	flag.Parse()
	beam.Init()
	if *gen != "" {
		if err := generate(*gen, *genN); err != nil {
			log.Fatal(err)
		}
		return
	}
	at, err := time.Parse("2006-01-02", *asOf)
	if err != nil {
		log.Fatalf("-asof: %v", err)
	}
	if *output != "" && !strings.Contains(*output, "://") {
		if err := os.MkdirAll(*output, 0o755); err != nil {
			log.Fatal(err)
		}
	}
	p, s := beam.NewPipelineWithRoot()
	switch *pipeline {
	case "value":
		err = crmbeam.CustomerValue(s, crmbeam.ValueConfig{Orders: *orders, Output: *output, Currency: *currency,
			Summary: segment.SummaryOptions{CalibrationEnd: at}, Value: segment.ValueOptions{Horizon: *horizon}})
	case "forecasts":
		err = crmbeam.Forecasts(s, crmbeam.ForecastConfig{Sales: *sales, Output: *output, End: at, Horizon: *months})
	case "funnel":
		pl := []funnel.Pipeline{crmbeam.SamplePipeline()}
		if *pipesFile != "" {
			b, rerr := os.ReadFile(*pipesFile)
			if rerr != nil {
				log.Fatal(rerr)
			}
			if err := json.Unmarshal(b, &pl); err != nil {
				log.Fatalf("%s: %v", *pipesFile, err)
			}
		}
		err = crmbeam.Funnel(s, crmbeam.FunnelConfig{Deals: *deals, Changes: *changes, Output: *output, Pipelines: pl,
			Options: funnel.Options{AsOf: at}})
	default:
		err = fmt.Errorf("-pipeline must be value, forecasts or funnel")
	}
	if err != nil {
		log.Fatal(err)
	}
	start := time.Now()
	if err := beamx.Run(context.Background(), p); err != nil {
		log.Fatalf("pipeline failed: %v", err)
	}
	log.Printf("%s pipeline done in %v; results in %s", *pipeline, time.Since(start).Round(time.Millisecond), *output)
}

// generate writes sample orders (CSV, 4 files), sales (CSV, 2 files),
// deals and stage changes (JSON lines) into dir.
func generate(dir string, n int) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	start := time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC)
	end := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	write := func(name string, lines []string) error {
		return os.WriteFile(filepath.Join(dir, name), []byte(strings.Join(lines, "\n")+"\n"), 0o644)
	}
	parts := make([][]string, 4)
	for i, o := range crmbeam.SampleOrders(1, n, start, end) {
		parts[i%4] = append(parts[i%4], crmbeam.OrderCSV(o))
	}
	for i, lines := range parts {
		if err := write(fmt.Sprintf("orders-%d.csv", i), append([]string{"order_id,customer_id,time,amount,currency"}, lines...)); err != nil {
			return err
		}
	}
	parts = make([][]string, 2)
	for i, r := range crmbeam.SampleSales(2, max(n/200, 1), start.AddDate(-1, 0, 0), end) {
		parts[i%2] = append(parts[i%2], crmbeam.SalesCSV(r))
	}
	for i, lines := range parts {
		if err := write(fmt.Sprintf("sales-%d.csv", i), append([]string{"series,time,amount"}, lines...)); err != nil {
			return err
		}
	}
	ds, cs := crmbeam.SampleDeals(3, max(n/4, 1), start.AddDate(1, 0, 0), end.AddDate(0, -1, 0))
	var dl, cl []string
	for _, d := range ds {
		b, _ := json.Marshal(d)
		dl = append(dl, string(b))
	}
	for _, c := range cs {
		b, _ := json.Marshal(c)
		cl = append(cl, string(b))
	}
	if err := write("deals-0.jsonl", dl); err != nil {
		return err
	}
	return write("changes-0.jsonl", cl)
}
