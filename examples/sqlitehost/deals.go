package sqlitehost

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"iter"

	"github.com/crmkit/crmkit/funnel"
	"github.com/shopspring/decimal"
)

// DealSchema holds the sales pipeline tables; [Open] applies it with [Schema].
const DealSchema = `
CREATE TABLE IF NOT EXISTS deals (
	id             TEXT PRIMARY KEY,
	pipeline       TEXT NOT NULL,
	customer_id    TEXT NOT NULL DEFAULT '',
	owner          TEXT NOT NULL DEFAULT '',
	amount         TEXT NOT NULL,
	currency       TEXT NOT NULL DEFAULT '',
	created        TEXT NOT NULL,
	expected_close TEXT NOT NULL DEFAULT '',
	closed         TEXT NOT NULL DEFAULT '',
	stage          TEXT NOT NULL,
	lost_reason    TEXT NOT NULL DEFAULT '',
	last_activity  TEXT NOT NULL DEFAULT '',
	attributes     TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX IF NOT EXISTS deals_customer ON deals(customer_id);
CREATE TABLE IF NOT EXISTS stage_changes (
	deal_id TEXT NOT NULL REFERENCES deals(id),
	seq     INTEGER NOT NULL,
	from_stage TEXT NOT NULL,
	to_stage   TEXT NOT NULL,
	time    TEXT NOT NULL,
	owner   TEXT NOT NULL DEFAULT '',
	PRIMARY KEY (deal_id, seq)
);
`

// InsertDeals writes deals in one transaction.
func (s *Store) InsertDeals(ctx context.Context, ds []funnel.Deal) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		st, err := tx.PrepareContext(ctx, `INSERT INTO deals(id,pipeline,customer_id,owner,amount,currency,created,expected_close,closed,stage,lost_reason,last_activity,attributes) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?)`)
		if err != nil {
			return err
		}
		defer st.Close()
		for _, d := range ds {
			attrs, _ := json.Marshal(d.Attributes)
			if _, err := st.ExecContext(ctx, d.ID, d.Pipeline, d.CustomerID, d.Owner, d.Amount.String(), d.Currency, fmtTime(d.Created), fmtTime(d.ExpectedClose), fmtTime(d.Closed), d.Stage, d.LostReason, fmtTime(d.LastActivity), string(attrs)); err != nil {
				return fmt.Errorf("deal %q: %w", d.ID, err)
			}
		}
		return nil
	})
}

// InsertStageChanges writes stage changes in one transaction, numbering each
// deal's changes in the order given.
func (s *Store) InsertStageChanges(ctx context.Context, cs []funnel.StageChange) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		st, err := tx.PrepareContext(ctx, `INSERT INTO stage_changes(deal_id,seq,from_stage,to_stage,time,owner) VALUES(?,?,?,?,?,?)`)
		if err != nil {
			return err
		}
		defer st.Close()
		seq := map[string]int{}
		for _, c := range cs {
			seq[c.DealID]++
			if _, err := st.ExecContext(ctx, c.DealID, seq[c.DealID], c.From, c.To, fmtTime(c.Time), c.Owner); err != nil {
				return fmt.Errorf("stage change of deal %q: %w", c.DealID, err)
			}
		}
		return nil
	})
}

// Deals streams every deal ordered by ID.
func (s *Store) Deals(ctx context.Context) iter.Seq2[funnel.Deal, error] {
	return query(ctx, s.db, `SELECT id,pipeline,customer_id,owner,amount,currency,created,expected_close,closed,stage,lost_reason,last_activity,attributes FROM deals ORDER BY id`, func(r *sql.Rows) (funnel.Deal, error) {
		var d funnel.Deal
		var amt, created, exp, closed, last, attrs string
		if err := r.Scan(&d.ID, &d.Pipeline, &d.CustomerID, &d.Owner, &amt, &d.Currency, &created, &exp, &closed, &d.Stage, &d.LostReason, &last, &attrs); err != nil {
			return d, err
		}
		var err error
		if d.Amount, err = decimal.NewFromString(amt); err != nil {
			return d, fmt.Errorf("deal %q: amount: %w", d.ID, err)
		}
		if d.Created, err = parseTime(created); err == nil {
			if d.ExpectedClose, err = parseTime(exp); err == nil {
				if d.Closed, err = parseTime(closed); err == nil {
					d.LastActivity, err = parseTime(last)
				}
			}
		}
		if err != nil {
			return d, fmt.Errorf("deal %q: %w", d.ID, err)
		}
		if err := json.Unmarshal([]byte(attrs), &d.Attributes); err != nil {
			return d, fmt.Errorf("deal %q: attributes: %w", d.ID, err)
		}
		return d, nil
	})
}

// StageChanges streams every stage change ordered by deal ID, then time (the
// order the funnel package documents), straight from the primary-key index.
func (s *Store) StageChanges(ctx context.Context) iter.Seq2[funnel.StageChange, error] {
	return query(ctx, s.db, `SELECT deal_id,from_stage,to_stage,time,owner FROM stage_changes ORDER BY deal_id, seq`, func(r *sql.Rows) (funnel.StageChange, error) {
		var c funnel.StageChange
		var t string
		if err := r.Scan(&c.DealID, &c.From, &c.To, &t, &c.Owner); err != nil {
			return c, err
		}
		var err error
		if c.Time, err = parseTime(t); err != nil {
			return c, fmt.Errorf("stage change of deal %q: time: %w", c.DealID, err)
		}
		return c, nil
	})
}
