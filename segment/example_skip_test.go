package segment_test

import (
	"context"
	"fmt"
	"time"

	"github.com/crmkit/crmkit"
	"github.com/crmkit/crmkit/customer"
	"github.com/crmkit/crmkit/segment"
	"github.com/shopspring/decimal"
)

// A host that prefers a partial answer to none passes a Skipped: bad orders
// are passed over, counted and listed with their reason.
func ExampleSkipped() {
	day := func(d int) time.Time { return time.Date(2024, 1, d, 12, 0, 0, 0, time.UTC) }
	orders := []customer.Order{
		{ID: "o1", CustomerID: "ann", Time: day(1), Amount: decimal.RequireFromString("20.00")},
		{ID: "o2", CustomerID: "", Time: day(2), Amount: decimal.RequireFromString("5.00")},
		{ID: "o3", CustomerID: "bob", Time: day(3), Amount: decimal.RequireFromString("-7.00")},
		{ID: "o4", CustomerID: "bob", Time: day(4), Amount: decimal.RequireFromString("12.50")},
	}
	var skipped segment.Skipped
	values, err := segment.CustomerValues(context.Background(), crmkit.Stream(orders),
		segment.ValuesOptions{To: day(31), Skipped: &skipped})
	if err != nil {
		panic(err)
	}
	for _, v := range values {
		fmt.Println(v.CustomerID, v.Value)
	}
	fmt.Println("skipped:", skipped.Count)
	for _, r := range skipped.Records {
		fmt.Printf("  %s (%s)\n", r.Message, r.Problem)
	}
	// Output:
	// ann 20
	// bob 12.5
	// skipped: 2
	//   order #1 "o2": field customer_id: missing required field (missing)
	//   order #2 "o3": field amount: invalid value: negative amount -7 (invalid)
}

// With a Location, purchase days run from local midnight: two orders a
// UTC+8 customer places on one local evening and the next local morning are
// two purchases there, one in UTC.
func ExampleSummaryOptions_location() {
	shanghai := time.FixedZone("UTC+8", 8*3600)
	orders := []customer.Order{
		{ID: "o1", CustomerID: "ann", Time: time.Date(2024, 1, 1, 14, 0, 0, 0, time.UTC), Amount: decimal.NewFromInt(10)}, // 22:00 local
		{ID: "o2", CustomerID: "ann", Time: time.Date(2024, 1, 1, 17, 0, 0, 0, time.UTC), Amount: decimal.NewFromInt(30)}, // 01:00 local, next day
	}
	for _, loc := range []*time.Location{nil, shanghai} {
		s, err := segment.Summarize(context.Background(), crmkit.Stream(orders), segment.SummaryOptions{
			Unit: 24 * time.Hour, CalibrationEnd: time.Date(2024, 1, 10, 0, 0, 0, 0, time.UTC), Location: loc,
		})
		if err != nil {
			panic(err)
		}
		fmt.Printf("%v: repeat purchases %d, first %s\n", loc, s[0].Frequency, s[0].First.Format(time.DateTime))
	}
	// Output:
	// UTC: repeat purchases 0, first 2024-01-01 00:00:00
	// UTC+8: repeat purchases 1, first 2024-01-01 00:00:00
}
