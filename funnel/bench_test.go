package funnel

import (
	"context"
	"fmt"
	"iter"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/shopspring/decimal"
)

// fnlBenchGen generates deal i and its stage changes deterministically from
// i alone, so the deal stream and the change stream can be generated on the
// fly, consistently, without holding either in memory. About 10 changes per
// deal (5..15), with backward moves; 80% of deals close.
type fnlBenchGen struct {
	ids    []string
	reps   []string
	stages []string
	base   int64
}

func fnlMix(x uint64) uint64 { // splitmix64
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

func fnlNewBenchGen(n int) *fnlBenchGen {
	g := &fnlBenchGen{stages: []string{"s1", "s2", "s3", "s4", "won", "lost"}, base: time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC).Unix()}
	g.ids = make([]string, n)
	for i := range g.ids {
		g.ids[i] = "D" + strconv.Itoa(i)
	}
	for i := range 20 {
		g.reps = append(g.reps, "rep"+strconv.Itoa(i))
	}
	return g
}

// walk calls emit for each change of deal i and returns the final stage
// index, the close time (0 when open) and the created time.
func (g *fnlBenchGen) walk(i int, emit func(from, to int, t int64)) (final int, closed, created int64) {
	r := fnlMix(uint64(i))
	created = g.base + int64(r%(3*365*86400))
	n := 5 + int(fnlMix(r)%11)
	pos, t := 0, created
	for k := 0; k < n; k++ {
		r = fnlMix(r)
		t += 3600 + int64(r%(10*86400))
		to := pos + 1
		switch {
		case k == n-1 && r%5 != 0:
			to = 4 + int(r>>8)%2 // won or lost
			if to == 4 || pos == 3 {
				to = 4 + int(r>>9)%2
			}
		case pos == 3 || (pos > 0 && (r>>16)%2 == 0):
			to = pos - 1
		}
		if emit != nil {
			emit(pos, to, t)
		}
		if to >= 4 {
			return to, t, created
		}
		pos = to
	}
	return pos, 0, created
}

func (g *fnlBenchGen) deals() iter.Seq2[Deal, error] {
	return func(yield func(Deal, error) bool) {
		for i := range g.ids {
			final, closed, created := g.walk(i, nil)
			r := fnlMix(uint64(i) ^ 0xabc)
			d := Deal{ID: g.ids[i], Pipeline: "syn", Owner: g.reps[r%20], Amount: decimal.New(int64(100+r%100000), 0),
				Created: time.Unix(created, 0), Stage: g.stages[final], ExpectedClose: time.Unix(created+90*86400, 0)}
			if closed != 0 {
				d.Closed = time.Unix(closed, 0)
				if final == 5 {
					d.LostReason = "price"
				}
			}
			if !yield(d, nil) {
				return
			}
		}
	}
}

func (g *fnlBenchGen) changes(count *int) iter.Seq2[StageChange, error] {
	return func(yield func(StageChange, error) bool) {
		ok := true
		for i := range g.ids {
			g.walk(i, func(from, to int, t int64) {
				if ok {
					*count++
					ok = yield(StageChange{DealID: g.ids[i], From: g.stages[from], To: g.stages[to], Time: time.Unix(t, 0)}, nil)
				}
			})
			if !ok {
				return
			}
		}
	}
}

func fnlBenchOptions() *Options {
	asOf := time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC)
	teams := map[string]string{}
	for i := range 20 {
		teams["rep"+strconv.Itoa(i)] = "team" + strconv.Itoa(i%4)
	}
	return &Options{AsOf: asOf, From: asOf.AddDate(-2, 0, 0), Snapshots: []time.Time{asOf.AddDate(-1, 0, 0), asOf.AddDate(0, -6, 0)},
		Teams:   teams,
		Targets: []Target{{Team: "team1", Period: Quarter, Start: asOf, Amount: decimal.NewFromInt(5_000_000)}, {Rep: "rep3", Period: Year, Start: asOf, Amount: decimal.NewFromInt(1_000_000)}}}
}

// BenchmarkRun streams n deals and about 10n stage changes through the full
// report (three snapshots, all conversion definitions, 20 reps in 4 teams,
// diagnostics, stale deals, targets). The streams are generated on the fly
// and their cost (see BenchmarkGenerate) is included. Metrics: ns/event
// (wall time per deal or change), cpu-ns/event (process CPU time, which a
// shared machine distorts less),
// state-B/deal (the compact deal table and ID index Run holds while the
// changes stream past) and live-B/deal (heap growth measured after a GC
// while that state is held, which also counts the aggregates).
func BenchmarkRun(b *testing.B) {
	for _, n := range []int{10, 1_000, 100_000, 1_000_000} {
		b.Run(fmt.Sprintf("deals=%d", n), func(b *testing.B) {
			g := fnlNewBenchGen(n)
			pl := []Pipeline{fnlSynthPipeline()}
			opts := fnlBenchOptions()
			var events int
			var state, live float64
			var cpu time.Duration
			b.ReportAllocs()
			for b.Loop() {
				cpu0 := fnlCPUTime()
				changes := 0
				acc, err := NewAccumulator(pl, opts)
				if err != nil {
					b.Fatal(err)
				}
				var ms0, ms1 runtime.MemStats
				b.StopTimer()
				runtime.GC()
				runtime.ReadMemStats(&ms0)
				b.StartTimer()
				r := fnlRunner{acc: acc, ctx: context.Background()}
				if err := r.run(Input{Deals: g.deals(), StageChanges: g.changes(&changes)}); err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				cpu += fnlCPUTime() - cpu0
				runtime.GC()
				runtime.ReadMemStats(&ms1)
				live = float64(int64(ms1.HeapAlloc)-int64(ms0.HeapAlloc)) / float64(n)
				state = float64(r.stateBytes()) / float64(n)
				b.StartTimer()
				cpu0 = fnlCPUTime()
				rep, err := acc.Report()
				if err != nil {
					b.Fatal(err)
				}
				cpu += fnlCPUTime() - cpu0
				if got := rep.Pipelines[0].Total.Snapshots[2].Count; got != n {
					b.Fatalf("snapshot holds %d deals, want %d", got, n)
				}
				events = n + changes
				runtime.KeepAlive(r.deals.chunks)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(events), "ns/event")
			b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N)/float64(events), "cpu-ns/event")
			b.ReportMetric(float64(events-n)/float64(n), "changes/deal")
			b.ReportMetric(state, "state-B/deal")
			b.ReportMetric(live, "live-B/deal")
		})
	}
}

// BenchmarkGenerate drains the benchmark's generated streams without
// analysing them: subtract it from BenchmarkRun to see crmkit's own cost.
func BenchmarkGenerate(b *testing.B) {
	for _, n := range []int{1_000, 1_000_000} {
		b.Run(fmt.Sprintf("deals=%d", n), func(b *testing.B) {
			g := fnlNewBenchGen(n)
			b.ReportAllocs()
			var events int
			cpu0 := fnlCPUTime()
			for b.Loop() {
				changes, sum := 0, int64(0)
				for d := range g.deals() {
					sum += d.Created.Unix()
				}
				for c := range g.changes(&changes) {
					sum += c.Time.Unix()
				}
				if sum == 0 {
					b.Fatal("empty streams")
				}
				events = n + changes
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(events), "ns/event")
			b.ReportMetric(float64((fnlCPUTime()-cpu0).Nanoseconds())/float64(b.N)/float64(events), "cpu-ns/event")
		})
	}
}
