// Package samplebook generates a realistic sample CRM book with a fixed seed:
// customers with levels, tags and birthdays, seasonal orders, interactions,
// deals moving through a pipeline with one rep weaker at one stage. The
// examples and their tests share it; the same Options give the same book.
package samplebook

import (
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/crmkit/crmkit/customer"
	"github.com/crmkit/crmkit/funnel"
	"github.com/shopspring/decimal"
)

// Options size the book. The zero value means 500 customers, 5 reps, three
// years of history ending at AsOf (default 2026-06-30), seed 1.
type Options struct {
	Customers int
	Reps      int
	Years     int
	AsOf      time.Time
	Seed      uint64
}

// Book is the generated data.
type Book struct {
	AsOf         time.Time
	Reps         []string
	Customers    []customer.Customer
	Orders       []customer.Order
	Interactions []customer.Interaction
	Pipelines    []funnel.Pipeline
	Deals        []funnel.Deal
	StageChanges []funnel.StageChange // grouped by deal, in time order
}

// Pipeline is the sample sales pipeline.
var Pipeline = funnel.Pipeline{ID: "sales", Name: "New business", Stages: []funnel.Stage{
	{ID: "lead", Name: "Lead", Probability: 0.1, Kind: funnel.StageOpen, StaleDays: 14},
	{ID: "qualified", Name: "Qualified", Probability: 0.25, Kind: funnel.StageOpen, StaleDays: 21},
	{ID: "proposal", Name: "Proposal", Probability: 0.5, Kind: funnel.StageOpen, StaleDays: 21},
	{ID: "negotiation", Name: "Negotiation", Probability: 0.75, Kind: funnel.StageOpen, StaleDays: 14},
	{ID: "won", Name: "Won", Probability: 1, Kind: funnel.StageWon},
	{ID: "lost", Name: "Lost", Probability: 0, Kind: funnel.StageLost},
}}

var (
	surnames = []string{"Wang", "Li", "Zhang", "Smith", "García", "Müller", "Chen", "Liu", "Johnson", "Rossi", "Kim", "Nguyen"}
	given    = []string{"Wei", "Fang", "Anna", "James", "María", "Lukas", "Jing", "Tao", "Emily", "Marco", "Min", "Linh"}
	products = []string{"starter", "pro", "enterprise", "support", "training"}
	sources  = []string{"web", "referral", "event", "partner", "cold-call"}
	channels = []string{"call", "email", "visit", "chat"}
)

// New generates a book.
func New(o Options) *Book {
	if o.Customers <= 0 {
		o.Customers = 500
	}
	if o.Reps <= 0 {
		o.Reps = 5
	}
	if o.Years <= 0 {
		o.Years = 3
	}
	if o.AsOf.IsZero() {
		o.AsOf = time.Date(2026, 6, 30, 18, 0, 0, 0, time.UTC)
	}
	if o.Seed == 0 {
		o.Seed = 1
	}
	rng := rand.New(rand.NewPCG(o.Seed, 0x5eed))
	b := &Book{AsOf: o.AsOf, Pipelines: []funnel.Pipeline{Pipeline}}
	for i := range o.Reps {
		b.Reps = append(b.Reps, fmt.Sprintf("rep%d", i+1))
	}
	start := o.AsOf.AddDate(-o.Years, 0, 0)
	span := o.AsOf.Sub(start)
	for i := range o.Customers {
		created := start.Add(time.Duration(rng.Float64() * float64(span)))
		c := customer.Customer{
			ID:      fmt.Sprintf("C%05d", i+1),
			Name:    surnames[rng.IntN(len(surnames))] + " " + given[rng.IntN(len(given))],
			Owner:   b.Reps[rng.IntN(len(b.Reps))],
			Created: created,
			Level:   []string{"A", "B", "B", "C", "C", "C"}[rng.IntN(6)],
			Source:  sources[rng.IntN(len(sources))],
			Phone:   fmt.Sprintf("+86 138 %04d %04d", rng.IntN(10000), rng.IntN(10000)),
			Email:   fmt.Sprintf("customer%d@example.com", i+1),
		}
		if rng.IntN(10) == 0 {
			c.Owner = "" // in the shared pool
		}
		if rng.IntN(3) == 0 {
			c.Birthday = customer.Birthday{Calendar: customer.Gregorian, Year: 1960 + rng.IntN(40), Month: 1 + rng.IntN(12), Day: 1 + rng.IntN(28)}
		} else if rng.IntN(4) == 0 {
			c.Birthday = customer.Birthday{Calendar: customer.Lunar, Month: 1 + rng.IntN(12), Day: 1 + rng.IntN(29)}
		}
		if rng.IntN(5) == 0 {
			c.Tags = []string{"north"}
		}
		if c.Source == "referral" && i > 0 {
			c.ReferredBy = b.Customers[rng.IntN(i)].ID
		}
		b.Customers = append(b.Customers, c)
		b.orders(rng, c)
		b.interactions(rng, c)
	}
	b.deals(rng, start)
	return b
}

// orders draws a customer's purchases: a customer-specific rate and spend,
// a chance to lapse after each purchase, and a December peak.
func (b *Book) orders(rng *rand.Rand, c customer.Customer) {
	rate := rng.ExpFloat64() * 1.5 / 30 // purchases per day while active
	spend := 40 + rng.ExpFloat64()*250
	// Customers differ in how likely they are to lapse after a purchase
	// (mean about 0.09), as the BG/NBD model assumes.
	lapse := math.Pow(rng.Float64(), 3) * 0.35
	t := c.Created
	for n := 0; ; n++ {
		season := 1 + 0.6*math.Cos(2*math.Pi*float64(t.YearDay()-350)/365)
		amt := spend * season * (0.6 + 0.8*rng.Float64())
		b.Orders = append(b.Orders, customer.Order{
			ID: fmt.Sprintf("%s-O%03d", c.ID, n+1), CustomerID: c.ID, Time: t,
			Amount: decimal.NewFromFloat(amt).Round(2), Currency: "USD",
			Quantity: float64(1 + rng.IntN(3)), Product: products[rng.IntN(len(products))],
		})
		if rng.Float64() < lapse {
			return
		}
		gap := rng.ExpFloat64() / rate // days; can be huge for a slow buyer
		if gap >= b.AsOf.Sub(t).Hours()/24 {
			return
		}
		t = t.Add(time.Duration(gap * 24 * float64(time.Hour)))
	}
}

func (b *Book) interactions(rng *rand.Rand, c customer.Customer) {
	t := c.Created
	for n := 0; n < 8; n++ {
		t = t.Add(time.Duration(5+rng.IntN(60)) * 24 * time.Hour)
		if t.After(b.AsOf) {
			return
		}
		in := customer.Interaction{ID: fmt.Sprintf("%s-I%02d", c.ID, n+1), CustomerID: c.ID, Rep: c.Owner, Time: t, Channel: channels[rng.IntN(len(channels))]}
		if rng.IntN(2) == 0 {
			in.NextContact = t.AddDate(0, 0, 7+rng.IntN(30))
		}
		b.Interactions = append(b.Interactions, in)
	}
}

// deals moves deals through the pipeline with fixed per-stage advance rates;
// rep2 advances proposals far less often, the weakness the funnel report's
// rep diagnostics should find.
func (b *Book) deals(rng *rand.Rand, start time.Time) {
	advance := []float64{0.6, 0.7, 0.6, 0.7} // lead→qualified→proposal→negotiation→won
	open := []string{"lead", "qualified", "proposal", "negotiation"}
	n := len(b.Customers) * 2
	for i := range n {
		c := b.Customers[rng.IntN(len(b.Customers))]
		owner := b.Reps[rng.IntN(len(b.Reps))]
		created := start.Add(time.Duration(rng.Float64() * float64(b.AsOf.Sub(start))))
		d := funnel.Deal{ID: fmt.Sprintf("D%05d", i+1), Pipeline: Pipeline.ID, CustomerID: c.ID, Owner: owner,
			Amount: decimal.NewFromInt(int64(500 + rng.IntN(20)*250)), Currency: "USD", Created: created,
			ExpectedClose: created.AddDate(0, 2, 0), Stage: "lead"}
		t := created
		for s := 0; s < len(open); s++ {
			t = t.Add(time.Duration(2+rng.ExpFloat64()*12) * 24 * time.Hour)
			if t.After(b.AsOf) {
				break // still open
			}
			p := advance[s]
			if owner == "rep2" && open[s] == "proposal" {
				p = 0.25
			}
			to := "lost"
			if rng.Float64() < p {
				to = "won"
				if s+1 < len(open) {
					to = open[s+1]
				}
			}
			b.StageChanges = append(b.StageChanges, funnel.StageChange{DealID: d.ID, From: d.Stage, To: to, Time: t, Owner: owner})
			d.Stage = to
			if to == "won" || to == "lost" {
				d.Closed = t
				if to == "lost" {
					d.LostReason = []string{"price", "competitor", "no budget", "timing"}[rng.IntN(4)]
				}
				break
			}
		}
		b.Deals = append(b.Deals, d)
	}
}
