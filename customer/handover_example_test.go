package customer_test

import (
	"context"
	"fmt"
	"time"

	"github.com/crmkit/crmkit"
	"github.com/crmkit/crmkit/customer"
)

func exampleBook() []customer.Customer {
	return []customer.Customer{
		{ID: "C1", Owner: "eve"},
		{ID: "C2", Owner: "eve", Tags: []string{"key-account"}},
		{ID: "C3", Owner: "eve"},
		{ID: "C4", Owner: "eve", Attributes: map[string]string{"territory": "north"}},
		{ID: "C5", Owner: "ann"},
		{ID: "C6", Owner: "ann"},
	}
}

func ExamplePlanHandover() {
	capacity := customer.CapacityFunc(func(_ context.Context, rep string) (int, error) {
		return map[string]int{"ann": 3, "bob": 2, "cyd": 1}[rep], nil
	})
	plan, err := customer.PlanHandover(context.Background(), time.Date(2024, 9, 1, 0, 0, 0, 0, time.UTC),
		"eve", []string{"ann", "bob", "cyd"},
		customer.HandoverInput{
			Customers: crmkit.Stream(exampleBook()),
			Deals:     crmkit.Stream([]customer.DealRef{{ID: "D1", CustomerID: "C2", Open: true}}),
		},
		&customer.HandoverOptions{
			Policy:   customer.HandoverLeastLoaded,
			Capacity: capacity,
			Routes: []customer.HandoverRoute{
				{Name: "key accounts", Tag: "key-account", Reps: []string{"ann"}},
				{Name: "north", Attribute: "territory", Value: "north", Reps: []string{"cyd"}},
			},
		})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, a := range plan.Assignments {
		fmt.Println(a.CustomerID, a.From, "->", a.To, "|", a.Reason, a.Deals)
	}
	for _, a := range plan.Unplaced {
		fmt.Println(a.CustomerID, "unplaced |", a.Reason)
	}
	for _, l := range plan.Loads {
		fmt.Printf("%s: %d+%d of %d\n", l.Rep, l.Before, l.Added, l.Capacity)
	}
	// Output:
	// C1 eve -> bob | least_loaded []
	// C2 eve -> ann | least_loaded within route key accounts [D1]
	// C3 eve -> bob | least_loaded []
	// C4 eve -> cyd | least_loaded within route north []
	// ann: 2+1 of 3
	// bob: 0+2 of 2
	// cyd: 0+1 of 1
}

func ExampleVerifyHandover() {
	book := exampleBook()
	plan, _ := customer.PlanHandover(context.Background(), time.Time{}, "eve", []string{"ann", "bob"},
		customer.HandoverInput{Customers: crmkit.Stream(book)}, &customer.HandoverOptions{Policy: customer.HandoverRoundRobin})
	fmt.Println(customer.VerifyHandover(context.Background(), crmkit.Stream(book), plan, nil))

	plan.Assignments = plan.Assignments[1:] // lose a customer
	fmt.Println(customer.VerifyHandover(context.Background(), crmkit.Stream(book), plan, nil))
	// Output:
	// <nil>
	// assignment "C1": field customer_id: missing required field: customer of "eve" missing from the plan
	// assignment "ann": field loads: invalid value: plan says 2 before + 2 added, book and assignments say 2 + 1
}

func ExampleCapacityFunc() {
	c := customer.CapacityFunc(func(_ context.Context, rep string) (int, error) {
		if rep == "trainee" {
			return 20, nil
		}
		return customer.NoCapacityLimit, nil
	})
	n, _ := c.Capacity(context.Background(), "trainee")
	m, _ := c.Capacity(context.Background(), "lead")
	fmt.Println(n, m)
	// Output: 20 -1
}
