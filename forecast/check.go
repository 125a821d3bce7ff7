package forecast

import (
	"errors"
	"fmt"
	"math"
	"strconv"
)

// Sentinels for data that a model cannot use. Every model in this package
// wraps one of them, usually inside a [*CheckError], so errors.Is works.
var (
	// ErrTooShort: fewer observations than the model needs, or fewer full
	// seasons than a seasonal model needs.
	ErrTooShort = errors.New("forecast: series too short")
	// ErrMissing: the series holds NaN (missing) values and the model does
	// not accept them.
	ErrMissing = errors.New("forecast: missing values")
	// ErrNonPositive: a value is zero or negative where the model needs
	// strictly positive data (multiplicative error or season, Box-Cox).
	ErrNonPositive = errors.New("forecast: non-positive values")
	// ErrConstant: every value is the same and the model cannot be fitted to
	// a constant series.
	ErrConstant = errors.New("forecast: constant series")
	// ErrInvalid: an infinite value in the data, or an argument outside its
	// domain (a period below 1, an interval level outside (0, 100)).
	ErrInvalid = errors.New("forecast: invalid value")
	// ErrHorizon: a forecast horizon below 1 or above [MaxHorizon].
	ErrHorizon = errors.New("forecast: horizon out of range")
)

// MaxHorizon is the largest forecast horizon any model in this package
// accepts. A larger h gets [ErrHorizon] instead of an allocation that could
// exhaust memory; 100,000 steps is 270 years of daily data.
const MaxHorizon = 100_000

// CheckError reports why a series does not meet a model's needs. Model names
// the model (e.g. "ETS(M,A,M)", may be empty), Index is the first offending
// observation (-1 when the problem concerns the series as a whole), and Err
// wraps one of the sentinels above, so errors.Is(err, ErrTooShort) holds.
//
// The zero value formats as a generic error; values are safe for concurrent
// reads.
type CheckError struct {
	Model  string
	Index  int
	Err    error
	Detail string
}

// Error formats the error as `ETS(M,N,N): index 4: forecast: non-positive
// values: y[4] = 0`.
func (e *CheckError) Error() string {
	b := make([]byte, 0, 64)
	if e.Model != "" {
		b = append(b, e.Model...)
		b = append(b, ": "...)
	}
	if e.Index >= 0 {
		b = append(b, "index "...)
		b = strconv.AppendInt(b, int64(e.Index), 10)
		b = append(b, ": "...)
	}
	if e.Err != nil {
		b = append(b, e.Err.Error()...)
	} else {
		b = append(b, "forecast: check failed"...)
	}
	if e.Detail != "" {
		b = append(b, ": "...)
		b = append(b, e.Detail...)
	}
	return string(b)
}

// Unwrap returns the wrapped sentinel.
func (e *CheckError) Unwrap() error { return e.Err }

// Requirements states what a model needs from its data. A model publishes
// its requirements so callers can check a series before fitting (see
// [Requirements.Check]) and so batch code can report a clear reason.
//
// The zero value requires only one finite, non-missing observation.
// Requirements are plain values, safe for concurrent use.
type Requirements struct {
	// Model names the model in error messages.
	Model string `json:"model,omitempty"`
	// MinLength is the smallest number of observations (NaN included)
	// the model accepts; values below 1 mean 1.
	MinLength int `json:"min_length,omitempty"`
	// MinSeasons is the number of full seasonal cycles the model needs when
	// the period is above 1 (e.g. 2 for a seasonal ETS, 1 for a seasonal
	// naive forecast).
	MinSeasons int `json:"min_seasons,omitempty"`
	// Positive requires every value to be > 0 (multiplicative models).
	Positive bool `json:"positive,omitempty"`
	// AllowMissing accepts NaN values; otherwise they are an error.
	AllowMissing bool `json:"allow_missing,omitempty"`
	// RejectConstant makes a constant series an error.
	RejectConstant bool `json:"reject_constant,omitempty"`
}

// Check tests y with seasonal period (values below 2 mean non-seasonal)
// against r and returns nil or every problem found, joined with
// errors.Join, each a [*CheckError]. Infinite values are always an error
// ([ErrInvalid]).
func (r Requirements) Check(y []float64, period int) error {
	var errs []error
	add := func(idx int, sentinel error, format string, args ...any) {
		errs = append(errs, &CheckError{Model: r.Model, Index: idx, Err: sentinel, Detail: fmt.Sprintf(format, args...)})
	}
	if period < 1 {
		add(-1, ErrInvalid, "period %d below 1", period)
		period = 1
	}
	minLen := max(r.MinLength, 1)
	if period > 1 && r.MinSeasons > 0 {
		if period > (math.MaxInt/2)/r.MinSeasons {
			add(-1, ErrTooShort, "%d seasons of period %d cannot fit any series", r.MinSeasons, period)
		} else {
			minLen = max(minLen, r.MinSeasons*period)
		}
	}
	if len(y) < minLen {
		add(-1, ErrTooShort, "%d observations, need at least %d", len(y), minLen)
	}
	firstNaN, firstInf, firstNonPos := -1, -1, -1
	nMissing := 0
	constant := true
	var first float64
	seen := false
	for i, v := range y {
		switch {
		case math.IsNaN(v):
			nMissing++
			if firstNaN < 0 {
				firstNaN = i
			}
			continue
		case math.IsInf(v, 0):
			if firstInf < 0 {
				firstInf = i
			}
			continue
		}
		if v <= 0 && firstNonPos < 0 {
			firstNonPos = i
		}
		if !seen {
			first, seen = v, true
		} else if v != first {
			constant = false
		}
	}
	if firstInf >= 0 {
		add(firstInf, ErrInvalid, "y[%d] = %v", firstInf, y[firstInf])
	}
	if firstNaN >= 0 && !r.AllowMissing {
		add(firstNaN, ErrMissing, "%d missing of %d", nMissing, len(y))
	}
	if len(y) > 0 && !seen && firstInf < 0 {
		add(-1, ErrMissing, "no observed value")
	}
	if r.Positive && firstNonPos >= 0 {
		add(firstNonPos, ErrNonPositive, "y[%d] = %v", firstNonPos, y[firstNonPos])
	}
	if r.RejectConstant && seen && constant && len(y) > 1 {
		add(-1, ErrConstant, "every value is %v", first)
	}
	return errors.Join(errs...)
}

// CheckHorizon validates the arguments of [Model.Forecast]: 1 ≤ h ≤
// [MaxHorizon] ([ErrHorizon]) and every level strictly between 0 and 100
// ([ErrInvalid]). Models call it first so no model allocates for an
// impossible horizon.
func CheckHorizon(h int, levels ...float64) error {
	if h < 1 || h > MaxHorizon {
		return fmt.Errorf("%w: h = %d, want 1..%d", ErrHorizon, h, MaxHorizon)
	}
	for _, l := range levels {
		if !(l > 0 && l < 100) {
			return fmt.Errorf("%w: interval level %v outside (0, 100)", ErrInvalid, l)
		}
	}
	return nil
}
