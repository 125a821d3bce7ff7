package funnel

import (
	"context"
	"errors"
	"iter"
	"testing"

	"github.com/crmkit/crmkit"
	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"
)

// pipeStreamWithError yields hist and, at index at (if in range), an error
// instead of the record.
func pipeStreamWithError(hist []History, at int, err error) iter.Seq2[History, error] {
	return func(yield func(History, error) bool) {
		for i, h := range hist {
			if i == at {
				yield(History{}, err)
				return
			}
			if !yield(h, nil) {
				return
			}
		}
	}
}

func TestForecastReadErrorOrder(t *testing.T) {
	// Records are worked out on several goroutines in batches, but the
	// error returned must be the first in stream order, as a sequential
	// loop would find it: a bad record in a later batch must not win over
	// one in an earlier batch, and a stream error only wins when it comes
	// first.
	errStream := errors.New("stream broke")
	const n = 2000 // several batches
	badAt := func(idx ...int) []History {
		h := pipeOpenDeals(21, n, 5, true)
		for _, i := range idx {
			h[i].Deal.Closed = pipeFAsOf.Add(pipeDay) // in the future
		}
		return h
	}
	currency := pipeOpenDeals(21, n, 5, true)
	currency[900].Deal.Currency = "EUR"
	currency[1500].Deal.Currency = "USD"
	currency[1700].Deal.Closed = pipeFAsOf.Add(pipeDay)
	tests := []struct {
		name, reason string
		stream       iter.Seq2[History, error]
		wantIs       error
		wantIndex    int // of the RecordError; -1: not a RecordError
	}{
		{"two bad", "the earlier of two bad records, in different batches", crmkit.Stream(badAt(1300, 700)), crmkit.ErrFuture, 700},
		{"same batch", "the earlier of two bad records in one batch", crmkit.Stream(badAt(1001, 1000)), crmkit.ErrFuture, 1000},
		{"bad then stream", "a bad record before a stream error", pipeStreamWithError(badAt(500), 600, errStream), crmkit.ErrFuture, 500},
		{"stream then bad", "a stream error before a bad record", pipeStreamWithError(badAt(500), 400, errStream), errStream, -1},
		{"currency", "the currency clash at 1500 comes before the bad record at 1700", crmkit.Stream(currency), crmkit.ErrCurrency, 1500},
	}
	for _, tt := range tests {
		for _, workers := range []int{1, 2, 5} {
			_, err := ForecastPipeline(context.Background(), []Pipeline{pipeGenPipeline}, tt.stream, &ForecastOptions{AsOf: pipeFAsOf, Workers: workers, Draws: 100})
			if !errors.Is(err, tt.wantIs) {
				t.Errorf("%s, workers %d: %s: error %v, want %v", tt.name, workers, tt.reason, err, tt.wantIs)
				continue
			}
			var re *crmkit.RecordError
			if errors.As(err, &re) != (tt.wantIndex >= 0) || re != nil && re.Index != tt.wantIndex {
				t.Errorf("%s, workers %d: %s: error %v, want record %d", tt.name, workers, tt.reason, err, tt.wantIndex)
			}
		}
	}
}

func TestForecastReadCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := ForecastPipeline(ctx, []Pipeline{pipeGenPipeline}, crmkit.Stream(pipeOpenDeals(2, 3000, 3, true)), &ForecastOptions{AsOf: pipeFAsOf})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled context: error %v, want context.Canceled", err)
	}
}

func TestPipeDecSum(t *testing.T) {
	// The fast sum must equal chained decimal.Add from zero, value and
	// exponent (so amounts print the same), on mixed exponents, values too
	// large for the int64 path and sums that would overflow it.
	d := decimal.RequireFromString
	big := d("123456789012345678901234.5")
	tests := []struct {
		name, reason string
		in           []decimal.Decimal
	}{
		{"empty", "no amounts: zero", nil},
		{"cents", "one exponent, the fast path", []decimal.Decimal{d("1.50"), d("2.25"), d("0.01")}},
		{"mixed", "exponents differ: decimal fallback for the odd ones", []decimal.Decimal{d("1.5"), d("2.25"), d("7"), d("0.001")}},
		{"huge", "a coefficient beyond 15 digits", []decimal.Decimal{d("1.00"), big, d("2.00")}},
		{"many", "a sum that would pass 2^62 in coefficients", func() []decimal.Decimal {
			var out []decimal.Decimal
			for range 10000 {
				out = append(out, d("999999999999.999"))
			}
			return out
		}()},
		{"integers", "exponent 0", []decimal.Decimal{decimal.NewFromInt(3), decimal.NewFromInt(4)}},
	}
	for _, tt := range tests {
		var s pipeDecSum
		want := decimal.Decimal{}
		for _, a := range tt.in {
			s.add(a)
			want = want.Add(a)
		}
		got := s.value()
		if !got.Equal(want) || got.Exponent() != want.Exponent() {
			t.Errorf("%s: %s: got %s (exp %d), want %s (exp %d)", tt.name, tt.reason, got, got.Exponent(), want, want.Exponent())
		}
	}
}

func TestForecastWorkersOneReadsNoAhead(t *testing.T) {
	// A stream that reuses one buffer for every record's stage changes (as
	// a database cursor might) is read correctly with Workers 1: each
	// record is worked out before the next is pulled.
	hist := pipeOpenDeals(12, 3000, 6, true)
	reusing := func(yield func(History, error) bool) {
		buf := make([]StageChange, 0, 8)
		for _, h := range hist {
			buf = append(buf[:0], h.Changes...)
			h.Changes = buf
			if !yield(h, nil) {
				return
			}
		}
	}
	opts := &ForecastOptions{AsOf: pipeFAsOf, Teams: pipeTeams, Workers: 1, Draws: 2000, Seed: 3}
	want, err := ForecastPipeline(context.Background(), []Pipeline{pipeGenPipeline}, crmkit.Stream(hist), opts)
	if err != nil {
		t.Fatal(err)
	}
	got, err := ForecastPipeline(context.Background(), []Pipeline{pipeGenPipeline}, reusing, opts)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("reusing stream with Workers 1 (-slice +reusing):\n%s", d)
	}
}
