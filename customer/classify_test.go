package customer

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/crmkit/crmkit"
	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"
)

func TestClassify(t *testing.T) {
	// AsOf 2026-06-30 12:00 UTC. Orders at 10:00 on the given days.
	customers := []Customer{
		{ID: "A", Level: "bronze", Source: "web", Created: testDay(2024, 1, 1), Attributes: map[string]string{"employees": "250"}},
		{ID: "B", Level: "silver", Source: "referral", ReferredBy: "A", Created: testDay(2026, 5, 1), Tags: []string{"vip"}},
		{ID: "C", Source: "referral", ReferredBy: "A", Created: testDay(2025, 1, 1)},
		{ID: "D", Source: "fair", Created: testDay(2026, 6, 29)},
	}
	amt := decimal.RequireFromString
	orders := []Order{
		{ID: "1", CustomerID: "A", Time: testDay(2026, 6, 1), Amount: amt("600.00"), Currency: "CNY"},
		{ID: "2", CustomerID: "A", Time: testDay(2026, 3, 1), Amount: amt("500.50"), Currency: "CNY"},
		{ID: "3", CustomerID: "A", Time: testDay(2025, 1, 1), Amount: amt("9000"), Currency: "CNY"},
		{ID: "4", CustomerID: "B", Time: testDay(2026, 6, 20), Amount: amt("99.99")},
		{ID: "5", CustomerID: "B", Time: testDay(2026, 6, 21), Amount: amt("-20.00"), Currency: "cny"},
		{ID: "6", CustomerID: "C", Time: testDay(2025, 6, 30), Amount: amt("10")},
	}
	interactions := []Interaction{
		{ID: "i1", CustomerID: "C", Time: testDay(2026, 6, 25)},
		{ID: "i2", CustomerID: "C", Time: testDay(2026, 1, 1)},
		{ID: "i3", CustomerID: "A", Time: testDay(2025, 12, 1)},
	}
	tests := []struct {
		name   string
		reason string
		rules  []Rule
		want   []Assignment
	}{
		{
			name:   "spend window and precedence",
			reason: "A spent 1100.50 in the last 180 days (the 9000 is older), so gold; B spent 79.99 net; first level-setting rule wins",
			rules: []Rule{
				{Name: "gold", Level: "gold", When: []Condition{{Metric: MetricSpend, Op: ">=", Value: "1000", WindowDays: 180}}},
				{Name: "all-time-big", Level: "platinum", When: []Condition{{Metric: MetricSpend, Op: ">=", Value: "10000"}}},
				{Name: "buyer", Level: "silver", When: []Condition{{Metric: MetricOrders, Op: ">=", Value: "1", WindowDays: 30}}},
				{Name: "rest", Level: "basic"},
			},
			want: []Assignment{
				{CustomerID: "A", Level: "gold", LevelRule: "gold", PreviousLevel: "bronze", Matched: []string{"gold", "all-time-big", "buyer", "rest"}},
				{CustomerID: "B", Level: "silver", LevelRule: "buyer", PreviousLevel: "silver", Matched: []string{"buyer", "rest"}},
				{CustomerID: "C", Level: "basic", LevelRule: "rest", Matched: []string{"rest"}},
				{CustomerID: "D", Level: "basic", LevelRule: "rest", Matched: []string{"rest"}},
			},
		},
		{
			name:   "recency, referrals, tags",
			reason: "A last bought 29 days ago (Jun 1 10:00 to Jun 30 12:00); C last bought 365 days ago; D never bought (infinitely long); A brought B and C, one of them in the last 90 days; last contact of C 5 days ago",
			rules: []Rule{
				{Name: "lapsed", Tags: []string{"win-back"}, When: []Condition{{Metric: MetricDaysSincePurchase, Op: ">", Value: "180"}}},
				{Name: "recent", Tags: []string{"active"}, When: []Condition{{Metric: MetricDaysSincePurchase, Op: "<=", Value: "29"}}},
				{Name: "ambassador", Tags: []string{"ambassador", "active"}, When: []Condition{{Metric: MetricReferrals, Op: ">=", Value: "2"}, {Metric: MetricReferrals, Op: "==", Value: "1", WindowDays: 90}}},
				{Name: "touched", Tags: []string{"touched"}, When: []Condition{{Metric: MetricDaysSinceContact, Op: "<", Value: "7"}}},
			},
			want: []Assignment{
				{CustomerID: "A", PreviousLevel: "bronze", Tags: []TagAssignment{{"active", "recent"}, {"ambassador", "ambassador"}}, Matched: []string{"recent", "ambassador"}},
				{CustomerID: "B", PreviousLevel: "silver", Tags: []TagAssignment{{"active", "recent"}}, Matched: []string{"recent"}},
				{CustomerID: "C", Tags: []TagAssignment{{"win-back", "lapsed"}, {"touched", "touched"}}, Matched: []string{"lapsed", "touched"}},
				{CustomerID: "D", Tags: []TagAssignment{{"win-back", "lapsed"}}, Matched: []string{"lapsed"}},
			},
		},
		{
			name:   "source, level, tag, attribute, age",
			reason: "string metrics compare exactly; attribute 250 > 100 numerically; D is 1 day old (Jun 29 10:00 to Jun 30 12:00)",
			rules: []Rule{
				{Name: "ref", Tags: []string{"referred"}, When: []Condition{{Metric: MetricSource, Op: "==", Value: "referral"}}},
				{Name: "was-silver", Tags: []string{"kept"}, When: []Condition{{Metric: MetricLevel, Op: "==", Value: "silver"}, {Metric: MetricTag, Op: "==", Value: "vip"}}},
				{Name: "big-firm", Tags: []string{"enterprise"}, When: []Condition{{Metric: MetricAttribute, Key: "employees", Op: ">", Value: "100"}}},
				{Name: "new", Tags: []string{"new"}, When: []Condition{{Metric: MetricAgeDays, Op: "<=", Value: "1"}, {Metric: MetricTag, Op: "!=", Value: "vip"}}},
			},
			want: []Assignment{
				{CustomerID: "A", PreviousLevel: "bronze", Tags: []TagAssignment{{"enterprise", "big-firm"}}, Matched: []string{"big-firm"}},
				{CustomerID: "B", PreviousLevel: "silver", Tags: []TagAssignment{{"referred", "ref"}, {"kept", "was-silver"}}, Matched: []string{"ref", "was-silver"}},
				{CustomerID: "C", Tags: []TagAssignment{{"referred", "ref"}}, Matched: []string{"ref"}},
				{CustomerID: "D", Tags: []TagAssignment{{"new", "new"}}, Matched: []string{"new"}},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Classify(context.Background(), testAsOf, tt.rules, crmkit.Stream(customers), crmkit.Stream(orders), crmkit.Stream(interactions), nil)
			if err != nil {
				t.Fatalf("%s: %v", tt.reason, err)
			}
			if diff := cmp.Diff(tt.want, got.Assignments); diff != "" {
				t.Errorf("%s (-want +got):\n%s", tt.reason, diff)
			}
			if got.Currency != "CNY" {
				t.Errorf("currency %q, want CNY", got.Currency)
			}
			if _, err := json.Marshal(got); err != nil {
				t.Error(err)
			}
		})
	}
}

func TestClassifyBadRecords(t *testing.T) {
	rules := []Rule{{Name: "all", Level: "x"}}
	customers := []Customer{{ID: "A"}, {ID: "A"}, {ID: ""}}
	orders := []Order{
		{ID: "1", CustomerID: "A", Time: testDay(2026, 1, 1), Currency: "USD"},
		{ID: "2", CustomerID: "Z", Time: testDay(2026, 1, 1)},
		{ID: "3", CustomerID: "A", Time: testDay(2027, 1, 1)},
		{ID: "4", CustomerID: "A", Time: testDay(2026, 1, 1), Currency: "EUR"},
		{ID: "5", CustomerID: "A"},
	}
	tests := []struct {
		name    string
		reason  string
		opts    *ClassifyOptions
		wantErr error
		want    map[string]int
	}{
		{name: "stop", reason: "by default the first bad record stops Classify", wantErr: crmkit.ErrDuplicate},
		{name: "skip", reason: "SkipInvalid counts every bad record", opts: &ClassifyOptions{SkipInvalid: true}, want: map[string]int{KindCustomer: 2, KindOrder: 4}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Classify(context.Background(), testAsOf, rules, crmkit.Stream(customers), crmkit.Stream(orders), nil, tt.opts)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("%s: err = %v, want %v", tt.reason, err, tt.wantErr)
			}
			if err != nil {
				return
			}
			if diff := cmp.Diff(tt.want, got.SkippedRecords); diff != "" {
				t.Errorf("%s (-want +got):\n%s", tt.reason, diff)
			}
			for k, n := range got.Records {
				if n != got.Accepted[k]+got.SkippedRecords[k] {
					t.Errorf("%s: records %d != accepted %d + skipped %d", k, n, got.Accepted[k], got.SkippedRecords[k])
				}
			}
			if len(got.Skipped) != 6 || len(got.Assignments) != 1 {
				t.Errorf("skipped %d assignments %d, want 6 and 1", len(got.Skipped), len(got.Assignments))
			}
		})
	}
}

func TestValidateRules(t *testing.T) {
	tests := []struct {
		name   string
		reason string
		rules  []Rule
		want   []error // sentinels that must all be present
	}{
		{name: "ok", reason: "a valid rule", rules: []Rule{{Name: "a", Level: "x", When: []Condition{{Metric: MetricSpend, Op: ">", Value: "1.5"}}}}},
		{name: "no name", reason: "rules need a name", rules: []Rule{{Level: "x"}}, want: []error{crmkit.ErrMissing}},
		{name: "dup", reason: "names are unique", rules: []Rule{{Name: "a", Level: "x"}, {Name: "a", Level: "y"}}, want: []error{crmkit.ErrDuplicate}},
		{name: "assigns nothing", reason: "a rule must assign something", rules: []Rule{{Name: "a"}}, want: []error{crmkit.ErrMissing}},
		{name: "bad cond", reason: "bad operator, value, metric, window, key, string ordering", rules: []Rule{{Name: "a", Tags: []string{"t"}, When: []Condition{
			{Metric: MetricSpend, Op: "~", Value: "1"},
			{Metric: MetricSpend, Op: ">", Value: "lots"},
			{Metric: MetricOrders, Op: ">", Value: "1.5"},
			{Metric: "mood", Op: ">", Value: "1"},
			{Metric: MetricOrders, Op: ">", Value: "1", WindowDays: -1},
			{Metric: MetricAttribute, Op: "==", Value: "1"},
			{Metric: MetricSource, Op: ">", Value: "web"},
		}}}, want: []error{crmkit.ErrInvalid, crmkit.ErrMissing}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ValidateRules(tt.rules)
			if (err != nil) != (len(tt.want) > 0) {
				t.Fatalf("%s: err = %v", tt.reason, err)
			}
			for _, w := range tt.want {
				if !errors.Is(err, w) {
					t.Errorf("%s: err = %v, want %v in it", tt.reason, err, w)
				}
			}
		})
	}
	err := ValidateRules([]Rule{{Name: "a", Tags: []string{"t"}, When: []Condition{{Metric: MetricSpend, Op: "~", Value: "x"}, {Metric: "m", Op: ">"}}}})
	if n := len(err.(interface{ Unwrap() []error }).Unwrap()); n != 3 {
		t.Errorf("got %d joined errors, want 3 (every problem at once): %v", n, err)
	}
}

func TestCustaSum(t *testing.T) {
	tests := []struct {
		name   string
		reason string
		in     []string
		want   string
	}{
		{name: "cents", reason: "fast path", in: []string{"0.10", "0.20", "-0.05"}, want: "0.25"},
		{name: "fine", reason: "more than four places falls back to decimal", in: []string{"0.00001", "1"}, want: "1.00001"},
		{name: "huge", reason: "beyond int64 falls back to decimal", in: []string{"9000000000000000", "9000000000000000", "1e30"}, want: "1000000000000018000000000000000"},
		{name: "overflow", reason: "the running sum overflowing int64 at 4 places moves to decimal", in: []string{"900000000000000", "900000000000000"}, want: "1800000000000000"},
		{name: "positive exponent", reason: "1e6 is a whole number with exponent 6", in: []string{"1e6", "2"}, want: "1000002"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var s moneySum
			for _, v := range tt.in {
				s.add(decimal.RequireFromString(v))
			}
			if got := s.value(); !got.Equal(decimal.RequireFromString(tt.want)) {
				t.Errorf("%s: got %s, want %s", tt.reason, got, tt.want)
			}
		})
	}
}
