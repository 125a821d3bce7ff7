package crmkit

import (
	"errors"
	"fmt"
	"strconv"
)

// Sentinels that every [RecordError] wraps one of. Match them with errors.Is.
var (
	// ErrMissing: a required field is empty.
	ErrMissing = errors.New("missing required field")
	// ErrInvalid: a field holds a value outside its domain (NaN, negative
	// amount, impossible date, unknown enum value).
	ErrInvalid = errors.New("invalid value")
	// ErrDuplicate: a record repeats an ID that must be unique.
	ErrDuplicate = errors.New("duplicate ID")
	// ErrOrder: a stream is not in the order the function documents.
	ErrOrder = errors.New("record out of order")
	// ErrUnknownRef: a record refers to an ID that is not known (an order for an
	// unknown customer, a deal in an unknown stage).
	ErrUnknownRef = errors.New("unknown reference")
	// ErrFuture: a timestamp lies after the analysis' AsOf.
	ErrFuture = errors.New("timestamp after as-of time")
	// ErrCurrency: amounts in more than one currency were given to one call.
	ErrCurrency = errors.New("mixed currencies")
)

// RecordError reports a problem with one host record, in the manner of
// encoding/csv's ParseError: where the record is, which field, and why.
//
// Index is the record's zero-based position in its stream (-1 when unknown);
// ID is the host's identifier for the record ("" when the record has none);
// Kind names the record type ("customer", "order", "deal", …); Field names the
// offending field ("" for the record as a whole). Err wraps a sentinel such as
// [ErrInvalid], so errors.Is(err, crmkit.ErrInvalid) holds.
type RecordError struct {
	Kind  string
	Index int
	ID    string
	Field string
	Err   error
}

// Error formats the error as `customer #3 "C-17": field email: invalid value: …`.
func (e *RecordError) Error() string {
	b := make([]byte, 0, 64)
	if e.Kind != "" {
		b = append(b, e.Kind...)
	} else {
		b = append(b, "record"...)
	}
	if e.Index >= 0 {
		b = append(b, " #"...)
		b = strconv.AppendInt(b, int64(e.Index), 10)
	}
	if e.ID != "" {
		b = append(b, ' ')
		b = strconv.AppendQuote(b, e.ID)
	}
	if e.Field != "" {
		b = append(b, ": field "...)
		b = append(b, e.Field...)
	}
	b = append(b, ": "...)
	if e.Err != nil {
		b = append(b, e.Err.Error()...)
	} else {
		b = append(b, "unknown error"...)
	}
	return string(b)
}

// Unwrap returns the wrapped error.
func (e *RecordError) Unwrap() error { return e.Err }

// Errorf builds a [*RecordError] whose Err wraps sentinel with a formatted
// reason, e.g. Errorf("order", 3, "O-9", "amount", ErrInvalid, "negative: %s", a).
func Errorf(kind string, index int, id, field string, sentinel error, format string, args ...any) *RecordError {
	var err error = sentinel
	if format != "" {
		err = fmt.Errorf("%w: %s", sentinel, fmt.Sprintf(format, args...))
	}
	return &RecordError{Kind: kind, Index: index, ID: id, Field: field, Err: err}
}
