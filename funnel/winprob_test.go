package funnel

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"math"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/crmkit/crmkit"
	"github.com/shopspring/decimal"
)

// The synthetic world of these tests. A deal is won with probability
// pipeGenPi. Given the outcome, independently:
//   - source ~ pipeGenSrc[won] (categorical);
//   - size ~ Normal(won ? 1 : 0, 1);
//   - won deals pass every open stage; lost deals reach "qualify" with
//     probability 0.6 and "propose" with 0.3 (and are lost in the last one);
//   - each stay lasts Exp(mean 10 days) for won and 30 days for lost deals.
//
// So the true P(win | reached s, age in s ≥ a, source, size) follows from
// Bayes' rule (pipeGenTruth), and every shipped model is correctly
// specified for the features it sees.
var (
	pipeGenPipeline = Pipeline{ID: "P", Stages: []Stage{
		{ID: "lead", Kind: StageOpen, Probability: 0.1},
		{ID: "qualify", Kind: StageOpen, Probability: 0.3},
		{ID: "propose", Kind: StageOpen, Probability: 0.6},
		{ID: "won", Kind: StageWon, Probability: 1},
		{ID: "lost", Kind: StageLost, Probability: 0},
	}}
	pipeGenPi      = 0.4
	pipeGenReach   = map[string]float64{"lead": 1, "qualify": 0.6, "propose": 0.3}
	pipeGenSources = []string{"web", "referral", "event"}
	pipeGenSrc     = map[bool][]float64{true: {0.5, 0.35, 0.15}, false: {0.3, 0.2, 0.5}}
	pipeGenStart   = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
)

const pipeDay = 24 * time.Hour

// pipeGenTruth is the generating P(win) given what a model sees. Pass
// age < 0, src "" or size NaN to marginalise that feature out.
func pipeGenTruth(stage string, age float64, src string, size float64) float64 {
	lw, ll := pipeGenPi, (1-pipeGenPi)*pipeGenReach[stage]
	if age >= 0 {
		lw *= math.Exp(-age / 10)
		ll *= math.Exp(-age / 30)
	}
	if src != "" {
		for i, s := range pipeGenSources {
			if s == src {
				lw *= pipeGenSrc[true][i]
				ll *= pipeGenSrc[false][i]
			}
		}
	}
	if !math.IsNaN(size) {
		lw *= math.Exp(-(size - 1) * (size - 1) / 2)
		ll *= math.Exp(-size * size / 2)
	}
	return lw / (lw + ll)
}

// pipeGenTruthBucket is the generating win rate of deals found in stage s at
// an age in [lo, hi) on a random day (hi 0: unbounded): the survival curves
// e^{-a/10} (won) and e^{-a/30} (lost) integrated over the bucket.
func pipeGenTruthBucket(stage string, lo, hi float64) float64 {
	in := func(mean float64) float64 {
		v := mean * math.Exp(-lo/mean)
		if hi > 0 {
			v -= mean * math.Exp(-hi/mean)
		}
		return v
	}
	lw := pipeGenPi * in(10)
	ll := (1 - pipeGenPi) * pipeGenReach[stage] * in(30)
	return lw / (lw + ll)
}

func pipeGenCat(r *rand.Rand, p []float64) int {
	u := r.Float64()
	for i, pi := range p {
		if u < pi {
			return i
		}
		u -= pi
	}
	return len(p) - 1
}

// pipeGenHistories generates n decided deals created uniformly over span.
func pipeGenHistories(seed uint64, n int, span time.Duration) []History {
	r := rand.New(rand.NewPCG(seed, 99))
	out := make([]History, 0, n)
	for i := range n {
		won := r.Float64() < pipeGenPi
		mean := 30.0
		if won {
			mean = 10
		}
		created := pipeGenStart.Add(time.Duration(r.Float64() * float64(span)))
		owner := fmt.Sprintf("rep%d", r.IntN(6))
		d := Deal{
			ID: fmt.Sprintf("D%05d", i), Pipeline: "P", Owner: owner, Created: created,
			Amount:     decimal.NewFromInt(int64(1+r.IntN(20)) * 1000),
			Attributes: map[string]string{"source": pipeGenSources[pipeGenCat(r, pipeGenSrc[won])]},
		}
		size := r.NormFloat64()
		if won {
			size++
		}
		d.Attributes["size"] = fmt.Sprintf("%.6f", size)
		stages := []string{"lead", "qualify", "propose"}
		last := 2
		if !won {
			u := r.Float64()
			switch {
			case u < 0.4:
				last = 0
			case u < 0.7:
				last = 1
			}
		}
		t := created
		var ch []StageChange
		for k := 0; k <= last; k++ {
			t = t.Add(time.Duration(r.ExpFloat64() * mean * float64(pipeDay)))
			to := "lost"
			if k < last {
				to = stages[k+1]
			} else if won {
				to = "won"
			}
			ch = append(ch, StageChange{DealID: d.ID, From: stages[k], To: to, Time: t, Owner: owner})
		}
		d.Stage = ch[len(ch)-1].To
		d.Closed = t
		out = append(out, History{Deal: d, Changes: ch})
	}
	return out
}

var pipeTeams = map[string]string{"rep0": "A", "rep1": "A", "rep2": "A", "rep3": "B", "rep4": "B", "rep5": "B"}

func pipeOpenState(stage string, age float64, src string, size float64) DealState {
	d := Deal{ID: "X", Pipeline: "P", Stage: stage, Owner: "rep0", Created: pipeGenStart, Attributes: map[string]string{}}
	if src != "" {
		d.Attributes["source"] = src
	}
	if !math.IsNaN(size) {
		d.Attributes["size"] = fmt.Sprintf("%g", size)
	}
	entered := pipeGenStart.Add(5 * pipeDay)
	return DealState{Deal: d, AsOf: entered.Add(time.Duration(age * float64(pipeDay))), StageEntered: entered}
}

var pipeGenAsOf = pipeGenStart.Add(5 * 365 * pipeDay)

func TestStageAgeRecovers(t *testing.T) {
	hist := pipeGenHistories(1, 30000, 2*365*pipeDay)
	m, err := FitStageAge(context.Background(), []Pipeline{pipeGenPipeline}, crmkit.Stream(hist), &StageAgeOptions{AsOf: pipeGenAsOf})
	if err != nil {
		t.Fatal(err)
	}
	// Tolerance per cell: 4 binomial SE of the raw rate on the effective
	// sample size plus the most the shrinkage can move it,
	// m/(n+m)·|stage rate − truth|.
	checked := 0
	for _, c := range m.Cells() {
		if c.EffectiveDeals < 300 {
			continue
		}
		want := pipeGenTruthBucket(c.Stage, c.MinDays, c.MaxDays)
		n := c.EffectiveDeals
		tol := 4*math.Sqrt(want*(1-want)/n) + c.Strength/(n+c.Strength)*math.Abs(c.StageRate-want)
		if math.Abs(c.Probability-want) > tol {
			t.Errorf("%s [%v,%v)d: estimate %.4f (raw %.4f, n=%.0f, m=%.1f), truth %.4f, tolerance %.4f", c.Stage, c.MinDays, c.MaxDays, c.Probability, c.Raw, n, c.Strength, want, tol)
		}
		checked++
	}
	if checked < 10 {
		t.Errorf("only %d cells had enough deals to check", checked)
	}
	// The lookup uses the bucket the age falls in.
	p, err := m.WinProbability(pipeOpenState("qualify", 20, "", math.NaN()))
	if err != nil {
		t.Fatal(err)
	}
	if want := pipeStageAgeCell(m, "qualify", 14).Probability; p != want {
		t.Errorf("age 20 days must use the ≥14d bucket: %v, want %v", p, want)
	}
}

func pipeStageAgeCell(m *StageAgeModel, stage string, minDays float64) StageAgeCell {
	for _, c := range m.Cells() {
		if c.Stage == stage && c.MinDays == minDays {
			return c
		}
	}
	return StageAgeCell{}
}

func TestNaiveBayesRecovers(t *testing.T) {
	hist := pipeGenHistories(2, 30000, 2*365*pipeDay)
	m, err := FitNaiveBayes(context.Background(), []Pipeline{pipeGenPipeline}, crmkit.Stream(hist), &NaiveBayesOptions{AsOf: pipeGenAsOf, Fields: []string{"source"}, Teams: pipeTeams})
	if err != nil {
		t.Fatal(err)
	}
	// With 30 000 deals every count has relative SE ≤ 3 %, and the model is
	// correctly specified; we allow 0.03 absolute.
	for _, stage := range []string{"lead", "qualify", "propose"} {
		for _, src := range append([]string{""}, pipeGenSources...) {
			got, err := m.WinProbability(pipeOpenState(stage, 0, src, math.NaN()))
			if err != nil {
				t.Fatal(err)
			}
			want := pipeGenTruth(stage, -1, src, math.NaN())
			if math.Abs(got-want) > 0.03 {
				t.Errorf("%s source %q: %.4f, truth %.4f", stage, src, got, want)
			}
		}
	}
}

func TestNaiveBayesTeamsAndSupport(t *testing.T) {
	// Team B loses 95 % of the deals it would win; team A has the world's
	// mix. With a table per team B predicts much lower; under MinTeamDeals
	// both use the global table.
	hist := pipeGenHistories(3, 4000, 365*pipeDay)
	for i := range hist {
		h := &hist[i]
		if pipeTeams[h.Deal.Owner] == "B" && h.Deal.Stage == "won" && i%20 != 0 {
			h.Deal.Stage = "lost"
			h.Changes[len(h.Changes)-1].To = "lost"
		}
	}
	ctx := context.Background()
	fit := func(minTeam int) *NaiveBayesModel {
		m, err := FitNaiveBayes(ctx, []Pipeline{pipeGenPipeline}, crmkit.Stream(hist), &NaiveBayesOptions{AsOf: pipeGenAsOf, Fields: []string{"source"}, Teams: pipeTeams, MinTeamDeals: minTeam})
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	a, b := pipeOpenState("lead", 0, "web", math.NaN()), pipeOpenState("lead", 0, "web", math.NaN())
	a.Team, b.Team = "A", "B"
	m := fit(0)
	pa, _ := m.WinProbability(a)
	pb, _ := m.WinProbability(b)
	if !(pb < 0.1 && pa > 0.3) {
		t.Errorf("team tables: A %.3f, B %.3f; want B under 0.1 and A over 0.3", pa, pb)
	}
	m = fit(1 << 30)
	pa, _ = m.WinProbability(a)
	pb, _ = m.WinProbability(b)
	if pa != pb {
		t.Errorf("below MinTeamDeals both teams must use the global table: %v vs %v", pa, pb)
	}
	// A value below MinSupport is ignored: same as no value.
	rare := pipeOpenState("lead", 0, "fax", math.NaN())
	none := pipeOpenState("lead", 0, "", math.NaN())
	pr, _ := m.WinProbability(rare)
	pn, _ := m.WinProbability(none)
	if pr != pn {
		t.Errorf("unseen value must be ignored: %v vs %v", pr, pn)
	}
}

func TestLogisticRecovers(t *testing.T) {
	hist := pipeGenHistories(4, 20000, 2*365*pipeDay)
	m, err := FitLogistic(context.Background(), []Pipeline{pipeGenPipeline}, crmkit.Stream(hist), &LogisticOptions{AsOf: pipeGenAsOf, Categorical: []string{"source"}, Numeric: []string{"size"}})
	if err != nil {
		t.Fatal(err)
	}
	// The true log-odds is linear in the stage and source indicators and in
	// size (slope 1 per unit); with 20 000 deals we allow 0.03 absolute on
	// probabilities over a grid of sizes.
	for _, stage := range []string{"lead", "qualify", "propose"} {
		for _, src := range pipeGenSources {
			for _, size := range []float64{-1, 0, 0.5, 1, 2} {
				got, err := m.WinProbability(pipeOpenState(stage, 0, src, size))
				if err != nil {
					t.Fatal(err)
				}
				want := pipeGenTruth(stage, -1, src, size)
				if math.Abs(got-want) > 0.03 {
					t.Errorf("%s %s size %v: %.4f, truth %.4f", stage, src, size, got, want)
				}
			}
		}
	}
	// Slope of size per unit is 1 in truth; the coefficient is per SD.
	sd := 0.0
	if c := m.Coefficients()["size"]; c != 0 {
		sd = m.sd[0]
		if slope := c / sd; math.Abs(slope-1) > 0.1 {
			t.Errorf("size slope %.3f per unit, truth 1 (±0.1)", slope)
		}
	} else {
		t.Error("no size coefficient")
	}
}

func TestCalibrationOnHoldOut(t *testing.T) {
	// Three years of deals; learn from the first two, test on deals created
	// in the third. A correctly specified model must be calibrated: in every
	// bin with ≥ 300 examples, |observed − mean predicted| ≤ 4·SE + 0.02
	// (SE binomial; examples of one deal are correlated, hence the extra
	// 0.02), and its Brier score must beat the base-rate baseline.
	hist := pipeGenHistories(5, 30000, 3*365*pipeDay)
	cut := pipeGenStart.Add(2 * 365 * pipeDay)
	pl := []Pipeline{pipeGenPipeline}
	fits := map[string]FitFunc{
		"stage-age": func(ctx context.Context, pl []Pipeline, tr iter.Seq2[History, error], asOf time.Time) (WinProbability, error) {
			return FitStageAge(ctx, pl, tr, &StageAgeOptions{AsOf: asOf})
		},
		"naive-bayes": func(ctx context.Context, pl []Pipeline, tr iter.Seq2[History, error], asOf time.Time) (WinProbability, error) {
			return FitNaiveBayes(ctx, pl, tr, &NaiveBayesOptions{AsOf: asOf, Fields: []string{"source"}})
		},
		"logistic": func(ctx context.Context, pl []Pipeline, tr iter.Seq2[History, error], asOf time.Time) (WinProbability, error) {
			return FitLogistic(ctx, pl, tr, &LogisticOptions{AsOf: asOf, Categorical: []string{"source"}, Numeric: []string{"size"}})
		},
		"truth-static": func(ctx context.Context, pl []Pipeline, tr iter.Seq2[History, error], asOf time.Time) (WinProbability, error) {
			return WinProbabilityFunc(func(s DealState) (float64, error) {
				var size float64
				fmt.Sscan(s.Deal.Attributes["size"], &size)
				return pipeGenTruth(s.Deal.Stage, -1, s.Deal.Attributes["source"], size), nil
			}), nil
		},
		"truth": func(ctx context.Context, pl []Pipeline, tr iter.Seq2[History, error], asOf time.Time) (WinProbability, error) {
			return WinProbabilityFunc(func(s DealState) (float64, error) {
				var size float64
				fmt.Sscan(s.Deal.Attributes["size"], &size)
				return pipeGenTruth(s.Deal.Stage, pipeDays(s.AgeInStage()), s.Deal.Attributes["source"], size), nil
			}), nil
		},
	}
	// Models that ignore age are scored on stage entry, where their
	// conditioning holds; the age-aware ones on weekly dates, which is the
	// question they answer (stage-age's first bucket averages the first
	// week, so it is not calibrated for the instant of entry).
	briers := map[string]float64{}
	for _, run := range []struct {
		name   string
		points ScorePoints
	}{
		{"stage-age", ScoreOnDates}, {"naive-bayes", ScoreOnEntry},
		{"logistic", ScoreOnEntry}, {"truth-static", ScoreOnEntry}, {"truth", ScoreOnDates},
	} {
		name := run.name + "/" + string(run.points)
		rep, err := Calibrate(context.Background(), pl, crmkit.Stream(hist), fits[run.name], &CalibrationOptions{Cutoff: cut, AsOf: pipeGenAsOf, Teams: pipeTeams, Points: run.points})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		briers[name] = rep.Brier
		if rep.Brier >= rep.BrierBaseline {
			t.Errorf("%s: Brier %.4f does not beat the baseline %.4f", name, rep.Brier, rep.BrierBaseline)
		}
		for _, b := range rep.Bins {
			if b.Count < 300 {
				continue
			}
			se := math.Sqrt(b.MeanPredicted * (1 - b.MeanPredicted) / float64(b.Count))
			if math.Abs(b.Observed-b.MeanPredicted) > 4*se+0.02 {
				t.Errorf("%s bin [%.1f,%.1f): observed %.3f, predicted %.3f (n=%d)", name, b.Lower, b.Upper, b.Observed, b.MeanPredicted, b.Count)
			}
		}
		t.Logf("%-12s train %d test %d examples %d Brier %.4f (baseline %.4f) log loss %.4f", name, rep.TrainDeals, rep.TestDeals, rep.Examples, rep.Brier, rep.BrierBaseline, rep.LogLoss)
	}
	// The logistic model sees everything but age: its score must be close
	// to that of the truth without age.
	if briers["logistic/entry"] > briers["truth-static/entry"]+0.003 {
		t.Errorf("logistic Brier %.4f is more than 0.003 above the truth's %.4f", briers["logistic/entry"], briers["truth-static/entry"])
	}
}

func TestModelsConcurrent(t *testing.T) {
	// Fitted models are immutable: parallel calls must agree with serial
	// ones (run with -race).
	hist := pipeGenHistories(6, 3000, 365*pipeDay)
	ctx := context.Background()
	pl := []Pipeline{pipeGenPipeline}
	sa, err1 := FitStageAge(ctx, pl, crmkit.Stream(hist), &StageAgeOptions{AsOf: pipeGenAsOf})
	nb, err2 := FitNaiveBayes(ctx, pl, crmkit.Stream(hist), &NaiveBayesOptions{AsOf: pipeGenAsOf, Fields: []string{"source"}, Teams: pipeTeams})
	lr, err3 := FitLogistic(ctx, pl, crmkit.Stream(hist), &LogisticOptions{AsOf: pipeGenAsOf, Categorical: []string{"source"}, Numeric: []string{"size"}})
	sd, err4 := NewStageDefaults(pl)
	if err := errors.Join(err1, err2, err3, err4); err != nil {
		t.Fatal(err)
	}
	for _, m := range []WinProbability{sa, nb, lr, sd} {
		states := []DealState{}
		for _, st := range []string{"lead", "qualify", "propose"} {
			for _, src := range pipeGenSources {
				states = append(states, pipeOpenState(st, 12, src, 0.3))
			}
		}
		want := make([]float64, len(states))
		for i, s := range states {
			want[i], _ = m.WinProbability(s)
		}
		var wg sync.WaitGroup
		errs := make(chan error, 8)
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i, s := range states {
					if p, _ := m.WinProbability(s); p != want[i] {
						errs <- fmt.Errorf("%T: parallel call gave %v, serial %v", m, p, want[i])
						return
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
	}
}

func TestFitErrors(t *testing.T) {
	ctx := context.Background()
	pl := []Pipeline{pipeGenPipeline}
	good := pipeGenHistories(7, 3, 30*pipeDay)
	bad := func(mut func(h *History)) []History {
		h := pipeGenHistories(7, 3, 30*pipeDay)
		mut(&h[1])
		return h
	}
	tests := []struct {
		name, reason string
		hist         []History
		opts         *StageAgeOptions
		want         error
	}{
		{"nil options", "AsOf is required", good, nil, crmkit.ErrMissing},
		{"bad buckets", "buckets must start at 0", good, &StageAgeOptions{AsOf: pipeGenAsOf, Buckets: []float64{1, 2}}, crmkit.ErrInvalid},
		{"unknown stage", "stage not in the pipeline", bad(func(h *History) { h.Changes[0].To = "nowhere" }), &StageAgeOptions{AsOf: pipeGenAsOf}, crmkit.ErrUnknownRef},
		{"broken chain", "a change's From must be the previous To", bad(func(h *History) {
			h.Changes = append(h.Changes, StageChange{DealID: h.Deal.ID, From: "lead", To: h.Deal.Stage, Time: h.Deal.Closed})
		}), &StageAgeOptions{AsOf: pipeGenAsOf}, crmkit.ErrInvalid},
		{"future", "changes after AsOf", good, &StageAgeOptions{AsOf: pipeGenStart.Add(pipeDay)}, crmkit.ErrFuture},
		{"negative amount", "amounts are not negative", bad(func(h *History) { h.Deal.Amount = decimal.NewFromInt(-1) }), &StageAgeOptions{AsOf: pipeGenAsOf}, crmkit.ErrInvalid},
		{"no closed", "closed deal without Closed", bad(func(h *History) { h.Deal.Closed = time.Time{} }), &StageAgeOptions{AsOf: pipeGenAsOf}, crmkit.ErrMissing},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := FitStageAge(ctx, pl, crmkit.Stream(tt.hist), tt.opts)
			if !errors.Is(err, tt.want) {
				t.Errorf("%s: error %v, want %v", tt.reason, err, tt.want)
			}
		})
	}
}

func TestLearnerOptionErrors(t *testing.T) {
	ctx := context.Background()
	pl := []Pipeline{pipeGenPipeline}
	hist := pipeGenHistories(9, 50, 60*pipeDay)
	fit := func(ctx context.Context, pl []Pipeline, tr iter.Seq2[History, error], asOf time.Time) (WinProbability, error) {
		return FitStageAge(ctx, pl, tr, &StageAgeOptions{AsOf: asOf})
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	dbDown := errors.New("db down")
	tests := []struct {
		name, reason string
		run          func() error
		want         error
	}{
		{"nb nil", "AsOf required", func() error { _, err := FitNaiveBayes(ctx, pl, crmkit.Stream(hist), nil); return err }, crmkit.ErrMissing},
		{"nb smoothing", "negative smoothing", func() error {
			_, err := FitNaiveBayes(ctx, pl, crmkit.Stream(hist), &NaiveBayesOptions{AsOf: pipeGenAsOf, Smoothing: -1})
			return err
		}, crmkit.ErrInvalid},
		{"lr lambda", "negative lambda", func() error {
			_, err := FitLogistic(ctx, pl, crmkit.Stream(hist), &LogisticOptions{AsOf: pipeGenAsOf, Lambda: -1})
			return err
		}, crmkit.ErrInvalid},
		{"lr bad number", "a numeric attribute that does not parse", func() error {
			h := pipeGenHistories(9, 50, 60*pipeDay)
			h[3].Deal.Attributes["size"] = "lots"
			_, err := FitLogistic(ctx, pl, crmkit.Stream(h), &LogisticOptions{AsOf: pipeGenAsOf, Numeric: []string{"size"}})
			return err
		}, crmkit.ErrInvalid},
		{"lr no data", "no decided deal", func() error {
			_, err := FitLogistic(ctx, pl, crmkit.Stream([]History{}), &LogisticOptions{AsOf: pipeGenAsOf})
			return err
		}, crmkit.ErrMissing},
		{"pipelines", "invalid pipeline definitions", func() error {
			_, err := FitStageAge(ctx, []Pipeline{{ID: "P"}}, crmkit.Stream(hist), &StageAgeOptions{AsOf: pipeGenAsOf})
			return err
		}, crmkit.ErrMissing},
		{"slip nil", "AsOf required", func() error { _, err := FitSlippage(ctx, pl, crmkit.Stream(hist), nil); return err }, crmkit.ErrMissing},
		{"cal order", "Cutoff after AsOf", func() error {
			_, err := Calibrate(ctx, pl, crmkit.Stream(hist), fit, &CalibrationOptions{Cutoff: pipeGenAsOf, AsOf: pipeGenStart})
			return err
		}, crmkit.ErrInvalid},
		{"cal empty", "no test deals after the cutoff", func() error {
			_, err := Calibrate(ctx, pl, crmkit.Stream(hist), fit, &CalibrationOptions{Cutoff: pipeGenAsOf.Add(-pipeDay), AsOf: pipeGenAsOf})
			return err
		}, crmkit.ErrMissing},
		{"cal dates", "too many scoring dates", func() error {
			_, err := Calibrate(ctx, pl, crmkit.Stream(hist), fit, &CalibrationOptions{Cutoff: pipeGenStart, AsOf: pipeGenAsOf, Every: time.Hour})
			return err
		}, crmkit.ErrInvalid},
		{"cancelled", "a cancelled context stops the fit", func() error {
			_, err := FitStageAge(cancelled, pl, crmkit.Stream(hist), &StageAgeOptions{AsOf: pipeGenAsOf})
			return err
		}, context.Canceled},
		{"stream error", "an error inside the stream is returned as is", func() error {
			bad := func(yield func(History, error) bool) { yield(History{}, dbDown) }
			_, err := FitNaiveBayes(ctx, pl, bad, &NaiveBayesOptions{AsOf: pipeGenAsOf})
			return err
		}, dbDown},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.run(); !errors.Is(err, tt.want) {
				t.Errorf("%s: error %v, want %v", tt.reason, err, tt.want)
			}
		})
	}
}
