package sqlitehost

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/crmkit/crmkit/customer"
	"github.com/crmkit/crmkit/funnel"
	"github.com/shopspring/decimal"
)

// seedBook writes a book of n customers spread over reps, with interactions,
// open and closed deals, into s.
func seedBook(t *testing.T, s *Store, n int, reps []string, asOf time.Time) {
	t.Helper()
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(7, 11))
	var cs []customer.Customer
	var is []customer.Interaction
	var ds []funnel.Deal
	for i := range n {
		c := customer.Customer{ID: fmt.Sprintf("C%04d", i), Owner: reps[rng.IntN(len(reps))], Created: asOf.AddDate(0, 0, -400+rng.IntN(300)), Level: []string{"A", "B", "C"}[rng.IntN(3)]}
		if rng.IntN(4) == 0 {
			c.Tags = []string{"north"}
		}
		cs = append(cs, c)
		for j := range rng.IntN(3) {
			at := c.Created.AddDate(0, 0, rng.IntN(90))
			in := customer.Interaction{ID: fmt.Sprintf("I%04d-%d", i, j), CustomerID: c.ID, Rep: c.Owner, Time: at}
			if rng.IntN(2) == 0 {
				in.NextContact = asOf.AddDate(0, 0, rng.IntN(20))
			}
			is = append(is, in)
		}
		if rng.IntN(3) == 0 {
			d := funnel.Deal{ID: fmt.Sprintf("D%04d", i), Pipeline: "p", CustomerID: c.ID, Owner: c.Owner, Amount: decimal.NewFromInt(int64(100 + rng.IntN(900))), Created: c.Created, Stage: "lead"}
			if rng.IntN(2) == 0 {
				d.Stage, d.Closed = "won", c.Created.AddDate(0, 1, 0)
			}
			ds = append(ds, d)
		}
	}
	if err := errors.Join(s.InsertCustomers(ctx, cs), s.InsertInteractions(ctx, is), s.InsertDeals(ctx, ds)); err != nil {
		t.Fatal(err)
	}
}

func TestHandoverAppliedInSQLLosesNothing(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t)
	asOf := time.Date(2026, 6, 30, 12, 0, 0, 0, time.UTC)
	reps := []string{"ann", "bob", "cai", "dee"}
	seedBook(t, s, 600, reps, asOf)
	before, err := s.OwnerCounts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	capacity := customer.CapacityFunc(func(_ context.Context, rep string) (int, error) {
		if rep == "cai" {
			return before["cai"] + 10, nil // cai can take only ten more
		}
		return customer.NoCapacityLimit, nil
	})
	plan, err := customer.PlanHandover(ctx, asOf, "ann", []string{"bob", "cai", "dee"}, customer.HandoverInput{
		Customers: s.Customers(ctx), Deals: s.DealRefs(ctx), FollowUps: s.PendingFollowUps(ctx, asOf),
	}, &customer.HandoverOptions{Policy: customer.HandoverLeastLoaded, Capacity: capacity,
		Routes: []customer.HandoverRoute{{Name: "north", Tag: "north", Reps: []string{"dee"}}}})
	if err != nil {
		t.Fatal(err)
	}
	if plan.Moving != before["ann"] {
		t.Fatalf("plan moves %d customers, ann owns %d", plan.Moving, before["ann"])
	}
	if err := customer.VerifyHandover(ctx, s.Customers(ctx), plan, capacity); err != nil {
		t.Fatalf("plan does not verify against the database: %v", err)
	}
	moved, err := s.ApplyHandover(ctx, plan)
	if err != nil {
		t.Fatal(err)
	}
	if moved != len(plan.Assignments) {
		t.Errorf("moved %d, plan places %d", moved, len(plan.Assignments))
	}
	after, err := s.OwnerCounts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	total := func(m map[string]int) (n int) {
		for _, v := range m {
			n += v
		}
		return n
	}
	if total(after) != total(before) {
		t.Errorf("book has %d customers after, %d before", total(after), total(before))
	}
	if after["ann"] != len(plan.Unplaced) {
		t.Errorf("ann still owns %d customers, plan left %d unplaced", after["ann"], len(plan.Unplaced))
	}
	if after["cai"] > before["cai"]+10 {
		t.Errorf("cai owns %d, capacity %d", after["cai"], before["cai"]+10)
	}
	// Every customer has exactly one owner row, and each move left an audit row.
	var rows, audited, carried int
	if err := s.DB().QueryRowContext(ctx, `SELECT COUNT(*), COUNT(DISTINCT id) FROM customers`).Scan(&rows, &audited); err != nil || rows != audited {
		t.Fatalf("customers rows %d, distinct %d, err %v", rows, audited, err)
	}
	if err := s.DB().QueryRowContext(ctx, `SELECT COUNT(*) FROM owner_changes WHERE old_owner = 'ann'`).Scan(&audited); err != nil || audited != moved {
		t.Errorf("audit rows %d, moved %d (err %v)", audited, moved, err)
	}
	// Carried open deals now belong to the new owner.
	if err := s.DB().QueryRowContext(ctx, `SELECT COUNT(*) FROM deals d JOIN customers c ON c.id = d.customer_id WHERE d.closed = '' AND d.owner <> c.owner AND d.owner = 'ann' AND c.owner <> 'ann'`).Scan(&carried); err != nil || carried != 0 {
		t.Errorf("%d open deals left with ann after their customer moved (err %v)", carried, err)
	}
	// Applying the same plan again is stale and changes nothing.
	if _, err := s.ApplyHandover(ctx, plan); !errors.Is(err, ErrStale) && len(plan.Assignments) > 0 {
		t.Errorf("re-applying: err = %v, want ErrStale", err)
	}
	again, _ := s.OwnerCounts(ctx)
	for rep, n := range after {
		if again[rep] != n {
			t.Errorf("a rejected plan changed %s's book: %d -> %d", rep, n, again[rep])
		}
	}
}

func TestReclaimAppliedInSQL(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t)
	asOf := time.Date(2026, 6, 30, 12, 0, 0, 0, time.UTC)
	seedBook(t, s, 300, []string{"ann", "bob"}, asOf)
	before, _ := s.OwnerCounts(ctx)
	plan, err := customer.PlanReclaim(ctx, asOf, customer.ReclaimInput{
		Customers: s.Customers(ctx), Interactions: s.Interactions(ctx), Orders: s.Orders(ctx), Deals: s.DealRefs(ctx),
	}, []customer.ReclaimRule{{Kind: customer.ReclaimNoFollowUp, Days: 120, WarnDays: 14}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if plan.Reclaimed == 0 || plan.Kept+plan.Warned == 0 {
		t.Fatalf("test book should give both reclaims and keeps: %+v", plan)
	}
	n, err := s.ApplyReclaim(ctx, plan)
	if err != nil {
		t.Fatal(err)
	}
	after, _ := s.OwnerCounts(ctx)
	if n != plan.Reclaimed || after[""] != before[""]+plan.Reclaimed {
		t.Errorf("reclaimed %d, plan %d, pool %d -> %d", n, plan.Reclaimed, before[""], after[""])
	}
	if after["ann"]+after["bob"]+after[""] != before["ann"]+before["bob"]+before[""] {
		t.Errorf("customers lost: before %v after %v", before, after)
	}
}
