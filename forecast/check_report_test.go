package forecast

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// fcoreNoisy returns f(i) plus seeded Gaussian noise of standard deviation sd.
func fcoreNoisy(n int, sd float64, seed uint64, f func(i int) float64) []float64 {
	rng := rand.New(rand.NewPCG(seed, 7))
	y := make([]float64, n)
	for i := range y {
		y[i] = f(i) + sd*rng.NormFloat64()
	}
	return y
}

func TestCheckReportBasics(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(-1)
	r, err := Check([]float64{3, nan, 0, inf, -2, 5}, &CheckOptions{Period: 4})
	if err != nil {
		t.Fatal(err)
	}
	want := &Report{N: 6, Observed: 4, Period: 4, FullSeasons: 1, Missing: []int{1}, Infinite: []int{3},
		NonPositive: 2, FirstNonPositive: 2}
	if diff := cmp.Diff(want, r); diff != "" {
		t.Errorf("report (-want +got):\n%s", diff)
	}
	r, _ = Check([]float64{2, 2, 2, 2, 2, 2}, nil)
	if !r.Constant || r.OutliersChecked || len(r.Outliers) > 0 {
		t.Errorf("constant series: %+v", r)
	}
	r, _ = Check(nil, nil)
	if r.N != 0 || r.Constant || r.FirstNonPositive != -1 {
		t.Errorf("empty series: %+v", r)
	}
	if _, err := Check([]float64{1}, &CheckOptions{OutlierThreshold: -1}); err == nil {
		t.Error("negative threshold accepted")
	}
}

func TestCheckOutliersAndShifts(t *testing.T) {
	seasonal := func(i int) float64 { return 100 + 20*math.Sin(2*math.Pi*float64(i)/12) }
	tests := []struct {
		name, reason string
		y            []float64
		period       int
		edit         func(y []float64)
		wantOutliers []int
		wantShifts   []int
	}{
		{"clean noise", "white noise has neither outliers nor shifts at the default thresholds",
			fcoreNoisy(120, 1, 1, func(int) float64 { return 10 }), 1, nil, nil, nil},
		{"spike", "one value 12 sd away is an outlier, not a shift",
			fcoreNoisy(60, 1, 2, func(int) float64 { return 10 }), 1, func(y []float64) { y[30] += 12 }, []int{30}, nil},
		{"step", "a lasting jump of 8 sd at 40 is a level shift, not outliers",
			fcoreNoisy(80, 1, 3, func(i int) float64 { return 10 + 8*float64(min(1, i/40)) }), 1, nil, nil, []int{40}},
		{"trend", "a steady trend is neither",
			fcoreNoisy(100, 1, 4, func(i int) float64 { return 3 * float64(i) }), 1, nil, nil, nil},
		{"trend with step", "a step on top of a trend is found after removing the median slope",
			fcoreNoisy(100, 1, 5, func(i int) float64 { return 2*float64(i) + 15*float64(min(1, i/60)) }), 1, nil, nil, []int{60}},
		{"seasonal", "seasonal swings of ±20 are not outliers",
			fcoreNoisy(96, 1, 6, seasonal), 12, nil, nil, nil},
		{"seasonal spike and shift", "a spike at 30 and a drop of 15 from 60 in a seasonal series",
			fcoreNoisy(96, 1, 7, seasonal), 12, func(y []float64) {
				y[30] += 15
				for i := 60; i < len(y); i++ {
					y[i] -= 15
				}
			}, []int{30}, []int{60}},
		{"mostly constant", "MAD is 0; the mean-deviation fallback still finds the spike",
			[]float64{5, 5, 5, 5, 100, 5, 5, 5}, 1, nil, []int{4}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.edit != nil {
				tt.edit(tt.y)
			}
			r, err := Check(tt.y, &CheckOptions{Period: tt.period})
			if err != nil {
				t.Fatal(err)
			}
			var gotO, gotS []int
			for _, o := range r.Outliers {
				gotO = append(gotO, o.Index)
			}
			for _, s := range r.LevelShifts {
				gotS = append(gotS, s.Index)
			}
			if diff := cmp.Diff(tt.wantOutliers, gotO); diff != "" {
				t.Errorf("%s: outliers (-want +got):\n%s\n%+v", tt.reason, diff, r.Outliers)
			}
			if diff := cmp.Diff(tt.wantShifts, gotS); diff != "" {
				t.Errorf("%s: shifts (-want +got):\n%s\n%+v", tt.reason, diff, r.LevelShifts)
			}
			if _, err := json.Marshal(r); err != nil {
				t.Error(err)
			}
		})
	}
}

func TestCheckExactSeason(t *testing.T) {
	// A noise-free seasonal series: rounding residuals are not outliers.
	y := fcoreNoisy(96, 0, 1, func(i int) float64 { return 100 + 20*math.Sin(2*math.Pi*float64(i)/12) })
	r, err := Check(y, &CheckOptions{Period: 12})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Outliers) != 0 || len(r.LevelShifts) != 0 {
		t.Errorf("exact season: outliers %v shifts %v", r.Outliers, r.LevelShifts)
	}
}

// TestCheckAgreesWithTsoutliers runs Check on the series of
// testdata/check_ref.R: every injected outlier must be found (R's
// tsoutliers finds them too) and at most two flagged points may be missing
// from R's list (the methods differ; see the script).
func TestCheckAgreesWithTsoutliers(t *testing.T) {
	b, err := os.ReadFile("testdata/check_ref.json")
	if err != nil {
		t.Fatal(err)
	}
	var cases []struct {
		Name     []string
		Y        []float64
		Period   []int
		Log      []bool
		Injected []int
		RIndex   []int `json:"r_index"`
	}
	if err := json.Unmarshal(b, &cases); err != nil {
		t.Fatal(err)
	}
	if len(cases) != 4 {
		t.Fatalf("%d cases, want 4", len(cases))
	}
	for _, c := range cases {
		r, err := Check(c.Y, &CheckOptions{Period: c.Period[0], Log: c.Log[0]})
		if err != nil {
			t.Fatal(err)
		}
		got := map[int]bool{}
		for _, o := range r.Outliers {
			got[o.Index+1] = true
		}
		inR := map[int]bool{}
		for _, i := range c.RIndex {
			inR[i] = true
		}
		for _, i := range c.Injected {
			if !got[i] || !inR[i] {
				t.Errorf("%s: injected outlier %d: Check %v, R %v", c.Name[0], i, got[i], inR[i])
			}
		}
		extra := 0
		for i := range got {
			if !inR[i] {
				extra++
			}
		}
		if extra > 2 {
			t.Errorf("%s: %d outliers not flagged by R (Check %v, R %v)", c.Name[0], extra, r.Outliers, c.RIndex)
		}
	}
}
