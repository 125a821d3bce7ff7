package funnel

import (
	"encoding/json"
	"math"
	"os"
	"testing"
)

// Reference values from R 4 (testdata/stats_ref.R, output in
// testdata/stats_ref.json): Wilson intervals from prop.test(correct =
// FALSE), P(X < Y) for Betas from integrate(), quantiles from quantile(type
// = 7).
type fnlStatsRef struct {
	Wilson []struct {
		K, N         int64
		Conf, Lo, Hi float64
	}
	ProbBelow []struct {
		A1, B1, A2, B2, P float64
	} `json:"prob_below"`
	Quantiles []struct {
		Days []float64
		Q    []float64
	}
}

func fnlLoadStatsRef(t *testing.T) fnlStatsRef {
	t.Helper()
	b, err := os.ReadFile("testdata/stats_ref.json")
	if err != nil {
		t.Fatal(err)
	}
	var ref fnlStatsRef
	if err := json.Unmarshal(b, &ref); err != nil {
		t.Fatal(err)
	}
	return ref
}

func TestWilsonMatchesR(t *testing.T) {
	for _, c := range fnlLoadStatsRef(t).Wilson {
		lo, hi := fnlWilson(c.K, c.N, c.Conf)
		// Tolerance 1e-9: both sides are closed forms; R prints 15 digits.
		if !(math.Abs(lo-c.Lo) <= 1e-9 && math.Abs(hi-c.Hi) <= 1e-9) { // NaN fails
			t.Errorf("Wilson(%d/%d, %.2f) = [%.12f, %.12f], R: [%.12f, %.12f]", c.K, c.N, c.Conf, lo, hi, c.Lo, c.Hi)
		}
	}
	if lo, hi := fnlWilson(0, 0, 0.95); lo != 0 || hi != 1 {
		t.Errorf("no data: [%v, %v], want [0, 1]", lo, hi)
	}
}

func TestProbBelowMatchesR(t *testing.T) {
	for _, c := range fnlLoadStatsRef(t).ProbBelow {
		got := fnlProbBelow(c.A1, c.B1, c.A2, c.B2)
		// Tolerance 1e-6 absolute: Simpson with 400 steps over ±12 sd.
		if !(math.Abs(got-c.P) <= 1e-6) { // NaN fails
			t.Errorf("P(Beta(%g,%g) < Beta(%g,%g)) = %.9f, R: %.9f", c.A1, c.B1, c.A2, c.B2, got, c.P)
		}
	}
}

func TestHistQuantilesMatchR(t *testing.T) {
	for _, c := range fnlLoadStatsRef(t).Quantiles {
		var h fnlHist
		for _, d := range c.Days {
			// The reference durations are whole hours, the histogram's resolution.
			h.add(int64(math.Round(d * 86400)))
		}
		got := h.quantilesDays(0.5, 0.75, 0.9)
		for i := range got {
			if !(math.Abs(got[i]-c.Q[i]) <= 1e-9) { // NaN fails
				t.Errorf("quantiles of %d durations: %v, R: %v", len(c.Days), got, c.Q)
				break
			}
		}
	}
	// Durations past the dense range use the sorted overflow list.
	var h fnlHist
	for _, d := range []int64{1, 500, 1000, 2} { // days
		h.add(d * 86400)
	}
	if got := h.quantilesDays(0.5); math.Abs(got[0]-251) > 1e-9 { // (2 + 500) / 2
		t.Errorf("median with long durations = %v, want 251", got[0])
	}
}

// TestBetaPriorHand: two reps with 5/10 and 15/20. Pooled mean 2/3; the
// weighted squared deviations are 10(1/6)² + 20(1/12)² = 5/12, less the
// binomial part (2/9)(2−1) leaves 7/36, over 30 − 500/30 = 40/3 gives
// τ² = 7/480, so the concentration is (2/9)/(7/480) − 1 = 299/21 and
// α = (2/3)(299/21) = 598/63, β = 299/63.
func TestBetaPriorHand(t *testing.T) {
	a, b := fnlBetaPrior([]int64{5, 15}, []int64{10, 20})
	if math.Abs(a-598.0/63) > 1e-9 || math.Abs(b-299.0/63) > 1e-9 {
		t.Errorf("prior = (%v, %v), want (%v, %v)", a, b, 598.0/63, 299.0/63)
	}
	// Identical rates: no spread between reps; the prior weighs as much as
	// an average rep's data, 30/2 = 15 deals.
	a, b = fnlBetaPrior([]int64{5, 10}, []int64{10, 20})
	if math.Abs(a+b-15) > 1e-9 || math.Abs(a/(a+b)-0.5) > 1e-9 {
		t.Errorf("equal rates: prior (%v, %v), want concentration 15 at 0.5", a, b)
	}
	if a, b := fnlBetaPrior(nil, nil); a != 1 || b != 1 {
		t.Errorf("no data: prior (%v, %v), want uniform", a, b)
	}
}

// TestTinySamplesNotNamed: two reps with one won deal each used to give
// a prior Beta(1.998, 0.002) whose density spikes at 1, and the integration
// then claimed a 98.7% probability that one rep was below the other.
func TestTinySamplesNotNamed(t *testing.T) {
	a, b := fnlBetaPrior([]int64{1, 1}, []int64{1, 1})
	if a < 1 || b < 1 {
		t.Fatalf("prior (%v, %v) has a parameter below 1", a, b)
	}
	if p := fnlProbBelow(a+1, b, 2, 1); p > 0.6 {
		t.Errorf("P(rep below rest) = %v from one deal each; want no evidence (≤ 0.6)", p)
	}
}

// BenchmarkProbBelow times one P(X < Y) of the rep diagnostics (a rep's
// posterior against the rest of the team's): the report makes one per rep
// and open stage, so 1,000 reps in a four-stage pipeline cost 4,000 of these.
func BenchmarkProbBelow(b *testing.B) {
	for b.Loop() {
		fnlProbBelow(31, 71, 2101, 4901)
	}
}
