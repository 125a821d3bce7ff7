package forecast

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// fcoreFixedModel forecasts a constant with a fixed ±half interval.
type fcoreFixedModel struct{ v, half float64 }

func (m fcoreFixedModel) String() string { return "Fixed" }
func (m fcoreFixedModel) Forecast(h int, levels ...float64) (Forecast, error) {
	fc := Forecast{Mean: make([]float64, h)}
	for i := range fc.Mean {
		fc.Mean[i] = m.v
	}
	for _, l := range levels {
		iv := Interval{Level: l, Lower: make([]float64, h), Upper: make([]float64, h)}
		for i := range h {
			iv.Lower[i], iv.Upper[i] = m.v-m.half, m.v+m.half
		}
		fc.Intervals = append(fc.Intervals, iv)
	}
	return fc, nil
}

func fcoreNaiveFit(y []float64) (Model, error) { return Naive(y) }
func fcoreMeanFit(y []float64) (Model, error)  { return Mean(y) }

func TestBacktestHandComputed(t *testing.T) {
	y := []float64{1, 2, 3, 4, 5, 6}
	approx := cmpopts.EquateApprox(1e-12, 1e-12)
	// Naive, origins 3,4,5, horizon 2: errors (1,2), (1,2), (1); each
	// training set has lag-1 scale 1.
	got, err := Backtest(context.Background(), y, fcoreNaiveFit, &BacktestOptions{MinTrain: 3, Horizon: 2})
	if err != nil {
		t.Fatal(err)
	}
	want := &BacktestResult{
		Model: "Naive method", Origins: 3,
		Overall: Accuracy{N: 5, ME: 1.4, MAE: 1.4, RMSE: math.Sqrt(11.0 / 5),
			MPE:   100 * (1.0/4 + 2.0/5 + 1.0/5 + 2.0/6 + 1.0/6) / 5,
			MAPE:  100 * (1.0/4 + 2.0/5 + 1.0/5 + 2.0/6 + 1.0/6) / 5,
			SMAPE: 200 * (1.0/7 + 2.0/8 + 1.0/9 + 2.0/10 + 1.0/11) / 5, MASE: 1.4},
		ByHorizon: []Accuracy{
			{N: 3, ME: 1, MAE: 1, RMSE: 1, MPE: 100 * (1.0/4 + 1.0/5 + 1.0/6) / 3, MAPE: 100 * (1.0/4 + 1.0/5 + 1.0/6) / 3,
				SMAPE: 200 * (1.0/7 + 1.0/9 + 1.0/11) / 3, MASE: 1},
			{N: 2, ME: 2, MAE: 2, RMSE: 2, MPE: 100 * (2.0/5 + 2.0/6) / 2, MAPE: 100 * (2.0/5 + 2.0/6) / 2,
				SMAPE: 200 * (2.0/8 + 2.0/10) / 2, MASE: 2},
		},
	}
	if diff := cmp.Diff(want, got, approx); diff != "" {
		t.Errorf("naive backtest (-want +got):\n%s", diff)
	}

	tests := []struct {
		name, reason string
		opts         BacktestOptions
		wantME       float64
		wantOrigins  int
	}{
		{"expanding mean", "mean of 1..t lags further behind as t grows: errors 1.5, 2, 2.5, 3", BacktestOptions{MinTrain: 2}, 2.25, 4},
		{"sliding mean", "a window of 2 keeps the error at 1.5", BacktestOptions{MinTrain: 2, Window: 2}, 1.5, 4},
		{"step 2", "origins 2 and 4 only: errors 1.5, 2.5", BacktestOptions{MinTrain: 2, Step: 2}, 2, 2},
		{"default min train", "half the series: origins 3,4,5, errors 2, 2.5, 3", BacktestOptions{}, 2.5, 3},
	}
	for _, tt := range tests {
		got, err := Backtest(context.Background(), y, fcoreMeanFit, &tt.opts)
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(got.Overall.ME-tt.wantME) > 1e-12 || got.Origins != tt.wantOrigins {
			t.Errorf("%s: %s: ME %v origins %d, want %v %d", tt.name, tt.reason, got.Overall.ME, got.Origins, tt.wantME, tt.wantOrigins)
		}
	}
}

// Coverage and interval score by hand: a constant forecast 0 ± 1 at 80%
// (α = 0.2) against 0.5, 2, −3: inside, 1 above, 2 below. Scores 2, 2+10·1,
// 2+10·2; coverage 1/3.
func TestBacktestIntervals(t *testing.T) {
	y := []float64{0, 0, 0.5, 2, -3}
	fit := func([]float64) (Model, error) { return fcoreFixedModel{0, 1}, nil }
	got, err := Backtest(context.Background(), y, fit, &BacktestOptions{MinTrain: 2, Levels: []float64{80}})
	if err != nil {
		t.Fatal(err)
	}
	want := []IntervalAccuracy{{Level: 80, N: 3, Coverage: 1.0 / 3, Score: 36.0 / 3, ScaledScore: math.NaN()}}
	// Scales: train 0,0 has none; 0,0,0.5 → 0.25; 0,0,0.5,2 → 2/3.
	want[0].ScaledScore = (12/0.25 + 22/(2.0/3)) / 2
	if diff := cmp.Diff(want, got.Intervals, cmpopts.EquateApprox(1e-12, 1e-12)); diff != "" {
		t.Errorf("intervals (-want +got):\n%s", diff)
	}
	if _, err := json.Marshal(got); err != nil {
		t.Errorf("result must marshal even with undefined MAPE: %v", err)
	}
}

func TestBacktestFailures(t *testing.T) {
	y := []float64{1, 2, 3, 4, 5, 6, 7, 8}
	flaky := func(train []float64) (Model, error) {
		if len(train)%2 == 1 {
			return nil, ErrConstant
		}
		return Naive(train)
	}
	got, err := Backtest(context.Background(), y, flaky, &BacktestOptions{MinTrain: 4})
	if err != nil {
		t.Fatal(err)
	}
	if got.Origins != 4 || got.Failed != 2 || !strings.Contains(got.FirstError, "origin 5") {
		t.Errorf("origins %d failed %d first %q", got.Origins, got.Failed, got.FirstError)
	}
	tests := []struct {
		name, reason string
		y            []float64
		fit          FitFunc
		opts         *BacktestOptions
		wantErr      error
	}{
		{"all fail", "every origin failing is an error wrapping the model's", y, func([]float64) (Model, error) { return nil, ErrNonPositive }, nil, ErrNonPositive},
		{"panic", "a panicking model becomes an error", y, func([]float64) (Model, error) { panic("bug") }, nil, nil},
		{"too short", "no origin left", []float64{1}, fcoreNaiveFit, &BacktestOptions{MinTrain: 1}, ErrTooShort},
		{"empty", "no data", nil, fcoreNaiveFit, nil, ErrTooShort},
		{"huge horizon", "refused before any work", y, fcoreNaiveFit, &BacktestOptions{Horizon: 1 << 40}, ErrHorizon},
		{"bad level", "levels in (0,100)", y, fcoreNaiveFit, &BacktestOptions{Levels: []float64{100}}, ErrInvalid},
		{"negative step", "options must be sane", y, fcoreNaiveFit, &BacktestOptions{Step: -1}, ErrInvalid},
		{"nil fit", "a fit function is required", y, nil, nil, ErrInvalid},
		{"wrong length", "a model returning the wrong number of forecasts is caught", y, func([]float64) (Model, error) { return fcoreBadModel{}, nil }, nil, ErrInvalid},
	}
	for _, tt := range tests {
		_, err := Backtest(context.Background(), tt.y, tt.fit, tt.opts)
		if err == nil || (tt.wantErr != nil && !errors.Is(err, tt.wantErr)) {
			t.Errorf("%s: %s: err = %v, want %v", tt.name, tt.reason, err, tt.wantErr)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Backtest(ctx, y, fcoreNaiveFit, nil); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}

type fcoreBadModel struct{}

func (fcoreBadModel) String() string { return "Bad" }
func (fcoreBadModel) Forecast(h int, _ ...float64) (Forecast, error) {
	return Forecast{Mean: make([]float64, h+1)}, nil
}

func TestCompare(t *testing.T) {
	// A trending series: drift beats naive beats mean.
	y := make([]float64, 40)
	for i := range y {
		y[i] = 10 + 2*float64(i) + float64(i%3)
	}
	c, err := Compare(context.Background(), y, []Candidate{
		{"mean", fcoreMeanFit},
		{"broken", func([]float64) (Model, error) { return nil, ErrMissing }},
		{"naive", fcoreNaiveFit},
		{"drift", func(y []float64) (Model, error) { return Drift(y) }},
	}, &BacktestOptions{Horizon: 3, MinTrain: 20, Levels: []float64{80, 95}})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Sort(ByMASE); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, r := range c.Rows {
		names = append(names, r.Name)
	}
	if diff := cmp.Diff([]string{"drift", "naive", "mean", "broken"}, names); diff != "" {
		t.Errorf("order by MASE (-want +got):\n%s", diff)
	}
	if c.Rows[3].Err == "" || c.Rows[3].Result != nil {
		t.Errorf("broken row %+v", c.Rows[3])
	}
	text := c.String()
	for _, s := range []string{"model", "sMAPE", "cover80", "cover95", "drift", "failed"} {
		if !strings.Contains(text, s) {
			t.Errorf("table lacks %q:\n%s", s, text)
		}
	}
	if _, err := json.Marshal(c); err != nil {
		t.Error(err)
	}
	if err := c.Sort("R2"); !errors.Is(err, ErrInvalid) {
		t.Errorf("unknown measure: %v", err)
	}
	if _, err := Compare(context.Background(), y[:1], []Candidate{{"naive", fcoreNaiveFit}}, nil); !errors.Is(err, ErrTooShort) {
		t.Errorf("short series: %v", err)
	}
}

// TestBacktestMatchesR compares with rolling-origin loops over R's rwf,
// naive and meanf (testdata/backtest_ref.R): pooled ME, MAE, RMSE, MAPE,
// sMAPE, MASE, the one-step ME and interval coverage, to 1e-9 relative.
func TestBacktestMatchesR(t *testing.T) {
	b, err := os.ReadFile("testdata/backtest_ref.json")
	if err != nil {
		t.Fatal(err)
	}
	var cases []struct {
		Name                             string
		Y                                []float64
		H                                int
		MinTrain                         int `json:"min_train"`
		Level                            float64
		ME, MAE, RMSE, MAPE, SMAPE, MASE float64
		MEH1                             float64 `json:"me_h1"`
		Coverage                         float64
	}
	if err := json.Unmarshal(b, &cases); err != nil {
		t.Fatal(err)
	}
	if len(cases) != 6 {
		t.Fatalf("%d cases, want 6", len(cases))
	}
	fits := map[string]FitFunc{"naive": fcoreNaiveFit, "mean": fcoreMeanFit, "drift": func(y []float64) (Model, error) { return Drift(y) }}
	for _, c := range cases {
		got, err := Backtest(context.Background(), c.Y, fits[c.Name], &BacktestOptions{Horizon: c.H, MinTrain: c.MinTrain, Levels: []float64{c.Level}})
		if err != nil {
			t.Fatal(err)
		}
		if got.Failed != 0 {
			t.Fatalf("%s: %d origins failed: %s", c.Name, got.Failed, got.FirstError)
		}
		want := []float64{c.ME, c.MAE, c.RMSE, c.MAPE, c.SMAPE, c.MASE, c.MEH1, c.Coverage}
		o := got.Overall
		have := []float64{o.ME, o.MAE, o.RMSE, o.MAPE, o.SMAPE, o.MASE, got.ByHorizon[0].ME, got.Intervals[0].Coverage}
		if diff := cmp.Diff(want, have, cmpopts.EquateApprox(1e-9, 1e-12)); diff != "" {
			t.Errorf("%s on %d values (-R +got) [ME MAE RMSE MAPE sMAPE MASE ME_h1 coverage]:\n%s", c.Name, len(c.Y), diff)
		}
	}
}

func TestBacktestHugeStep(t *testing.T) {
	// A step near MaxInt must end the loop, not overflow into a panic.
	got, err := Backtest(context.Background(), []float64{1, 2, 3, 4}, fcoreNaiveFit, &BacktestOptions{Step: math.MaxInt, MinTrain: 2})
	if err != nil || got.Origins != 1 {
		t.Fatalf("got %+v, %v", got, err)
	}
}

func TestBacktestNoIntervals(t *testing.T) {
	y := []float64{0, 2, 0, 0, 3, 0, 1, 0, 0, 2}
	got, err := Backtest(context.Background(), y, func(tr []float64) (Model, error) { return Croston(tr, nil) }, &BacktestOptions{MinTrain: 5, Levels: []float64{80}})
	if err != nil {
		t.Fatal(err)
	}
	if got.NoIntervals != got.Origins || len(got.Intervals) != 0 || got.Overall.N != 5 {
		t.Errorf("Croston: origins %d, no intervals %d, intervals %v, N %d", got.Origins, got.NoIntervals, got.Intervals, got.Overall.N)
	}
	// Seasonal naive: the first origin (one season) has no error variance.
	got, err = Backtest(context.Background(), fcoreNoisy(12, 1, 3, func(i int) float64 { return float64(i % 4) }), func(tr []float64) (Model, error) { return SeasonalNaive(tr, 4) }, &BacktestOptions{MinTrain: 4, Levels: []float64{95}})
	if err != nil {
		t.Fatal(err)
	}
	if got.NoIntervals != 1 || got.Failed != 0 || got.Intervals[0].N != got.Overall.N-1 {
		t.Errorf("snaive: no intervals %d, failed %d, interval N %d of %d", got.NoIntervals, got.Failed, got.Intervals[0].N, got.Overall.N)
	}
}
