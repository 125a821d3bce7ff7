package forecast

import (
	"errors"
	"math"
	"math/cmplx"

	"gonum.org/v1/gonum/mat"
)

// Small dense linear algebra for ARIMA fitting, on top of gonum.

var errArimaSingular = errors.New("system is computationally singular")

// arimaSolve solves A X = B (A n×n row-major, B n×k row-major) by LU, failing
// as R's solve does when A's reciprocal condition number is below machine
// epsilon.
func arimaSolve(A []float64, n int, B []float64, k int) ([]float64, error) {
	if n == 0 {
		return nil, nil
	}
	for _, v := range A {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, errArimaSingular
		}
	}
	var lu mat.LU
	lu.Factorize(mat.NewDense(n, n, append([]float64(nil), A...)))
	if c := lu.Cond(); math.IsInf(c, 1) || math.IsNaN(c) || 1/c < 2.220446049250313e-16 {
		return nil, errArimaSingular
	}
	var x mat.Dense
	if err := lu.SolveTo(&x, false, mat.NewDense(n, k, append([]float64(nil), B...))); err != nil {
		return nil, errArimaSingular
	}
	return append([]float64(nil), x.RawMatrix().Data...), nil
}

// arimaOLS regresses y on the columns of X without an intercept, dropping
// rows with a NaN, as R's lm(y ~ X - 1, na.action = na.omit). It returns the
// coefficients, their standard errors and the numerical rank.
func arimaOLS(y []float64, X [][]float64) (coef, se []float64, rank int) {
	k := len(X)
	var rows []int
	for t := range y {
		ok := !math.IsNaN(y[t])
		for j := 0; j < k && ok; j++ {
			ok = !math.IsNaN(X[j][t])
		}
		if ok {
			rows = append(rows, t)
		}
	}
	n := len(rows)
	if n == 0 || k == 0 {
		return nil, nil, 0
	}
	A := mat.NewDense(n, k, nil)
	for i, t := range rows {
		for j := range k {
			A.Set(i, j, X[j][t])
		}
	}
	var svd mat.SVD
	if !svd.Factorize(A, mat.SVDThin) {
		return nil, nil, 0
	}
	s := svd.Values(nil)
	var U, V mat.Dense
	svd.UTo(&U)
	svd.VTo(&V)
	tol := 1e-7 * s[0]
	for _, v := range s {
		if v > tol {
			rank++
		}
	}
	if rank < k {
		return nil, nil, rank
	}
	coef = make([]float64, k)
	uty := make([]float64, k)
	for j := range k {
		for i, t := range rows {
			uty[j] += U.At(i, j) * y[t]
		}
	}
	for i := range k {
		for j := range k {
			coef[i] += V.At(i, j) * uty[j] / s[j]
		}
	}
	rss := 0.0
	for i, t := range rows {
		f := 0.0
		for j := range k {
			f += A.At(i, j) * coef[j]
		}
		rss += (y[t] - f) * (y[t] - f)
	}
	sig2 := rss / float64(n-k)
	se = make([]float64, k)
	for i := range k {
		v := 0.0
		for j := range k {
			v += V.At(i, j) * V.At(i, j) / (s[j] * s[j])
		}
		se[i] = math.Sqrt(sig2 * v)
	}
	return coef, se, rank
}

// arimaSVDV returns the right singular vectors (k×k row-major) of the rows of
// X (columns) without NaN, as R's svd(na.omit(xreg))$v.
func arimaSVDV(X [][]float64) ([]float64, bool) {
	k := len(X)
	n := len(X[0])
	var rows []int
	for t := range n {
		ok := true
		for j := 0; j < k && ok; j++ {
			ok = !math.IsNaN(X[j][t])
		}
		if ok {
			rows = append(rows, t)
		}
	}
	if len(rows) == 0 {
		return nil, false
	}
	A := mat.NewDense(len(rows), k, nil)
	for i, t := range rows {
		for j := range k {
			A.Set(i, j, X[j][t])
		}
	}
	var svd mat.SVD
	if !svd.Factorize(A, mat.SVDThin) {
		return nil, false
	}
	var V mat.Dense
	svd.VTo(&V)
	out := make([]float64, k*k)
	for i := range k {
		for j := range k {
			out[i*k+j] = V.At(i, j)
		}
	}
	return out, true
}

// arimaPolyRoots returns the roots of c[0] + c[1] z + … + c[n] z^n (c[n] ≠ 0)
// as the eigenvalues of the companion matrix.
func arimaPolyRoots(c []float64) ([]complex128, bool) {
	n := len(c) - 1
	for n > 0 && c[n] == 0 {
		n--
	}
	if n <= 0 {
		return nil, true
	}
	if n == 1 {
		return []complex128{complex(-c[0]/c[1], 0)}, true
	}
	C := mat.NewDense(n, n, nil)
	for j := range n {
		C.Set(0, j, -c[n-1-j]/c[n])
	}
	for i := 1; i < n; i++ {
		C.Set(i, i-1, 1)
	}
	var e mat.Eigen
	if !e.Factorize(C, mat.EigenNone) {
		return nil, false
	}
	return e.Values(nil), true
}

// arimaARCheck reports whether the AR polynomial 1 - ar1 z - … is stationary
// (all roots outside the unit circle), R's arCheck.
func arimaARCheck(ar []float64) bool {
	p := len(ar)
	for p > 0 && ar[p-1] == 0 {
		p--
	}
	if p == 0 {
		return true
	}
	c := make([]float64, p+1)
	c[0] = 1
	for i := range p {
		c[i+1] = -ar[i]
	}
	roots, ok := arimaPolyRoots(c)
	if !ok {
		return false
	}
	for _, r := range roots {
		if cmplx.Abs(r) <= 1 {
			return false
		}
	}
	return true
}

// arimaMAInvert reflects the roots of 1 + ma1 z + … that lie inside the unit
// circle, R's maInvert.
func arimaMAInvert(ma []float64) []float64 {
	q := len(ma)
	q0 := q
	for q0 > 0 && ma[q0-1] == 0 {
		q0--
	}
	if q0 == 0 {
		return ma
	}
	c := make([]float64, q0+1)
	c[0] = 1
	copy(c[1:], ma[:q0])
	roots, ok := arimaPolyRoots(c)
	if !ok {
		return ma
	}
	any := false
	for _, r := range roots {
		if cmplx.Abs(r) < 1 {
			any = true
		}
	}
	if !any {
		return ma
	}
	out := make([]float64, q)
	if q0 == 1 {
		out[0] = 1 / ma[0]
		return out
	}
	for i, r := range roots {
		if cmplx.Abs(r) < 1 {
			roots[i] = 1 / r
		}
	}
	x := []complex128{1}
	for _, r := range roots {
		nx := make([]complex128, len(x)+1)
		for i := range x {
			nx[i] += x[i]
			nx[i+1] -= x[i] / r
		}
		x = nx
	}
	for i := 1; i < len(x); i++ {
		out[i-1] = real(x[i])
	}
	return out
}
