// Package samplebook generates a realistic customer book from a fixed seed,
// for the example programs: customers of several levels and sources (some
// referred by others, some with lunar birthdays), orders whose volume
// follows the seasons of a Chinese B2B/B2C year, follow-up interactions,
// and — on purpose — a handful of duplicate customers and dirty records,
// so that the data-quality and duplicate reports have something to find.
//
// The same Options always give the same book.
package samplebook

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/crmkit/crmkit/customer"
	"github.com/crmkit/crmkit/funnel"
	"github.com/shopspring/decimal"
)

// Options sizes the book. The zero value means the defaults on each field.
type Options struct {
	// Seed seeds the generator; the same seed gives the same book.
	Seed uint64
	// Customers is the number of distinct customers; 0 means 400.
	Customers int
	// AsOf is the book's "now"; the zero time means 2026-06-30 18:00 in
	// Asia/Shanghai (UTC+8). Orders cover the two years before it.
	AsOf time.Time
	// Currency of every clean order; "" means "CNY".
	Currency string
	// Clean leaves out the planted duplicates and dirty records.
	Clean bool
	// Years of history before AsOf; 0 means 2.
	Years int
}

// Book is a generated book. Records are sorted by time within each slice
// (customers by created time).
type Book struct {
	AsOf         time.Time
	Currency     string
	Customers    []customer.Customer
	Orders       []customer.Order
	Interactions []customer.Interaction
	// Reps are the sales reps that own customers.
	Reps []string
	// Planted lists, for each planted problem, the record and what is wrong
	// (empty when Options.Clean).
	Planted []Planted
	// Duplicates lists planted duplicate customers as [original, copy] IDs.
	Duplicates [][2]string
	// Pipelines, Deals and StageChanges are the sales pipeline: deals of the
	// book's customers moving through [Pipeline], the changes grouped by
	// deal in time order. WeakRep advances proposals far less often than the
	// others, the weakness the funnel report's rep diagnostics should find.
	Pipelines    []funnel.Pipeline
	Deals        []funnel.Deal
	StageChanges []funnel.StageChange
	WeakRep      string
}

// Planted is one deliberately dirty record.
type Planted struct {
	Kind, ID, Field, Problem string
}

// Seasonality is the relative order volume per month (January first): the
// run-up to Spring Festival, a quiet festival month, the mid-year "618" sale,
// a summer dip and the "Double 11" peak in November. Mean 1.
var Seasonality = [12]float64{1.25, 0.70, 0.95, 0.95, 1.00, 1.20, 0.85, 0.80, 0.95, 1.05, 1.40, 0.90}

var (
	surnames = []rune("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘")
	given    = []rune("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红玲芬燕彬斌宇浩凯健俊")
	first    = []string{"Anna", "Ben", "Chloe", "David", "Emma", "Felix", "Grace", "Henry", "Iris", "Jack", "Kate", "Leo", "Mia", "Noah", "Olivia", "Peter"}
	last     = []string{"Smith", "Müller", "Brown", "Garcia", "Rossi", "Dubois", "Novak", "Jensen", "Kowalski", "Silva", "Tanaka", "Ivanova"}
	firms    = []string{"华为", "星辰", "蓝海", "远航", "恒通", "嘉禾", "新锐", "宏图", "金桥", "瑞丰"}
	cities   = []string{"北京", "上海", "深圳", "杭州", "成都", "苏州"}
	trades   = []string{"科技", "贸易", "电子", "物流", "食品", "建材"}
	products = []string{"standard", "premium", "service", "spare parts"}
	channels = []string{"call", "visit", "wechat", "email"}
)

// New generates a book.
func New(opts Options) *Book {
	if opts.Customers <= 0 {
		opts.Customers = 400
	}
	if opts.AsOf.IsZero() {
		opts.AsOf = time.Date(2026, 6, 30, 18, 0, 0, 0, time.FixedZone("CST", 8*3600))
	}
	if opts.Currency == "" {
		opts.Currency = "CNY"
	}
	rng := rand.New(rand.NewPCG(opts.Seed, 0x5eed))
	b := &Book{AsOf: opts.AsOf, Currency: opts.Currency, Reps: []string{"rep-li", "rep-wang", "rep-chen", "rep-smith", "rep-zhou"}}
	if opts.Years <= 0 {
		opts.Years = 2
	}
	start := opts.AsOf.AddDate(-opts.Years, 0, 0)
	span := opts.AsOf.Sub(start)

	type profile struct {
		rate   float64 // orders per year
		ticket float64 // median order amount
		lapse  float64 // chance of never buying again after an order
	}
	profiles := map[string]profile{"A": {14, 4200, 0}, "B": {6, 1500, 0}, "C": {2, 600, 0}}
	sources := []string{"web", "trade fair", "cold call", "referral"}
	prof := make([]profile, opts.Customers)
	for i := range opts.Customers {
		level := "C"
		switch r := rng.Float64(); {
		case r < 0.12:
			level = "A"
		case r < 0.40:
			level = "B"
		}
		created := start.Add(time.Duration(rng.Int64N(int64(span) * 9 / 10)))
		c := customer.Customer{
			ID:      fmt.Sprintf("C%04d", i+1),
			Owner:   b.Reps[rng.IntN(len(b.Reps))],
			Created: created,
			Level:   level,
			Source:  sources[rng.IntN(len(sources))],
		}
		switch rng.IntN(10) {
		case 0, 1, 2: // a company
			c.Name = cities[rng.IntN(len(cities))] + firms[rng.IntN(len(firms))] + trades[rng.IntN(len(trades))] + "有限公司"
			c.Tags = []string{"company"}
		case 3, 4: // a foreign contact
			f, l := first[rng.IntN(len(first))], last[rng.IntN(len(last))]
			c.Name = f + " " + l
			c.Email = fmt.Sprintf("%s.%s%d@example.com", f, l, i+1) // unique: no unplanted duplicates
		default: // a private customer
			name := []rune{surnames[rng.IntN(len(surnames))], given[rng.IntN(len(given))]}
			if rng.IntN(2) == 0 {
				name = append(name, given[rng.IntN(len(given))])
			}
			c.Name = string(name)
			if rng.IntN(3) == 0 {
				c.Birthday = customer.Birthday{Calendar: customer.Lunar, Month: 1 + rng.IntN(12), Day: 1 + rng.IntN(29)}
			} else {
				y, m := 1960+rng.IntN(45), 1+rng.IntN(12)
				c.Birthday = customer.Birthday{Calendar: customer.Gregorian, Year: y, Month: m, Day: 1 + rng.IntN(28)}
			}
		}
		if rng.IntN(10) < 8 {
			c.Phone = fmt.Sprintf("1%d%d %04d %04d", 3+rng.IntN(6), rng.IntN(10), rng.IntN(10000), rng.IntN(10000))
		}
		if c.Source == "referral" && i > 0 {
			c.ReferredBy = b.Customers[rng.IntN(i)].ID
		}
		c.Attributes = map[string]string{"city": cities[rng.IntN(len(cities))]}
		b.Customers = append(b.Customers, c)
		prof[i] = profiles[level]
		// Customers differ in how likely they are to stop buying (mean about
		// 0.06 per order), as the BG/NBD model assumes.
		prof[i].lapse = math.Pow(rng.Float64(), 3) * 0.25
	}

	// Orders: a Poisson process per customer, thinned by the month's
	// seasonality (max 1.4), with log-normal amounts around the level's
	// median ticket.
	const maxSeason = 1.40
	for i, c := range b.Customers {
		p := prof[i]
		t := c.Created
		for {
			gap := rng.ExpFloat64() / (p.rate * maxSeason) * 365.25 * 24
			t = t.Add(time.Duration(gap * float64(time.Hour)))
			if !t.Before(opts.AsOf) {
				break
			}
			if rng.Float64() > Seasonality[t.Month()-1]/maxSeason {
				continue
			}
			amount := p.ticket * math.Exp(0.6*rng.NormFloat64())
			b.Orders = append(b.Orders, customer.Order{
				CustomerID: c.ID, Time: t, Currency: opts.Currency,
				Amount:   decimal.NewFromFloat(amount).Round(2),
				Quantity: float64(1 + rng.IntN(5)), Product: products[rng.IntN(len(products))],
			})
			if rng.Float64() < p.lapse {
				break
			}
		}
		// Follow-ups: every few weeks while the customer is active, more
		// often for higher levels; the last one plans the next contact.
		every := map[string]float64{"A": 14, "B": 30, "C": 75}[c.Level]
		t = c.Created
		for {
			t = t.Add(time.Duration(rng.ExpFloat64() * every * 24 * float64(time.Hour)))
			if !t.Before(opts.AsOf) {
				break
			}
			x := customer.Interaction{CustomerID: c.ID, Rep: c.Owner, Time: t, Channel: channels[rng.IntN(len(channels))], Note: "follow-up"}
			if rng.IntN(3) == 0 {
				x.NextContact = t.AddDate(0, 0, 7+rng.IntN(30))
			}
			b.Interactions = append(b.Interactions, x)
		}
	}
	sortByTime(b.Orders, func(o customer.Order) time.Time { return o.Time })
	sortByTime(b.Interactions, func(x customer.Interaction) time.Time { return x.Time })
	for i := range b.Orders {
		b.Orders[i].ID = fmt.Sprintf("O%06d", i+1)
	}
	for i := range b.Interactions {
		b.Interactions[i].ID = fmt.Sprintf("I%06d", i+1)
	}
	b.deals(rand.New(rand.NewPCG(opts.Seed, 0xdea1)), start)
	if !opts.Clean {
		b.plant(rng)
	}
	return b
}

// plant adds duplicate customers re-entered with other formatting, and one
// record for each kind of problem Validate reports.
func (b *Book) plant(rng *rand.Rand) {
	n := len(b.Customers)
	for k := range 4 {
		orig := b.Customers[rng.IntN(n)]
		for orig.Phone == "" && orig.Email == "" {
			orig = b.Customers[rng.IntN(n)]
		}
		dup := customer.Customer{ID: fmt.Sprintf("C%04d", n+k+1), Name: orig.Name, Owner: b.Reps[rng.IntN(len(b.Reps))],
			Created: b.AsOf.AddDate(0, 0, -rng.IntN(30)-1), Source: "web"}
		if orig.Phone != "" {
			dup.Phone = "+86-" + orig.Phone // the same number, written internationally
		}
		if orig.Email != "" {
			dup.Email = "  " + upper(orig.Email) // the same address, retyped
		}
		b.Customers = append(b.Customers, dup)
		b.Duplicates = append(b.Duplicates, [2]string{orig.ID, dup.ID})
	}
	last := b.Customers[len(b.Customers)-1]
	b.Customers = append(b.Customers,
		customer.Customer{ID: fmt.Sprintf("C%04d", len(b.Customers)+1), Owner: b.Reps[0], Created: b.AsOf.AddDate(0, -1, 0)},
		customer.Customer{ID: fmt.Sprintf("C%04d", len(b.Customers)+2), Name: "赵敏", Owner: b.Reps[1], Created: b.AsOf.AddDate(0, -2, 0),
			Birthday: customer.Birthday{Calendar: customer.Gregorian, Year: 1991, Month: 2, Day: 29}},
	)
	b.Planted = append(b.Planted,
		Planted{"customer", b.Customers[len(b.Customers)-2].ID, "name", "missing"},
		Planted{"customer", b.Customers[len(b.Customers)-1].ID, "birthday", "invalid"},
	)
	next := len(b.Orders) + 1
	b.Orders = append(b.Orders,
		customer.Order{ID: fmt.Sprintf("O%06d", next), CustomerID: last.ID, Time: b.AsOf.AddDate(0, 0, -3), Amount: decimal.RequireFromString("-120.00"), Currency: b.Currency},
		customer.Order{ID: fmt.Sprintf("O%06d", next+1), CustomerID: last.ID, Time: b.AsOf.AddDate(0, 0, -2), Amount: decimal.RequireFromString("99.00"), Currency: "USD"},
		customer.Order{ID: fmt.Sprintf("O%06d", next+2), CustomerID: last.ID, Time: b.AsOf.AddDate(0, 0, 2), Amount: decimal.RequireFromString("300.00"), Currency: b.Currency},
	)
	b.Interactions = append(b.Interactions,
		customer.Interaction{ID: fmt.Sprintf("I%06d", len(b.Interactions)+1), CustomerID: "C9999", Rep: b.Reps[2], Time: b.AsOf.AddDate(0, 0, -1), Channel: "call"})
	b.Planted = append(b.Planted,
		Planted{"order", fmt.Sprintf("O%06d", next), "amount", "invalid"},
		Planted{"order", fmt.Sprintf("O%06d", next+1), "currency", "currency"},
		Planted{"order", fmt.Sprintf("O%06d", next+2), "time", "future"},
		Planted{"interaction", fmt.Sprintf("I%06d", len(b.Interactions)), "customer_id", "unknown_ref"},
	)
}

func upper(s string) string {
	out := []byte(s)
	for i, c := range out {
		if c >= 'a' && c <= 'z' {
			out[i] = c - 'a' + 'A'
		}
	}
	return string(out)
}

// sortByTime sorts records by time, keeping the generation order on ties.
func sortByTime[T any](xs []T, at func(T) time.Time) {
	slices.SortStableFunc(xs, func(a, b T) int { return at(a).Compare(at(b)) })
}
