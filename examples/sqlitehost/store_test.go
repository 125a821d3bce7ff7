package sqlitehost

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/crmkit/crmkit"
	"github.com/crmkit/crmkit/customer"
	"github.com/crmkit/crmkit/funnel"
	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"
)

func openTemp(t *testing.T) *Store {
	t.Helper()
	s, err := Open(context.Background(), filepath.Join(t.TempDir(), "crm.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestRoundTripThroughCursors(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t)
	t0 := time.Date(2026, 3, 1, 9, 30, 0, 123, time.UTC)
	cs := []customer.Customer{
		{ID: "C1", Name: "王芳", Owner: "r1", Created: t0, Level: "A", Tags: []string{"vip"}, Birthday: customer.Birthday{Calendar: customer.Lunar, Month: 8, Day: 15}, Attributes: map[string]string{"region": "east"}},
		{ID: "C2", Name: "Ann Lee", Created: t0.Add(time.Hour), Email: "ann@example.com"},
	}
	os := []customer.Order{{ID: "O1", CustomerID: "C1", Time: t0.Add(48 * time.Hour), Amount: decimal.RequireFromString("1234.5678"), Currency: "CNY", Quantity: 2.5, Product: "tea"}}
	is := []customer.Interaction{{ID: "I1", CustomerID: "C2", Rep: "r1", Time: t0, Channel: "call", NextContact: t0.AddDate(0, 0, 7)}}
	if err := s.InsertCustomers(ctx, cs); err != nil {
		t.Fatal(err)
	}
	if err := s.InsertOrders(ctx, os); err != nil {
		t.Fatal(err)
	}
	if err := s.InsertInteractions(ctx, is); err != nil {
		t.Fatal(err)
	}
	gotC, err := crmkit.Collect(s.Customers(ctx))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(cs, gotC); diff != "" {
		t.Errorf("customers did not survive the database (-want +got):\n%s", diff)
	}
	gotO, err := crmkit.Collect(s.Orders(ctx))
	if err != nil {
		t.Fatal(err)
	}
	if len(gotO) != 1 || !gotO[0].Amount.Equal(os[0].Amount) || !gotO[0].Time.Equal(os[0].Time) {
		t.Errorf("orders = %+v, want %+v", gotO, os)
	}
	gotI, err := crmkit.Collect(s.Interactions(ctx))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(is, gotI); diff != "" {
		t.Errorf("interactions (-want +got):\n%s", diff)
	}
}

func TestStreamStopsEarlyAndClosesCursor(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t)
	var cs []customer.Customer
	for i := range 50 {
		cs = append(cs, customer.Customer{ID: string(rune('A'+i%26)) + string(rune('a'+i/26)), Created: time.Unix(0, 0).UTC()})
	}
	if err := s.InsertCustomers(ctx, cs); err != nil {
		t.Fatal(err)
	}
	s.DB().SetMaxOpenConns(1) // a leaked cursor would block the next query forever
	n := 0
	for _, err := range s.Customers(ctx) {
		if err != nil {
			t.Fatal(err)
		}
		if n++; n == 3 {
			break
		}
	}
	counts, err := s.OwnerCounts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if counts[""] != 50 {
		t.Errorf("pool holds %d customers, want 50", counts[""])
	}
}

func TestDealsAndStageChangesRoundTrip(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t)
	t0 := time.Date(2026, 1, 5, 8, 0, 0, 0, time.UTC)
	deals := []funnel.Deal{
		{ID: "D1", Pipeline: "p", CustomerID: "C1", Owner: "r1", Amount: decimal.RequireFromString("5000.25"), Currency: "EUR", Created: t0, Closed: t0.AddDate(0, 1, 0), Stage: "won", Attributes: map[string]string{"source": "web"}},
		{ID: "D2", Pipeline: "p", Owner: "r2", Amount: decimal.NewFromInt(10), Created: t0, ExpectedClose: t0.AddDate(0, 2, 0), Stage: "lead", LastActivity: t0.AddDate(0, 0, 3)},
	}
	changes := []funnel.StageChange{
		{DealID: "D1", From: "lead", To: "proposal", Time: t0.AddDate(0, 0, 5), Owner: "r1"},
		{DealID: "D1", From: "proposal", To: "won", Time: t0.AddDate(0, 1, 0), Owner: "r1"},
	}
	if err := s.InsertDeals(ctx, deals); err != nil {
		t.Fatal(err)
	}
	if err := s.InsertStageChanges(ctx, changes); err != nil {
		t.Fatal(err)
	}
	gotD, err := crmkit.Collect(s.Deals(ctx))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(deals, gotD, cmp.Comparer(func(a, b decimal.Decimal) bool { return a.Equal(b) })); diff != "" {
		t.Errorf("deals (-want +got):\n%s", diff)
	}
	gotC, err := crmkit.Collect(s.StageChanges(ctx))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(changes, gotC); diff != "" {
		t.Errorf("stage changes (-want +got):\n%s", diff)
	}
}
