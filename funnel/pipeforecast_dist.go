package funnel

import (
	"math"
	"math/big"
	"slices"

	"github.com/shopspring/decimal"
)

// This file holds the exact distribution kernels behind the pipeline
// forecast: the distribution of a won amount, a sum of independent
// a_i·Bernoulli(p_i), on a lattice (with all a_i = 1 it is the classic
// O(n²) Poisson-binomial recursion for a won count) or by enumeration.
// They work in float64 on plain slices; the deal-facing code converts.

// pipeQuantileLevels are the quantiles every outcome summary reports.
var pipeQuantileLevels = [3]float64{0.1, 0.5, 0.9}

// pipeCDFSlack absorbs rounding in accumulated probabilities when a CDF is
// compared with a quantile level (a CDF that is 0.5 in exact arithmetic may
// be 0.4999999999999998 in float64).
const pipeCDFSlack = 1e-12

// pipeLatticePMF returns the distribution of Σ units[i]·Bernoulli(p[i]) on
// the lattice 0..Σunits: pmf[s] = P(sum = s). Units must be non-negative.
// Cost O(n·Σunits); callers bound it first. When capAt is non-negative and
// below Σunits, states above capAt are merged into pmf[capAt+1] ("more than
// capAt"), which bounds the cost at O(n·capAt) for threshold questions.
func pipeLatticePMF(units []int64, p []float64, capAt int64) []float64 {
	var total int64
	for _, u := range units {
		total += u
	}
	last := total // highest exact state
	capped := capAt >= 0 && capAt < total
	if capped {
		last = capAt
	}
	pmf := make([]float64, last+2) // pmf[last+1]: overflow (stays 0 uncapped)
	pmf[0] = 1
	top := int64(0) // highest exact state reachable so far
	for i, u := range units {
		pi := p[i]
		if pi <= 0 || u == 0 {
			continue
		}
		q := 1 - pi
		// Mass that a win pushes past the cap.
		over := 0.0
		for s := max(last+1-u, 0); s <= top; s++ {
			over += pmf[s]
		}
		newTop := min(top+u, last)
		for s := newTop; s >= 0; s-- {
			v := 0.0
			if s <= top {
				v = pmf[s] * q
			}
			if from := s - u; from >= 0 && from <= top {
				v += pmf[from] * pi
			}
			pmf[s] = v
		}
		pmf[last+1] += over * pi
		top = newTop
	}
	if !capped {
		pmf = pmf[:last+1]
	}
	return pmf
}

// pipeAtom is a point mass of a discrete distribution.
type pipeAtom struct {
	x, p float64
}

// pipeEnumerate returns the exact distribution of Σ a[i]·Bernoulli(p[i]) by
// enumerating all 2^n outcomes, merged at equal values and sorted by value.
// Callers keep n at most pipeEnumerateMax.
func pipeEnumerate(a, p []float64) []pipeAtom {
	atoms := make([]pipeAtom, 1, 1<<len(a))
	atoms[0] = pipeAtom{0, 1}
	for i, ai := range a {
		pi := p[i]
		n := len(atoms)
		for j := 0; j < n; j++ {
			at := atoms[j]
			atoms = append(atoms, pipeAtom{at.x + ai, at.p * pi})
			atoms[j].p = at.p * (1 - pi)
		}
	}
	slices.SortFunc(atoms, func(u, v pipeAtom) int {
		switch {
		case u.x < v.x:
			return -1
		case u.x > v.x:
			return 1
		}
		return 0
	})
	out := atoms[:0]
	for _, at := range atoms {
		if len(out) > 0 && out[len(out)-1].x == at.x {
			out[len(out)-1].p += at.p
			continue
		}
		out = append(out, at)
	}
	return out
}

// pipeEnumerateMax is the largest number of deals pipeEnumerate handles
// (2^16 = 65 536 atoms, about 1 MiB).
const pipeEnumerateMax = 16

// pipeSummary is the distribution summary every outcome reports.
type pipeSummary struct {
	mean   float64
	q      [3]float64 // at pipeQuantileLevels
	pReach float64    // P(X ≥ target); NaN when there is no target
}

// pipeSummarizeAtoms summarises a sorted discrete distribution. The quantile
// at level α is the smallest x with P(X ≤ x) ≥ α (R's type 1), the
// definition the Monte Carlo summary uses too, so the two agree.
func pipeSummarizeAtoms(atoms []pipeAtom, target float64, hasTarget bool) pipeSummary {
	var s pipeSummary
	for _, at := range atoms {
		s.mean += at.x * at.p
	}
	cdf := 0.0
	qi := 0
	for _, at := range atoms {
		cdf += at.p
		for qi < len(s.q) && cdf >= pipeQuantileLevels[qi]-pipeCDFSlack {
			s.q[qi] = at.x
			qi++
		}
	}
	for ; qi < len(s.q); qi++ {
		s.q[qi] = atoms[len(atoms)-1].x
	}
	s.pReach = math.NaN()
	if hasTarget {
		r := 0.0
		for _, at := range atoms {
			if at.x >= target {
				r += at.p
			}
		}
		s.pReach = math.Min(r, 1)
	}
	return s
}

// pipeLatticeAtoms turns a lattice pmf into atoms of x = s·unit.
func pipeLatticeAtoms(pmf []float64, unit float64) []pipeAtom {
	atoms := make([]pipeAtom, 0, len(pmf))
	for s, ps := range pmf {
		if ps > 0 {
			atoms = append(atoms, pipeAtom{float64(s) * unit, ps})
		}
	}
	if len(atoms) == 0 {
		atoms = append(atoms, pipeAtom{0, 1})
	}
	return atoms
}

// pipeLattice finds a common unit g for decimal amounts so that every amount
// is an integer multiple of g, and returns the multiples. ok is false when an
// amount is negative or the multiples do not fit the budget of states.
func pipeLattice(amounts []decimal.Decimal, maxStates int64) (units []int64, unit decimal.Decimal, ok bool) {
	if len(amounts) == 0 {
		return nil, decimal.NewFromInt(1), true
	}
	minExp := int32(math.MaxInt32)
	for _, a := range amounts {
		if a.Sign() < 0 {
			return nil, decimal.Decimal{}, false
		}
		if a.Sign() == 0 {
			continue
		}
		minExp = min(minExp, a.Exponent())
	}
	if minExp == math.MaxInt32 { // all zero
		return make([]int64, len(amounts)), decimal.NewFromInt(1), true
	}
	// Coefficients at the common exponent, then their gcd. Amounts with at
	// most 18 digits take an int64 path without allocation.
	units = make([]int64, len(amounts))
	var g int64
	for i, a := range amounts {
		if a.NumDigits() > 18 {
			return pipeLatticeBig(amounts, minExp, maxStates)
		}
		c := a.CoefficientInt64()
		for e := a.Exponent() - minExp; e > 0 && c != 0; e-- {
			if c > math.MaxInt64/10 {
				return pipeLatticeBig(amounts, minExp, maxStates)
			}
			c *= 10
		}
		units[i] = c
		g = pipeGCD(g, c)
	}
	var total int64
	for i := range units {
		units[i] /= g
		if units[i] > maxStates {
			return nil, decimal.Decimal{}, false
		}
		total += units[i]
		if total > maxStates {
			return nil, decimal.Decimal{}, false
		}
	}
	return units, decimal.New(g, minExp), true
}

func pipeGCD(a, b int64) int64 {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// pipeLatticeBig is pipeLattice for amounts beyond int64 coefficients.
func pipeLatticeBig(amounts []decimal.Decimal, minExp int32, maxStates int64) (units []int64, unit decimal.Decimal, ok bool) {
	coef := make([]*big.Int, len(amounts))
	g := new(big.Int)
	for i, a := range amounts {
		c := a.Coefficient()
		if e := a.Exponent() - minExp; e > 0 && c.Sign() != 0 {
			if e > 40 {
				return nil, decimal.Decimal{}, false
			}
			c.Mul(c, new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(e)), nil))
		}
		coef[i] = c
		g.GCD(nil, nil, g, c)
	}
	units = make([]int64, len(amounts))
	var total int64
	q := new(big.Int)
	for i, c := range coef {
		q.Quo(c, g)
		if !q.IsInt64() || q.Int64() > maxStates {
			return nil, decimal.Decimal{}, false
		}
		units[i] = q.Int64()
		total += units[i]
		if total > maxStates {
			return nil, decimal.Decimal{}, false
		}
	}
	return units, decimal.NewFromBigInt(g, minExp), true
}
