package forecast

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// fcorePointStream streams n points spread over a year, in time order
// (sorted) or hopping back and forth (unsorted), without materialising them.
func fcorePointStream(n int, sorted bool) func(yield func(Point, error) bool) {
	start := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	span := int64(365 * 24 * time.Hour)
	return func(yield func(Point, error) bool) {
		for i := range n {
			off := int64(i) * (span / int64(n))
			if !sorted {
				off = (int64(i) * 7919 % int64(n)) * (span / int64(n))
			}
			if !yield(Point{Time: start.Add(time.Duration(off)), Value: float64(i%100) + 0.25}, nil) {
				return
			}
		}
	}
}

// BenchmarkAggregate streams points into daily sums in Berlin time. The
// 10M case is the size of a large ERP's order table; memory stays at the
// 366 daily cells whatever the stream length.
func BenchmarkAggregate(b *testing.B) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		b.Fatal(err)
	}
	for _, n := range []int{10, 1_000, 1_000_000, 10_000_000} {
		for _, sorted := range []bool{true, false} {
			if !sorted && n > 1_000_000 {
				continue
			}
			b.Run(fmt.Sprintf("n=%d/sorted=%v", n, sorted), func(b *testing.B) {
				b.ReportAllocs()
				stream := fcorePointStream(n, sorted)
				opts := &AggregateOptions{Freq: Daily(), Location: berlin}
				var periods int
				for b.Loop() {
					agg, err := Aggregate(context.Background(), stream, opts)
					if err != nil {
						b.Fatal(err)
					}
					if agg.Points != n {
						b.Fatalf("%d points aggregated, want %d", agg.Points, n)
					}
					periods = len(agg.Series.Values)
				}
				b.ReportMetric(float64(periods), "periods")
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/point")
			})
		}
	}
}
