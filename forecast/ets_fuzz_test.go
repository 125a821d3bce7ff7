package forecast

import (
	"encoding/binary"
	"errors"
	"math"
	"testing"
)

// etsFuzzTyped fails t unless err is an *ETSError wrapping one of this
// package's sentinels (check.go's contract for every model).
func etsFuzzTyped(t *testing.T, err error) {
	t.Helper()
	var ee *ETSError
	if !errors.As(err, &ee) {
		t.Fatalf("%T is not an *ETSError: %v", err, err)
	}
	for _, s := range []error{ErrTooShort, ErrMissing, ErrNonPositive, ErrConstant, ErrInvalid, ErrHorizon, ErrETSFit} {
		if errors.Is(err, s) {
			return
		}
	}
	t.Fatalf("error wraps no forecast sentinel: %v", err)
}

// etsFuzzSeries decodes up to 80 float64 values from data.
func etsFuzzSeries(data []byte) []float64 {
	var y []float64
	for len(data) >= 8 && len(y) < 80 {
		y = append(y, math.Float64frombits(binary.LittleEndian.Uint64(data)))
		data = data[8:]
	}
	return y
}

func etsFuzzBytes(y ...float64) []byte {
	b := make([]byte, 0, 8*len(y))
	for _, v := range y {
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(v))
	}
	return b
}

var etsFuzzSpecs = []string{"ZZZ", "ANN", "MAdM", "AAA", "MNM", "MMN", "AZN", "ZZN", "MMdM"}

// FuzzFitETS: fitting and forecasting never panic or hang, whatever the
// values (NaN, Inf, huge, constant, negative), period and spec; a fit either
// fails with an *ETSError wrapping a forecast sentinel or forecasts h values.
func FuzzFitETS(f *testing.F) {
	f.Add(etsFuzzBytes(etsAir[:30]...), uint8(12), uint8(0))
	f.Add(etsFuzzBytes(1, 2, 3, 4, 5, 6, 7, 8, 9, 10), uint8(4), uint8(2))
	f.Add(etsFuzzBytes(5, 5, 5, 5, 5, 5, 5, 5, 5), uint8(1), uint8(0))
	f.Add(etsFuzzBytes(1, math.NaN(), 3, 4, 5, 6, 7, 8), uint8(1), uint8(1))
	f.Add(etsFuzzBytes(1, math.Inf(1), 3, 4, 5, 6, 7, 8), uint8(1), uint8(1))
	f.Add(etsFuzzBytes(1e149, -1e149, 1e149, 3, 1e149, 2, 7, 8, 9, 10), uint8(2), uint8(3))
	f.Add(etsFuzzBytes(0, 0, 0, 1, 0, 0, 2, 0, 0, 0, 1), uint8(3), uint8(4))
	f.Add(etsFuzzBytes(1, 2, 3), uint8(30), uint8(0))
	f.Add([]byte{}, uint8(1), uint8(0))
	f.Fuzz(func(t *testing.T, data []byte, period uint8, spec uint8) {
		y := etsFuzzSeries(data)
		sp := etsFuzzSpecs[int(spec)%len(etsFuzzSpecs)]
		fit, err := FitETS(y, int(period), sp, &ETSOptions{MaxEval: 300, NPaths: 50})
		if err != nil {
			etsFuzzTyped(t, err)
			return
		}
		fc, err := fit.Forecast(4, 80)
		if err != nil {
			t.Fatalf("fitted %s but Forecast failed: %v", fit, err)
		}
		if len(fc.Mean) != 4 || len(fc.Intervals) != 1 || len(fc.Intervals[0].Lower) != 4 {
			t.Fatalf("forecast shape %+v", fc)
		}
	})
}

// FuzzTheta: Theta never panics or hangs; a fit forecasts h values.
func FuzzTheta(f *testing.F) {
	f.Add(etsFuzzBytes(etsAir[:40]...), uint8(12), false)
	f.Add(etsFuzzBytes(etsAir[:40]...), uint8(12), true)
	f.Add(etsFuzzBytes(5, 5, 5, 5, 5, 5, 5, 5, 5), uint8(4), true)
	f.Add(etsFuzzBytes(1, math.NaN(), 3, 4, 5, 6, 7, 8), uint8(1), false)
	f.Add(etsFuzzBytes(1e149, -1e149, 1e149, 3, 1e149, 2, 7, 8, 9, 10), uint8(2), true)
	f.Add(etsFuzzBytes(0, 0, 0, 1, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0), uint8(3), false)
	f.Fuzz(func(t *testing.T, data []byte, period uint8, opt bool) {
		y := etsFuzzSeries(data)
		m, err := Theta(y, int(period), &ThetaOptions{Optimized: opt})
		if err != nil {
			etsFuzzTyped(t, err)
			return
		}
		fc, err := m.Forecast(4, 95)
		if err != nil {
			t.Fatalf("fitted but Forecast failed: %v", err)
		}
		if len(fc.Mean) != 4 {
			t.Fatalf("forecast shape %+v", fc)
		}
	})
}
