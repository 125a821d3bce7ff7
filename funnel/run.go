package funnel

import (
	"context"

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
}

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
	// 1. Deals.
	i := 0
	for d, err := range in.Deals {
		if err != nil {
			return err
		}
		if err := r.tick(i); err != nil {
			return err
		}
		if a.ids.full() {
			return crmkit.Errorf("deal", i, d.ID, "", crmkit.ErrInvalid, "more than %d deals in one call", fnlMaxIDs)
		}
		cd, err := a.convDeal(&d, i)
		if err == nil {
			if _, existed := a.ids.insert(d.ID); existed {
				err = crmkit.Errorf("deal", i, d.ID, "id", crmkit.ErrDuplicate, "")
				// The first record with this ID stays; the duplicate is skipped alone.
				if err := a.skip(err, 1); err != nil {
					return err
				}
				i++
				continue
			}
			// ids holds exactly the deals of this run, so the new index is r.deals.n.
			r.deals.add(cd)
		} else {
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
	// 2. Amount changes.
	if in.AmountChanges != nil {
		r.amounts = map[int32][]fnlAmtChg{}
		cur, curID := int32(-1), ""
		var ch fnlAmtChain
		end := func() error {
			if cur < 0 || r.deals.at(cur).flags&fnlSkip != 0 {
				return nil
			}
			if err := a.checkAmountEnd(r.deals.at(cur), &ch, curID); err != nil {
				return r.skipDeal(cur, err, 0)
			}
			return nil
		}
		i = 0
		for c, err := range in.AmountChanges {
			if err != nil {
				return err
			}
			if err := r.tick(i); err != nil {
				return err
			}
			if cur < 0 || c.DealID != curID {
				if err := end(); err != nil {
					return err
				}
				cur, curID, ch = a.ids.find(c.DealID), c.DealID, fnlAmtChain{}
				if cur >= 0 && r.deals.at(cur).flags&fnlHasAmt != 0 && r.deals.at(cur).flags&fnlSkip == 0 {
					err := crmkit.Errorf("amount change", i, c.DealID, "deal_id", crmkit.ErrOrder, "the deal's amount changes are not contiguous")
					if err := r.skipDeal(cur, err, 1); err != nil {
						return err
					}
					i++
					continue
				}
				if cur >= 0 {
					r.deals.at(cur).flags |= fnlHasAmt
				}
			}
			if cur < 0 {
				if err := a.skip(crmkit.Errorf("amount change", i, c.DealID, "deal_id", crmkit.ErrUnknownRef, "deal not in the deal stream"), 1); err != nil {
					return err
				}
				i++
				continue
			}
			if r.deals.at(cur).flags&fnlSkip != 0 {
				a.skipRecords++
				a.skipReasons["amount change: deal skipped"]++
				i++
				continue
			}
			v, err := a.checkAmount(r.deals.at(cur), &ch, &c, i)
			if err != nil {
				if err := r.skipDeal(cur, err, 1); err != nil {
					return err
				}
				i++
				continue
			}
			r.amounts[cur] = append(r.amounts[cur], v)
			i++
		}
		if err := end(); err != nil {
			return err
		}
	}
	// 3. Close-date changes.
	if in.CloseDateChanges != nil {
		r.closes = map[int32][]fnlCloseChg{}
		cur, curID := int32(-1), ""
		var ch fnlCloseChain
		end := func() error {
			if cur < 0 || r.deals.at(cur).flags&fnlSkip != 0 {
				return nil
			}
			if err := a.checkCloseEnd(r.deals.at(cur), &ch, curID); err != nil {
				return r.skipDeal(cur, err, 0)
			}
			return nil
		}
		i = 0
		for c, err := range in.CloseDateChanges {
			if err != nil {
				return err
			}
			if err := r.tick(i); err != nil {
				return err
			}
			if cur < 0 || c.DealID != curID {
				if err := end(); err != nil {
					return err
				}
				cur, curID, ch = a.ids.find(c.DealID), c.DealID, fnlCloseChain{}
				if cur >= 0 && r.deals.at(cur).flags&fnlHasClose != 0 && r.deals.at(cur).flags&fnlSkip == 0 {
					err := crmkit.Errorf("close date change", i, c.DealID, "deal_id", crmkit.ErrOrder, "the deal's close-date changes are not contiguous")
					if err := r.skipDeal(cur, err, 1); err != nil {
						return err
					}
					i++
					continue
				}
				if cur >= 0 {
					r.deals.at(cur).flags |= fnlHasClose
				}
			}
			if cur < 0 {
				if err := a.skip(crmkit.Errorf("close date change", i, c.DealID, "deal_id", crmkit.ErrUnknownRef, "deal not in the deal stream"), 1); err != nil {
					return err
				}
				i++
				continue
			}
			if r.deals.at(cur).flags&fnlSkip != 0 {
				a.skipRecords++
				a.skipReasons["close date change: deal skipped"]++
				i++
				continue
			}
			v, err := a.checkClose(r.deals.at(cur), &ch, &c, i)
			if err != nil {
				if err := r.skipDeal(cur, err, 1); err != nil {
					return err
				}
				i++
				continue
			}
			r.closes[cur] = append(r.closes[cur], v)
			i++
		}
		if err := end(); err != nil {
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
			if r.deals.at(cur).flags&fnlSkip != 0 {
				a.skipRecords++
				a.skipReasons["stage change: deal skipped"]++
				i++
				continue
			}
			v, err := a.checkChange(r.deals.at(cur), &ch, &c, i)
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
