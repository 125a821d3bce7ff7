package segment

import (
	"context"
	"fmt"
	"iter"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/crmkit/crmkit/customer"
	"github.com/shopspring/decimal"
)

// synthOrders streams n orders of nc customers, generated on the fly so the
// benchmark measures the analysis, not a 10M-element slice. Amounts come
// from a fixed menu of 1,000 prices (decimals are immutable and shared).
func synthOrders(n, nc int, seed uint64) iter.Seq2[customer.Order, error] {
	ids := make([]string, nc)
	for i := range ids {
		ids[i] = fmt.Sprintf("C%07d", i)
	}
	prices := make([]decimal.Decimal, 1000)
	for i := range prices {
		prices[i] = decimal.New(int64(99+i*137%20000), -2)
	}
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

// BenchmarkSynthOrders drains the synthetic stream alone: the part of
// BenchmarkScoreRFM and BenchmarkTiers that is the benchmark's own order
// generation (random customer per order, its ID string at a random heap
// address), to subtract when judging crmkit's share.
func BenchmarkSynthOrders(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("orders=%d", n), func(b *testing.B) {
			orders := synthOrders(n, max(1, n/10), 1)
			b.ReportAllocs()
			var cents int64
			cpu0 := processCPU()
			for b.Loop() {
				for o := range orders {
					cents += o.Amount.CoefficientInt64() + int64(len(o.CustomerID))
				}
			}
			reportCPU(b, cpu0)
			b.ReportMetric(float64(cents)/float64(b.N), "sum")
		})
	}
}

// groupedOrders streams n orders of nc customers grouped by customer (each
// customer's orders together, customers in ID order), as a host reading
// ORDER BY customer_id does, with each ID freshly made (as a decoder makes
// it); amounts and times as in synthOrders.
func groupedOrders(n, nc int, seed uint64) iter.Seq2[customer.Order, error] {
	base := day(2024, 1, 1)
	prices := make([]decimal.Decimal, 1000)
	for i := range prices {
		prices[i] = decimal.New(int64(99+i*137%20000), -2)
	}
	return func(yield func(customer.Order, error) bool) {
		rng := rand.New(rand.NewPCG(seed, 7))
		for c := range nc {
			id := fmt.Sprintf("C%07d", c)
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
			orders := groupedOrders(n, max(1, n/10), 1)
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
		})
	}
}

func BenchmarkScoreRFM(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("orders=%d", n), func(b *testing.B) {
			orders := synthOrders(n, max(1, n/10), 1)
			asOf := day(2025, 1, 1)
			b.ReportAllocs()
			var segs int
			cpu0 := processCPU()
			for b.Loop() {
				res, err := ScoreRFM(context.Background(), orders, RFMOptions{AsOf: asOf})
				if err != nil {
					b.Fatal(err)
				}
				segs = len(res.Counts)
			}
			reportCPU(b, cpu0)
			b.ReportMetric(float64(segs), "segments")
		})
	}
}

func BenchmarkTiers(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("orders=%d", n), func(b *testing.B) {
			orders := synthOrders(n, max(1, n/10), 2)
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
