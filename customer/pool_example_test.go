package customer_test

import (
	"context"
	"fmt"
	"time"

	"github.com/crmkit/crmkit"
	"github.com/crmkit/crmkit/customer"
	"github.com/shopspring/decimal"
)

func ExamplePlanReclaim() {
	day := func(m time.Month, d int) time.Time { return time.Date(2024, m, d, 0, 0, 0, 0, time.UTC) }
	in := customer.ReclaimInput{
		Customers: crmkit.Stream([]customer.Customer{
			{ID: "C1", Owner: "ann", Level: "A", Created: day(1, 1)},
			{ID: "C2", Owner: "ann", Level: "B", Created: day(1, 1)},
			{ID: "C3", Owner: "bob", Level: "B", Created: day(1, 1)},
			{ID: "C4", Level: "B", Created: day(1, 1)}, // already in the pool
		}),
		Interactions: crmkit.Stream([]customer.Interaction{
			{ID: "I1", CustomerID: "C1", Time: day(8, 1)},
			{ID: "I2", CustomerID: "C2", Time: day(7, 1)},
			{ID: "I3", CustomerID: "C3", Time: day(8, 10)},
		}),
		Orders: crmkit.Stream([]customer.Order{
			{ID: "O1", CustomerID: "C1", Time: day(3, 1), Amount: decimal.NewFromInt(500), Currency: "CNY"},
		}),
	}
	rules := []customer.ReclaimRule{
		{Name: "A: 90 days without purchase", Level: "A", Kind: customer.ReclaimNoPurchase, Days: 90},
		{Name: "30 days without follow-up", Kind: customer.ReclaimNoFollowUp, Days: 30, WarnDays: 7},
	}
	plan, err := customer.PlanReclaim(context.Background(), day(9, 5), in, rules, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, it := range plan.Items {
		fmt.Printf("%s %s from %q by %q: %s\n", it.CustomerID, it.Action, it.Owner, it.Rule, it.Reason)
	}
	// Output:
	// C1 reclaim from "ann" by "A: 90 days without purchase": no purchase since 2024-03-01; limit 90 days reached
	// C2 reclaim from "ann" by "30 days without follow-up": no follow-up since 2024-07-01; limit 30 days reached
	// C3 warn from "bob" by "30 days without follow-up": no follow-up since 2024-08-10; reclaimed in 4 days
	// C4 keep from "" by "": already in the pool
}
