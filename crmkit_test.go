package crmkit

import (
	"errors"
	"iter"
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"
)

func TestRecordErrorFormat(t *testing.T) {
	tests := []struct {
		name, reason string
		err          *RecordError
		want         string
	}{
		{"full", "every part present", &RecordError{Kind: "deal", Index: 2, ID: "D1", Field: "stage", Err: ErrUnknownRef}, `deal #2 "D1": field stage: unknown reference`},
		{"no index", "index -1 means unknown position", &RecordError{Kind: "deal", Index: -1, ID: "D1", Err: ErrDuplicate}, `deal "D1": duplicate ID`},
		{"bare", "zero value must still format", &RecordError{}, `record #0: unknown error`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, tt.err.Error()); diff != "" {
				t.Errorf("%s (-want +got):\n%s", tt.reason, diff)
			}
		})
	}
}

func TestErrorfWraps(t *testing.T) {
	for _, s := range []error{ErrMissing, ErrInvalid, ErrDuplicate, ErrOrder, ErrUnknownRef, ErrFuture, ErrCurrency} {
		err := error(Errorf("x", 0, "", "f", s, "why %d", 1))
		if !errors.Is(err, s) {
			t.Errorf("Errorf(%v) does not wrap its sentinel", s)
		}
		var re *RecordError
		if !errors.As(err, &re) || re.Field != "f" {
			t.Errorf("errors.As failed for %v", s)
		}
	}
}

func TestStreamStopsEarly(t *testing.T) {
	n := 0
	for range Stream([]int{1, 2, 3, 4}) {
		n++
		if n == 2 {
			break
		}
	}
	if n != 2 {
		t.Fatalf("stream yielded %d records after break, want 2", n)
	}
}

func TestCollectStopsAtError(t *testing.T) {
	boom := errors.New("boom")
	var s iter.Seq2[int, error] = func(yield func(int, error) bool) {
		if !yield(1, nil) {
			return
		}
		if !yield(0, boom) {
			return
		}
		yield(3, nil)
	}
	got, err := Collect(s)
	if !errors.Is(err, boom) || len(got) != 1 {
		t.Fatalf("Collect = %v, %v; want [1], boom", got, err)
	}
}

func TestMoneyRoundTrip(t *testing.T) {
	tests := []struct {
		name, reason string
		in           float64
		want         string
		wantErr      error
	}{
		{"cents", "two places survive exactly", 19.99, "19.99", nil},
		{"half even down", "0.00005 rounds to even (0.0000)", 0.00005, "0", nil},
		{"half even up", "0.00015 rounds to even (0.0002)", 0.00015, "0.0002", nil},
		{"negative", "refunds are negative money", -3.5, "-3.5", nil},
		{"nan", "NaN is never money", math.NaN(), "", ErrNotFinite},
		{"inf", "Inf is never money", math.Inf(-1), "", ErrNotFinite},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := FromFloat(tt.in)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("%s: err = %v, want %v", tt.reason, err, tt.wantErr)
			}
			if err == nil && got.String() != tt.want {
				t.Errorf("%s: FromFloat(%v) = %s, want %s", tt.reason, tt.in, got, tt.want)
			}
		})
	}
	huge := decimal.New(1, 400)
	if _, err := ToFloat(huge); !errors.Is(err, ErrNotFinite) {
		t.Errorf("ToFloat(1e400) err = %v, want ErrNotFinite", err)
	}
}

func FuzzMoney(f *testing.F) {
	f.Add(1.5)
	f.Add(-0.00005)
	f.Fuzz(func(t *testing.T, x float64) {
		d, err := FromFloat(x)
		if math.IsNaN(x) || math.IsInf(x, 0) {
			if err == nil {
				t.Fatalf("FromFloat(%v) accepted a non-finite value", x)
			}
			return
		}
		if err != nil {
			t.Fatalf("FromFloat(%v): %v", x, err)
		}
		back, err := ToFloat(d)
		if err != nil {
			t.Fatalf("ToFloat(%s): %v", d, err)
		}
		if math.Abs(back-x) > 0.5e-4*1.0000001+math.Abs(x)*1e-15 {
			t.Fatalf("round trip %v -> %s -> %v moved more than half a unit of the 4th place", x, d, back)
		}
	})
}
