package funnel

import (
	"context"
	"fmt"
	"iter"
	"slices"
	"strings"
	"time"

	"github.com/crmkit/crmkit"
	"github.com/shopspring/decimal"
)

// AccuracyOptions control [ForecastAccuracy]. A nil *AccuracyOptions is
// invalid because AsOf and Dates are required; other zero fields mean the
// defaults of [ForecastOptions]. The zero value is invalid (no AsOf, no
// Dates). Options are only read, so one value may serve concurrent calls.
type AccuracyOptions struct {
	// Dates are the past moments at which a forecast is rebuilt; each
	// forecasts the period containing it. Every such period must end by
	// AsOf.
	Dates []time.Time `json:"dates"`
	// AsOf is the clock (required): what is known now.
	AsOf       time.Time         `json:"as_of"`
	Period     Period            `json:"period,omitempty"`
	Location   *time.Location    `json:"-"`
	Teams      map[string]string `json:"teams,omitempty"`
	Model      WinProbability    `json:"-"`
	Slippage   *Slippage         `json:"-"`
	Categories *CategoryRules    `json:"categories,omitempty"`
}

// ForecastAccuracyReport compares what forecasts rebuilt at past dates
// predicted with what closed. Rows holds one row per date and group;
// Groups one summary per group (total, teams, reps, sorted). It marshals to
// JSON; the zero value is empty. It is a plain value, safe for concurrent
// reads.
type ForecastAccuracyReport struct {
	Rows   []AccuracyRow     `json:"rows"`
	Groups []AccuracySummary `json:"groups"`
}

// AccuracyRow is one forecast of one group: made at Date for [Start, End).
// Predicted is the forecast's Expected (closed by Date plus weighted open);
// CommitRollup and BestCaseRollup are the category rollups at Date; Actual
// the amount won in the period (at the amounts the deals closed with);
// Error = Predicted − Actual. Categories say, per category at Date, the
// amount of the deals expected in the period and how much of it was won in
// the period. The zero value is an empty row. It is a plain value, safe for
// concurrent reads.
type AccuracyRow struct {
	Date           time.Time          `json:"date"`
	Start          time.Time          `json:"start"`
	End            time.Time          `json:"end"`
	Level          string             `json:"level"`
	Team           string             `json:"team,omitempty"`
	Rep            string             `json:"rep,omitempty"`
	Predicted      decimal.Decimal    `json:"predicted"`
	CommitRollup   decimal.Decimal    `json:"commit_rollup"`
	BestCaseRollup decimal.Decimal    `json:"best_case_rollup"`
	Actual         decimal.Decimal    `json:"actual"`
	Error          decimal.Decimal    `json:"error"`
	Categories     []CategoryAccuracy `json:"categories"`
}

// CategoryAccuracy is what one forecast category held and what came of it:
// Amount of the deals in the category (expected in the period), Won the
// part of it won within the period, WonShare = Won ÷ Amount (0 when Amount
// is 0). The zero value is an empty category. It is a plain value, safe for
// concurrent reads.
type CategoryAccuracy struct {
	Category Category        `json:"category"`
	Amount   decimal.Decimal `json:"amount"`
	Won      decimal.Decimal `json:"won"`
	WonShare float64         `json:"won_share"`
}

// AccuracySummary aggregates a group's rows: MeanError and MeanAbsError of
// Predicted − Actual; Bias = ΣError ÷ ΣActual (positive: over-forecast; 0
// when nothing was won); CommitBias and BestCaseBias the same for the
// rollups; Categories summed over the rows. The zero value is an empty
// summary. It is a plain value, safe for concurrent reads.
type AccuracySummary struct {
	Level        string             `json:"level"`
	Team         string             `json:"team,omitempty"`
	Rep          string             `json:"rep,omitempty"`
	Forecasts    int                `json:"forecasts"`
	MeanError    decimal.Decimal    `json:"mean_error"`
	MeanAbsError decimal.Decimal    `json:"mean_abs_error"`
	Bias         float64            `json:"bias"`
	CommitBias   float64            `json:"commit_bias"`
	BestCaseBias float64            `json:"best_case_bias"`
	Categories   []CategoryAccuracy `json:"categories"`
}

var pipeCategories = []Category{CategoryPipeline, CategoryBestCase, CategoryCommit, CategoryClosed, CategoryOmitted}

// ForecastAccuracy rebuilds, for each past date, every deal as it stood
// then (stage, amount and expected close date, from the histories), runs
// the same forecast [ForecastPipeline] would have run on that date, and
// compares it with what closed in the period. The histories are read once
// and kept in memory.
//
// A learned Model or Slippage passed here was usually fitted on all of the
// history, so it has seen the outcomes it is judged on; fit it as of each
// date for an honest back-test, or pass nil (stage defaults).
func ForecastAccuracy(ctx context.Context, pipelines []Pipeline, histories iter.Seq2[History, error], opts *AccuracyOptions) (*ForecastAccuracyReport, error) {
	if opts == nil || opts.AsOf.IsZero() || len(opts.Dates) == 0 {
		return nil, fmt.Errorf("funnel: ForecastAccuracy: %w: AsOf and Dates", crmkit.ErrMissing)
	}
	pp, err := pipeIndexPipelines(pipelines)
	if err != nil {
		return nil, err
	}
	model := opts.Model
	if model == nil {
		model, _ = NewStageDefaults(pipelines)
	}
	// Read and check everything once, as of AsOf.
	var all []History
	idx := -1
	for h, err := range histories {
		idx++
		if err != nil {
			return nil, err
		}
		if d := h.Deal; d.Closed.After(opts.AsOf) {
			return nil, crmkit.Errorf("deal", idx, d.ID, "closed", crmkit.ErrFuture, "%s", d.Closed.Format(time.RFC3339))
		}
		if _, _, err := pipePrepare(pp, &h, idx, opts.Teams, opts.AsOf); err != nil {
			return nil, err
		}
		all = append(all, h)
	}
	rep := &ForecastAccuracyReport{}
	for di, date := range opts.Dates {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		fo := &ForecastOptions{AsOf: date, Period: opts.Period, Periods: 1, Location: opts.Location, Teams: opts.Teams,
			Model: model, Slippage: opts.Slippage, Categories: opts.Categories, Draws: 64, Method: MethodMonteCarlo}
		cfg, err := pipeForecastConfig(pipelines, fo)
		if err != nil {
			return nil, err
		}
		start, end := cfg.bounds[0], cfg.bounds[1]
		if end.After(opts.AsOf) {
			return nil, fmt.Errorf("funnel: ForecastAccuracy: %w: date #%d %s: its period ends %s, after AsOf", crmkit.ErrInvalid, di, date.Format(time.DateOnly), end.Format(time.DateOnly))
		}
		var past []History
		cats := map[pipeTargetKey]*pipeCatAcc{}
		actual := map[pipeTargetKey]decimal.Decimal{}
		keys := func(owner string) []pipeTargetKey {
			team := opts.Teams[owner]
			return []pipeTargetKey{{level: "total"}, {level: "team", team: team}, {level: "rep", team: team, rep: owner}}
		}
		for i := range all {
			h := &all[i]
			d := &h.Deal
			wonIn := d.Stage != "" && !d.Closed.IsZero() && !d.Closed.Before(start) && d.Closed.Before(end)
			if wonIn {
				k, _ := pp.kind(d.Pipeline, d.Stage)
				wonIn = k == StageWon
			}
			if wonIn {
				for _, key := range keys(d.Owner) {
					actual[key] = actual[key].Add(d.Amount)
				}
			}
			ph, ok := pipeHistoryAt(pp, h, date)
			if !ok {
				continue
			}
			past = append(past, ph)
			// Category of the deal as of date, when it belongs to the period.
			pd := &ph.Deal
			kind, _ := pp.kind(pd.Pipeline, pd.Stage)
			at := pd.ExpectedClose
			p := 0.0
			if kind == StageOpen {
				if at.IsZero() {
					continue
				}
				if at.Before(date) {
					at = date
				}
				c, _, err := pipePrepare(pp, &ph, i, opts.Teams, date)
				if err != nil {
					return nil, err
				}
				st := DealState{Deal: *pd, Team: c.team, AsOf: date, StageEntered: c.enter, Reached: c.reached}
				p, err = model.WinProbability(st)
				if p, err = pipeCheckProb(p, err, &st, i); err != nil {
					return nil, err
				}
			} else {
				at = pd.Closed
			}
			if at.Before(start) || !at.Before(end) {
				continue
			}
			cat, err := opts.Categories.Categorize(pd, kind, p)
			if err != nil {
				return nil, pipeIndexErr(err, i)
			}
			ci := slices.Index(pipeCategories, cat)
			for _, key := range keys(pd.Owner) {
				ca := cats[key]
				if ca == nil {
					ca = &pipeCatAcc{}
					cats[key] = ca
				}
				ca.amount[ci] = ca.amount[ci].Add(pd.Amount)
				if wonIn {
					ca.won[ci] = ca.won[ci].Add(d.Amount)
				}
			}
		}
		f, err := ForecastPipeline(ctx, pipelines, crmkit.Stream(past), fo)
		if err != nil {
			return nil, fmt.Errorf("funnel: ForecastAccuracy: date %s: %w", date.Format(time.DateOnly), err)
		}
		seen := map[pipeTargetKey]bool{}
		for _, g := range append(append([]GroupForecast{f.Total}, f.Teams...), f.Reps...) {
			key := pipeTargetKey{level: g.Level, team: g.Team, rep: g.Rep}
			seen[key] = true
			pf := g.Periods[0]
			rep.Rows = append(rep.Rows, pipeAccRow(date, start, end, key, pf.Expected, pf.Categories, actual[key], cats[key]))
		}
		// Groups that won deals in the period but had nothing at the date.
		for key, a := range actual {
			if !seen[key] {
				rep.Rows = append(rep.Rows, pipeAccRow(date, start, end, key, decimal.Zero, CategoryAmounts{}, a, cats[key]))
			}
		}
	}
	rep.Groups = pipeAccSummaries(rep.Rows)
	return rep, nil
}

// pipeCatAcc sums amounts per category (in pipeCategories order).
type pipeCatAcc struct{ amount, won [5]decimal.Decimal }

func pipeAccRow(date, start, end time.Time, key pipeTargetKey, predicted decimal.Decimal, ca CategoryAmounts, actual decimal.Decimal, cats *pipeCatAcc) AccuracyRow {
	r := AccuracyRow{Date: date, Start: start, End: end, Level: key.level, Team: key.team, Rep: key.rep,
		Predicted: predicted, CommitRollup: ca.CommitRollup, BestCaseRollup: ca.BestCaseRollup, Actual: actual, Error: predicted.Sub(actual)}
	for ci, c := range pipeCategories {
		x := CategoryAccuracy{Category: c}
		if cats != nil {
			x.Amount, x.Won = cats.amount[ci], cats.won[ci]
			if x.Amount.Sign() > 0 {
				x.WonShare = x.Won.Div(x.Amount).InexactFloat64()
			}
		}
		r.Categories = append(r.Categories, x)
	}
	return r
}

func pipeAccSummaries(rows []AccuracyRow) []AccuracySummary {
	type acc struct {
		s                         AccuracySummary
		err, abs, act, cErr, bErr decimal.Decimal
	}
	by := map[pipeTargetKey]*acc{}
	var order []pipeTargetKey
	for _, r := range rows {
		key := pipeTargetKey{level: r.Level, team: r.Team, rep: r.Rep}
		a := by[key]
		if a == nil {
			a = &acc{s: AccuracySummary{Level: r.Level, Team: r.Team, Rep: r.Rep}}
			for _, c := range pipeCategories {
				a.s.Categories = append(a.s.Categories, CategoryAccuracy{Category: c})
			}
			by[key] = a
			order = append(order, key)
		}
		a.s.Forecasts++
		a.err = a.err.Add(r.Error)
		a.abs = a.abs.Add(r.Error.Abs())
		a.act = a.act.Add(r.Actual)
		a.cErr = a.cErr.Add(r.CommitRollup.Sub(r.Actual))
		a.bErr = a.bErr.Add(r.BestCaseRollup.Sub(r.Actual))
		for i, c := range r.Categories {
			x := &a.s.Categories[i]
			x.Amount, x.Won = x.Amount.Add(c.Amount), x.Won.Add(c.Won)
		}
	}
	rank := map[string]int{"total": 0, "team": 1, "rep": 2}
	slices.SortFunc(order, func(x, y pipeTargetKey) int {
		if rank[x.level] != rank[y.level] {
			return rank[x.level] - rank[y.level]
		}
		if c := strings.Compare(x.team, y.team); c != 0 {
			return c
		}
		return strings.Compare(x.rep, y.rep)
	})
	out := make([]AccuracySummary, 0, len(order))
	for _, key := range order {
		a := by[key]
		n := decimal.NewFromInt(int64(a.s.Forecasts))
		a.s.MeanError = a.err.DivRound(n, crmkit.MoneyPlaces)
		a.s.MeanAbsError = a.abs.DivRound(n, crmkit.MoneyPlaces)
		if a.act.Sign() > 0 {
			a.s.Bias = a.err.Div(a.act).InexactFloat64()
			a.s.CommitBias = a.cErr.Div(a.act).InexactFloat64()
			a.s.BestCaseBias = a.bErr.Div(a.act).InexactFloat64()
		}
		for i := range a.s.Categories {
			x := &a.s.Categories[i]
			if x.Amount.Sign() > 0 {
				x.WonShare = x.Won.Div(x.Amount).InexactFloat64()
			}
		}
		out = append(out, a.s)
	}
	return out
}

// pipeHistoryAt rebuilds a deal's history as it stood at t: the stage it was
// in, its amount and expected close date then, and the changes made by t.
// ok is false for a deal not yet created at t.
//
// The report engine's snapshot (see [Snapshot]) rebuilds the same states
// but keeps only per-stage totals; a forecast needs each deal, and its
// expected close date as of t, so the rebuild is done here per deal. A test
// checks that both agree on every stage's count and amount.
func pipeHistoryAt(pp *pipePipes, h *History, t time.Time) (History, bool) {
	d := h.Deal
	if d.Created.After(t) {
		return History{}, false
	}
	out := History{Deal: d}
	n := 0
	for n < len(h.Changes) && !h.Changes[n].Time.After(t) {
		n++
	}
	out.Changes = h.Changes[:n:n]
	switch {
	case n > 0:
		out.Deal.Stage = h.Changes[n-1].To
	case len(h.Changes) > 0:
		out.Deal.Stage = h.Changes[0].From
	}
	if out.Deal.Stage != d.Stage || d.Closed.After(t) {
		// Not (yet) in its final stage at t: the close lies in the future,
		// unless the deal was decided then and reopened later.
		out.Deal.Closed = time.Time{}
		out.Deal.LostReason = ""
		if k, _ := pp.kind(d.Pipeline, out.Deal.Stage); k != StageOpen && n > 0 {
			out.Deal.Closed = h.Changes[n-1].Time
		}
	}
	if len(h.Amounts) > 0 {
		out.Deal.Amount = h.Amounts[0].From
		m := 0
		for m < len(h.Amounts) && !h.Amounts[m].Time.After(t) {
			out.Deal.Amount = h.Amounts[m].To
			m++
		}
		out.Amounts = h.Amounts[:m:m]
	}
	if len(h.CloseDates) > 0 {
		out.Deal.ExpectedClose = h.CloseDates[0].From
		m := 0
		for m < len(h.CloseDates) && !h.CloseDates[m].Time.After(t) {
			out.Deal.ExpectedClose = h.CloseDates[m].To
			m++
		}
		out.CloseDates = h.CloseDates[:m:m]
	}
	return out, true
}
