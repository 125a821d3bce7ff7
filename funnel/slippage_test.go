package funnel

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/crmkit/crmkit"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/shopspring/decimal"
)

func TestSlippageRecovers(t *testing.T) {
	// Won deals close Uniform(−5, 55) days after their first expected date;
	// 70 % of deals have their date moved once, always later. The learned
	// delay quantiles must match the uniform's (median 25, p75 40, p90 49)
	// within 4 SE of an order statistic (about ±1.5 days at n≈2400), and
	// the shares within ±0.03.
	r := rand.New(rand.NewPCG(3, 3))
	var hist []History
	for i := range 6000 {
		id := fmt.Sprintf("S%d", i)
		created := pipeGenStart.Add(time.Duration(r.IntN(300)) * pipeDay)
		first := created.Add(time.Duration(10+r.IntN(30)) * pipeDay)
		delay := time.Duration((-5 + 60*r.Float64()) * float64(pipeDay))
		closed := first.Add(delay)
		if closed.Before(created) {
			closed = created
		}
		end := "lost"
		if r.Float64() < 0.4 {
			end = "won"
		}
		h := History{Deal: Deal{ID: id, Pipeline: "P", Amount: decimal.NewFromInt(1000), Created: created, Stage: end, Closed: closed, ExpectedClose: first},
			Changes: []StageChange{{DealID: id, From: "lead", To: end, Time: closed}}}
		if r.Float64() < 0.7 {
			h.Deal.ExpectedClose = first.Add(10 * pipeDay)
			h.CloseDates = []CloseDateChange{{DealID: id, Time: created.Add(pipeDay), From: first, To: h.Deal.ExpectedClose}}
		}
		hist = append(hist, h)
	}
	s, err := FitSlippage(context.Background(), []Pipeline{pipeGenPipeline}, crmkit.Stream(hist), &SlippageOptions{AsOf: pipeGenAsOf})
	if err != nil {
		t.Fatal(err)
	}
	got := []float64{s.DelayDays.Median, s.DelayDays.P75, s.DelayDays.P90}
	want := []float64{25, 40, 49}
	if d := cmp.Diff(want, got, cmpopts.EquateApprox(0, 1.5)); d != "" {
		t.Errorf("delay quantiles (-want +got):\n%s", d)
	}
	if math.Abs(s.MovedShare-0.7) > 0.03 || math.Abs(s.PushedShare-0.7) > 0.03 || s.Deals != 6000 {
		t.Errorf("moved %.3f pushed %.3f deals %d; want 0.7, 0.7, 6000", s.MovedShare, s.PushedShare, s.Deals)
	}
}

func TestSlippagePlace(t *testing.T) {
	// Delays {0, 10, 20, 30} days; periods are months from 1 March.
	bounds := []time.Time{time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC), time.Date(2025, 4, 1, 0, 0, 0, 0, time.UTC), time.Date(2025, 5, 1, 0, 0, 0, 0, time.UTC)}
	s := &Slippage{delays: []float64{0, 10, 20, 30}}
	day := func(m, d int) time.Time { return time.Date(2025, time.Month(m), d, 0, 0, 0, 0, time.UTC) }
	tests := []struct {
		name, reason   string
		s              *Slippage
		expected, asOf time.Time
		want           []float64
	}{
		{"spread", "expected 15 March: closes 15, 25 March, 4, 14 April", s, day(3, 15), day(3, 1), []float64{0.5, 0.5}},
		{"overdue", "expected 1 March, now 15 March: delays 0 and 10 are ruled out, 20 and 30 land on 21 and 31 March", s, day(3, 1), day(3, 15), []float64{1, 0}},
		{"beyond", "expected 20 April: 30 days lands in May, outside", s, day(4, 20), day(3, 1), []float64{0, 0.5}},
		{"nil", "no model: at the expected date", nil, day(4, 2), day(3, 1), []float64{0, 1}},
		{"nil overdue", "no model, overdue: now", nil, day(2, 2), day(3, 5), []float64{1, 0}},
		{"all past", "every delay ruled out: now", s, day(1, 1), day(3, 5), []float64{1, 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := make([]float64, 2)
			tt.s.place(tt.expected, tt.asOf, bounds, got)
			if d := cmp.Diff(tt.want, got, cmpopts.EquateApprox(0, 1e-12)); d != "" {
				t.Errorf("%s (-want +got):\n%s", tt.reason, d)
			}
		})
	}
}

func TestCapacityHand(t *testing.T) {
	// Three open deals expected this month, win probabilities 0.6 (propose)
	// and 0.1, 0.1 (lead), units 2, 1, 1 (attribute "units"); capacity 2.
	// P(units > 2) by hand: the propose deal wins and at least one lead
	// deal wins: 0.6 × (1 − 0.9²) = 0.114. Expected units 1.2 + 0.2 = 1.4.
	at := func(d int) time.Time { return pipeFAsOf.Add(time.Duration(d) * pipeDay) }
	mk := func(id, stage, units string) History {
		h := History{Deal: Deal{ID: id, Pipeline: "P", Owner: "rep0", Amount: decimal.NewFromInt(100), Created: at(-20), Stage: stage, ExpectedClose: at(3),
			Attributes: map[string]string{"units": units}}}
		if stage != "lead" {
			h.Changes = []StageChange{{DealID: id, From: "lead", To: stage, Time: at(-5)}}
		}
		return h
	}
	hist := []History{mk("A", "propose", "2"), mk("B", "lead", "1"), mk("C", "lead", "1")}
	capFn := CapacityFunc(func(team string, s, e time.Time) (float64, error) { return 2, nil })
	out, err := CheckCapacity(context.Background(), []Pipeline{pipeGenPipeline}, crmkit.Stream(hist), capFn, &CapacityOptions{Units: "units", Forecast: ForecastOptions{AsOf: pipeFAsOf, Periods: 1}})
	if err != nil {
		t.Fatal(err)
	}
	if len(out) != 1 {
		t.Fatalf("%d rows, want 1", len(out))
	}
	if got := out[0]; math.Abs(got.PExceed-0.114) > 1e-12 || math.Abs(got.ExpectedUnits-1.4) > 1e-9 || got.Method != MethodExact {
		t.Errorf("got %+v; want P(exceed) 0.114, expected 1.4, exact", got)
	}
	// A capacity function that fails or returns NaN is an error.
	bad := CapacityFunc(func(string, time.Time, time.Time) (float64, error) { return math.NaN(), nil })
	if _, err := CheckCapacity(context.Background(), []Pipeline{pipeGenPipeline}, crmkit.Stream(hist), bad, &CapacityOptions{Forecast: ForecastOptions{AsOf: pipeFAsOf}}); err == nil {
		t.Error("NaN capacity must be an error")
	}
}

func TestCombineOutlookErrors(t *testing.T) {
	hist := pipeOpenDeals(1, 5, 1, false)
	f, err := ForecastPipeline(context.Background(), []Pipeline{pipeGenPipeline}, crmkit.Stream(hist), &ForecastOptions{AsOf: pipeFAsOf, Periods: 2})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := CombineOutlook(f, pipeFuzzModel{}); err == nil {
		t.Error("a NaN run-rate forecast must be an error")
	}
	if _, err := CombineOutlook(nil, pipeFuzzModel{}); err == nil {
		t.Error("nil forecast must be an error")
	}
}
