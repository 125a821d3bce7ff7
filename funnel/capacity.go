package funnel

import (
	"context"
	"fmt"
	"iter"
	"math"
	"time"

	"github.com/crmkit/crmkit"
	"github.com/shopspring/decimal"
)

// Capacity tells how many units operations can deliver in [start, end) for
// a team ("" is the whole company): deals, machines, installation days —
// whatever unit the host counts. +Inf means unlimited. crmkit may call it
// from several goroutines; it must not keep the arguments. A nil Capacity is
// refused by [CheckCapacity] (an error wrapping crmkit.ErrMissing); there is
// no zero value to use.
type Capacity interface {
	Capacity(team string, start, end time.Time) (float64, error)
}

// CapacityFunc adapts a function to [Capacity]. It must be safe for
// concurrent calls. A nil CapacityFunc must not be passed (calling it would
// panic); pass a nil Capacity to get the error instead.
type CapacityFunc func(team string, start, end time.Time) (float64, error)

// Capacity calls f.
func (f CapacityFunc) Capacity(team string, start, end time.Time) (float64, error) {
	return f(team, start, end)
}

// CapacityOptions control [CheckCapacity]: the forecast settings (Targets
// and Currency are ignored) and Units, the Deal.Attributes key holding a
// deal's units (a non-negative decimal, rounded to 4 places); "" counts each
// deal as one unit, as does a deal without the attribute. A nil
// *CapacityOptions is invalid because AsOf is required. Options are only
// read, so one value may serve concurrent calls (if its Forecast.Model and
// Forecast.Slippage allow it).
//
// The zero value of Units counts deals.
type CapacityOptions struct {
	Forecast ForecastOptions `json:"forecast"`
	Units    string          `json:"units,omitempty"`
}

// CapacityPeriod compares the units expected to be won in one period (deals
// already won in it included) with the capacity: ExpectedUnits is the mean,
// P90Units the 90th percentile and PExceed the probability that the units
// won exceed the capacity (P(units ≥ capacity + 0.0001)); 0 when the
// capacity is unlimited. A plain value; the zero value is an empty row. It is
// safe for concurrent reads.
type CapacityPeriod struct {
	Team          string         `json:"team,omitempty"`
	Start         time.Time      `json:"start"`
	End           time.Time      `json:"end"`
	Capacity      float64        `json:"capacity"`
	ExpectedUnits float64        `json:"expected_units"`
	P90Units      float64        `json:"p90_units"`
	PExceed       float64        `json:"p_exceed"`
	Method        ForecastMethod `json:"method"`
}

// CheckCapacity forecasts the units won per period, for the company and per
// team, and compares them with the host's capacity, so operations can
// prepare material and people. It runs [ForecastPipeline] with each deal's
// units in place of its amount. Results come for the company (Team "") and
// each named team in Options.Forecast.Teams, period by period.
func CheckCapacity(ctx context.Context, pipelines []Pipeline, histories iter.Seq2[History, error], capacity Capacity, opts *CapacityOptions) ([]CapacityPeriod, error) {
	if opts == nil || capacity == nil {
		return nil, fmt.Errorf("funnel: CheckCapacity: %w: options and capacity", crmkit.ErrMissing)
	}
	fo := opts.Forecast
	fo.Targets, fo.Currency = nil, ""
	cfg, err := pipeForecastConfig(pipelines, &fo)
	if err != nil {
		return nil, err
	}
	teams := map[string]bool{"": true} // "" asks for the company total
	for _, t := range fo.Teams {
		teams[t] = true
	}
	caps := map[pipeTargetKey]float64{}
	for team := range teams {
		for k := range cfg.periods {
			c, err := capacity.Capacity(team, cfg.bounds[k], cfg.bounds[k+1])
			if err != nil {
				return nil, fmt.Errorf("funnel: CheckCapacity: team %q period %s: %w", team, cfg.bounds[k].Format(time.DateOnly), err)
			}
			if math.IsNaN(c) || c < 0 {
				return nil, fmt.Errorf("funnel: CheckCapacity: %w: capacity %v for team %q period %s", crmkit.ErrInvalid, c, team, cfg.bounds[k].Format(time.DateOnly))
			}
			level := "team"
			if team == "" {
				level = "total"
			}
			caps[pipeTargetKey{team: team, level: level, k: k}] = c
			if !math.IsInf(c, 1) {
				t := Target{Team: team, Period: cfg.period, Start: cfg.bounds[k], Amount: decimal.NewFromFloat(c).RoundBank(crmkit.MoneyPlaces).Add(decimal.New(1, -crmkit.MoneyPlaces))}
				fo.Targets = append(fo.Targets, t)
			}
		}
	}
	units := func(yield func(History, error) bool) {
		idx := -1
		for h, err := range histories {
			idx++
			if err == nil {
				u := decimal.NewFromInt(1)
				if s, ok := h.Deal.Attributes[opts.Units]; ok && opts.Units != "" && s != "" {
					u, err = decimal.NewFromString(s)
					if err != nil || u.Sign() < 0 {
						err = crmkit.Errorf("deal", idx, h.Deal.ID, "attributes."+opts.Units, crmkit.ErrInvalid, "units %q", s)
					}
					u = u.RoundBank(crmkit.MoneyPlaces)
				}
				h.Deal.Amount, h.Deal.Currency = u, ""
			}
			if !yield(h, err) {
				return
			}
		}
	}
	f, err := ForecastPipeline(ctx, pipelines, units, &fo)
	if err != nil {
		return nil, err
	}
	var out []CapacityPeriod
	for _, g := range append([]GroupForecast{f.Total}, f.Teams...) {
		if g.Level == "team" && g.Team == "" {
			continue // reps without a team: part of the total only
		}
		for k, pf := range g.Periods {
			c := caps[pipeTargetKey{team: g.Team, level: g.Level, k: k}]
			e, _ := pf.Expected.Float64()
			p90, _ := pf.P90.Float64()
			cp := CapacityPeriod{Team: g.Team, Start: pf.Start, End: pf.End, Capacity: c, ExpectedUnits: e, P90Units: p90, Method: pf.Method}
			if pf.PReachTarget != nil {
				cp.PExceed = *pf.PReachTarget
			}
			out = append(out, cp)
		}
	}
	return out, nil
}
