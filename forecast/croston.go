package forecast

import (
	"fmt"
	"math"
)

// CrostonOptions configures [Croston]. A nil pointer or the zero value means
// R's defaults: alpha 0.1 and Croston's original method.
// Options are only read, so one value may be shared by concurrent calls.
type CrostonOptions struct {
	// Alpha is the smoothing parameter for both the demand sizes and the
	// intervals between demands, in (0, 1]; 0 means 0.1 as in R.
	Alpha float64 `json:"alpha,omitempty"`
	// SBA applies the Syntetos–Boylan approximation, multiplying the
	// forecast by 1 − α/2 to remove the bias of Croston's ratio.
	SBA bool `json:"sba,omitempty"`
}

// CrostonRequirements returns what [Croston] needs: one observation and no
// missing values. Croston also rejects negative demand ([ErrInvalid]), which
// Requirements cannot express.
func CrostonRequirements() Requirements {
	return Requirements{Model: "Croston", MinLength: 1}
}

// CrostonModel is a fitted Croston (or SBA) model for intermittent demand:
// slow-moving products with many periods of zero sales. It is immutable and
// safe for concurrent use; the zero value is not a usable model.
type CrostonModel struct {
	alpha     float64
	sba       bool
	size, gap float64 // smoothed demand size and inter-demand interval
	rate      float64 // size/gap (times 1 − α/2 for SBA)
	fitted    []float64
}

// Croston fits Croston's method for intermittent demand as R's
// forecast::croston does: simple exponential smoothing, started at the first
// value, of the non-zero demands and, separately, of the intervals between
// them; the forecast is their ratio, the same for every horizon. A series
// with no demand forecasts 0; one with a single demand forecasts its size
// divided by its position.
//
// y must be non-negative with no missing values ([ErrInvalid], [ErrMissing]).
// Croston's method has no stochastic model (Shenstone & Hyndman 2005), so
// the forecast carries no prediction intervals; see [CrostonModel.Forecast].
func Croston(y []float64, opts *CrostonOptions) (*CrostonModel, error) {
	var o CrostonOptions
	if opts != nil {
		o = *opts
	}
	if o.Alpha == 0 {
		o.Alpha = 0.1
	}
	name := "Croston"
	if o.SBA {
		name = "SBA"
	}
	if !(o.Alpha > 0 && o.Alpha <= 1) {
		return nil, &CheckError{Model: name, Index: -1, Err: ErrInvalid, Detail: fmt.Sprintf("alpha %v outside (0, 1]", o.Alpha)}
	}
	req := CrostonRequirements()
	req.Model = name
	if err := req.Check(y, 1); err != nil {
		return nil, err
	}
	for i, v := range y {
		if v < 0 {
			return nil, &CheckError{Model: name, Index: i, Err: ErrInvalid, Detail: fmt.Sprintf("negative demand %v", v)}
		}
	}
	m := &CrostonModel{alpha: o.Alpha, sba: o.SBA, fitted: make([]float64, len(y))}
	factor := 1.0
	if o.SBA {
		factor = 1 - o.Alpha/2
	}
	// One pass: after each observation the state gives R's croston2 on the
	// prefix, which is the fitted value for the next period.
	count, last := 0, 0 // demands seen; 1-based position of the last one
	m.fitted[0] = math.NaN()
	for i, v := range y {
		if v > 0 {
			gap := float64(i + 1 - last)
			if count == 0 {
				m.size, m.gap = v, gap
			} else {
				m.size += o.Alpha * (v - m.size)
				m.gap += o.Alpha * (gap - m.gap)
			}
			count++
			last = i + 1
		}
		if count > 0 {
			m.rate = m.size / m.gap * factor
		}
		if i+1 < len(y) {
			m.fitted[i+1] = m.rate
		}
	}
	if math.IsInf(m.rate, 0) || math.IsNaN(m.rate) {
		return nil, &CheckError{Model: name, Index: -1, Err: ErrInvalid, Detail: "demand overflows float64"}
	}
	return m, nil
}

// String returns "Croston's method" (R's name) or "SBA".
func (m *CrostonModel) String() string {
	if m.sba {
		return "SBA"
	}
	return "Croston's method"
}

// Rate returns the forecast demand per period.
func (m *CrostonModel) Rate() float64 { return m.rate }

// Fitted returns the one-step-ahead fitted values, as R's croston: element i
// is the forecast from y[:i]; element 0 is NaN. The caller owns the slice.
func (m *CrostonModel) Fitted() []float64 { return append([]float64(nil), m.fitted...) }

// Forecast returns h copies of the demand rate. Croston's method defines no
// prediction intervals: levels are validated, and the result has no
// Intervals, which backtests report as coverage not measured.
func (m *CrostonModel) Forecast(h int, levels ...float64) (Forecast, error) {
	if m == nil || m.fitted == nil {
		return Forecast{}, fmt.Errorf("%w: forecast from an unfitted CrostonModel", ErrInvalid)
	}
	if err := CheckHorizon(h, levels...); err != nil {
		return Forecast{}, err
	}
	fc := Forecast{Mean: make([]float64, h)}
	for j := range fc.Mean {
		fc.Mean[j] = m.rate
	}
	return fc, nil
}
