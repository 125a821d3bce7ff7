package main

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"iter"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/crmkit/crmkit/customer"
	"github.com/crmkit/crmkit/funnel"
	"github.com/shopspring/decimal"
)

// RowError names the file, line and column of a bad CSV cell, like
// encoding/csv's ParseError, so that a data engineer can open the file there.
type RowError struct {
	File   string
	Line   int
	Column string
	Err    error
}

func (e *RowError) Error() string {
	if e.Column == "" {
		return fmt.Sprintf("%s:%d: %v", e.File, e.Line, e.Err)
	}
	return fmt.Sprintf("%s:%d: column %s: %v", e.File, e.Line, e.Column, e.Err)
}

func (e *RowError) Unwrap() error { return e.Err }

// ErrHeader is returned when a file's header lacks a required column.
var ErrHeader = errors.New("header")

// row gives typed access to the cells of one CSV record by column name.
type row struct {
	file string
	line int
	cols map[string]int
	rec  []string
	err  error // first cell error in this row
}

func (r *row) str(col string) string {
	i, ok := r.cols[col]
	if !ok || i >= len(r.rec) {
		return ""
	}
	return strings.TrimSpace(r.rec[i])
}

func (r *row) fail(col string, err error) {
	if r.err == nil {
		r.err = &RowError{File: r.file, Line: r.line, Column: col, Err: err}
	}
}

func (r *row) required(col string) string {
	s := r.str(col)
	if s == "" {
		r.fail(col, errors.New("empty"))
	}
	return s
}

// time parses RFC 3339 or a plain date (YYYY-MM-DD, taken as UTC midnight);
// "" gives the zero time unless the column is required.
func (r *row) time(col string, required bool) time.Time {
	s := r.str(col)
	if s == "" {
		if required {
			r.fail(col, errors.New("empty"))
		}
		return time.Time{}
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02 15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t
		}
	}
	r.fail(col, fmt.Errorf("not a time (RFC 3339 or YYYY-MM-DD): %q", s))
	return time.Time{}
}

func (r *row) decimal(col string) decimal.Decimal {
	s := r.required(col)
	if s == "" {
		return decimal.Zero
	}
	d, err := decimal.NewFromString(s)
	if err != nil {
		r.fail(col, fmt.Errorf("not a number: %q", s))
	}
	return d
}

func (r *row) float(col string) float64 {
	s := r.str(col)
	if s == "" {
		return 0
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		r.fail(col, fmt.Errorf("not a number: %q", s))
	}
	return f
}

// readCSV streams the records of a CSV file through parse. The header must
// hold every column in required; other columns are ignored. A bad row yields
// a *RowError and the stream goes on, so the caller decides whether to stop
// or to count and skip. The file is closed when the stream ends or the
// consumer stops.
func readCSV[T any](path string, required []string, parse func(*row) T) iter.Seq2[T, error] {
	return readCSVProgress(path, required, parse, nil)
}

// readCSVProgress is readCSV that reports, every 64 KiB read, how many bytes
// of the file's size have been read.
func readCSVProgress[T any](path string, required []string, parse func(*row) T, progress func(read, size int64)) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		f, err := os.Open(path)
		if err != nil {
			yield(zero, err)
			return
		}
		defer f.Close()
		var in io.Reader = f
		if progress != nil {
			fi, err := f.Stat()
			if err != nil {
				yield(zero, err)
				return
			}
			in = &countingReader{r: f, size: fi.Size(), report: progress}
		}
		cr := csv.NewReader(in)
		cr.FieldsPerRecord = -1
		cr.ReuseRecord = true
		header, err := cr.Read()
		if err != nil {
			yield(zero, &RowError{File: path, Line: 1, Err: fmt.Errorf("%w: %v", ErrHeader, err)})
			return
		}
		cols := make(map[string]int, len(header))
		for i, h := range header {
			cols[strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))] = i
		}
		for _, c := range required {
			if _, ok := cols[c]; !ok {
				yield(zero, &RowError{File: path, Line: 1, Column: c, Err: fmt.Errorf("%w: required column missing (have %s)", ErrHeader, strings.Join(header, ","))})
				return
			}
		}
		r := &row{file: path, cols: cols}
		for {
			rec, err := cr.Read()
			if err == io.EOF {
				return
			}
			line, _ := cr.FieldPos(0)
			if err != nil {
				if !yield(zero, &RowError{File: path, Line: line, Err: err}) {
					return
				}
				continue
			}
			r.line, r.rec, r.err = line, rec, nil
			v := parse(r)
			if r.err != nil {
				if !yield(zero, r.err) {
					return
				}
				continue
			}
			if !yield(v, nil) {
				return
			}
		}
	}
}

type countingReader struct {
	r          io.Reader
	read, last int64
	size       int64
	report     func(read, size int64)
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.read += int64(n)
	if c.read-c.last >= 64<<10 || err == io.EOF {
		c.last = c.read
		c.report(c.read, c.size)
	}
	return n, err
}

// Orders reads orders.csv: id,customer_id,time,amount[,currency,quantity,product].
func Orders(path string) iter.Seq2[customer.Order, error] { return OrdersProgress(path, nil) }

// OrdersProgress is Orders with a progress callback (see readCSVProgress).
func OrdersProgress(path string, progress func(read, size int64)) iter.Seq2[customer.Order, error] {
	return readCSVProgress(path, []string{"id", "customer_id", "time", "amount"}, func(r *row) customer.Order {
		return customer.Order{ID: r.required("id"), CustomerID: r.required("customer_id"), Time: r.time("time", true),
			Amount: r.decimal("amount"), Currency: r.str("currency"), Quantity: r.float("quantity"), Product: r.str("product")}
	}, progress)
}

// Interactions reads interactions.csv: id,customer_id,time[,rep,channel,note,next_contact].
func Interactions(path string) iter.Seq2[customer.Interaction, error] {
	return readCSV(path, []string{"id", "customer_id", "time"}, func(r *row) customer.Interaction {
		return customer.Interaction{ID: r.required("id"), CustomerID: r.required("customer_id"), Time: r.time("time", true),
			Rep: r.str("rep"), Channel: r.str("channel"), Note: r.str("note"), NextContact: r.time("next_contact", false)}
	})
}

// Deals reads deals.csv: id,pipeline,stage,amount,created[,customer_id,owner,
// currency,expected_close,closed,lost_reason,last_activity].
func Deals(path string) iter.Seq2[funnel.Deal, error] {
	return readCSV(path, []string{"id", "pipeline", "stage", "amount", "created"}, func(r *row) funnel.Deal {
		return funnel.Deal{ID: r.required("id"), Pipeline: r.required("pipeline"), Stage: r.required("stage"),
			Amount: r.decimal("amount"), Created: r.time("created", true), CustomerID: r.str("customer_id"),
			Owner: r.str("owner"), Currency: r.str("currency"), ExpectedClose: r.time("expected_close", false),
			Closed: r.time("closed", false), LostReason: r.str("lost_reason"), LastActivity: r.time("last_activity", false)}
	})
}

// StageChanges reads stage_changes.csv: deal_id,from,to,time[,owner], ordered
// by deal, then time.
func StageChanges(path string) iter.Seq2[funnel.StageChange, error] {
	return readCSV(path, []string{"deal_id", "from", "to", "time"}, func(r *row) funnel.StageChange {
		return funnel.StageChange{DealID: r.required("deal_id"), From: r.required("from"), To: r.required("to"),
			Time: r.time("time", true), Owner: r.str("owner")}
	})
}
