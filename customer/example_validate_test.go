package customer_test

import (
	"context"
	"fmt"
	"time"

	"github.com/crmkit/crmkit"
	"github.com/crmkit/crmkit/customer"
	"github.com/shopspring/decimal"
)

func ExampleValidate() {
	asOf := time.Date(2026, 6, 30, 0, 0, 0, 0, time.UTC)
	customers := []customer.Customer{
		{ID: "C1", Name: "Ann Lee", Email: "ann@example.com"},
		{ID: "C2", Name: "Bo Chen", Birthday: customer.Birthday{Calendar: customer.Gregorian, Year: 1993, Month: 2, Day: 29}},
		{ID: "C1", Name: "Ann Lee (copy)"},
	}
	orders := []customer.Order{
		{ID: "O1", CustomerID: "C1", Time: asOf.AddDate(0, -1, 0), Amount: decimal.RequireFromString("120.00"), Currency: "USD"},
		{ID: "O2", CustomerID: "C9", Time: asOf.AddDate(0, -1, 0), Amount: decimal.RequireFromString("-5.00"), Currency: "USD"},
	}
	report, err := customer.Validate(context.Background(), asOf,
		crmkit.Stream(customers), crmkit.Stream(orders), nil, nil)
	fmt.Printf("customers: %d accepted, %d rejected\n", report.Customers.Accepted, report.Customers.Rejected)
	fmt.Printf("orders: %d accepted, %d rejected\n", report.Orders.Accepted, report.Orders.Rejected)
	for _, o := range report.Offenders {
		fmt.Println(o.Message)
	}
	for _, f := range report.Customers.Fields {
		if f.Field == "email" {
			fmt.Printf("email completeness %.2f\n", f.Completeness)
		}
	}
	fmt.Println(err != nil)
	// Output:
	// customers: 1 accepted, 2 rejected
	// orders: 1 accepted, 1 rejected
	// customer #1 "C2": field birthday: invalid value: 1993-02-29 does not exist
	// customer #2 "C1": field id: duplicate ID: first seen at #0
	// order #1 "O2": field customer_id: unknown reference: customer "C9" is not in the customer stream
	// order #1 "O2": field amount: invalid value: negative amount -5
	// email completeness 0.33
	// true
}
