package funnel

import (
	"errors"
	"slices"
	"strings"

	"github.com/crmkit/crmkit"
)

// ErrMismatch is returned by [Accumulator.Merge] when the two accumulators
// were made for different pipelines or options.
var ErrMismatch = errors.New("funnel: accumulators were built with different pipelines or options")

// Accumulator folds deal histories into the partial results of a report. It
// is the mergeable form of [Run]: split the deals of one analysis across
// workers (each deal, with all its changes, to exactly one worker), give each
// worker an Accumulator made by [NewAccumulator] with the same pipelines and
// options, [Accumulator.Add] every history, [Accumulator.Merge] the
// accumulators in any order and grouping, and [Accumulator.Report] gives the
// same report as one pass over all the data.
//
// The state is aggregates (counts, exact money sums, hour histograms) plus
// about 30 bytes per deal for the deal IDs (to catch duplicates, also across
// merged accumulators), 8 bytes per won deal (for the median) and the stale
// deals. The zero value is not usable; use [NewAccumulator]. An Accumulator
// is not safe for concurrent use. Methods called on a nil or zero-value
// Accumulator return an error wrapping crmkit.ErrInvalid (UnmarshalBinary
// excepted: it fills a zero value).
type Accumulator struct {
	cfg         *fnlConfig
	ids         *fnlIndex
	reps        map[string]int32
	repNames    []string
	reasons     map[string]int32
	reasonNames []string
	groups      map[uint64]*fnlGroup
	groupTab    [][]*fnlGroup // [pipeline][rep], the same groups for fast lookup
	stale       []fnlStale
	staleCut    []fnlStaleCut // by pipeline, see addStale
	currency    string

	skipRecords, skipDeals int
	skipReasons            map[string]int
	skipExamples           []string

	repCache [64]fnlRepCached

	// scratch, reused from deal to deal
	stays  []fnlStay
	first  []int32
	sufMax []int
	chBuf  []fnlChange
	amBuf  []fnlAmtChg
	clBuf  []fnlCloseChg
}

// usable returns an error wrapping crmkit.ErrInvalid when a is nil or
// was not made by [NewAccumulator] (or [Accumulator.UnmarshalBinary]), so
// that misuse gives an error instead of a nil dereference.
func (a *Accumulator) usable(role string) error {
	if a == nil {
		return crmkit.Errorf("accumulator", -1, "", role, crmkit.ErrInvalid, "nil *Accumulator")
	}
	if a.cfg == nil {
		return crmkit.Errorf("accumulator", -1, "", role, crmkit.ErrInvalid, "zero Accumulator: make it with NewAccumulator")
	}
	return nil
}

// NewAccumulator validates the pipelines and options and returns an empty
// accumulator. Pipeline warnings are carried into the report.
func NewAccumulator(pipelines []Pipeline, opts *Options) (*Accumulator, error) {
	cfg, err := fnlNewConfig(pipelines, opts)
	if err != nil {
		return nil, err
	}
	return fnlNewAcc(cfg, 0), nil
}

func fnlNewAcc(cfg *fnlConfig, hint int) *Accumulator {
	return &Accumulator{cfg: cfg, ids: fnlNewIndex(hint), reps: map[string]int32{}, reasons: map[string]int32{},
		groups: map[uint64]*fnlGroup{}, currency: cfg.currency, skipReasons: map[string]int{}}
}

// fnlDeal is the compact state of one deal: 56 bytes.
type fnlDeal struct {
	created, closed, lastAct, expClose int64 // unix seconds, fnlNone when unset
	amount                             int64 // scaled, see fnlToScaled
	owner, reason                      int32
	pipe, stage                        uint16
	flags                              uint8
}

const (
	fnlDone     = 1 << iota // all stage changes seen
	fnlSkip                 // skipped under SkipBad
	fnlHasAmt               // has amount changes (Run)
	fnlHasClose             // has close-date changes (Run)
)

type fnlChange struct {
	t        int64
	owner    int32
	from, to uint16
}

type fnlAmtChg struct{ t, from, to int64 }

type fnlCloseChg struct{ t, from, to int64 }

type fnlStay struct {
	start, end int64 // end fnlNone while the stay runs
	owner      int32
	stage      uint16
}

type fnlStale struct {
	id        string
	pipe      uint16
	stage     uint16
	rep       int32
	amount    int64
	lastTouch int64
	over      int64 // seconds past the threshold
}

// fnlGroup holds the aggregates of one (pipeline, rep).
type fnlGroup struct {
	created, won, lost, open           int64
	wonAmt, openAmt                    fnlSum
	wonList                            []int64
	cycle                              fnlHist
	stages                             []fnlStageAgg
	snaps                              []fnlSnapCell // [snapshot*nStages + stage]
	periods                            fnlDense[fnlPeriodAgg]
	lostBy                             map[uint64]*fnlCountAmt // reason<<16 | stage
	wonByMonth                         fnlDense[fnlSum]
	openByClose                        fnlDense[[]fnlSum] // expected-close month → per stage
	changes, skips, backward, reopened int64
	staleN                             int64
	staleAmt                           fnlSum
	pushes, pulls, pushedDeals         int64
	pushSec                            int64
}

type fnlStageAgg struct {
	entered, advanced, dropped, openConv          int64
	dropAmt                                       fnlSum
	reached, reachedWon, reachedLost, reachedOpen int64
	skipped                                       int64
	tis                                           fnlHist
}

type fnlSnapCell struct {
	n   int64
	amt fnlSum
}

type fnlPeriodAgg struct {
	created, won, lost           int64
	wonAmt                       fnlSum
	cCreated, cWon, cLost, cOpen int64
}

type fnlCountAmt struct {
	n   int64
	amt fnlSum
}

func (a *Accumulator) newGroup(pi int) *fnlGroup {
	ns := len(a.cfg.pipes[pi].p.Stages)
	return &fnlGroup{stages: make([]fnlStageAgg, ns), snaps: make([]fnlSnapCell, ns*len(a.cfg.snaps)),
		lostBy: map[uint64]*fnlCountAmt{}}
}

func (a *Accumulator) group(pi uint16, rep int32) *fnlGroup {
	if int(pi) < len(a.groupTab) && int(rep) < len(a.groupTab[pi]) {
		if g := a.groupTab[pi][rep]; g != nil {
			return g
		}
	}
	k := uint64(pi)<<32 | uint64(uint32(rep))
	g := a.groups[k]
	if g == nil {
		g = a.newGroup(int(pi))
		a.groups[k] = g
	}
	for len(a.groupTab) <= int(pi) {
		a.groupTab = append(a.groupTab, nil)
	}
	for len(a.groupTab[pi]) <= int(rep) {
		a.groupTab[pi] = append(a.groupTab[pi], nil)
	}
	a.groupTab[pi][rep] = g
	return g
}

func (g *fnlGroup) period(i int32) *fnlPeriodAgg { return g.periods.at(i) }

func (a *Accumulator) rep(name string) int32 {
	// A direct-mapped cache in front of the map: a host has few reps, and
	// every deal names one. Entries are (name, index+1); 0 is empty.
	var k int
	if name != "" {
		k = fnlQuickKey(name)
		if c := &a.repCache[k]; c.idx > 0 && c.name == name {
			return c.idx - 1
		}
	}
	i, ok := a.reps[name]
	if !ok {
		i = int32(len(a.repNames))
		a.reps[name] = i
		a.repNames = append(a.repNames, name)
	}
	if name != "" {
		a.repCache[k] = fnlRepCached{name: name, idx: i + 1}
	}
	return i
}

type fnlRepCached struct {
	name string
	idx  int32 // index+1; 0 is an empty entry
}

func (a *Accumulator) reason(name string) int32 {
	if i, ok := a.reasons[name]; ok {
		return i
	}
	i := int32(len(a.reasonNames))
	a.reasons[name] = i
	a.reasonNames = append(a.reasonNames, name)
	return i
}

// skip records a skipped record, or returns err when skipping is off or the
// error must never be skipped (mixed currencies).
func (a *Accumulator) skip(err error, records int) error {
	if !a.cfg.skipBad || errors.Is(err, crmkit.ErrCurrency) {
		return err
	}
	a.skipRecords += records
	reason := "other"
	var re *crmkit.RecordError
	if errors.As(err, &re) {
		for _, s := range []error{crmkit.ErrMissing, crmkit.ErrInvalid, crmkit.ErrDuplicate, crmkit.ErrOrder, crmkit.ErrUnknownRef, crmkit.ErrFuture} {
			if errors.Is(err, s) {
				reason = re.Kind + ": " + s.Error()
				break
			}
		}
	}
	a.skipReasons[reason] += records
	if len(a.skipExamples) < 10 {
		a.skipExamples = append(a.skipExamples, err.Error())
	}
	return nil
}

// convDeal checks a deal and converts it to compact form.
func (a *Accumulator) convDeal(d *Deal, idx int) (fnlDeal, error) {
	cfg := a.cfg
	e := func(field string, s error, f string, args ...any) error {
		return crmkit.Errorf("deal", idx, d.ID, field, s, f, args...)
	}
	var out fnlDeal
	if d.ID == "" {
		return out, e("id", crmkit.ErrMissing, "")
	}
	if d.Pipeline == "" {
		return out, e("pipeline", crmkit.ErrMissing, "")
	}
	pi, ok := cfg.pipeIdx[d.Pipeline]
	if !ok {
		return out, e("pipeline", crmkit.ErrUnknownRef, "pipeline %q", d.Pipeline)
	}
	pp := &cfg.pipes[pi]
	out.pipe = uint16(pi)
	if d.Stage == "" {
		return out, e("stage", crmkit.ErrMissing, "")
	}
	st, ok := pp.lookup(d.Stage)
	if !ok {
		return out, e("stage", crmkit.ErrUnknownRef, "stage %q not in pipeline %q", d.Stage, d.Pipeline)
	}
	out.stage = st
	if d.Currency != "" && d.Currency != a.currency {
		if a.currency != "" {
			return out, e("currency", crmkit.ErrCurrency, "%s, the call's currency is %s", d.Currency, a.currency)
		}
		a.currency = d.Currency
	}
	amt, why := fnlToScaled(d.Amount)
	if why != "" {
		return out, e("amount", crmkit.ErrInvalid, "%s: %s", why, d.Amount)
	}
	out.amount = amt
	if d.Created.IsZero() {
		return out, e("created", crmkit.ErrMissing, "")
	}
	out.created = d.Created.Unix()
	if out.created > cfg.asOf {
		return out, e("created", crmkit.ErrFuture, "%v", d.Created)
	}
	out.closed = fnlSec(d.Closed)
	if pp.kind[st] == StageOpen {
		if out.closed != fnlNone {
			return out, e("closed", crmkit.ErrInvalid, "set on a deal in open stage %q", d.Stage)
		}
	} else {
		switch {
		case out.closed == fnlNone:
			return out, e("closed", crmkit.ErrMissing, "deal is in %s stage %q", pp.kind[st], d.Stage)
		case out.closed < out.created:
			return out, e("closed", crmkit.ErrInvalid, "%v is before created %v", d.Closed, d.Created)
		case out.closed > cfg.asOf:
			return out, e("closed", crmkit.ErrFuture, "%v", d.Closed)
		}
	}
	out.lastAct = fnlSec(d.LastActivity)
	if out.lastAct != fnlNone && out.lastAct > cfg.asOf {
		return out, e("last_activity", crmkit.ErrFuture, "%v", d.LastActivity)
	}
	out.expClose = fnlSec(d.ExpectedClose)
	out.owner = a.rep(d.Owner)
	out.reason = -1
	if pp.kind[st] == StageLost {
		out.reason = a.reason(d.LostReason)
	}
	return out, nil
}

// fnlChain checks the stage changes of one deal as they arrive. It keeps
// only what the next check needs (few pointers: it is written per change).
type fnlChain struct {
	n          int
	prevFrom   uint16
	prevTo     uint16
	prevOwner  int32
	prevT      int64
	last       int    // index of the last change, for the end check
	prevToID   string // the previous change's To as the host spelled it
	prevOwnerS string
}

func (a *Accumulator) checkChange(d *fnlDeal, st *fnlChain, c *StageChange, idx int) (fnlChange, error) {
	e := func(field string, s error, f string, args ...any) error {
		return crmkit.Errorf("stage change", idx, c.DealID, field, s, f, args...)
	}
	pp := &a.cfg.pipes[d.pipe]
	var out fnlChange
	if c.Time.IsZero() {
		return out, e("time", crmkit.ErrMissing, "")
	}
	var ok bool
	t := c.Time.Unix()
	if t > a.cfg.asOf {
		return out, e("time", crmkit.ErrFuture, "%v", c.Time)
	}
	if t < d.created {
		return out, e("time", crmkit.ErrInvalid, "%v is before the deal was created", c.Time)
	}
	if d.closed != fnlNone && t > d.closed {
		return out, e("time", crmkit.ErrInvalid, "%v is after the deal closed", c.Time)
	}
	var from uint16
	if st.n > 0 && c.From == st.prevToID {
		from = st.prevTo // the usual case: the chain continues
	} else if from, ok = pp.lookup(c.From); !ok {
		return out, e("from", crmkit.ErrUnknownRef, "stage %q not in pipeline %q", c.From, pp.p.ID)
	}
	to, ok := pp.lookup(c.To)
	if !ok {
		return out, e("to", crmkit.ErrUnknownRef, "stage %q not in pipeline %q", c.To, pp.p.ID)
	}
	if st.n > 0 {
		if t == st.prevT && from == st.prevFrom && to == st.prevTo {
			return out, e("", crmkit.ErrDuplicate, "same change as the previous record")
		}
		if t < st.prevT {
			return out, e("time", crmkit.ErrOrder, "%v is before the previous change of this deal", c.Time)
		}
		if from != st.prevTo {
			return out, e("from", crmkit.ErrInvalid, "%q does not continue from the previous change's to %q", c.From, pp.p.Stages[st.prevTo].ID)
		}
	}
	if from == to {
		return out, e("to", crmkit.ErrInvalid, "from and to are both %q", c.To)
	}
	out = fnlChange{t: t, from: from, to: to, owner: -1}
	if c.Owner != "" {
		if st.n > 0 && c.Owner == st.prevOwnerS {
			out.owner = st.prevOwner
		} else {
			out.owner = a.rep(c.Owner)
		}
	}
	st.prevOwnerS, st.prevToID = c.Owner, c.To
	st.n++
	st.prevFrom, st.prevTo, st.prevT, st.prevOwner, st.last = from, to, t, out.owner, idx
	return out, nil
}

func (a *Accumulator) checkChainEnd(d *fnlDeal, st *fnlChain, dealID string) error {
	if st.n > 0 && st.prevTo != d.stage {
		pp := &a.cfg.pipes[d.pipe]
		return crmkit.Errorf("stage change", st.last, dealID, "to", crmkit.ErrInvalid,
			"the last change ends in %q but the deal is in %q (are the deal's changes complete and together?)", pp.p.Stages[st.prevTo].ID, pp.p.Stages[d.stage].ID)
	}
	return nil
}

type fnlAmtChain struct {
	n     int
	prevT int64
	prev  fnlAmtChg
	last  int
}

func (a *Accumulator) checkAmount(d *fnlDeal, st *fnlAmtChain, c *AmountChange, idx int) (fnlAmtChg, error) {
	e := func(field string, s error, f string, args ...any) error {
		return crmkit.Errorf("amount change", idx, c.DealID, field, s, f, args...)
	}
	var out fnlAmtChg
	if c.Time.IsZero() {
		return out, e("time", crmkit.ErrMissing, "")
	}
	t := c.Time.Unix()
	if t > a.cfg.asOf {
		return out, e("time", crmkit.ErrFuture, "%v", c.Time)
	}
	if t < d.created {
		return out, e("time", crmkit.ErrInvalid, "%v is before the deal was created", c.Time)
	}
	from, why := fnlToScaled(c.From)
	if why != "" {
		return out, e("from", crmkit.ErrInvalid, "%s: %s", why, c.From)
	}
	to, why := fnlToScaled(c.To)
	if why != "" {
		return out, e("to", crmkit.ErrInvalid, "%s: %s", why, c.To)
	}
	out = fnlAmtChg{t: t, from: from, to: to}
	if st.n > 0 {
		if out == st.prev {
			return out, e("", crmkit.ErrDuplicate, "same change as the previous record")
		}
		if t < st.prevT {
			return out, e("time", crmkit.ErrOrder, "%v is before the previous change of this deal", c.Time)
		}
		if from != st.prev.to {
			return out, e("from", crmkit.ErrInvalid, "%s does not continue from the previous change's to %s", c.From, fnlDecimal(st.prev.to))
		}
	}
	st.n++
	st.prevT, st.prev, st.last = t, out, idx
	return out, nil
}

func (a *Accumulator) checkAmountEnd(d *fnlDeal, st *fnlAmtChain, dealID string) error {
	if st.n > 0 && st.prev.to != d.amount {
		return crmkit.Errorf("amount change", st.last, dealID, "to", crmkit.ErrInvalid,
			"the last change ends at %s but the deal's amount is %s", fnlDecimal(st.prev.to), fnlDecimal(d.amount))
	}
	return nil
}

type fnlCloseChain struct {
	n     int
	prevT int64
	prev  fnlCloseChg
	last  int
}

func (a *Accumulator) checkClose(d *fnlDeal, st *fnlCloseChain, c *CloseDateChange, idx int) (fnlCloseChg, error) {
	e := func(field string, s error, f string, args ...any) error {
		return crmkit.Errorf("close date change", idx, c.DealID, field, s, f, args...)
	}
	var out fnlCloseChg
	if c.Time.IsZero() {
		return out, e("time", crmkit.ErrMissing, "")
	}
	t := c.Time.Unix()
	if t > a.cfg.asOf {
		return out, e("time", crmkit.ErrFuture, "%v", c.Time)
	}
	if t < d.created {
		return out, e("time", crmkit.ErrInvalid, "%v is before the deal was created", c.Time)
	}
	if c.To.IsZero() {
		return out, e("to", crmkit.ErrMissing, "")
	}
	out = fnlCloseChg{t: t, from: fnlSec(c.From), to: c.To.Unix()}
	if st.n > 0 {
		if out == st.prev {
			return out, e("", crmkit.ErrDuplicate, "same change as the previous record")
		}
		if t < st.prevT {
			return out, e("time", crmkit.ErrOrder, "%v is before the previous change of this deal", c.Time)
		}
		if out.from != st.prev.to {
			return out, e("from", crmkit.ErrInvalid, "%v does not continue from the previous change's to", c.From)
		}
	}
	st.n++
	st.prevT, st.prev, st.last = t, out, idx
	return out, nil
}

func (a *Accumulator) checkCloseEnd(d *fnlDeal, st *fnlCloseChain, dealID string) error {
	if st.n > 0 && st.prev.to != d.expClose {
		return crmkit.Errorf("close date change", st.last, dealID, "to", crmkit.ErrInvalid,
			"the last change does not end at the deal's expected close date")
	}
	return nil
}

// Add folds one deal's history into the accumulator. The slices in h must be
// in time order (see [Input] for every rule a history must satisfy); the
// record indices in errors are positions in h.Changes, h.Amounts or
// h.CloseDates (-1 for the deal). A deal ID already added to this
// accumulator is an error wrapping crmkit.ErrDuplicate. Under
// [Options.SkipBad] a bad history is counted and skipped and Add returns nil;
// mixed currencies always return an error. A history that returns an error
// leaves the accumulator unchanged.
func (a *Accumulator) Add(h History) error {
	if err := a.usable(""); err != nil {
		return err
	}
	records := 1 + len(h.Changes) + len(h.Amounts) + len(h.CloseDates)
	cur := a.currency
	d, err := a.convDeal(&h.Deal, -1)
	if a.ids.full() {
		return crmkit.Errorf("deal", -1, h.Deal.ID, "", crmkit.ErrInvalid, "more than %d deals in one accumulator", fnlMaxIDs)
	}
	if err == nil && a.ids.find(h.Deal.ID) >= 0 {
		err = crmkit.Errorf("deal", -1, h.Deal.ID, "id", crmkit.ErrDuplicate, "deal already added")
	}
	if err == nil {
		err = a.checkHistory(&d, &h)
	}
	if err != nil {
		a.currency = cur
		if err = a.skip(err, records); err == nil {
			a.skipDeals++
		}
		return err
	}
	a.ids.insert(h.Deal.ID)
	a.addDeal(&d, h.Deal.ID, -1, a.chBuf, a.amBuf, a.clBuf)
	return nil
}

func (a *Accumulator) checkHistory(d *fnlDeal, h *History) error {
	a.chBuf, a.amBuf, a.clBuf = a.chBuf[:0], a.amBuf[:0], a.clBuf[:0]
	var sc fnlChain
	for i := range h.Changes {
		if h.Changes[i].DealID != h.Deal.ID {
			return crmkit.Errorf("stage change", i, h.Changes[i].DealID, "deal_id", crmkit.ErrInvalid, "history of deal %q", h.Deal.ID)
		}
		c, err := a.checkChange(d, &sc, &h.Changes[i], i)
		if err != nil {
			return err
		}
		a.chBuf = append(a.chBuf, c)
	}
	if err := a.checkChainEnd(d, &sc, h.Deal.ID); err != nil {
		return err
	}
	var ac fnlAmtChain
	for i := range h.Amounts {
		if h.Amounts[i].DealID != h.Deal.ID {
			return crmkit.Errorf("amount change", i, h.Amounts[i].DealID, "deal_id", crmkit.ErrInvalid, "history of deal %q", h.Deal.ID)
		}
		c, err := a.checkAmount(d, &ac, &h.Amounts[i], i)
		if err != nil {
			return err
		}
		a.amBuf = append(a.amBuf, c)
	}
	if err := a.checkAmountEnd(d, &ac, h.Deal.ID); err != nil {
		return err
	}
	var cc fnlCloseChain
	for i := range h.CloseDates {
		if h.CloseDates[i].DealID != h.Deal.ID {
			return crmkit.Errorf("close date change", i, h.CloseDates[i].DealID, "deal_id", crmkit.ErrInvalid, "history of deal %q", h.Deal.ID)
		}
		c, err := a.checkClose(d, &cc, &h.CloseDates[i], i)
		if err != nil {
			return err
		}
		a.clBuf = append(a.clBuf, c)
	}
	return a.checkCloseEnd(d, &cc, h.Deal.ID)
}

func (a *Accumulator) inWindow(t int64) bool { return t >= a.cfg.from && t < a.cfg.to }

// amountAt returns the deal's amount at unix second t.
func fnlAmountAt(d *fnlDeal, am []fnlAmtChg, t int64) int64 {
	if len(am) == 0 {
		return d.amount
	}
	v := am[0].from
	for i := range am {
		if am[i].t > t {
			break
		}
		v = am[i].to
	}
	return v
}

// addDeal folds one checked deal into the aggregates. ch, am and cl are the
// deal's changes in time order; id (or, when id is "", the ID at index idx)
// is only kept for stale deals.
func (a *Accumulator) addDeal(d *fnlDeal, id string, idx int32, ch []fnlChange, am []fnlAmtChg, cl []fnlCloseChg) {
	cfg := a.cfg
	pp := &cfg.pipes[d.pipe]
	// Stage stays.
	stays := a.stays[:0]
	initial := d.stage
	if len(ch) > 0 {
		initial = ch[0].from
	}
	stays = append(stays, fnlStay{start: d.created, end: fnlNone, stage: initial})
	for i := range ch {
		o := ch[i].owner
		if o < 0 {
			o = d.owner
		}
		stays[len(stays)-1].end = ch[i].t
		stays[len(stays)-1].owner = o
		stays = append(stays, fnlStay{start: ch[i].t, end: fnlNone, stage: ch[i].to})
	}
	last := &stays[len(stays)-1]
	last.owner = d.owner
	a.stays = stays
	finalKind := pp.kc[d.stage]
	dealRep := d.owner
	if finalKind != fnlOpen && len(ch) > 0 && ch[len(ch)-1].owner >= 0 {
		dealRep = ch[len(ch)-1].owner
	}
	g := a.group(d.pipe, dealRep)
	createdIn := a.inWindow(d.created)

	// Deal-level figures.
	if createdIn {
		g.created++
		cp := g.period(fnlPeriodIndex(cfg.period, d.created, cfg.loc))
		cp.created++
		cp.cCreated++
		switch finalKind {
		case fnlWon:
			cp.cWon++
		case fnlLost:
			cp.cLost++
		default:
			cp.cOpen++
		}
	}
	switch finalKind {
	case fnlOpen:
		g.open++
		g.openAmt.add(d.amount)
		if d.expClose != fnlNone {
			m := fnlMonth(d.expClose, cfg.loc)
			row := g.openByClose.at(m)
			if *row == nil {
				*row = make([]fnlSum, len(pp.p.Stages))
			}
			(*row)[d.stage].add(d.amount)
		}
		if thr := pp.staleS[d.stage]; thr > 0 {
			touch := max(last.start, d.lastAct)
			if over := cfg.asOf - touch - thr; over > 0 {
				g.staleN++
				g.staleAmt.add(d.amount)
				if id == "" {
					id = a.ids.id(idx)
				}
				a.addStale(fnlStale{id: id, pipe: d.pipe, stage: d.stage, rep: d.owner, amount: d.amount, lastTouch: touch, over: over})
			}
		}
	case fnlWon:
		m := fnlMonth(d.closed, cfg.loc)
		g.wonByMonth.at(m).add(d.amount)
		if a.inWindow(d.closed) {
			g.won++
			g.wonAmt.add(d.amount)
			g.wonList = append(g.wonList, d.amount)
			g.cycle.add(d.closed - d.created)
			p := g.period(fnlPeriodIndex(cfg.period, d.closed, cfg.loc))
			p.won++
			p.wonAmt.add(d.amount)
		}
	case fnlLost:
		if a.inWindow(d.closed) {
			g.lost++
			g.period(fnlPeriodIndex(cfg.period, d.closed, cfg.loc)).lost++
			from := d.stage
			for i := len(stays) - 1; i >= 0; i-- {
				if pp.kc[stays[i].stage] == fnlOpen {
					from = stays[i].stage
					break
				}
			}
			k := uint64(uint32(d.reason))<<16 | uint64(from)
			ca := g.lostBy[k]
			if ca == nil {
				ca = &fnlCountAmt{}
				g.lostBy[k] = ca
			}
			ca.n++
			ca.amt.add(d.amount)
		}
	}

	// Expected close date moves in the window.
	pushed := false
	for i := range cl {
		c := &cl[i]
		if c.from == fnlNone || !a.inWindow(c.t) {
			continue
		}
		switch {
		case c.to > c.from:
			g.pushes++
			g.pushSec += c.to - c.from
			pushed = true
		case c.to < c.from:
			g.pulls++
		}
	}
	if pushed {
		g.pushedDeals++
	}

	// Snapshots: the stay containing each date.
	j := 0
	for k, t := range cfg.snaps {
		if t < d.created {
			continue
		}
		for j+1 < len(stays) && stays[j+1].start <= t {
			j++
		}
		s := &stays[j]
		sg := a.group(d.pipe, s.owner)
		cell := &sg.snaps[k*len(pp.p.Stages)+int(s.stage)]
		cell.n++
		cell.amt.add(fnlAmountAt(d, am, t))
	}

	// Time in stage and moves. The owner rarely changes within a deal, so
	// the group is looked up again only when it does.
	sg, sgOwner := g, dealRep
	for i := range stays {
		s := &stays[i]
		if s.end == fnlNone || !a.inWindow(s.end) {
			continue
		}
		if s.owner != sgOwner {
			sg, sgOwner = a.group(d.pipe, s.owner), s.owner
		}
		sg.stages[s.stage].tis.add(s.end - s.start)
		sg.changes++
		from, to := pp.pos[s.stage], pp.pos[stays[i+1].stage]
		toKind := pp.kc[stays[i+1].stage]
		switch {
		case from < 0 && to >= 0:
			sg.reopened++
		case from >= 0 && to >= 0 && to < from:
			sg.backward++
		case from >= 0 && (to > from+1 || (toKind == fnlWon && from < pp.nOpen-1)):
			end := to
			if toKind == fnlWon {
				end = pp.nOpen
			}
			sg.skips++
			for q := from + 1; q < end; q++ {
				sg.stages[pp.open[q]].skipped++
			}
		}
	}

	if !createdIn {
		return
	}
	// Conversion, for deals created in the window.
	ns := len(pp.p.Stages)
	if cap(a.first) < ns {
		a.first = make([]int32, ns)
	}
	first := a.first[:ns]
	for i := range first {
		first[i] = -1
	}
	if cap(a.sufMax) < len(stays)+1 {
		a.sufMax = make([]int, len(stays)+1)
	}
	suf := a.sufMax[:len(stays)+1]
	suf[len(stays)] = -1
	for i := len(stays) - 1; i >= 0; i-- {
		p := pp.pos[stays[i].stage]
		if pp.kc[stays[i].stage] == fnlWon {
			p = pp.nOpen
		}
		suf[i] = max(suf[i+1], p)
		first[stays[i].stage] = int32(i)
	}
	if cfg.conv[0] {
		for _, s := range pp.open {
			fi := first[s]
			if fi < 0 {
				continue
			}
			if o := stays[fi].owner; o != sgOwner {
				sg, sgOwner = a.group(d.pipe, o), o
			}
			sa := &sg.stages[s]
			sa.entered++
			switch {
			case suf[fi+1] > pp.pos[s]:
				sa.advanced++
			case finalKind == fnlLost:
				sa.dropped++
				sa.dropAmt.add(d.amount)
			default:
				sa.openConv++
			}
		}
	}
	if cfg.conv[1] {
		g = a.group(d.pipe, dealRep)
		for q := 0; q <= min(suf[0], pp.nOpen-1); q++ {
			sa := &g.stages[pp.open[q]]
			sa.reached++
			switch finalKind {
			case fnlWon:
				sa.reachedWon++
			case fnlLost:
				sa.reachedLost++
			default:
				sa.reachedOpen++
			}
		}
	}
}

// Merge adds b's partial results to a. Both must come from [NewAccumulator]
// with equal pipelines and options (else [ErrMismatch]) and hold disjoint
// deals (a deal ID in both is an error wrapping crmkit.ErrDuplicate);
// amounts in different currencies wrap crmkit.ErrCurrency. On error a is
// unchanged. b is only read; it must not be used concurrently with Merge.
// A nil or zero-value a or b gives a [*crmkit.RecordError] wrapping
// crmkit.ErrInvalid (field "b" when b is the culprit), as does merging an
// accumulator into itself.
func (a *Accumulator) Merge(b *Accumulator) error {
	if err := a.usable(""); err != nil {
		return err
	}
	if err := b.usable("b"); err != nil {
		return err
	}
	if a == b {
		return crmkit.Errorf("accumulator", -1, "", "b", crmkit.ErrInvalid, "merging an accumulator into itself")
	}
	if a.cfg != b.cfg && a.cfg.fingerprnt != b.cfg.fingerprnt {
		return ErrMismatch
	}
	if a.currency != "" && b.currency != "" && a.currency != b.currency {
		return crmkit.Errorf("accumulator", -1, "", "currency", crmkit.ErrCurrency, "%s and %s", a.currency, b.currency)
	}
	for i := int32(0); int(i) < b.ids.len(); i++ {
		if id := b.ids.id(i); a.ids.find(id) >= 0 {
			return crmkit.Errorf("deal", -1, id, "id", crmkit.ErrDuplicate, "deal in both accumulators")
		}
	}
	if a.ids.len()+b.ids.len() > fnlMaxIDs {
		return crmkit.Errorf("accumulator", -1, "", "", crmkit.ErrInvalid, "more than %d deals in one accumulator", fnlMaxIDs)
	}
	for i := int32(0); int(i) < b.ids.len(); i++ {
		a.ids.insert(b.ids.id(i))
	}
	if a.currency == "" {
		a.currency = b.currency
	}
	repMap := make([]int32, len(b.repNames))
	for i, n := range b.repNames {
		repMap[i] = a.rep(n)
	}
	reasonMap := make([]int32, len(b.reasonNames))
	for i, n := range b.reasonNames {
		reasonMap[i] = a.reason(n)
	}
	for k, og := range b.groups {
		pi, rep := uint16(k>>32), int32(uint32(k))
		a.group(pi, repMap[rep]).merge(og, reasonMap)
	}
	for _, s := range b.stale {
		s.rep = repMap[s.rep]
		a.addStale(s)
	}
	a.skipRecords += b.skipRecords
	a.skipDeals += b.skipDeals
	for r, n := range b.skipReasons {
		a.skipReasons[r] += n
	}
	for _, ex := range b.skipExamples {
		if len(a.skipExamples) < 10 {
			a.skipExamples = append(a.skipExamples, ex)
		}
	}
	return nil
}

// merge adds o to g; reasonMap maps o's lost-reason indices to g's (nil:
// the same accumulator).
func (g *fnlGroup) merge(o *fnlGroup, reasonMap []int32) {
	g.created += o.created
	g.won += o.won
	g.lost += o.lost
	g.open += o.open
	g.wonAmt.addSum(o.wonAmt)
	g.openAmt.addSum(o.openAmt)
	g.wonList = append(g.wonList, o.wonList...)
	g.cycle.merge(&o.cycle)
	for i := range o.stages {
		s, t := &g.stages[i], &o.stages[i]
		s.entered += t.entered
		s.advanced += t.advanced
		s.dropped += t.dropped
		s.openConv += t.openConv
		s.dropAmt.addSum(t.dropAmt)
		s.reached += t.reached
		s.reachedWon += t.reachedWon
		s.reachedLost += t.reachedLost
		s.reachedOpen += t.reachedOpen
		s.skipped += t.skipped
		s.tis.merge(&t.tis)
	}
	for i := range o.snaps {
		g.snaps[i].n += o.snaps[i].n
		g.snaps[i].amt.addSum(o.snaps[i].amt)
	}
	for _, k := range o.periods.keys() {
		p := o.periods.get(k)
		if *p == (fnlPeriodAgg{}) {
			continue
		}
		q := g.period(k)
		q.created += p.created
		q.won += p.won
		q.lost += p.lost
		q.wonAmt.addSum(p.wonAmt)
		q.cCreated += p.cCreated
		q.cWon += p.cWon
		q.cLost += p.cLost
		q.cOpen += p.cOpen
	}
	for k, ca := range o.lostBy {
		if reasonMap != nil {
			k = uint64(uint32(reasonMap[int32(k>>16)]))<<16 | k&0xffff
		}
		c := g.lostBy[k]
		if c == nil {
			c = &fnlCountAmt{}
			g.lostBy[k] = c
		}
		c.n += ca.n
		c.amt.addSum(ca.amt)
	}
	for _, m := range o.wonByMonth.keys() {
		if s := o.wonByMonth.get(m); *s != (fnlSum{}) {
			g.wonByMonth.at(m).addSum(*s)
		}
	}
	for _, m := range o.openByClose.keys() {
		row := *o.openByClose.get(m)
		if row == nil {
			continue
		}
		r := g.openByClose.at(m)
		if *r == nil {
			*r = make([]fnlSum, len(row))
		}
		for i := range row {
			(*r)[i].addSum(row[i])
		}
	}
	g.changes += o.changes
	g.skips += o.skips
	g.backward += o.backward
	g.reopened += o.reopened
	g.staleN += o.staleN
	g.staleAmt.addSum(o.staleAmt)
	g.pushes += o.pushes
	g.pulls += o.pulls
	g.pushedDeals += o.pushedDeals
	g.pushSec += o.pushSec
}

// addStale keeps a stale deal for the list. Only the StaleLimit most overdue
// per pipeline can be reported, so the list is pruned to those whenever it
// grows past a multiple of that; the order (most overdue, then deal ID) is
// total, so pruning early never changes which deals are kept.
//
// After a prune, each pipeline whose list was full remembers its last kept
// deal (staleCut): a later deal ranking after it can never be listed, so it
// is dropped on arrival instead of being appended and sorted away.
func (a *Accumulator) addStale(s fnlStale) {
	if int(s.pipe) < len(a.staleCut) && a.staleCut[s.pipe].ok && fnlStaleLess(&a.staleCut[s.pipe].s, &s) < 0 {
		return
	}
	a.stale = append(a.stale, s)
	if lim := a.cfg.staleLimit; lim > 0 && len(a.stale) > 4*lim*len(a.cfg.pipes)+1024 {
		a.pruneStale()
	}
}

// fnlStaleCut is a pipeline's last kept stale deal after a prune.
type fnlStaleCut struct {
	s  fnlStale
	ok bool
}

func fnlStaleLess(x, y *fnlStale) int {
	if x.pipe != y.pipe {
		return int(x.pipe) - int(y.pipe)
	}
	if x.over != y.over {
		if x.over > y.over {
			return -1
		}
		return 1
	}
	return strings.Compare(x.id, y.id)
}

func (a *Accumulator) pruneStale() {
	slices.SortFunc(a.stale, func(x, y fnlStale) int { return fnlStaleLess(&x, &y) })
	kept := a.stale[:0]
	count, prev := 0, -1
	for _, s := range a.stale {
		if int(s.pipe) != prev {
			prev, count = int(s.pipe), 0
		}
		if count < a.cfg.staleLimit {
			kept = append(kept, s)
		}
		count++
		if count == a.cfg.staleLimit {
			if len(a.staleCut) < len(a.cfg.pipes) {
				a.staleCut = make([]fnlStaleCut, len(a.cfg.pipes))
			}
			a.staleCut[s.pipe] = fnlStaleCut{s: s, ok: true}
		}
	}
	clear(a.stale[len(kept):])
	a.stale = kept
}

func (a *Accumulator) sortedStale(pi int) []fnlStale {
	var out []fnlStale
	for _, s := range a.stale {
		if int(s.pipe) == pi {
			out = append(out, s)
		}
	}
	slices.SortFunc(out, func(x, y fnlStale) int { return fnlStaleLess(&x, &y) })
	if lim := a.cfg.staleLimit; lim > 0 && len(out) > lim {
		out = out[:lim]
	}
	return out
}

const fnlSizeofDeal = 56 // unsafe.Sizeof(fnlDeal{}), checked in a test
