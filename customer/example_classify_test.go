package customer_test

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/crmkit/crmkit"
	"github.com/crmkit/crmkit/customer"
	"github.com/shopspring/decimal"
)

func ExampleClassify() {
	asOf := time.Date(2026, 6, 30, 0, 0, 0, 0, time.UTC)
	// Rules as a host might keep them in configuration.
	var rules []customer.Rule
	_ = json.Unmarshal([]byte(`[
	  {"name": "vip", "level": "A", "when": [{"metric": "spend", "op": ">=", "value": "1000", "window_days": 365}]},
	  {"name": "active", "level": "B", "when": [{"metric": "days_since_purchase", "op": "<=", "value": "90"}]},
	  {"name": "ambassador", "tags": ["ambassador"], "when": [{"metric": "referrals", "op": ">=", "value": "1"}]},
	  {"name": "default", "level": "C"}
	]`), &rules)
	customers := []customer.Customer{{ID: "C1"}, {ID: "C2", ReferredBy: "C1"}, {ID: "C3"}}
	orders := []customer.Order{
		{ID: "O1", CustomerID: "C1", Time: asOf.AddDate(0, -2, 0), Amount: decimal.RequireFromString("1200"), Currency: "CNY"},
		{ID: "O2", CustomerID: "C2", Time: asOf.AddDate(0, 0, -10), Amount: decimal.RequireFromString("80"), Currency: "CNY"},
	}
	res, err := customer.Classify(context.Background(), asOf, rules,
		crmkit.Stream(customers), crmkit.Stream(orders), nil, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, a := range res.Assignments {
		fmt.Printf("%s level %s (rule %s) tags %v\n", a.CustomerID, a.Level, a.LevelRule, a.Tags)
	}
	// Output:
	// C1 level A (rule vip) tags [{ambassador ambassador}]
	// C2 level B (rule active) tags []
	// C3 level C (rule default) tags []
}

func ExampleValidateRules() {
	err := customer.ValidateRules([]customer.Rule{
		{Name: "big", Level: "A", When: []customer.Condition{{Metric: customer.MetricSpend, Op: ">=", Value: "a lot"}}},
	})
	fmt.Println(err)
	// Output: rule #0 "big": field when[0]: invalid value: spend "a lot" is not a decimal
}
