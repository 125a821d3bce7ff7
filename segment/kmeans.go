package segment

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"sync"
)

// KMeansOptions configure [KMeans]. K is required (2 ≤ K ≤ number of
// points). Seed seeds k-means++ (the same data and seed give the same
// result). MaxIterations bounds Lloyd's iterations (zero: 300). Raw disables
// standardisation; by default each dimension is scaled to mean 0 and
// standard deviation 1 before clustering (a constant dimension is only
// centred), so that revenue in dollars does not drown out order counts.
// Workers bounds the goroutines (zero: GOMAXPROCS); the result does not
// depend on it. The zero value is not usable (K missing).
type KMeansOptions struct {
	K             int    `json:"k"`
	Seed          uint64 `json:"seed"`
	MaxIterations int    `json:"max_iterations,omitempty"`
	Raw           bool   `json:"raw,omitempty"`
	Workers       int    `json:"workers,omitempty"`
}

// Clustering is the result of [KMeans]. Labels[i] in 0..K−1 is point i's
// cluster; Centers are in the input's units; Sizes count points per
// cluster (plain data, safe to read concurrently); Inertia is the
// within-cluster sum of squared distances in the
// clustering space (standardised unless Raw). Converged says no label
// changed in the last iteration or no center moved by more than 1e-6
// standard deviations; then Labels are the nearest centers and Centers
// their clusters' means, up to that movement.
type Clustering struct {
	K          int         `json:"k"`
	Labels     []int       `json:"labels"`
	Centers    [][]float64 `json:"centers"`
	Sizes      []int       `json:"sizes"`
	Inertia    float64     `json:"inertia"`
	Iterations int         `json:"iterations"`
	Converged  bool        `json:"converged"`
}

// points is a row-major n×dim matrix.
type points struct {
	x   []float64
	n   int
	dim int
}

func (p points) row(i int) []float64 { return p.x[i*p.dim : (i+1)*p.dim] }

// kmWideMoments is the mean and standard deviation of column j when the
// plain sums overflow (values near MaxFloat64, or squares of values beyond
// 1e154): computed on the column divided by its largest magnitude. The
// standard deviation may still be +Inf (a spread beyond MaxFloat64).
func kmWideMoments(x []float64, n, dim, j int) (mean, sd float64) {
	var a float64
	for i := range n {
		a = max(a, math.Abs(x[i*dim+j]))
	}
	var m float64
	for i := range n {
		m += x[i*dim+j] / a / float64(n)
	}
	var ss float64
	for i := range n {
		d := x[i*dim+j]/a - m
		ss += d * d
	}
	return m * a, math.Sqrt(ss/float64(n)) * a
}

// prepare validates data (row-major, dim columns) and standardises a copy.
func prepare(data []float64, dim int, raw bool) (points, []float64, []float64, error) {
	if dim <= 0 {
		return points{}, nil, nil, fmt.Errorf("%w: dim %d", ErrOptions, dim)
	}
	if len(data) == 0 {
		return points{}, nil, nil, fmt.Errorf("%w: no points", ErrNoData)
	}
	if len(data)%dim != 0 {
		return points{}, nil, nil, fmt.Errorf("%w: %d values is not a multiple of dim %d", ErrOptions, len(data), dim)
	}
	n := len(data) / dim
	for i, v := range data {
		if badFloat(v) {
			return points{}, nil, nil, fmt.Errorf("%w: point %d dimension %d is %v", ErrOptions, i/dim, i%dim, v)
		}
	}
	mean := make([]float64, dim)
	scale := make([]float64, dim)
	for j := range scale {
		scale[j] = 1
	}
	x := append([]float64(nil), data...)
	if !raw {
		for j := range dim {
			var m float64
			for i := range n {
				m += x[i*dim+j]
			}
			m /= float64(n)
			var ss float64
			for i := range n {
				d := x[i*dim+j] - m
				ss += d * d
			}
			sd := math.Sqrt(ss / float64(n))
			if badFloat(m) || badFloat(sd) {
				m, sd = kmWideMoments(x, n, dim, j)
			}
			mean[j] = m
			if sd > 0 && !badFloat(sd) {
				scale[j] = sd
			}
			for i := range n {
				if scale[j] != 1 && badFloat(x[i*dim+j]-m) {
					// |x−m| beyond MaxFloat64: divide first.
					x[i*dim+j] = x[i*dim+j]/scale[j] - m/scale[j]
					continue
				}
				x[i*dim+j] = (x[i*dim+j] - m) / scale[j]
			}
		}
	}
	// Squared distances and their sums over all points must stay finite
	// (k-means++ samples by them; with values near 1e155 they used to
	// overflow to +Inf and leave no candidate). |a−b|² ≤ 2|a|²+2|b|², so a
	// bound of MaxFloat64/(4n) on every squared norm keeps any sum of n
	// squared distances finite.
	limit := math.MaxFloat64 / (4 * float64(n))
	for i := range n {
		var ss float64
		for _, v := range x[i*dim : (i+1)*dim] {
			ss += v * v
		}
		if !(ss <= limit) {
			return points{}, nil, nil, fmt.Errorf("%w: point %d is too far from the others (standardised squared norm %g, limit %g): rescale the data", ErrOptions, i, ss, limit)
		}
	}
	return points{x: x, n: n, dim: dim}, mean, scale, nil
}

func sqDist(a, b []float64) float64 {
	s := 0.0
	for j := range a {
		d := a[j] - b[j]
		s += d * d
	}
	return s
}

// KMeans clusters n points of dimension dim (data row-major: point i is
// data[i*dim:(i+1)*dim]) by Lloyd's algorithm from k-means++ seeding
// (Arthur and Vassilvitskii 2007). A cluster that empties is re-seeded with
// the point farthest from its center. Work is split into fixed chunks whose
// partial sums are added in chunk order, so results are bit-identical for
// any Workers. Errors: [ErrOptions] (bad K, dim, NaN/Inf values),
// [ErrNoData], [ErrDegenerate] when there are fewer distinct points than K,
// ctx's error.
func KMeans(ctx context.Context, data []float64, dim int, opts KMeansOptions) (*Clustering, error) {
	p, mean, scale, err := prepare(data, dim, opts.Raw)
	if err != nil {
		return nil, err
	}
	return kmeans(ctx, p, mean, scale, opts)
}

const kmChunk = 8192

// kmTol stops Lloyd's iterations when the centers' mean squared move per
// coordinate falls below it (in standardised units: 1e-6 of a standard
// deviation): on large inputs a few boundary points can keep flipping for
// dozens of iterations without changing the clustering.
const kmTol = 1e-12

func kmeans(ctx context.Context, p points, mean, scale []float64, opts KMeansOptions) (*Clustering, error) {
	k := opts.K
	if k < 2 || k > p.n {
		return nil, fmt.Errorf("%w: K = %d must be in 2..%d (the number of points)", ErrOptions, k, p.n)
	}
	maxIter := opts.MaxIterations
	if maxIter <= 0 {
		maxIter = 300
	}
	workers := opts.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	rng := newKMRand(opts.Seed)
	centers, err := seedPlusPlus(ctx, p, k, rng)
	if err != nil {
		return nil, err
	}
	labels := make([]int, p.n)
	for i := range labels {
		labels[i] = -1
	}
	dim := p.dim
	nChunks := (p.n + kmChunk - 1) / kmChunk
	type partial struct {
		sums    []float64
		counts  []int
		changed int
		inertia float64
	}
	parts := make([]partial, nChunks)
	for c := range parts {
		parts[c] = partial{sums: make([]float64, k*dim), counts: make([]int, k)}
	}
	res := &Clustering{K: k}
	for it := 1; it <= maxIter; it++ {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		// Assignment step, chunk-parallel.
		var wg sync.WaitGroup
		next := make(chan int, nChunks)
		for c := range nChunks {
			next <- c
		}
		close(next)
		for range min(workers, nChunks) {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for c := range next {
					pt := &parts[c]
					clear(pt.sums)
					clear(pt.counts)
					pt.changed, pt.inertia = 0, 0
					lo, hi := c*kmChunk, min((c+1)*kmChunk, p.n)
					for i := lo; i < hi; i++ {
						x := p.row(i)
						best, bd := 0, math.Inf(1)
						for j := range k {
							if d := sqDist(x, centers[j*dim:(j+1)*dim]); d < bd {
								best, bd = j, d
							}
						}
						if labels[i] != best {
							labels[i] = best
							pt.changed++
						}
						pt.inertia += bd
						pt.counts[best]++
						s := pt.sums[best*dim : (best+1)*dim]
						for j, v := range x {
							s[j] += v
						}
					}
				}
			}()
		}
		wg.Wait()
		sums := make([]float64, k*dim)
		counts := make([]int, k)
		changed := 0
		inertia := 0.0
		for c := range parts {
			for j, v := range parts[c].sums {
				sums[j] += v
			}
			for j, v := range parts[c].counts {
				counts[j] += v
			}
			changed += parts[c].changed
			inertia += parts[c].inertia
		}
		res.Iterations, res.Inertia = it, inertia
		if changed == 0 {
			res.Converged = true
			break
		}
		// Update step; re-seed empty clusters with the farthest point.
		shift := 0.0
		for j := range k {
			if counts[j] == 0 {
				far, fd := 0, -1.0
				for i := range p.n {
					l := labels[i]
					if counts[l] <= 1 {
						continue
					}
					if d := sqDist(p.row(i), centers[l*dim:(l+1)*dim]); d > fd {
						far, fd = i, d
					}
				}
				if fd <= 0 {
					return nil, fmt.Errorf("%w: fewer than %d distinct points", ErrDegenerate, k)
				}
				counts[labels[far]]--
				for c := range dim {
					sums[labels[far]*dim+c] -= p.row(far)[c]
				}
				labels[far] = j
				copy(sums[j*dim:(j+1)*dim], p.row(far))
				counts[j] = 1
			}
			for c := range dim {
				v := sums[j*dim+c] / float64(counts[j])
				shift += (v - centers[j*dim+c]) * (v - centers[j*dim+c])
				centers[j*dim+c] = v
			}
		}
		if shift <= kmTol*float64(k*dim) {
			res.Converged = true
			break
		}
	}
	res.Labels = labels
	res.Sizes = make([]int, k)
	for _, l := range labels {
		res.Sizes[l]++
	}
	res.Centers = make([][]float64, k)
	for j := range k {
		c := make([]float64, dim)
		for d := range dim {
			c[d] = centers[j*dim+d]*scale[d] + mean[d]
		}
		res.Centers[j] = c
	}
	return res, nil
}

// seedPlusPlus picks k centers by greedy k-means++ (Arthur and
// Vassilvitskii 2007; the greedy variant of scikit-learn): the first center
// uniformly, then for each next center 2+⌊ln k⌋ candidates drawn with
// probability proportional to the squared distance to the nearest chosen
// center, keeping the candidate that lowers the total squared distance most.
// The extra candidates make two seeds in one well-separated group rare.
func seedPlusPlus(ctx context.Context, p points, k int, rng *rand.Rand) ([]float64, error) {
	dim := p.dim
	centers := make([]float64, 0, k*dim)
	first := rng.IntN(p.n)
	centers = append(centers, p.row(first)...)
	d2 := make([]float64, p.n)
	for i := range p.n {
		d2[i] = sqDist(p.row(i), centers[:dim])
	}
	trials := 2 + int(math.Log(float64(k)))
	best := make([]float64, p.n)
	cand := make([]float64, p.n)
	for c := 1; c < k; c++ {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		total := 0.0
		for _, v := range d2 {
			total += v
		}
		if total <= 0 {
			return nil, fmt.Errorf("%w: fewer than %d distinct points", ErrDegenerate, k)
		}
		bestPick, bestPot := -1, math.Inf(1)
		for range trials {
			pick := samplePoint(d2, rng.Float64()*total)
			x := p.row(pick)
			pot := 0.0
			for i := range p.n {
				d := min(d2[i], sqDist(p.row(i), x))
				cand[i] = d
				pot += d
			}
			if pot < bestPot {
				bestPick, bestPot = pick, pot
				best, cand = cand, best
			}
		}
		if bestPick < 0 {
			return nil, fmt.Errorf("%w: k-means++ found no candidate center (distances not finite)", ErrDegenerate)
		}
		centers = append(centers, p.row(bestPick)...)
		copy(d2, best)
	}
	return centers, nil
}

// samplePoint returns the index where the running sum of w first exceeds u,
// skipping zero weights (points equal to a chosen center).
func samplePoint(w []float64, u float64) int {
	acc := 0.0
	last := -1
	for i, v := range w {
		if v <= 0 {
			continue
		}
		last = i
		acc += v
		if acc > u {
			return i
		}
	}
	return last
}

// ChooseKOptions configure [ChooseK]. KMin and KMax bound the candidates
// (zero: 2 and 10, capped at the number of points). SampleSize bounds the
// points used for silhouettes, which cost O(s²) (zero: 2000); larger inputs
// are sampled without replacement using Seed, which also seeds each k-means
// run. Raw disables standardisation as in [KMeansOptions]. The zero value
// means the defaults with seed 0.
type ChooseKOptions struct {
	KMin       int    `json:"k_min,omitempty"`
	KMax       int    `json:"k_max,omitempty"`
	SampleSize int    `json:"sample_size,omitempty"`
	Seed       uint64 `json:"seed"`
	Raw        bool   `json:"raw,omitempty"`
}

// KCandidate is one k's k-means inertia and mean silhouette (−1..1). Plain
// data.
type KCandidate struct {
	K          int     `json:"k"`
	Inertia    float64 `json:"inertia"`
	Silhouette float64 `json:"silhouette"`
}

// KChoice is the result of [ChooseK]: Best maximises the mean silhouette
// (ties: the smaller k); Elbow is the k whose (k, inertia) point lies
// farthest below the chord from the first to the last candidate (the
// "kneedle" rule on inertias scaled to [0, 1]). Sampled says silhouettes used
// a sample. Plain data.
type KChoice struct {
	Best       int          `json:"best"`
	Elbow      int          `json:"elbow"`
	Candidates []KCandidate `json:"candidates"`
	Sampled    bool         `json:"sampled"`
}

// ChooseK runs [KMeans] for each k in [KMin, KMax] and reports silhouettes
// and the elbow of the inertia curve. Deterministic for a Seed. Errors as
// for KMeans.
func ChooseK(ctx context.Context, data []float64, dim int, opts ChooseKOptions) (*KChoice, error) {
	p, mean, scale, err := prepare(data, dim, opts.Raw)
	if err != nil {
		return nil, err
	}
	kmin, kmax := opts.KMin, opts.KMax
	if kmin == 0 {
		kmin = 2
	}
	if kmax == 0 {
		kmax = min(10, p.n-1)
	}
	if kmin < 2 || kmax < kmin || kmax > p.n-1 {
		return nil, fmt.Errorf("%w: need 2 ≤ KMin ≤ KMax < number of points (%d), got %d..%d", ErrOptions, p.n, kmin, kmax)
	}
	ss := opts.SampleSize
	if ss == 0 {
		ss = 2000
	}
	if ss < 2 {
		return nil, fmt.Errorf("%w: SampleSize %d", ErrOptions, ss)
	}
	sample := make([]int, p.n)
	for i := range sample {
		sample[i] = i
	}
	out := &KChoice{}
	if p.n > ss {
		rng := rand.New(rand.NewPCG(opts.Seed, 0x51a4e))
		for i := range ss { // partial Fisher-Yates
			j := i + rng.IntN(p.n-i)
			sample[i], sample[j] = sample[j], sample[i]
		}
		sample = sample[:ss]
		out.Sampled = true
	}
	for k := kmin; k <= kmax; k++ {
		c, err := kmeans(ctx, p, mean, scale, KMeansOptions{K: k, Seed: opts.Seed})
		if err != nil {
			return nil, err
		}
		out.Candidates = append(out.Candidates, KCandidate{K: k, Inertia: c.Inertia, Silhouette: silhouette(p, c.Labels, k, sample)})
	}
	best := out.Candidates[0]
	for _, c := range out.Candidates[1:] {
		if c.Silhouette > best.Silhouette {
			best = c
		}
	}
	out.Best = best.K
	out.Elbow = elbow(out.Candidates)
	return out, nil
}

// silhouette is the mean silhouette of the sample points, distances taken
// within the sample. A point alone in its cluster (within the sample) has
// silhouette 0.
func silhouette(p points, labels []int, k int, sample []int) float64 {
	sum := make([]float64, k)
	cnt := make([]int, k)
	total := 0.0
	for _, i := range sample {
		clear(sum)
		clear(cnt)
		for _, j := range sample {
			if i == j {
				continue
			}
			sum[labels[j]] += math.Sqrt(sqDist(p.row(i), p.row(j)))
			cnt[labels[j]]++
		}
		own := labels[i]
		if cnt[own] == 0 {
			continue
		}
		a := sum[own] / float64(cnt[own])
		b := math.Inf(1)
		for c := range k {
			if c != own && cnt[c] > 0 {
				b = math.Min(b, sum[c]/float64(cnt[c]))
			}
		}
		if math.IsInf(b, 1) {
			continue
		}
		if m := math.Max(a, b); m > 0 {
			total += (b - a) / m
		}
	}
	return total / float64(len(sample))
}

func elbow(c []KCandidate) int {
	if len(c) < 3 {
		return c[0].K
	}
	first, last := c[0], c[len(c)-1]
	span := first.Inertia - last.Inertia
	if span <= 0 {
		return first.K
	}
	best, bd := first.K, 0.0
	for _, x := range c {
		t := float64(x.K-first.K) / float64(last.K-first.K)
		y := (x.Inertia - last.Inertia) / span // 1 → 0
		if d := (1 - t) - y; d > bd {          // below the chord y = 1 − t
			best, bd = x.K, d
		}
	}
	return best
}

func newKMRand(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 0x5eed5e9)) }
