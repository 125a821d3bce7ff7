package main

import (
	"context"
	"fmt"
	"io"
	"iter"
	"math"
	"sort"
	"time"

	"github.com/crmkit/crmkit"
	"github.com/crmkit/crmkit/customer"
	"github.com/crmkit/crmkit/examples/internal/samplebook"
	"github.com/crmkit/crmkit/examples/sqlitehost"
	"github.com/crmkit/crmkit/forecast"
	"github.com/crmkit/crmkit/funnel"
	"github.com/crmkit/crmkit/segment"
)

// filter passes on the records keep accepts, and every error.
func filter[T any](seq iter.Seq2[T, error], keep func(T) bool) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		for v, err := range seq {
			if (err != nil || keep(v)) && !yield(v, err) {
				return
			}
		}
	}
}

// 6. The sales funnel, streamed from the deals and stage_changes tables.
func funnelSection(ctx context.Context, w io.Writer, store *sqlitehost.Store, book *samplebook.Book, asOf time.Time) error {
	rep, err := funnel.Run(ctx, book.Pipelines, funnel.Input{Deals: store.Deals(ctx), StageChanges: store.StageChanges(ctx)}, &funnel.Options{AsOf: asOf})
	if err != nil {
		return err
	}
	p := rep.Pipelines[0]
	t := p.Total
	fmt.Fprintf(w, "\nSales funnel %q (%s)\n", p.Pipeline, rep.Currency)
	for _, c := range t.Conversion.StageToStage {
		fmt.Fprintf(w, "  %-12s entered %4d  advanced %4d  lost %4d  open %3d  → %.0f%%\n", c.Stage, c.Entered, c.Advanced, c.Dropped, c.Open, 100*c.Rate)
	}
	fmt.Fprintf(w, "  won %d of %d decided (win rate %.1f%%), median cycle %.0f days, velocity %s a day, %d stale deals\n",
		t.Won, t.Won+t.Lost, 100*t.WinRate, t.CycleDays.Median, t.Velocity.StringFixed(0), t.StaleDeals)
	for _, d := range p.Diagnostics {
		if d.WeakStage != "" {
			fmt.Fprintf(w, "  coach %s on %q: %s\n", d.Rep, d.WeakStage, d.Verdict)
		}
	}
	return nil
}

// 7. A revenue forecast: monthly sums of the clean orders, ETS chosen by
// AICc as R's ets() does, with 80% intervals.
func forecastSection(ctx context.Context, w io.Writer, orders iter.Seq2[customer.Order, error], asOf time.Time) error {
	loc := asOf.Location()
	end := time.Date(asOf.Year(), asOf.Month(), 1, 0, 0, 0, 0, loc).AddDate(0, 1, 0)
	agg, err := forecast.AggregateFunc(ctx, orders, func(o customer.Order) (forecast.Point, error) {
		v, err := crmkit.ToFloat(o.Amount)
		return forecast.Point{Time: o.Time, Value: v}, err
	}, &forecast.AggregateOptions{Freq: forecast.Monthly(), Location: loc, To: end})
	if err != nil {
		return err
	}
	y := agg.Series.Values
	m, err := forecast.FitETS(y, 12, "ZZZ", nil)
	if err != nil {
		return err
	}
	fc, err := m.Forecast(6, 80)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "\nRevenue forecast, next 6 months (%s fitted to %d months)\n", m, len(y))
	for h := range fc.Mean {
		fmt.Fprintf(w, "  %s %12.0f   80%%: %.0f – %.0f\n", agg.Series.Time(len(y)+h).Format("2006-01"), fc.Mean[h], fc.Intervals[0].Lower[h], fc.Intervals[0].Upper[h])
	}
	return nil
}

// 8. Customer value: the 80/20 statement, RFM segments and lifetime value
// from BG/NBD and Gamma-Gamma.
func valueSection(ctx context.Context, w io.Writer, orders iter.Seq2[customer.Order, error], asOf time.Time) error {
	vals, err := segment.CustomerValues(ctx, orders, segment.ValuesOptions{From: asOf.AddDate(-1, 0, 0), To: asOf.Add(time.Nanosecond)})
	if err != nil {
		return err
	}
	conc, err := segment.ConcentrationOf(vals, nil)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "\nCustomer value\n  last 12 months: %s (Gini %.2f)\n", conc.Pareto.Statement, conc.Gini)
	rfm, err := segment.ScoreRFM(ctx, orders, segment.RFMOptions{AsOf: asOf})
	if err != nil {
		return err
	}
	names := make([]string, 0, len(rfm.Counts))
	for k := range rfm.Counts {
		names = append(names, k)
	}
	sort.Slice(names, func(i, j int) bool {
		return rfm.Counts[names[i]] > rfm.Counts[names[j]] || rfm.Counts[names[i]] == rfm.Counts[names[j]] && names[i] < names[j]
	})
	fmt.Fprint(w, "  RFM segments:")
	for _, n := range names[:min(5, len(names))] {
		fmt.Fprintf(w, " %s %d,", n, rfm.Counts[n])
	}
	fmt.Fprintln(w, " …")
	sums, err := segment.Summarize(ctx, orders, segment.SummaryOptions{CalibrationEnd: asOf})
	if err != nil {
		return err
	}
	bg, err := segment.FitBGNBD(sums, nil)
	if err != nil {
		return err
	}
	gg, err := segment.FitGammaGamma(sums, nil)
	if err != nil {
		return err
	}
	ltv, err := segment.LifetimeValues(ctx, bg, gg, sums, segment.ValueOptions{Horizon: 52, Step: 52.0 / 12, DiscountRate: math.Pow(1.1, 1.0/12) - 1})
	if err != nil {
		return err
	}
	sort.Slice(ltv, func(i, j int) bool { return ltv[i].CLV.GreaterThan(ltv[j].CLV) })
	p := bg.Params()
	fmt.Fprintf(w, "  BG/NBD r %.3f alpha %.2f a %.3f b %.3f; most valuable next year:\n", p.R, p.Alpha, p.A, p.B)
	for _, v := range ltv[:min(3, len(ltv))] {
		fmt.Fprintf(w, "    %s  P(alive) %.2f  %.1f purchases  CLV %s\n", v.CustomerID, v.ProbAlive, v.Purchases, v.CLV.StringFixed(0))
	}
	risky := 0
	for _, v := range ltv {
		if v.Risk == segment.RiskHigh {
			risky++
		}
	}
	fmt.Fprintf(w, "  %d of %d customers at high churn risk (P(alive) < 0.3)\n", risky, len(ltv))
	return nil
}

// 9. A rep leaves: plan the handover from the database, verify it, and apply
// it in one transaction.
func handoverSection(ctx context.Context, w io.Writer, store *sqlitehost.Store, asOf time.Time) error {
	const leaving = "rep-smith"
	before, err := store.OwnerCounts(ctx)
	if err != nil {
		return err
	}
	var reps []string
	for r := range before {
		if r != "" && r != leaving {
			reps = append(reps, r)
		}
	}
	sort.Strings(reps)
	plan, err := customer.PlanHandover(ctx, asOf, leaving, reps, customer.HandoverInput{
		Customers: store.Customers(ctx), Deals: store.DealRefs(ctx), FollowUps: store.PendingFollowUps(ctx, asOf),
	}, &customer.HandoverOptions{Policy: customer.HandoverLeastLoaded, SkipBad: true})
	if err != nil {
		return err
	}
	if err := customer.VerifyHandover(ctx, store.Customers(ctx), plan, nil); err != nil {
		return fmt.Errorf("handover plan does not verify: %w", err)
	}
	moved, err := store.ApplyHandover(ctx, plan)
	if err != nil {
		return err
	}
	after, err := store.OwnerCounts(ctx)
	if err != nil {
		return err
	}
	deals, follow := 0, 0
	for _, a := range plan.Assignments {
		deals += len(a.Deals)
		follow += len(a.FollowUps)
	}
	fmt.Fprintf(w, "\nHandover: %s leaves\n  %d customers moved in one transaction (%d open deals and %d follow-ups with them), %d unplaced\n", leaving, moved, deals, follow, len(plan.Unplaced))
	for _, r := range reps {
		fmt.Fprintf(w, "  %-10s %3d → %3d customers\n", r, before[r], after[r])
	}
	total := func(m map[string]int) (n int) {
		for _, v := range m {
			n += v
		}
		return n
	}
	fmt.Fprintf(w, "  customers in the book: %d before, %d after\n", total(before), total(after))
	return nil
}
