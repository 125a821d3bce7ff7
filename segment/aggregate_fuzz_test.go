package segment

import (
	"context"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/crmkit/crmkit"
	"github.com/crmkit/crmkit/customer"
	"github.com/shopspring/decimal"
)

// fuzzIDPrefixes put customer IDs on both sides of the lengths the
// aggregation treats differently (16 bytes kept inline for long IDs, 24
// bytes inline in all, longer ones with a tail) and make canonical UUIDs in
// lower and upper case (packed into 16 bytes), mixed case and near misses.
var fuzzIDPrefixes = []string{"", "c", "0123456789abcdef", "0123456789abcdefghijklm", "0123456789abcdefghijklmn", "6ba7b810-9dad-11d1-80b4-00c04fd4", "6BA7B810-9DAD-11D1-80B4-00C04FD4", "6ba7b810-9dad-11d1-80b4-00c04fd430c", "6BA7B810-9DAD-11D1-80B4-00C04FD430C", "6BA7B810-9dad-11d1-80b4-00c04fd430c"}

// FuzzAggregateMatchesNaive is a differential fuzz target: CustomerValues
// and ScoreRFM must agree with a plain map and decimal.Add on every
// customer's revenue, order count and last order, whatever the IDs (any
// length, shared prefixes, NUL bytes), amounts (mixed exponents, values
// off the int64 fast path) and stream order, on one worker and on several.
func FuzzAggregateMatchesNaive(f *testing.F) {
	f.Add([]byte{0, 1, 0, 5, 10, 0, 2, 2, 3, 200, 7, 1, 5, 4, 1, 2, 3, 9}, false)
	f.Add([]byte{4, 0, 1, 1, 1, 0, 4, 0, 1, 2, 2, 0, 5, 0, 0, 255, 3, 3, 3, 1, 0, 0, 0, 0}, true)
	f.Add([]byte{5, 9, 0, 1, 0, 0, 5, 9, 0, 2, 0, 2, 5, 8, 0, 3, 0, 1}, true)
	f.Fuzz(func(t *testing.T, data []byte, oneWorker bool) {
		base := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
		to := base.AddDate(1, 0, 0)
		var orders []customer.Order
		for i := 0; len(data) >= 6; i++ {
			prefix := fuzzIDPrefixes[int(data[0])%len(fuzzIDPrefixes)]
			id := prefix + strings.Repeat("x", int(data[1]%3)) + string([]byte{data[2] % 4})
			switch data[1] % 5 {
			case 3:
				id = prefix + string(rune('A'+data[2]%3)) // with a 35-byte prefix: a UUID, upper case
			case 4:
				id = prefix + string(rune('a'+data[2]%3)) // no NUL byte, same prefix
			}
			amt := decimal.New(int64(data[3]), -int32(data[4]%4)) // negative amounts are an error, tested elsewhere
			if data[4]&0x80 != 0 {
				amt = decimal.New(999_999_999_999_999_999, int32(data[4]%3)) // off the int64 path
			}
			at := base.Add(time.Duration(data[5]) * 33 * time.Hour) // within the year before to
			orders = append(orders, customer.Order{ID: "o", CustomerID: id, Time: at, Amount: amt, Currency: "EUR"})
			data = data[6:]
		}
		if len(orders) == 0 {
			return
		}
		if oneWorker {
			defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
		}
		want := naiveAggregate(orders, to)
		vals, err := CustomerValues(context.Background(), crmkit.Stream(orders), ValuesOptions{To: to})
		if err != nil {
			t.Fatalf("CustomerValues: %v", err)
		}
		res, err := ScoreRFM(context.Background(), crmkit.Stream(orders), RFMOptions{AsOf: to})
		if err != nil {
			t.Fatalf("ScoreRFM: %v", err)
		}
		checkNaive(t, want, vals, res, to)
	})
}

// TestTableKeyUUID: canonical UUIDs, and only they, are packed, one-to-one,
// and unpack to the same string.
func TestTableKeyUUID(t *testing.T) {
	for _, tc := range []struct {
		id     string
		packed bool
	}{
		{"6ba7b810-9dad-11d1-80b4-00c04fd430c8", true},
		{"6BA7B810-9DAD-11D1-80B4-00C04FD430C8", true},
		{"00000000-0000-0000-0000-000000000000", true},
		{"ffffffff-ffff-ffff-ffff-ffffffffffff", true},
		{"6BA7B810-9dad-11d1-80b4-00c04fd430c8", false}, // mixed case
		{"6ba7b810-9dad-11d1-80b4-00c04fd430cg", false}, // not hex
		{"6ba7b8109-dad-11d1-80b4-00c04fd430c8", false}, // dash misplaced
		{"6ba7b810-9dad-11d1-80b4-00c04fd430c", false},  // 35 bytes
		{"6ba7b810-9dad-11d1-80b4-00c04fd430c8 ", false},
		{"{ba7b810-9dad-11d1-80b4-00c04fd430c8", false},
	} {
		k := tableKeyOf(tc.id)
		if got := k.n == uuidKey; got != tc.packed {
			t.Errorf("%q: packed %v, want %v", tc.id, got, tc.packed)
			continue
		}
		if !tc.packed {
			if k != keyOf(tc.id) {
				t.Errorf("%q: table key %+v, want keyOf's %+v", tc.id, k, keyOf(tc.id))
			}
			continue
		}
		if got := string(appendUUID(nil, k.k0, k.k1, k.k2)); got != tc.id {
			t.Errorf("%q unpacks to %q", tc.id, got)
		}
	}
	// Upper and lower case of one UUID are different IDs with different keys.
	if tableKeyOf("6ba7b810-9dad-11d1-80b4-00c04fd430c8") == tableKeyOf("6BA7B810-9DAD-11D1-80B4-00C04FD430C8") {
		t.Error("upper and lower case UUIDs share a key")
	}
}
