package customer

import (
	"context"
	"errors"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/crmkit/crmkit"
	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"
)

func refBook() ([]Customer, []Order) {
	customers := []Customer{
		{ID: "A"}, {ID: "B", ReferredBy: "A"}, {ID: "C", ReferredBy: "A"},
		{ID: "D", ReferredBy: "B"}, {ID: "E", ReferredBy: "D"}, {ID: "F", ReferredBy: "P"},
	}
	d := decimal.RequireFromString
	orders := []Order{
		{ID: "1", CustomerID: "A", Time: testDay(2026, 3, 1), Amount: d("100"), Currency: "CNY"},
		{ID: "2", CustomerID: "B", Time: testDay(2026, 3, 1), Amount: d("150.25")},
		{ID: "3", CustomerID: "B", Time: testDay(2026, 4, 1), Amount: d("49.75")},
		{ID: "4", CustomerID: "C", Time: testDay(2026, 5, 1), Amount: d("50")},
		{ID: "5", CustomerID: "D", Time: testDay(2026, 5, 1), Amount: d("40")},
		{ID: "6", CustomerID: "E", Time: testDay(2026, 6, 1), Amount: d("10")},
		{ID: "7", CustomerID: "B", Time: testDay(2025, 6, 1), Amount: d("1000")},
		{ID: "8", CustomerID: "F", Time: testDay(2026, 6, 1), Amount: d("7")},
	}
	return customers, orders
}

func TestReferralValue(t *testing.T) {
	customers, orders := refBook()
	from := testDay(2026, 1, 1)
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
			got, err := g.Value(context.Background(), testAsOf, crmkit.Stream(orders), &tt.opts)
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
	customers, _ := refBook()
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
	customers, _ := refBook()
	g, err := BuildReferralGraph(context.Background(), crmkit.Stream(customers), &ReferralOptions{UnknownReferrer: UnknownReferrerExternal})
	if err != nil {
		t.Fatal(err)
	}
	bad := []Order{
		{ID: "1", CustomerID: "P", Time: testDay(2026, 1, 1)},
		{ID: "2", CustomerID: "A", Time: testDay(2027, 1, 1)},
		{ID: "3", CustomerID: "A", Time: testDay(2026, 1, 1), Currency: "USD"},
		{ID: "4", CustomerID: "A", Time: testDay(2026, 1, 1), Currency: "EUR"},
		{ID: "5", CustomerID: "A"},
	}
	if _, err := g.Value(context.Background(), testAsOf, crmkit.Stream(bad), nil); !errors.Is(err, crmkit.ErrUnknownRef) {
		t.Errorf("err = %v, want ErrUnknownRef (an external node has no orders)", err)
	}
	got, err := g.Value(context.Background(), testAsOf, crmkit.Stream(bad), &ReferralValueOptions{SkipInvalid: true})
	if err != nil || got.SkippedOrders != 4 || got.Accepted != 1 {
		t.Errorf("skip: err %v skipped %d accepted %d, want nil 4 1", err, got.SkippedOrders, got.Accepted)
	}
	for _, opts := range []*ReferralValueOptions{{Decay: 1.5}, {Decay: -1}, {From: testDay(2027, 1, 1)}} {
		if _, err := g.Value(context.Background(), testAsOf, nil, opts); err == nil {
			t.Errorf("Value(%+v) = nil error", opts)
		}
	}
}

// TestReferralValueLongChain: Value over unlimited depth walked every
// ancestor of every node, O(n²) on a chain (a 3,000-long chain took 14 s,
// 200,000 did not finish). It must now be linear and still exact where the
// sums are exact.
func TestReferralValueLongChain(t *testing.T) {
	n := 200_000
	if testing.Short() {
		n = 20_000
	}
	cs := make([]Customer, n)
	os := make([]Order, n)
	for i := range cs {
		cs[i].ID = fmt.Sprint("C", i)
		if i > 0 {
			cs[i].ReferredBy = cs[i-1].ID
		}
		os[i] = Order{ID: fmt.Sprint("O", i), CustomerID: cs[i].ID, Time: testAsOf.Add(-time.Hour), Amount: decimal.NewFromInt(1)}
	}
	g, err := BuildReferralGraph(context.Background(), crmkit.Stream(cs), nil)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name        string
		reason      string
		opts        ReferralValueOptions
		wantNetwork int
		wantValue   decimal.Decimal
		tol         decimal.Decimal
	}{
		{name: "unlimited decay 1", reason: "every other customer counts fully", opts: ReferralValueOptions{MaxDepth: -1, Decay: 1},
			wantNetwork: n - 1, wantValue: decimal.NewFromInt(int64(n - 1))},
		{name: "depth 1000 decay 1", reason: "levels below 1000 are cut", opts: ReferralValueOptions{MaxDepth: 1000, Decay: 1},
			wantNetwork: 1000, wantValue: decimal.NewFromInt(1000)},
		{name: "unlimited decay 0.5", reason: "Σ 0.5^k = 2 - 2^-(n-2), rounded at 24 places per level", opts: ReferralValueOptions{MaxDepth: -1, Decay: 0.5},
			wantNetwork: n - 1, wantValue: decimal.NewFromInt(2), tol: decimal.New(1, -18)},
		{name: "huge depth", reason: "a depth beyond the graph is every level", opts: ReferralValueOptions{MaxDepth: math.MaxInt, Decay: 1},
			wantNetwork: n - 1, wantValue: decimal.NewFromInt(int64(n - 1))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := g.Value(context.Background(), testAsOf, crmkit.Stream(os), &tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Values) != n-1 {
				t.Fatalf("%d values, want %d", len(res.Values), n-1)
			}
			root := res.Values[0]
			if root.CustomerID != "C0" || root.Network != tt.wantNetwork || len(root.Levels) != MaxReferralLevels ||
				root.Value.Sub(tt.wantValue).Abs().GreaterThan(tt.tol) {
				t.Errorf("%s: root = %s network %d, %d levels; want C0 network %d value %s ± %s, %d levels",
					tt.reason, root.CustomerID, root.Network, len(root.Levels), tt.wantNetwork, tt.wantValue, tt.tol, MaxReferralLevels)
			}
		})
	}
}

// TestReferralErrorLongRing: the error text named every record of a ring
// (37,800 characters for 2,000 customers). It names ten and counts the
// rest; IDs and Indexes keep them all.
func TestReferralErrorLongRing(t *testing.T) {
	ring := func(n int) []Customer {
		cs := make([]Customer, n)
		for i := range cs {
			cs[i] = Customer{ID: fmt.Sprint("C", i), ReferredBy: fmt.Sprint("C", (i+1)%n)}
		}
		return cs
	}
	tests := []struct {
		name   string
		reason string
		n      int
		want   string
	}{
		{name: "ten", reason: "ten records are all named", n: 10,
			want: `referral cycle: "C0" (#0) ← "C1" (#1) ← "C2" (#2) ← "C3" (#3) ← "C4" (#4) ← "C5" (#5) ← "C6" (#6) ← "C7" (#7) ← "C8" (#8) ← "C9" (#9) ← "C0"`},
		{name: "eleven", reason: "the eleventh is counted", n: 11,
			want: `referral cycle: "C0" (#0) ← "C1" (#1) ← "C2" (#2) ← "C3" (#3) ← "C4" (#4) ← "C5" (#5) ← "C6" (#6) ← "C7" (#7) ← "C8" (#8) ← "C9" (#9) ← … 1 more`},
		{name: "2000", reason: "a long ring stays short", n: 2000,
			want: `referral cycle: "C0" (#0) ← "C1" (#1) ← "C2" (#2) ← "C3" (#3) ← "C4" (#4) ← "C5" (#5) ← "C6" (#6) ← "C7" (#7) ← "C8" (#8) ← "C9" (#9) ← … 1990 more`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := BuildReferralGraph(context.Background(), crmkit.Stream(ring(tt.n)), nil)
			var re *ReferralError
			if !errors.As(err, &re) {
				t.Fatalf("err = %v, want a *ReferralError", err)
			}
			if diff := cmp.Diff(tt.want, re.Error()); diff != "" {
				t.Errorf("%s (-want +got):\n%s", tt.reason, diff)
			}
			if len(re.IDs) != tt.n || len(re.Indexes) != tt.n || re.IDs[tt.n-1] != fmt.Sprint("C", tt.n-1) {
				t.Errorf("%s: IDs %d, Indexes %d, want all %d", tt.reason, len(re.IDs), len(re.Indexes), tt.n)
			}
		})
	}
}
