package customer

import (
	"context"
	"fmt"
	"testing"
	"time"
)

func BenchmarkPlanReclaim(b *testing.B) {
	asOf := time.Date(2024, 9, 1, 0, 0, 0, 0, time.UTC)
	rules := []ReclaimRule{
		{Kind: ReclaimNoFollowUp, Days: 30, WarnDays: 7},
		{Level: "A", Kind: ReclaimNoFollowUp, Days: 90, WarnDays: 14},
		{Level: "A", Kind: ReclaimNoPurchase, Days: 180},
	}
	for _, n := range planBenchSizes {
		b.Run(fmt.Sprintf("customers=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			var plan ReclaimPlan
			for b.Loop() {
				var err error
				plan, err = PlanReclaim(context.Background(), asOf, ReclaimInput{Customers: genCustomers(n), Interactions: genInteractions(n, asOf)}, rules, nil)
				if err != nil {
					b.Fatal(err)
				}
			}
			if len(plan.Items) != n {
				b.Fatalf("%d items for %d customers", len(plan.Items), n)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/customer")
		})
	}
}
