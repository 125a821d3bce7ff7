// Package sqlitehost is a small but real CRM host on embedded SQLite
// (modernc.org/sqlite: pure Go, nothing to install). It keeps customers,
// orders, interactions, deals and stage changes in its own tables, streams
// them to crmkit straight from database cursors, and applies the plans crmkit
// returns (handover, pool reclaim) each in one transaction.
//
// crmkit never owns storage; this package shows what "the host" means.
package sqlitehost

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"time"

	"github.com/crmkit/crmkit/customer"
	"github.com/shopspring/decimal"
	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// Schema is the host's schema. Amounts are stored as TEXT so that decimal
// values survive exactly; times as RFC 3339 TEXT with nanoseconds in UTC.
// Orders and interactions carry no foreign key to customers on purpose: hosts
// import them from other systems, and crmkit's customer.Validate is what
// reports the orphans.
const Schema = `
CREATE TABLE IF NOT EXISTS customers (
	id          TEXT PRIMARY KEY,
	name        TEXT NOT NULL DEFAULT '',
	owner       TEXT NOT NULL DEFAULT '',
	created     TEXT NOT NULL,
	level       TEXT NOT NULL DEFAULT '',
	tags        TEXT NOT NULL DEFAULT '[]',
	source      TEXT NOT NULL DEFAULT '',
	referred_by TEXT NOT NULL DEFAULT '',
	birthday    TEXT NOT NULL DEFAULT '{}',
	phone       TEXT NOT NULL DEFAULT '',
	email       TEXT NOT NULL DEFAULT '',
	attributes  TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX IF NOT EXISTS customers_owner ON customers(owner);
CREATE TABLE IF NOT EXISTS orders (
	id          TEXT PRIMARY KEY,
	customer_id TEXT NOT NULL,
	time        TEXT NOT NULL,
	amount      TEXT NOT NULL,
	currency    TEXT NOT NULL DEFAULT '',
	quantity    REAL NOT NULL DEFAULT 0,
	product     TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS orders_customer_time ON orders(customer_id, time);
CREATE TABLE IF NOT EXISTS interactions (
	id           TEXT PRIMARY KEY,
	customer_id  TEXT NOT NULL,
	rep          TEXT NOT NULL DEFAULT '',
	time         TEXT NOT NULL,
	channel      TEXT NOT NULL DEFAULT '',
	note         TEXT NOT NULL DEFAULT '',
	next_contact TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS interactions_customer_time ON interactions(customer_id, time);
CREATE TABLE IF NOT EXISTS owner_changes (
	seq         INTEGER PRIMARY KEY AUTOINCREMENT,
	customer_id TEXT NOT NULL REFERENCES customers(id),
	old_owner   TEXT NOT NULL,
	new_owner   TEXT NOT NULL,
	reason      TEXT NOT NULL,
	at          TEXT NOT NULL
);
`

const timeLayout = time.RFC3339Nano

// Store is a CRM database. It is safe for concurrent use (database/sql pools
// connections). The zero value is not usable: call [Open].
type Store struct {
	db *sql.DB
}

// Open opens (creating if needed) the SQLite database at path and applies
// [Schema].
func Open(ctx context.Context, path string) (*Store, error) {
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=journal_mode(WAL)&_pragma=busy_timeout(5000)&_pragma=foreign_keys(1)")
	if err != nil {
		return nil, err
	}
	if _, err := db.ExecContext(ctx, Schema+DealSchema); err != nil {
		db.Close()
		return nil, fmt.Errorf("sqlitehost: schema: %w", err)
	}
	return &Store{db: db}, nil
}

// Close closes the database.
func (s *Store) Close() error { return s.db.Close() }

// DB exposes the database handle for host code and tests.
func (s *Store) DB() *sql.DB { return s.db }

func fmtTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(timeLayout)
}

func parseTime(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	return time.Parse(timeLayout, s)
}

// InsertCustomers writes customers in one transaction.
func (s *Store) InsertCustomers(ctx context.Context, cs []customer.Customer) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		st, err := tx.PrepareContext(ctx, `INSERT INTO customers(id,name,owner,created,level,tags,source,referred_by,birthday,phone,email,attributes) VALUES(?,?,?,?,?,?,?,?,?,?,?,?)`)
		if err != nil {
			return err
		}
		defer st.Close()
		for _, c := range cs {
			tags, _ := json.Marshal(c.Tags)
			bd, _ := json.Marshal(c.Birthday)
			attrs, _ := json.Marshal(c.Attributes)
			if _, err := st.ExecContext(ctx, c.ID, c.Name, c.Owner, fmtTime(c.Created), c.Level, string(tags), c.Source, c.ReferredBy, string(bd), c.Phone, c.Email, string(attrs)); err != nil {
				return fmt.Errorf("customer %q: %w", c.ID, err)
			}
		}
		return nil
	})
}

// InsertOrders writes orders in one transaction.
func (s *Store) InsertOrders(ctx context.Context, os []customer.Order) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		st, err := tx.PrepareContext(ctx, `INSERT INTO orders(id,customer_id,time,amount,currency,quantity,product) VALUES(?,?,?,?,?,?,?)`)
		if err != nil {
			return err
		}
		defer st.Close()
		for _, o := range os {
			if _, err := st.ExecContext(ctx, o.ID, o.CustomerID, fmtTime(o.Time), o.Amount.String(), o.Currency, o.Quantity, o.Product); err != nil {
				return fmt.Errorf("order %q: %w", o.ID, err)
			}
		}
		return nil
	})
}

// InsertInteractions writes interactions in one transaction.
func (s *Store) InsertInteractions(ctx context.Context, is []customer.Interaction) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		st, err := tx.PrepareContext(ctx, `INSERT INTO interactions(id,customer_id,rep,time,channel,note,next_contact) VALUES(?,?,?,?,?,?,?)`)
		if err != nil {
			return err
		}
		defer st.Close()
		for _, in := range is {
			if _, err := st.ExecContext(ctx, in.ID, in.CustomerID, in.Rep, fmtTime(in.Time), in.Channel, in.Note, fmtTime(in.NextContact)); err != nil {
				return fmt.Errorf("interaction %q: %w", in.ID, err)
			}
		}
		return nil
	})
}

func (s *Store) inTx(ctx context.Context, f func(*sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := f(tx); err != nil {
		return errors.Join(err, tx.Rollback())
	}
	return tx.Commit()
}

// query streams the rows of a query through scan. The cursor is closed when
// the consumer stops early, when the rows end, or on error; an error travels
// inside the stream as crmkit expects.
func query[T any](ctx context.Context, db *sql.DB, q string, scan func(*sql.Rows) (T, error), args ...any) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		rows, err := db.QueryContext(ctx, q, args...)
		if err != nil {
			yield(zero, err)
			return
		}
		defer rows.Close()
		for rows.Next() {
			v, err := scan(rows)
			if !yield(v, err) || err != nil {
				return
			}
		}
		if err := rows.Err(); err != nil {
			yield(zero, err)
		}
	}
}

// Customers streams every customer ordered by ID, straight from the cursor.
func (s *Store) Customers(ctx context.Context) iter.Seq2[customer.Customer, error] {
	return query(ctx, s.db, `SELECT id,name,owner,created,level,tags,source,referred_by,birthday,phone,email,attributes FROM customers ORDER BY id`, scanCustomer)
}

// CustomersOf streams the customers owned by one rep, ordered by ID.
func (s *Store) CustomersOf(ctx context.Context, owner string) iter.Seq2[customer.Customer, error] {
	return query(ctx, s.db, `SELECT id,name,owner,created,level,tags,source,referred_by,birthday,phone,email,attributes FROM customers WHERE owner = ? ORDER BY id`, scanCustomer, owner)
}

func scanCustomer(r *sql.Rows) (customer.Customer, error) {
	var c customer.Customer
	var created, tags, bd, attrs string
	if err := r.Scan(&c.ID, &c.Name, &c.Owner, &created, &c.Level, &tags, &c.Source, &c.ReferredBy, &bd, &c.Phone, &c.Email, &attrs); err != nil {
		return c, err
	}
	var err error
	if c.Created, err = parseTime(created); err != nil {
		return c, fmt.Errorf("customer %q: created: %w", c.ID, err)
	}
	if err := errors.Join(json.Unmarshal([]byte(tags), &c.Tags), json.Unmarshal([]byte(bd), &c.Birthday), json.Unmarshal([]byte(attrs), &c.Attributes)); err != nil {
		return c, fmt.Errorf("customer %q: %w", c.ID, err)
	}
	return c, nil
}

// Orders streams every order ordered by customer, then time (the order the
// segment package's accumulators like best; index-backed).
func (s *Store) Orders(ctx context.Context) iter.Seq2[customer.Order, error] {
	return query(ctx, s.db, `SELECT id,customer_id,time,amount,currency,quantity,product FROM orders ORDER BY customer_id, time, id`, func(r *sql.Rows) (customer.Order, error) {
		var o customer.Order
		var t, amt string
		if err := r.Scan(&o.ID, &o.CustomerID, &t, &amt, &o.Currency, &o.Quantity, &o.Product); err != nil {
			return o, err
		}
		var err error
		if o.Time, err = parseTime(t); err != nil {
			return o, fmt.Errorf("order %q: time: %w", o.ID, err)
		}
		if o.Amount, err = decimal.NewFromString(amt); err != nil {
			return o, fmt.Errorf("order %q: amount: %w", o.ID, err)
		}
		return o, nil
	})
}

// Interactions streams every interaction ordered by customer, then time.
func (s *Store) Interactions(ctx context.Context) iter.Seq2[customer.Interaction, error] {
	return query(ctx, s.db, `SELECT id,customer_id,rep,time,channel,note,next_contact FROM interactions ORDER BY customer_id, time, id`, func(r *sql.Rows) (customer.Interaction, error) {
		var in customer.Interaction
		var t, next string
		if err := r.Scan(&in.ID, &in.CustomerID, &in.Rep, &t, &in.Channel, &in.Note, &next); err != nil {
			return in, err
		}
		var err error
		if in.Time, err = parseTime(t); err != nil {
			return in, fmt.Errorf("interaction %q: time: %w", in.ID, err)
		}
		if in.NextContact, err = parseTime(next); err != nil {
			return in, fmt.Errorf("interaction %q: next_contact: %w", in.ID, err)
		}
		return in, nil
	})
}

// OwnerCounts returns how many customers each owner has ("" is the pool).
func (s *Store) OwnerCounts(ctx context.Context) (map[string]int, error) {
	out := map[string]int{}
	for kv, err := range query(ctx, s.db, `SELECT owner, COUNT(*) FROM customers GROUP BY owner`, func(r *sql.Rows) ([2]any, error) {
		var o string
		var n int
		err := r.Scan(&o, &n)
		return [2]any{o, n}, err
	}) {
		if err != nil {
			return nil, err
		}
		out[kv[0].(string)] = kv[1].(int)
	}
	return out, nil
}
