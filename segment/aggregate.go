package segment

import (
	"cmp"
	"context"
	"hash/maphash"
	"iter"
	"math"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/crmkit/crmkit"
	"github.com/crmkit/crmkit/customer"
	"github.com/shopspring/decimal"
)

// moneySum adds decimals exactly; while every addend has at most 18 digits
// and shares one exponent it stays in an int64 (no allocation per add).
type moneySum struct {
	c    int64
	e    int32
	set  bool
	wide bool
	d    decimal.Decimal
}

const maxFast = 1_000_000_000_000_000_000 // 1e18

func (s *moneySum) add(v decimal.Decimal) {
	if !s.wide && v.NumDigits() <= 18 {
		c, e := v.CoefficientInt64(), v.Exponent()
		if !s.set {
			s.c, s.e, s.set = c, e, true
			return
		}
		if e == s.e {
			if n := s.c + c; n < maxFast && n > -maxFast {
				s.c = n
				return
			}
		}
	}
	if !s.wide {
		s.d = s.value()
		s.wide = true
	}
	s.d = s.d.Add(v)
}

func (s *moneySum) value() decimal.Decimal {
	if s.wide {
		return s.d
	}
	if !s.set {
		return decimal.Zero
	}
	return decimal.New(s.c, s.e)
}

// custAgg is the per-customer state of RFM and value tiers: O(1) memory per
// customer, however many orders, kept small (72 bytes) because 10⁶
// customers are touched in random order. Revenue stays an int64
// coefficient at one exponent while it can (see moneySum); wide holds it
// once it cannot. orders > 0 means coef/exp hold the first amount.
type custAgg struct {
	id       string
	h        uint64
	lastSec  int64
	lastNsec int32
	exp      int32
	orders   int
	coef     int64
	wide     *decimal.Decimal
	quantity float64
}

func (a *custAgg) last() time.Time { return time.Unix(a.lastSec, int64(a.lastNsec)).UTC() }

// addAmount adds v; first says v is the customer's first amount.
func (a *custAgg) addAmount(v decimal.Decimal, first bool) {
	if a.wide == nil && v.NumDigits() <= 18 {
		c, e := v.CoefficientInt64(), v.Exponent()
		if first {
			a.coef, a.exp = c, e
			return
		}
		if e == a.exp {
			if n := a.coef + c; n < maxFast && n > -maxFast {
				a.coef = n
				return
			}
		}
	}
	if a.wide == nil {
		w := decimal.Zero
		if !first {
			w = a.revenue()
		}
		a.wide = &w
	}
	*a.wide = a.wide.Add(v)
}

func (a *custAgg) revenue() decimal.Decimal {
	switch {
	case a.wide != nil:
		return *a.wide
	case a.orders > 0:
		return decimal.New(a.coef, a.exp)
	}
	return decimal.Zero
}

// aggRec is what the reader hands a worker: the fields of an order the
// aggregate needs, with the customer ID's hash computed once.
type aggRec struct {
	id      string
	orderID string
	h       uint64
	sec     int64
	amount  decimal.Decimal
	qty     float64
	idx     int
	nsec    int32
}

// aggShard holds the aggregates of the customers routed to one worker in an
// open-addressing table: slots hold the hash's high 32 bits and index+1
// into aggs (0: empty), so a probe reads 8 bytes and compares IDs only on a
// tag match. The hash comes from the reader; nothing is hashed twice. last
// remembers the previous customer: hosts often stream orders grouped by
// customer, and then most orders need no probe at all.
type aggShard struct {
	slots    []uint64
	aggs     []custAgg
	last     int32
	quantity bool
	overflow []aggRec // orders whose quantity would make the sum infinite
}

func newAggShard(quantity bool) aggShard {
	return aggShard{slots: make([]uint64, 1024), last: -1, quantity: quantity}
}

func (sh *aggShard) lookup(id string, h uint64) int32 {
	if k := sh.last; k >= 0 && sh.aggs[k].h == h && sh.aggs[k].id == id {
		return k
	}
	mask := uint64(len(sh.slots) - 1)
	tag := h >> 32 << 32
	for i := aggPos(h) & mask; ; i = (i + 1) & mask {
		s := sh.slots[i]
		if s == 0 {
			k := int32(len(sh.aggs))
			sh.aggs = append(sh.aggs, custAgg{id: id, h: h})
			sh.slots[i] = tag | uint64(k+1)
			if len(sh.aggs)*4 >= len(sh.slots)*3 {
				sh.grow()
			}
			sh.last = k
			return k
		}
		if s&^0xffffffff == tag {
			if k := int32(uint32(s) - 1); sh.aggs[k].id == id {
				sh.last = k
				return k
			}
		}
	}
}

// aggPos spreads the hash bits used for the slot position away from those
// that chose the shard and the tag.
func aggPos(h uint64) uint64 { return (h >> 8) ^ (h << 24) }

func (sh *aggShard) grow() {
	slots := make([]uint64, 2*len(sh.slots))
	mask := uint64(len(slots) - 1)
	for k := range sh.aggs {
		h := sh.aggs[k].h
		i := aggPos(h) & mask
		for slots[i] != 0 {
			i = (i + 1) & mask
		}
		slots[i] = h>>32<<32 | uint64(k+1)
	}
	sh.slots = slots
}

func (sh *aggShard) add(r *aggRec) {
	k := sh.lookup(r.id, r.h)
	a := &sh.aggs[k]
	if sh.quantity {
		q := a.quantity + r.qty
		if math.IsInf(q, 0) {
			sh.overflow = append(sh.overflow, *r)
			return // the order is not applied: it is skipped or reported
		}
		a.quantity = q
	}
	first := a.orders == 0
	a.orders++
	if first || r.sec > a.lastSec || (r.sec == a.lastSec && r.nsec > a.lastNsec) {
		a.lastSec, a.lastNsec = r.sec, r.nsec
	}
	a.addAmount(r.amount, first)
}

// addBatch adds a batch of orders in stream order. The table and the
// aggregates are far bigger than the caches with 10⁶ customers, so each
// order costs two cache misses (slot, aggregate); two read-only passes
// first touch every order's slot and then its aggregate, loads the CPU can
// overlap because they do not depend on each other, so that the third pass,
// the real one, finds them in cache. The passes only read: the result is
// the same as adding one order at a time.
func (sh *aggShard) addBatch(b []aggRec) {
	var sink uint64
	mask := uint64(len(sh.slots) - 1)
	for i := range b {
		sink += sh.slots[aggPos(b[i].h)&mask]
	}
	for i := range b {
		s := sh.slots[aggPos(b[i].h)&mask]
		if k := int(uint32(s)) - 1; k >= 0 && k < len(sh.aggs) {
			sink += uint64(sh.aggs[k].lastSec)
		}
	}
	for i := range b {
		sh.add(&b[i])
	}
	aggSink.Add(sink)
}

// aggSink keeps the prefetching loads of addBatch from being optimised away.
var aggSink atomic.Uint64

const aggBatch = 1024

// aggConfig says which orders count and what to keep. Orders before from
// are passed over (from zero: none); orders after asOf are an error when
// strictAsOf, passed over otherwise (a window end). quantity sums order
// quantities (and checks the sum stays finite). skip, when non-nil,
// receives bad orders instead of stopping.
type aggConfig struct {
	from, asOf time.Time
	strictAsOf bool
	asOfName   string
	quantity   bool
	skip       *skipper
}

// aggregate reads orders into per-customer aggregates, sorted by customer
// ID.
//
// The reading goroutine validates every order in stream order (so the
// first bad order is the one reported) and routes it by a hash of its
// customer ID to one of GOMAXPROCS workers, each owning its customers'
// aggregates; a customer's orders reach its worker in stream order, so the
// result does not depend on scheduling. The only check a worker makes (a
// quantity sum overflowing) is merged back in stream order at the end.
func aggregate(ctx context.Context, orders iter.Seq2[customer.Order, error], cfg aggConfig) ([]custAgg, error) {
	workers := runtime.GOMAXPROCS(0)
	shards := make([]aggShard, workers)
	for i := range shards {
		shards[i] = newAggShard(cfg.quantity)
	}
	var (
		chans   []chan []aggRec
		free    chan []aggRec
		batches [][]aggRec
		wg      sync.WaitGroup
		seed    = maphash.MakeSeed()
	)
	batches = make([][]aggRec, workers)
	if workers > 1 {
		chans = make([]chan []aggRec, workers)
		free = make(chan []aggRec, 4*workers)
		for w := range workers {
			chans[w] = make(chan []aggRec, 4)
			wg.Add(1)
			go func() {
				defer wg.Done()
				for b := range chans[w] {
					shards[w].addBatch(b)
					select {
					case free <- b[:0]:
					default:
					}
				}
			}()
		}
	}
	stopped := false
	stop := func() {
		if stopped {
			return
		}
		stopped = true
		if workers == 1 {
			shards[0].addBatch(batches[0])
			return
		}
		for w, c := range chans {
			if len(batches[w]) > 0 {
				c <- batches[w]
			}
			close(c)
		}
		wg.Wait()
	}
	defer stop()
	var (
		currency, prevID string
		prevH            uint64
		haveCurrency     bool
		i                = -1
		firstErr         error
		firstErrIdx      = -1
	)
	for o, err := range orders {
		i++
		if err == nil && i&4095 == 0 {
			err = ctx.Err()
		}
		if err == nil {
			err = checkOrder(o, i)
		}
		if err == nil && haveCurrency && o.Currency != currency {
			err = crmkit.Errorf("order", i, o.ID, "currency", crmkit.ErrCurrency, "%q after %q", o.Currency, currency)
		}
		if err == nil && badFloat(o.Quantity) {
			err = crmkit.Errorf("order", i, o.ID, "quantity", crmkit.ErrInvalid, "%v", o.Quantity)
		}
		if err == nil && cfg.strictAsOf && o.Time.After(cfg.asOf) {
			err = crmkit.Errorf("order", i, o.ID, "time", crmkit.ErrFuture, "%v after %s %v", o.Time, cfg.asOfName, cfg.asOf)
		}
		if err != nil {
			if cfg.skip.take(err) {
				continue
			}
			firstErr, firstErrIdx = err, i
			break
		}
		if !haveCurrency {
			currency, haveCurrency = o.Currency, true
		}
		if !o.Time.Before(cfg.asOf) && !cfg.strictAsOf || (!cfg.from.IsZero() && o.Time.Before(cfg.from)) {
			continue // outside the window [from, asOf)
		}
		h := prevH
		if o.CustomerID != prevID {
			h = maphash.String(seed, o.CustomerID)
			prevID, prevH = o.CustomerID, h
		}
		r := aggRec{id: o.CustomerID, orderID: o.ID, h: h, sec: o.Time.Unix(), nsec: int32(o.Time.Nanosecond()), amount: o.Amount, qty: o.Quantity, idx: i}
		w := int((h >> 56) % uint64(workers))
		if batches[w] == nil {
			select {
			case b := <-free:
				batches[w] = b
			default:
				batches[w] = make([]aggRec, 0, aggBatch)
			}
		}
		batches[w] = append(batches[w], r)
		if len(batches[w]) == aggBatch {
			if workers == 1 {
				shards[0].addBatch(batches[0])
				batches[0] = batches[0][:0]
				continue
			}
			chans[w] <- batches[w]
			batches[w] = nil
		}
	}
	stop()
	// Quantity overflows found by the workers, in stream order, before the
	// reader's first error (if any).
	var over []aggRec
	for _, sh := range shards {
		over = append(over, sh.overflow...)
	}
	slices.SortFunc(over, func(a, b aggRec) int { return cmp.Compare(a.idx, b.idx) })
	for _, r := range over {
		if firstErrIdx >= 0 && r.idx > firstErrIdx {
			break
		}
		err := crmkit.Errorf("order", r.idx, r.orderID, "quantity", crmkit.ErrInvalid, "customer %q: quantity sum overflows float64", r.id)
		if !cfg.skip.take(err) {
			return nil, err
		}
	}
	if firstErr != nil {
		return nil, firstErr
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	n := 0
	for _, sh := range shards {
		n += len(sh.aggs)
	}
	all := make([]custAgg, 0, n)
	for _, sh := range shards {
		for _, a := range sh.aggs {
			if a.orders > 0 {
				all = append(all, a)
			}
		}
	}
	cfg.skip.sort()
	return sortByID(all), nil
}

// sortByID sorts aggregates by customer ID. It sorts (8-byte ID prefix,
// index) pairs and compares whole IDs only on equal prefixes, so that most
// comparisons touch no string memory; with 10⁶ customers that is the
// difference between a cache miss per comparison and none.
func sortByID(aggs []custAgg) []custAgg {
	type key struct {
		pre uint64
		i   int32
	}
	keys := make([]key, len(aggs))
	for i := range aggs {
		keys[i] = key{idPrefix(aggs[i].id), int32(i)}
	}
	slices.SortFunc(keys, func(a, b key) int {
		if c := cmp.Compare(a.pre, b.pre); c != 0 {
			return c
		}
		return cmp.Compare(aggs[a.i].id, aggs[b.i].id)
	})
	out := make([]custAgg, len(aggs))
	for j, k := range keys {
		out[j] = aggs[k.i]
	}
	return out
}

// idPrefix packs the first 8 bytes of s big-endian (zero padded), so that
// prefixes order as the strings do.
func idPrefix(s string) uint64 {
	var p uint64
	for i := range 8 {
		p <<= 8
		if i < len(s) {
			p |= uint64(s[i])
		}
	}
	return p
}
