package customer_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/crmkit/crmkit"
	"github.com/crmkit/crmkit/customer"
	"github.com/shopspring/decimal"
)

func ExampleBuildReferralGraph() {
	customers := []customer.Customer{
		{ID: "A"}, {ID: "B", ReferredBy: "A"}, {ID: "C", ReferredBy: "A"}, {ID: "D", ReferredBy: "agent-7"},
	}
	g, err := customer.BuildReferralGraph(context.Background(), crmkit.Stream(customers),
		&customer.ReferralOptions{UnknownReferrer: customer.UnknownReferrerExternal})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(g.Len(), g.Referred("A"), g.Referred("agent-7"))
	by, _ := g.Referrer("B")
	fmt.Println(by)

	// Rings are typed errors that name their records.
	_, err = customer.BuildReferralGraph(context.Background(), crmkit.Stream([]customer.Customer{
		{ID: "X", ReferredBy: "Y"}, {ID: "Y", ReferredBy: "X"},
	}), nil)
	fmt.Println(err, errors.Is(err, customer.ErrReferralCycle))
	// Output:
	// 5 [B C] [D]
	// A
	// referral cycle: "X" (#0) ← "Y" (#1) ← "X" true
}

func ExampleReferralGraph_Value() {
	asOf := time.Date(2026, 6, 30, 0, 0, 0, 0, time.UTC)
	customers := []customer.Customer{{ID: "A"}, {ID: "B", ReferredBy: "A"}, {ID: "C", ReferredBy: "B"}}
	orders := []customer.Order{
		{ID: "1", CustomerID: "B", Time: asOf.AddDate(0, -1, 0), Amount: decimal.RequireFromString("300.00"), Currency: "CNY"},
		{ID: "2", CustomerID: "C", Time: asOf.AddDate(0, -2, 0), Amount: decimal.RequireFromString("100.00"), Currency: "CNY"},
		{ID: "3", CustomerID: "C", Time: asOf.AddDate(-2, 0, 0), Amount: decimal.RequireFromString("999.00"), Currency: "CNY"},
	}
	g, _ := customer.BuildReferralGraph(context.Background(), crmkit.Stream(customers), nil)
	vals, err := g.Value(context.Background(), asOf, crmkit.Stream(orders),
		&customer.ReferralValueOptions{From: asOf.AddDate(-1, 0, 0), Decay: 0.5})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, v := range vals.Values {
		fmt.Println(v.CustomerID, v.Levels, v.Value.StringFixed(2), vals.Currency)
	}
	fmt.Println("outside window:", vals.OutsideWindow)
	// Output:
	// A [300 100] 350.00 CNY
	// B [100] 100.00 CNY
	// outside window: 1
}

func ExampleReferralGraph_Dropped() {
	customers := []customer.Customer{
		{ID: "A"}, {ID: "B", ReferredBy: "A"}, {ID: "C", ReferredBy: "deleted-42"}, {ID: ""},
	}
	g, err := customer.BuildReferralGraph(context.Background(), crmkit.Stream(customers),
		&customer.ReferralOptions{UnknownReferrer: customer.UnknownReferrerDrop, SkipInvalid: true})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("dropped links:", g.Dropped())
	for _, s := range g.Skipped() {
		fmt.Println("skipped:", s.Message)
	}
	// Output:
	// dropped links: [C]
	// skipped: customer #3: field id: missing required field
}
