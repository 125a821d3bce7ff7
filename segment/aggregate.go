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
// customer, however many orders.
type custAgg struct {
	id       string
	last     time.Time
	orders   int
	revenue  moneySum
	quantity float64
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
		if o.Time.After(a.last) {
			a.last = o.Time
		}
		a.revenue.add(o.Amount)
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
