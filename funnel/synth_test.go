package funnel

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/shopspring/decimal"
)

// Synthetic deal histories with known generating rates, for the recovery,
// property, merge and fuzz tests.

func fnlSynthPipeline() Pipeline {
	return Pipeline{ID: "syn", Stages: []Stage{
		{ID: "s1", Probability: 0.1, Kind: StageOpen, StaleDays: 30},
		{ID: "s2", Probability: 0.3, Kind: StageOpen, StaleDays: 30},
		{ID: "s3", Probability: 0.5, Kind: StageOpen, StaleDays: 30},
		{ID: "s4", Probability: 0.7, Kind: StageOpen, StaleDays: 30},
		{ID: "won", Probability: 1, Kind: StageWon},
		{ID: "lost", Probability: 0, Kind: StageLost},
	}}
}

type fnlSynthSpec struct {
	seed     uint64
	deals    int
	reps     []string
	weights  []float64             // relative share of deals per rep (nil: equal)
	advance  []float64             // P(advance) at each open stage
	weak     map[string][2]float64 // rep → {stage position, P(advance) there}
	start    time.Time
	asOf     time.Time
	backward float64 // P(a step goes one stage back)
	skip     float64 // P(an advance skips one stage)
	reopen   float64 // P(a closed deal is reopened)
	amounts  float64 // P(a deal has an amount change)
	handover float64 // P(a change is recorded with another owner)
}

func fnlSynth(s fnlSynthSpec) ([]Deal, []StageChange, []AmountChange) {
	rng := rand.New(rand.NewPCG(s.seed, 7))
	p := fnlSynthPipeline()
	nOpen := 4
	var deals []Deal
	var changes []StageChange
	var amounts []AmountChange
	span := s.asOf.Sub(s.start) - 24*time.Hour
	var wsum float64
	for _, w := range s.weights {
		wsum += w
	}
	for i := 0; i < s.deals; i++ {
		rep := s.reps[rng.IntN(len(s.reps))]
		if s.weights != nil {
			u := rng.Float64() * wsum
			for j, w := range s.weights {
				if u < w || j == len(s.weights)-1 {
					rep = s.reps[j]
					break
				}
				u -= w
			}
		}
		created := s.start.Add(time.Duration(rng.Int64N(int64(span)))).Truncate(time.Second)
		amt := decimal.NewFromInt(100 + rng.Int64N(9900))
		if rng.IntN(4) == 0 {
			amt = amt.Add(decimal.New(rng.Int64N(100), -2))
		}
		d := Deal{ID: fmt.Sprintf("D%06d", i), Pipeline: p.ID, Owner: rep, Created: created, Currency: "USD"}
		if rng.IntN(2) == 0 {
			d.ExpectedClose = created.AddDate(0, 2, 0)
		}
		var dealChanges []StageChange
		pos, stage, t := 0, "s1", created
		for {
			t = t.Add(time.Duration(1+rng.Int64N(14*24*3600)) * time.Second)
			if t.After(s.asOf) {
				break
			}
			next := ""
			switch {
			case stage == "won" || stage == "lost":
				if rng.Float64() >= s.reopen {
					break
				}
				next, pos = "s1", 0
			case pos > 0 && rng.Float64() < s.backward:
				pos--
				next = p.Stages[pos].ID
			default:
				adv := s.advance[pos]
				if w, ok := s.weak[rep]; ok && int(w[0]) == pos {
					adv = w[1]
				}
				if rng.Float64() < adv {
					pos++
					if pos+1 < nOpen && rng.Float64() < s.skip {
						pos++
					}
					next = "won"
					if pos < nOpen {
						next = p.Stages[pos].ID
					}
				} else {
					next = "lost"
				}
			}
			if next == "" {
				break
			}
			owner := ""
			if rng.Float64() < s.handover {
				owner = s.reps[rng.IntN(len(s.reps))]
			}
			dealChanges = append(dealChanges, StageChange{DealID: d.ID, From: stage, To: next, Time: t, Owner: owner})
			stage = next
		}
		d.Stage = stage
		if stage == "won" || stage == "lost" {
			d.Closed = dealChanges[len(dealChanges)-1].Time
			if stage == "lost" {
				d.LostReason = []string{"price", "timing", "competitor"}[rng.IntN(3)]
			}
		}
		last := created
		if len(dealChanges) > 0 {
			last = dealChanges[len(dealChanges)-1].Time
		}
		if rng.Float64() < s.amounts {
			at := created.Add(time.Duration(rng.Int64N(int64(last.Sub(created)) + 1)))
			before := decimal.NewFromInt(100 + rng.Int64N(9900))
			amounts = append(amounts, AmountChange{DealID: d.ID, Time: at, From: before, To: amt})
		}
		if rng.IntN(3) == 0 {
			d.LastActivity = last.Add(time.Duration(rng.Int64N(int64(s.asOf.Sub(last)) + 1)))
		}
		d.Amount = amt
		deals = append(deals, d)
		changes = append(changes, dealChanges...)
	}
	return deals, changes, amounts
}
