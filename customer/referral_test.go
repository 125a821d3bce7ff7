package customer

import (
	"context"
	"errors"
	"testing"

	"github.com/crmkit/crmkit"
	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"
)

func custaRefBook() ([]Customer, []Order) {
	customers := []Customer{
		{ID: "A"}, {ID: "B", ReferredBy: "A"}, {ID: "C", ReferredBy: "A"},
		{ID: "D", ReferredBy: "B"}, {ID: "E", ReferredBy: "D"}, {ID: "F", ReferredBy: "P"},
	}
	d := decimal.RequireFromString
	orders := []Order{
		{ID: "1", CustomerID: "A", Time: custaDay(2026, 3, 1), Amount: d("100"), Currency: "CNY"},
		{ID: "2", CustomerID: "B", Time: custaDay(2026, 3, 1), Amount: d("150.25")},
		{ID: "3", CustomerID: "B", Time: custaDay(2026, 4, 1), Amount: d("49.75")},
		{ID: "4", CustomerID: "C", Time: custaDay(2026, 5, 1), Amount: d("50")},
		{ID: "5", CustomerID: "D", Time: custaDay(2026, 5, 1), Amount: d("40")},
		{ID: "6", CustomerID: "E", Time: custaDay(2026, 6, 1), Amount: d("10")},
		{ID: "7", CustomerID: "B", Time: custaDay(2025, 6, 1), Amount: d("1000")},
		{ID: "8", CustomerID: "F", Time: custaDay(2026, 6, 1), Amount: d("7")},
	}
	return customers, orders
}

func TestReferralValue(t *testing.T) {
	customers, orders := custaRefBook()
	from := custaDay(2026, 1, 1)
	d := decimal.RequireFromString
	// Window 2026-01-01..AsOf: B 200, C 50, D 40, E 10 (B's 1000 is outside).
	tests := []struct {
		name   string
		reason string
		policy UnknownReferrer
		opts   ReferralValueOptions
		want   []ReferralValue
	}{
		{
			name:   "decay 0.5 depth 3",
			reason: "A: 250 + 0.5·40 + 0.25·10 = 272.5; B: 40 + 0.5·10 = 45; D: 10",
			policy: UnknownReferrerDrop,
			opts:   ReferralValueOptions{From: from},
			want: []ReferralValue{
				{CustomerID: "A", Direct: 2, Network: 4, Levels: []decimal.Decimal{d("250"), d("40"), d("10")}, Value: d("272.5")},
				{CustomerID: "B", Direct: 1, Network: 2, Levels: []decimal.Decimal{d("40"), d("10")}, Value: d("45")},
				{CustomerID: "D", Direct: 1, Network: 1, Levels: []decimal.Decimal{d("10")}, Value: d("10")},
			},
		},
		{
			name:   "depth 2 decay 0.3",
			reason: "A: 250 + 0.3·40 = 262 (E is level 3, cut); decimal weights are exact",
			policy: UnknownReferrerDrop,
			opts:   ReferralValueOptions{From: from, MaxDepth: 2, Decay: 0.3},
			want: []ReferralValue{
				{CustomerID: "A", Direct: 2, Network: 3, Levels: []decimal.Decimal{d("250"), d("40")}, Value: d("262")},
				{CustomerID: "B", Direct: 1, Network: 2, Levels: []decimal.Decimal{d("40"), d("10")}, Value: d("43")},
				{CustomerID: "D", Direct: 1, Network: 1, Levels: []decimal.Decimal{d("10")}, Value: d("10")},
			},
		},
		{
			name:   "external referrer, all time, every level",
			reason: "P is an external node credited with F's 7; all-time B is 1200, so A: 1250 + 0.5·40 + 0.25·10",
			policy: UnknownReferrerExternal,
			opts:   ReferralValueOptions{MaxDepth: -1},
			want: []ReferralValue{
				{CustomerID: "A", Direct: 2, Network: 4, Levels: []decimal.Decimal{d("1250"), d("40"), d("10")}, Value: d("1272.5")},
				{CustomerID: "B", Direct: 1, Network: 2, Levels: []decimal.Decimal{d("40"), d("10")}, Value: d("45")},
				{CustomerID: "D", Direct: 1, Network: 1, Levels: []decimal.Decimal{d("10")}, Value: d("10")},
				{CustomerID: "P", External: true, Direct: 1, Network: 1, Levels: []decimal.Decimal{d("7")}, Value: d("7")},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, err := BuildReferralGraph(context.Background(), crmkit.Stream(customers), &ReferralOptions{UnknownReferrer: tt.policy})
			if err != nil {
				t.Fatal(err)
			}
			got, err := g.Value(context.Background(), custaAsOf, crmkit.Stream(orders), &tt.opts)
			if err != nil {
				t.Fatalf("%s: %v", tt.reason, err)
			}
			if diff := cmp.Diff(tt.want, got.Values, cmp.Comparer(func(a, b decimal.Decimal) bool { return a.Equal(b) })); diff != "" {
				t.Errorf("%s (-want +got):\n%s", tt.reason, diff)
			}
			if got.Orders != got.Accepted+got.OutsideWindow+got.SkippedOrders {
				t.Errorf("orders %d != accepted %d + outside %d + skipped %d", got.Orders, got.Accepted, got.OutsideWindow, got.SkippedOrders)
			}
		})
	}
}

func TestReferralGraphErrors(t *testing.T) {
	tests := []struct {
		name      string
		reason    string
		customers []Customer
		opts      *ReferralOptions
		want      []string // error texts of the joined errors
	}{
		{
			name:   "cycles and self",
			reason: "each ring is reported once from its earliest record; a tail into a ring is not a ring",
			customers: []Customer{
				{ID: "A", ReferredBy: "B"}, {ID: "B", ReferredBy: "C"}, {ID: "C", ReferredBy: "A"},
				{ID: "D", ReferredBy: "D"}, {ID: "E", ReferredBy: "F"}, {ID: "F", ReferredBy: "E"}, {ID: "G", ReferredBy: "A"},
			},
			want: []string{
				`customer refers itself: "D" (#3)`,
				`referral cycle: "A" (#0) ← "B" (#1) ← "C" (#2) ← "A"`,
				`referral cycle: "E" (#4) ← "F" (#5) ← "E"`,
			},
		},
		{
			name:      "unknown referrer",
			reason:    "by default an unknown referrer is an error",
			customers: []Customer{{ID: "A", ReferredBy: "Z"}},
			want:      []string{`customer #0 "A": field referred_by: unknown reference: referrer "Z" is not in the customer stream`},
		},
		{
			name:      "duplicate ID",
			reason:    "a repeated ID stops the build",
			customers: []Customer{{ID: "A"}, {ID: "A"}},
			want:      []string{`customer #1 "A": field id: duplicate ID`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, err := BuildReferralGraph(context.Background(), crmkit.Stream(tt.customers), tt.opts)
			if err == nil || g != nil {
				t.Fatalf("%s: got graph %v err nil", tt.reason, g)
			}
			got := []string{err.Error()}
			if _, isRef := err.(*ReferralError); !isRef {
				if j, ok := err.(interface{ Unwrap() []error }); ok {
					got = nil
					for _, e := range j.Unwrap() {
						got = append(got, e.Error())
					}
				}
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("%s (-want +got):\n%s", tt.reason, diff)
			}
		})
	}
	_, err := BuildReferralGraph(context.Background(), crmkit.Stream([]Customer{{ID: "A", ReferredBy: "B"}, {ID: "B", ReferredBy: "A"}}), nil)
	var re *ReferralError
	if !errors.As(err, &re) || !errors.Is(err, ErrReferralCycle) || !errors.Is(err, crmkit.ErrInvalid) {
		t.Errorf("err = %v: want a *ReferralError matching ErrReferralCycle and ErrInvalid", err)
	}
}

func TestReferralGraphAccessors(t *testing.T) {
	customers, _ := custaRefBook()
	g, err := BuildReferralGraph(context.Background(), crmkit.Stream(customers), &ReferralOptions{UnknownReferrer: UnknownReferrerDrop})
	if err != nil {
		t.Fatal(err)
	}
	if r, ok := g.Referrer("D"); r != "B" || !ok {
		t.Errorf("Referrer(D) = %q %v, want B true", r, ok)
	}
	if _, ok := g.Referrer("A"); ok {
		t.Error("Referrer(A) found one")
	}
	if diff := cmp.Diff([]string{"B", "C"}, g.Referred("A")); diff != "" {
		t.Errorf("Referred(A) (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"F"}, g.Dropped()); diff != "" {
		t.Errorf("Dropped (-want +got):\n%s", diff)
	}
	if g.Len() != 6 || g.Referred("nobody") != nil {
		t.Errorf("Len %d, want 6", g.Len())
	}
}

func TestReferralValueBadOrders(t *testing.T) {
	customers, _ := custaRefBook()
	g, err := BuildReferralGraph(context.Background(), crmkit.Stream(customers), &ReferralOptions{UnknownReferrer: UnknownReferrerExternal})
	if err != nil {
		t.Fatal(err)
	}
	bad := []Order{
		{ID: "1", CustomerID: "P", Time: custaDay(2026, 1, 1)},
		{ID: "2", CustomerID: "A", Time: custaDay(2027, 1, 1)},
		{ID: "3", CustomerID: "A", Time: custaDay(2026, 1, 1), Currency: "USD"},
		{ID: "4", CustomerID: "A", Time: custaDay(2026, 1, 1), Currency: "EUR"},
		{ID: "5", CustomerID: "A"},
	}
	if _, err := g.Value(context.Background(), custaAsOf, crmkit.Stream(bad), nil); !errors.Is(err, crmkit.ErrUnknownRef) {
		t.Errorf("err = %v, want ErrUnknownRef (an external node has no orders)", err)
	}
	got, err := g.Value(context.Background(), custaAsOf, crmkit.Stream(bad), &ReferralValueOptions{SkipInvalid: true})
	if err != nil || got.SkippedOrders != 4 || got.Accepted != 1 {
		t.Errorf("skip: err %v skipped %d accepted %d, want nil 4 1", err, got.SkippedOrders, got.Accepted)
	}
	for _, opts := range []*ReferralValueOptions{{Decay: 1.5}, {Decay: -1}, {From: custaDay(2027, 1, 1)}} {
		if _, err := g.Value(context.Background(), custaAsOf, nil, opts); err == nil {
			t.Errorf("Value(%+v) = nil error", opts)
		}
	}
}
