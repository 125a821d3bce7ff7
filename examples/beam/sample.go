package crmbeam

import (
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/crmkit/crmkit/customer"
	"github.com/crmkit/crmkit/funnel"
	"github.com/shopspring/decimal"
)

// Seeded sample data for the tests, the benchmark and the command's -gen
// flag. The same seed gives the same records.

// SampleOrders returns orders of n customers between start and asOf in
// currency "EUR": each customer buys at a Gamma-distributed rate until a
// geometric dropout (the BG/NBD story), spending around a personal mean.
func SampleOrders(seed uint64, n int, start, asOf time.Time) []customer.Order {
	rng := rand.New(rand.NewPCG(seed, 0x5eed))
	span := asOf.Sub(start)
	var out []customer.Order
	for c := range n {
		id := fmt.Sprintf("C%06d", c)
		t := start.Add(time.Duration(rng.Float64() * 0.8 * float64(span))).Truncate(time.Minute)
		rate := gammaSample(rng, 0.8, 1/0.25) / 7 // purchases per day
		pDrop := 0.05 + 0.4*rng.Float64()
		mean := 20 + 80*rng.Float64()
		for k := 0; ; k++ {
			amt := math.Max(1, mean*(0.5+rng.Float64()))
			out = append(out, customer.Order{ID: fmt.Sprintf("%s-%d", id, k), CustomerID: id, Time: t,
				Amount: decimal.NewFromFloat(amt).Round(2), Currency: "EUR"})
			if rng.Float64() < pDrop || rate <= 0 {
				break
			}
			t = t.Add(time.Duration(rng.ExpFloat64() / rate * float64(24*time.Hour))).Truncate(time.Minute)
			if t.After(asOf) {
				break
			}
		}
	}
	return out
}

// gammaSample draws Gamma(shape, scale) by Marsaglia and Tsang.
func gammaSample(rng *rand.Rand, shape, scale float64) float64 {
	if shape < 1 {
		return gammaSample(rng, shape+1, scale) * math.Pow(rng.Float64(), 1/shape)
	}
	d := shape - 1.0/3
	c := 1 / math.Sqrt(9*d)
	for {
		x := rng.NormFloat64()
		v := 1 + c*x
		if v <= 0 {
			continue
		}
		v = v * v * v
		if u := rng.Float64(); math.Log(u) < 0.5*x*x+d-d*v+d*math.Log(v) {
			return d * v * scale
		}
	}
}

// OrderCSV formats an order as a CSV line of the customer-value input.
func OrderCSV(o customer.Order) string {
	return fmt.Sprintf("%s,%s,%s,%s,%s", o.ID, o.CustomerID, o.Time.Format(time.RFC3339), o.Amount.String(), o.Currency)
}

// SalesRecord is one sale of the forecasting input: an amount for a series
// key (product, region, rep, or a combination) at a time.
type SalesRecord struct {
	Series string    `json:"series"`
	Time   time.Time `json:"time"`
	Amount float64   `json:"amount"`
}

// SampleSales returns sales for n series over the months from start to
// asOf: a level, a trend and a yearly season per series, several sales a
// month.
func SampleSales(seed uint64, n int, start, asOf time.Time) []SalesRecord {
	rng := rand.New(rand.NewPCG(seed, 0x5a1e))
	var out []SalesRecord
	for k := range n {
		key := fmt.Sprintf("P%03d/%s", k, []string{"north", "south", "east", "west"}[k%4])
		level := 100 + 900*rng.Float64()
		trend := (rng.Float64() - 0.3) * 0.01
		amp := 0.3 * rng.Float64()
		phase := rng.Float64() * 2 * math.Pi
		i := 0
		for m := start; m.Before(asOf); m = m.AddDate(0, 1, 0) {
			total := level * (1 + trend*float64(i)) * (1 + amp*math.Sin(2*math.Pi*float64(i)/12+phase)) * (1 + 0.1*rng.NormFloat64())
			parts := 1 + rng.IntN(4)
			for p := range parts {
				t := m.Add(time.Duration(rng.Float64() * float64(m.AddDate(0, 1, 0).Sub(m)))).Truncate(time.Second)
				if !t.Before(asOf) {
					t = asOf.Add(-time.Duration(p+1) * time.Second)
				}
				out = append(out, SalesRecord{Series: key, Time: t, Amount: math.Round(math.Max(total, 0)/float64(parts)*100) / 100})
			}
			i++
		}
	}
	return out
}

// SamplePipeline is the sales pipeline of [SampleDeals].
func SamplePipeline() funnel.Pipeline {
	return funnel.Pipeline{ID: "sales", Stages: []funnel.Stage{
		{ID: "lead", Probability: 0.1, Kind: funnel.StageOpen, StaleDays: 30},
		{ID: "qualified", Probability: 0.3, Kind: funnel.StageOpen, StaleDays: 30},
		{ID: "proposal", Probability: 0.6, Kind: funnel.StageOpen, StaleDays: 21},
		{ID: "won", Probability: 1, Kind: funnel.StageWon},
		{ID: "lost", Probability: 0, Kind: funnel.StageLost},
	}}
}

// SampleDeals returns n deals of [SamplePipeline] created between start and
// asOf and their stage changes, with reps, handovers and lost reasons.
func SampleDeals(seed uint64, n int, start, asOf time.Time) ([]funnel.Deal, []funnel.StageChange) {
	rng := rand.New(rand.NewPCG(seed, 0xdea1))
	reps := []string{"ann", "ben", "cat", "dan"}
	open := []string{"lead", "qualified", "proposal"}
	span := asOf.Sub(start)
	var deals []funnel.Deal
	var changes []funnel.StageChange
	for i := range n {
		created := start.Add(time.Duration(rng.Float64() * 0.95 * float64(span))).Truncate(time.Second)
		d := funnel.Deal{ID: fmt.Sprintf("D%06d", i), Pipeline: "sales", Owner: reps[rng.IntN(len(reps))],
			Amount: decimal.NewFromInt(int64(500 + rng.IntN(20000))), Currency: "EUR", Created: created}
		stage, pos, t := "lead", 0, created
		for {
			t = t.Add(time.Duration(1+rng.Int64N(20*24*3600)) * time.Second)
			if t.After(asOf) {
				break
			}
			var to string
			switch u := rng.Float64(); {
			case u < 0.2:
				to = "lost"
			case pos == len(open)-1 && u < 0.7:
				to = "won"
			case pos < len(open)-1:
				to = open[pos+1]
			default:
				to = "won"
			}
			c := funnel.StageChange{DealID: d.ID, From: stage, To: to, Time: t}
			if rng.IntN(8) == 0 {
				c.Owner = reps[rng.IntN(len(reps))]
			}
			changes = append(changes, c)
			stage = to
			if to == "won" || to == "lost" {
				d.Closed = t
				if to == "lost" {
					d.LostReason = []string{"price", "timing", "competitor"}[rng.IntN(3)]
				}
				break
			}
			pos++
		}
		d.Stage = stage
		deals = append(deals, d)
	}
	return deals, changes
}
