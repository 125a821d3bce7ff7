package sqlitehost

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"iter"
	"time"

	"github.com/crmkit/crmkit/customer"
)

// ErrStale is returned when a plan no longer matches the database: a
// customer's owner changed between planning and applying. Nothing of the plan
// is applied then; plan again.
var ErrStale = errors.New("sqlitehost: plan is stale")

// DealRefs streams what the customer package needs to know about each deal,
// ordered by customer. A deal is open while its closed time is empty.
func (s *Store) DealRefs(ctx context.Context) iter.Seq2[customer.DealRef, error] {
	return query(ctx, s.db, `SELECT id, customer_id, closed FROM deals WHERE customer_id <> '' ORDER BY customer_id, id`, func(r *sql.Rows) (customer.DealRef, error) {
		var d customer.DealRef
		var closed string
		if err := r.Scan(&d.ID, &d.CustomerID, &closed); err != nil {
			return d, err
		}
		var err error
		d.Closed, err = parseTime(closed)
		d.Open = closed == ""
		return d, err
	})
}

// PendingFollowUps streams the interactions whose next contact is still ahead
// of asOf: the follow-ups a handover carries to the new owner.
func (s *Store) PendingFollowUps(ctx context.Context, asOf time.Time) iter.Seq2[customer.Interaction, error] {
	return filter(s.Interactions(ctx), func(in customer.Interaction) bool {
		return !in.NextContact.IsZero() && !in.NextContact.Before(asOf)
	})
}

func filter[T any](seq iter.Seq2[T, error], keep func(T) bool) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		for v, err := range seq {
			if err != nil || keep(v) {
				if !yield(v, err) {
					return
				}
			}
		}
	}
}

// ApplyHandover applies a handover plan in one transaction: each placed
// customer moves from the leaving rep to its new owner (only if the leaving
// rep still owns it, else the whole plan is rolled back with [ErrStale]), the
// carried open deals and pending follow-ups move with it, and every move is
// written to owner_changes. Unplaced customers stay with the leaving rep for
// the host to resolve. It returns the number of customers moved.
func (s *Store) ApplyHandover(ctx context.Context, plan customer.HandoverPlan) (int, error) {
	moved := 0
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		at := fmtTime(plan.AsOf)
		for _, a := range plan.Assignments {
			if a.To == "" {
				continue
			}
			res, err := tx.ExecContext(ctx, `UPDATE customers SET owner = ? WHERE id = ? AND owner = ?`, a.To, a.CustomerID, a.From)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n != 1 {
				return fmt.Errorf("%w: customer %q is no longer owned by %q", ErrStale, a.CustomerID, a.From)
			}
			for _, id := range a.Deals {
				if _, err := tx.ExecContext(ctx, `UPDATE deals SET owner = ? WHERE id = ?`, a.To, id); err != nil {
					return err
				}
			}
			for _, id := range a.FollowUps {
				if _, err := tx.ExecContext(ctx, `UPDATE interactions SET rep = ? WHERE id = ?`, a.To, id); err != nil {
					return err
				}
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO owner_changes(customer_id, old_owner, new_owner, reason, at) VALUES(?,?,?,?,?)`, a.CustomerID, a.From, a.To, "handover: "+a.Reason, at); err != nil {
				return err
			}
			moved++
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return moved, nil
}

// ApplyReclaim applies a pool-reclaim plan in one transaction: every customer
// the plan reclaims returns to the pool (owner ""), if its owner is still the
// one the plan names (else [ErrStale] and nothing is applied); warnings and
// keeps change nothing. It returns the number of customers reclaimed.
func (s *Store) ApplyReclaim(ctx context.Context, plan customer.ReclaimPlan) (int, error) {
	n := 0
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		for _, it := range plan.Items {
			if it.Action != customer.ReclaimNow || it.Owner == "" {
				continue
			}
			res, err := tx.ExecContext(ctx, `UPDATE customers SET owner = '' WHERE id = ? AND owner = ?`, it.CustomerID, it.Owner)
			if err != nil {
				return err
			}
			if k, _ := res.RowsAffected(); k != 1 {
				return fmt.Errorf("%w: customer %q is no longer owned by %q", ErrStale, it.CustomerID, it.Owner)
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO owner_changes(customer_id, old_owner, new_owner, reason, at) VALUES(?,?,?,?,?)`, it.CustomerID, it.Owner, "", "reclaim: "+it.Reason, fmtTime(plan.AsOf)); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}
