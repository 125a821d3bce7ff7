package funnel

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"
)

// ErrCorrupt is returned by [Accumulator.UnmarshalBinary] for bytes that
// [Accumulator.MarshalBinary] did not produce (or that were damaged).
var ErrCorrupt = errors.New("funnel: corrupt accumulator encoding")

const fnlWireVersion = 1

// MarshalBinary encodes the accumulator, its pipelines and options
// included, so a distributed engine can ship partial results between
// workers (it implements encoding.BinaryMarshaler). The encoding is compact
// (varints) and versioned. Options.Location travels by name, so it must be
// loadable with time.LoadLocation (UTC, Local or an IANA zone); a
// time.FixedZone gives an error.
func (a *Accumulator) MarshalBinary() ([]byte, error) {
	if _, err := time.LoadLocation(a.cfg.loc.String()); err != nil {
		return nil, fmt.Errorf("funnel: encoding accumulator: location: %w", err)
	}
	w := &fnlWriter{}
	w.u(fnlWireVersion)
	w.str(a.cfg.fingerprnt)
	w.u(uint64(a.ids.len()))
	for i := int32(0); int(i) < a.ids.len(); i++ {
		w.bytes(a.ids.arena[a.ids.offs[i]:a.ids.offs[i+1]])
	}
	w.strs(a.repNames)
	w.strs(a.reasonNames)
	w.str(a.currency)
	w.i(int64(a.skipRecords))
	w.i(int64(a.skipDeals))
	w.u(uint64(len(a.skipReasons)))
	for _, r := range fnlSortedKeys(a.skipReasons) {
		w.str(r)
		w.i(int64(a.skipReasons[r]))
	}
	w.strs(a.skipExamples)
	w.u(uint64(len(a.groups)))
	for k, g := range a.groups {
		w.u(k)
		w.group(g)
	}
	w.u(uint64(len(a.stale)))
	for _, s := range a.stale {
		w.str(s.id)
		w.u(uint64(s.pipe))
		w.u(uint64(s.stage))
		w.i(int64(s.rep))
		w.i(s.amount)
		w.i(s.lastTouch)
		w.i(s.over)
	}
	return w.b, nil
}

// UnmarshalBinary replaces the accumulator's contents with a decoded
// [Accumulator.MarshalBinary] encoding (it implements
// encoding.BinaryUnmarshaler; the zero Accumulator may be the receiver).
// Damaged input gives an error wrapping [ErrCorrupt], never a panic.
func (a *Accumulator) UnmarshalBinary(data []byte) error {
	r := &fnlReader{b: data}
	if v := r.u(); v != fnlWireVersion {
		return fmt.Errorf("%w: version %d", ErrCorrupt, v)
	}
	fp := r.str()
	if r.err != nil {
		return r.err
	}
	var setup struct {
		P   []Pipeline
		O   Options
		Loc string
	}
	if err := json.Unmarshal([]byte(fp), &setup); err != nil {
		return fmt.Errorf("%w: setup: %v", ErrCorrupt, err)
	}
	loc, err := time.LoadLocation(setup.Loc)
	if err != nil {
		return fmt.Errorf("funnel: decoding accumulator: %w", err)
	}
	setup.O.Location = loc
	cfg, err := fnlNewConfig(setup.P, &setup.O)
	if err != nil {
		return fmt.Errorf("%w: setup: %v", ErrCorrupt, err)
	}
	if cfg.fingerprnt != fp {
		return fmt.Errorf("%w: setup does not round-trip", ErrCorrupt)
	}
	n := r.n()
	r.deals = int64(n)
	out := fnlNewAcc(cfg, n)
	for range n {
		id := string(r.bytes())
		if r.err != nil {
			return r.err
		}
		if _, dup := out.ids.insert(id); dup || out.ids.full() {
			return fmt.Errorf("%w: deal IDs", ErrCorrupt)
		}
	}
	for _, s := range r.strs() {
		out.rep(s)
	}
	for _, s := range r.strs() {
		out.reason(s)
	}
	out.currency = r.str()
	out.skipRecords, out.skipDeals = int(r.i()), int(r.i())
	for range r.n() {
		k := r.str()
		out.skipReasons[k] = int(r.i())
	}
	out.skipExamples = r.strs()
	for range r.n() {
		k := r.u()
		pi, rep := int(k>>32), int64(uint32(k))
		if r.err != nil || pi >= len(cfg.pipes) || rep >= int64(len(out.repNames)) {
			return fmt.Errorf("%w: group key", ErrCorrupt)
		}
		if _, dup := out.groups[k]; dup {
			return fmt.Errorf("%w: group repeated", ErrCorrupt)
		}
		r.group(out.group(uint16(pi), int32(rep)), len(out.reasonNames))
	}
	for range r.n() {
		s := fnlStale{id: r.str(), pipe: uint16(r.u()), stage: uint16(r.u()), rep: int32(r.i()), amount: r.i(), lastTouch: r.i(), over: r.i()}
		if r.err != nil || int(s.pipe) >= len(cfg.pipes) || int(s.stage) >= len(cfg.pipes[s.pipe].p.Stages) || s.rep < 0 || int(s.rep) >= len(out.repNames) {
			return fmt.Errorf("%w: stale deal", ErrCorrupt)
		}
		out.stale = append(out.stale, s)
	}
	if r.err != nil {
		return r.err
	}
	if len(r.b) != 0 {
		return fmt.Errorf("%w: %d trailing bytes", ErrCorrupt, len(r.b))
	}
	*a = *out
	return nil
}

type fnlWriter struct{ b []byte }

func (w *fnlWriter) u(v uint64)     { w.b = binary.AppendUvarint(w.b, v) }
func (w *fnlWriter) i(v int64)      { w.b = binary.AppendVarint(w.b, v) }
func (w *fnlWriter) bytes(b []byte) { w.u(uint64(len(b))); w.b = append(w.b, b...) }
func (w *fnlWriter) str(s string)   { w.u(uint64(len(s))); w.b = append(w.b, s...) }
func (w *fnlWriter) sum(s fnlSum)   { w.u(s.hi); w.u(s.lo) }
func (w *fnlWriter) strs(ss []string) {
	w.u(uint64(len(ss)))
	for _, s := range ss {
		w.str(s)
	}
}

func (w *fnlWriter) hist(h *fnlHist) {
	w.i(h.n)
	w.i(h.sumSec)
	w.u(uint64(len(h.dense)))
	for _, c := range h.dense {
		w.u(uint64(c))
	}
	w.u(uint64(len(h.long)))
	for _, v := range h.long {
		w.i(v)
	}
}

func (w *fnlWriter) group(g *fnlGroup) {
	for _, v := range []int64{g.created, g.won, g.lost, g.open, g.changes, g.skips, g.backward, g.reopened, g.staleN, g.pushes, g.pulls, g.pushedDeals, g.pushSec} {
		w.i(v)
	}
	w.sum(g.wonAmt)
	w.sum(g.openAmt)
	w.sum(g.staleAmt)
	w.u(uint64(len(g.wonList)))
	for _, v := range g.wonList {
		w.i(v)
	}
	w.hist(&g.cycle)
	for i := range g.stages {
		s := &g.stages[i]
		for _, v := range []int64{s.entered, s.advanced, s.dropped, s.openConv, s.reached, s.reachedWon, s.reachedLost, s.reachedOpen, s.skipped} {
			w.i(v)
		}
		w.sum(s.dropAmt)
		w.hist(&s.tis)
	}
	for i := range g.snaps {
		w.i(g.snaps[i].n)
		w.sum(g.snaps[i].amt)
	}
	keys := g.periods.keys()
	w.u(uint64(len(keys)))
	for _, k := range keys {
		p := g.periods.get(k)
		w.i(int64(k))
		for _, v := range []int64{p.created, p.won, p.lost, p.cCreated, p.cWon, p.cLost, p.cOpen} {
			w.i(v)
		}
		w.sum(p.wonAmt)
	}
	w.u(uint64(len(g.lostBy)))
	for k, c := range g.lostBy {
		w.u(k)
		w.i(c.n)
		w.sum(c.amt)
	}
	keys = g.wonByMonth.keys()
	w.u(uint64(len(keys)))
	for _, k := range keys {
		w.i(int64(k))
		w.sum(*g.wonByMonth.get(k))
	}
	keys = g.openByClose.keys()
	w.u(uint64(len(keys)))
	for _, k := range keys {
		w.i(int64(k))
		row := *g.openByClose.get(k)
		w.u(uint64(len(row)))
		for _, s := range row {
			w.sum(s)
		}
	}
}

type fnlReader struct {
	b     []byte
	err   error
	deals int64 // number of deal IDs decoded, the bound for deal counts
}

func (r *fnlReader) fail(what string) {
	if r.err == nil {
		r.err = fmt.Errorf("%w: %s", ErrCorrupt, what)
	}
	r.b = nil
}

func (r *fnlReader) u() uint64 {
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.fail("truncated")
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *fnlReader) i() int64 {
	v, n := binary.Varint(r.b)
	if n <= 0 {
		r.fail("truncated")
		return 0
	}
	r.b = r.b[n:]
	return v
}

// n reads a count; every counted item takes at least one byte, so a count
// beyond the remaining bytes is corrupt (and never allocates).
func (r *fnlReader) n() int {
	v := r.u()
	if v > uint64(len(r.b)) {
		r.fail("count beyond input")
		return 0
	}
	return int(v)
}

func (r *fnlReader) bytes() []byte {
	n := r.n()
	if r.err != nil {
		return nil
	}
	b := r.b[:n]
	r.b = r.b[n:]
	return b
}

func (r *fnlReader) str() string { return string(r.bytes()) }

func (r *fnlReader) strs() []string {
	n := r.n()
	var out []string
	for range n {
		out = append(out, r.str())
	}
	return out
}

func (r *fnlReader) sum() fnlSum { return fnlSum{hi: r.u(), lo: r.u()} }

// cnt reads a count that must lie in [0, r.deals] (a count of deals).
func (r *fnlReader) cnt() int64 {
	v := r.i()
	if v < 0 || v > r.deals {
		r.fail("count out of range")
		return 0
	}
	return v
}

// nonneg reads a value that must not be negative.
func (r *fnlReader) nonneg() int64 {
	v := r.i()
	if v < 0 {
		r.fail("negative value")
		return 0
	}
	return v
}

func (r *fnlReader) hist(h *fnlHist) {
	h.n, h.sumSec = r.nonneg(), r.nonneg()
	n := r.n()
	if n > fnlHistDense {
		r.fail("histogram")
		return
	}
	h.dense = make([]uint32, n)
	for i := range h.dense {
		h.dense[i] = uint32(r.u())
	}
	for range r.n() {
		h.long = append(h.long, r.i())
	}
	var c int64
	for _, v := range h.dense {
		c += int64(v)
	}
	if c+int64(len(h.long)) != h.n {
		r.fail("histogram count")
	}
	for _, v := range h.long {
		if v < fnlHistDense {
			r.fail("histogram value")
		}
	}
}

func (r *fnlReader) group(g *fnlGroup, reasons int) {
	for _, p := range []*int64{&g.created, &g.won, &g.lost, &g.open} {
		*p = r.cnt()
	}
	for _, p := range []*int64{&g.changes, &g.skips, &g.backward, &g.reopened} {
		*p = r.nonneg()
	}
	for _, p := range []*int64{&g.staleN, &g.pushes, &g.pulls, &g.pushedDeals} {
		*p = r.cnt()
	}
	g.pushSec = r.nonneg()
	g.wonAmt, g.openAmt, g.staleAmt = r.sum(), r.sum(), r.sum()
	for range r.n() {
		g.wonList = append(g.wonList, r.nonneg())
	}
	if int64(len(g.wonList)) != g.won {
		r.fail("won amounts")
	}
	r.hist(&g.cycle)
	for i := range g.stages {
		s := &g.stages[i]
		for _, p := range []*int64{&s.entered, &s.advanced, &s.dropped, &s.openConv, &s.reached, &s.reachedWon, &s.reachedLost, &s.reachedOpen} {
			*p = r.cnt()
		}
		s.skipped = r.nonneg()
		if s.advanced+s.dropped+s.openConv != s.entered || s.reachedWon+s.reachedLost+s.reachedOpen != s.reached {
			r.fail("conversion counts")
		}
		s.dropAmt = r.sum()
		r.hist(&s.tis)
	}
	for i := range g.snaps {
		g.snaps[i].n = r.cnt()
		g.snaps[i].amt = r.sum()
	}
	for range r.n() {
		p := g.periods.at(int32(r.i()))
		for _, f := range []*int64{&p.created, &p.won, &p.lost, &p.cCreated, &p.cWon, &p.cLost, &p.cOpen} {
			*f = r.cnt()
		}
		p.wonAmt = r.sum()
	}
	for range r.n() {
		k := r.u()
		if int(k>>16) >= reasons || int(k&0xffff) >= len(g.stages) {
			r.fail("lost reason key")
			return
		}
		g.lostBy[k] = &fnlCountAmt{n: r.cnt(), amt: r.sum()}
	}
	for range r.n() {
		k := int32(r.i())
		*g.wonByMonth.at(k) = r.sum()
	}
	for range r.n() {
		k := int32(r.i())
		n := r.n()
		if n != len(g.stages) && r.err == nil {
			r.fail("open-by-close row")
			return
		}
		row := make([]fnlSum, n)
		for i := range row {
			row[i] = r.sum()
		}
		*g.openByClose.at(k) = row
	}
}

func fnlSortedKeys(m map[string]int) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
