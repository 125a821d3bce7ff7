package funnel

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/shopspring/decimal"
)

func TestPipePoissonBinomialCount(t *testing.T) {
	// With unit amounts the lattice recursion is the Poisson-binomial
	// distribution of the number of wins.
	tests := []struct {
		name, reason string
		p            []float64
		want         []float64
	}{
		{"empty", "no deals: zero wins for sure", nil, []float64{1}},
		{"coins", "two fair coins: 1/4, 1/2, 1/4", []float64{0.5, 0.5}, []float64{0.25, 0.5, 0.25}},
		// By hand: P0 = .8·.3·.6; P1 = .2·.3·.6+.8·.7·.6+.8·.3·.4;
		// P2 = .2·.7·.6+.2·.3·.4+.8·.7·.4; P3 = .2·.7·.4.
		{"three", "hand-computed three-deal case", []float64{0.2, 0.7, 0.4}, []float64{0.144, 0.468, 0.332, 0.056}},
		{"certain", "p=1 and p=0 shift and keep the mass", []float64{1, 0, 1}, []float64{0, 0, 1, 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			units := make([]int64, len(tt.p))
			for i := range units {
				units[i] = 1
			}
			got := pipeLatticePMF(units, tt.p, -1)
			if d := cmp.Diff(tt.want, got, cmpopts.EquateApprox(0, 1e-12)); d != "" {
				t.Errorf("%s (-want +got):\n%s", tt.reason, d)
			}
		})
	}
}

func TestPipeLatticeMatchesEnumeration(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for trial := range 200 {
		n := 1 + r.IntN(10)
		units := make([]int64, n)
		a := make([]float64, n)
		p := make([]float64, n)
		for i := range n {
			units[i] = int64(r.IntN(7))
			a[i] = float64(units[i])
			p[i] = r.Float64()
			if r.IntN(8) == 0 {
				p[i] = float64(r.IntN(2)) // certain wins and losses
			}
		}
		pmf := pipeLatticePMF(units, p, -1)
		want := make([]float64, len(pmf))
		for _, at := range pipeEnumerate(a, p) {
			want[int(at.x)] += at.p
		}
		if d := cmp.Diff(want, pmf, cmpopts.EquateApprox(0, 1e-12)); d != "" {
			t.Fatalf("trial %d units %v p %v: lattice differs from enumeration (-want +got):\n%s", trial, units, p, d)
		}
		// Capped: states above the cap merge into one overflow state.
		capAt := int64(r.IntN(int(len(pmf))))
		capped := pipeLatticePMF(units, p, capAt)
		if int64(len(pmf)-1) <= capAt {
			if d := cmp.Diff(want, capped, cmpopts.EquateApprox(0, 1e-12)); d != "" {
				t.Fatalf("trial %d: cap above the total must not change the pmf:\n%s", trial, d)
			}
			continue
		}
		wantCap := append([]float64(nil), want[:capAt+1]...)
		over := 0.0
		for _, v := range want[capAt+1:] {
			over += v
		}
		wantCap = append(wantCap, over)
		if d := cmp.Diff(wantCap, capped, cmpopts.EquateApprox(0, 1e-12)); d != "" {
			t.Fatalf("trial %d units %v cap %d: capped pmf (-want +got):\n%s", trial, units, capAt, d)
		}
	}
}

func TestPipeLattice(t *testing.T) {
	dec := func(s ...string) []decimal.Decimal {
		out := make([]decimal.Decimal, len(s))
		for i, v := range s {
			out[i] = decimal.RequireFromString(v)
		}
		return out
	}
	tests := []struct {
		name, reason string
		amounts      []decimal.Decimal
		max          int64
		wantUnits    []int64
		wantUnit     string
		wantOK       bool
	}{
		{"round", "thousands share the unit 5000", dec("10000", "25000", "5000"), 100, []int64{2, 5, 1}, "5000", true},
		{"cents", "mixed exponents reduce to the gcd 0.25", dec("1.5", "0.25", "2"), 100, []int64{6, 1, 8}, "0.25", true},
		{"zero", "a zero amount is a zero multiple", dec("0", "30"), 100, []int64{0, 1}, "30", true},
		{"budget", "too many states is not cheap", dec("10000", "0.01"), 1000, nil, "", false},
		{"negative", "negative amounts have no lattice here", dec("-5", "10"), 100, nil, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			units, unit, ok := pipeLattice(tt.amounts, tt.max)
			if ok != tt.wantOK {
				t.Fatalf("%s: ok = %v, want %v", tt.reason, ok, tt.wantOK)
			}
			if !ok {
				return
			}
			if d := cmp.Diff(tt.wantUnits, units); d != "" {
				t.Errorf("%s units (-want +got):\n%s", tt.reason, d)
			}
			if !unit.Equal(decimal.RequireFromString(tt.wantUnit)) {
				t.Errorf("%s: unit %s, want %s", tt.reason, unit, tt.wantUnit)
			}
		})
	}
}

// pipeTestCase builds n deals with random probabilities and amounts on a
// lattice of 1000, each won in period 0 only.
func pipeTestCase(seed uint64, n int) (a, p []float64, units []int64) {
	r := rand.New(rand.NewPCG(seed, 1))
	for range n {
		u := int64(1 + r.IntN(20))
		units = append(units, u)
		a = append(a, float64(u)*1000)
		p = append(p, r.Float64())
	}
	return a, p, units
}

func pipeSimOnePeriod(t testing.TB, a, p []float64, draws int, seed uint64, workers int) []float64 {
	deals := make([]pipeSimDeal, len(a))
	for i := range a {
		deals[i] = pipeNewSimDeal(a[i], 0, []float64{p[i]})
	}
	acc := make([]float64, draws)
	if err := pipeSimGroup(context.Background(), deals, acc, 1, draws, seed, 0, workers); err != nil {
		t.Fatal(err)
	}
	return acc
}

func TestPipeSimMeanMatchesWeighted(t *testing.T) {
	// The simulated mean must equal the weighted pipeline Σ a·p within Monte
	// Carlo error: |mean − Σap| ≤ 4·SE with SE = sqrt(Σ a²p(1−p) / draws).
	// 4 SE fails by chance with probability 6e-5 per case.
	for _, n := range []int{1, 5, 40, 300} {
		a, p, _ := pipeTestCase(uint64(n), n)
		const draws = 20000
		x := pipeSimOnePeriod(t, a, p, draws, 42, 2)
		want, v := 0.0, 0.0
		for i := range a {
			want += a[i] * p[i]
			v += a[i] * a[i] * p[i] * (1 - p[i])
		}
		s := pipeSummarizeDraws(x, 0, false)
		se := math.Sqrt(v / draws)
		if math.Abs(s.mean-want) > 4*se {
			t.Errorf("n=%d: simulated mean %.1f, weighted pipeline %.1f, |diff| > 4·SE = %.1f", n, s.mean, want, 4*se)
		}
	}
}

func TestPipeSimQuantilesMatchExact(t *testing.T) {
	// On small cases the exact Poisson-binomial quantiles are known. A Monte
	// Carlo quantile x̂ at level α is right when the exact CDF brackets α
	// within sampling error: F(x̂) ≥ α − k·SE and F(x̂⁻) ≤ α + k·SE, with
	// SE = sqrt(α(1−α)/draws) and k = 4.
	const draws = 20000
	for _, n := range []int{1, 3, 8, 12} {
		a, p, units := pipeTestCase(uint64(100+n), n)
		x := pipeSimOnePeriod(t, a, p, draws, 5, 2)
		target := 0.5 * pipeSum(a)
		mc := pipeSummarizeDraws(x, target, true)
		atoms := pipeLatticeAtoms(pipeLatticePMF(units, p, -1), 1000)
		ex := pipeSummarizeAtoms(atoms, target, true)
		for qi, alpha := range pipeQuantileLevels {
			se := math.Sqrt(alpha * (1 - alpha) / draws)
			fAt, fBelow := 0.0, 0.0
			for _, at := range atoms {
				if at.x <= mc.q[qi] {
					fAt += at.p
				}
				if at.x < mc.q[qi] {
					fBelow += at.p
				}
			}
			if fAt < alpha-4*se || fBelow > alpha+4*se {
				t.Errorf("n=%d α=%v: MC quantile %v (exact %v) has exact CDF [%v,%v], not around α", n, alpha, mc.q[qi], ex.q[qi], fBelow, fAt)
			}
		}
		seR := math.Sqrt(ex.pReach * (1 - ex.pReach) / draws)
		if math.Abs(mc.pReach-ex.pReach) > 4*seR+1e-12 {
			t.Errorf("n=%d: P(reach) MC %v exact %v", n, mc.pReach, ex.pReach)
		}
		// The enumeration path must give the same summary as the lattice.
		en := pipeSummarizeAtoms(pipeEnumerate(a, p), target, true)
		if d := cmp.Diff(ex, en, cmp.AllowUnexported(pipeSummary{}), cmpopts.EquateApprox(0, 1e-9)); d != "" {
			t.Errorf("n=%d: enumeration vs lattice (-lattice +enum):\n%s", n, d)
		}
	}
}

func TestPipeSimDeterministic(t *testing.T) {
	a, p, _ := pipeTestCase(3, 200)
	x1 := pipeSimOnePeriod(t, a, p, 5000, 11, 1)
	x2 := pipeSimOnePeriod(t, a, p, 5000, 11, 2)
	x3 := pipeSimOnePeriod(t, a, p, 5000, 11, 7)
	if d := cmp.Diff(x1, x2); d != "" {
		t.Errorf("1 vs 2 workers must give identical draws:\n%s", d)
	}
	if d := cmp.Diff(x1, x3); d != "" {
		t.Errorf("1 vs 7 workers must give identical draws:\n%s", d)
	}
	x4 := pipeSimOnePeriod(t, a, p, 5000, 12, 2)
	if cmp.Equal(x1, x4) {
		t.Errorf("different seeds gave identical draws")
	}
}

func TestPipeSimPeriods(t *testing.T) {
	// A deal won with p=0.8 spread over periods 1..3 as 0.2/0.5/0.3 must land
	// 0.16/0.40/0.24 of its draws in each period, never two at once.
	d := pipeNewSimDeal(1, 1, []float64{0.16, 0.40, 0.24})
	const draws = 40000
	acc := make([]float64, 5*draws)
	if err := pipeSimGroup(context.Background(), []pipeSimDeal{d}, acc, 5, draws, 1, 0, 2); err != nil {
		t.Fatal(err)
	}
	want := []float64{0, 0.16, 0.40, 0.24, 0}
	for k := range 5 {
		got := pipeSum(acc[k*draws:(k+1)*draws]) / draws
		se := math.Sqrt(want[k] * (1 - want[k]) / draws)
		if math.Abs(got-want[k]) > 4*se+1e-12 {
			t.Errorf("period %d: share %v, want %v ± 4·%v", k, got, want[k], se)
		}
	}
	for i := range draws {
		tot := 0.0
		for k := range 5 {
			tot += acc[k*draws+i]
		}
		if tot > 1 {
			t.Fatalf("draw %d: deal won in more than one period", i)
		}
	}
}

func TestPipeSimCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	d := pipeNewSimDeal(1, 0, []float64{0.5})
	acc := make([]float64, 4096)
	if err := pipeSimGroup(ctx, []pipeSimDeal{d}, acc, 1, 4096, 1, 0, 2); err == nil {
		t.Error("cancelled context must stop the simulation with its error")
	}
}

func pipeSum(x []float64) float64 {
	s := 0.0
	for _, v := range x {
		s += v
	}
	return s
}

// BenchmarkPipeSim100k times the simulation kernel alone: 100 000 deals
// over 12 periods (sorted by first period, as the forecast orders a rep's
// deals), 10 000 draws, 2 workers; "slip" spreads each deal over 3 periods,
// "noslip" puts it in one. Win probabilities are 0.1, 0.3 or 0.6.
func BenchmarkPipeSim100k(b *testing.B) {
	for _, mode := range []string{"slip", "noslip"} {
		b.Run(mode, func(b *testing.B) {
			r := rand.New(rand.NewPCG(1, 1))
			deals := make([]pipeSimDeal, 100_000)
			for i := range deals {
				p := []float64{0.1, 0.3, 0.6}[r.IntN(3)]
				probs := []float64{p * 0.4, p * 0.35, p * 0.25}
				if mode == "noslip" {
					probs = []float64{p}
				}
				deals[i] = pipeNewSimDeal(float64(1000+r.IntN(50000)), i*10/len(deals), probs)
			}
			const draws, periods = 10000, 12
			acc := make([]float64, draws*periods)
			b.ReportAllocs()
			cpu0 := fnlCPUTime()
			for b.Loop() {
				if err := pipeSimGroup(context.Background(), deals, acc, periods, draws, 1, 0, 2); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric((fnlCPUTime()-cpu0).Seconds()/float64(b.N), "cpu-s/op")
			b.ReportMetric(pipeSum(acc)/draws, "mean")
		})
	}
}
