package customer

import (
	"context"
	"fmt"
	"iter"
	"math/rand/v2"
	"runtime"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/shopspring/decimal"
)

// Benchmarks stream their input from generators: nothing proportional to the
// number of orders is ever held, so the peak heap they report is what the
// function under test keeps. Run, for example:
//
//	go test ./customer -run '^$' -bench 'Validate/^customers=100000$/' -benchtime=1x
//
// (each level of a -bench pattern is matched separately and unanchored:
// anchor the size, or customers=100000 also selects customers=1000000).

// The two sizes with 100,000 customers show that memory follows customers,
// not orders: tripling the orders leaves the peak heap where it was.
var classifyBenchSizes = []struct{ customers, orders int }{
	{10, 100}, {1_000, 10_000}, {100_000, 1_000_000}, {100_000, 3_000_000}, {1_000_000, 10_000_000},
}

func benchIDs(n int) []string {
	ids := make([]string, n)
	for i := range ids {
		ids[i] = "C" + strconv.Itoa(i)
	}
	return ids
}

func benchCustomers(ids []string) iter.Seq2[Customer, error] {
	return func(yield func(Customer, error) bool) {
		rng := rand.New(rand.NewPCG(1, 1))
		levels := []string{"A", "B", "C"}
		sources := []string{"web", "fair", "referral", "cold call"}
		for i, id := range ids {
			c := Customer{ID: id, Name: "Customer " + id, Owner: "rep" + strconv.Itoa(i%50),
				Created: testAsOf.AddDate(0, 0, -1-rng.IntN(1500)), Level: levels[rng.IntN(3)], Source: sources[rng.IntN(4)]}
			if i > 0 && rng.IntN(10) == 0 {
				c.ReferredBy = ids[rng.IntN(i)]
			}
			if !yield(c, nil) {
				return
			}
		}
	}
}

// memPeak tracks the peak heap (HeapAlloc: live data plus garbage not yet
// collected), sampled every 1<<16 orders and at the end of the stream.
//
// retained is the live heap after a forced collection at the end of the
// order stream: what the function under test keeps while it reads orders.
type memPeak struct{ max, retained uint64 }

func (p *memPeak) end() {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	p.retained = max(p.retained, m.HeapAlloc)
}

func (p *memPeak) sample() {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	p.max = max(p.max, m.HeapAlloc)
}

func benchOrders(ids []string, n int, peak *memPeak) iter.Seq2[Order, error] {
	return func(yield func(Order, error) bool) {
		rng := rand.New(rand.NewPCG(2, 2))
		for i := range n {
			if peak != nil && i&(1<<16-1) == 0 {
				peak.sample()
			}
			o := Order{ID: "O" + strconv.Itoa(i), CustomerID: ids[rng.IntN(len(ids))],
				Time: testAsOf.Add(-time.Duration(rng.IntN(3*365*24)) * time.Hour), Amount: decimal.New(int64(100+rng.IntN(100000)), -2), Currency: "CNY"}
			if !yield(o, nil) {
				return
			}
		}
		if peak != nil {
			peak.sample()
			peak.end()
		}
	}
}

func benchInteractions(ids []string, n int) iter.Seq2[Interaction, error] {
	return func(yield func(Interaction, error) bool) {
		rng := rand.New(rand.NewPCG(3, 3))
		for i := range n {
			x := Interaction{ID: "I" + strconv.Itoa(i), CustomerID: ids[rng.IntN(len(ids))], Rep: "rep1",
				Time: testAsOf.Add(-time.Duration(rng.IntN(365*24)) * time.Hour)}
			if !yield(x, nil) {
				return
			}
		}
	}
}

// cpuNanos returns the process's user+system CPU time in nanoseconds. On a
// shared machine wall-clock ns/op mostly measures the neighbours; CPU time
// (which includes the garbage collector's threads) is the steadier figure.
func cpuNanos() int64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}

func reportBench(b *testing.B, records int, peak *memPeak, m0 *runtime.MemStats, cpu0 int64) {
	var m1 runtime.MemStats
	runtime.ReadMemStats(&m1)
	total := float64(records) * float64(b.N)
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/total, "ns/record")
	b.ReportMetric(float64(cpuNanos()-cpu0)/total, "cpu-ns/record")
	b.ReportMetric(float64(m1.Mallocs-m0.Mallocs)/total, "allocs/record")
	if peak != nil {
		b.ReportMetric(float64(peak.max)/(1<<20), "peak-heap-MB")
		b.ReportMetric(float64(peak.retained)/(1<<20), "retained-MB")
	}
}

// BenchmarkCustaGenerate measures the generators alone, the floor under the
// figures of the benchmarks below.
func BenchmarkCustaGenerate(b *testing.B) {
	for _, sz := range classifyBenchSizes {
		b.Run(fmt.Sprintf("customers=%d/orders=%d", sz.customers, sz.orders), func(b *testing.B) {
			ids := benchIDs(sz.customers)
			b.ReportAllocs()
			var m0 runtime.MemStats
			runtime.ReadMemStats(&m0)
			cpu0 := cpuNanos()
			n := 0
			for b.Loop() {
				for c := range benchCustomers(ids) {
					n += len(c.ID)
				}
				for o := range benchOrders(ids, sz.orders, nil) {
					n += len(o.ID)
				}
			}
			if n == 0 {
				b.Fatal("nothing generated")
			}
			reportBench(b, sz.customers+sz.orders, nil, &m0, cpu0)
		})
	}
	for _, n := range []int{1_000, 100_000} {
		b.Run(fmt.Sprintf("people=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			var m0 runtime.MemStats
			runtime.ReadMemStats(&m0)
			cpu0 := cpuNanos()
			k := 0
			for b.Loop() {
				for c := range benchPeople(n) {
					k += len(c.Name)
				}
			}
			if k == 0 {
				b.Fatal("nothing generated")
			}
			reportBench(b, n, nil, &m0, cpu0)
		})
	}
}

func BenchmarkValidate(b *testing.B) {
	for _, sz := range classifyBenchSizes {
		b.Run(fmt.Sprintf("customers=%d/orders=%d", sz.customers, sz.orders), func(b *testing.B) {
			ids := benchIDs(sz.customers)
			inter := sz.orders / 10
			peak := &memPeak{}
			b.ReportAllocs()
			var m0 runtime.MemStats
			runtime.ReadMemStats(&m0)
			cpu0 := cpuNanos()
			for b.Loop() {
				r, err := Validate(context.Background(), testAsOf, benchCustomers(ids), benchOrders(ids, sz.orders, peak), benchInteractions(ids, inter), nil)
				if err != nil || r.Orders.Accepted != sz.orders {
					b.Fatalf("err %v, accepted %d of %d orders", err, r.Orders.Accepted, sz.orders)
				}
			}
			reportBench(b, sz.customers+sz.orders+inter, peak, &m0, cpu0)
		})
	}
}

var benchRules = []Rule{
	{Name: "vip", Level: "A", When: []Condition{{Metric: MetricSpend, Op: ">=", Value: "5000", WindowDays: 365}}},
	{Name: "regular", Level: "B", When: []Condition{{Metric: MetricOrders, Op: ">=", Value: "3", WindowDays: 365}}},
	{Name: "lapsed", Tags: []string{"win-back"}, When: []Condition{{Metric: MetricDaysSincePurchase, Op: ">", Value: "180"}}},
	{Name: "cold", Tags: []string{"call"}, When: []Condition{{Metric: MetricDaysSinceContact, Op: ">", Value: "90"}}},
	{Name: "ambassador", Tags: []string{"ambassador"}, When: []Condition{{Metric: MetricReferrals, Op: ">=", Value: "2"}}},
	{Name: "big-ever", Tags: []string{"big"}, When: []Condition{{Metric: MetricSpend, Op: ">=", Value: "20000"}, {Metric: MetricSource, Op: "==", Value: "fair"}}},
	{Name: "rest", Level: "C"},
}

func BenchmarkClassify(b *testing.B) {
	for _, sz := range classifyBenchSizes {
		b.Run(fmt.Sprintf("customers=%d/orders=%d", sz.customers, sz.orders), func(b *testing.B) {
			ids := benchIDs(sz.customers)
			inter := sz.orders / 10
			peak := &memPeak{}
			b.ReportAllocs()
			var m0 runtime.MemStats
			runtime.ReadMemStats(&m0)
			cpu0 := cpuNanos()
			for b.Loop() {
				r, err := Classify(context.Background(), testAsOf, benchRules, benchCustomers(ids), benchOrders(ids, sz.orders, peak), benchInteractions(ids, inter), nil)
				if err != nil || len(r.Assignments) != sz.customers {
					b.Fatalf("err %v", err)
				}
			}
			reportBench(b, sz.customers+sz.orders+inter, peak, &m0, cpu0)
		})
	}
}

// benchPeople streams n customers with realistic names (half Latin,
// half Chinese), phones and e-mails, of which about 2% are perturbed copies
// of an earlier customer.
func benchPeople(n int) iter.Seq2[Customer, error] {
	syl := []string{"an", "ber", "ca", "dor", "el", "fin", "gar", "hal", "is", "jo", "ka", "lin", "mar", "no", "os", "per", "qui", "ros", "sa", "tor", "ul", "ven", "wil", "xa", "yor", "zen"}
	sur := []rune("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤")
	given := []rune("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红娥玲芬燕彬斌宇浩凯健俊帆帅旭宁龙林欣悦晨曦思源博文涵瑞睿嘉怡佳琪梓萱子轩皓然一诺")
	return func(yield func(Customer, error) bool) {
		rng := rand.New(rand.NewPCG(4, 4))
		var recent []Customer
		for i := range n {
			var c Customer
			if len(recent) > 0 && rng.IntN(50) == 0 {
				c = recent[rng.IntN(len(recent))]
				switch rng.IntN(3) {
				case 0:
					c.Phone = "+86 " + c.Phone
				case 1:
					c.Email = ""
					c.Phone = ""
				default:
					c.Phone = ""
				}
			} else if rng.IntN(2) == 0 {
				w := func() string {
					s := ""
					for range 2 + rng.IntN(2) {
						s += syl[rng.IntN(len(syl))]
					}
					return s
				}
				first, last := w(), w()
				c = Customer{Name: first + " " + last, Email: first + "." + last + strconv.Itoa(rng.IntN(100)) + "@example.com"}
			} else {
				name := []rune{sur[rng.IntN(len(sur))], given[rng.IntN(len(given))]}
				if rng.IntN(2) == 0 {
					name = append(name, given[rng.IntN(len(given))])
				}
				c = Customer{Name: string(name)}
			}
			if c.Phone == "" && c.Email == "" && rng.IntN(4) != 0 {
				c.Phone = fmt.Sprintf("1%d%09d", 3+rng.IntN(6), rng.IntN(1_000_000_000))
			}
			c.ID = "P" + strconv.Itoa(i)
			if len(recent) < 1000 {
				recent = append(recent, c)
			} else {
				recent[rng.IntN(1000)] = c
			}
			if !yield(c, nil) {
				return
			}
		}
	}
}

func BenchmarkFindDuplicates(b *testing.B) {
	modes := []struct {
		name string
		opts *DuplicateOptions
	}{
		{"default", nil}, // phone and e-mail blocks; names corroborate
		{"names", &DuplicateOptions{MinScore: 0.45}}, // name-only pairs too: name-token and bigram blocks
	}
	for _, mode := range modes {
		for _, n := range []int{10, 1_000, 100_000, 1_000_000} {
			b.Run(fmt.Sprintf("%s/customers=%d", mode.name, n), func(b *testing.B) {
				b.ReportAllocs()
				var m0 runtime.MemStats
				runtime.ReadMemStats(&m0)
				cpu0 := cpuNanos()
				var res *Duplicates
				for b.Loop() {
					var err error
					res, err = FindDuplicates(context.Background(), benchPeople(n), mode.opts)
					if err != nil {
						b.Fatal(err)
					}
				}
				reportBench(b, n, nil, &m0, cpu0)
				b.ReportMetric(float64(len(res.Pairs)), "pairs")
				b.ReportMetric(float64(res.Comparisons)/float64(n), "comparisons/customer")
			})
		}
	}
}

func BenchmarkReferralValue(b *testing.B) {
	for _, sz := range classifyBenchSizes {
		b.Run(fmt.Sprintf("customers=%d/orders=%d", sz.customers, sz.orders), func(b *testing.B) {
			ids := benchIDs(sz.customers)
			g, err := BuildReferralGraph(context.Background(), benchCustomers(ids), nil)
			if err != nil {
				b.Fatal(err)
			}
			peak := &memPeak{}
			b.ReportAllocs()
			var m0 runtime.MemStats
			runtime.ReadMemStats(&m0)
			cpu0 := cpuNanos()
			for b.Loop() {
				if _, err := g.Value(context.Background(), testAsOf, benchOrders(ids, sz.orders, peak), nil); err != nil {
					b.Fatal(err)
				}
			}
			reportBench(b, sz.orders, peak, &m0, cpu0)
		})
	}
}
