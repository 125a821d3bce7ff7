package segment

import (
	"cmp"
	"context"
	"hash/maphash"
	"iter"
	"runtime"
	"slices"
	"sync"
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
// once it cannot.
type custAgg struct {
	id       string
	lastSec  int64
	lastNsec int32
	set      bool
	exp      int32
	orders   int
	coef     int64
	wide     *decimal.Decimal
	quantity float64
}

func (a *custAgg) last() time.Time { return time.Unix(a.lastSec, int64(a.lastNsec)).UTC() }

func (a *custAgg) addAmount(v decimal.Decimal) {
	if a.wide == nil && v.NumDigits() <= 18 {
		c, e := v.CoefficientInt64(), v.Exponent()
		if !a.set {
			a.coef, a.exp, a.set = c, e, true
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
		w := a.revenue()
		a.wide = &w
	}
	*a.wide = a.wide.Add(v)
}

func (a *custAgg) revenue() decimal.Decimal {
	switch {
	case a.wide != nil:
		return *a.wide
	case a.set:
		return decimal.New(a.coef, a.exp)
	}
	return decimal.Zero
}

// aggShard holds the aggregates of the customers routed to one worker.
type aggShard struct {
	idx  map[string]int32
	aggs []custAgg
}

func (sh *aggShard) add(o *customer.Order) {
	k, ok := sh.idx[o.CustomerID]
	if !ok {
		k = int32(len(sh.aggs))
		sh.idx[o.CustomerID] = k
		sh.aggs = append(sh.aggs, custAgg{id: o.CustomerID})
	}
	a := &sh.aggs[k]
	a.orders++
	sec, nsec := o.Time.Unix(), int32(o.Time.Nanosecond())
	if a.orders == 1 || sec > a.lastSec || (sec == a.lastSec && nsec > a.lastNsec) {
		a.lastSec, a.lastNsec = sec, nsec
	}
	a.addAmount(o.Amount)
	a.quantity += o.Quantity
}

const aggBatch = 1024

// aggregate reads orders into per-customer aggregates, sorted by customer
// ID. Orders before from are skipped (from zero: none); orders after asOf
// are an error when strictAsOf, skipped otherwise (a window end).
//
// The reading goroutine validates every order in stream order (so the
// first bad order is the one reported) and routes it by a hash of its
// customer ID to one of GOMAXPROCS workers, each owning its customers'
// aggregates; a customer's orders reach its worker in stream order, so the
// result does not depend on scheduling.
func aggregate(ctx context.Context, orders iter.Seq2[customer.Order, error], from, asOf time.Time, strictAsOf bool, asOfName string) ([]custAgg, error) {
	workers := runtime.GOMAXPROCS(0)
	shards := make([]aggShard, workers)
	for i := range shards {
		shards[i].idx = make(map[string]int32)
	}
	var (
		chans   []chan []customer.Order
		free    chan []customer.Order
		batches [][]customer.Order
		wg      sync.WaitGroup
		seed    = maphash.MakeSeed()
	)
	if workers > 1 {
		chans = make([]chan []customer.Order, workers)
		free = make(chan []customer.Order, 4*workers)
		batches = make([][]customer.Order, workers)
		for w := range workers {
			chans[w] = make(chan []customer.Order, 4)
			wg.Add(1)
			go func() {
				defer wg.Done()
				for b := range chans[w] {
					for i := range b {
						shards[w].add(&b[i])
					}
					select {
					case free <- b[:0]:
					default:
					}
				}
			}()
		}
	}
	stop := func() {
		for w, c := range chans {
			if len(batches[w]) > 0 {
				c <- batches[w]
			}
			close(c)
		}
		wg.Wait()
	}
	currency, i := "", 0
	for o, err := range orders {
		if err == nil && i&4095 == 0 {
			err = ctx.Err()
		}
		if err == nil {
			err = checkOrder(o, i)
		}
		if err == nil && i > 0 && o.Currency != currency {
			err = crmkit.Errorf("order", i, o.ID, "currency", crmkit.ErrCurrency, "%q after %q", o.Currency, currency)
		}
		if err == nil && badFloat(o.Quantity) {
			err = crmkit.Errorf("order", i, o.ID, "quantity", crmkit.ErrInvalid, "%v", o.Quantity)
		}
		if err == nil && strictAsOf && o.Time.After(asOf) {
			err = crmkit.Errorf("order", i, o.ID, "time", crmkit.ErrFuture, "%v after %s %v", o.Time, asOfName, asOf)
		}
		if err != nil {
			stop()
			return nil, err
		}
		if i == 0 {
			currency = o.Currency
		}
		i++
		if !o.Time.Before(asOf) && !strictAsOf || (!from.IsZero() && o.Time.Before(from)) {
			continue // outside the window [from, asOf)
		}
		if workers == 1 {
			shards[0].add(&o)
			continue
		}
		w := int(maphash.String(seed, o.CustomerID) % uint64(workers))
		if batches[w] == nil {
			select {
			case b := <-free:
				batches[w] = b
			default:
				batches[w] = make([]customer.Order, 0, aggBatch)
			}
		}
		batches[w] = append(batches[w], o)
		if len(batches[w]) == aggBatch {
			chans[w] <- batches[w]
			batches[w] = nil
		}
	}
	if workers > 1 {
		stop()
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
		all = append(all, sh.aggs...)
	}
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
