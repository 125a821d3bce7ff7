package funnel

import (
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"slices"
	"time"

	"github.com/crmkit/crmkit"
)

// The serialised form of an Accumulator, so that a distributed engine (Beam,
// Spark, a queue between processes) can ship partial results between
// workers. The form is self-contained: it carries the pipelines and options
// the accumulator was made with, so a decoder needs nothing else. Field
// names are short because an engine may encode many accumulators.

const accCodecVersion = 1

type accCodecState struct {
	Version     int            `json:"v"`
	Pipelines   []Pipeline     `json:"pipelines"`
	Options     Options        `json:"options"`
	Location    string         `json:"location"`
	LocOffsets  []int          `json:"location_offsets"`
	Fingerprint string         `json:"fingerprint"`
	Currency    string         `json:"currency,omitempty"`
	IDs         []string       `json:"ids"`
	Reps        []string       `json:"reps"`
	Reasons     []string       `json:"reasons"`
	Groups      []accCodecGrp  `json:"groups"`
	Stale       []accCodecStl  `json:"stale,omitempty"`
	SkipRecords int            `json:"skip_records,omitempty"`
	SkipDeals   int            `json:"skip_deals,omitempty"`
	SkipReasons map[string]int `json:"skip_reasons,omitempty"`
	SkipExample []string       `json:"skip_examples,omitempty"`
}

type accCodecSum [2]uint64 // hi, lo

type accCodecHist struct {
	N      int64    `json:"n"`
	SumSec int64    `json:"s"`
	Dense  []uint32 `json:"d,omitempty"`
	Long   []int64  `json:"l,omitempty"`
}

type accCodecDense[T any] struct {
	Base  int32       `json:"b"`
	Vals  []T         `json:"v,omitempty"`
	Extra map[int32]T `json:"x,omitempty"`
}

type accCodecStage struct {
	C   [9]int64     `json:"c"` // entered, advanced, dropped, openConv, reached, reachedWon, reachedLost, reachedOpen, skipped
	Drp accCodecSum  `json:"drop"`
	TIS accCodecHist `json:"tis"`
}

type accCodecCell struct {
	N   int64       `json:"n"`
	Amt accCodecSum `json:"a"`
}

type accCodecPeriod struct {
	C      [7]int64    `json:"c"` // created, won, lost, cCreated, cWon, cLost, cOpen
	WonAmt accCodecSum `json:"w"`
}

type accCodecGrp struct {
	Key         uint64                        `json:"k"`
	C           [13]int64                     `json:"c"` // created, won, lost, open, changes, skips, backward, reopened, staleN, pushes, pulls, pushedDeals, pushSec
	WonAmt      accCodecSum                   `json:"won_amt"`
	OpenAmt     accCodecSum                   `json:"open_amt"`
	StaleAmt    accCodecSum                   `json:"stale_amt"`
	WonList     []int64                       `json:"won_list,omitempty"`
	Cycle       accCodecHist                  `json:"cycle"`
	Stages      []accCodecStage               `json:"stages"`
	Snaps       []accCodecCell                `json:"snaps"`
	Periods     accCodecDense[accCodecPeriod] `json:"periods"`
	LostBy      map[uint64]accCodecCell       `json:"lost_by,omitempty"`
	WonByMonth  accCodecDense[accCodecSum]    `json:"won_by_month"`
	OpenByClose accCodecDense[[]accCodecSum]  `json:"open_by_close"`
}

type accCodecStl struct {
	ID        string `json:"id"`
	Pipe      uint16 `json:"p"`
	Stage     uint16 `json:"s"`
	Rep       int32  `json:"r"`
	Amount    int64  `json:"a"`
	LastTouch int64  `json:"t"`
	Over      int64  `json:"o"`
}

func accCodecFromSum(s fnlSum) accCodecSum { return accCodecSum{s.hi, s.lo} }
func accCodecToSum(s accCodecSum) fnlSum   { return fnlSum{hi: s[0], lo: s[1]} }

func accCodecFromHist(h *fnlHist) accCodecHist {
	return accCodecHist{N: h.n, SumSec: h.sumSec, Dense: h.dense, Long: h.long}
}

func accCodecToHist(h accCodecHist) fnlHist {
	return fnlHist{n: h.N, sumSec: h.SumSec, dense: h.Dense, long: h.Long}
}

func accCodecFromDense[T, U any](d *fnlDense[T], f func(*T) U) accCodecDense[U] {
	out := accCodecDense[U]{Base: d.base}
	for i := range d.vals {
		out.Vals = append(out.Vals, f(&d.vals[i]))
	}
	if len(d.extra) > 0 {
		out.Extra = make(map[int32]U, len(d.extra))
		for k, v := range d.extra {
			out.Extra[k] = f(v)
		}
	}
	return out
}

func accCodecToDense[T, U any](d accCodecDense[U], f func(U) T) fnlDense[T] {
	out := fnlDense[T]{base: d.Base}
	if len(d.Vals) > 0 {
		out.vals = make([]T, len(d.Vals))
		for i, v := range d.Vals {
			out.vals[i] = f(v)
		}
	}
	if len(d.Extra) > 0 {
		out.extra = make(map[int32]*T, len(d.Extra))
		for k, v := range d.Extra {
			t := f(v)
			out.extra[k] = &t
		}
	}
	return out
}

func accCodecSums(row []fnlSum) []accCodecSum {
	out := make([]accCodecSum, len(row))
	for i, s := range row {
		out[i] = accCodecFromSum(s)
	}
	return out
}

func accCodecFromGroup(k uint64, g *fnlGroup) accCodecGrp {
	out := accCodecGrp{
		Key: k,
		C: [13]int64{g.created, g.won, g.lost, g.open, g.changes, g.skips, g.backward, g.reopened, g.staleN,
			g.pushes, g.pulls, g.pushedDeals, g.pushSec},
		WonAmt: accCodecFromSum(g.wonAmt), OpenAmt: accCodecFromSum(g.openAmt), StaleAmt: accCodecFromSum(g.staleAmt),
		WonList: g.wonList, Cycle: accCodecFromHist(&g.cycle),
	}
	for i := range g.stages {
		s := &g.stages[i]
		out.Stages = append(out.Stages, accCodecStage{
			C:   [9]int64{s.entered, s.advanced, s.dropped, s.openConv, s.reached, s.reachedWon, s.reachedLost, s.reachedOpen, s.skipped},
			Drp: accCodecFromSum(s.dropAmt), TIS: accCodecFromHist(&s.tis)})
	}
	for _, c := range g.snaps {
		out.Snaps = append(out.Snaps, accCodecCell{N: c.n, Amt: accCodecFromSum(c.amt)})
	}
	out.Periods = accCodecFromDense(&g.periods, func(p *fnlPeriodAgg) accCodecPeriod {
		return accCodecPeriod{C: [7]int64{p.created, p.won, p.lost, p.cCreated, p.cWon, p.cLost, p.cOpen}, WonAmt: accCodecFromSum(p.wonAmt)}
	})
	if len(g.lostBy) > 0 {
		out.LostBy = make(map[uint64]accCodecCell, len(g.lostBy))
		for k, c := range g.lostBy {
			out.LostBy[k] = accCodecCell{N: c.n, Amt: accCodecFromSum(c.amt)}
		}
	}
	out.WonByMonth = accCodecFromDense(&g.wonByMonth, func(s *fnlSum) accCodecSum { return accCodecFromSum(*s) })
	out.OpenByClose = accCodecFromDense(&g.openByClose, func(r *[]fnlSum) []accCodecSum { return accCodecSums(*r) })
	return out
}

// accCodecToGroup rebuilds a group, checking the shapes that the report
// indexes by pipeline and snapshot so a corrupt input cannot make it panic.
func accCodecToGroup(cfg *fnlConfig, in accCodecGrp, nReps, nReasons, nDeals int) (*fnlGroup, error) {
	if err := accCodecCheckCounts(in, int64(nDeals)); err != nil {
		return nil, fmt.Errorf("group %#x: %v", in.Key, err)
	}
	pi, rep := int(in.Key>>32), int(uint32(in.Key))
	if in.Key>>48 != 0 || pi >= len(cfg.pipes) || rep >= nReps {
		return nil, fmt.Errorf("group key %#x out of range", in.Key)
	}
	ns := len(cfg.pipes[pi].p.Stages)
	if len(in.Stages) != ns || len(in.Snaps) != ns*len(cfg.snaps) {
		return nil, fmt.Errorf("group %#x: %d stages and %d snapshot cells, want %d and %d", in.Key, len(in.Stages), len(in.Snaps), ns, ns*len(cfg.snaps))
	}
	c := in.C
	g := &fnlGroup{created: c[0], won: c[1], lost: c[2], open: c[3], changes: c[4], skips: c[5], backward: c[6], reopened: c[7],
		staleN: c[8], pushes: c[9], pulls: c[10], pushedDeals: c[11], pushSec: c[12],
		wonAmt: accCodecToSum(in.WonAmt), openAmt: accCodecToSum(in.OpenAmt), staleAmt: accCodecToSum(in.StaleAmt),
		wonList: in.WonList, cycle: accCodecToHist(in.Cycle), lostBy: map[uint64]*fnlCountAmt{}}
	hists := []*fnlHist{&g.cycle}
	g.stages = make([]fnlStageAgg, ns)
	for i, s := range in.Stages {
		c := s.C
		g.stages[i] = fnlStageAgg{entered: c[0], advanced: c[1], dropped: c[2], openConv: c[3], reached: c[4], reachedWon: c[5],
			reachedLost: c[6], reachedOpen: c[7], skipped: c[8], dropAmt: accCodecToSum(s.Drp), tis: accCodecToHist(s.TIS)}
		hists = append(hists, &g.stages[i].tis)
	}
	for _, h := range hists {
		if err := accCodecCheckHist(h); err != nil {
			return nil, fmt.Errorf("group %#x: %v", in.Key, err)
		}
	}
	g.snaps = make([]fnlSnapCell, len(in.Snaps))
	for i, s := range in.Snaps {
		g.snaps[i] = fnlSnapCell{n: s.N, amt: accCodecToSum(s.Amt)}
	}
	g.periods = accCodecToDense(in.Periods, func(p accCodecPeriod) fnlPeriodAgg {
		c := p.C
		return fnlPeriodAgg{created: c[0], won: c[1], lost: c[2], cCreated: c[3], cWon: c[4], cLost: c[5], cOpen: c[6], wonAmt: accCodecToSum(p.WonAmt)}
	})
	for k, c := range in.LostBy {
		if r := int(uint32(k >> 16)); r >= nReasons || int(k&0xffff) >= ns {
			return nil, fmt.Errorf("group %#x: lost-by key %#x out of range", in.Key, k)
		}
		g.lostBy[k] = &fnlCountAmt{n: c.N, amt: accCodecToSum(c.Amt)}
	}
	g.wonByMonth = accCodecToDense(in.WonByMonth, accCodecToSum)
	bad := false
	g.openByClose = accCodecToDense(in.OpenByClose, func(r []accCodecSum) []fnlSum {
		if len(r) != ns {
			bad = true
		}
		out := make([]fnlSum, len(r))
		for i, s := range r {
			out[i] = accCodecToSum(s)
		}
		return out
	})
	if bad {
		return nil, fmt.Errorf("group %#x: open-by-close row length is not %d", in.Key, ns)
	}
	return g, nil
}

// accCodecCheckCounts checks that counts are non-negative, that counts of
// deals do not exceed the deals held, and that the partitions the report
// relies on add up, so that a corrupt encoding cannot feed the interval
// code impossible counts.
func accCodecCheckCounts(in accCodecGrp, nDeals int64) error {
	neg := func(cs ...int64) bool {
		for _, c := range cs {
			if c < 0 {
				return true
			}
		}
		return false
	}
	over := func(cs ...int64) bool {
		for _, c := range cs {
			if c > nDeals {
				return true
			}
		}
		return false
	}
	c := in.C
	if neg(c[:]...) || over(c[0], c[1], c[2], c[3], c[8], c[11]) || neg(in.WonList...) ||
		int64(len(in.WonList)) != c[1] || in.Cycle.N != c[1] {
		return fmt.Errorf("deal counts out of range or inconsistent")
	}
	for _, s := range in.Stages {
		c := s.C
		if neg(c[:]...) || over(c[0], c[4]) || c[1]+c[2]+c[3] != c[0] || c[5]+c[6]+c[7] != c[4] {
			return fmt.Errorf("stage counts out of range or inconsistent")
		}
	}
	for _, s := range in.Snaps {
		if neg(s.N) || over(s.N) {
			return fmt.Errorf("snapshot counts out of range")
		}
	}
	for _, l := range in.LostBy {
		if neg(l.N) || over(l.N) {
			return fmt.Errorf("lost counts out of range")
		}
	}
	periods := append(slices.Clone(in.Periods.Vals), slices.Collect(maps.Values(in.Periods.Extra))...)
	for _, p := range periods {
		c := p.C
		if neg(c[:]...) || over(c[:]...) || c[4]+c[5]+c[6] != c[3] {
			return fmt.Errorf("period counts out of range or inconsistent")
		}
	}
	for _, n := range []int{len(in.Periods.Vals), len(in.WonByMonth.Vals), len(in.OpenByClose.Vals)} {
		if n > fnlDenseMax {
			return fmt.Errorf("dense range of %d keys", n)
		}
	}
	for _, b := range []int32{in.Periods.Base, in.WonByMonth.Base, in.OpenByClose.Base} {
		if int64(b)+fnlDenseMax > math.MaxInt32 {
			return fmt.Errorf("dense base %d out of range", b)
		}
	}
	return nil
}

func accCodecCheckHist(h *fnlHist) error {
	if h.n < 0 || h.sumSec < 0 {
		return fmt.Errorf("negative histogram count or sum")
	}
	for _, v := range h.long {
		if v < fnlHistDense {
			return fmt.Errorf("histogram long value %d below %d hours", v, fnlHistDense)
		}
	}
	var n int64
	for _, c := range h.dense {
		n += int64(c)
	}
	if len(h.dense) > fnlHistDense || n+int64(len(h.long)) != h.n {
		return fmt.Errorf("histogram counts do not add up")
	}
	return nil
}

// MarshalJSON encodes the accumulator's partial results together with the
// pipelines and options it was made with, so that [Accumulator.UnmarshalJSON]
// needs nothing else. The encoding is for shipping partial results between
// the workers of one analysis, not for long-term storage: its layout may
// change between crmkit versions (a version mismatch is an error on decode).
// Options.Location is carried by name; see UnmarshalJSON.
func (a *Accumulator) MarshalJSON() ([]byte, error) {
	if a == nil || a.cfg == nil {
		return nil, fmt.Errorf("funnel: MarshalJSON on an Accumulator not made by NewAccumulator")
	}
	cfg := a.cfg
	st := accCodecState{Version: accCodecVersion, Options: cfg.opts, Location: cfg.loc.String(), Fingerprint: cfg.fingerprnt,
		Currency: a.currency, Reps: a.repNames, Reasons: a.reasonNames, SkipRecords: a.skipRecords, SkipDeals: a.skipDeals,
		SkipReasons: a.skipReasons, SkipExample: a.skipExamples}
	st.LocOffsets = accCodecOffsets(cfg.loc, cfg.opts)
	for _, pp := range cfg.pipes {
		st.Pipelines = append(st.Pipelines, pp.p)
	}
	st.IDs = make([]string, a.ids.len())
	for i := range st.IDs {
		st.IDs[i] = a.ids.id(int32(i))
	}
	for k, g := range a.groups {
		st.Groups = append(st.Groups, accCodecFromGroup(k, g))
	}
	for _, s := range a.stale {
		st.Stale = append(st.Stale, accCodecStl{ID: s.id, Pipe: s.pipe, Stage: s.stage, Rep: s.rep, Amount: s.amount, LastTouch: s.lastTouch, Over: s.over})
	}
	return json.Marshal(st)
}

// UnmarshalJSON replaces the accumulator's contents with an encoding made by
// [Accumulator.MarshalJSON]; it may be called on a zero Accumulator. The
// result is an accumulator equal to the encoded one: Add, Merge and Report
// behave as they would have on the original. The location of
// Options.Location is looked up by name (time.LoadLocation; "UTC" and
// "Local" directly), so a custom time.FixedZone does not survive the trip:
// a name unknown on the decoding machine, or one whose UTC offsets at the
// option dates differ from the encoder's, is an error wrapping
// crmkit.ErrInvalid, as is any corrupt or
// inconsistent input. On error the accumulator is unchanged.
func (a *Accumulator) UnmarshalJSON(data []byte) error {
	var st accCodecState
	if err := json.Unmarshal(data, &st); err != nil {
		return accCodecErr("%v", err)
	}
	if st.Version != accCodecVersion {
		return accCodecErr("encoding version %d, this crmkit reads %d", st.Version, accCodecVersion)
	}
	opts := st.Options
	switch st.Location {
	case "UTC", "":
		opts.Location = time.UTC
	case "Local":
		opts.Location = time.Local
	default:
		loc, err := time.LoadLocation(st.Location)
		if err != nil {
			return accCodecErr("location %q: %v", st.Location, err)
		}
		opts.Location = loc
	}
	if !slices.Equal(accCodecOffsets(opts.Location, opts), st.LocOffsets) {
		return accCodecErr("location %q here has other UTC offsets than where it was encoded", st.Location)
	}
	cfg, err := fnlNewConfig(st.Pipelines, &opts)
	if err != nil {
		return accCodecErr("pipelines and options: %v", err)
	}
	if cfg.fingerprnt != st.Fingerprint {
		return accCodecErr("pipelines and options do not match the encoded fingerprint")
	}
	b := fnlNewAcc(cfg, len(st.IDs))
	b.currency = st.Currency
	for _, id := range st.IDs {
		if _, dup := b.ids.insert(id); dup {
			return accCodecErr("deal ID %q twice", id)
		}
	}
	for _, n := range st.Reps {
		if _, dup := b.reps[n]; dup {
			return accCodecErr("rep %q twice", n)
		}
		b.rep(n)
	}
	for _, n := range st.Reasons {
		if _, dup := b.reasons[n]; dup {
			return accCodecErr("lost reason %q twice", n)
		}
		b.reason(n)
	}
	for _, in := range st.Groups {
		if _, dup := b.groups[in.Key]; dup {
			return accCodecErr("group %#x twice", in.Key)
		}
		g, err := accCodecToGroup(cfg, in, len(st.Reps), len(st.Reasons), len(st.IDs))
		if err != nil {
			return accCodecErr("%v", err)
		}
		b.groups[in.Key] = g
	}
	for _, s := range st.Stale {
		if int(s.Pipe) >= len(cfg.pipes) || int(s.Stage) >= len(cfg.pipes[s.Pipe].p.Stages) || s.Rep < 0 || int(s.Rep) >= len(st.Reps) {
			return accCodecErr("stale deal %q out of range", s.ID)
		}
		b.stale = append(b.stale, fnlStale{id: s.ID, pipe: s.Pipe, stage: s.Stage, rep: s.Rep, amount: s.Amount, lastTouch: s.LastTouch, over: s.Over})
	}
	b.skipRecords, b.skipDeals, b.skipExamples = st.SkipRecords, st.SkipDeals, st.SkipExample
	for r, n := range st.SkipReasons {
		b.skipReasons[r] = n
	}
	*a = *b
	return nil
}

// accCodecOffsets returns loc's UTC offsets at the option dates, to catch a
// location name that means another zone on the decoding machine.
func accCodecOffsets(loc *time.Location, o Options) []int {
	var out []int
	for _, t := range append([]time.Time{o.AsOf, o.From, o.To}, o.Snapshots...) {
		if !t.IsZero() {
			_, off := t.In(loc).Zone()
			out = append(out, off)
		}
	}
	return out
}

func accCodecErr(format string, args ...any) error {
	return crmkit.Errorf("accumulator", -1, "", "", crmkit.ErrInvalid, format, args...)
}
