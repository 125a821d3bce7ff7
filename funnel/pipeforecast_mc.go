package funnel

import (
	"context"
	"math"
	"math/bits"
	"math/rand/v2"
	"sync"
	"sync/atomic"
)

// This file holds the seeded Monte Carlo engine behind the pipeline
// forecast. A deal's outcome is categorical: won in horizon period k (for
// each k it may close in) or not won within the horizon. For each deal and
// chunk of draws the engine draws how many draws fall in each outcome and
// then which draws those are (pipeforecast_sample.go), so its cost is a few
// operations per won draw rather than per draw.
//
// Determinism: draws are cut into chunks of pipeChunk draws; chunk c of
// group g uses its own stream (wyrand seeded from PCG(seed, mix(g,
// c))) and touches only its own draws, so the result does not depend on how
// many workers run or in which order chunks finish.

// pipeChunk is the number of draws one seeded stream produces: a power of
// two (lane indices are masked with pipeChunk−1) at most 2^16 (they are
// uint16); part of the output's definition (changing it changes the numbers
// a seed gives).
const pipeChunk = 1024

// pipeSimDeal is one open deal as the engine sees it.
type pipeSimDeal struct {
	value float64 // added to the period's total when the deal is won
	first int     // first horizon period with mass
	// won is the probability that the deal is won in the horizon; split[j]
	// the probability that a won draw closes in period first+j given that
	// it did not close in first..first+j-1 (len(split) periods; the last
	// is implied).
	won   pipeBinomP
	split []pipeBinomP
}

// pipeNewSimDeal builds a deal from its unconditional probabilities of being
// won in periods first, first+1, … (their sum is at most 1).
func pipeNewSimDeal(value float64, first int, probs []float64) pipeSimDeal {
	won := 0.0
	for _, pk := range probs {
		won += pk
	}
	return pipeSimDeal{value: value, first: first, won: pipeNewBinomP(won), split: pipeSplit(probs)}
}

// pipeSplit prepares the sequential split of a won draw over periods with
// relative weights w (any positive scale): split[j] = w[j] / Σ_{t≥j} w[t],
// the last 1.
func pipeSplit(w []float64) []pipeBinomP {
	rem := 0.0
	for _, x := range w {
		rem += x
	}
	split := make([]pipeBinomP, len(w))
	for j, x := range w {
		c := 1.0
		if j < len(w)-1 && rem > 0 {
			c = min(x/rem, 1)
		}
		split[j] = pipeNewBinomP(c)
		rem -= x
	}
	return split
}

// pipeSeed mixes the user seed with a group and chunk index into the second
// PCG word (SplitMix64 finaliser), so streams of different chunks differ.
func pipeSeed(group, chunk int) uint64 {
	z := uint64(group)<<32 ^ uint64(chunk) + 0x9e3779b97f4a7c15
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	return z ^ z>>31
}

// pipeSimGroup simulates one group's deals. acc has periods rows of draws
// values (row-major by period) and is overwritten. Work is split into chunks
// run by up to workers goroutines. It returns ctx.Err() if ctx ends first.
func pipeSimGroup(ctx context.Context, deals []pipeSimDeal, acc []float64, periods, draws int, seed uint64, group, workers int) error {
	return pipeSimGroups(ctx, 1, periods, draws, seed, workers, 1,
		func(int) []pipeSimDeal { return deals },
		func(int) []float64 { return acc },
		func(int, []float64) {})
}

// pipeSimGroups simulates groups 0..n−1 in order, their chunks spread over
// workers goroutines, and calls done(g, acc) for each group in order, on the
// calling goroutine, while later groups are being simulated. deals(g) builds
// group g's deals (called in order on one goroutine, ahead of the
// simulation, and only once done(g−window) has returned, so state kept per
// g mod window can be reused); buf(i) returns the i-th of window
// accumulation buffers (periods × draws each), which circulate among the
// groups in flight. Group g's draws are seeded with group index g. It
// returns ctx.Err() if ctx ends first; no goroutine outlives the call.
func pipeSimGroups(ctx context.Context, n, periods, draws int, seed uint64, workers, window int, deals func(g int) []pipeSimDeal, buf func(i int) []float64, done func(g int, acc []float64)) error {
	if n == 0 {
		return nil
	}
	nChunks := (draws + pipeChunk - 1) / pipeChunk
	workers = max(1, min(workers, n*nChunks))
	window = max(1, window)
	type group struct {
		deals []pipeSimDeal
		acc   []float64
		left  atomic.Int32 // chunks not yet simulated
	}
	type task struct {
		g     *group
		index int
		chunk int
	}
	groups := make([]group, n)
	tasks := make(chan task, workers)
	finished := make(chan int, n)        // group indices, in completion order
	free := make(chan []float64, window) // buffers done with
	stop := make(chan struct{})          // closed when the caller returns early
	for i := range window {
		free <- buf(i)
	}
	var wg sync.WaitGroup
	// The producer prepares groups in order and queues their chunks.
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer close(tasks)
		for g := range groups {
			var acc []float64
			select {
			case acc = <-free:
			case <-stop:
				return
			}
			gr := &groups[g]
			gr.deals, gr.acc = deals(g), acc
			gr.left.Store(int32(nChunks))
			for c := range nChunks {
				select {
				case tasks <- task{gr, g, c}:
				case <-stop:
					return
				}
			}
		}
	}()
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			st := &pipeChunkState{}
			for t := range tasks {
				select {
				case <-stop:
					continue // drain without work
				default:
				}
				lo := t.chunk * pipeChunk
				hi := min(lo+pipeChunk, draws)
				r := pipeNewRNG(rand.NewPCG(seed, pipeSeed(t.index, t.chunk)))
				pipeRunChunk(r, st, t.g.deals, t.g.acc, periods, draws, lo, hi-lo)
				if t.g.left.Add(-1) == 0 {
					finished <- t.index
				}
			}
		}()
	}
	var err error
	ready := make([]bool, n)
	next := 0
	for next < n {
		if err = ctx.Err(); err != nil {
			break
		}
		select {
		case g := <-finished:
			ready[g] = true
			for next < n && ready[next] {
				done(next, groups[next].acc)
				free <- groups[next].acc
				groups[next].deals, groups[next].acc = nil, nil
				next++
			}
		case <-ctx.Done():
			err = ctx.Err()
		}
	}
	close(stop)
	wg.Wait()
	return err
}

// pipeSummarizeDraws summarises Monte Carlo draws (reordered in place) with
// the same quantile definition as pipeSummarizeAtoms: the smallest draw x
// whose empirical CDF reaches α, i.e. the ⌈αN⌉-th smallest.
//
// The order statistics are found exactly without sorting: a histogram over
// [min, max] (the bucket of a value is a non-decreasing function of it, so
// buckets are ordered like their values) says which bucket holds each
// wanted rank; only those buckets' draws are kept and selected among.
func pipeSummarizeDraws(x []float64, target float64, hasTarget bool) pipeSummary {
	var s pipeSummary
	n := len(x)
	if n == 0 {
		return pipeSummary{pReach: math.NaN()}
	}
	sum := 0.0
	reach := 0
	lo, hi := x[0], x[0]
	for _, v := range x {
		sum += v
		if v >= target {
			reach++
		}
		// (Plain comparisons: draws are never NaN, and the builtins'
		// NaN and signed-zero handling costs here.)
		if v < lo {
			lo = v
		}
		if v > hi {
			hi = v
		}
	}
	s.mean = sum / float64(n)
	s.pReach = math.NaN()
	if hasTarget {
		s.pReach = float64(reach) / float64(n)
	}
	var ranks [len(pipeQuantileLevels)]int
	for i, a := range pipeQuantileLevels {
		k := int(math.Ceil(a*float64(n)-1e-9)) - 1
		ranks[i] = max(0, min(k, n-1))
	}
	if math.IsNaN(sum) || !(hi > lo) || math.IsInf(hi-lo, 0) {
		if lo == hi && !math.IsNaN(sum) {
			for i := range s.q {
				s.q[i] = lo
			}
			return s
		}
		pipeSelectRanks(x, ranks[:], &s) // NaN or an infinite range
		return s
	}
	const buckets = 2048
	scale := buckets / (hi - lo)
	bucket := func(v float64) int { return min(int((v-lo)*scale), buckets-1) }
	var count [buckets]int32
	for _, v := range x {
		count[bucket(v)]++
	}
	// For each rank: its bucket and how many draws lie in lower buckets.
	var want [len(ranks)]int
	var below [len(ranks)]int
	cum, b := 0, 0
	for i, k := range ranks {
		for cum+int(count[b]) <= k {
			cum += int(count[b])
			b++
		}
		want[i], below[i] = b, cum
	}
	// Keep the draws of the wanted buckets, in bucket order by construction
	// of the ranks below (draws of a lower bucket are smaller).
	var wanted [buckets]bool
	for _, w := range want {
		wanted[w] = true
	}
	m := 0
	for _, v := range x {
		if wanted[bucket(v)] {
			x[m] = v
			m++
		}
	}
	kept := x[:m]
	// The rank of each wanted draw among the kept ones: its rank within
	// its bucket plus the kept draws of lower wanted buckets.
	var local [len(ranks)]int
	for i := range ranks {
		off := 0
		for j, w := range want {
			if w < want[i] && (j == 0 || want[j-1] != w) {
				off += int(count[w])
			}
		}
		local[i] = ranks[i] - below[i] + off
	}
	pipeSelectRanks(kept, local[:], &s)
	return s
}

// pipeSelectRanks sets s.q[i] to the ranks[i]-th smallest of x (ranks
// non-decreasing), reordering x.
func pipeSelectRanks(x []float64, ranks []int, s *pipeSummary) {
	lo := 0
	for i, k := range ranks {
		// Ranks rise, so each selection can start where the last ended.
		pipeSelect(x[lo:], k-lo)
		s.q[i] = x[k]
		lo = k
	}
}

// pipeSelect reorders x so that x[k] is the value a full sort would put
// there, with smaller-or-equal values before it (Hoare quickselect with a
// median-of-three pivot; deterministic).
func pipeSelect(x []float64, k int) {
	lo, hi := 0, len(x)-1
	for hi > lo {
		mid := lo + (hi-lo)/2
		if x[mid] < x[lo] {
			x[mid], x[lo] = x[lo], x[mid]
		}
		if x[hi] < x[lo] {
			x[hi], x[lo] = x[lo], x[hi]
		}
		if x[hi] < x[mid] {
			x[hi], x[mid] = x[mid], x[hi]
		}
		pivot := x[mid]
		i, j := lo, hi
		for i <= j {
			for x[i] < pivot {
				i++
			}
			for x[j] > pivot {
				j--
			}
			if i <= j {
				x[i], x[j] = x[j], x[i]
				i++
				j--
			}
		}
		switch {
		case k <= j:
			hi = j
		case k >= i:
			lo = i
		default:
			return
		}
	}
}

// pipeRNG is wyrand (Wang Yi's generator, the one Go's runtime used for
// fastrand64): a Weyl sequence on one 64-bit word mixed by a 64×64→128-bit
// multiply. It passes BigCrush and PractRand, needs a single register (which
// the shuffle loop is short of) and costs one multiply per word. Each
// chunk's state is seeded from that chunk's PCG stream, so the seed in the
// options still fixes every number.
type pipeRNG struct{ s uint64 }

const (
	pipeWyInc = 0xa0761d6478bd642f
	pipeWyMix = 0xe7037ed1a0b428db
)

func pipeNewRNG(src *rand.PCG) *pipeRNG {
	return &pipeRNG{src.Uint64()}
}

// Uint64 returns the next 64 random bits.
func (r *pipeRNG) Uint64() uint64 {
	r.s += pipeWyInc
	hi, lo := bits.Mul64(r.s, r.s^pipeWyMix)
	return hi ^ lo
}
