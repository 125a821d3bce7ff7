// Command report builds the seeded sample book, runs crmkit's analyses on it
// and writes one self-contained HTML page of charts:
//
//	(cd examples && go run ./report/cmd/report -o /tmp/crmkit-report.html)
package main

import (
	"context"
	"flag"
	"fmt"
	"os"

	"github.com/crmkit/crmkit/examples/internal/samplebook"
	"github.com/crmkit/crmkit/examples/report"
)

func main() {
	out := flag.String("o", "crmkit-report.html", "output HTML file")
	n := flag.Int("customers", 2000, "customers in the sample book")
	flag.Parse()
	if err := run(context.Background(), *out, *n); err != nil {
		fmt.Fprintln(os.Stderr, "report:", err)
		os.Exit(1)
	}
	fmt.Println("wrote", *out)
}

func run(ctx context.Context, out string, n int) error {
	book := samplebook.New(samplebook.Options{Customers: n, Years: 3, Clean: true})
	sections, err := report.Sections(ctx, book)
	if err != nil {
		return err
	}
	f, err := os.Create(out)
	if err != nil {
		return err
	}
	if err := report.Write(f, "crmkit sample report — "+book.AsOf.Format("2 January 2006"), sections); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
