package samplebook

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/crmkit/crmkit/funnel"
	"github.com/shopspring/decimal"
)

// Pipeline is the sample sales pipeline.
var Pipeline = funnel.Pipeline{ID: "sales", Name: "New business", Stages: []funnel.Stage{
	{ID: "lead", Name: "Lead", Probability: 0.1, Kind: funnel.StageOpen, StaleDays: 14},
	{ID: "qualified", Name: "Qualified", Probability: 0.25, Kind: funnel.StageOpen, StaleDays: 21},
	{ID: "proposal", Name: "Proposal", Probability: 0.5, Kind: funnel.StageOpen, StaleDays: 21},
	{ID: "negotiation", Name: "Negotiation", Probability: 0.75, Kind: funnel.StageOpen, StaleDays: 14},
	{ID: "won", Name: "Won", Probability: 1, Kind: funnel.StageWon},
	{ID: "lost", Name: "Lost", Probability: 0, Kind: funnel.StageLost},
}}

// deals draws two deals per customer on average, moving through the pipeline
// with fixed per-stage advance rates (lead 0.6, qualified 0.7, proposal 0.6,
// negotiation 0.7), except that the second rep advances proposals at 0.25.
func (b *Book) deals(rng *rand.Rand, start time.Time) {
	b.Pipelines = []funnel.Pipeline{Pipeline}
	b.WeakRep = b.Reps[1]
	advance := []float64{0.6, 0.7, 0.6, 0.7}
	open := []string{"lead", "qualified", "proposal", "negotiation"}
	for i := range 2 * len(b.Customers) {
		c := b.Customers[rng.IntN(len(b.Customers))]
		owner := b.Reps[rng.IntN(len(b.Reps))]
		created := start.Add(time.Duration(rng.Float64() * float64(b.AsOf.Sub(start))))
		d := funnel.Deal{ID: fmt.Sprintf("D%05d", i+1), Pipeline: Pipeline.ID, CustomerID: c.ID, Owner: owner,
			Amount: decimal.NewFromInt(int64(5000 + rng.IntN(40)*2500)), Currency: b.Currency, Created: created,
			ExpectedClose: created.AddDate(0, 2, 0), Stage: "lead"}
		t := created
		for s := range open {
			t = t.Add(time.Duration((2 + rng.ExpFloat64()*12) * 24 * float64(time.Hour)))
			if !t.Before(b.AsOf) {
				break // still open
			}
			p := advance[s]
			if owner == b.WeakRep && open[s] == "proposal" {
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
