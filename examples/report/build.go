package report

import (
	"context"
	"fmt"
	"math"
	"sort"
	"time"

	"github.com/crmkit/crmkit"
	"github.com/crmkit/crmkit/customer"
	"github.com/crmkit/crmkit/examples/internal/samplebook"
	"github.com/crmkit/crmkit/forecast"
	"github.com/crmkit/crmkit/funnel"
	"github.com/crmkit/crmkit/segment"
)

// Sections runs the analyses and draws one chart each.
func Sections(ctx context.Context, book *samplebook.Book) ([]Section, error) {
	var secs []Section
	add := func(title, text string, svg string, err error) error {
		if err != nil {
			return fmt.Errorf("%s: %w", title, err)
		}
		secs = append(secs, Section{Title: title, Text: text, SVG: svg})
		return nil
	}

	// Funnel.
	rep, err := funnel.Run(ctx, book.Pipelines, funnel.Input{Deals: crmkit.Stream(book.Deals), StageChanges: crmkit.Stream(book.StageChanges)}, &funnel.Options{AsOf: book.AsOf})
	if err != nil {
		return nil, err
	}
	tot := rep.Pipelines[0].Total
	now := tot.Snapshots[len(tot.Snapshots)-1]
	open := map[string]float64{}
	for _, s := range now.Stages {
		open[s.Stage], _ = crmkit.ToFloat(s.Amount)
	}
	var stages []FunnelStage
	for _, c := range tot.Conversion.StageToStage {
		stages = append(stages, FunnelStage{Name: c.Stage, Count: c.Entered, Amount: open[c.Stage], Conversion: c.Rate})
	}
	stages = append(stages, FunnelStage{Name: "won", Count: tot.Won, Amount: 0, Conversion: -1})
	svg, err := FunnelChart(stages)
	if err := add("Funnel", fmt.Sprintf("Deals that reached each stage, the share that advanced, and the amount open in each stage now. Win rate %.1f%%, sales velocity %s a day.", 100*tot.WinRate, tot.Velocity.StringFixed(0)), svg, err); err != nil {
		return nil, err
	}

	// Forecast of monthly revenue.
	agg, err := forecast.AggregateFunc(ctx, crmkit.Stream(book.Orders), func(o customer.Order) (forecast.Point, error) {
		v, err := crmkit.ToFloat(o.Amount)
		return forecast.Point{Time: o.Time, Value: v}, err
	}, &forecast.AggregateOptions{Freq: forecast.Monthly(), To: time.Date(book.AsOf.Year(), book.AsOf.Month(), 1, 0, 0, 0, 0, time.UTC).AddDate(0, 1, 0)})
	if err != nil {
		return nil, err
	}
	y := agg.Series.Values
	m, err := forecast.FitETS(y, 12, "ZZZ", nil)
	if err != nil {
		return nil, err
	}
	fc, err := m.Forecast(12, 80, 95)
	if err != nil {
		return nil, err
	}
	var bands []Band
	for _, iv := range fc.Intervals {
		bands = append(bands, Band{Level: iv.Level, Lower: iv.Lower, Upper: iv.Upper})
	}
	svg, err = FanChart(y, fc.Mean, bands)
	if err := add("Revenue forecast", fmt.Sprintf("Monthly revenue and the next 12 months by %s, with 80%% and 95%% prediction intervals.", m), svg, err); err != nil {
		return nil, err
	}

	// Concentration.
	vals, err := segment.CustomerValues(ctx, crmkit.Stream(book.Orders), segment.ValuesOptions{To: book.AsOf.Add(time.Nanosecond)})
	if err != nil {
		return nil, err
	}
	conc, err := segment.ConcentrationOf(vals, nil)
	if err != nil {
		return nil, err
	}
	pts := make([][2]float64, len(conc.Lorenz))
	for i, p := range conc.Lorenz {
		pts[i] = [2]float64{p.Customers, p.Value}
	}
	svg, err = LorenzChart(pts, conc.Gini)
	if err := add("Concentration", conc.Pareto.Statement+".", svg, err); err != nil {
		return nil, err
	}

	// RFM grid.
	rfm, err := segment.ScoreRFM(ctx, crmkit.Stream(book.Orders), segment.RFMOptions{AsOf: book.AsOf})
	if err != nil {
		return nil, err
	}
	type rf struct{ r, f int }
	count := map[rf]int{}
	segs := map[rf]map[string]int{}
	for _, c := range rfm.Customers {
		k := rf{c.R, c.F}
		count[k]++
		if segs[k] == nil {
			segs[k] = map[string]int{}
		}
		segs[k][c.Segment]++
	}
	var cells []GridCell
	for k, c := range count {
		cells = append(cells, GridCell{R: k.r, F: k.f, Count: c, Segment: majority(segs[k])})
	}
	sort.Slice(cells, func(i, j int) bool { return cells[i].R*10+cells[i].F < cells[j].R*10+cells[j].F })
	svg, err = SegmentGrid(cells, rfm.Q)
	if err := add("RFM segments", "Customers by recency and frequency score; each cell names its most common segment.", svg, err); err != nil {
		return nil, err
	}

	// Lifetime value.
	sums, err := segment.Summarize(ctx, crmkit.Stream(book.Orders), segment.SummaryOptions{CalibrationEnd: book.AsOf})
	if err != nil {
		return nil, err
	}
	bg, err := segment.FitBGNBD(sums, nil)
	if err != nil {
		return nil, err
	}
	gg, err := segment.FitGammaGamma(sums, nil)
	if err != nil {
		return nil, err
	}
	ltv, err := segment.LifetimeValues(ctx, bg, gg, sums, segment.ValueOptions{Horizon: 52, Step: 52.0 / 12, DiscountRate: math.Pow(1.1, 1.0/12) - 1})
	if err != nil {
		return nil, err
	}
	lv := make([]float64, len(ltv))
	for i, v := range ltv {
		lv[i], _ = crmkit.ToFloat(v.CLV)
	}
	// A few very valuable customers would squeeze every other bar into the
	// first one: values above the 95th percentile share the last bar.
	sorted := append([]float64(nil), lv...)
	sort.Float64s(sorted)
	p95 := sorted[len(sorted)*95/100]
	for i := range lv {
		lv[i] = math.Min(lv[i], p95)
	}
	svg, err = Histogram("ltv", "Customer lifetime value, next 52 weeks", lv, 30)
	return secs, add("Lifetime value", fmt.Sprintf("Expected discounted value of each customer over the next year (BG/NBD purchases × Gamma-Gamma spend, 10%% a year). The last bar holds the top 5%% (above %.0f).", p95), svg, err)
}

func majority(m map[string]int) string {
	best, n := "", -1
	for s, c := range m {
		if c > n || c == n && s < best {
			best, n = s, c
		}
	}
	return best
}
