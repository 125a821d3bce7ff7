package crmbeam

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/crmkit/crmkit/segment"
)

// BenchmarkCustomerValuePipeline runs the whole customer-value pipeline on
// the local Prism runner, orders read from 4 CSV files. Run it with
// -cpu 1,2 to see how throughput grows with the runner's parallelism:
//
//	go test -run '^$' -bench CustomerValuePipeline -benchtime 3x -cpu 1,2
//
// The orders/s metric counts input orders per second of wall time.
func BenchmarkCustomerValuePipeline(b *testing.B) {
	for _, n := range []int{2000, 20000} {
		b.Run(fmt.Sprintf("customers=%d", n), func(b *testing.B) {
			orders := SampleOrders(1, n, valueStart, valueAsOf)
			dir := b.TempDir()
			glob := writeOrderFiles(b, dir, orders, 4, nil)
			out := filepath.Join(dir, "out")
			if err := os.Mkdir(out, 0o755); err != nil {
				b.Fatal(err)
			}
			cfg := ValueConfig{Orders: glob, Output: out, Currency: "EUR",
				Summary: segment.SummaryOptions{CalibrationEnd: valueAsOf}, Value: segment.ValueOptions{Horizon: 52}}
			b.ReportAllocs()
			for b.Loop() {
				runLocal(b, func(s beam.Scope) error { return CustomerValue(s, cfg) })
			}
			b.ReportMetric(float64(len(orders)*b.N)/b.Elapsed().Seconds(), "orders/s")
		})
	}
}
