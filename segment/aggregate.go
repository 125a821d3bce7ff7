package segment

import (
	"cmp"
	"context"
	"encoding/binary"
	"hash/maphash"
	"iter"
	"math"
	"math/bits"
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

// The per-customer aggregates of RFM and value tiers live directly in an
// open-addressing hash table, one 64-byte entry (a cache line) each, with
// the customer ID's first 16 bytes inline: with 10⁶ customers the table is
// far bigger than the caches and customers come in random order, so what an
// order costs is the number of distinct cache lines it touches. A hit on a
// short ID (≤ 16 bytes, the common case) touches one line, the entry it
// updates; a longer ID also compares the full string kept beside the table.
//
// aggEntry is one entry. O(1) memory per customer, however many orders.
// Revenue stays an int64 coefficient at one exponent while it can (see
// moneySum); an entry flagged aggWide keeps it in its shard's wide map once
// it cannot. orders > 0 means coef/exp hold the first amount.
type aggEntry struct {
	k0, k1   uint64 // the ID's first 16 bytes, little-endian, zero padded
	lastSec  int64
	orders   int64
	coef     int64
	hash     uint32 // low half of the ID's hash: the entry's home slot
	klen     uint32 // the ID's length; 0 marks a free slot (IDs are never empty)
	lastNsec int32
	exp      int32
	ord      int32 // insertion number: index into the shard's ids and qty
	flags    uint32
}

const aggWide = 1 // revenue is in the shard's wide map

// idKey is a customer ID's inline form: its first 16 bytes, little-endian,
// zero padded, and its length. Two IDs of at most 16 bytes are equal if and
// only if their keys are; longer IDs with equal keys must be compared whole.
type idKey struct {
	k0, k1 uint64
	n      uint32
}

func keyOf(id string) idKey {
	var b [16]byte
	copy(b[:], id)
	return idKey{binary.LittleEndian.Uint64(b[:8]), binary.LittleEndian.Uint64(b[8:]), uint32(len(id))}
}

// inlineKey is the longest ID an idKey holds whole.
const inlineKey = 16

// custAgg is one customer's aggregate as [aggregate] returns it.
type custAgg struct {
	id       string
	lastSec  int64
	lastNsec int32
	exp      int32
	orders   int
	coef     int64
	wide     *decimal.Decimal
	quantity float64
}

func (a *custAgg) last() time.Time { return time.Unix(a.lastSec, int64(a.lastNsec)).UTC() }

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
// aggregate needs, with the customer ID's key and hash computed once.
type aggRec struct {
	key     idKey
	hash    uint32
	nsec    int32
	sec     int64
	qty     float64
	idx     int
	amount  decimal.Decimal
	id      string
	orderID string
}

// aggShard holds the aggregates of the customers routed to one worker.
// table has a power-of-two length and is at most 3/4 full; ids holds each
// customer's ID string by insertion number (for the result, and to compare
// IDs longer than 16 bytes); qty their quantity sums when quantity is set.
// last is the table index of the previous order's customer: hosts often
// stream orders grouped by customer, and then most orders need no probe.
type aggShard struct {
	table    []aggEntry
	used     int
	ids      []string
	qty      []float64
	wide     map[int32]decimal.Decimal
	last     int
	quantity bool
	overflow []aggRec // orders whose quantity would make the sum infinite
}

func newAggShard(quantity bool) aggShard {
	return aggShard{table: make([]aggEntry, 1024), last: -1, quantity: quantity}
}

func (sh *aggShard) match(a *aggEntry, r *aggRec) bool {
	return a.k0 == r.key.k0 && a.k1 == r.key.k1 && a.klen == r.key.n &&
		(r.key.n <= inlineKey || sh.ids[a.ord] == r.id)
}

// lookup returns the table index of r's customer, inserting it if new.
func (sh *aggShard) lookup(r *aggRec) int {
	if k := sh.last; k >= 0 && sh.match(&sh.table[k], r) {
		return k
	}
	mask := len(sh.table) - 1
	for i := int(r.hash) & mask; ; i = (i + 1) & mask {
		a := &sh.table[i]
		if a.klen == 0 {
			if (sh.used+1)*4 > len(sh.table)*3 {
				sh.grow()
				return sh.lookup(r)
			}
			*a = aggEntry{k0: r.key.k0, k1: r.key.k1, klen: r.key.n, hash: r.hash, ord: int32(len(sh.ids))}
			sh.ids = append(sh.ids, r.id)
			if sh.quantity {
				sh.qty = append(sh.qty, 0)
			}
			sh.used++
			sh.last = i
			return i
		}
		if a.hash == r.hash && sh.match(a, r) {
			sh.last = i
			return i
		}
	}
}

func (sh *aggShard) grow() {
	table := make([]aggEntry, 2*len(sh.table))
	mask := len(table) - 1
	for k := range sh.table {
		a := &sh.table[k]
		if a.klen == 0 {
			continue
		}
		i := int(a.hash) & mask
		for table[i].klen != 0 {
			i = (i + 1) & mask
		}
		table[i] = *a
	}
	sh.table = table
	sh.last = -1
}

func (sh *aggShard) add(r *aggRec) {
	a := &sh.table[sh.lookup(r)]
	if sh.quantity {
		q := sh.qty[a.ord] + r.qty
		if math.IsInf(q, 0) {
			sh.overflow = append(sh.overflow, *r)
			return // the order is not applied: it is skipped or reported
		}
		sh.qty[a.ord] = q
	}
	first := a.orders == 0
	a.orders++
	if first || r.sec > a.lastSec || (r.sec == a.lastSec && r.nsec > a.lastNsec) {
		a.lastSec, a.lastNsec = r.sec, r.nsec
	}
	sh.addAmount(a, r.amount, first)
}

// addAmount adds v to a's revenue; first says v is the customer's first
// amount.
func (sh *aggShard) addAmount(a *aggEntry, v decimal.Decimal, first bool) {
	if a.flags&aggWide == 0 && v.NumDigits() <= 18 {
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
	if a.flags&aggWide == 0 {
		w := decimal.Zero
		if !first {
			w = decimal.New(a.coef, a.exp)
		}
		if sh.wide == nil {
			sh.wide = make(map[int32]decimal.Decimal)
		}
		sh.wide[a.ord] = w
		a.flags |= aggWide
	}
	sh.wide[a.ord] = sh.wide[a.ord].Add(v)
}

// addBatch adds a batch of orders in stream order. A read-only pass first
// touches every order's home entry, loads the CPU can overlap because they
// do not depend on each other, so that the real pass finds them in cache.
// The pass only reads: the result is the same as adding one order at a
// time.
func (sh *aggShard) addBatch(b []aggRec) {
	var sink uint64
	mask := len(sh.table) - 1
	for i := range b {
		sink += sh.table[int(b[i].hash)&mask].k0
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
		prevKey          idKey
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
		id := o.CustomerID
		key := keyOf(id)
		h := prevH
		if key != prevKey || (key.n > inlineKey && id != prevID) {
			h = maphash.String(seed, id)
			prevKey, prevID, prevH = key, id, h
		}
		r := aggRec{key: key, hash: uint32(h), id: id, orderID: o.ID, sec: o.Time.Unix(), nsec: int32(o.Time.Nanosecond()), amount: o.Amount, qty: o.Quantity, idx: i}
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
		n += sh.used
	}
	all := make([]custAgg, 0, n)
	keys := make([]sortKey, 0, n)
	for _, sh := range shards {
		for k := range sh.table {
			e := &sh.table[k]
			if e.klen == 0 || e.orders == 0 {
				continue
			}
			a := custAgg{id: sh.ids[e.ord], lastSec: e.lastSec, lastNsec: e.lastNsec, exp: e.exp, orders: int(e.orders), coef: e.coef}
			if e.flags&aggWide != 0 {
				w := sh.wide[e.ord]
				a.wide = &w
			}
			if sh.quantity {
				a.quantity = sh.qty[e.ord]
			}
			keys = append(keys, sortKey{bits.ReverseBytes64(e.k0), bits.ReverseBytes64(e.k1), int32(len(all))})
			all = append(all, a)
		}
	}
	cfg.skip.sort()
	return sortAggs(all, keys), nil
}

// sortKey orders customer IDs: hi and lo are the ID's first 16 bytes
// big-endian, zero padded, so that they order as the strings do; IDs with
// equal hi and lo are compared whole. i indexes the aggregates.
type sortKey struct {
	hi, lo uint64
	i      int32
}

// sortByID sorts aggregates by customer ID.
func sortByID(aggs []custAgg) []custAgg {
	keys := make([]sortKey, len(aggs))
	for i := range aggs {
		k := keyOf(aggs[i].id)
		keys[i] = sortKey{bits.ReverseBytes64(k.k0), bits.ReverseBytes64(k.k1), int32(i)}
	}
	return sortAggs(aggs, keys)
}

// sortAggs returns aggs sorted by ID, given their keys. It sorts the keys
// and compares whole IDs only on equal 16-byte prefixes, so that most
// comparisons touch no string memory; with 10⁶ customers that is the
// difference between a cache miss per comparison and none.
func sortAggs(aggs []custAgg, keys []sortKey) []custAgg {
	slices.SortFunc(keys, func(a, b sortKey) int {
		if c := cmp.Compare(a.hi, b.hi); c != 0 {
			return c
		}
		if c := cmp.Compare(a.lo, b.lo); c != 0 {
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
