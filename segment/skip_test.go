package segment

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/crmkit/crmkit"
	"github.com/crmkit/crmkit/customer"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/shopspring/decimal"
)

// skipOrders has three bad orders among good ones: a missing customer, a
// negative amount and a foreign currency (after the first good order). The
// first order is the bad one, so the currency is set by the next.
func skipOrders() ([]customer.Order, []customer.Order) {
	eur := func(id, c string, d time.Time, amt int64) customer.Order {
		return customer.Order{ID: id, CustomerID: c, Time: d, Amount: decimal.New(amt, 0), Currency: "EUR"}
	}
	good := []customer.Order{
		eur("o2", "a", day(2024, 1, 1), 10),
		eur("o3", "b", day(2024, 1, 2), 5),
		eur("o5", "a", day(2024, 2, 1), 7),
		eur("o7", "a", day(2024, 3, 1), 1),
	}
	all := []customer.Order{
		eur("o1", "", day(2024, 1, 1), 3), // missing customer
		good[0], good[1],
		eur("o4", "b", day(2024, 1, 5), -2), // negative amount
		good[2],
		{ID: "o6", CustomerID: "a", Time: day(2024, 2, 2), Amount: decimal.New(9, 0), Currency: "USD"},
		good[3],
	}
	return all, good
}

var wantSkipped = Skipped{Count: 3, Records: []customer.Offender{
	{Kind: "order", Index: 0, ID: "o1", Field: "customer_id", Problem: "missing", Message: `order #0 "o1": field customer_id: ` + crmkit.ErrMissing.Error()},
	{Kind: "order", Index: 3, ID: "o4", Field: "amount", Problem: "invalid", Message: `order #3 "o4": field amount: ` + crmkit.ErrInvalid.Error() + ": negative amount -2"},
	{Kind: "order", Index: 5, ID: "o6", Field: "currency", Problem: "currency", Message: `order #5 "o6": field currency: ` + crmkit.ErrCurrency.Error() + `: "USD" after "EUR"`},
}}

// TestSkipBad: every stream-reading analysis stops at the first bad order
// by default; with Skipped set it gives exactly the result of the good
// orders alone and says which orders it skipped and why.
func TestSkipBad(t *testing.T) {
	ctx := context.Background()
	all, good := skipOrders()
	asOf := day(2024, 6, 1)
	tests := []struct {
		name string
		run  func(orders []customer.Order, sk *Skipped) (any, error)
	}{
		{"Summarize", func(o []customer.Order, sk *Skipped) (any, error) {
			return Summarize(ctx, crmkit.Stream(o), SummaryOptions{CalibrationEnd: asOf, Skipped: sk})
		}},
		{"ActivityIndex", func(o []customer.Order, sk *Skipped) (any, error) {
			return ActivityIndex(ctx, crmkit.Stream(o), ActivityOptions{AsOf: asOf, Skipped: sk})
		}},
		{"CustomerValues", func(o []customer.Order, sk *Skipped) (any, error) {
			return CustomerValues(ctx, crmkit.Stream(o), ValuesOptions{To: asOf, Skipped: sk})
		}},
		{"ScoreRFM", func(o []customer.Order, sk *Skipped) (any, error) {
			return ScoreRFM(ctx, crmkit.Stream(o), RFMOptions{AsOf: asOf, Skipped: sk})
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.run(all, nil)
			var re *crmkit.RecordError
			if !errors.As(err, &re) || re.Index != 0 || !errors.Is(err, crmkit.ErrMissing) {
				t.Errorf("default: err %v, want the first order's RecordError", err)
			}
			sk := Skipped{Count: 99} // reset by the call
			got, err := tc.run(all, &sk)
			if err != nil {
				t.Fatal(err)
			}
			want, err := tc.run(good, nil)
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(want, got, decEq); d != "" {
				t.Errorf("skipping differs from the good orders alone (-want +got):\n%s", d)
			}
			if d := cmp.Diff(wantSkipped, sk); d != "" {
				t.Errorf("skipped (-want +got):\n%s", d)
			}
		})
	}
}

// TestSkippedBounded: Count counts every skipped order, Records keeps the
// first MaxSkippedRecords; a stream error that is not a record error still
// stops the analysis.
func TestSkippedBounded(t *testing.T) {
	orders := []customer.Order{{ID: "ok", CustomerID: "a", Time: day(2024, 1, 1), Amount: decimal.New(1, 0)}}
	for i := range 250 {
		orders = append(orders, customer.Order{ID: "bad", CustomerID: "a", Time: day(2024, 1, 1), Amount: decimal.New(-1-int64(i), 0)})
	}
	var sk Skipped
	if _, err := CustomerValues(context.Background(), crmkit.Stream(orders), ValuesOptions{To: day(2025, 1, 1), Skipped: &sk}); err != nil {
		t.Fatal(err)
	}
	if sk.Count != 250 || len(sk.Records) != MaxSkippedRecords || sk.Records[0].Index != 1 || sk.Records[MaxSkippedRecords-1].Index != MaxSkippedRecords {
		t.Errorf("count %d, %d records, first %+v", sk.Count, len(sk.Records), sk.Records[0])
	}
	ioErr := errors.New("disk on fire")
	stream := func(yield func(customer.Order, error) bool) {
		if yield(orders[0], nil) {
			yield(customer.Order{}, ioErr)
		}
	}
	if _, err := Summarize(context.Background(), stream, SummaryOptions{CalibrationEnd: day(2025, 1, 1), Skipped: &sk}); !errors.Is(err, ioErr) {
		t.Errorf("stream error: %v", err)
	}
}

// TestSummaryLocation: with a UTC+8 location a day runs from local
// midnight. Orders at 20:00 and 23:00 UTC on 1 Jan are 04:00 and 07:00 on
// 2 Jan in Shanghai: one purchase day there, and together with an order at
// 10:00 UTC on 2 Jan (18:00 local, same local day) still one; in UTC they
// are two days. Hand-computed summaries; nil keeps UTC.
func TestSummaryLocation(t *testing.T) {
	cst := time.FixedZone("UTC+8", 8*3600)
	at := func(id string, d, h int, amt int64) customer.Order {
		return customer.Order{ID: id, CustomerID: "a", Time: time.Date(2024, 1, d, h, 0, 0, 0, time.UTC), Amount: decimal.New(amt, 0)}
	}
	orders := []customer.Order{at("1", 1, 20, 10), at("2", 1, 23, 20), at("3", 2, 10, 30), at("4", 8, 17, 40)}
	// 8 Jan 17:00 UTC is 9 Jan 01:00 local.
	calEnd := time.Date(2024, 1, 15, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name   string
		reason string
		loc    *time.Location
		want   Summary
	}{
		{"UTC", "days 1 Jan (10+20), 2 Jan (30), 8 Jan (40)", nil,
			Summary{CustomerID: "a", First: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), Frequency: 2, Recency: 1, T: 2, Monetary: decimal.New(35, 0)}},
		{"UTC+8", "local days 2 Jan (10+20+30), 9 Jan (40); calibration ends 15 Jan 08:00 local", cst,
			Summary{CustomerID: "a", First: time.Date(2024, 1, 2, 0, 0, 0, 0, cst), Frequency: 1, Recency: 1, T: (13.0 + 8.0/24) / 7, Monetary: decimal.New(40, 0)}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Summarize(context.Background(), crmkit.Stream(orders), SummaryOptions{CalibrationEnd: calEnd, Location: tc.loc})
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff([]Summary{tc.want}, got, decEq, cmpopts.EquateApprox(0, 1e-12)); d != "" {
				t.Errorf("%s (-want +got):\n%s", tc.reason, d)
			}
			act, err := ActivityIndex(context.Background(), crmkit.Stream(orders), ActivityOptions{AsOf: calEnd, Location: tc.loc})
			if err != nil {
				t.Fatal(err)
			}
			if act[0].Purchases != tc.want.Frequency+1 {
				t.Errorf("activity purchases %d, want %d", act[0].Purchases, tc.want.Frequency+1)
			}
		})
	}
	a := Accumulator{Location: cst}
	b := Accumulator{}
	if err := a.Add(orders[0]); err != nil {
		t.Fatal(err)
	}
	if err := b.Add(orders[1]); err != nil {
		t.Fatal(err)
	}
	if err := a.Merge(&b); !errors.Is(err, crmkit.ErrInvalid) {
		t.Errorf("merging UTC+8 and UTC accumulators: %v", err)
	}
}
