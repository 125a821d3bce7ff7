package funnel

import (
	"fmt"
	"math"
	"time"

	"github.com/crmkit/crmkit"
	"github.com/crmkit/crmkit/forecast"
	"github.com/shopspring/decimal"
)

// Outlook sets the pipeline forecast beside a time-series forecast of
// run-rate revenue, period by period: what the open deals should bring and
// what the revenue history says the period will bring. Model names the
// time-series model. The zero value is empty. A plain value, safe for
// concurrent reads.
type Outlook struct {
	Model   string          `json:"model"`
	Periods []OutlookPeriod `json:"periods"`
}

// OutlookPeriod is one period of an [Outlook]. Pipeline* are the company
// total of the pipeline forecast (expected won amount, P10, P90); RunRate
// is the time-series point forecast with its intervals; Gap = RunRate −
// PipelineExpected, the revenue that must come from deals not yet in the
// pipeline (or from non-pipeline revenue) if the run rate holds. The zero
// value is an empty period. It is a plain value, safe for concurrent reads.
type OutlookPeriod struct {
	Start            time.Time         `json:"start"`
	End              time.Time         `json:"end"`
	PipelineExpected decimal.Decimal   `json:"pipeline_expected"`
	PipelineP10      decimal.Decimal   `json:"pipeline_p10"`
	PipelineP90      decimal.Decimal   `json:"pipeline_p90"`
	RunRate          decimal.Decimal   `json:"run_rate"`
	Intervals        []OutlookInterval `json:"intervals,omitempty"`
	Gap              decimal.Decimal   `json:"gap"`
}

// OutlookInterval is a run-rate prediction interval at Level percent. The
// zero value is an empty interval. It is a plain value, safe for concurrent
// reads.
type OutlookInterval struct {
	Level float64         `json:"level"`
	Lower decimal.Decimal `json:"lower"`
	Upper decimal.Decimal `json:"upper"`
}

// CombineOutlook puts a pipeline forecast and a fitted time-series model of
// revenue per period side by side. The model must have been fitted on a
// series whose last observation is the period before the forecast's first
// period, in the same period length; it may be any [forecast.Model] (ETS,
// ARIMA, a baseline, the host's own). levels are interval levels in percent.
func CombineOutlook(f *PipelineForecast, m forecast.Model, levels ...float64) (*Outlook, error) {
	if f == nil || m == nil {
		return nil, fmt.Errorf("funnel: CombineOutlook: %w: forecast and model", crmkit.ErrMissing)
	}
	h := len(f.Total.Periods)
	if h == 0 {
		return nil, fmt.Errorf("funnel: CombineOutlook: %w: forecast has no periods", crmkit.ErrMissing)
	}
	fc, err := m.Forecast(h, levels...)
	if err != nil {
		return nil, fmt.Errorf("funnel: CombineOutlook: %s: %w", m.String(), err)
	}
	if len(fc.Mean) != h {
		return nil, fmt.Errorf("funnel: CombineOutlook: %w: model returned %d values for %d periods", crmkit.ErrInvalid, len(fc.Mean), h)
	}
	money := func(v float64) (decimal.Decimal, error) {
		d, err := crmkit.FromFloat(v)
		if err != nil {
			return d, fmt.Errorf("funnel: CombineOutlook: %s: %w", m.String(), err)
		}
		return d, nil
	}
	out := &Outlook{Model: m.String()}
	for k, pf := range f.Total.Periods {
		op := OutlookPeriod{Start: pf.Start, End: pf.End, PipelineExpected: pf.Expected, PipelineP10: pf.P10, PipelineP90: pf.P90}
		if op.RunRate, err = money(fc.Mean[k]); err != nil {
			return nil, err
		}
		for _, iv := range fc.Intervals {
			if len(iv.Lower) != h || len(iv.Upper) != h || math.IsNaN(iv.Level) {
				return nil, fmt.Errorf("funnel: CombineOutlook: %w: malformed %v%% interval", crmkit.ErrInvalid, iv.Level)
			}
			oi := OutlookInterval{Level: iv.Level}
			if oi.Lower, err = money(iv.Lower[k]); err != nil {
				return nil, err
			}
			if oi.Upper, err = money(iv.Upper[k]); err != nil {
				return nil, err
			}
			op.Intervals = append(op.Intervals, oi)
		}
		op.Gap = op.RunRate.Sub(op.PipelineExpected)
		out.Periods = append(out.Periods, op)
	}
	return out, nil
}
