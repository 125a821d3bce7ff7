package funnel

import (
	"context"
	"iter"
	"sync"
	"sync/atomic"
	"time"

	"github.com/crmkit/crmkit"
	"github.com/shopspring/decimal"
)

// This file reads the forecast's histories. The calling goroutine only
// pulls records from the stream and copies them into batches; workers do
// the per-record work (validation, win probability, category, placement);
// one goroutine merges their results in stream order, so errors and sums
// come out exactly as a sequential loop would give them.

// pipeRecord is one history's contribution to the forecast.
type pipeRecord struct {
	idx                 int
	id, owner, currency string
	// err is the record's first error in the order the checks run; errLate
	// says it comes from a check after the currency check (which needs the
	// records before it and is made when merging).
	err      error
	errLate  bool
	open     bool
	won      bool
	unplaced bool            // open, without an expected close date
	k        int             // period whose categories get amount; -1 none
	cat      Category        // its forecast category
	amount   decimal.Decimal // the deal's amount
	deal     bool            // fd goes into the distribution
	fd       pipeFDeal
}

// pipeReader holds what every worker reads; each worker has its own
// pipeReadState.
type pipeReader struct {
	pp    *pipePipes
	model WinProbability
	opts  *ForecastOptions
	cfg   *pipeFConfig
}

// pipeReadState is one worker's scratch: placements depend only on the
// expected close date, so deals closing on the same date share one
// (read-only) q slice.
type pipeReadState struct {
	placements map[pipeInstant]*pipePlaced
	slab       []float64
	placed     []pipePlaced
}

type pipeInstant struct {
	sec  int64
	nsec int
}

// pipePlaced is where a deal's close falls: q[k] is the share of it in
// period k, q[first:last+1] holds every nonzero share (first < 0: none).
type pipePlaced struct {
	q           []float64
	first, last int
}

func (rd *pipeReader) periodOf(t time.Time) int {
	b := rd.cfg.bounds
	for k := range rd.cfg.periods {
		if !t.Before(b[k]) && t.Before(b[k+1]) {
			return k
		}
	}
	return -1
}

// record works out the contribution of h, the idx-th history.
func (rd *pipeReader) record(st *pipeReadState, h *History, idx int, r *pipeRecord) {
	opts := rd.opts
	d := &h.Deal
	*r = pipeRecord{idx: idx, id: d.ID, owner: d.Owner, currency: d.Currency, amount: d.Amount, k: -1}
	if d.Closed.After(opts.AsOf) {
		r.err = crmkit.Errorf("deal", idx, d.ID, "closed", crmkit.ErrFuture, "%s", d.Closed.Format(time.RFC3339))
		return
	}
	c, _, err := pipePrepare(rd.pp, h, idx, opts.Teams, opts.AsOf)
	if err != nil {
		r.err = err
		return
	}
	r.errLate = true
	r.open, r.won = c.open, c.won
	if !c.open {
		kind, _ := rd.pp.kind(d.Pipeline, d.Stage)
		if r.cat, err = opts.Categories.Categorize(d, kind, 0); err != nil {
			r.err = pipeIndexErr(err, idx)
			return
		}
		r.k = rd.periodOf(d.Closed)
		return
	}
	s := DealState{Deal: *d, Team: c.team, AsOf: opts.AsOf, StageEntered: c.enter, Reached: c.reached}
	p, err := rd.model.WinProbability(s)
	if p, err = pipeCheckProb(p, err, &s, idx); err != nil {
		r.err = err
		return
	}
	if r.cat, err = opts.Categories.Categorize(d, StageOpen, p); err != nil {
		r.err = pipeIndexErr(err, idx)
		return
	}
	if d.ExpectedClose.IsZero() {
		r.unplaced = true
		return
	}
	at := d.ExpectedClose
	if at.Before(opts.AsOf) {
		at = opts.AsOf
	}
	r.k = rd.periodOf(at)
	if r.cat == CategoryOmitted {
		return
	}
	v, err := crmkit.ToFloat(d.Amount)
	if err != nil {
		r.err = crmkit.Errorf("deal", idx, d.ID, "amount", crmkit.ErrInvalid, "%v", err)
		return
	}
	pl := st.place(rd, d.ExpectedClose)
	if pl.first < 0 || p == 0 {
		return
	}
	r.deal = true
	r.fd = pipeFDeal{amount: d.Amount, value: v, p: p, pl: pl}
}

// place returns the placement of a deal expected to close at expected.
func (st *pipeReadState) place(rd *pipeReader, expected time.Time) *pipePlaced {
	H := rd.cfg.periods
	key := pipeInstant{expected.Unix(), expected.Nanosecond()}
	// A date with a monotonic clock reading may be measured differently
	// by place; such dates are not shared.
	plain := expected == expected.Round(0)
	if pl, ok := st.placements[key]; ok && plain {
		return pl
	}
	if len(st.slab) < H {
		st.slab = make([]float64, 1024*H) // one allocation per 1024 dates
	}
	q := st.slab[:H:H]
	st.slab = st.slab[H:]
	rd.opts.Slippage.place(expected, rd.opts.AsOf, rd.cfg.bounds, q)
	if len(st.placed) == 0 {
		st.placed = make([]pipePlaced, 256)
	}
	pl := &st.placed[0]
	st.placed = st.placed[1:]
	*pl = pipePlaced{q: q, first: -1, last: -1}
	for k, qk := range q {
		if qk > 0 {
			if pl.first < 0 {
				pl.first = k
			}
			pl.last = k
		}
	}
	if plain {
		st.placements[key] = pl
	}
	return pl
}

// pipeReadBatch is the number of histories handed to a worker at once.
const pipeReadBatch = 256

type pipeBatch struct {
	recs []History
	outs []pipeRecord
	idx  int // stream index of recs[0]
	done chan struct{}
}

// read reads histories, works out each record on cfg.workers goroutines
// and calls merge for every record in stream order until it returns an
// error. It returns the first error in stream order: merge's, the stream's,
// or ctx's (checked every 1024 records).
func (rd *pipeReader) read(ctx context.Context, histories iter.Seq2[History, error], merge func(*pipeRecord) error) error {
	workers := rd.cfg.workers
	if workers == 1 {
		// One record at a time, nothing read ahead: for streams that reuse
		// a record's slices or maps once it has been yielded.
		st := &pipeReadState{placements: map[pipeInstant]*pipePlaced{}}
		var h History // reused: pipePrepare takes its address
		var r pipeRecord
		idx := -1
		for rec, err := range histories {
			idx++
			if err != nil {
				return err
			}
			if idx&1023 == 0 {
				if err := ctx.Err(); err != nil {
					return err
				}
			}
			h = rec
			rd.record(st, &h, idx, &r)
			if err := merge(&r); err != nil {
				return err
			}
		}
		return nil
	}
	nBuf := 2*workers + 2
	free := make(chan *pipeBatch, nBuf)
	for range nBuf {
		free <- &pipeBatch{recs: make([]History, 0, pipeReadBatch), outs: make([]pipeRecord, pipeReadBatch), done: make(chan struct{}, 1)}
	}
	work := make(chan *pipeBatch, nBuf)
	order := make(chan *pipeBatch, nBuf)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			st := &pipeReadState{placements: map[pipeInstant]*pipePlaced{}}
			for b := range work {
				for i := range b.recs {
					rd.record(st, &b.recs[i], b.idx+i, &b.outs[i])
				}
				b.done <- struct{}{}
			}
		}()
	}
	var stop atomic.Bool
	var mergeErr error
	merged := make(chan struct{})
	go func() {
		defer close(merged)
		for b := range order {
			<-b.done
			for i := range b.recs {
				if mergeErr != nil {
					break
				}
				if mergeErr = merge(&b.outs[i]); mergeErr != nil {
					stop.Store(true)
				}
			}
			clear(b.recs) // drop references to the host's data
			b.recs = b.recs[:0]
			clear(b.outs)
			free <- b
		}
	}()
	submit := func(b *pipeBatch) {
		order <- b
		work <- b
	}
	var readErr error
	cur := <-free
	cur.idx = 0
	idx := -1
	for rec, err := range histories {
		idx++
		if err != nil {
			readErr = err
			break
		}
		if idx&1023 == 0 {
			if readErr = ctx.Err(); readErr != nil || stop.Load() {
				break
			}
		}
		cur.recs = append(cur.recs, rec)
		if len(cur.recs) == pipeReadBatch {
			submit(cur)
			cur = <-free
			cur.idx = idx + 1
		}
	}
	if len(cur.recs) > 0 {
		submit(cur)
	}
	close(work)
	close(order)
	wg.Wait()
	<-merged
	if mergeErr != nil {
		return mergeErr
	}
	return readErr
}

// pipeDecSum sums amounts exactly: in an int64 of coefficients while the
// amounts share one exponent and are small (15 digits), in a decimal
// otherwise. Its value equals chained decimal.Add from zero, with the same
// exponent, without a big.Int allocation per addition.
type pipeDecSum struct {
	i   int64 // Σ coefficients at exponent e
	e   int32
	set bool
	d   decimal.Decimal // the rest
}

func (s *pipeDecSum) add(a decimal.Decimal) {
	if a.NumDigits() <= 15 {
		c, e := a.CoefficientInt64(), a.Exponent()
		switch {
		case !s.set:
			s.i, s.e, s.set = c, e, true
			return
		case e == s.e && s.i < 1<<62 && s.i > -(1<<62):
			s.i += c // |c| < 1e15: no overflow
			return
		}
	}
	s.d = s.d.Add(a)
}

func (s *pipeDecSum) value() decimal.Decimal {
	if !s.set {
		return s.d
	}
	return s.d.Add(decimal.New(s.i, s.e))
}

// pipeCatSums are one group's sums in one period: by forecast category
// (pipeCatIndex) and, last, the amount won.
type pipeCatSums [6]pipeDecSum

func pipeCatIndex(c Category) int {
	switch c {
	case CategoryPipeline:
		return 0
	case CategoryBestCase:
		return 1
	case CategoryCommit:
		return 2
	case CategoryClosed:
		return 3
	case CategoryOmitted:
		return 4
	}
	return -1
}

// amounts returns the category amounts (before rollup) and the amount won.
func (s *pipeCatSums) amounts() (CategoryAmounts, decimal.Decimal) {
	return CategoryAmounts{Pipeline: s[0].value(), BestCase: s[1].value(), Commit: s[2].value(), Closed: s[3].value(), Omitted: s[4].value()}, s[5].value()
}
