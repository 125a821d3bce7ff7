package funnel

import (
	"errors"
	"testing"
	"time"

	"github.com/crmkit/crmkit"
)

// TestAccumulatorZeroAndNil checks that every method called on a nil or
// zero-value Accumulator, and Merge with such an argument or with itself,
// returns a *crmkit.RecordError wrapping crmkit.ErrInvalid instead of
// dereferencing nil.
func TestAccumulatorZeroAndNil(t *testing.T) {
	asOf := time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC)
	good := func() *Accumulator {
		a, err := NewAccumulator([]Pipeline{fnlSynthPipeline()}, &Options{AsOf: asOf})
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	h := History{Deal: Deal{ID: "D1", Pipeline: "syn", Stage: "s1", Created: asOf.AddDate(0, -1, 0)}}
	var nilAcc *Accumulator
	tests := []struct {
		name      string
		reason    string
		call      func() error
		wantField string
	}{
		{name: "Merge(nil)", reason: "b is nil", call: func() error { return good().Merge(nil) }, wantField: "b"},
		{name: "Merge(zero)", reason: "b was not made by NewAccumulator", call: func() error { return good().Merge(&Accumulator{}) }, wantField: "b"},
		{name: "Merge(self)", reason: "merging into itself would double the counts", call: func() error {
			a := good()
			if err := a.Add(h); err != nil {
				t.Fatal(err)
			}
			return a.Merge(a)
		}, wantField: "b"},
		{name: "nil.Merge", reason: "receiver is nil", call: func() error { return nilAcc.Merge(good()) }},
		{name: "zero.Merge", reason: "receiver is a zero value", call: func() error { return (&Accumulator{}).Merge(good()) }},
		{name: "zero.Add", reason: "receiver is a zero value", call: func() error { return (&Accumulator{}).Add(h) }},
		{name: "nil.Add", reason: "receiver is nil", call: func() error { return nilAcc.Add(h) }},
		{name: "zero.Report", reason: "receiver is a zero value", call: func() error { _, err := (&Accumulator{}).Report(); return err }},
		{name: "nil.Report", reason: "receiver is nil", call: func() error { _, err := nilAcc.Report(); return err }},
		{name: "zero.MarshalBinary", reason: "receiver is a zero value", call: func() error { _, err := (&Accumulator{}).MarshalBinary(); return err }},
		{name: "nil.UnmarshalBinary", reason: "receiver is nil", call: func() error { return nilAcc.UnmarshalBinary(nil) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.call()
			var re *crmkit.RecordError
			if !errors.Is(err, crmkit.ErrInvalid) || !errors.As(err, &re) {
				t.Fatalf("err = %v, want a *crmkit.RecordError wrapping crmkit.ErrInvalid (%s)", err, tc.reason)
			}
			if re.Field != tc.wantField {
				t.Errorf("field = %q, want %q (%s)", re.Field, tc.wantField, tc.reason)
			}
		})
	}
}

// TestAccumulatorZeroUnmarshal checks that the zero value still works as
// the receiver of UnmarshalBinary, and is usable afterwards.
func TestAccumulatorZeroUnmarshal(t *testing.T) {
	a, err := NewAccumulator([]Pipeline{fnlSynthPipeline()}, &Options{AsOf: time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	b, err := a.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	var z Accumulator
	if err := z.UnmarshalBinary(b); err != nil {
		t.Fatal(err)
	}
	if _, err := z.Report(); err != nil {
		t.Fatalf("Report after UnmarshalBinary: %v", err)
	}
	if err := a.Merge(&z); err != nil {
		t.Fatalf("Merge of a decoded accumulator: %v", err)
	}
}
