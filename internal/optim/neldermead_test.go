package optim

import (
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// TestNelderMeadMatchesR compares with R 4's optim(method = "Nelder-Mead"):
//
//	fr <- function(x) 100*(x[2]-x[1]^2)^2 + (1-x[1])^2
//	optim(c(-1.2, 1), fr)                    # 195 evaluations
//	g <- function(x) sum((x-c(1,2,3))^2) + abs(x[1]*x[2])
//	optim(c(.5, .5, .5), g, control = list(maxit = 50))  # convergence 1
//
// The same moves from the same simplex must give R's point to 1e-12.
func TestNelderMeadMatchesR(t *testing.T) {
	tests := []struct {
		name   string
		reason string
		f      func([]float64) float64
		x0     []float64
		set    NelderMeadSettings
		want   []float64
		wantF  float64
		evals  int
		status int
	}{
		{
			name: "rosenbrock", reason: "R's optim documentation example",
			f:     func(x []float64) float64 { return 100*(x[1]-x[0]*x[0])*(x[1]-x[0]*x[0]) + (1-x[0])*(1-x[0]) },
			x0:    []float64{-1.2, 1},
			want:  []float64{1.0002601387256695, 1.0005059993037650},
			wantF: 8.8252410967227472e-08, evals: 195, status: 0,
		},
		{
			name: "maxit", reason: "stops after MaxEval with status 1, as R's convergence = 1",
			f: func(x []float64) float64 {
				s := math.Abs(x[0] * x[1])
				for i, c := range []float64{1, 2, 3} {
					s += (x[i] - c) * (x[i] - c)
				}
				return s
			},
			x0:    []float64{0.5, 0.5, 0.5},
			set:   NelderMeadSettings{MaxEval: 50},
			want:  []float64{0.050093324902837487, 1.864509611125399591, 3.023826204918272254},
			wantF: 1.0146475106469122, evals: 52, status: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var nm NelderMead
			x := make([]float64, len(tt.x0))
			res := nm.Minimize(tt.f, tt.x0, x, tt.set)
			approx := cmpopts.EquateApprox(1e-12, 1e-15)
			if diff := cmp.Diff(tt.want, x, approx); diff != "" {
				t.Errorf("%s: point (-R +got):\n%s", tt.reason, diff)
			}
			if diff := cmp.Diff(NelderMeadResult{F: tt.wantF, Evals: tt.evals, Status: tt.status}, res, approx); diff != "" {
				t.Errorf("%s: result (-R +got):\n%s", tt.reason, diff)
			}
		})
	}
}

func TestNelderMeadEdgeCases(t *testing.T) {
	var nm NelderMead
	x := []float64{3}
	res := nm.Minimize(func([]float64) float64 { return math.NaN() }, x, x, NelderMeadSettings{})
	if res.Status != -1 {
		t.Errorf("NaN at the start: status %d, want -1", res.Status)
	}
	res = nm.Minimize(func(p []float64) float64 { return 7 }, nil, nil, NelderMeadSettings{})
	if res.F != 7 || res.Evals != 1 {
		t.Errorf("no parameters: %+v", res)
	}
	// An objective that is infinite away from the start terminates.
	x = []float64{0, 0}
	res = nm.Minimize(func(p []float64) float64 {
		if p[0] != 0 || p[1] != 0 {
			return math.Inf(1)
		}
		return 1
	}, x, x, NelderMeadSettings{MaxEval: 200})
	if res.Evals > 210 || res.F != 1 {
		t.Errorf("infinite objective: %+v", res)
	}
}

func BenchmarkNelderMeadRosenbrock(b *testing.B) {
	f := func(x []float64) float64 { return 100*(x[1]-x[0]*x[0])*(x[1]-x[0]*x[0]) + (1-x[0])*(1-x[0]) }
	var nm NelderMead
	x := make([]float64, 2)
	b.ReportAllocs()
	var res NelderMeadResult
	for b.Loop() {
		res = nm.Minimize(f, []float64{-1.2, 1}, x, NelderMeadSettings{})
	}
	b.ReportMetric(float64(res.Evals), "evals")
}
