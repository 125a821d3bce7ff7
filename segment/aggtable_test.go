package segment

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"
	"unsafe"

	"github.com/crmkit/crmkit"
	"github.com/crmkit/crmkit/customer"
	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"
)

// TestAggregateIDs: the table keeps IDs of up to 24 bytes inline and
// compares longer ones whole. Against the naive map, for IDs that are
// short, exactly 16, 24 and 25 bytes, inline with a common 16-byte prefix
// (differing only in bytes 17..24), long with a common 24-byte prefix
// (differing only after byte 24), differing only in trailing NUL bytes,
// and non-ASCII; with the real hash, with every hash equal (every customer
// collides: one probe chain, several table growths) and with hashes equal
// in their slot bits only; on one worker, inline and several.
func TestAggregateIDs(t *testing.T) {
	prefix := "customer-0000000"           // 16 bytes
	prefix24 := "customer-000000000000000" // 24 bytes
	var ids []string
	for i := range 2700 {
		switch i % 9 {
		case 0:
			ids = append(ids, fmt.Sprintf("c%d", i))
		case 1:
			ids = append(ids, fmt.Sprintf("%016d", i)) // exactly 16 bytes
		case 2:
			ids = append(ids, fmt.Sprintf("%024d", i)) // exactly 24 bytes
		case 3:
			ids = append(ids, fmt.Sprintf("%025d", i)) // 25 bytes
		case 4:
			ids = append(ids, prefix+fmt.Sprint(i)) // inline, differ after byte 16
		case 5:
			ids = append(ids, prefix24+fmt.Sprint(i)+strings.Repeat("x", i%50)) // long, differ after byte 24
		case 6:
			ids = append(ids, "é"+fmt.Sprint(i)+"\xff")
		case 7:
			ids = append(ids, fmt.Sprint(i)+strings.Repeat("\x00", i%3)) // "7" vs "7\x00"
		case 8:
			ids = append(ids, prefix24+"\x00"+fmt.Sprint(i%2)) // 26 bytes, differ in the last
		}
	}
	ids = append(ids, "A", "A\x00", "A\x00\x00", "\x00", strings.Repeat("\x00", 16), strings.Repeat("\x00", 24), strings.Repeat("\x00", 25),
		prefix, prefix+"\x00", prefix24, prefix24+"\x00")
	rng := rand.New(rand.NewPCG(8, 9))
	var orders []customer.Order
	base := day(2024, 1, 1)
	for i := range 20000 { // more than one batch (aggBatchLen)
		orders = append(orders, customer.Order{
			ID:         fmt.Sprint(i),
			CustomerID: ids[rng.IntN(len(ids))],
			Time:       base.Add(time.Duration(rng.IntN(300*86400)) * time.Second),
			Amount:     decimal.New(int64(rng.IntN(100000)), -2),
			Currency:   "EUR",
		})
	}
	to := day(2025, 1, 1)
	want := naiveAggregate(orders, to)
	hashes := []struct {
		name string
		f    func(string) uint64
	}{
		{"maphash", nil},
		{"all equal", func(string) uint64 { return 42 }},
		{"equal slot bits", func(id string) uint64 { return uint64(len(id)) }},
	}
	for _, h := range hashes {
		for _, procs := range []int{1, 2, 3, -2} { // −2: 2, the reader doing the worker's first step
			t.Run(fmt.Sprintf("%s/procs=%d", h.name, procs), func(t *testing.T) {
				old := runtime.GOMAXPROCS(max(procs, -procs))
				defer runtime.GOMAXPROCS(old)
				got, err := aggregate(context.Background(), crmkit.Stream(orders), aggConfig{asOf: to, hash: h.f, readerKeys: procs < 0})
				if err != nil {
					t.Fatal(err)
				}
				if len(got) != len(want) {
					t.Fatalf("%d customers, want %d", len(got), len(want))
				}
				for i, a := range got {
					w := want[a.id]
					if w == nil || !a.revenue().Equal(w.revenue) || a.orders != w.orders || !a.last().Equal(w.last) {
						t.Fatalf("customer %q: %+v, want %+v", a.id, a, w)
					}
					if i > 0 && got[i-1].id >= a.id {
						t.Fatalf("not sorted at %d: %q then %q", i, got[i-1].id, a.id)
					}
				}
			})
		}
	}
}

// TestAggregateEmptyID: an empty customer ID never reaches the table (it
// would read as a free slot); it is a missing field, reported or skipped.
func TestAggregateEmptyID(t *testing.T) {
	orders := []customer.Order{
		{ID: "o1", CustomerID: "a", Time: day(2024, 1, 1), Amount: decimal.New(1, 0)},
		{ID: "o2", CustomerID: "", Time: day(2024, 1, 2), Amount: decimal.New(2, 0)},
		{ID: "o3", CustomerID: "b", Time: day(2024, 1, 3), Amount: decimal.New(3, 0)},
	}
	_, err := CustomerValues(context.Background(), crmkit.Stream(orders), ValuesOptions{To: day(2025, 1, 1)})
	var re *crmkit.RecordError
	if !errors.As(err, &re) || !errors.Is(err, crmkit.ErrMissing) || re.Index != 1 || re.Field != "customer_id" {
		t.Errorf("err %v, want a missing customer_id at order 1", err)
	}
	var sk Skipped
	got, err := CustomerValues(context.Background(), crmkit.Stream(orders), ValuesOptions{To: day(2025, 1, 1), Skipped: &sk})
	if err != nil {
		t.Fatal(err)
	}
	want := []CustomerValue{{"a", decimal.New(1, 0)}, {"b", decimal.New(3, 0)}}
	if d := cmp.Diff(want, got, decEq); d != "" || sk.Count != 1 {
		t.Errorf("skipped %d; (-want +got):\n%s", sk.Count, d)
	}
}

// TestRadixSort: the radix sort orders keys as a stable comparison sort
// does, below and above its small-input cutoff, for keys that vary in
// every byte, in a few bytes only (skipped passes) and not at all.
func TestRadixSort(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	gens := []struct {
		name string
		f    func() (uint64, uint64)
	}{
		{"random", func() (uint64, uint64) { return rng.Uint64(), rng.Uint64() }},
		{"few bytes", func() (uint64, uint64) { return uint64(rng.IntN(300)) << 40, uint64(rng.IntN(3)) }},
		{"many ties", func() (uint64, uint64) { return uint64(rng.IntN(4)), 0 }},
		{"constant", func() (uint64, uint64) { return 7, 7 }},
	}
	for _, g := range gens {
		for _, n := range []int{0, 1, 2, 511, 512, 5000} {
			keys := make([]sortKey, n)
			for i := range keys {
				keys[i].hi, keys[i].lo = g.f()
				keys[i].i = int32(i)
			}
			want := slices.Clone(keys)
			slices.SortStableFunc(want, cmpSortKey)
			if d := cmp.Diff(want, radixSort(keys), cmp.AllowUnexported(sortKey{})); d != "" {
				t.Errorf("%s, n=%d: (-want +got):\n%s", g.name, n, d)
			}
		}
	}
}

// TestFloatKey: keys order as the floats do, and −0 and +0 share a key
// (they are equal values, so they must get equal scores).
func TestFloatKey(t *testing.T) {
	fs := []float64{math.Inf(-1), -math.MaxFloat64, -1e10, -1, -math.SmallestNonzeroFloat64, 0, math.SmallestNonzeroFloat64, 0.5, 1, 1e300, math.Inf(1)}
	for i := 1; i < len(fs); i++ {
		if !(floatKey(fs[i-1]) < floatKey(fs[i])) {
			t.Errorf("floatKey(%v) = %#x not below floatKey(%v) = %#x", fs[i-1], floatKey(fs[i-1]), fs[i], floatKey(fs[i]))
		}
	}
	if floatKey(math.Copysign(0, -1)) != floatKey(0) {
		t.Error("−0 and +0 have different keys")
	}
}

// TestQuantileScoresNaive: the radix-sorted scores equal the definition,
// 1 + ⌊q·(number of strictly smaller values)/n⌋, counted directly, for
// values with ties, negatives and both zeros.
func TestQuantileScoresNaive(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	for _, n := range []int{1, 7, 600, 2000} {
		v := make([]float64, n)
		for i := range v {
			switch rng.IntN(4) {
			case 0:
				v[i] = float64(rng.IntN(5) - 2)
			case 1:
				v[i] = math.Copysign(0, -1)
			default:
				v[i] = rng.NormFloat64() * 100
			}
		}
		for _, q := range []int{2, 5, 100} {
			want := make([]int, n)
			for i := range v {
				below := 0
				for j := range v {
					if v[j] < v[i] {
						below++
					}
				}
				want[i] = 1 + q*below/n
			}
			if d := cmp.Diff(want, quantileScores(v, q)); d != "" {
				t.Errorf("n=%d q=%d: (-want +got):\n%s", n, q, d)
			}
		}
	}
}

// TestAggregateManyCustomers: with more than 65536 customers the result is
// filled in parts on several goroutines, each with its own string of short
// IDs; short and long IDs, against the naive map, inline and with workers.
func TestAggregateManyCustomers(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 4))
	var orders []customer.Order
	base := day(2024, 1, 1)
	for i := range 160_000 {
		c := (i*7919 + rng.IntN(2)) % 80_000
		id := fmt.Sprintf("k%d", c)
		if c%5 == 0 {
			id = fmt.Sprintf("a-rather-long-customer-id-%d", c)
		}
		orders = append(orders, customer.Order{ID: fmt.Sprint(i), CustomerID: id, Time: base.Add(time.Duration(i) * time.Minute), Amount: decimal.New(int64(c%1000), -2)})
	}
	to := day(2025, 1, 1)
	want := naiveAggregate(orders, to)
	for _, procs := range []int{1, 2, -2} { // −2: 2, the reader doing the worker's first step
		old := runtime.GOMAXPROCS(max(procs, -procs))
		got, err := aggregate(context.Background(), crmkit.Stream(orders), aggConfig{asOf: to, readerKeys: procs < 0})
		runtime.GOMAXPROCS(old)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(want) || len(got) <= 65536 {
			t.Fatalf("procs %d: %d customers, want %d (> 65536)", procs, len(got), len(want))
		}
		if n := mappedTables.Load(); n != 0 {
			t.Errorf("procs %d: %d tables still mapped", procs, n)
		}
		for i, a := range got {
			w := want[a.id]
			if w == nil || !a.revenue().Equal(w.revenue) || a.orders != w.orders || !a.last().Equal(w.last) {
				t.Fatalf("procs %d: customer %q: %+v, want %+v", procs, a.id, a, w)
			}
			if i > 0 && got[i-1].id >= a.id {
				t.Fatalf("procs %d: not sorted at %d: %q then %q", procs, i, got[i-1].id, a.id)
			}
		}
	}
}

// TestAggregateTimeAndAmountBounds: the reader compares times as Unix
// seconds and nanoseconds and leaves the exact checks to checkOrder only for
// orders near the edges; at each edge the result is what the time methods
// and checkOrder give: window ends to the nanosecond, the first and last
// valid instants, amounts off the int64 fast path, and bounds that carry a
// monotonic clock reading (compared by the methods).
func TestAggregateTimeAndAmountBounds(t *testing.T) {
	T := time.Date(2025, 1, 1, 12, 0, 0, 500, time.UTC)
	F := time.Date(2024, 1, 1, 0, 0, 0, 700, time.UTC)
	first := time.Date(1, 1, 1, 0, 0, 0, 500_000_000, time.UTC) // zero time + 0.5 s
	last := time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC)
	end := time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)
	now := time.Now() // monotonic reading
	cents := decimal.New(1, -2)
	wide := decimal.RequireFromString("1000000000000000000000.5")
	tests := []struct {
		name     string
		reason   string
		from, to time.Time
		strict   bool // ScoreRFM (AsOf = to) rather than CustomerValues
		at       time.Time
		amount   decimal.Decimal
		want     bool  // the order counts
		wantErr  error // else
		errField string
	}{
		{"before to", "the window is [From, To)", F, T, false, T.Add(-1), cents, true, nil, ""},
		{"at to", "To is excluded", F, T, false, T, cents, false, nil, ""},
		{"after to", "passed over, not an error, for CustomerValues", F, T, false, T.Add(1), cents, false, nil, ""},
		{"at from", "From is included", F, T, false, F, cents, true, nil, ""},
		{"before from", "one nanosecond before From is out", F, T, false, F.Add(-1), cents, false, nil, ""},
		{"at as-of", "ScoreRFM counts an order at AsOf", time.Time{}, T, true, T, cents, true, nil, ""},
		{"after as-of", "one nanosecond after AsOf is in the future", time.Time{}, T, true, T.Add(1), cents, false, crmkit.ErrFuture, "time"},
		{"zero time", "a missing time", time.Time{}, T, false, time.Time{}, cents, false, crmkit.ErrMissing, "time"},
		{"first valid instant", "within year 1, in the zero time's second", time.Time{}, T, false, first, cents, true, nil, ""},
		{"last valid second", "9999-12-31 23:59:59 is allowed", time.Time{}, end, false, last, cents, true, nil, ""},
		{"past year 9999", "half a second later is not", time.Time{}, end, false, last.Add(time.Second / 2), cents, false, crmkit.ErrInvalid, "time"},
		{"negative", "a negative amount on the fast path", time.Time{}, T, false, F, cents.Neg(), false, crmkit.ErrInvalid, "amount"},
		{"negative wide", "a negative amount off the fast path", time.Time{}, T, false, F, wide.Neg(), false, crmkit.ErrInvalid, "amount"},
		{"wide", "an amount off the fast path is summed exactly", time.Time{}, T, false, F, wide, true, nil, ""},
		{"monotonic, before", "bounds with a monotonic reading use the methods", time.Time{}, now.Add(time.Hour), false, now, cents, true, nil, ""},
		{"monotonic, after", "", time.Time{}, now.Add(time.Hour), true, now.Add(2 * time.Hour), cents, false, crmkit.ErrFuture, "time"},
		{"monotonic from", "", now.Add(-time.Hour), now.Add(time.Hour), false, now.Add(-2 * time.Hour), cents, false, nil, ""},
	}
	for _, tc := range tests {
		for _, procs := range []int{1, 2} {
			t.Run(fmt.Sprintf("%s/procs=%d", tc.name, procs), func(t *testing.T) {
				old := runtime.GOMAXPROCS(procs)
				defer runtime.GOMAXPROCS(old)
				base := tc.to.Add(-time.Minute)
				orders := []customer.Order{
					{ID: "o0", CustomerID: "base", Time: base, Amount: decimal.New(5, 0)},
					{ID: "o1", CustomerID: "p", Time: tc.at, Amount: tc.amount},
				}
				got, err := aggregate(context.Background(), crmkit.Stream(orders), aggConfig{from: tc.from, asOf: tc.to, strictAsOf: tc.strict, asOfName: "AsOf"})
				if tc.wantErr != nil {
					var re *crmkit.RecordError
					if !errors.Is(err, tc.wantErr) || !errors.As(err, &re) || re.Index != 1 || re.Field != tc.errField {
						t.Fatalf("err %v, want %v in field %s of order 1 (%s)", err, tc.wantErr, tc.errField, tc.reason)
					}
					return
				}
				if err != nil {
					t.Fatalf("%v (%s)", err, tc.reason)
				}
				var p *custAgg
				for i := range got {
					if got[i].id == "p" {
						p = &got[i]
					}
				}
				if (p != nil) != tc.want {
					t.Fatalf("order counted: %v, want %v (%s)", p != nil, tc.want, tc.reason)
				}
				if p != nil && (!p.revenue().Equal(tc.amount) || !p.last().Equal(tc.at)) {
					t.Errorf("revenue %s last %v, want %s %v", p.revenue(), p.last(), tc.amount, tc.at)
				}
			})
		}
	}
}

// TestSortIDsDeep: IDs sharing 16, 24, 32 or 40 bytes, IDs that are prefixes of
// others, trailing NULs and non-ASCII bytes sort as strings do, in runs big
// enough for the chunk radix sort and small enough for comparisons.
func TestSortIDsDeep(t *testing.T) {
	rng := rand.New(rand.NewPCG(6, 6))
	heads := []string{"", "customer-0000000", strings.Repeat("x", 32), strings.Repeat("y", 40), "6ba7b810-9dad-11d1-80b4-", "customer-000000000000000"}
	for _, n := range []int{10, 63, 64, 3000} {
		var ids []string
		seen := map[string]bool{}
		for len(ids) < n {
			id := heads[rng.IntN(len(heads))]
			switch rng.IntN(4) {
			case 0:
				id += fmt.Sprint(rng.IntN(1000))
			case 1:
				id += strings.Repeat("\x00", rng.IntN(3))
			case 2:
				id += string([]byte{byte(rng.IntN(256)), byte(rng.IntN(256))})
			default:
				id += strings.Repeat("z", rng.IntN(40))
			}
			if id == "" || seen[id] {
				continue
			}
			seen[id] = true
			ids = append(ids, id)
		}
		if d := checkSortByID(ids); d != "" {
			t.Errorf("n=%d: (-want +got):\n%s", n, d)
		}
	}
}

// TestAggregateIteratorPanics: a host iterator that panics after the table
// has grown past the size mapped outside the Go heap: the panic reaches the
// caller, the workers stop and the tables are given back (no hang, no
// crash in a worker), inline and with a worker.
func TestAggregateIteratorPanics(t *testing.T) {
	orders := func(yield func(customer.Order, error) bool) {
		for i := range 120_000 {
			o := customer.Order{ID: fmt.Sprint(i), CustomerID: fmt.Sprintf("k%d", i), Time: day(2024, 1, 1), Amount: decimal.New(1, 0)}
			if !yield(o, nil) {
				return
			}
		}
		panic("host iterator failed")
	}
	for _, procs := range []int{1, 2} {
		func() {
			old := runtime.GOMAXPROCS(procs)
			defer runtime.GOMAXPROCS(old)
			defer func() {
				if r := recover(); r != "host iterator failed" {
					t.Errorf("procs %d: recovered %v, want the iterator's panic", procs, r)
				}
			}()
			_, _ = aggregate(context.Background(), orders, aggConfig{asOf: day(2025, 1, 1)})
		}()
		if n := mappedTables.Load(); n != 0 {
			t.Errorf("procs %d: %d tables still mapped", procs, n)
		}
	}
}

// TestAllocTable: a big table is zeroed and usable; on Linux it is mapped
// (and counted until freed), a small one comes from the Go heap.
func TestAllocTable(t *testing.T) {
	small, mapped := allocTable(1 << aggMinBits)
	if mapped || len(small) != 1<<aggMinBits {
		t.Errorf("small table: mapped %v, len %d", mapped, len(small))
	}
	big, mapped := allocTable(1 << 17) // 8 MiB
	if runtime.GOOS == "linux" && !mapped {
		t.Error("big table not mapped on Linux")
	}
	for i := range big {
		if big[i] != (aggEntry{}) {
			t.Fatalf("entry %d not zero", i)
		}
		big[i].orders = int64(i)
	}
	if big[len(big)-1].orders != int64(len(big)-1) {
		t.Error("write lost")
	}
	if mapped {
		if mappedTables.Load() != 1 {
			t.Errorf("%d tables counted, want 1", mappedTables.Load())
		}
		freeTable(big)
	}
	if n := mappedTables.Load(); n != 0 {
		t.Errorf("%d tables still mapped", n)
	}
}

// TestScoreRFMParts: with more than 65536 customers ScoreRFM scores them in
// parts on several goroutines (and CustomerValues builds its values so);
// the result equals the one-goroutine result,
// and of two customers whose monetary value overflows float64, in
// different parts, the first (in ID order) is reported.
func TestScoreRFMParts(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	var orders []customer.Order
	base := day(2024, 1, 1)
	for i := range 150_000 {
		c := i % 140_000
		orders = append(orders, customer.Order{ID: fmt.Sprint(i), CustomerID: fmt.Sprintf("c%06d", c), Time: base.Add(time.Duration(rng.IntN(300*86400)) * time.Second), Amount: decimal.New(int64(rng.IntN(100000)), -2)})
	}
	asOf := day(2025, 1, 1)
	run := func(procs int, orders []customer.Order) (*RFMResult, error) {
		old := runtime.GOMAXPROCS(procs)
		defer runtime.GOMAXPROCS(old)
		return ScoreRFM(context.Background(), crmkit.Stream(orders), RFMOptions{AsOf: asOf})
	}
	one, err := run(1, orders)
	if err != nil {
		t.Fatal(err)
	}
	two, err := run(2, orders)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(one, two, decEq); d != "" {
		t.Errorf("(-1 goroutine +2):\n%s", d)
	}
	values := func(procs int) []CustomerValue {
		old := runtime.GOMAXPROCS(procs)
		defer runtime.GOMAXPROCS(old)
		v, err := CustomerValues(context.Background(), crmkit.Stream(orders), ValuesOptions{To: asOf})
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	if d := cmp.Diff(values(1), values(2), decEq); d != "" {
		t.Errorf("CustomerValues (-1 goroutine +2):\n%s", d)
	}
	huge := decimal.New(1, 400)
	bad := append(slices.Clone(orders),
		customer.Order{ID: "x1", CustomerID: "c139000", Time: base, Amount: huge},
		customer.Order{ID: "x2", CustomerID: "c000100", Time: base, Amount: huge})
	_, err = run(2, bad)
	var re *crmkit.RecordError
	if !errors.As(err, &re) || re.ID != "c000100" || re.Field != "monetary" {
		t.Errorf("err %v, want the monetary error of c000100", err)
	}
}

// TestLayout: a table entry is one 64-byte cache line and a record as big;
// the comments and the table's cost model count on it.
func TestLayout(t *testing.T) {
	if s := unsafe.Sizeof(aggEntry{}); s != 64 {
		t.Errorf("aggEntry is %d bytes, want 64", s)
	}
	if s := unsafe.Sizeof(aggRec{}); s != 64 {
		t.Errorf("aggRec is %d bytes, want 64", s)
	}
}
