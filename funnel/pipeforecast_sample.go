package funnel

import (
	"math"
	"math/bits"
	"sync"
)

// This file holds the count-and-place sampler of the Monte Carlo engine.
// For one deal and one chunk of n draws it first draws how many of the n
// draws fall in each outcome (lost, won in period first, first+1, …) — a
// multinomial, drawn exactly as a chain of binomials — and then which draws
// those are: a uniformly random ordered partition of the chunk's lanes with
// those sizes, by a partial Fisher–Yates shuffle. The draws of one deal are
// i.i.d. categorical, so they are exchangeable, and a multinomial count
// vector placed on a uniformly random partition has exactly their joint
// distribution. The largest outcome is never shuffled (it gets the lanes
// left over), so the cost is proportional to n·(1 − largest share) random
// indices plus one addition per won draw, instead of one comparison per
// draw and outcome.

// pipeBinomTab holds the sampler's tables for n ≤ pipeChunk: lf[k] = ln k!,
// recip[k] = 1/k and Lemire's thresholds.
type pipeBinomTab struct {
	lf     [pipeChunk + 1]float64
	recip  [pipeChunk + 2]float64
	lemire [pipeChunk + 1]uint16 // 2^16 mod s: Lemire's rejection threshold
}

// pipeBinomTable is computed once, on first use, and only read afterwards.
var pipeBinomTable = sync.OnceValue(func() *pipeBinomTab {
	t := &pipeBinomTab{}
	for k := 1; k <= pipeChunk; k++ {
		t.lf[k] = t.lf[k-1] + math.Log(float64(k))
	}
	for k := 1; k < len(t.recip); k++ {
		t.recip[k] = 1 / float64(k)
	}
	for s := 1; s < len(t.lemire); s++ {
		t.lemire[s] = uint16((1 << 16) % s)
	}
	return t
})

// pipeBinomP is a success probability prepared for pipeBinom: p ≤ 1/2 (flip
// says the caller's probability was 1−p and the count is n − result), its
// logarithms and odds.
type pipeBinomP struct {
	p, lp, lq float64 // p, ln p, ln(1−p)
	odds, inv float64 // p/(1−p), (1−p)/p
	pmChunk   float64 // the mode's probability for n = pipeChunk
	flip      bool
	zero, one bool // the caller's probability was ≤ 0 or ≥ 1
}

func pipeNewBinomP(p float64) pipeBinomP {
	switch {
	case !(p > 0):
		return pipeBinomP{zero: true}
	case p >= 1:
		return pipeBinomP{one: true}
	}
	b := pipeBinomP{p: p}
	if p > 0.5 {
		b.p, b.flip = 1-p, true // exact for p in (1/2, 1) (Sterbenz)
	}
	q := 1 - b.p
	b.lp, b.lq = math.Log(b.p), math.Log1p(-b.p)
	b.odds, b.inv = b.p/q, q/b.p
	b.pmChunk = b.modeProb(pipeBinomTable(), pipeChunk)
	return b
}

// modeProb returns the probability of the mode, ⌊(n+1)p⌋, for n trials.
func (b *pipeBinomP) modeProb(t *pipeBinomTab, n int) float64 {
	m := min(int(float64(n+1)*b.p), n)
	return math.Exp(t.lf[n] - t.lf[m] - t.lf[n-m] + float64(m)*b.lp + float64(n-m)*b.lq)
}

// pipeBinom draws a Binomial(n, p) count, n ≤ pipeChunk, by inversion with
// the outcomes ordered by an alternating search outward from the mode
// (m, m+1, m−1, m+2, …): one uniform per draw (rarely more) and about
// 1.6·sd steps. Inversion over any fixed order of the outcomes is exact; the
// probabilities are computed in float64 (the mode's from ln k!, relative
// error about 1e-12, the others by the ratio recurrence). If rounding leaves
// u above the total mass the uniform is redrawn, which is exact for the
// computed probabilities.
func pipeBinom(r *pipeRNG, t *pipeBinomTab, n int, b *pipeBinomP) int {
	switch {
	case n <= 0 || b.zero:
		return 0
	case b.one:
		return n
	}
	m := min(int(float64(n+1)*b.p), n)
	pm := b.pmChunk
	if n != pipeChunk {
		pm = b.modeProb(t, n)
	}
	k := m
	for {
		u := float64(r.Uint64()>>11)*0x1p-53 - pm
		if u < 0 {
			break
		}
		up, dn := m, m
		pu, pd := pm, pm
		found := false
		for up < n || dn > 0 {
			if up < n {
				pu *= float64(n-up) * t.recip[up+1] * b.odds
				up++
				if u -= pu; u < 0 {
					k, found = up, true
					break
				}
			}
			if dn > 0 {
				pd *= float64(dn) * t.recip[n-dn+1] * b.inv
				dn--
				if u -= pd; u < 0 {
					k, found = dn, true
					break
				}
			}
		}
		if found {
			break
		}
	}
	if b.flip {
		return n - k
	}
	return k
}

// pipeShuffleAdd advances a partial Fisher–Yates shuffle of perm[:n] from
// position from to position to, adding v to row[lane] for each lane it
// places (row nil: no additions): afterwards perm[from:to] is a uniformly
// random ordered sample, without replacement, of the values that were in
// perm[from:n], whatever their order was. Each random word gives four
// 16-bit bounded indices (Lemire's multiply-shift; n ≤ 2^16, and the rare
// low band that would make some indices likelier than others is rejected,
// so they are exactly uniform). The generator's state is kept in locals for
// the loop.
func pipeShuffleAdd(r *pipeRNG, tab *pipeBinomTab, perm *[pipeChunk]uint16, n, from, to int, row *[pipeChunk]float64, v float64) {
	st := r.s
	i := from
	// Four lanes per random word. m&0xffff < s flags a value that may lie
	// in the rejected low band; such groups (probability < 4·s/2^16) take
	// the careful path below.
	for ; i+4 <= to; i += 4 {
		st += pipeWyInc
		hi, lo := bits.Mul64(st, st^pipeWyMix)
		w := hi ^ lo
		s := uint64(n - i)
		m0 := (w & 0xffff) * s
		m1 := (w >> 16 & 0xffff) * (s - 1)
		m2 := (w >> 32 & 0xffff) * (s - 2)
		m3 := (w >> 48) * (s - 3)
		if m0&0xffff < s || m1&0xffff < s-1 || m2&0xffff < s-2 || m3&0xffff < s-3 {
			r.s = st
			pipeShuffleSlow(r, tab, perm, n, i, i+4, w)
			st = r.s
			if row != nil {
				pipeAddLanes(row, perm[i:i+4], v)
			}
			continue
		}
		ii := i & (pipeChunk - 1)
		j := (i + int(m0>>16)) & (pipeChunk - 1)
		l0 := perm[j]
		perm[j] = perm[ii]
		perm[ii] = l0
		j = (i + 1 + int(m1>>16)) & (pipeChunk - 1)
		l1 := perm[j]
		perm[j] = perm[(ii+1)&(pipeChunk-1)]
		perm[(ii+1)&(pipeChunk-1)] = l1
		j = (i + 2 + int(m2>>16)) & (pipeChunk - 1)
		l2 := perm[j]
		perm[j] = perm[(ii+2)&(pipeChunk-1)]
		perm[(ii+2)&(pipeChunk-1)] = l2
		j = (i + 3 + int(m3>>16)) & (pipeChunk - 1)
		l3 := perm[j]
		perm[j] = perm[(ii+3)&(pipeChunk-1)]
		perm[(ii+3)&(pipeChunk-1)] = l3
		if row != nil {
			row[l0&(pipeChunk-1)] += v
			row[l1&(pipeChunk-1)] += v
			row[l2&(pipeChunk-1)] += v
			row[l3&(pipeChunk-1)] += v
		}
	}
	if i < to {
		// The last one to three lanes, inline (most calls have them).
		st += pipeWyInc
		hi, lo := bits.Mul64(st, st^pipeWyMix)
		w := hi ^ lo
		r.s = st
		for ; i < to; i++ {
			s := uint64(n - i)
			m := (w & 0xffff) * s
			w >>= 16
			if m&0xffff < uint64(tab.lemire[s]) {
				m = pipeRedraw16(r, s, uint64(tab.lemire[s]))
			}
			ii := i & (pipeChunk - 1)
			j := (i + int(m>>16)) & (pipeChunk - 1)
			l := perm[j]
			perm[j] = perm[ii]
			perm[ii] = l
			if row != nil {
				row[l&(pipeChunk-1)] += v
			}
		}
		return
	}
	r.s = st
}

// pipeRedraw16 draws 16-bit values until one is outside Lemire's rejected
// low band (below thresh = 2^16 mod s) and returns its product with s.
func pipeRedraw16(r *pipeRNG, s, thresh uint64) uint64 {
	for {
		if m := (r.Uint64() & 0xffff) * s; m&0xffff >= thresh {
			return m
		}
	}
}

// pipeShuffleSlow does the shuffle steps from..to−1 (at most four) with the
// 16-bit values of w, drawing fresh values from r for those in the low band
// that Lemire's method rejects.
func pipeShuffleSlow(r *pipeRNG, tab *pipeBinomTab, perm *[pipeChunk]uint16, n, from, to int, w uint64) {
	for i := from; i < to; i++ {
		s := uint64(n - i)
		m := (w & 0xffff) * s
		w >>= 16
		if m&0xffff < uint64(tab.lemire[s]) {
			m = pipeRedraw16(r, s, uint64(tab.lemire[s]))
		}
		ii := i & (pipeChunk - 1)
		j := (i + int(m>>16)) & (pipeChunk - 1)
		perm[ii], perm[j] = perm[j], perm[ii]
	}
}

// pipeAddLanes adds v to row[l] for every lane l in lanes.
func pipeAddLanes(row *[pipeChunk]float64, lanes []uint16, v float64) {
	for len(lanes) >= 4 {
		a, b, c, d := lanes[0], lanes[1], lanes[2], lanes[3]
		row[a&(pipeChunk-1)] += v
		row[b&(pipeChunk-1)] += v
		row[c&(pipeChunk-1)] += v
		row[d&(pipeChunk-1)] += v
		lanes = lanes[4:]
	}
	for _, l := range lanes {
		row[l&(pipeChunk-1)] += v
	}
}

// pipeChunkState is one chunk's scratch: the lane permutation that the
// shuffles advance (it starts as the identity at the start of each chunk,
// so a chunk's draws depend only on its own stream), the outcome counts,
// and the rows the chunk's sums go to (a scratch tile for a partial chunk).
type pipeChunkState struct {
	perm   [pipeChunk]uint16
	counts []int
	rows   []*[pipeChunk]float64
	tile   [][pipeChunk]float64
}

// pipeRunChunk simulates every deal for draws lo..lo+n-1 of acc (periods
// rows of draws values) with the count-and-place sampler.
func pipeRunChunk(r *pipeRNG, st *pipeChunkState, deals []pipeSimDeal, acc []float64, periods, draws, lo, n int) {
	t := pipeBinomTable()
	perm := &st.perm
	for i := range n {
		perm[i] = uint16(i)
	}
	// Rows of the chunk's sums: acc's own rows when the chunk is full (each
	// is pipeChunk values), else a scratch tile copied out at the end.
	if cap(st.rows) < periods {
		st.rows = make([]*[pipeChunk]float64, periods)
	}
	rows := st.rows[:periods]
	full := n == pipeChunk
	if full {
		for k := range rows {
			row := (*[pipeChunk]float64)(acc[k*draws+lo : k*draws+lo+pipeChunk])
			clear(row[:])
			rows[k] = row
		}
	} else {
		if len(st.tile) < periods {
			st.tile = make([][pipeChunk]float64, periods)
		}
		clear(st.tile[:periods])
		for k := range rows {
			rows[k] = &st.tile[k]
		}
	}
	for di := range deals {
		d := &deals[di]
		L := len(d.split)
		K := pipeBinom(r, t, n, &d.won)
		if K == 0 {
			continue
		}
		if cap(st.counts) < L+1 {
			st.counts = make([]int, L+1)
		}
		counts := st.counts[:L+1]
		counts[0] = n - K
		rem := K
		for j := range L - 1 {
			c := pipeBinom(r, t, rem, &d.split[j])
			counts[1+j] = c
			rem -= c
		}
		counts[L] = rem
		big := 0
		for j := 1; j <= L; j++ {
			if counts[j] > counts[big] {
				big = j
			}
		}
		pos := 0
		for c, k := range counts {
			if c == big || k == 0 {
				continue
			}
			var row *[pipeChunk]float64 // lost: nothing to add
			if c > 0 {
				row = rows[d.first+c-1]
			}
			pipeShuffleAdd(r, t, perm, n, pos, pos+k, row, d.value)
			pos += k
		}
		if big > 0 {
			pipeAddLanes(rows[d.first+big-1], perm[pos:n], d.value)
		}
	}
	if !full {
		for k := range periods {
			copy(acc[k*draws+lo:k*draws+lo+n], st.tile[k][:n])
		}
	}
}
