package forecast

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"math"
	"testing"
	"time"

	"github.com/crmkit/crmkit"
)

// fcoreFuzzFloats decodes up to 512 float64 values from b (8 bytes each, any
// bit pattern: NaN, ±Inf, subnormals, huge values).
func fcoreFuzzFloats(b []byte) []float64 {
	n := min(len(b)/8, 512)
	out := make([]float64, n)
	for i := range out {
		out[i] = math.Float64frombits(binary.LittleEndian.Uint64(b[8*i:]))
	}
	return out
}

// fcoreFuzzSeed encodes floats for seed corpora.
func fcoreFuzzSeed(v ...float64) []byte {
	b := make([]byte, 8*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint64(b[8*i:], math.Float64bits(x))
	}
	return b
}

func fcoreFuzzSeeds(f *testing.F, add func(b []byte)) {
	nan, inf := math.NaN(), math.Inf(1)
	add(nil)
	add(fcoreFuzzSeed(1))
	add(fcoreFuzzSeed(5, 5, 5, 5, 5, 5, 5, 5))
	add(fcoreFuzzSeed(1, nan, 3, inf, -inf, 0, -2, 1e308, 1e308, -1e308, 4, 4))
	add(fcoreFuzzSeed(10, 12, 11, 13, 12, 90, 14, 13, 15, 30, 31, 30, 32, 31, 33, 32, 34, 33))
	add(fcoreFuzzSeed(math.SmallestNonzeroFloat64, math.MaxFloat64, 0, -math.MaxFloat64, 1, 2, 3, 4, 5, 6, 7, 8))
}

func FuzzRequirementsCheck(f *testing.F) {
	fcoreFuzzSeeds(f, func(b []byte) { f.Add(b, 4, 2, 3, true, false) })
	f.Fuzz(func(t *testing.T, b []byte, period, minSeasons, minLen int, positive, allowMissing bool) {
		y := fcoreFuzzFloats(b)
		req := Requirements{MinLength: minLen, MinSeasons: minSeasons, Positive: positive, AllowMissing: allowMissing, RejectConstant: true}
		err := req.Check(y, period)
		if err == nil {
			if len(y) == 0 {
				t.Fatal("empty series accepted")
			}
			for _, v := range y {
				if math.IsInf(v, 0) || (!allowMissing && math.IsNaN(v)) || (positive && v <= 0) {
					t.Fatalf("accepted %v", y)
				}
			}
			return
		}
		var ce *CheckError
		if !errors.As(err, &ce) {
			t.Fatalf("error %v is not a CheckError", err)
		}
	})
}

func FuzzCheck(f *testing.F) {
	fcoreFuzzSeeds(f, func(b []byte) { f.Add(b, 4, 0.0, 0.0, 0) })
	f.Add(fcoreFuzzSeed(1, 2, 3, 4, 5, 6, 7, 8, 9, 10), 1500, 3.0, 5.0, 1<<40)
	f.Fuzz(func(t *testing.T, b []byte, period int, outTh, shiftTh float64, window int) {
		y := fcoreFuzzFloats(b)
		r, err := Check(y, &CheckOptions{Period: period % 2000, OutlierThreshold: outTh, ShiftThreshold: shiftTh, ShiftWindow: window, Log: window%2 != 0})
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("unexpected error %v", err)
			}
			return
		}
		if _, err := json.Marshal(r); err != nil {
			t.Fatalf("report does not marshal: %v", err)
		}
		if r.Observed+len(r.Missing)+len(r.Infinite) != len(y) || r.N != len(y) {
			t.Fatalf("counts do not add up: %+v", r)
		}
		last := -1
		for _, o := range r.Outliers {
			if o.Index <= last || o.Index >= len(y) || math.IsNaN(y[o.Index]) || math.IsInf(y[o.Index], 0) {
				t.Fatalf("bad outlier %+v", o)
			}
			last = o.Index
		}
		last = -1
		for _, s := range r.LevelShifts {
			if s.Index <= last || s.Index <= 0 || s.Index >= len(y) {
				t.Fatalf("bad level shift %+v", s)
			}
			last = s.Index
		}
	})
}

func FuzzAggregate(f *testing.F) {
	seed := func(secs ...int64) []byte {
		b := make([]byte, 16*len(secs))
		for i, s := range secs {
			binary.LittleEndian.PutUint64(b[16*i:], uint64(s))
			binary.LittleEndian.PutUint64(b[16*i+8:], math.Float64bits(float64(i)+0.5))
		}
		return b
	}
	f.Add(seed(1704067200, 1704153600, 1706745600), 3, int64(0), 0, 0, int64(0), int64(0), false)
	f.Add(seed(0, -62135596800, 253402300799), 1, int64(0), 1, 2, int64(0), int64(0), true)
	f.Add(seed(1704067200, 1704067201), 6, int64(1), 2, 1, int64(1704067200), int64(1704067300), false)
	f.Add(seed(1704067200, math.MaxInt64, math.MinInt64), 6, int64(time.Hour), 0, 0, int64(0), int64(0), true)
	f.Fuzz(func(t *testing.T, b []byte, unit int, every int64, stat, empty int, from, to int64, skip bool) {
		n := min(len(b)/16, 256)
		pts := make([]Point, n)
		for i := range pts {
			pts[i].Time = time.Unix(int64(binary.LittleEndian.Uint64(b[16*i:])), 0)
			pts[i].Value = math.Float64frombits(binary.LittleEndian.Uint64(b[16*i+8:]))
		}
		opts := &AggregateOptions{Freq: Frequency{Unit: Unit(unit % 8), Every: time.Duration(every)},
			Stat: Statistic(stat % 4), Empty: EmptyPolicy(empty % 4), SkipInvalid: skip, WeekStart: time.Weekday(unit % 7)}
		if from != 0 {
			opts.From = time.Unix(from, 0)
		}
		if to != 0 {
			opts.To = time.Unix(to, 0)
		}
		agg, err := Aggregate(context.Background(), crmkit.Stream(pts), opts)
		if err != nil {
			return
		}
		if _, err := json.Marshal(agg); err != nil {
			t.Fatalf("aggregation does not marshal: %v", err)
		}
		if agg.Points+agg.OutOfRange+agg.Skipped != n {
			t.Fatalf("points %d + out %d + skipped %d != %d", agg.Points, agg.OutOfRange, agg.Skipped, n)
		}
		if len(agg.Series.Values) != len(agg.Counts) || len(agg.Counts) > MaxPeriods {
			t.Fatalf("lengths %d %d", len(agg.Series.Values), len(agg.Counts))
		}
		total, empties := 0, 0
		for i, c := range agg.Counts {
			total += c
			if c == 0 {
				empties++
			} else if opts.Stat == Count && agg.Series.Values[i] != float64(c) {
				t.Fatalf("count stat %v for %d points", agg.Series.Values[i], c)
			}
			if v := agg.Series.Values[i]; math.IsInf(v, 0) || (c > 0 && math.IsNaN(v)) {
				t.Fatalf("value %v in period %d", v, i)
			}
		}
		if total != agg.Points || empties != agg.EmptyPeriods {
			t.Fatalf("counts sum %d, points %d; empties %d vs %d", total, agg.Points, empties, agg.EmptyPeriods)
		}
	})
}

func FuzzBaselines(f *testing.F) {
	fcoreFuzzSeeds(f, func(b []byte) { f.Add(b, 4, 6, 0.1) })
	f.Add(fcoreFuzzSeed(1, 2, 3), 1<<30, 1_000_000_000, 2.0)
	f.Fuzz(func(t *testing.T, b []byte, period, h int, alpha float64) {
		y := fcoreFuzzFloats(b)
		fits := []func() (Model, error){
			func() (Model, error) { return Mean(y) },
			func() (Model, error) { return Naive(y) },
			func() (Model, error) { return SeasonalNaive(y, period) },
			func() (Model, error) { return Drift(y) },
			func() (Model, error) { return Croston(y, &CrostonOptions{Alpha: alpha}) },
			func() (Model, error) { return Croston(y, &CrostonOptions{Alpha: alpha, SBA: true}) },
		}
		for _, fit := range fits {
			m, err := fit()
			if err != nil {
				continue
			}
			fc, err := m.Forecast(h%1000, 80, 95)
			if err != nil {
				continue
			}
			if _, err := json.Marshal(fc); err != nil {
				t.Fatalf("%s: forecast does not marshal: %v", m, err)
			}
			if len(fc.Mean) != h%1000 {
				t.Fatalf("%s: %d forecasts for h %d", m, len(fc.Mean), h%1000)
			}
			for _, iv := range fc.Intervals {
				if len(iv.Lower) != len(fc.Mean) || len(iv.Upper) != len(fc.Mean) {
					t.Fatalf("%s: interval lengths", m)
				}
			}
		}
	})
}

func FuzzBacktest(f *testing.F) {
	fcoreFuzzSeeds(f, func(b []byte) { f.Add(b, 3, 1, 2, 0, 4) })
	f.Add(fcoreFuzzSeed(1, 2, 3, 4, 5, 6, 7, 8, 9, 10), 1<<40, 1, 1, 3, 2)
	f.Add(fcoreFuzzSeed(1, 2, 3, 4, 5, 6, 7, 8, 9, 10), 5, -1, 0, 1<<40, 0)
	f.Fuzz(func(t *testing.T, b []byte, h, step, minTrain, window, period int) {
		y := fcoreFuzzFloats(b)
		fit := func(tr []float64) (Model, error) {
			if period%3 == 0 {
				return Drift(tr)
			}
			return SeasonalNaive(tr, max(period%13, 1))
		}
		res, err := Backtest(context.Background(), y, fit, &BacktestOptions{Horizon: h, Step: step, MinTrain: minTrain, Window: window, Period: period % 13, Levels: []float64{80}})
		if err != nil {
			return
		}
		if _, err := json.Marshal(res); err != nil {
			t.Fatalf("result does not marshal: %v", err)
		}
		if res.Failed >= res.Origins || res.Origins > len(y) || len(res.ByHorizon) > len(y) {
			t.Fatalf("origins %d failed %d by-horizon %d for %d values", res.Origins, res.Failed, len(res.ByHorizon), len(y))
		}
		n := 0
		for _, a := range res.ByHorizon {
			n += a.N
		}
		if n != res.Overall.N {
			t.Fatalf("per-horizon counts %d != overall %d", n, res.Overall.N)
		}
		for _, iv := range res.Intervals {
			if iv.N > 0 && (iv.Coverage < 0 || iv.Coverage > 1) {
				t.Fatalf("coverage %v", iv.Coverage)
			}
		}
	})
}

func FuzzSeriesTime(f *testing.F) {
	f.Add(int64(1704067200), 3, int64(0), 13)
	f.Add(int64(-62135596800), 6, int64(time.Hour), -5)
	f.Add(int64(1710054000), 1, int64(0), 1<<31)
	f.Fuzz(func(t *testing.T, start int64, unit int, every int64, i int) {
		s := Series{Start: time.Unix(start, 0).UTC(), Freq: Frequency{Unit: Unit(unit % 8), Every: time.Duration(every)}}
		got := s.Time(i)
		if got.IsZero() || got.Year() < -100000 || got.Year() > 100000 || s.Start.Year() < -100000 || s.Start.Year() > 100000 {
			return
		}
		// Round trip: the start of period i lies in period i.
		if j, ok := s.Index(got); ok && j != i {
			t.Fatalf("%v: Index(Time(%d) = %v) = %d", s.Freq, i, got, j)
		}
	})
}
