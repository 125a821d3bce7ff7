package customer

import (
	"context"
	"fmt"
	"iter"
	"strconv"
	"testing"
	"time"
)

// genCustomers streams n synthetic customers without holding them:
// a third with Gregorian birthdays, a third lunar, owners r0..r99, levels
// A/B/C, one in ten in the pool.
func genCustomers(n int) iter.Seq2[Customer, error] {
	created := time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC)
	owners := make([]string, 100)
	for i := range owners {
		owners[i] = "r" + strconv.Itoa(i)
	}
	levels := []string{"A", "B", "C"}
	return func(yield func(Customer, error) bool) {
		for i := range n {
			c := Customer{ID: genID('C', i), Owner: owners[i%100], Level: levels[i%3], Created: created}
			if i%10 == 9 {
				c.Owner = ""
			}
			switch i % 3 {
			case 0:
				c.Birthday = Birthday{Calendar: Gregorian, Month: 1 + i%12, Day: 1 + i%28}
			case 1:
				c.Birthday = Birthday{Calendar: Lunar, Month: 1 + i%12, Day: 1 + i%30}
			}
			if i%7 == 0 {
				c.Tags = []string{"vip"}
			}
			if !yield(c, nil) {
				return
			}
		}
	}
}

// genInteractions streams one interaction per customer.
func genInteractions(n int, asOf time.Time) iter.Seq2[Interaction, error] {
	return func(yield func(Interaction, error) bool) {
		for i := range n {
			t := asOf.Add(-time.Duration(i%200) * 24 * time.Hour)
			x := Interaction{ID: genID('I', i), CustomerID: genID('C', i), Time: t}
			if i%4 == 0 {
				x.NextContact = t.Add(time.Duration(i%40) * 24 * time.Hour)
			}
			if !yield(x, nil) {
				return
			}
		}
	}
}

// genID formats prefix and i as "C00000042".
func genID(prefix byte, i int) string {
	b := make([]byte, 0, 12)
	b = append(b, prefix)
	digits := strconv.Itoa(i)
	for range 8 - len(digits) {
		b = append(b, '0')
	}
	return string(append(b, digits...))
}

var planBenchSizes = []int{10, 1_000, 100_000, 1_000_000}

func BenchmarkPlanReminders(b *testing.B) {
	asOf := time.Date(2024, 9, 1, 0, 0, 0, 0, time.UTC)
	for _, n := range planBenchSizes {
		b.Run(fmt.Sprintf("customers=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			var plan ReminderPlan
			for b.Loop() {
				var err error
				plan, err = PlanReminders(context.Background(), asOf, asOf, asOf.AddDate(0, 1, 0),
					genCustomers(n), genInteractions(n, asOf), &ReminderOptions{NoContactDays: 90})
				if err != nil {
					b.Fatal(err)
				}
			}
			if plan.Customers != n {
				b.Fatalf("planned %d customers, want %d", plan.Customers, n)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/customer")
			b.ReportMetric(float64(len(plan.Reminders)), "reminders")
		})
	}
}
