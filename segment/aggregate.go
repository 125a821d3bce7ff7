package segment

import (
	"cmp"
	"context"
	"iter"
	"slices"
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

// aggregate reads orders into per-customer aggregates, sorted by customer
// ID. Orders before from are skipped (from zero: none); orders after asOf
// are an error when strictAsOf, skipped otherwise (a window end).
func aggregate(ctx context.Context, orders iter.Seq2[customer.Order, error], from, asOf time.Time, strictAsOf bool, asOfName string) ([]custAgg, error) {
	idx := make(map[string]int32)
	var aggs []custAgg
	currency, i := "", 0
	for o, err := range orders {
		if err != nil {
			return nil, err
		}
		if i&4095 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		if err := checkOrder(o, i); err != nil {
			return nil, err
		}
		if i == 0 {
			currency = o.Currency
		} else if o.Currency != currency {
			return nil, crmkit.Errorf("order", i, o.ID, "currency", crmkit.ErrCurrency, "%q after %q", o.Currency, currency)
		}
		if badFloat(o.Quantity) {
			return nil, crmkit.Errorf("order", i, o.ID, "quantity", crmkit.ErrInvalid, "%v", o.Quantity)
		}
		i++
		if o.Time.After(asOf) || (!strictAsOf && o.Time.Equal(asOf)) {
			if strictAsOf {
				return nil, crmkit.Errorf("order", i-1, o.ID, "time", crmkit.ErrFuture, "%v after %s %v", o.Time, asOfName, asOf)
			}
			continue
		}
		if !from.IsZero() && o.Time.Before(from) {
			continue
		}
		k, ok := idx[o.CustomerID]
		if !ok {
			k = int32(len(aggs))
			idx[o.CustomerID] = k
			aggs = append(aggs, custAgg{id: o.CustomerID})
		}
		a := &aggs[k]
		a.orders++
		sec, nsec := o.Time.Unix(), int32(o.Time.Nanosecond())
		if a.orders == 1 || sec > a.lastSec || (sec == a.lastSec && nsec > a.lastNsec) {
			a.lastSec, a.lastNsec = sec, nsec
		}
		a.addAmount(o.Amount)
		a.quantity += o.Quantity
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	// Sort small indices rather than the ~100-byte aggregates.
	order := make([]int32, len(aggs))
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortFunc(order, func(a, b int32) int { return cmp.Compare(aggs[a].id, aggs[b].id) })
	sorted := make([]custAgg, len(aggs))
	for i, k := range order {
		sorted[i] = aggs[k]
	}
	return sorted, nil
}
