package forecast

import (
	"encoding/json"
	"errors"
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// etsAir is R's AirPassengers (Box & Jenkins), 1949-1960 monthly.
var etsAir = []float64{112, 118, 132, 129, 121, 135, 148, 148, 136, 119, 104, 118, 115, 126, 141, 135, 125, 149, 170, 170, 158, 133, 114, 140, 145, 150, 178, 163, 172, 178, 199, 199, 184, 162, 146, 166, 171, 180, 193, 181, 183, 218, 230, 242, 209, 191, 172, 194, 196, 196, 236, 235, 229, 243, 264, 272, 237, 211, 180, 201, 204, 188, 235, 227, 234, 264, 302, 293, 259, 229, 203, 229, 242, 233, 267, 269, 270, 315, 364, 347, 312, 274, 237, 278, 284, 277, 317, 313, 318, 374, 413, 405, 355, 306, 271, 306, 315, 301, 356, 348, 355, 422, 465, 467, 404, 347, 305, 336, 340, 318, 362, 348, 363, 435, 491, 505, 404, 359, 310, 337, 360, 342, 406, 396, 420, 472, 548, 559, 463, 407, 362, 405, 417, 391, 419, 461, 472, 535, 622, 606, 508, 461, 390, 432}

func etsPtr(v float64) *float64 { return &v }

func TestFitETSErrors(t *testing.T) {
	short := etsAir[:12]
	neg := append([]float64{-1}, etsAir[1:40]...)
	tests := []struct {
		name    string
		reason  string
		y       []float64
		period  int
		spec    string
		opts    *ETSOptions
		wantErr error
	}{
		{"empty", "no observations is too short (forecast.ErrTooShort, as check.go promises)", nil, 1, "ANN", nil, ErrTooShort},
		{"nan", "NaN is a missing value", []float64{1, 2, math.NaN(), 4, 5, 6, 7, 8}, 1, "ANN", nil, ErrMissing},
		{"nan in Z spec", "NaN is missing for automatic selection too", append([]float64{math.NaN()}, etsAir[1:]...), 12, "ZZZ", nil, ErrMissing},
		{"inf", "infinite value", []float64{1, 2, math.Inf(-1), 4, 5, 6, 7, 8}, 1, "ANN", nil, ErrInvalid},
		{"huge", "values above 1e150 overflow the likelihood", []float64{1, 2, 1e200, 4, 5, 6, 7, 8}, 1, "ANN", nil, ErrInvalid},
		{"period", "period below 1", etsAir, 0, "ANN", nil, ErrInvalid},
		{"spec letters", "X is not a component", etsAir, 12, "XNN", nil, ErrInvalid},
		{"spec length", "two letters", etsAir, 12, "AN", nil, ErrInvalid},
		{"spec lower case", "R rejects model = \"mam\"; letters are case-sensitive", etsAir, 12, "mam", nil, ErrInvalid},
		{"spec lower case z", "\"zzz\" is not R's automatic spec", etsAir, 12, "zzz", nil, ErrInvalid},
		{"spec upper-case D", "the damping mark is a lower-case d, as in \"AAdN\"", etsAir, 12, "AADN", nil, ErrInvalid},
		{"damped no trend", "Nd is meaningless", etsAir, 12, "ANdN", nil, ErrInvalid},
		{"season period 1", "R: nonseasonal data", etsAir, 1, "ANA", nil, ErrInvalid},
		{"period above 24", "R's limit for seasonal models", etsAir, 25, "ANA", nil, ErrInvalid},
		{"period above 24 long series", "an explicit season above 24 on a series longer than one period is R's \"Frequency too high\"", etsAir, 100, "MAM", nil, ErrInvalid},
		{"restricted", "A,N,M is forbidden by R's restrict", etsAir, 12, "ANM", nil, ErrInvalid},
		{"multiplicative negative", "M error needs positive data", neg, 12, "MNN", nil, ErrNonPositive},
		{"multiplicative zero", "zero fails a multiplicative season", append([]float64{0}, etsAir[1:]...), 12, "AAM", &ETSOptions{Unrestricted: true}, ErrNonPositive},
		{"multiplicative trend negative", "M trend needs positive data", neg, 1, "MMN", nil, ErrNonPositive},
		{"too short", "AAA with period 4 needs more than 2+2+4+4 points", short, 4, "AAA", nil, ErrTooShort},
		{"too short ZZZ", "automatic selection needs more than 6 points, as R", etsAir[:6], 1, "ZZZ", nil, ErrTooShort},
		{"alpha out of range", "fixed alpha above the upper bound", etsAir, 12, "ANN", &ETSOptions{Alpha: etsPtr(1.5)}, ErrInvalid},
		{"bad crit", "unknown OptCrit", etsAir, 12, "ANN", &ETSOptions{OptCrit: "best"}, ErrInvalid},
		{"bad bounds", "lower above upper", etsAir, 12, "ANN", &ETSOptions{Lower: [4]float64{0.5, 0, 0, 0.8}, Upper: [4]float64{0.4, 1, 1, 1}}, ErrInvalid},
		{"initial with Z", "initial states need an explicit model", etsAir, 12, "ZZZ", &ETSOptions{InitialStates: []float64{1}}, ErrInvalid},
		{"initial length", "ANN has one state", etsAir, 12, "ANN", &ETSOptions{Alpha: etsPtr(0.5), InitialStates: []float64{1, 2}}, ErrInvalid},
		{"initial without alpha", "states fixed but alpha estimated", etsAir, 12, "ANN", &ETSOptions{InitialStates: []float64{1}}, ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := FitETS(tt.y, tt.period, tt.spec, tt.opts)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("%s: err = %v, want %v", tt.reason, err, tt.wantErr)
			}
			var ee *ETSError
			if !errors.As(err, &ee) {
				t.Errorf("%s: %T is not an *ETSError", tt.reason, err)
			}
		})
	}
	// Data errors name the first offending observation.
	for _, tc := range []struct {
		y    []float64
		spec string
		want int
	}{
		{[]float64{1, 2, math.NaN(), 4, 5, 6, 7, 8}, "ANN", 2},
		{append(append([]float64(nil), etsAir[:30]...), -3), "MNN", 30},
	} {
		_, err := FitETS(tc.y, 1, tc.spec, nil)
		var ce *CheckError
		if !errors.As(err, &ce) || ce.Index != tc.want {
			t.Errorf("%s: error %v does not name index %d", tc.spec, err, tc.want)
		}
	}
}

func TestFitETSFallbacks(t *testing.T) {
	tests := []struct {
		name   string
		reason string
		y      []float64
		period int
		spec   string
		want   string
	}{
		{"constant", "R's ets() fits SES with alpha 0.99999 to constant data", []float64{5, 5, 5, 5, 5, 5, 5, 5, 5, 5}, 4, "ZZZ", "ETS(A,N,N)"},
		{"period longer than series", "a season needs more than one period of data", etsAir[:20], 24, "ZZZ", ""},
		{"period above 24 with Z", "R drops the season above 24", etsAir, 52, "ZZZ", ""},
		{"Z season on short series", "n <= period: no season", etsAir[:12], 12, "AZZ", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fit, err := FitETS(tt.y, tt.period, tt.spec, nil)
			if err != nil {
				t.Fatalf("%s: %v", tt.reason, err)
			}
			if tt.want != "" && fit.String() != tt.want {
				t.Errorf("%s: model %s, want %s", tt.reason, fit, tt.want)
			}
			if fit.seasT != etsNone && (tt.period > 24 || len(tt.y) <= tt.period) {
				t.Errorf("%s: got seasonal model %s", tt.reason, fit)
			}
			fc, err := fit.Forecast(3, 95)
			if err != nil {
				t.Fatal(err)
			}
			for _, v := range fc.Mean {
				if math.IsNaN(v) {
					t.Errorf("%s: NaN forecast", tt.reason)
				}
			}
		})
	}
	fit, _ := FitETS([]float64{5, 5, 5, 5, 5, 5, 5, 5}, 1, "ZZZ", nil)
	fc, _ := fit.Forecast(2, 80)
	want := Forecast{Mean: []float64{5, 5}, Intervals: []Interval{{Level: 80, Lower: []float64{5, 5}, Upper: []float64{5, 5}}}}
	if diff := cmp.Diff(want, fc); diff != "" {
		t.Errorf("constant forecast (-want +got):\n%s", diff)
	}
}

func TestETSForecastErrors(t *testing.T) {
	fit, err := FitETS(etsAir, 12, "MAM", nil)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		reason  string
		h       int
		levels  []float64
		wantErr error
	}{
		{"zero horizon", "h must be positive", 0, nil, ErrHorizon},
		{"huge horizon", "h above MaxHorizon", MaxHorizon + 1, nil, ErrHorizon},
		{"level 100", "levels are in (0,100)", 5, []float64{100}, ErrInvalid},
		{"level NaN", "NaN level", 5, []float64{math.NaN()}, ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := fit.Forecast(tt.h, tt.levels...); !errors.Is(err, tt.wantErr) {
				t.Errorf("%s: err = %v", tt.reason, err)
			}
		})
	}
}

// TestETSAccessors checks the reporting methods against the R replay of
// AirPassengers' ETS(M,A,M) in testdata/ets_ref.json.
func TestETSAccessors(t *testing.T) {
	ref := etsLoadRef(t)
	c := ref.Fixed[0]
	if c.Data != "AirPassengers" || c.Spec != "MAM" {
		t.Fatalf("unexpected first reference case %s %s", c.Data, c.Spec)
	}
	fit, err := FitETS(etsAir, 12, "MAM", &ETSOptions{Alpha: c.Alpha, Beta: c.Beta, Gamma: c.Gamma, InitialStates: c.InitState})
	if err != nil {
		t.Fatal(err)
	}
	approx := cmpopts.EquateApprox(1e-9, 0)
	want := map[string]float64{"alpha": *c.Alpha, "beta": *c.Beta, "gamma": *c.Gamma}
	if diff := cmp.Diff(want, fit.ParamsByName(), approx); diff != "" {
		t.Errorf("ParamsByName (-R +got):\n%s", diff)
	}
	if diff := cmp.Diff(ETSParams{Alpha: *c.Alpha, Beta: *c.Beta, Gamma: *c.Gamma}, fit.Params(), approx); diff != "" {
		t.Errorf("Params (-R +got):\n%s", diff)
	}
	if diff := cmp.Diff(c.InitState, fit.InitialStates(), approx); diff != "" {
		t.Errorf("InitialStates (-R +got):\n%s", diff)
	}
	if fit.Spec() != "MAM" || fit.Period() != 12 || fit.NumParams() != 3+13+1 {
		t.Errorf("Spec %q Period %d NumParams %d", fit.Spec(), fit.Period(), fit.NumParams())
	}
	b, err := json.Marshal(fit)
	if err != nil {
		t.Fatal(err)
	}
	var back struct {
		Model  string    `json:"model"`
		Params ETSParams `json:"params"`
	}
	if err := json.Unmarshal(b, &back); err != nil || back.Model != "ETS(M,A,M)" {
		t.Errorf("JSON %s: %v", b, err)
	}
}

// TestETSForecastDeterministic checks that simulated intervals depend only
// on the seed.
func TestETSForecastDeterministic(t *testing.T) {
	fit1, err := FitETS(etsAir, 12, "MMN", &ETSOptions{Seed: 7, NPaths: 500})
	if err != nil {
		t.Fatal(err)
	}
	a, _ := fit1.Forecast(6, 90)
	b, _ := fit1.Forecast(6, 90)
	if diff := cmp.Diff(a, b); diff != "" {
		t.Errorf("same seed, different intervals:\n%s", diff)
	}
	fit2, _ := FitETS(etsAir, 12, "MMN", &ETSOptions{Seed: 8, NPaths: 500})
	c, _ := fit2.Forecast(6, 90)
	if cmp.Equal(a.Intervals, c.Intervals) {
		t.Error("different seeds gave identical simulated intervals")
	}
}

// TestETSAllThirtyModels fits each of the 30 ETS models (error A/M, trend
// N/A/Ad/M/Md, season N/A/M) to AirPassengers with R's restrictions lifted,
// and checks the name, the parameter set and finite forecasts and intervals.
func TestETSAllThirtyModels(t *testing.T) {
	n := 0
	for _, e := range []string{"A", "M"} {
		for _, tr := range []string{"N", "A", "Ad", "M", "Md"} {
			for _, s := range []string{"N", "A", "M"} {
				spec := e + tr + s
				n++
				t.Run(spec, func(t *testing.T) {
					fit, err := FitETS(etsAir, 12, spec, &ETSOptions{Unrestricted: true, NPaths: 200})
					if err != nil {
						t.Fatal(err)
					}
					want := "ETS(" + e + "," + tr + "," + s + ")"
					if fit.String() != want || fit.Spec() != spec {
						t.Errorf("String %q Spec %q, want %q", fit, fit.Spec(), want)
					}
					p := fit.ParamsByName()
					if _, ok := p["beta"]; ok != (tr != "N") {
						t.Errorf("beta present = %v for trend %s", ok, tr)
					}
					if _, ok := p["phi"]; ok != (len(tr) == 2) {
						t.Errorf("phi present = %v for trend %s", ok, tr)
					}
					if _, ok := p["gamma"]; ok != (s != "N") {
						t.Errorf("gamma present = %v for season %s", ok, s)
					}
					fc, err := fit.Forecast(24, 95)
					if err != nil {
						t.Fatal(err)
					}
					for i, v := range fc.Mean {
						lo, up := fc.Intervals[0].Lower[i], fc.Intervals[0].Upper[i]
						if math.IsNaN(v) || math.IsInf(v, 0) || !(lo <= up) {
							t.Fatalf("step %d: mean %v interval [%v, %v]", i+1, v, lo, up)
						}
					}
				})
			}
		}
	}
	if n != 30 {
		t.Fatalf("%d models", n)
	}
}

// TestETSPartialSelection checks that Z selects only the components it
// stands for.
func TestETSPartialSelection(t *testing.T) {
	tests := []struct {
		name, reason, spec string
		ok                 func(*ETS) bool
	}{
		{"ZZN", "no season", "ZZN", func(f *ETS) bool { return f.seasT == etsNone }},
		{"AZZ", "additive error", "AZZ", func(f *ETS) bool { return f.errT == etsAdd }},
		{"MZM", "multiplicative error and season", "MZM", func(f *ETS) bool { return f.errT == etsMult && f.seasT == etsMult }},
		{"ZAdZ not allowed", "", "ZAZ", func(f *ETS) bool { return f.trendT == etsAdd }},
		{"ZNZ", "no trend", "ZNZ", func(f *ETS) bool { return f.trendT == etsNone && !f.damped }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fit, err := FitETS(etsAir, 12, tt.spec, nil)
			if err != nil {
				t.Fatal(err)
			}
			if !tt.ok(fit) {
				t.Errorf("%s: %s selected %s", tt.reason, tt.spec, fit)
			}
		})
	}
}
