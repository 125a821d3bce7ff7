package funnel

import (
	"context"
	"iter"

	"github.com/crmkit/crmkit"
)

// Run reads the streams of in (see [Input] for the order they must have),
// checks every record and computes the report for the given pipelines as of
// opts.AsOf. It stops at the first bad record with a [*crmkit.RecordError]
// naming it, unless opts.SkipBad is set; an error from a stream itself is
// returned as is. Run honours ctx between records.
//
// Run is [NewAccumulator], one [Accumulator.Add] per deal and
// [Accumulator.Report], done in a single streaming pass: only the compact
// state of each deal (about 90 bytes including its ID) is held while the
// stage changes stream past.
func Run(ctx context.Context, pipelines []Pipeline, in Input, opts *Options) (*Report, error) {
	acc, err := NewAccumulator(pipelines, opts)
	if err != nil {
		return nil, err
	}
	if in.Deals == nil {
		return nil, crmkit.Errorf("input", -1, "", "Deals", crmkit.ErrMissing, "no deal stream")
	}
	r := fnlRunner{acc: acc, ctx: ctx}
	if err := r.run(in); err != nil {
		return nil, err
	}
	return acc.Report()
}

type fnlRunner struct {
	acc     *Accumulator
	ctx     context.Context
	deals   fnlDealTable
	amounts map[int32][]fnlAmtChg
	closes  map[int32][]fnlCloseChg
	sink    uint64 // keeps flush's slot touches from being optimised away
}

// fnlPendingDeal is a good deal record waiting for its ID to be inserted.
type fnlPendingDeal struct {
	d    fnlDeal
	id   string
	rec  int
	hash uint64
}

const fnlBatch = 256

func (r *fnlRunner) tick(i int) error {
	if i&1023 == 0 {
		return r.ctx.Err()
	}
	return nil
}

// skipDeal marks deal di skipped because of err. records counts the
// records of the current stream that err covers; the deal record and the
// changes already kept for it are added.
func (r *fnlRunner) skipDeal(di int32, err error, records int) error {
	if r.deals.at(di).flags&fnlSkip == 0 {
		records += 1 + len(r.amounts[di]) + len(r.closes[di])
	}
	if err := r.acc.skip(err, records); err != nil {
		return err
	}
	if r.deals.at(di).flags&fnlSkip == 0 {
		r.deals.at(di).flags |= fnlSkip
		r.acc.skipDeals++
		delete(r.amounts, di)
		delete(r.closes, di)
	}
	return nil
}

func (r *fnlRunner) run(in Input) error {
	a := r.acc
	// 1. Deals. Good deals wait in a small batch before their IDs are
	// inserted, so that the cache misses of the ID table's random probes
	// overlap (flush touches every home slot first). Anything else (a bad
	// record, a stream or ctx error, the ID limit) flushes the batch first,
	// so records are still handled, and errors reported, in stream order.
	pending := make([]fnlPendingDeal, 0, fnlBatch)
	flush := func() error {
		x := a.ids
		var sink uint64
		for k := range pending {
			sink += x.slots[pending[k].hash&x.mask]
		}
		r.sink += sink
		for k := range pending {
			p := &pending[k]
			if _, existed := x.insertHash(p.id, p.hash); existed {
				// The first record with this ID stays; the duplicate is skipped alone.
				if err := a.skip(crmkit.Errorf("deal", p.rec, p.id, "id", crmkit.ErrDuplicate, ""), 1); err != nil {
					pending = pending[:0]
					return err
				}
				continue
			}
			// ids holds exactly the deals of this run, so the new index is r.deals.n.
			r.deals.add(p.d)
		}
		pending = pending[:0]
		return nil
	}
	i := 0
	for d, err := range in.Deals {
		if err != nil {
			if ferr := flush(); ferr != nil {
				return ferr // an earlier record's error comes first
			}
			return err
		}
		if err := r.tick(i); err != nil {
			if ferr := flush(); ferr != nil {
				return ferr
			}
			return err
		}
		if a.ids.len()+len(pending) >= fnlMaxIDs {
			if err := flush(); err != nil {
				return err
			}
			if a.ids.full() {
				return crmkit.Errorf("deal", i, d.ID, "", crmkit.ErrInvalid, "more than %d deals in one call", fnlMaxIDs)
			}
		}
		cd, err := a.convDeal(&d, i)
		if err == nil {
			pending = append(pending, fnlPendingDeal{d: cd, id: d.ID, rec: i, hash: a.ids.hash(d.ID)})
			if len(pending) == fnlBatch {
				if err := flush(); err != nil {
					return err
				}
			}
		} else {
			if err := flush(); err != nil {
				return err
			}
			if err := a.skip(err, 1); err != nil {
				return err
			}
			// Keep the ID so that its changes are counted as belonging to a
			// skipped deal rather than to an unknown one.
			existed := false
			if d.ID != "" {
				if _, existed = a.ids.insert(d.ID); !existed {
					r.deals.add(fnlDeal{flags: fnlSkip})
				}
			}
			if !existed {
				a.skipDeals++
			}
		}
		i++
	}
	if err := flush(); err != nil {
		return err
	}
	// 2. Amount changes.
	if in.AmountChanges != nil {
		if err := fnlReadChanges(r, &r.amounts, in.AmountChanges, "amount change", "amount changes", fnlHasAmt,
			func(c *AmountChange) string { return c.DealID }, a.checkAmount, a.checkAmountEnd); err != nil {
			return err
		}
	}
	// 3. Close-date changes.
	if in.CloseDateChanges != nil {
		if err := fnlReadChanges(r, &r.closes, in.CloseDateChanges, "close date change", "close-date changes", fnlHasClose,
			func(c *CloseDateChange) string { return c.DealID }, a.checkClose, a.checkCloseEnd); err != nil {
			return err
		}
	}
	// 4. Stage changes, deal by deal; each deal is folded in when its group ends.
	cur, curID := int32(-1), ""
	var ch fnlChain
	finish := func() error {
		if cur < 0 {
			return nil
		}
		d := r.deals.at(cur)
		if d.flags&fnlSkip != 0 {
			return nil
		}
		d.flags |= fnlDone
		if err := a.checkChainEnd(d, &ch, curID); err != nil {
			return r.skipDeal(cur, err, len(a.chBuf))
		}
		a.addDeal(d, curID, -1, a.chBuf, r.amounts[cur], r.closes[cur])
		return nil
	}
	i = 0
	if in.StageChanges != nil {
		for c, err := range in.StageChanges {
			if err != nil {
				return err
			}
			if err := r.tick(i); err != nil {
				return err
			}
			if cur < 0 || c.DealID != curID {
				if err := finish(); err != nil {
					return err
				}
				// Hosts often send deals and changes in the same order: try
				// the deal after the previous one before hashing.
				if g := cur + 1; cur >= 0 && int(g) < r.deals.n && a.ids.eq(g, c.DealID) {
					cur = g
				} else {
					cur = a.ids.find(c.DealID)
				}
				curID, ch = c.DealID, fnlChain{}
				a.chBuf = a.chBuf[:0]
				if cur < 0 {
					if err := a.skip(crmkit.Errorf("stage change", i, c.DealID, "deal_id", crmkit.ErrUnknownRef, "deal not in the deal stream"), 1); err != nil {
						return err
					}
					i++
					continue
				}
				if f := r.deals.at(cur).flags; f&fnlDone != 0 && f&fnlSkip == 0 {
					err := crmkit.Errorf("stage change", i, c.DealID, "deal_id", crmkit.ErrOrder, "the deal's stage changes are not contiguous")
					// The deal was already folded in; it cannot be taken out again.
					if !a.cfg.skipBad {
						return err
					}
					if err := a.skip(err, 1); err != nil {
						return err
					}
					cur = -1
					i++
					continue
				}
			}
			if cur < 0 {
				if err := a.skip(crmkit.Errorf("stage change", i, c.DealID, "deal_id", crmkit.ErrUnknownRef, "deal not in the deal stream"), 1); err != nil {
					return err
				}
				i++
				continue
			}
			dp := r.deals.at(cur)
			if dp.flags&fnlSkip != 0 {
				a.skipRecords++
				a.skipReasons["stage change: deal skipped"]++
				i++
				continue
			}
			v, err := a.checkChange(dp, &ch, &c, i)
			if err != nil {
				if err := r.skipDeal(cur, err, 1+len(a.chBuf)); err != nil {
					return err
				}
				i++
				continue
			}
			a.chBuf = append(a.chBuf, v)
			i++
		}
		if err := finish(); err != nil {
			return err
		}
	}
	// 5. Deals without stage changes.
	a.chBuf = a.chBuf[:0]
	for di := range r.deals.n {
		d := r.deals.at(int32(di))
		if d.flags&(fnlDone|fnlSkip) != 0 {
			continue
		}
		if err := r.tick(di); err != nil {
			return err
		}
		a.addDeal(d, "", int32(di), nil, r.amounts[int32(di)], r.closes[int32(di)])
	}
	return nil
}

// stateBytes is the size of the per-deal state the runner holds.
func (r *fnlRunner) stateBytes() int {
	x := r.acc.ids
	return len(r.deals.chunks)*fnlChunk*fnlSizeofDeal + cap(x.arena) + 4*cap(x.offs) + 8*cap(x.slots)
}

// fnlDealTable stores the compact deals in fixed-size chunks, so that growing
// it never copies what is already stored.
type fnlDealTable struct {
	chunks [][]fnlDeal
	n      int
}

const fnlChunk = 1 << 15

func (t *fnlDealTable) add(d fnlDeal) {
	if t.n == len(t.chunks)*fnlChunk {
		t.chunks = append(t.chunks, make([]fnlDeal, fnlChunk))
	}
	t.chunks[t.n/fnlChunk][t.n%fnlChunk] = d
	t.n++
}

func (t *fnlDealTable) at(i int32) *fnlDeal { return &t.chunks[i/fnlChunk][i%fnlChunk] }

// fnlReadChanges reads one optional change stream (amount or close-date
// changes), whose records must come grouped by deal: it checks each record
// against its deal's chain with check and each group's end with checkEnd,
// skips or stops on bad records as the options say, and returns the checked
// changes by deal into *dst (which skipDeal reads and prunes as it goes:
// a skipped deal's kept changes count as skipped records). kind names a record in errors, plural the group; flag
// marks the deals whose group has been seen, to catch a group that comes
// back.
func fnlReadChanges[C, Chain, V any](r *fnlRunner, dst *map[int32][]V, changes iter.Seq2[C, error], kind, plural string, flag uint8,
	dealID func(*C) string,
	check func(*fnlDeal, *Chain, *C, int) (V, error),
	checkEnd func(*fnlDeal, *Chain, string) error) error {
	a := r.acc
	*dst = map[int32][]V{}
	out := *dst
	cur, curID := int32(-1), ""
	var ch Chain
	end := func() error {
		if cur < 0 || r.deals.at(cur).flags&fnlSkip != 0 {
			return nil
		}
		if err := checkEnd(r.deals.at(cur), &ch, curID); err != nil {
			return r.skipDeal(cur, err, 0)
		}
		return nil
	}
	i := 0
	for c, err := range changes {
		if err != nil {
			return err
		}
		if err := r.tick(i); err != nil {
			return err
		}
		id := dealID(&c)
		if cur < 0 || id != curID {
			if err := end(); err != nil {
				return err
			}
			var zero Chain
			cur, curID, ch = a.ids.find(id), id, zero
			if cur >= 0 && r.deals.at(cur).flags&flag != 0 && r.deals.at(cur).flags&fnlSkip == 0 {
				err := crmkit.Errorf(kind, i, id, "deal_id", crmkit.ErrOrder, "the deal's %s are not contiguous", plural)
				if err := r.skipDeal(cur, err, 1); err != nil {
					return err
				}
				i++
				continue
			}
			if cur >= 0 {
				r.deals.at(cur).flags |= flag
			}
		}
		if cur < 0 {
			if err := a.skip(crmkit.Errorf(kind, i, id, "deal_id", crmkit.ErrUnknownRef, "deal not in the deal stream"), 1); err != nil {
				return err
			}
			i++
			continue
		}
		if r.deals.at(cur).flags&fnlSkip != 0 {
			a.skipRecords++
			a.skipReasons[kind+": deal skipped"]++
			i++
			continue
		}
		v, err := check(r.deals.at(cur), &ch, &c, i)
		if err != nil {
			if err := r.skipDeal(cur, err, 1); err != nil {
				return err
			}
			i++
			continue
		}
		out[cur] = append(out[cur], v)
		i++
	}
	return end()
}
