package funnel

import (
	"fmt"
	"math"
	"math/big"
	"slices"
	"sort"
	"time"

	"github.com/crmkit/crmkit"
	"github.com/shopspring/decimal"
	"gonum.org/v1/gonum/mathext"
)

// Report computes the report from everything added and merged so far. It
// does not change the accumulator, so it may be called again after more
// Add or Merge calls.
func (a *Accumulator) Report() (*Report, error) {
	cfg := a.cfg
	r := &Report{AsOf: cfg.opts.AsOf, From: cfg.opts.From, To: cfg.opts.To, Period: cfg.period,
		Currency: a.currency, Warnings: cfg.warnings}
	r.Skipped = Skipped{Records: a.skipRecords, Deals: a.skipDeals, Examples: a.skipExamples}
	for reason, n := range a.skipReasons {
		r.Skipped.Reasons = append(r.Skipped.Reasons, SkipReason{Reason: reason, Count: n})
	}
	sort.Slice(r.Skipped.Reasons, func(i, j int) bool { return r.Skipped.Reasons[i].Reason < r.Skipped.Reasons[j].Reason })

	type repGroup struct {
		rep  int32
		name string
		team string
		g    *fnlGroup
	}
	byPipe := make([][]repGroup, len(cfg.pipes))
	for k, g := range a.groups {
		pi, rep := int(k>>32), int32(uint32(k))
		name := a.repNames[rep]
		byPipe[pi] = append(byPipe[pi], repGroup{rep, name, cfg.teams[name], g})
	}
	for pi := range cfg.pipes {
		rgs := byPipe[pi]
		sort.Slice(rgs, func(i, j int) bool { return rgs[i].name < rgs[j].name })
		pr := PipelineReport{Pipeline: cfg.pipes[pi].p.ID}
		total := a.newGroup(pi)
		teams := map[string]*fnlGroup{}
		var teamNames []string
		for _, rg := range rgs {
			total.merge(rg.g, nil)
			tg := teams[rg.team]
			if tg == nil {
				tg = a.newGroup(pi)
				teams[rg.team] = tg
				teamNames = append(teamNames, rg.team)
			}
			tg.merge(rg.g, nil)
			pr.Reps = append(pr.Reps, a.metrics(pi, rg.g, "rep", rg.team, rg.name))
		}
		pr.Total = a.metrics(pi, total, "pipeline", "", "")
		sort.Strings(teamNames)
		for _, tn := range teamNames {
			pr.Teams = append(pr.Teams, a.metrics(pi, teams[tn], "team", tn, ""))
		}
		// Diagnostics per rep against the rest of the rep's team.
		for _, rg := range rgs {
			pr.Diagnostics = append(pr.Diagnostics, a.diagnose(pi, rg.g, rg.name, rg.team, func(yield func(*fnlGroup) bool) {
				for _, o := range rgs {
					if o.team == rg.team && !yield(o.g) {
						return
					}
				}
			}))
		}
		for _, s := range a.sortedStale(pi) {
			pp := &cfg.pipes[pi]
			idle := float64(cfg.asOf-s.lastTouch) / 86400 // seconds → days
			pr.Stale = append(pr.Stale, StaleDeal{DealID: s.id, Rep: a.repNames[s.rep], Stage: pp.p.Stages[s.stage].ID,
				Amount: fnlDecimal(s.amount), LastTouch: time.Unix(s.lastTouch, 0).In(cfg.loc), IdleDays: idle,
				ThresholdDays: pp.p.Stages[s.stage].StaleDays, OverdueDays: idle - float64(pp.p.Stages[s.stage].StaleDays)})
		}
		r.Pipelines = append(r.Pipelines, pr)
	}
	for _, t := range cfg.targets {
		r.Targets = append(r.Targets, a.target(t))
	}
	return r, nil
}

func fnlRate(k, n int64) float64 {
	if n == 0 {
		return 0
	}
	return float64(k) / float64(n)
}

// fnlDiv returns s ÷ n rounded half-even to crmkit.MoneyPlaces.
func fnlDiv(s fnlSum, n int64) decimal.Decimal {
	if n == 0 {
		return decimal.Zero
	}
	num := s.decimal().Coefficient() // scaled units; exponent is -MoneyPlaces or s is 0
	if s.decimal().Exponent() != -crmkit.MoneyPlaces {
		num = s.decimal().Shift(crmkit.MoneyPlaces).Coefficient()
	}
	den := big.NewInt(n)
	q, rem := new(big.Int).QuoRem(num, den, new(big.Int))
	twice := new(big.Int).Lsh(rem, 1)
	switch c := twice.Cmp(den); {
	case c > 0, c == 0 && q.Bit(0) == 1:
		q.Add(q, big.NewInt(1))
	}
	return decimal.NewFromBigInt(q, -crmkit.MoneyPlaces)
}

func fnlDurations(h *fnlHist) Durations {
	q := h.quantilesDays(0.5, 0.75, 0.9)
	return Durations{N: int(h.n), Mean: h.meanDays(), Median: q[0], P75: q[1], P90: q[2]}
}

func (a *Accumulator) metrics(pi int, g *fnlGroup, level, team, rep string) Metrics {
	cfg := a.cfg
	pp := &cfg.pipes[pi]
	ns := len(pp.p.Stages)
	m := Metrics{Level: level, Team: team, Rep: rep}
	for k, at := range cfg.snapTimes {
		s := Snapshot{At: at, Amount: decimal.Zero, Weighted: decimal.Zero}
		for si, st := range pp.p.Stages {
			c := g.snaps[k*ns+si]
			row := StageAmount{Stage: st.ID, Kind: st.Kind, Count: int(c.n), Amount: c.amt.decimal(), Weighted: fnlWeighted(c.amt, st.Probability)}
			s.Count += row.Count
			s.Amount = s.Amount.Add(row.Amount)
			s.Weighted = s.Weighted.Add(row.Weighted)
			s.Stages = append(s.Stages, row)
		}
		m.Snapshots = append(m.Snapshots, s)
	}
	for _, si := range pp.open {
		sa := &g.stages[si]
		id := pp.p.Stages[si].ID
		if cfg.conv[0] {
			m.Conversion.StageToStage = append(m.Conversion.StageToStage, StageConversion{Stage: id,
				Entered: int(sa.entered), Advanced: int(sa.advanced), Dropped: int(sa.dropped), Open: int(sa.openConv),
				Rate: fnlRate(sa.advanced, sa.entered), DecidedRate: fnlRate(sa.advanced, sa.advanced+sa.dropped),
				DropAmount: sa.dropAmt.decimal()})
		}
		if cfg.conv[1] {
			m.Conversion.ReachedStage = append(m.Conversion.ReachedStage, ReachedConversion{Stage: id,
				Reached: int(sa.reached), Won: int(sa.reachedWon), Lost: int(sa.reachedLost), Open: int(sa.reachedOpen),
				WinShare: fnlRate(sa.reachedWon, sa.reached)})
		}
		if sa.skipped > 0 {
			m.Moves.Skipped = append(m.Moves.Skipped, StageCount{Stage: id, Count: int(sa.skipped)})
		}
	}
	for si := range pp.p.Stages {
		if h := &g.stages[si].tis; h.n > 0 {
			m.TimeInStage = append(m.TimeInStage, StageTime{Stage: pp.p.Stages[si].ID, Days: fnlDurations(h)})
		}
	}
	for _, k := range g.periods.keys() {
		p := g.periods.get(k)
		if *p == (fnlPeriodAgg{}) {
			continue
		}
		start, end := fnlPeriodBounds(cfg.period, k, cfg.loc)
		if cfg.conv[2] && p.cCreated > 0 {
			m.Conversion.Cohorts = append(m.Conversion.Cohorts, Cohort{Start: start, End: end, Created: int(p.cCreated),
				Won: int(p.cWon), Lost: int(p.cLost), Open: int(p.cOpen), WinRate: fnlRate(p.cWon, p.cCreated),
				OpenShare: fnlRate(p.cOpen, p.cCreated)})
		}
		m.Periods = append(m.Periods, PeriodStat{Start: start, End: end, Created: int(p.created), Won: int(p.won),
			Lost: int(p.lost), WonAmount: p.wonAmt.decimal(), WinRate: fnlRate(p.won, p.won+p.lost)})
	}
	m.Created, m.Won, m.Lost = int(g.created), int(g.won), int(g.lost)
	m.WinRate = fnlRate(g.won, g.won+g.lost)
	m.WonAmount = g.wonAmt.decimal()
	m.AvgWonAmount = fnlDiv(g.wonAmt, g.won)
	m.MedianWonAmount = decimal.Zero
	if n := len(g.wonList); n > 0 {
		l := slices.Clone(g.wonList)
		slices.Sort(l)
		var s fnlSum
		s.add(l[(n-1)/2])
		s.add(l[n/2])
		m.MedianWonAmount = fnlDiv(s, 2)
	}
	m.CycleDays = fnlDurations(&g.cycle)
	m.OpenDeals = int(g.open)
	m.OpenAmount = g.openAmt.decimal()
	m.Velocity = decimal.Zero
	if g.won > 0 && m.CycleDays.Mean > 0 {
		avg := g.wonAmt.float() / fnlScale / float64(g.won)
		m.Velocity = fnlMoneyFloat(float64(g.open) * m.WinRate * avg / m.CycleDays.Mean)
	}
	m.StaleDeals, m.StaleAmount = int(g.staleN), g.staleAmt.decimal()
	m.CloseDates = CloseDateMoves{Pushes: int(g.pushes), PulledIn: int(g.pulls), PushedDeals: int(g.pushedDeals)}
	if g.pushes > 0 {
		m.CloseDates.MeanPushDays = float64(g.pushSec) / float64(g.pushes) / 86400
	}
	m.Moves.Changes, m.Moves.Skips = int(g.changes), int(g.skips)
	m.Moves.Backward, m.Moves.Reopened = int(g.backward), int(g.reopened)
	for k, ca := range g.lostBy {
		m.LostReasons = append(m.LostReasons, LostReason{Reason: a.reasonNames[int32(k>>16)],
			Stage: pp.p.Stages[uint16(k)].ID, Count: int(ca.n), Amount: ca.amt.decimal()})
	}
	sort.Slice(m.LostReasons, func(i, j int) bool {
		x, y := m.LostReasons[i], m.LostReasons[j]
		if x.Count != y.Count {
			return x.Count > y.Count
		}
		if x.Reason != y.Reason {
			return x.Reason < y.Reason
		}
		return x.Stage < y.Stage
	})
	return m
}

func (a *Accumulator) diagnose(pi int, g *fnlGroup, rep, team string, teamGroups func(func(*fnlGroup) bool)) RepDiagnostics {
	cfg := a.cfg
	pp := &cfg.pipes[pi]
	d := RepDiagnostics{Rep: rep, Team: team}
	best, bestGap := -1, 0.0
	mates, enough := 0, false
	// Naming "the weakest stage" scans every rep and stage of the team, so
	// the required probability is Bonferroni-adjusted for the number m of
	// rep-stage pairs with enough data: 1 − (1 − Confidence)/m.
	m := 0
	for o := range teamGroups {
		mates++
		for _, si := range pp.open {
			if o.stages[si].advanced+o.stages[si].dropped >= int64(cfg.minDeals) {
				m++
			}
		}
	}
	need := 1 - (1-cfg.conf)/float64(max(m, 1))
	for _, si := range pp.open {
		var ks, ns []int64
		var K, N int64
		for o := range teamGroups {
			s := &o.stages[si]
			ks = append(ks, s.advanced)
			ns = append(ns, s.advanced+s.dropped)
			K += s.advanced
			N += s.advanced + s.dropped
		}
		s := &g.stages[si]
		k, n := s.advanced, s.advanced+s.dropped
		rk, rn := K-k, N-n
		alpha, beta := fnlBetaPrior(ks, ns)
		lo, hi := fnlWilson(k, n, cfg.conf)
		rs := RepStage{Stage: pp.p.Stages[si].ID, Advanced: int(k), Decided: int(n), Rate: fnlRate(k, n), Low: lo, High: hi,
			Shrunk: (alpha + float64(k)) / (alpha + beta + float64(n)), RestAdvanced: int(rk), RestDecided: int(rn),
			RestRate: fnlRate(rk, rn), Dropped: int(s.dropped), DropAmount: s.dropAmt.decimal()}
		pa, pb := alpha+float64(k), beta+float64(n-k)
		rs.ShrunkLow = mathext.InvRegIncBeta(pa, pb, (1-cfg.conf)/2)
		rs.ShrunkHigh = mathext.InvRegIncBeta(pa, pb, 1-(1-cfg.conf)/2)
		if rn > 0 && n > 0 {
			rs.ProbBelow = fnlProbBelow(alpha+float64(k), beta+float64(n-k), 1+float64(rk), 1+float64(rn-rk))
			rs.IntervalBelow = hi < rs.RestRate
		}
		if n >= int64(cfg.minDeals) {
			enough = true
			if rn > 0 && rs.ProbBelow >= need {
				if gap := rs.RestRate - rs.Shrunk; best < 0 || gap > bestGap {
					best, bestGap = len(d.Stages), gap
				}
			}
		}
		d.Stages = append(d.Stages, rs)
	}
	switch {
	case best >= 0:
		s := d.Stages[best]
		d.WeakStage, d.Confidence = s.Stage, s.ProbBelow
		d.Verdict = fmt.Sprintf("weakest at %s: %.1f%% probability of converting below the rest of the team (%.2f, shrunk %.2f, vs %.2f; %d decided deals; needed %.2f%% over %d comparisons)",
			s.Stage, 100*math.Floor(s.ProbBelow*1000)/1000, s.Rate, s.Shrunk, s.RestRate, s.Decided, 100*need, m)
	case mates < 2:
		d.Verdict = "no other rep in the team to compare with"
	case !enough:
		d.Verdict = fmt.Sprintf("too little data: fewer than %d decided deals at every stage", cfg.minDeals)
	default:
		d.Verdict = fmt.Sprintf("no stage below the rest of the team with %.4g%% probability (%g%% adjusted for %d comparisons)", 100*need, 100*cfg.conf, m)
	}
	return d
}

func (a *Accumulator) target(t Target) TargetResult {
	cfg := a.cfg
	pi := fnlPeriodIndex(t.Period, t.Start.Unix(), cfg.loc)
	start, end := fnlPeriodBounds(t.Period, pi, cfg.loc)
	t.Start = start
	var m0, m1 int32
	switch t.Period {
	case Quarter:
		m0, m1 = 3*pi, 3*pi+3
	case Year:
		m0, m1 = 12*pi, 12*pi+12
	default:
		m0, m1 = pi, pi+1
	}
	var won, open fnlSum
	weighted := decimal.Zero
	var w, l int64
	for k, g := range a.groups {
		p, rep := int(k>>32), a.repNames[int32(uint32(k))]
		if t.Pipeline != "" && cfg.pipes[p].p.ID != t.Pipeline {
			continue
		}
		if (t.Rep != "" && rep != t.Rep) || (t.Team != "" && cfg.teams[rep] != t.Team) {
			continue
		}
		w += g.won
		l += g.lost
		for mo := m0; mo < m1; mo++ {
			if s := g.wonByMonth.get(mo); s != nil {
				won.addSum(*s)
			}
			var row []fnlSum
			if r := g.openByClose.get(mo); r != nil {
				row = *r
			}
			for si, s := range row {
				open.addSum(s)
				weighted = weighted.Add(fnlWeighted(s, cfg.pipes[p].prob[si]))
			}
		}
	}
	res := TargetResult{Target: t, End: end, Won: won.decimal(), Open: open.decimal(), WeightedOpen: weighted}
	res.Gap = t.Amount.Sub(res.Won)
	if res.Gap.Sign() < 0 {
		res.Gap = decimal.Zero
	}
	tf, _ := t.Amount.Float64()
	wf, _ := res.Won.Float64()
	if tf > 0 {
		res.Attainment = wf / tf
	}
	if gf, _ := res.Gap.Float64(); gf > 0 {
		of, _ := res.Open.Float64()
		wof, _ := res.WeightedOpen.Float64()
		res.Coverage, res.UnweightedCoverage = wof/gf, of/gf
	}
	res.WinRate = fnlRate(w, w+l)
	if res.WinRate > 0 {
		res.CoverageNeeded = 1 / res.WinRate
	}
	return res
}
