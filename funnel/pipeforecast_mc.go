package funnel

import (
	"context"
	"math"
	"math/bits"
	"math/rand/v2"
	"sync"
)

// This file holds the seeded Monte Carlo engine behind the pipeline
// forecast. A deal's outcome is categorical: won in horizon period k (for
// each k it may close in) or not won within the horizon. The engine draws
// 64 outcomes of a deal at once as bit masks (one lane per draw), so the cost
// is a few random words per deal per 64 draws rather than one per draw, and
// additions happen only for won lanes.
//
// Determinism: draws are cut into chunks of pipeChunk draws; chunk c of
// group g uses its own stream (xoshiro256** seeded from PCG(seed, mix(g,
// c))) and touches only its own draws, so the result does not depend on how many workers run or in
// which order chunks finish.

// pipeChunk is the number of draws one seeded stream produces. A multiple of
// 64; part of the output's definition (changing it changes the numbers a
// seed gives).
const pipeChunk = 1024

// pipeSimDeal is one open deal as the engine sees it.
type pipeSimDeal struct {
	value float64 // added to the period's total when the deal is won
	first int     // first horizon period with mass
	// won is the 64-bit fixed-point probability that the deal is won in
	// the horizon; cond[j] the probability that a won deal closes in period
	// first+j given that it did not close in first..first+j-1 (the last is
	// always 1).
	won  uint64
	cond []uint64
}

// pipeFixed converts a probability in [0,1] to a 64-bit binary fraction;
// 1 maps to MaxUint64 with the flag full set.
func pipeFixed(p float64) (f uint64, full bool) {
	switch {
	case !(p > 0):
		return 0, false
	case p >= 1:
		return math.MaxUint64, true
	}
	x := math.Ldexp(p, 64)
	if x >= math.Ldexp(1, 64) {
		return math.MaxUint64, false
	}
	return uint64(x), false
}

// pipeNewSimDeal builds a deal from its unconditional probabilities of being
// won in periods first, first+1, … (their sum is at most 1).
func pipeNewSimDeal(value float64, first int, probs []float64, cond []uint64) pipeSimDeal {
	tot := 0.0
	for _, pk := range probs {
		tot += pk
	}
	wf, full := pipeFixed(tot)
	if full {
		wf = math.MaxUint64
	}
	rem := tot
	cond = cond[:0]
	for j, pk := range probs {
		c := 1.0
		if j < len(probs)-1 && rem > 0 {
			c = pk / rem
		}
		f, full := pipeFixed(c)
		if full || j == len(probs)-1 {
			f = math.MaxUint64 // certainty, see pipeBernMask
		}
		cond = append(cond, f)
		rem -= pk
	}
	return pipeSimDeal{value: value, first: first, won: wf, cond: cond}
}

// pipeBernMask returns a subset of lanes in which each lane is included
// independently with probability f/2^64 (f = MaxUint64 means 1). It compares
// a uniform 64-bit fraction per lane with f, bit by bit from the top, and
// stops as soon as every lane is decided: about log2(lanes)+2 random words.
func pipeBernMask(r *pipeRNG, f uint64, lanes uint64) uint64 {
	if f == 0 || lanes == 0 {
		return 0
	}
	if f == math.MaxUint64 {
		return lanes
	}
	var won uint64
	und := lanes
	stop := bits.TrailingZeros64(f)
	for bit := 63; bit >= stop && und != 0; bit-- {
		w := r.Uint64()
		// m is all ones where f has a 1 at this bit. There, a lane whose
		// uniform has 0 is below f (won) and one with 1 stays undecided;
		// where f has 0, a lane with 1 is above f (lost). Branch-free.
		m := -(f >> uint(bit) & 1)
		won |= und &^ w & m
		und &^= w ^ m
	}
	// Lanes still undecided equal f on every bit that matters: u ≥ f, lost.
	return won
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
	clear(acc)
	nChunks := (draws + pipeChunk - 1) / pipeChunk
	if workers < 1 {
		workers = 1
	}
	workers = min(workers, nChunks)
	run := func(c int) {
		r := pipeNewRNG(rand.NewPCG(seed, pipeSeed(group, c)))
		lo := c * pipeChunk
		hi := min(lo+pipeChunk, draws)
		for i := range deals {
			d := &deals[i]
			for base := lo; base < hi; base += 64 {
				lanes := uint64(math.MaxUint64)
				if n := hi - base; n < 64 {
					lanes = 1<<uint(n) - 1
				}
				lanes = pipeBernMask(r, d.won, lanes)
				for j, f := range d.cond {
					if lanes == 0 {
						break
					}
					m := pipeBernMask(r, f, lanes)
					lanes &^= m
					off := (d.first+j)*draws + base
					if off+64 <= len(acc) {
						// A fixed-size view drops the bounds check.
						row := (*[64]float64)(acc[off : off+64])
						for m != 0 {
							row[bits.TrailingZeros64(m)&63] += d.value
							m &= m - 1
						}
						continue
					}
					row := acc[off:]
					for m != 0 {
						row[bits.TrailingZeros64(m)] += d.value
						m &= m - 1
					}
				}
			}
		}
	}
	if workers == 1 {
		for c := range nChunks {
			if err := ctx.Err(); err != nil {
				return err
			}
			run(c)
		}
		return nil
	}
	var wg sync.WaitGroup
	next := make(chan int)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for c := range next {
				run(c)
			}
		}()
	}
	var err error
	for c := range nChunks {
		if err = ctx.Err(); err != nil {
			break
		}
		next <- c
	}
	close(next)
	wg.Wait()
	return err
}

// pipeSummarizeDraws summarises Monte Carlo draws (reordered in place) with
// the same quantile definition as pipeSummarizeAtoms: the smallest draw x
// whose empirical CDF reaches α, i.e. the ⌈αN⌉-th smallest.
func pipeSummarizeDraws(x []float64, target float64, hasTarget bool) pipeSummary {
	var s pipeSummary
	n := len(x)
	if n == 0 {
		return pipeSummary{pReach: math.NaN()}
	}
	sum := 0.0
	reach := 0
	for _, v := range x {
		sum += v
		if hasTarget && v >= target {
			reach++
		}
	}
	s.mean = sum / float64(n)
	s.pReach = math.NaN()
	if hasTarget {
		s.pReach = float64(reach) / float64(n)
	}
	lo := 0
	for i, a := range pipeQuantileLevels {
		k := int(math.Ceil(a*float64(n)-1e-9)) - 1
		k = max(0, min(k, n-1))
		// Levels rise, so each selection can start where the last ended.
		pipeSelect(x[lo:], k-lo)
		s.q[i] = x[k]
		lo = k
	}
	return s
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

// pipeRNG is xoshiro256** (Blackman and Vigna), the inner generator of a
// chunk: about three times cheaper per word than PCG's 128-bit multiply,
// which matters at a billion Bernoulli draws. Each chunk's state is seeded
// from that chunk's PCG stream, so the seed in the options still fixes
// every number.
type pipeRNG struct{ s0, s1, s2, s3 uint64 }

func pipeNewRNG(src *rand.PCG) *pipeRNG {
	r := &pipeRNG{src.Uint64(), src.Uint64(), src.Uint64(), src.Uint64()}
	if r.s0|r.s1|r.s2|r.s3 == 0 {
		r.s0 = 1 // the all-zero state is the generator's one fixed point
	}
	return r
}

// Uint64 returns the next 64 random bits.
func (r *pipeRNG) Uint64() uint64 {
	out := bits.RotateLeft64(r.s1*5, 7) * 9
	t := r.s1 << 17
	r.s2 ^= r.s0
	r.s3 ^= r.s1
	r.s1 ^= r.s2
	r.s0 ^= r.s3
	r.s2 ^= t
	r.s3 = bits.RotateLeft64(r.s3, 45)
	return out
}
