package customer

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// BenchmarkPlanHandover hands over one rep's book out of n customers (every
// customer owned by r0 — a tenth of the book, minus pool customers — moves)
// to 99 reps, with capacities and a vip route.
func BenchmarkPlanHandover(b *testing.B) {
	reps := make([]string, 0, 99)
	for i := 1; i < 100; i++ {
		reps = append(reps, fmt.Sprintf("r%d", i))
	}
	caps := CapacityFunc(func(_ context.Context, rep string) (int, error) { return 1 << 20, nil })
	for _, policy := range []HandoverPolicy{HandoverLeastLoaded, HandoverCapacityWeighted} {
		for _, n := range planBenchSizes {
			b.Run(fmt.Sprintf("%s/customers=%d", policy, n), func(b *testing.B) {
				b.ReportAllocs()
				opts := &HandoverOptions{Policy: policy, Capacity: caps, Routes: []HandoverRoute{{Tag: "vip", Reps: reps[:10]}}}
				var plan HandoverPlan
				for b.Loop() {
					var err error
					plan, err = PlanHandover(context.Background(), time.Time{}, "r0", reps, HandoverInput{Customers: genCustomers(n)}, opts)
					if err != nil {
						b.Fatal(err)
					}
				}
				if plan.Customers != n || len(plan.Unplaced) != 0 {
					b.Fatalf("read %d of %d, %d unplaced", plan.Customers, n, len(plan.Unplaced))
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/customer")
				b.ReportMetric(float64(plan.Moving), "moved")
			})
		}
	}
	b.Run("verify/customers=1000000", func(b *testing.B) {
		b.ReportAllocs()
		plan, err := PlanHandover(context.Background(), time.Time{}, "r0", reps, HandoverInput{Customers: genCustomers(1_000_000)}, &HandoverOptions{Capacity: caps})
		if err != nil {
			b.Fatal(err)
		}
		for b.Loop() {
			if err := VerifyHandover(context.Background(), genCustomers(1_000_000), plan, caps); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/1e6, "ns/customer")
	})
}
