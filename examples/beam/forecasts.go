package crmbeam

import (
	"cmp"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/io/textio"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/register"
	"github.com/crmkit/crmkit"
	"github.com/crmkit/crmkit/forecast"
)

// ForecastConfig configures [Forecasts]. Sales and End are required.
//
// Sales is a file glob; Format is "csv" (columns series, time in RFC 3339,
// amount; a first line starting with "series" is a header) or "jsonl" (one
// [SalesRecord] per line); "" picks by the glob's extension. Each series
// runs monthly (UTC) from its first sale's month to the month before End;
// sales at or after End are error records. Horizon is the number of months
// forecast (0: 12) with intervals at Levels (nil: 80 and 95). Backtest
// configures the rolling-origin accuracy check (nil: 3-month forecasts from
// origins 3 months apart over the last year, seasonal period 12).
type ForecastConfig struct {
	Sales    string                    `json:"sales"`
	Format   string                    `json:"format,omitempty"`
	Output   string                    `json:"output"`
	End      time.Time                 `json:"end"`
	Horizon  int                       `json:"horizon,omitempty"`
	Levels   []float64                 `json:"levels,omitempty"`
	Backtest *forecast.BacktestOptions `json:"backtest,omitempty"`
}

// SeriesForecast is one series' result of [Forecasts]: the automatic
// model's forecast from Start (the first month after the data) and its
// backtest accuracy (nil when the backtest failed; see the errors output).
type SeriesForecast struct {
	Series   string                   `json:"series"`
	Months   int                      `json:"months"`
	Sales    int                      `json:"sales"`
	Model    string                   `json:"model"`
	Start    time.Time                `json:"start"`
	Forecast forecast.Forecast        `json:"forecast"`
	Backtest *forecast.BacktestResult `json:"backtest,omitempty"`
}

// Forecasts adds the many-series forecasting pipeline to s: read sales,
// group them by series key, aggregate each key into a monthly series
// ([forecast.Aggregate]), fit the automatic model ([AutoModel]), forecast,
// and backtest ([forecast.Backtest]). Each series is independent, so the
// runner spreads them over all workers. A series that fails (too short,
// non-finite totals, a model error, even a panic) becomes an error record;
// the other series are unaffected. It writes forecasts.jsonl and
// errors.jsonl under cfg.Output.
func Forecasts(s beam.Scope, cfg ForecastConfig) error {
	format, err := formatOf(cfg.Format, cfg.Sales)
	if err != nil {
		return err
	}
	if cfg.Sales == "" || cfg.End.IsZero() {
		return fmt.Errorf("crmbeam: Sales glob and End are required")
	}
	if cfg.Horizon < 0 || cfg.Horizon > forecast.MaxHorizon {
		return fmt.Errorf("crmbeam: Horizon %d outside 0..%d", cfg.Horizon, forecast.MaxHorizon)
	}
	s = s.Scope("Forecasts")
	lines := textio.Read(s, cfg.Sales)
	points, parseErrs := beam.ParDo2(s, &parseSaleFn{Format: format, End: cfg.End}, lines)
	grouped := beam.GroupByKey(s, points)
	fcs, seriesErrs := beam.ParDo2(s, &seriesFn{Cfg: cfg}, grouped)
	writeJSONL(s, outPath(cfg.Output, "forecasts.jsonl"), fcs)
	writeJSONL(s, outPath(cfg.Output, "errors.jsonl"), beam.Flatten(s, parseErrs, seriesErrs))
	return nil
}

func init() {
	register.DoFn3x1[string, func(string, forecast.Point), func(ErrorRecord), error](&parseSaleFn{})
	register.DoFn5x0[context.Context, string, func(*forecast.Point) bool, func(SeriesForecast), func(ErrorRecord)](&seriesFn{})
	register.Emitter2[string, forecast.Point]()
	register.Iter1[forecast.Point]()
	register.Emitter1[SeriesForecast]()
	beam.RegisterCoder(reflect.TypeFor[SeriesForecast](), encSeries, decSeries)
}

func encSeries(v SeriesForecast) ([]byte, error) { return json.Marshal(v) }
func decSeries(b []byte) (SeriesForecast, error) {
	var v SeriesForecast
	err := json.Unmarshal(b, &v)
	return v, err
}

type parseSaleFn struct {
	Format string
	End    time.Time
}

func (f *parseSaleFn) ProcessElement(line string, emit func(string, forecast.Point), errs func(ErrorRecord)) error {
	if strings.TrimSpace(line) == "" {
		return nil
	}
	r, err := parseSale(f.Format, line)
	if err == errHeader {
		return nil
	}
	if err == nil {
		switch {
		case r.Series == "":
			err = crmkit.Errorf("sale", -1, "", "series", crmkit.ErrMissing, "")
		case r.Time.IsZero():
			err = crmkit.Errorf("sale", -1, r.Series, "time", crmkit.ErrMissing, "")
		case !r.Time.Before(f.End):
			err = crmkit.Errorf("sale", -1, r.Series, "time", crmkit.ErrFuture, "%v is not before the end %v", r.Time, f.End)
		case math.IsNaN(r.Amount) || math.IsInf(r.Amount, 0):
			err = crmkit.Errorf("sale", -1, r.Series, "amount", crmkit.ErrInvalid, "%v", r.Amount)
		}
	}
	if err != nil {
		errs(newErrorRecord("parse", r.Series, line, err))
		return nil
	}
	emit(r.Series, forecast.Point{Time: r.Time, Value: r.Amount})
	return nil
}

func parseSale(format, line string) (SalesRecord, error) {
	var r SalesRecord
	if format == "jsonl" {
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			return r, crmkit.Errorf("sale", -1, "", "", crmkit.ErrInvalid, "%v", err)
		}
		return r, nil
	}
	cr := csv.NewReader(strings.NewReader(line))
	cr.FieldsPerRecord = 3
	rec, err := cr.Read()
	if err != nil {
		return r, crmkit.Errorf("sale", -1, "", "", crmkit.ErrInvalid, "%v", err)
	}
	if rec[0] == "series" {
		return r, errHeader
	}
	r.Series = rec[0]
	if rec[1] != "" {
		if r.Time, err = time.Parse(time.RFC3339, rec[1]); err != nil {
			return r, crmkit.Errorf("sale", -1, r.Series, "time", crmkit.ErrInvalid, "%v", err)
		}
	}
	if r.Amount, err = strconv.ParseFloat(rec[2], 64); err != nil {
		return r, crmkit.Errorf("sale", -1, r.Series, "amount", crmkit.ErrInvalid, "%v", err)
	}
	return r, nil
}

// SalesCSV formats a sale as a CSV line of the forecasting input.
func SalesCSV(r SalesRecord) string {
	return fmt.Sprintf("%s,%s,%s", r.Series, r.Time.Format(time.RFC3339), strconv.FormatFloat(r.Amount, 'f', -1, 64))
}

type seriesFn struct {
	Cfg ForecastConfig
}

func (f *seriesFn) ProcessElement(ctx context.Context, key string, iter func(*forecast.Point) bool, emit func(SeriesForecast), errs func(ErrorRecord)) {
	var pts []forecast.Point
	var p forecast.Point
	for iter(&p) {
		pts = append(pts, p)
	}
	res, btErr, err := ForecastSeries(ctx, key, pts, f.Cfg)
	if err != nil {
		errs(newErrorRecord("series", key, "", err))
		return
	}
	if btErr != nil {
		errs(newErrorRecord("backtest", key, "", btErr))
	}
	emit(res)
}

// ForecastSeries is the per-series step of [Forecasts], usable without
// Beam: it sorts the points (by time, then value, so that the monthly sums
// are the same whatever order a runner delivers them in), aggregates them
// into a monthly series ending before cfg.End, fits [AutoModel], forecasts
// and backtests. err is set when there is no forecast; btErr when only the
// backtest failed. A panic inside crmkit is returned as an error.
func ForecastSeries(ctx context.Context, key string, pts []forecast.Point, cfg ForecastConfig) (res SeriesForecast, btErr, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("crmbeam: series %q: panic: %v\n%s", key, r, debug.Stack())
		}
	}()
	slices.SortFunc(pts, func(a, b forecast.Point) int {
		if c := a.Time.Compare(b.Time); c != 0 {
			return c
		}
		return cmp.Compare(a.Value, b.Value)
	})
	agg, err := forecast.Aggregate(ctx, crmkit.Stream(pts), &forecast.AggregateOptions{Freq: forecast.Monthly(), To: cfg.End})
	if err != nil {
		return res, nil, err
	}
	y := agg.Series.Values
	res = SeriesForecast{Series: key, Months: len(y), Sales: agg.Points, Start: agg.Series.Time(len(y))}
	m, err := AutoModel(y, 12)
	if err != nil {
		return res, nil, err
	}
	h := cfg.Horizon
	if h == 0 {
		h = 12
	}
	levels := cfg.Levels
	if levels == nil {
		levels = []float64{80, 95}
	}
	if res.Forecast, err = m.Forecast(h, levels...); err != nil {
		return res, nil, err
	}
	res.Model = m.String()
	bo := forecast.BacktestOptions{Horizon: 3, Step: 3, MinTrain: len(y) - 12, Period: 12}
	if cfg.Backtest != nil {
		bo = *cfg.Backtest
	}
	if bo.MinTrain < 1 && cfg.Backtest == nil {
		bo.MinTrain = len(y) / 2
	}
	bt, btErr := forecast.Backtest(ctx, y, func(y []float64) (forecast.Model, error) { return AutoModel(y, 12) }, &bo)
	if btErr == nil {
		res.Backtest = bt
	}
	return res, btErr, nil
}

// AutoModel is the pipelines' automatic model, as in the batch example: ETS
// selected by AICc (R's ets()), falling back to a seasonal naive forecast,
// or a naive one for a series shorter than two seasons, when ETS cannot be
// fitted.
func AutoModel(y []float64, period int) (forecast.Model, error) {
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
