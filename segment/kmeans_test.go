package segment

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// blobs returns n points per center around the centers, noise sd 0.5.
func blobs(centers [][]float64, n int, seed uint64) []float64 {
	rng := rand.New(rand.NewPCG(seed, 1))
	var out []float64
	for i := 0; i < n; i++ {
		for _, c := range centers {
			for _, v := range c {
				out = append(out, v+0.5*rng.NormFloat64())
			}
		}
	}
	return out
}

func TestKMeansBlobs(t *testing.T) {
	centers := [][]float64{{0, 0}, {10, 0}, {0, 10}}
	data := blobs(centers, 100, 7)
	c1, err := KMeans(context.Background(), data, 2, KMeansOptions{K: 3, Seed: 42, Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	c2, err := KMeans(context.Background(), data, 2, KMeansOptions{K: 3, Seed: 42, Workers: 4})
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(c1, c2); d != "" {
		t.Errorf("result depends on Workers (-1 +4):\n%s", d)
	}
	if d := cmp.Diff([]int{100, 100, 100}, sortedInts(c1.Sizes)); d != "" {
		t.Errorf("sizes: %s", d)
	}
	// Points generated from the same center share a label.
	for i := 0; i < 300; i++ {
		if c1.Labels[i] != c1.Labels[i%3] {
			t.Fatalf("point %d (blob %d) split from its blob", i, i%3)
		}
	}
	// Centers (in input units) lie within 0.2 of the true centers.
	for b, want := range centers {
		got := c1.Centers[c1.Labels[b]]
		if math.Hypot(got[0]-want[0], got[1]-want[1]) > 0.2 {
			t.Errorf("center of blob %d: %v, want near %v", b, got, want)
		}
	}
	if !c1.Converged {
		t.Errorf("did not converge in %d iterations", c1.Iterations)
	}
}

func TestChooseK(t *testing.T) {
	data := blobs([][]float64{{0, 0}, {10, 0}, {0, 10}, {10, 10}}, 50, 3)
	got, err := ChooseK(context.Background(), data, 2, ChooseKOptions{KMin: 2, KMax: 7, Seed: 1, SampleSize: 100})
	if err != nil {
		t.Fatal(err)
	}
	if got.Best != 4 || got.Elbow != 4 || !got.Sampled {
		t.Errorf("four blobs: best %d elbow %d sampled %v; candidates %+v", got.Best, got.Elbow, got.Sampled, got.Candidates)
	}
	again, _ := ChooseK(context.Background(), data, 2, ChooseKOptions{KMin: 2, KMax: 7, Seed: 1, SampleSize: 100})
	if d := cmp.Diff(got, again); d != "" {
		t.Errorf("not deterministic:\n%s", d)
	}
}

func TestKMeansErrors(t *testing.T) {
	tests := []struct {
		name    string
		reason  string
		data    []float64
		dim     int
		k       int
		wantErr error
	}{
		{"empty", "no points", nil, 2, 2, ErrNoData},
		{"ragged", "3 values, dim 2", []float64{1, 2, 3}, 2, 2, ErrOptions},
		{"nan", "NaN coordinate", []float64{1, math.NaN(), 3, 4}, 2, 2, ErrOptions},
		{"k too big", "K > n", []float64{1, 2, 3, 4}, 2, 3, ErrOptions},
		{"identical", "all points equal: cannot seed 2 centers", []float64{1, 1, 1, 1, 1, 1}, 2, 2, ErrDegenerate},
	}
	for _, tc := range tests {
		_, err := KMeans(context.Background(), tc.data, tc.dim, KMeansOptions{K: tc.k})
		if !errors.Is(err, tc.wantErr) {
			t.Errorf("%s (%s): err %v, want %v", tc.name, tc.reason, err, tc.wantErr)
		}
	}
}

func sortedInts(a []int) []int {
	b := append([]int(nil), a...)
	for i := range b {
		for j := i + 1; j < len(b); j++ {
			if b[j] < b[i] {
				b[i], b[j] = b[j], b[i]
			}
		}
	}
	return b
}

// TestKMeansHugeValues: values near 1e155 made squared distances +Inf, no
// k-means++ candidate was picked and p.row(-1) panicked. Now the point is
// named in an ErrOptions error (raw mode, where nothing rescales), for
// KMeans and ChooseK; standardisation copes with magnitudes up to
// MaxFloat64.
func TestKMeansHugeValues(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name    string
		reason  string
		data    []float64
		raw     bool
		wantErr error
	}{
		{"raw 1e155", "squared distances overflow", []float64{1e155, -1e155, 3e155, 0, 1, 2}, true, ErrOptions},
		{"standardised outlier", "one point dominates the standard deviation: still ~√n sd away", []float64{1e200, 0, 1, 2, 3, 4}, false, nil},
		{"standardised 1e308", "the plain sums overflow: moments on the scaled column", []float64{1.7e308, 1.7e308, -1.7e308, 0, 1, 2}, false, nil},
		{"raw 1e150", "squares 1e300 fit: clusters", []float64{1e150, 1.1e150, 0, 1, 2, 3}, true, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := KMeans(ctx, tc.data, 1, KMeansOptions{K: 2, Seed: 1, Raw: tc.raw})
			if !errors.Is(err, tc.wantErr) || (tc.wantErr == nil) != (err == nil) {
				t.Errorf("KMeans (%s): err %v, want %v", tc.reason, err, tc.wantErr)
			}
			_, err = ChooseK(ctx, tc.data, 1, ChooseKOptions{KMax: 2, Seed: 1, Raw: tc.raw})
			if !errors.Is(err, tc.wantErr) || (tc.wantErr == nil) != (err == nil) {
				t.Errorf("ChooseK (%s): err %v, want %v", tc.reason, err, tc.wantErr)
			}
		})
	}
}
