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
	"strings"
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

// fastAmount returns v's coefficient and exponent when the coefficient
// has at most 18 digits (the int64 fast path of sums).
func fastAmount(v decimal.Decimal) (c int64, e int32, ok bool) {
	if v.NumDigits() > 18 {
		return 0, 0, false
	}
	return v.CoefficientInt64(), v.Exponent(), true
}

// The per-customer aggregates of RFM and value tiers live directly in an
// open-addressing hash table, one 64-byte entry (a cache line) each, with
// the customer ID's first 24 bytes inline: with 10⁶ customers the table is
// far bigger than the caches and customers come in random order, so what an
// order costs is the number of distinct cache lines it touches. A hit on an
// ID of up to 24 bytes (numeric IDs, 18-character CRM and payment IDs)
// touches one line, the entry it updates; a longer ID keeps its first 16
// bytes inline and the rest in the shard's tails, one more line to compare.
//
// aggEntry is one entry: O(1) memory per customer, however many orders.
// Revenue stays an int64 coefficient at one exponent while it can (see
// moneySum); an entry flagged aggWide keeps it in its shard's wide map once
// it cannot. orders > 0 means coef/exp hold the first amount. What a shard
// keeps beside an entry (a quantity sum, a wide revenue) is found by the
// entry's table index and moves with it when the table grows.
type aggEntry struct {
	// The ID's table key (tableKeyOf): its first 24 bytes, little-endian,
	// zero padded; for an ID longer than inlineKey, k2 is instead the
	// offset in the shard's tails of the rest of the ID after its first 16
	// bytes; a canonical UUID is packed into k0, k1 (klen uuidKey).
	k0, k1, k2 uint64
	lastSec    int64
	orders     int64
	coef       int64
	hash       uint32 // 32 bits of the ID's hash: the top ones are the home slot
	klen       uint32 // the ID's length (see idKey) | aggWide; 0: a free slot
	lastNsec   int32
	exp        int32
}

// aggWide is klen's flag for revenue kept in the shard's wide map. IDs are
// never empty, so an occupied entry's klen is never 0.
const aggWide = 1 << 31

func (a *aggEntry) n() uint32 { return a.klen &^ aggWide }

// idKey is a customer ID's inline form: its first 24 bytes, little-endian,
// zero padded, and its length (saturated below 2 GiB: such an ID is long,
// compared whole). Two IDs of at most 24 bytes are equal if and only if
// their keys are; longer IDs with equal keys must be compared whole.
type idKey struct {
	k0, k1, k2 uint64
	n          uint32
}

func keyOf(id string) idKey {
	var b [24]byte
	copy(b[:], id)
	n := uint32(min(uint64(len(id)), aggWide-1))
	if n == uuidKey {
		n = aggWide - 1 // the value is uuidKey's
	}
	return idKey{
		binary.LittleEndian.Uint64(b[:8]), binary.LittleEndian.Uint64(b[8:16]), binary.LittleEndian.Uint64(b[16:]),
		n,
	}
}

// uuidKey is the length field of a table key holding a canonical UUID packed
// into 16 bytes (see tableKeyOf); keyOf gives no real ID this value.
const uuidKey = aggWide - 2

// longKey says whether a table key of length field n keeps the ID's bytes
// after the 16th outside the entry.
func longKey(n uint32) bool { return n > inlineKey && n != uuidKey }

// tableKeyOf is a customer ID's key in the aggregation table: keyOf's,
// except that an ID in the canonical 36-character UUID form (8-4-4-4-12
// hexadecimal digits, letters all lower or all upper case) is packed into
// its 16 bytes (k0, k1) with its letter case in k2 and length field
// uuidKey, so that a hit on it reads one table entry, as for a short ID.
// Packing is one-to-one, so equal keys still mean equal IDs. Table keys do
// not order as the IDs do: sorting uses keyOf.
func tableKeyOf(id string) idKey {
	if len(id) != 36 || id[8] != '-' || id[13] != '-' || id[18] != '-' || id[23] != '-' {
		return keyOf(id)
	}
	var b [16]byte
	var lower, upper bool
	n := 0
	for i := 0; i < 36; i++ {
		if i == 8 || i == 13 || i == 18 || i == 23 {
			continue
		}
		c := id[i]
		var v byte
		switch {
		case '0' <= c && c <= '9':
			v = c - '0'
		case 'a' <= c && c <= 'f':
			v, lower = c-'a'+10, true
		case 'A' <= c && c <= 'F':
			v, upper = c-'A'+10, true
		default:
			return keyOf(id)
		}
		b[n/2] |= v << (4 * uint(1-n%2))
		n++
	}
	if lower && upper {
		return keyOf(id)
	}
	k := idKey{k0: binary.LittleEndian.Uint64(b[:8]), k1: binary.LittleEndian.Uint64(b[8:]), n: uuidKey}
	if upper {
		k.k2 = 1
	}
	return k
}

// appendUUID appends the canonical UUID packed in k0, k1 (upper case
// letters when k2 is 1).
func appendUUID(buf []byte, k0, k1, k2 uint64) []byte {
	var b [16]byte
	binary.LittleEndian.PutUint64(b[:8], k0)
	binary.LittleEndian.PutUint64(b[8:], k1)
	digits := "0123456789abcdef"
	if k2 == 1 {
		digits = "0123456789ABCDEF"
	}
	for i, x := range b {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			buf = append(buf, '-')
		}
		buf = append(buf, digits[x>>4], digits[x&15])
	}
	return buf
}

// inlineKey is the longest ID an idKey holds whole.
const inlineKey = 24

// appendKey appends the bytes of a key of at most inlineKey bytes.
func appendKey(b []byte, k0, k1, k2 uint64, n uint32) []byte {
	var w [24]byte
	binary.LittleEndian.PutUint64(w[:8], k0)
	binary.LittleEndian.PutUint64(w[8:16], k1)
	binary.LittleEndian.PutUint64(w[16:], k2)
	return append(b, w[:n]...)
}

// aggRec is what the reader hands a worker for one order: the fields the
// aggregate needs, with the customer ID's key and hash computed once (by
// the reader, or by the worker from the batch's ids) and the amount as an
// int64 coefficient, in 64 bytes. It holds no pointers, so that copying it
// costs no GC write barriers; what needs a pointer (an ID longer than
// inlineKey, an amount off the fast path, the order's ID, index and
// quantity in quantity mode, where a worker may have to report the order)
// goes to the batch's ext.
type aggRec struct {
	k0, k1, k2 uint64
	klen       uint32
	hash       uint32
	sec        int64
	coef       int64
	nsec       int32
	exp        int32
	ext        int32 // index into the batch's ext; −1: none
	flags      uint32
}

const recWide = 1 // record flag: the amount is ext's, off the fast path

// aggExt holds a record's pointer-carrying fields, when it has any, and
// its quantity in quantity mode.
type aggExt struct {
	id      string
	orderID string
	amount  decimal.Decimal
	idx     int
	qty     float64
}

// aggBatch is a batch of records for one worker, in stream order. When
// ids is set (deferred, see [aggregate]), ids[i] and amts[i] are record i's
// customer ID and amount, whose key, hash and coefficient are yet to be
// computed.
type aggBatch struct {
	recs []aggRec
	ext  []aggExt
	ids  []string
	amts []decimal.Decimal
}

func (b *aggBatch) reset() {
	b.recs = b.recs[:0]
	clear(b.ext) // drop the strings
	b.ext = b.ext[:0]
	clear(b.ids)
	b.ids = b.ids[:0]
	clear(b.amts)
	b.amts = b.amts[:0]
}

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

// aggShard holds the aggregates of the customers routed to one worker.
// table has a power-of-two length and is at most 3/4 full (linear
// probing); used counts its customers. tails holds, for each ID longer
// than inlineKey, its length less 16 (uvarint) and its bytes from the 17th
// on. Beside the table, by table index: qty, the quantity sums when
// quantity is set; wide, the revenues off the int64 path. last is the
// table index of the previous order's customer: hosts often stream orders
// grouped by customer, and then most orders need no probe.
type aggShard struct {
	table    []aggEntry
	mapped   bool // table is outside the Go heap: see allocTable, release
	shift    uint // a hash's home slot is hash >> shift
	used     int
	tails    []byte
	qty      []float64
	wide     map[int]decimal.Decimal
	last     int
	quantity bool
	overflow []aggExt // orders whose quantity would make the sum infinite
}

const aggMinBits = 10 // log2 of the initial table size

func newAggShard(quantity bool) aggShard {
	sh := aggShard{table: make([]aggEntry, 1<<aggMinBits), shift: 32 - aggMinBits, last: -1, quantity: quantity}
	if quantity {
		sh.qty = make([]float64, len(sh.table))
	}
	return sh
}

// match says whether entry i holds r's customer.
func (sh *aggShard) match(i int, r *aggRec, ext []aggExt) bool {
	a := &sh.table[i]
	if a.k0 != r.k0 || a.k1 != r.k1 || a.n() != r.klen {
		return false
	}
	if !longKey(r.klen) {
		return a.k2 == r.k2
	}
	return string(sh.tail(a)) == ext[r.ext].id[16:]
}

// tail returns the bytes after the first 16 of a long ID's entry.
func (sh *aggShard) tail(a *aggEntry) []byte {
	n, w := binary.Uvarint(sh.tails[a.k2:])
	start := a.k2 + uint64(w)
	return sh.tails[start : start+n]
}

// appendID appends the ID of entry a.
func (sh *aggShard) appendID(buf []byte, a *aggEntry) []byte {
	switch n := a.n(); {
	case n == uuidKey:
		return appendUUID(buf, a.k0, a.k1, a.k2)
	case n > inlineKey:
		return append(appendKey(buf, a.k0, a.k1, 0, 16), sh.tail(a)...)
	default:
		return appendKey(buf, a.k0, a.k1, a.k2, n)
	}
}

// idLen is the length of entry a's ID (at least, for one past 2 GiB).
func idLen(a *aggEntry) int {
	if n := a.n(); n != uuidKey {
		return int(n)
	}
	return 36
}

// lookup returns the table index of r's customer, inserting it if new.
func (sh *aggShard) lookup(r *aggRec, ext []aggExt) int {
	if k := sh.last; k >= 0 && sh.match(k, r, ext) {
		return k
	}
	mask := len(sh.table) - 1
	for i := int(r.hash >> sh.shift); ; i = (i + 1) & mask {
		a := &sh.table[i]
		if a.klen == 0 {
			if (sh.used+1)*4 > len(sh.table)*3 {
				sh.grow()
				return sh.lookup(r, ext)
			}
			*a = aggEntry{k0: r.k0, k1: r.k1, k2: r.k2, klen: r.klen, hash: r.hash}
			if longKey(r.klen) {
				rest := ext[r.ext].id[16:]
				a.k2 = uint64(len(sh.tails))
				sh.tails = binary.AppendUvarint(sh.tails, uint64(len(rest)))
				sh.tails = append(sh.tails, rest...)
			}
			sh.used++
			sh.last = i
			return i
		}
		if a.hash == r.hash && sh.match(i, r, ext) {
			sh.last = i
			return i
		}
	}
}

// grow doubles the table. Home slots come from the hash's top bits, so
// entries keep their order: the old table is read and the new one written
// front to back, not at random.
func (sh *aggShard) grow() {
	table, mapped := allocTable(2 * len(sh.table))
	shift := sh.shift - 1
	mask := len(table) - 1
	var (
		qty  []float64
		wide map[int]decimal.Decimal
	)
	if sh.quantity {
		qty = make([]float64, len(table))
	}
	if sh.wide != nil {
		wide = make(map[int]decimal.Decimal, len(sh.wide))
	}
	for k := range sh.table {
		a := &sh.table[k]
		if a.klen == 0 {
			continue
		}
		i := int(a.hash >> shift)
		for table[i].klen != 0 {
			i = (i + 1) & mask
		}
		table[i] = *a
		if qty != nil {
			qty[i] = sh.qty[k]
		}
		if a.klen&aggWide != 0 {
			wide[i] = sh.wide[k]
		}
	}
	sh.release()
	sh.table, sh.mapped, sh.shift = table, mapped, shift
	sh.qty, sh.wide = qty, wide
	sh.last = -1
}

// release gives back the table's memory if it is mapped; the shard must not
// be used after.
func (sh *aggShard) release() {
	if sh.mapped {
		freeTable(sh.table)
	}
	sh.table, sh.mapped = nil, false
}

func (sh *aggShard) add(r *aggRec, ext []aggExt) {
	i := sh.lookup(r, ext)
	a := &sh.table[i]
	if sh.quantity {
		q := sh.qty[i] + ext[r.ext].qty
		if math.IsInf(q, 0) {
			sh.overflow = append(sh.overflow, ext[r.ext])
			return // the order is not applied: it is skipped or reported
		}
		sh.qty[i] = q
	}
	first := a.orders == 0
	a.orders++
	if first || r.sec > a.lastSec || (r.sec == a.lastSec && r.nsec > a.lastNsec) {
		a.lastSec, a.lastNsec = r.sec, r.nsec
	}
	if a.klen&aggWide == 0 && r.flags&recWide == 0 {
		if first {
			a.coef, a.exp = r.coef, r.exp
			return
		}
		if r.exp == a.exp {
			if n := a.coef + r.coef; n < maxFast && n > -maxFast {
				a.coef = n
				return
			}
		}
	}
	v := decimal.New(r.coef, r.exp)
	if r.flags&recWide != 0 {
		v = ext[r.ext].amount
	}
	if a.klen&aggWide == 0 {
		w := decimal.Zero
		if !first {
			w = decimal.New(a.coef, a.exp)
		}
		if sh.wide == nil {
			sh.wide = make(map[int]decimal.Decimal)
		}
		sh.wide[i] = w
		a.klen |= aggWide
	}
	sh.wide[i] = sh.wide[i].Add(v)
}

// addBatch adds a batch of orders in stream order, a chunk at a time. For
// each chunk a read-only pass first touches every order's home entry, loads
// the CPU can overlap because they do not depend on each other, so that the
// real pass finds them in cache. The pass only reads: the result is the
// same as adding one order at a time.
func (sh *aggShard) addBatch(b *aggBatch, hash func(string) uint64) {
	b.keys(hash)
	for lo := 0; lo < len(b.recs); lo += aggChunk {
		sh.addChunk(b.recs[lo:min(lo+aggChunk, len(b.recs))], b.ext)
	}
}

// aggChunk is how many orders addChunk takes: their entries (64 KiB) stay
// in cache between the passes.
const aggChunk = 1024

func (sh *aggShard) addChunk(recs []aggRec, ext []aggExt) {
	var sink uint64
	for i := range recs {
		sink += sh.table[recs[i].hash>>sh.shift].k0
	}
	if sh.tails != nil {
		// IDs longer than inlineKey are compared whole: touch the stored
		// tail of each order whose home entry has its first 16 bytes and
		// length (a second pass of loads that overlap).
		for i := range recs {
			r := &recs[i]
			if a := &sh.table[r.hash>>sh.shift]; longKey(r.klen) && a.n() == r.klen && a.k0 == r.k0 && a.k1 == r.k1 {
				sink += uint64(sh.tails[a.k2])
			}
		}
	}
	for i := range recs {
		sh.add(&recs[i], ext)
	}
	aggSink.Add(sink)
}

// keys computes the key and hash of each record from its ID in ids (an ID
// equal to the previous one is not hashed again) and its amount's
// coefficient from amts, and empties ids and amts. The worker calls it,
// or the reader when the worker is behind.
func (b *aggBatch) keys(hash func(string) uint64) {
	if len(b.ids) == 0 {
		return // not deferred, or done
	}
	// Touch every ID first (IDs are never empty), as addBatch does with
	// table entries.
	var sink byte
	for _, id := range b.ids {
		sink += id[0]
	}
	aggSink.Add(uint64(sink))
	var (
		prevKey idKey
		prevID  string
		prevH   uint64
	)
	for i := range b.recs {
		r, id := &b.recs[i], b.ids[i]
		key := tableKeyOf(id)
		if key != prevKey || (longKey(key.n) && id != prevID) {
			prevKey, prevID, prevH = key, id, hash(id)
		}
		r.k0, r.k1, r.k2, r.klen, r.hash = key.k0, key.k1, key.k2, key.n, uint32(prevH)
		var ok bool
		if r.coef, r.exp, ok = fastAmount(b.amts[i]); !ok {
			r.flags |= recWide
		}
		if longKey(key.n) || !ok {
			if r.ext < 0 {
				r.ext = int32(len(b.ext))
				b.ext = append(b.ext, aggExt{})
			}
			if longKey(key.n) {
				b.ext[r.ext].id = id
			}
			if !ok {
				b.ext[r.ext].amount = b.amts[i]
			}
		}
	}
	clear(b.ids) // done: what is still needed is in ext
	b.ids = b.ids[:0]
	clear(b.amts)
	b.amts = b.amts[:0]
}

// aggSink keeps the prefetching loads of addBatch from being optimised away.
var aggSink atomic.Uint64

// aggBatchLen is how many orders the reader hands a worker at once: enough
// that the two rarely wait for each other.
const aggBatchLen = 8192

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
	hash       func(id string) uint64 // tests only; nil: maphash with a fresh seed
	readerKeys bool                   // tests only: the reader always does keys
}

// aggregate reads orders into per-customer aggregates, sorted by customer
// ID.
//
// The reading goroutine validates every order in stream order (so the
// first bad order is the one reported) and routes it by a hash of its
// customer ID to one of the workers (with one worker, all go to it), each
// owning its customers' aggregates; a customer's orders reach its worker in
// stream order, so the result does not depend on scheduling. The only check a worker makes (a
// quantity sum overflowing) is merged back in stream order at the end.
func aggregate(ctx context.Context, orders iter.Seq2[customer.Order, error], cfg aggConfig) ([]custAgg, error) {
	// The reader is busy full time (the host's decoding runs in it), so
	// it gets a core of its own: GOMAXPROCS−1 workers, and with one core
	// the reader aggregates itself. With one worker the reader does not
	// even read the IDs' bytes (deferred): a host may hand over ID
	// strings that are not in cache, and the worker, on another core,
	// takes those misses several at a time. With more workers the reader
	// must hash each ID to route it.
	procs := runtime.GOMAXPROCS(0)
	workers := max(1, procs-1)
	inline := procs == 1
	deferred := procs == 2
	shards := make([]aggShard, workers)
	for i := range shards {
		shards[i] = newAggShard(cfg.quantity)
	}
	// Deferred before stop, so it runs after the workers are done: also
	// when the host's iterator panics.
	defer func() {
		for i := range shards {
			shards[i].release()
		}
	}()
	seed := maphash.MakeSeed()
	hash := cfg.hash
	if hash == nil {
		hash = func(id string) uint64 { return maphash.String(seed, id) }
	}
	var (
		chans   []chan *aggBatch
		free    chan *aggBatch
		batches = make([]*aggBatch, workers)
		wg      sync.WaitGroup
	)
	if !inline {
		chans = make([]chan *aggBatch, workers)
		free = make(chan *aggBatch, 4*workers)
		for w := range workers {
			chans[w] = make(chan *aggBatch, 4)
			wg.Add(1)
			go func() {
				defer wg.Done()
				for b := range chans[w] {
					shards[w].addBatch(b, hash)
					b.reset()
					select {
					case free <- b:
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
		if inline {
			if b := batches[0]; b != nil {
				shards[0].addBatch(b, hash)
			}
			return
		}
		for w, c := range chans {
			if b := batches[w]; b != nil && len(b.recs) > 0 {
				c <- b
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
	// Times compare as Unix seconds and nanoseconds, computed once per
	// order; that is what Before and After do unless both times carry a
	// monotonic clock reading, so bounds that carry one take the methods.
	var (
		timeFast         = cfg.asOf == cfg.asOf.Round(0) && cfg.from == cfg.from.Round(0)
		asOfSec, fromSec = cfg.asOf.Unix(), cfg.from.Unix()
		asOfNs, fromNs   = int32(cfg.asOf.Nanosecond()), int32(cfg.from.Nanosecond())
		hasFrom          = !cfg.from.IsZero()
		minSec, maxSec   = minOrderTime.Unix(), maxOrderTime.Unix()
	)
	for o, err := range orders {
		i++
		if err == nil && i&4095 == 0 {
			err = ctx.Err()
		}
		sec, nsec := o.Time.Unix(), int32(o.Time.Nanosecond())
		// checkOrder makes the exact checks and errors; the common order
		// (a customer, a time well inside years 1..9999, an amount that is
		// not negative) passes them all. A deferred amount's coefficient
		// is taken by the worker.
		var (
			coef int64
			exp  int32
			fast = true
			neg  bool
		)
		if deferred {
			neg = o.Amount.IsNegative()
		} else {
			coef, exp, fast = fastAmount(o.Amount)
			neg = !fast && o.Amount.IsNegative() || coef < 0
		}
		if err == nil && (o.CustomerID == "" || sec <= minSec || sec >= maxSec || neg) {
			err = checkOrder(o, i)
		}
		if err == nil && haveCurrency && o.Currency != currency {
			err = crmkit.Errorf("order", i, o.ID, "currency", crmkit.ErrCurrency, "%q after %q", o.Currency, currency)
		}
		if err == nil && badFloat(o.Quantity) {
			err = crmkit.Errorf("order", i, o.ID, "quantity", crmkit.ErrInvalid, "%v", o.Quantity)
		}
		if err == nil && cfg.strictAsOf {
			future := sec > asOfSec || sec == asOfSec && nsec > asOfNs
			if !timeFast {
				future = o.Time.After(cfg.asOf)
			}
			if future {
				err = crmkit.Errorf("order", i, o.ID, "time", crmkit.ErrFuture, "%v after %s %v", o.Time, cfg.asOfName, cfg.asOf)
			}
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
		beforeAsOf := sec < asOfSec || sec == asOfSec && nsec < asOfNs
		beforeFrom := hasFrom && (sec < fromSec || sec == fromSec && nsec < fromNs)
		if !timeFast {
			beforeAsOf, beforeFrom = o.Time.Before(cfg.asOf), hasFrom && o.Time.Before(cfg.from)
		}
		if !beforeAsOf && !cfg.strictAsOf || beforeFrom {
			continue // outside the window [from, asOf)
		}
		id := o.CustomerID
		var key idKey
		h := prevH
		if !deferred {
			key = tableKeyOf(id)
			if key != prevKey || (longKey(key.n) && id != prevID) {
				h = hash(id)
				prevKey, prevID, prevH = key, id, h
			}
		}
		w := 0
		if workers > 1 {
			w = int((h >> 32) * uint64(workers) >> 32) // hash bits the slot does not use
		}
		b := batches[w]
		if b == nil {
			select {
			case b = <-free:
			default:
				b = &aggBatch{recs: make([]aggRec, 0, 256)} // grows to aggBatchLen; reused
			}
			batches[w] = b
		}
		if deferred {
			b.ids = append(b.ids, id)
			b.amts = append(b.amts, o.Amount)
		}
		r := aggRec{k0: key.k0, k1: key.k1, k2: key.k2, klen: key.n, hash: uint32(h), sec: sec, nsec: nsec, coef: coef, exp: exp, ext: -1}
		if !fast || longKey(key.n) || cfg.quantity {
			r.ext = int32(len(b.ext))
			x := aggExt{idx: i}
			if longKey(key.n) || cfg.quantity {
				x.id = id // (a deferred long ID's is set by keys)
			}
			if !fast {
				r.flags |= recWide
				x.amount = o.Amount
			}
			if cfg.quantity {
				x.orderID, x.qty = o.ID, o.Quantity
			}
			b.ext = append(b.ext, x)
		}
		b.recs = append(b.recs, r)
		if len(b.recs) == aggBatchLen {
			if inline {
				shards[0].addBatch(b, hash)
				b.reset()
				continue
			}
			if cfg.readerKeys && deferred {
				b.keys(hash)
			}
			select {
			case chans[w] <- b:
			default:
				// The worker is behind: do its first step here
				// rather than wait.
				if deferred {
					b.keys(hash)
				}
				chans[w] <- b
			}
			batches[w] = nil
		}
	}
	stop()
	// Quantity overflows found by the workers, in stream order, before the
	// reader's first error (if any).
	var over []aggExt
	for _, sh := range shards {
		over = append(over, sh.overflow...)
	}
	slices.SortFunc(over, func(a, b aggExt) int { return cmp.Compare(a.idx, b.idx) })
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
	cfg.skip.sort()
	return collect(shards), nil
}

// collect returns the shards' customers (those with an order applied)
// sorted by ID. It sorts keys made from the entries alone and reads each
// entry once more to fill the result in order; the IDs of at most
// inlineKey bytes are rebuilt from their keys into one string.
func collect(shards []aggShard) []custAgg {
	n := 0
	for s := range shards {
		n += shards[s].used
	}
	keys := make([]sortKey, 0, n)
	for s := range shards {
		for k := range shards[s].table {
			if e := &shards[s].table[k]; e.klen != 0 && e.orders > 0 {
				hi, lo := e.k0, e.k1
				if e.n() == uuidKey { // the key is packed: sort on the ID's bytes
					var b [36]byte
					id := appendUUID(b[:0], e.k0, e.k1, e.k2)
					hi, lo = binary.LittleEndian.Uint64(id[:8]), binary.LittleEndian.Uint64(id[8:16])
				}
				keys = append(keys, sortKey{bits.ReverseBytes64(hi), bits.ReverseBytes64(lo), int32(s), int32(k)})
			}
		}
	}
	keys = sortIDKeys(keys, func(k sortKey) string {
		return string(shards[k.i].appendID(nil, &shards[k.i].table[k.j]))
	})
	// Each part of the result is filled by a pass that reads its entries
	// (at random: the cost of this function), on all cores, and a second,
	// in order, that points its IDs into one string of their bytes.
	out := make([]custAgg, len(keys))
	forParts(len(keys), numParts(len(keys)), func(_, lo, hi int) { fill(shards, keys[lo:hi], out[lo:hi]) })
	return out
}

// fill sets out[j] from the entry keys[j] names.
func fill(shards []aggShard, keys []sortKey, out []custAgg) {
	size := 0
	for _, k := range keys {
		size += idLen(&shards[k.i].table[k.j])
	}
	buf := make([]byte, 0, size)
	ends := make([]int, len(keys))
	for j, k := range keys {
		sh := &shards[k.i]
		e := &sh.table[k.j]
		a := &out[j]
		buf = sh.appendID(buf, e)
		ends[j] = len(buf)
		a.lastSec, a.lastNsec, a.orders = e.lastSec, e.lastNsec, int(e.orders)
		a.coef, a.exp = e.coef, e.exp
		if e.klen&aggWide != 0 {
			w := sh.wide[int(k.j)]
			a.wide = &w
		}
		if sh.quantity {
			a.quantity = sh.qty[k.j]
		}
	}
	all, start := string(buf), 0
	for j, end := range ends {
		out[j].id = all[start:end]
		start = end
	}
}

// sortKey is a sort key of up to 16 bytes, hi then lo, with two int32s to
// find the item it sorts. For customer IDs, hi and lo are the ID's first 16
// bytes big-endian, zero padded, so that they order as the strings do.
type sortKey struct {
	hi, lo uint64
	i, j   int32
}

func cmpSortKey(a, b sortKey) int {
	if c := cmp.Compare(a.hi, b.hi); c != 0 {
		return c
	}
	return cmp.Compare(a.lo, b.lo)
}

// sortIDKeys sorts ID keys as the IDs sort. Keys equal in all 16 bytes
// (IDs with a common 16-byte prefix, or shorter ones that differ only in
// trailing NUL bytes) are ordered by their whole IDs, which id returns.
func sortIDKeys(keys []sortKey, id func(sortKey) string) []sortKey {
	keys = radixSort(keys)
	for lo := 0; lo < len(keys); {
		hi := lo + 1
		for hi < len(keys) && cmpSortKey(keys[lo], keys[hi]) == 0 {
			hi++
		}
		if hi-lo > 1 {
			run := make([]idItem, hi-lo)
			for j, k := range keys[lo:hi] {
				run[j] = idItem{id(k), k}
			}
			sortIDRun(run, 1)
			for j := range run {
				keys[lo+j] = run[j].k
			}
		}
		lo = hi
	}
	return keys
}

// idItem is a key with its whole ID.
type idItem struct {
	id string
	k  sortKey
}

// sortChunk is how many bytes of an ID a sortKey holds.
const sortChunk = 16

// sortIDRun sorts items whose IDs agree in their first 16·depth bytes
// (zero padded) by ID. Long IDs often share long prefixes (a fixed
// "customer-0000…" or UUID head), so a big run is radix-sorted on the next
// 16 bytes, read once from each ID, rather than by comparisons that each
// fetch two IDs from memory; within a group equal in those bytes too, the
// IDs that end there come first, shortest first (each is a prefix of the
// longer ones), and the rest go one chunk deeper.
func sortIDRun(run []idItem, depth int) {
	if len(run) < 64 {
		slices.SortFunc(run, func(a, b idItem) int { return strings.Compare(a.id, b.id) })
		return
	}
	off := sortChunk * depth
	keys := make([]sortKey, len(run))
	for j := range run {
		var c idKey
		if id := run[j].id; len(id) > off {
			c = keyOf(id[off:])
		}
		keys[j] = sortKey{hi: bits.ReverseBytes64(c.k0), lo: bits.ReverseBytes64(c.k1), i: int32(j)}
	}
	keys = radixSort(keys)
	sorted := make([]idItem, len(run))
	for j, k := range keys {
		sorted[j] = run[k.i]
	}
	copy(run, sorted)
	for lo := 0; lo < len(run); {
		hi := lo + 1
		for hi < len(run) && cmpSortKey(keys[lo], keys[hi]) == 0 {
			hi++
		}
		if hi-lo > 1 {
			g := run[lo:hi]
			end := off + sortChunk
			slices.SortStableFunc(g, func(a, b idItem) int {
				return cmp.Compare(min(len(a.id), end+1), min(len(b.id), end+1))
			})
			k := 0
			for k < len(g) && len(g[k].id) <= end {
				k++
			}
			if len(g)-k > 1 {
				sortIDRun(g[k:], depth+1)
			}
		}
		lo = hi
	}
}

// sortByID sorts aggregates by customer ID.
func sortByID(aggs []custAgg) []custAgg {
	keys := make([]sortKey, len(aggs))
	for i := range aggs {
		k := keyOf(aggs[i].id)
		keys[i] = sortKey{hi: bits.ReverseBytes64(k.k0), lo: bits.ReverseBytes64(k.k1), i: int32(i)}
	}
	keys = sortIDKeys(keys, func(k sortKey) string { return aggs[k.i].id })
	out := make([]custAgg, len(aggs))
	for j, k := range keys {
		out[j] = aggs[k.i]
	}
	return out
}

// radixSort sorts keys by (hi, lo), stably: a least-significant-digit
// radix sort, a byte at a time, that skips the bytes all keys share (with
// 10⁶ customer IDs of a few distinct characters, most of them). It may
// return a different slice of the same length. With 10⁶ keys it is several
// times faster than a comparison sort, whose comparisons cannot be
// predicted.
func radixSort(keys []sortKey) []sortKey {
	n := len(keys)
	if n < 512 {
		slices.SortStableFunc(keys, cmpSortKey)
		return keys
	}
	var counts [16][256]int
	for k := range keys {
		lo, hi := keys[k].lo, keys[k].hi
		for d := range 8 {
			counts[d][byte(lo>>(8*d))]++
			counts[8+d][byte(hi>>(8*d))]++
		}
	}
	src, dst := keys, make([]sortKey, n)
	for d := range 16 {
		word := func(k *sortKey) uint64 {
			if d < 8 {
				return k.lo
			}
			return k.hi
		}
		shift := 8 * uint(d%8)
		c := &counts[d]
		if c[byte(word(&src[0])>>shift)] == n {
			continue // every key has this byte
		}
		sum := 0
		for v := range c {
			c[v], sum = sum, sum+c[v]
		}
		if d < 8 {
			for _, k := range src {
				v := byte(k.lo >> shift)
				dst[c[v]] = k
				c[v]++
			}
		} else {
			for _, k := range src {
				v := byte(k.hi >> shift)
				dst[c[v]] = k
				c[v]++
			}
		}
		src, dst = dst, src
	}
	return src
}
