package funnel

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// pipeChi2Crit is the chi-square critical value for df degrees of freedom at
// upper tail 1e-4 (z = 3.719), by the Wilson–Hilferty approximation, which
// is within 1 % of the exact quantile for df ≥ 3. A correct sampler fails a
// test with probability about 1e-4.
func pipeChi2Crit(df int) float64 {
	k := float64(df)
	a := 2 / (9 * k)
	return k * math.Pow(1-a+3.719*math.Sqrt(a), 3)
}

// pipeChi2 compares observed counts with expected probabilities (which sum
// to 1), pooling cells with expected count below 5 into one, and returns the
// statistic and its degrees of freedom.
func pipeChi2(obs []int, prob []float64) (stat float64, df int) {
	total := 0
	for _, o := range obs {
		total += o
	}
	poolO, poolE := 0.0, 0.0
	cells := 0
	for i, o := range obs {
		e := prob[i] * float64(total)
		if e < 5 {
			poolO += float64(o)
			poolE += e
			continue
		}
		stat += (float64(o) - e) * (float64(o) - e) / e
		cells++
	}
	if poolE > 0 {
		stat += (poolO - poolE) * (poolO - poolE) / poolE
		cells++
	}
	return stat, cells - 1
}

// pipeBinomPMF is the Binomial(n, p) distribution from math.Lgamma, computed
// independently of the sampler's tables and recurrence.
func pipeBinomPMF(n int, p float64) []float64 {
	pmf := make([]float64, n+1)
	ln, _ := math.Lgamma(float64(n + 1))
	for k := range pmf {
		lk, _ := math.Lgamma(float64(k + 1))
		lnk, _ := math.Lgamma(float64(n - k + 1))
		pmf[k] = math.Exp(ln - lk - lnk + float64(k)*math.Log(p) + float64(n-k)*math.Log1p(-p))
	}
	return pmf
}

func TestPipeBinomDistribution(t *testing.T) {
	// Draws of pipeBinom must follow the exact binomial distribution: a
	// chi-square test over 40 000 draws per case at level 1e-4.
	tab := pipeBinomTable()
	for _, tc := range []struct {
		name   string
		n      int
		p      float64
		reason string
	}{
		{"n1", 1, 0.3, "a single trial is a Bernoulli"},
		{"small", 5, 0.5, "symmetric, small n"},
		{"rare", 20, 0.05, "mode at 0, long right tail"},
		{"mid", 100, 0.3, "a split-sized binomial"},
		{"chunk-low", pipeChunk, 0.1, "full chunk, the precomputed mode probability"},
		{"chunk-high", pipeChunk, 0.6, "p above 1/2 runs through the flip"},
		{"near-one", 300, 0.999, "mode at n after the flip"},
		{"odd", 1000, 1.0 / 3, "n just below a chunk"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := pipeNewRNG(rand.NewPCG(11, uint64(tc.n)))
			b := pipeNewBinomP(tc.p)
			obs := make([]int, tc.n+1)
			const draws = 40000
			for range draws {
				k := pipeBinom(r, tab, tc.n, &b)
				if k < 0 || k > tc.n {
					t.Fatalf("%s: count %d outside [0, %d]", tc.reason, k, tc.n)
				}
				obs[k]++
			}
			stat, df := pipeChi2(obs, pipeBinomPMF(tc.n, tc.p))
			if df >= 1 && stat > pipeChi2Crit(max(df, 3)) {
				t.Errorf("%s: chi-square %.1f with %d df exceeds the 1e-4 critical value %.1f", tc.reason, stat, df, pipeChi2Crit(max(df, 3)))
			}
		})
	}
}

func TestPipeBinomEdges(t *testing.T) {
	tab := pipeBinomTable()
	r := pipeNewRNG(rand.NewPCG(1, 1))
	for _, tc := range []struct {
		name   string
		n      int
		p      float64
		want   int
		reason string
	}{
		{"p0", 50, 0, 0, "p = 0 never succeeds"},
		{"pneg", 50, -0.1, 0, "a negative probability is treated as 0"},
		{"pnan", 50, math.NaN(), 0, "NaN is treated as 0"},
		{"p1", 50, 1, 50, "p = 1 always succeeds"},
		{"n0", 0, 0.5, 0, "no trials"},
		{"tiny", pipeChunk, 1e-300, 0, "a vanishing p (its mode probability is 1 within rounding)"},
	} {
		b := pipeNewBinomP(tc.p)
		for range 100 {
			if got := pipeBinom(r, tab, tc.n, &b); got != tc.want {
				t.Fatalf("%s: %s: got %d, want %d", tc.name, tc.reason, got, tc.want)
			}
		}
	}
}

func TestPipeShuffleUniform(t *testing.T) {
	// A partial shuffle of k = 2 out of n = 5 lanes must give each of the
	// 20 ordered pairs with probability 1/20, whatever order the lanes were
	// left in by earlier shuffles (the state is never reset here).
	const n, draws = 5, 60000
	r := pipeNewRNG(rand.NewPCG(3, 4))
	var perm [pipeChunk]uint16
	for i := range n {
		perm[i] = uint16(i)
	}
	obs := make([]int, n*n)
	for range draws {
		pipeShuffleAdd(r, pipeBinomTable(), &perm, n, 0, 2, nil, 0)
		a, b := perm[0], perm[1]
		if a == b || a >= n || b >= n {
			t.Fatalf("bad sample (%d, %d)", a, b)
		}
		obs[int(a)*n+int(b)]++
		// The lanes must still be a permutation of 0..n-1.
		seen := 0
		for _, l := range perm[:n] {
			seen |= 1 << l
		}
		if seen != 1<<n-1 {
			t.Fatalf("perm %v is no longer a permutation", perm[:n])
		}
	}
	var o2 []int
	var p2 []float64
	for a := range n {
		for b := range n {
			if a != b {
				o2 = append(o2, obs[a*n+b])
				p2 = append(p2, 1.0/20)
			}
		}
	}
	if stat, df := pipeChi2(o2, p2); stat > pipeChi2Crit(df) {
		t.Errorf("ordered pairs: chi-square %.1f with %d df exceeds %.1f", stat, df, pipeChi2Crit(df))
	}
}

func TestPipeRunChunkJoint(t *testing.T) {
	// The joint outcome of a chunk's lanes must be i.i.d. categorical per
	// deal and independent across deals. Three deals (values 1, 10, 100)
	// share one 3-lane chunk; each is lost or won in period 0 or 1. Over
	// many chunks the 27 joint outcomes of each deal's 3 lanes must match
	// the product of its categorical probabilities, and the 9 joint
	// outcomes of lane 0 of two deals the product of their marginals
	// (chi-square at 1e-4 each).
	type dealCase struct {
		value float64
		probs []float64 // won in period 0, 1
	}
	deals := []dealCase{{1, []float64{0.2, 0.3}}, {10, []float64{0.55, 0.25}}, {100, []float64{0.05, 0.9}}}
	sim := make([]pipeSimDeal, len(deals))
	cat := make([][]float64, len(deals)) // lost, period 0, period 1
	for i, d := range deals {
		sim[i] = pipeNewSimDeal(d.value, 0, d.probs)
		cat[i] = []float64{1 - d.probs[0] - d.probs[1], d.probs[0], d.probs[1]}
	}
	const lanes, periods, chunks = 3, 2, 30000
	joint := make([][]int, len(deals))
	for i := range joint {
		joint[i] = make([]int, 27)
	}
	pair := make([]int, 9) // deal 0 lane 0 × deal 1 lane 0
	st := &pipeChunkState{}
	acc := make([]float64, periods*lanes)
	for c := range chunks {
		r := pipeNewRNG(rand.NewPCG(5, uint64(c)))
		pipeRunChunk(r, st, sim, acc, periods, lanes, 0, lanes)
		outcome := func(deal, lane int) int {
			digit := func(x float64) int { return int(x) / int(deals[deal].value) % 10 }
			switch {
			case digit(acc[lane]) == 1:
				return 1
			case digit(acc[lanes+lane]) == 1:
				return 2
			}
			return 0
		}
		for i := range deals {
			o := outcome(i, 0)*9 + outcome(i, 1)*3 + outcome(i, 2)
			joint[i][o]++
		}
		pair[outcome(0, 0)*3+outcome(1, 0)]++
	}
	for i := range deals {
		prob := make([]float64, 27)
		for o := range prob {
			prob[o] = cat[i][o/9] * cat[i][o/3%3] * cat[i][o%3]
		}
		if stat, df := pipeChi2(joint[i], prob); stat > pipeChi2Crit(df) {
			t.Errorf("deal %d: joint lane outcomes chi-square %.1f with %d df exceeds %.1f", i, stat, df, pipeChi2Crit(df))
		}
	}
	prob := make([]float64, 9)
	for o := range prob {
		prob[o] = cat[0][o/3] * cat[1][o%3]
	}
	if stat, df := pipeChi2(pair, prob); stat > pipeChi2Crit(df) {
		t.Errorf("deals 0 and 1: chi-square %.1f with %d df exceeds %.1f", stat, df, pipeChi2Crit(df))
	}
}

func TestPipeSimEdges(t *testing.T) {
	// Certain and impossible deals, and draw counts that are not a multiple
	// of the chunk (tiny, one short, one over).
	for _, draws := range []int{1, 3, pipeChunk - 1, pipeChunk + 1} {
		t.Run(fmt.Sprint(draws), func(t *testing.T) {
			deals := []pipeSimDeal{
				pipeNewSimDeal(1, 0, []float64{1}),          // always won in period 0
				pipeNewSimDeal(10, 1, []float64{0}),         // never won
				pipeNewSimDeal(100, 1, []float64{0.5, 0.5}), // always won, period 1 or 2
			}
			acc := make([]float64, 3*draws)
			if err := pipeSimGroup(context.Background(), deals, acc, 3, draws, 7, 0, 2); err != nil {
				t.Fatal(err)
			}
			for i := range draws {
				if acc[i] != 1 {
					t.Fatalf("draw %d: period 0 sum %v, want 1 (certain deal only)", i, acc[i])
				}
				if s := acc[draws+i] + acc[2*draws+i]; s != 100 {
					t.Fatalf("draw %d: periods 1+2 sum %v, want 100 (the never-won deal adds nothing)", i, s)
				}
			}
		})
	}
}

func TestPipeSimGroupsDeterministic(t *testing.T) {
	// Several groups through the pipeline: the same seed gives the same
	// draws for any number of workers and any window, and groups are
	// handed back in order.
	r := rand.New(rand.NewPCG(9, 9))
	groups := make([][]pipeSimDeal, 7)
	for g := range groups {
		for range 1 + r.IntN(40) {
			p := r.Float64()
			groups[g] = append(groups[g], pipeNewSimDeal(float64(1+r.IntN(100)), r.IntN(3), []float64{p * 0.3, p * 0.7}))
		}
	}
	const periods, draws = 4, 2500
	run := func(workers, window int) [][]float64 {
		var out [][]float64
		bufs := make([][]float64, window)
		for i := range bufs {
			bufs[i] = make([]float64, periods*draws)
		}
		err := pipeSimGroups(context.Background(), len(groups), periods, draws, 3, workers, window,
			func(g int) []pipeSimDeal { return groups[g] },
			func(i int) []float64 { return bufs[i] },
			func(g int, acc []float64) {
				if g != len(out) {
					t.Fatalf("group %d handed back after %d groups", g, len(out))
				}
				out = append(out, append([]float64(nil), acc...))
			})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	want := run(1, 1)
	for _, c := range []struct{ workers, window int }{{2, 1}, {2, 3}, {5, 2}} {
		if d := cmp.Diff(want, run(c.workers, c.window)); d != "" {
			t.Errorf("workers %d window %d differ from 1/1:\n%s", c.workers, c.window, d)
		}
	}
}

func TestPipeSummarizeDrawsMatchesSort(t *testing.T) {
	// The histogram selection must return exactly the order statistics a
	// full sort gives, on shapes that stress it: ties, a point mass at 0,
	// one huge outlier (all other draws in bucket 0), tiny and odd sizes.
	r := rand.New(rand.NewPCG(4, 4))
	shapes := []struct {
		name string
		gen  func(i int) float64
	}{
		{"uniform", func(int) float64 { return r.Float64() * 1e6 }},
		{"ties", func(int) float64 { return float64(r.IntN(5)) * 1000 }},
		{"mass at zero", func(int) float64 {
			if r.IntN(10) < 7 {
				return 0
			}
			return 1000 + r.Float64()*5e4
		}},
		{"outlier", func(i int) float64 {
			if i == 0 {
				return 1e12
			}
			return r.Float64()
		}},
		{"constant", func(int) float64 { return 42.5 }},
		{"negative", func(int) float64 { return r.NormFloat64() * 100 }},
	}
	for _, sh := range shapes {
		for _, n := range []int{1, 2, 7, 10, 999, 10000} {
			x := make([]float64, n)
			for i := range x {
				x[i] = sh.gen(i)
			}
			sorted := slices.Clone(x)
			slices.Sort(sorted)
			got := pipeSummarizeDraws(slices.Clone(x), 0, false)
			for i, a := range pipeQuantileLevels {
				k := max(0, min(int(math.Ceil(a*float64(n)-1e-9))-1, n-1))
				if got.q[i] != sorted[k] {
					t.Errorf("%s n=%d α=%v: got %v, want %v (rank %d)", sh.name, n, a, got.q[i], sorted[k], k)
				}
			}
		}
	}
}

func TestPipeSimGroupsCancelMidway(t *testing.T) {
	// Cancelling while groups are simulated stops the pipeline with the
	// context's error; no group is handed back twice or out of order.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	deals := []pipeSimDeal{pipeNewSimDeal(1, 0, []float64{0.5})}
	const n, periods, draws = 50, 1, 4 * pipeChunk
	bufs := [][]float64{make([]float64, draws), make([]float64, draws)}
	next := 0
	err := pipeSimGroups(ctx, n, periods, draws, 1, 2, 2,
		func(int) []pipeSimDeal { return deals },
		func(i int) []float64 { return bufs[i] },
		func(g int, _ []float64) {
			if g != next {
				t.Errorf("group %d handed back, want %d", g, next)
			}
			next++
			if g == 2 {
				cancel()
			}
		})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("error %v, want context.Canceled", err)
	}
	if next >= n {
		t.Errorf("all %d groups finished despite the cancel after group 2", n)
	}
}
