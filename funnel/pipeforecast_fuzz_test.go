package funnel

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"math"
	"testing"
	"time"

	"github.com/crmkit/crmkit"
	"github.com/crmkit/crmkit/forecast"
	"github.com/shopspring/decimal"
)

// pipeFuzzHistories decodes fuzz bytes into histories with the dirty cases
// the learners and the forecast must survive: unknown stages and pipelines,
// broken chains, changes out of order or after AsOf, closed deals without a
// close time, negative, huge and over-precise amounts, bad numeric and
// category attributes, mixed currencies, missing IDs.
func pipeFuzzHistories(data []byte) []History {
	stages := []string{"lead", "qualify", "propose", "won", "lost", "bogus"}
	base := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	next := func() byte {
		if len(data) == 0 {
			return 0
		}
		b := data[0]
		data = data[1:]
		return b
	}
	var out []History
	for n := 0; len(data) > 0 && n < 40; n++ {
		flags := next()
		id := fmt.Sprintf("D%d", n)
		if flags&1 != 0 {
			id = ""
		}
		d := Deal{ID: id, Pipeline: "P", Owner: []string{"", "rep0", "rep3", "x"}[next()%4],
			Created: base.Add(time.Duration(next()) * 24 * time.Hour), Attributes: map[string]string{}}
		if flags&2 != 0 {
			d.Pipeline = "nope"
		}
		switch a := next(); {
		case a == 255:
			d.Amount = decimal.NewFromInt(-5)
		case a == 254:
			d.Amount = decimal.New(1, -9)
		case a == 253:
			d.Amount = decimal.New(math.MaxInt64, 300)
		default:
			d.Amount = decimal.New(int64(a)*100, 0)
		}
		if flags&4 != 0 {
			d.Currency = []string{"USD", "EUR"}[n%2]
		}
		d.Attributes["source"] = []string{"web", "event", ""}[next()%3]
		d.Attributes["size"] = []string{"1.5", "-2", "NaN", "abc", ""}[next()%5]
		if flags&8 != 0 {
			d.Attributes["forecast_category"] = []string{"commit", "omitted", "maybe"}[next()%3]
		}
		t := d.Created
		cur := stages[next()%3]
		var ch []StageChange
		for k := range int(next() % 4) {
			to := stages[next()%6]
			dt := time.Duration(int(next())-20) * 24 * time.Hour
			t = t.Add(dt)
			from := cur
			if k == 1 && flags&16 != 0 {
				from = "propose" // broken chain
			}
			ch = append(ch, StageChange{DealID: id, From: from, To: to, Time: t})
			cur = to
		}
		d.Stage = cur
		if cur == "won" || cur == "lost" {
			if flags&32 == 0 {
				d.Closed = t
			}
		} else if flags&64 != 0 {
			d.Closed = t
		}
		if v := next(); v < 200 {
			d.ExpectedClose = d.Created.Add(time.Duration(v) * 24 * time.Hour)
		}
		h := History{Deal: d, Changes: ch}
		if flags&128 != 0 && !d.ExpectedClose.IsZero() {
			h.CloseDates = []CloseDateChange{{DealID: id, Time: d.Created, To: d.ExpectedClose}}
		}
		out = append(out, h)
	}
	return out
}

// pipeFuzzErr fails unless err is nil, a RecordError or wraps a crmkit
// sentinel (or crmkit.ErrNotFinite): errors must be typed.
func pipeFuzzErr(t *testing.T, what string, err error) {
	if err == nil {
		return
	}
	var re *crmkit.RecordError
	for _, s := range []error{crmkit.ErrMissing, crmkit.ErrInvalid, crmkit.ErrDuplicate, crmkit.ErrOrder, crmkit.ErrUnknownRef, crmkit.ErrFuture, crmkit.ErrCurrency, crmkit.ErrNotFinite} {
		if errors.Is(err, s) {
			return
		}
	}
	if errors.As(err, &re) {
		return
	}
	t.Errorf("%s: untyped error %v", what, err)
}

func pipeFuzzSeeds(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte{0, 1, 10, 50, 0, 0, 2, 1, 1, 1, 3, 0, 4, 0, 20})
	f.Add([]byte{4, 2, 3, 255, 1, 3, 1, 2, 3, 30, 4, 30, 10, 8, 2, 0, 9, 1, 1, 1, 1, 1, 1, 1, 1})
	f.Add([]byte{16, 1, 100, 7, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 32, 2, 200, 253, 2, 2, 2, 3, 5, 9, 3, 9})
	f.Add([]byte{128, 1, 1, 5, 0, 0, 1, 1, 3, 10, 3, 10, 40, 64, 1, 2, 254, 1, 4, 0, 0, 0})
	var seed []byte
	for i := range 300 {
		seed = append(seed, byte(i*37), byte(i*11), byte(i), byte(i*7%200), byte(i%3), byte(i%5), byte(i%4), byte(i%6), byte(25+i%30), byte(i%6), byte(30+i%9), byte(i%250))
	}
	f.Add(seed)
}

var pipeFuzzAsOf = time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)

func FuzzLearners(f *testing.F) {
	pipeFuzzSeeds(f)
	pl := []Pipeline{pipeGenPipeline}
	f.Fuzz(func(t *testing.T, data []byte) {
		hist := pipeFuzzHistories(data)
		ctx := context.Background()
		probe := func(name string, m WinProbability, err error) {
			pipeFuzzErr(t, name, err)
			if err != nil {
				return
			}
			for _, st := range []string{"lead", "qualify", "propose"} {
				s := DealState{Deal: Deal{ID: "X", Pipeline: "P", Stage: st, Attributes: map[string]string{"source": "web", "size": "1"}}, AsOf: pipeFuzzAsOf}
				p, err := m.WinProbability(s)
				pipeFuzzErr(t, name+" predict", err)
				if err == nil && !(p >= 0 && p <= 1) {
					t.Errorf("%s: probability %v", name, p)
				}
			}
		}
		sa, err := FitStageAge(ctx, pl, crmkit.Stream(hist), &StageAgeOptions{AsOf: pipeFuzzAsOf})
		probe("stage-age", sa, err)
		nb, err := FitNaiveBayes(ctx, pl, crmkit.Stream(hist), &NaiveBayesOptions{AsOf: pipeFuzzAsOf, Fields: []string{"source"}, Teams: pipeTeams, MinTeamDeals: 2, MinSupport: 1})
		if err == nil && nb.global.total.won+nb.global.total.lost == 0 {
			// No decided deals: every prediction is a typed error.
			_, err2 := nb.WinProbability(DealState{})
			pipeFuzzErr(t, "naive-bayes empty", err2)
		} else {
			probe("naive-bayes", nb, err)
		}
		lr, err := FitLogistic(ctx, pl, crmkit.Stream(hist), &LogisticOptions{AsOf: pipeFuzzAsOf, Categorical: []string{"source"}, Numeric: []string{"size"}, MinSupport: 1})
		probe("logistic", lr, err)
		sl, err := FitSlippage(ctx, pl, crmkit.Stream(hist), &SlippageOptions{AsOf: pipeFuzzAsOf})
		pipeFuzzErr(t, "slippage", err)
		if err == nil && (sl.MovedShare < 0 || sl.MovedShare > 1 || sl.Won > sl.Deals) {
			t.Errorf("slippage shares out of range: %+v", sl)
		}
		fit := func(ctx context.Context, pl []Pipeline, tr iter.Seq2[History, error], asOf time.Time) (WinProbability, error) {
			return FitStageAge(ctx, pl, tr, &StageAgeOptions{AsOf: asOf})
		}
		rep, err := Calibrate(ctx, pl, crmkit.Stream(hist), fit, &CalibrationOptions{Cutoff: pipeFuzzAsOf.Add(-200 * pipeDay), AsOf: pipeFuzzAsOf})
		pipeFuzzErr(t, "calibrate", err)
		if err == nil {
			n := 0
			for _, b := range rep.Bins {
				n += b.Count
			}
			if n != rep.Examples || rep.Brier < 0 || rep.Brier > 1 {
				t.Errorf("calibration report inconsistent: %d in bins, %d examples, Brier %v", n, rep.Examples, rep.Brier)
			}
		}
	})
}

func FuzzForecastPipeline(f *testing.F) {
	pipeFuzzSeeds(f)
	pl := []Pipeline{pipeGenPipeline}
	f.Fuzz(func(t *testing.T, data []byte) {
		hist := pipeFuzzHistories(data)
		ctx := context.Background()
		slip := &Slippage{delays: []float64{-3, 0, 10, 40}}
		fc, err := ForecastPipeline(ctx, pl, crmkit.Stream(hist), &ForecastOptions{AsOf: pipeFuzzAsOf, Periods: 4, Draws: 256, Teams: pipeTeams, Slippage: slip,
			Targets: []Target{{Period: Month, Start: pipeFuzzAsOf, Amount: decimal.NewFromInt(1000)}}})
		pipeFuzzErr(t, "forecast", err)
		if err == nil {
			for _, g := range append(append([]GroupForecast{fc.Total}, fc.Teams...), fc.Reps...) {
				for _, p := range append(g.Periods, g.Horizon) {
					if p.P10.GreaterThan(p.P50) || p.P50.GreaterThan(p.P90) || p.Expected.Sign() < 0 || p.P10.LessThan(p.Closed) {
						t.Errorf("%s %s%s: inconsistent period %+v", g.Level, g.Team, g.Rep, p)
					}
					if r := p.PReachTarget; r != nil && !(*r >= 0 && *r <= 1) {
						t.Errorf("P(reach) %v", *r)
					}
					c := p.Categories
					if !c.CommitRollup.Equal(c.Commit.Add(c.Closed)) || !c.BestCaseRollup.Equal(c.BestCase.Add(c.CommitRollup)) {
						t.Errorf("rollups do not add up: %+v", c)
					}
				}
			}
			o, err := CombineOutlook(fc, pipeFuzzModel{})
			pipeFuzzErr(t, "outlook", err)
			if err == nil && len(o.Periods) != 4 {
				t.Errorf("outlook has %d periods", len(o.Periods))
			}
		}
		caps := CapacityFunc(func(team string, s, e time.Time) (float64, error) { return 2, nil })
		cp, err := CheckCapacity(ctx, pl, crmkit.Stream(hist), caps, &CapacityOptions{Forecast: ForecastOptions{AsOf: pipeFuzzAsOf, Periods: 2, Draws: 128}})
		pipeFuzzErr(t, "capacity", err)
		for _, c := range cp {
			if !(c.PExceed >= 0 && c.PExceed <= 1) || c.ExpectedUnits < 0 {
				t.Errorf("capacity row %+v", c)
			}
		}
		_, err = ForecastAccuracy(ctx, pl, crmkit.Stream(hist), &AccuracyOptions{AsOf: pipeFuzzAsOf, Dates: []time.Time{pipeFuzzAsOf.Add(-100 * pipeDay), pipeFuzzAsOf.Add(-40 * pipeDay)}})
		pipeFuzzErr(t, "accuracy", err)
	})
}

// pipeFuzzModel is a forecast.Model returning NaN in its second period.
type pipeFuzzModel struct{}

func (pipeFuzzModel) String() string { return "nan" }
func (pipeFuzzModel) Forecast(h int, levels ...float64) (forecast.Forecast, error) {
	f := forecast.Forecast{Mean: make([]float64, h)}
	if h > 1 {
		f.Mean[1] = math.NaN()
	}
	return f, nil
}
