package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"time"

	"github.com/crmkit/crmkit"
	"github.com/crmkit/crmkit/customer"
	"github.com/crmkit/crmkit/forecast"
	"github.com/crmkit/crmkit/funnel"
	"github.com/crmkit/crmkit/segment"
)

// job runs the analyses of one command line.
type job struct {
	cfg            *config
	stdout, stderr io.Writer
	skipped        int
	lastProgress   time.Time
}

func (j *job) analysis(ctx context.Context, name string) error {
	switch name {
	case "funnel":
		return j.funnel(ctx)
	case "forecast":
		return j.forecast(ctx)
	case "tiers":
		return j.tiers(ctx)
	case "rfm":
		return j.rfm(ctx)
	case "ltv":
		return j.ltv(ctx)
	}
	return fmt.Errorf("unknown analysis %q", name)
}

// clean passes a stream through, handling bad rows: with -skip-bad a
// *RowError is reported on stderr, counted and dropped; otherwise it travels
// on and stops the analysis. Other errors (I/O) always travel on.
func clean[T any](j *job, seq iter.Seq2[T, error]) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		for v, err := range seq {
			var re *RowError
			if err != nil && j.cfg.skipBad && errors.As(err, &re) {
				j.skipped++
				fmt.Fprintln(j.stderr, "skip:", err)
				continue
			}
			if !yield(v, err) {
				return
			}
		}
	}
}

// orders streams the orders file with a progress line on stderr.
func (j *job) orders(label string) iter.Seq2[customer.Order, error] {
	return clean(j, OrdersProgress(j.cfg.orders, func(read, size int64) {
		if j.cfg.quiet || (read < size && time.Since(j.lastProgress) < 200*time.Millisecond) {
			return
		}
		j.lastProgress = time.Now()
		pct := 100.0
		if size > 0 {
			pct = 100 * float64(read) / float64(size)
		}
		const width = 30
		bar := int(pct / 100 * width)
		fmt.Fprintf(j.stderr, "\r%-8s [%-*s] %5.1f%% of %s", label, width, string(repeat('=', bar)), pct, filepath.Base(j.cfg.orders))
		if read >= size {
			fmt.Fprintln(j.stderr)
		}
	}))
}

func repeat(b byte, n int) []byte {
	out := make([]byte, n)
	for i := range out {
		out[i] = b
	}
	return out
}

func (j *job) create(name string) (*os.File, error) {
	return os.Create(filepath.Join(j.cfg.out, name))
}

func (j *job) writeJSON(name string, v any) error {
	f, err := j.create(name)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(f)
	enc.SetIndent("", "  ")
	return errors.Join(enc.Encode(v), f.Close())
}

// writeCSV writes a header and the rows that rows yields.
func (j *job) writeCSV(name string, header []string, rows func(emit func(...string) error) error) error {
	f, err := j.create(name)
	if err != nil {
		return err
	}
	w := csv.NewWriter(f)
	if err := w.Write(header); err != nil {
		f.Close()
		return err
	}
	err = rows(func(cells ...string) error { return w.Write(cells) })
	w.Flush()
	return errors.Join(err, w.Error(), f.Close())
}

func (j *job) funnel(ctx context.Context) error {
	raw, err := os.ReadFile(j.cfg.pipelines)
	if err != nil {
		return err
	}
	var pipelines []funnel.Pipeline
	if err := json.Unmarshal(raw, &pipelines); err != nil {
		return fmt.Errorf("%s: %w", j.cfg.pipelines, err)
	}
	in := funnel.Input{Deals: clean(j, Deals(j.cfg.deals))}
	if j.cfg.stages != "" {
		in.StageChanges = clean(j, StageChanges(j.cfg.stages))
	}
	rep, err := funnel.Run(ctx, pipelines, in, &funnel.Options{AsOf: j.cfg.asOf, SkipBad: j.cfg.skipBad})
	if err != nil {
		return err
	}
	f, err := j.create("funnel.txt")
	if err != nil {
		return err
	}
	_, err = rep.WriteTo(f)
	if err := errors.Join(err, f.Close()); err != nil {
		return err
	}
	return j.writeJSON("funnel.json", rep)
}

// forecast reads the orders once, sums them per series and month, then fits
// and forecasts every series in parallel. A series that fails is written to
// forecast_errors.csv; it does not stop the others.
func (j *job) forecast(ctx context.Context) error {
	type key = string
	buckets := map[key]map[time.Time]float64{}
	var first time.Time
	for o, err := range j.orders("forecast") {
		if err != nil {
			return err
		}
		if o.Time.After(j.cfg.asOf) {
			return crmkit.Errorf("order", -1, o.ID, "time", crmkit.ErrFuture, "%s after -asof", o.Time.Format(time.RFC3339))
		}
		v, err := crmkit.ToFloat(o.Amount)
		if err != nil {
			return crmkit.Errorf("order", -1, o.ID, "amount", crmkit.ErrInvalid, "%v", err)
		}
		k := "all"
		switch j.cfg.seriesBy {
		case "product":
			k = o.Product
		case "customer":
			k = o.CustomerID
		}
		m := time.Date(o.Time.Year(), o.Time.Month(), 1, 0, 0, 0, 0, time.UTC)
		if first.IsZero() || m.Before(first) {
			first = m
		}
		if buckets[k] == nil {
			buckets[k] = map[time.Time]float64{}
		}
		buckets[k][m] += v
	}
	keys := make([]string, 0, len(buckets))
	for k := range buckets {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	// Series run from the first month with any order to the month of -asof,
	// the months without orders counting as zero sales.
	end := time.Date(j.cfg.asOf.Year(), j.cfg.asOf.Month(), 1, 0, 0, 0, 0, time.UTC).AddDate(0, 1, 0)
	type result struct {
		model string
		start time.Time
		fc    forecast.Forecast
	}
	res, err := forecast.Batch(ctx, keys, func(k string) string { return k }, func(ctx context.Context, k string) (result, error) {
		pts := func(yield func(forecast.Point, error) bool) {
			for t, v := range buckets[k] {
				if !yield(forecast.Point{Time: t, Value: v}, nil) {
					return
				}
			}
		}
		agg, err := forecast.Aggregate(ctx, pts, &forecast.AggregateOptions{Freq: forecast.Monthly(), From: first, To: end})
		if err != nil {
			return result{}, err
		}
		m, err := autoModel(agg.Series.Values, 12)
		if err != nil {
			return result{}, err
		}
		fc, err := m.Forecast(j.cfg.horizon, 80, 95)
		if err != nil {
			return result{}, err
		}
		return result{model: m.String(), start: agg.Series.Time(len(agg.Series.Values)), fc: fc}, nil
	}, &forecast.BatchOptions{Workers: j.cfg.workers, Progress: func(d, total int) {
		if !j.cfg.quiet && (d == total || d%100 == 0) {
			fmt.Fprintf(j.stderr, "\rforecast %d/%d series", d, total)
			if d == total {
				fmt.Fprintln(j.stderr)
			}
		}
	}})
	if err != nil {
		return err
	}
	var failed int
	err = j.writeCSV("forecasts.csv", []string{"series", "model", "step", "month", "mean", "lo80", "hi80", "lo95", "hi95"}, func(emit func(...string) error) error {
		for _, r := range res {
			if r.Err != nil {
				continue
			}
			fc := r.Value.fc
			for h := range fc.Mean {
				row := []string{r.Key, r.Value.model, strconv.Itoa(h + 1), r.Value.start.AddDate(0, h, 0).Format("2006-01"), num(fc.Mean[h])}
				for _, iv := range fc.Intervals {
					row = append(row, num(iv.Lower[h]), num(iv.Upper[h]))
				}
				if err := emit(row...); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	err = j.writeCSV("forecast_errors.csv", []string{"series", "error"}, func(emit func(...string) error) error {
		for _, r := range res {
			if r.Err != nil {
				failed++
				if err := emit(r.Key, r.Err.Error()); err != nil {
					return err
				}
			}
		}
		return nil
	})
	fmt.Fprintf(j.stdout, "forecast: %d series, %d failed (see forecast_errors.csv)\n", len(res), failed)
	return err
}

// autoModel is the batch job's automatic model: the combination of automatic
// ETS, AutoARIMA and Theta (crmkit's recommended default for sales series),
// then ETS alone, falling back to a seasonal naive forecast (or a naive one
// for a series shorter than two seasons) when neither can be fitted.
func autoModel(y []float64, period int) (forecast.Model, error) {
	if c, err := forecast.FitCombination(y, period, nil); err == nil {
		return c, nil
	}
	m, err := forecast.FitETS(y, period, "ZZZ", nil)
	if err == nil {
		return m, nil
	}
	if len(y) >= 2*period {
		if sn, err2 := forecast.SeasonalNaive(y, period); err2 == nil {
			return sn, nil
		}
	}
	if nv, err2 := forecast.Naive(y); err2 == nil {
		return nv, nil
	}
	return nil, err
}

func num(f float64) string {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return ""
	}
	return strconv.FormatFloat(f, 'f', 2, 64)
}

func (j *job) values(ctx context.Context) ([]segment.CustomerValue, error) {
	return segment.CustomerValues(ctx, j.orders("tiers"), segment.ValuesOptions{To: j.cfg.asOf.Add(time.Nanosecond)})
}

func (j *job) tiers(ctx context.Context) error {
	vals, err := j.values(ctx)
	if err != nil {
		return err
	}
	t, err := segment.AssignTiers(vals, nil)
	if err != nil {
		return err
	}
	conc, err := segment.ConcentrationOf(vals, nil)
	if err != nil {
		return err
	}
	fmt.Fprintf(j.stdout, "tiers: %d customers; %s; Gini %.3f\n", conc.Customers, conc.Pareto.Statement, conc.Gini)
	if err := j.writeJSON("concentration.json", conc); err != nil {
		return err
	}
	return j.writeCSV("tiers.csv", []string{"customer_id", "tier", "rank", "value", "share", "cumulative_before"}, func(emit func(...string) error) error {
		for _, a := range t.Assignments {
			if err := emit(a.CustomerID, a.Tier, strconv.Itoa(a.Rank), a.Value.String(), strconv.FormatFloat(a.Share, 'g', 6, 64), strconv.FormatFloat(a.Before, 'g', 6, 64)); err != nil {
				return err
			}
		}
		return nil
	})
}

func (j *job) rfm(ctx context.Context) error {
	res, err := segment.ScoreRFM(ctx, j.orders("rfm"), segment.RFMOptions{AsOf: j.cfg.asOf})
	if err != nil {
		return err
	}
	if err := j.writeJSON("rfm_segments.json", res.Counts); err != nil {
		return err
	}
	return j.writeCSV("rfm.csv", []string{"customer_id", "recency_days", "frequency", "monetary", "r", "f", "m", "segment"}, func(emit func(...string) error) error {
		for _, c := range res.Customers {
			if err := emit(c.CustomerID, strconv.FormatFloat(c.Recency, 'f', 1, 64), strconv.Itoa(c.Frequency), c.Monetary.String(), strconv.Itoa(c.R), strconv.Itoa(c.F), strconv.Itoa(c.M), c.Segment); err != nil {
				return err
			}
		}
		return nil
	})
}

// ltv fits BG/NBD and Gamma-Gamma on weekly summaries up to -asof and values
// every customer over the next 52 weeks at 10% a year.
func (j *job) ltv(ctx context.Context) error {
	sums, err := segment.Summarize(ctx, j.orders("ltv"), segment.SummaryOptions{CalibrationEnd: j.cfg.asOf})
	if err != nil {
		return err
	}
	bg, err := segment.FitBGNBD(sums, nil)
	if err != nil {
		return fmt.Errorf("BG/NBD: %w", err)
	}
	gg, err := segment.FitGammaGamma(sums, nil)
	if err != nil {
		return fmt.Errorf("Gamma-Gamma: %w", err)
	}
	vals, err := segment.LifetimeValues(ctx, bg, gg, sums, segment.ValueOptions{Horizon: 52, Step: 52.0 / 12, DiscountRate: math.Pow(1.1, 1.0/12) - 1})
	if err != nil {
		return err
	}
	return j.writeCSV("ltv.csv", []string{"customer_id", "prob_alive", "risk", "expected_purchases_52w", "spend_per_purchase", "clv_52w"}, func(emit func(...string) error) error {
		for _, v := range vals {
			if err := emit(v.CustomerID, strconv.FormatFloat(v.ProbAlive, 'f', 4, 64), string(v.Risk), strconv.FormatFloat(v.Purchases, 'f', 3, 64), v.Spend.StringFixed(2), v.CLV.StringFixed(2)); err != nil {
				return err
			}
		}
		return nil
	})
}
