package segment

import (
	"context"
	"fmt"
	"iter"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"
	"time"
	"unsafe"

	"github.com/crmkit/crmkit/customer"
	"github.com/shopspring/decimal"
)

// Benchmark inputs. Both stream n orders of nc customers, a random customer
// per order, times varying over a year and amounts from a fixed menu of
// 1,000 prices (decimals are immutable and shared), generated on the fly so
// the benchmark measures the analysis, not a 10M-element slice.
//
//   - ids=fresh (decodedOrders), the main input: each order's customer ID is
//     formatted afresh into a buffer and copied into a new string, as a
//     database driver or CSV reader decoding a row does (the allocation is
//     included). The analysis receives bytes just written, in cache.
//   - ids=shared (synthOrders), a pessimistic input: IDs are 10⁶ strings
//     built in advance and handed out at random, so the first read of an
//     order's ID bytes is a cache miss that a decoding host would not have.
//   - ids=18 (decoded18Orders): as ids=fresh with 18-byte IDs ("cus_" and
//     14 digits), the length of many CRM and payment system IDs.
//   - ids=long (decodedLongOrders): as ids=fresh with 36-byte canonical
//     UUIDs, which the aggregation table packs into 16 bytes.
//   - ids=text36 (decodedText36Orders): as ids=fresh with 36-byte IDs that
//     are not UUIDs, longer than the 24 bytes kept inline in the table, so
//     that every order also compares the stored rest of its ID.
type orderGen func(n, nc int, seed uint64) iter.Seq2[customer.Order, error]

var orderGens = []struct {
	name string
	gen  orderGen
}{
	{"ids=fresh", decodedOrders},
	{"ids=shared", synthOrders},
	{"ids=18", decoded18Orders},
	{"ids=long", decodedLongOrders},
	{"ids=text36", decodedText36Orders},
}

func benchPrices() []decimal.Decimal {
	prices := make([]decimal.Decimal, 1000)
	for i := range prices {
		prices[i] = decimal.New(int64(99+i*137%20000), -2)
	}
	return prices
}

// paddedID returns an ID maker for customer c: prefix and c zero-padded to
// digits digits (fmt's %0*d).
func paddedID(prefix string, digits int) func([]byte, int) []byte {
	return func(buf []byte, c int) []byte {
		buf = append(buf, prefix...)
		var d [20]byte
		num := strconv.AppendInt(d[:0], int64(c), 10)
		for n := len(num); n < digits; n++ {
			buf = append(buf, '0')
		}
		return append(buf, num...)
	}
}

var (
	appendID       = paddedID("C", 7)                            // 8 bytes, the same IDs in every input
	append18ID     = paddedID("cus_", 14)                        // 18 bytes, as many CRM and payment IDs
	appendLongID   = paddedID("6ba7b810-9dad-11d1-80b4-", 12)    // 36 bytes, a canonical UUID
	appendText36ID = paddedID("org-emea-wholesale-customer-", 8) // 36 bytes, not a UUID
)

func decodedOrders(n, nc int, seed uint64) iter.Seq2[customer.Order, error] {
	return decodedWith(appendID, n, nc, seed)
}

func decoded18Orders(n, nc int, seed uint64) iter.Seq2[customer.Order, error] {
	return decodedWith(append18ID, n, nc, seed)
}

func decodedLongOrders(n, nc int, seed uint64) iter.Seq2[customer.Order, error] {
	return decodedWith(appendLongID, n, nc, seed)
}

func decodedText36Orders(n, nc int, seed uint64) iter.Seq2[customer.Order, error] {
	return decodedWith(appendText36ID, n, nc, seed)
}

// decodedWith is decodedOrders with another ID format.
func decodedWith(appendID func([]byte, int) []byte, n, nc int, seed uint64) iter.Seq2[customer.Order, error] {
	prices := benchPrices()
	base := day(2024, 1, 1)
	return func(yield func(customer.Order, error) bool) {
		rng := rand.New(rand.NewPCG(seed, 7))
		var buf []byte
		for range n {
			buf = appendID(buf[:0], rng.IntN(nc))
			o := customer.Order{
				CustomerID: string(buf),
				Time:       base.Add(time.Duration(rng.IntN(365*86400)) * time.Second),
				Amount:     prices[rng.IntN(len(prices))],
				Currency:   "EUR",
			}
			if !yield(o, nil) {
				return
			}
		}
	}
}

func synthOrders(n, nc int, seed uint64) iter.Seq2[customer.Order, error] {
	ids := make([]string, nc)
	for i := range ids {
		ids[i] = string(appendID(nil, i))
	}
	prices := benchPrices()
	base := day(2024, 1, 1)
	return func(yield func(customer.Order, error) bool) {
		rng := rand.New(rand.NewPCG(seed, 7))
		for range n {
			o := customer.Order{
				CustomerID: ids[rng.IntN(nc)],
				Time:       base.Add(time.Duration(rng.IntN(365*86400)) * time.Second),
				Amount:     prices[rng.IntN(len(prices))],
				Currency:   "EUR",
			}
			if !yield(o, nil) {
				return
			}
		}
	}
}

var benchSizes = []int{1_000, 100_000, 1_000_000, 10_000_000}

// BenchmarkSynthOrders drains each input alone: the part of
// BenchmarkScoreRFM and BenchmarkTiers that is the benchmark's own order
// generation (the host's decoding), to subtract when judging crmkit's share.
// The loop reads each ID's bytes, as any consumer must.
func BenchmarkSynthOrders(b *testing.B) {
	for _, g := range orderGens {
		for _, n := range benchSizes {
			b.Run(fmt.Sprintf("%s/orders=%d", g.name, n), func(b *testing.B) {
				orders := g.gen(n, max(1, n/10), 1)
				b.ReportAllocs()
				var cents int64
				cpu0 := processCPU()
				for b.Loop() {
					for o := range orders {
						cents += o.Amount.CoefficientInt64() + int64(o.CustomerID[len(o.CustomerID)-1])
					}
				}
				reportCPU(b, cpu0)
				b.ReportMetric(float64(cents)/float64(b.N), "sum")
			})
		}
	}
}

// groupedOrders streams n orders of nc customers grouped by customer (each
// customer's orders together, customers in ID order), as a host reading
// ORDER BY customer_id does, with each ID freshly made (as a decoder makes
// it); amounts and times as in synthOrders.
func groupedOrders(n, nc int, seed uint64) iter.Seq2[customer.Order, error] {
	base := day(2024, 1, 1)
	prices := benchPrices()
	return func(yield func(customer.Order, error) bool) {
		rng := rand.New(rand.NewPCG(seed, 7))
		for c := range nc {
			id := string(appendID(nil, c))
			k := n / nc
			if c < n%nc {
				k++
			}
			for range k {
				o := customer.Order{
					CustomerID: id,
					Time:       base.Add(time.Duration(rng.IntN(365*86400)) * time.Second),
					Amount:     prices[rng.IntN(len(prices))],
					Currency:   "EUR",
				}
				if !yield(o, nil) {
					return
				}
			}
		}
	}
}

// BenchmarkScoreRFMGrouped is BenchmarkScoreRFM on a stream grouped by
// customer: consecutive orders of one customer skip the hash and the table
// probe.
func BenchmarkScoreRFMGrouped(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("orders=%d", n), func(b *testing.B) {
			benchRFM(b, groupedOrders(n, max(1, n/10), 1))
		})
	}
}

// BenchmarkScoreRFM and BenchmarkTiers run on every input (see orderGens);
// ids=fresh is the figure for a host decoding rows.
func BenchmarkScoreRFM(b *testing.B) {
	for _, g := range orderGens {
		for _, n := range benchSizes {
			b.Run(fmt.Sprintf("%s/orders=%d", g.name, n), func(b *testing.B) {
				benchRFM(b, g.gen(n, max(1, n/10), 1))
			})
		}
	}
}

// benchRFM times ScoreRFM over orders, reporting process CPU too.
func benchRFM(b *testing.B, orders iter.Seq2[customer.Order, error]) {
	b.ReportAllocs()
	var segs int
	cpu0 := processCPU()
	for b.Loop() {
		res, err := ScoreRFM(context.Background(), orders, RFMOptions{AsOf: day(2025, 1, 1)})
		if err != nil {
			b.Fatal(err)
		}
		segs = len(res.Counts)
	}
	reportCPU(b, cpu0)
	b.ReportMetric(float64(segs), "segments")
}

func BenchmarkTiers(b *testing.B) {
	for _, g := range orderGens {
		for _, n := range benchSizes {
			b.Run(fmt.Sprintf("%s/orders=%d", g.name, n), func(b *testing.B) {
				orders := g.gen(n, max(1, n/10), 2)
				b.ReportAllocs()
				var a int
				cpu0 := processCPU()
				for b.Loop() {
					vals, err := CustomerValues(context.Background(), orders, ValuesOptions{To: day(2025, 1, 1)})
					if err != nil {
						b.Fatal(err)
					}
					t, err := AssignTiers(vals, nil)
					if err != nil {
						b.Fatal(err)
					}
					a = t.Tiers[0].Customers
				}
				reportCPU(b, cpu0)
				b.ReportMetric(float64(a), "A-customers")
			})
		}
	}
}

// daySummaries simulates BG/NBD histories at day grain (times rounded down
// to whole days, as Summarize produces them), observed 1..365 days.
func daySummaries(n int, seed uint64) []Summary {
	s := simulate(simBG, n, 0.5, 6, 0.8, 2.5, seed)
	for i := range s {
		T := float64(1+int(s[i].T*7)%365) / 7
		s[i].T = T
		s[i].Recency = math.Min(math.Floor(s[i].Recency*7)/7, T)
	}
	return s
}

func BenchmarkFitBGNBD(b *testing.B) {
	for _, n := range []int{1_000, 100_000, 1_000_000} {
		b.Run(fmt.Sprintf("customers=%d", n), func(b *testing.B) {
			s := daySummaries(n, 3)
			b.ReportAllocs()
			var r float64
			cpu0 := processCPU()
			for b.Loop() {
				m, err := FitBGNBD(s, nil)
				if err != nil {
					b.Fatal(err)
				}
				r = m.Params().R
			}
			reportCPU(b, cpu0)
			b.ReportMetric(r, "r")
		})
	}
}

func BenchmarkKMeans(b *testing.B) {
	centers := make([][]float64, 8)
	for i := range centers {
		centers[i] = []float64{float64(i % 2 * 10), float64(i / 2 % 2 * 10), float64(i / 4 * 10)}
	}
	for _, n := range []int{1_000, 100_000, 1_000_000} {
		b.Run(fmt.Sprintf("points=%d", n), func(b *testing.B) {
			data := blobs(centers, n/8, 4)
			b.ReportAllocs()
			var it int
			cpu0 := processCPU()
			for b.Loop() {
				c, err := KMeans(context.Background(), data, 3, KMeansOptions{K: 8, Seed: 1})
				if err != nil {
					b.Fatal(err)
				}
				it = c.Iterations
			}
			reportCPU(b, cpu0)
			b.ReportMetric(float64(it), "iterations")
		})
	}
}

// reportCPU adds the process CPU time per op (all goroutines) since cpu0.
func reportCPU(b *testing.B, cpu0 time.Duration) {
	if c := processCPU() - cpu0; c > 0 {
		b.ReportMetric(float64(c)/float64(b.N)/1e9, "cpu-s/op")
	}
}

// BenchmarkMachineCalibration measures one random lookup in a map of 10⁶
// string keys, the dominant cost of streaming RFM and tiers, so that figures
// from a loaded machine can be scaled (an idle 2020s x86 core: ~50–100 ns).
func BenchmarkMachineCalibration(b *testing.B) {
	ids := make([]string, 1_000_000)
	m := make(map[string]int32, len(ids))
	for i := range ids {
		ids[i] = fmt.Sprintf("C%07d", i)
		m[ids[i]] = int32(i)
	}
	rng := rand.New(rand.NewPCG(1, 1))
	var s int32
	b.ReportAllocs()
	for b.Loop() {
		s += m[ids[rng.IntN(len(ids))]]
	}
	if s == -1 {
		b.Log(s)
	}
}

// TestBenchInputs: both benchmark inputs give the same IDs (fmt's C%07d)
// and the fresh one gives every order its own string.
func TestBenchInputs(t *testing.T) {
	for _, c := range []int{0, 7, 42, 999_999, 1_234_567, 12_345_678} {
		for _, f := range []struct {
			name   string
			append func([]byte, int) []byte
			format string
		}{
			{"appendID", appendID, "C%07d"},
			{"append18ID", append18ID, "cus_%014d"},
			{"appendLongID", appendLongID, "6ba7b810-9dad-11d1-80b4-%012d"},
			{"appendText36ID", appendText36ID, "org-emea-wholesale-customer-%08d"},
		} {
			if got, want := string(f.append([]byte("x"), c)), "x"+fmt.Sprintf(f.format, c); got != want {
				t.Errorf("%s(%d) = %q, want %q", f.name, c, got, want)
			}
		}
	}
	var fresh, shared []string
	for o := range decodedOrders(50, 5, 1) {
		fresh = append(fresh, o.CustomerID)
	}
	for o := range synthOrders(50, 5, 1) {
		shared = append(shared, o.CustomerID)
	}
	if !slices.Equal(fresh, shared) {
		t.Errorf("fresh IDs %q differ from shared %q", fresh, shared)
	}
	if unsafe.StringData(fresh[0]) == unsafe.StringData(fresh[1]) {
		t.Error("fresh IDs share memory")
	}
	for _, c := range []int{0, 123_456_789_012} {
		if id := appendLongID(nil, c); len(id) != 36 {
			t.Errorf("appendLongID(%d) = %q, %d bytes, want 36", c, id, len(id))
		}
		if id := append18ID(nil, c); len(id) != 18 {
			t.Errorf("append18ID(%d) = %q, %d bytes, want 18", c, id, len(id))
		}
	}
}
