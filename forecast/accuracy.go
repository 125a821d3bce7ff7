package forecast

import (
	"errors"
	"fmt"
	"math"
)

// ErrLength is returned when slices that must line up have different lengths
// or are empty.
var ErrLength = errors.New("forecast: length mismatch or empty input")

// Accuracy holds the usual forecast-accuracy measures of a forecast against
// what happened, as R's forecast::accuracy defines them, plus sMAPE as the M3
// competition defines it. Percentages are in percent. A measure that is not
// defined for the data (MAPE with a zero actual, MASE without a usable scale)
// is NaN; JSON marshalling of the struct then fails, so hosts that marshal it
// should check with [Accuracy.Defined] first or use the Finite copy.
// The zero value (N = 0, every measure 0) means nothing was measured; an
// Accuracy is a plain value, safe for concurrent reads.
type Accuracy struct {
	N     int     `json:"n"`
	ME    float64 `json:"me"`
	MAE   float64 `json:"mae"`
	RMSE  float64 `json:"rmse"`
	MPE   float64 `json:"mpe"`
	MAPE  float64 `json:"mape"`
	SMAPE float64 `json:"smape"`
	MASE  float64 `json:"mase"`
}

// Finite returns a copy with every undefined (NaN or infinite) measure set to
// -1, a value no measure can take, so the result marshals to JSON.
func (a Accuracy) Finite() Accuracy {
	for _, p := range []*float64{&a.ME, &a.MAE, &a.RMSE, &a.MPE, &a.MAPE, &a.SMAPE, &a.MASE} {
		if math.IsNaN(*p) || math.IsInf(*p, 0) {
			*p = -1
		}
	}
	return a
}

// Defined reports whether every measure is finite.
func (a Accuracy) Defined() bool { return a == a.Finite() }

// MASEScale is the in-sample mean absolute seasonal difference of train at lag
// period (lag 1 when period < 2), the scale that MASE and the scaled interval
// score divide by (Hyndman & Koehler 2006). NaN values in train are skipped.
// It returns NaN when train is too short or the scale is zero.
func MASEScale(train []float64, period int) float64 {
	m := max(period, 1)
	var s float64
	n := 0
	for i := m; i < len(train); i++ {
		d := train[i] - train[i-m]
		if math.IsNaN(d) {
			continue
		}
		s += math.Abs(d)
		n++
	}
	if n == 0 || s == 0 {
		return math.NaN()
	}
	return s / float64(n)
}

// Measure compares forecast with actual. train is the series the forecast was
// made from, used only for the MASE scale at the given seasonal period (pass
// nil to leave MASE undefined). Pairs where either value is NaN are skipped;
// N counts the pairs used.
//
// sMAPE is the M3 competition's: the mean of 200·|y−f|/(|y|+|f|), with a pair
// where both are zero counting as 0.
func Measure(actual, forecast, train []float64, period int) (Accuracy, error) {
	if len(actual) == 0 || len(actual) != len(forecast) {
		return Accuracy{}, fmt.Errorf("%w: %d actual values, %d forecasts", ErrLength, len(actual), len(forecast))
	}
	var a Accuracy
	var se, pe, ape, sape float64
	pctOK := true
	for i, y := range actual {
		f := forecast[i]
		if math.IsNaN(y) || math.IsNaN(f) {
			continue
		}
		e := y - f
		a.N++
		a.ME += e
		a.MAE += math.Abs(e)
		se += e * e
		if y == 0 {
			pctOK = false
		} else {
			pe += 100 * e / y
			ape += 100 * math.Abs(e/y)
		}
		if d := math.Abs(y) + math.Abs(f); d > 0 {
			sape += 200 * math.Abs(e) / d
		}
	}
	if a.N == 0 {
		return Accuracy{}, fmt.Errorf("%w: no pair without NaN", ErrLength)
	}
	n := float64(a.N)
	a.ME /= n
	a.MAE /= n
	a.RMSE = math.Sqrt(se / n)
	a.SMAPE = sape / n
	a.MPE, a.MAPE = math.NaN(), math.NaN()
	if pctOK {
		a.MPE, a.MAPE = pe/n, ape/n
	}
	a.MASE = a.MAE / MASEScale(train, period)
	return a, nil
}

// IntervalAccuracy measures a prediction interval against what happened.
// Coverage is the share of actual values inside [lower, upper] (to compare with
// the nominal Level); Score is the mean interval score of Gneiting & Raftery
// (2007), width plus 2/α times the distance by which the actual falls outside,
// with α = 1 − Level/100; ScaledScore divides Score by the MASE scale (MSIS, as
// in the M4 competition) and is NaN without a usable scale.
// The zero value (N = 0) means nothing was measured; values are plain and
// safe for concurrent reads.
type IntervalAccuracy struct {
	Level       float64 `json:"level"`
	N           int     `json:"n"`
	Coverage    float64 `json:"coverage"`
	Score       float64 `json:"score"`
	ScaledScore float64 `json:"scaled_score"`
}

// MeasureInterval compares actual with one prediction interval. Pairs with a
// NaN are skipped. train and period give the scale for ScaledScore.
func MeasureInterval(actual []float64, iv Interval, train []float64, period int) (IntervalAccuracy, error) {
	if len(actual) == 0 || len(iv.Lower) != len(actual) || len(iv.Upper) != len(actual) {
		return IntervalAccuracy{}, fmt.Errorf("%w: %d actual values, interval of %d/%d", ErrLength, len(actual), len(iv.Lower), len(iv.Upper))
	}
	if !(iv.Level > 0 && iv.Level < 100) {
		return IntervalAccuracy{}, fmt.Errorf("forecast: interval level %v outside (0, 100)", iv.Level)
	}
	alpha := 1 - iv.Level/100
	r := IntervalAccuracy{Level: iv.Level}
	var in int
	for i, y := range actual {
		l, u := iv.Lower[i], iv.Upper[i]
		if math.IsNaN(y) || math.IsNaN(l) || math.IsNaN(u) {
			continue
		}
		r.N++
		s := u - l
		switch {
		case y < l:
			s += 2 / alpha * (l - y)
		case y > u:
			s += 2 / alpha * (y - u)
		default:
			in++
		}
		r.Score += s
	}
	if r.N == 0 {
		return IntervalAccuracy{}, fmt.Errorf("%w: no pair without NaN", ErrLength)
	}
	r.Coverage = float64(in) / float64(r.N)
	r.Score /= float64(r.N)
	r.ScaledScore = r.Score / MASEScale(train, period)
	return r, nil
}
