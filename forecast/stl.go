package forecast

import "math"

// STL: seasonal-trend decomposition by loess (Cleveland, Cleveland, McRae &
// Terpenning 1990), the algorithm of R's stats::stl (netlib stl.f) without
// the robustness iterations. It serves the seasonal-strength test that
// chooses the seasonal differencing order (forecast::nsdiffs' "seas" test,
// which decomposes with mstl, that is stl with s.window = 11).

// stlParams are the windows, degrees and jumps of one decomposition.
type stlParams struct {
	np                  int // period
	ns, nt, nl          int // seasonal, trend, low-pass windows
	isdeg, itdeg, ildeg int
	nsjump, ntjump      int
	nljump              int
	ni                  int // inner iterations
}

// stlDefaults returns R's stl defaults for the given period and seasonal
// window (s.degree = 0, t.degree = l.degree = 1, robust = FALSE).
func stlDefaults(period, swindow int) stlParams {
	nextodd := func(x float64) int {
		v := int(x + 0.5)
		if v%2 == 0 {
			v++
		}
		return v
	}
	raw := 1.5 * float64(period) / (1 - 1.5/float64(swindow))
	c := float64(int(raw))
	if c < raw {
		c++
	}
	tw := nextodd(c)
	lw := nextodd(float64(period))
	ceil10 := func(w int) int { return (w + 9) / 10 }
	return stlParams{np: period, ns: swindow, nt: tw, nl: lw, isdeg: 0, itdeg: 1, ildeg: 1,
		nsjump: ceil10(swindow), ntjump: ceil10(tw), nljump: ceil10(lw), ni: 2}
}

// stlDecompose returns the seasonal and trend components of y (no NaN,
// len(y) > 2·period, period ≥ 2).
func stlDecompose(y []float64, p stlParams) (seasonal, trend []float64) {
	n := len(y)
	odd := func(v int) int {
		v = max(v, 3)
		if v%2 == 0 {
			v++
		}
		return v
	}
	p.ns, p.nt, p.nl = odd(p.ns), odd(p.nt), odd(p.nl)
	p.np = max(p.np, 2)
	seasonal = make([]float64, n)
	trend = make([]float64, n)
	w := n + 2*p.np
	work := make([][]float64, 5)
	for i := range work {
		work[i] = make([]float64, w)
	}
	for range p.ni {
		for i := range n {
			work[0][i] = y[i] - trend[i]
		}
		stlSS(work[0][:n], p.np, p.ns, p.isdeg, p.nsjump, work[1], work[2], work[3], work[4], seasonal)
		stlFTS(work[1], n+2*p.np, p.np, work[2], work[0])
		stlEss(work[2][:n], p.nl, p.ildeg, p.nljump, work[0], work[4])
		for i := range n {
			seasonal[i] = work[1][p.np+i] - work[0][i]
		}
		for i := range n {
			work[0][i] = y[i] - seasonal[i]
		}
		stlEss(work[0][:n], p.nt, p.itdeg, p.ntjump, trend, work[2])
	}
	return seasonal, trend
}

// stlEst is the loess fit at xs (1-based abscissa) over y[nleft-1:nright].
func stlEst(y []float64, length, ideg int, xs float64, nleft, nright int, w []float64) (float64, bool) {
	n := len(y)
	rng := float64(n) - 1
	h := max(xs-float64(nleft), float64(nright)-xs)
	if length > n {
		h += float64((length - n) / 2)
	}
	h9 := 0.999 * h
	h1 := 0.001 * h
	a := 0.0
	for j := nleft; j <= nright; j++ {
		w[j-1] = 0
		r := math.Abs(float64(j) - xs)
		if r <= h9 {
			if r <= h1 {
				w[j-1] = 1
			} else {
				q := r / h
				q = 1 - q*q*q
				w[j-1] = q * q * q
			}
			a += w[j-1]
		}
	}
	if a <= 0 {
		return 0, false
	}
	for j := nleft; j <= nright; j++ {
		w[j-1] /= a
	}
	if h > 0 && ideg > 0 {
		a = 0
		for j := nleft; j <= nright; j++ {
			a += w[j-1] * float64(j)
		}
		b := xs - a
		c := 0.0
		for j := nleft; j <= nright; j++ {
			c += w[j-1] * (float64(j) - a) * (float64(j) - a)
		}
		if math.Sqrt(c) > 0.001*rng {
			b /= c
			for j := nleft; j <= nright; j++ {
				w[j-1] *= b*(float64(j)-a) + 1
			}
		}
	}
	ys := 0.0
	for j := nleft; j <= nright; j++ {
		ys += w[j-1] * y[j-1]
	}
	return ys, true
}

// stlEss smooths y by loess with the given window, degree and jump into ys.
func stlEss(y []float64, length, ideg, njump int, ys, res []float64) {
	n := len(y)
	if n < 2 {
		ys[0] = y[0]
		return
	}
	newnj := min(njump, n-1)
	nleft, nright := 0, 0
	fit := func(i int) {
		v, ok := stlEst(y, length, ideg, float64(i), nleft, nright, res)
		if ok {
			ys[i-1] = v
		} else {
			ys[i-1] = y[i-1]
		}
	}
	if length >= n {
		nleft, nright = 1, n
		for i := 1; i <= n; i += newnj {
			fit(i)
		}
	} else if newnj == 1 {
		nsh := (length + 1) / 2
		nleft, nright = 1, length
		for i := 1; i <= n; i++ {
			if i > nsh && nright != n {
				nleft++
				nright++
			}
			fit(i)
		}
	} else {
		nsh := (length + 1) / 2
		for i := 1; i <= n; i += newnj {
			switch {
			case i < nsh:
				nleft, nright = 1, length
			case i >= n-nsh+1:
				nleft, nright = n-length+1, n
			default:
				nleft, nright = i-nsh+1, length+i-nsh
			}
			fit(i)
		}
	}
	if newnj != 1 {
		for i := 1; i <= n-newnj; i += newnj {
			delta := (ys[i+newnj-1] - ys[i-1]) / float64(newnj)
			for j := i + 1; j <= i+newnj-1; j++ {
				ys[j-1] = ys[i-1] + delta*float64(j-i)
			}
		}
		k := ((n-1)/newnj)*newnj + 1
		if k != n {
			fit(n)
			if k != n-1 {
				delta := (ys[n-1] - ys[k-1]) / float64(n-k)
				for j := k + 1; j <= n-1; j++ {
					ys[j-1] = ys[k-1] + delta*float64(j-k)
				}
			}
		}
	}
}

// stlSS smooths each cycle-subseries and extends it one period at each end;
// season receives n+2·np values.
func stlSS(y []float64, np, ns, isdeg, nsjump int, season, work1, work2, work3, _ []float64) {
	n := len(y)
	for j := 1; j <= np; j++ {
		k := (n-j)/np + 1
		for i := 1; i <= k; i++ {
			work1[i-1] = y[(i-1)*np+j-1]
		}
		sub := work1[:k]
		stlEss(sub, ns, isdeg, nsjump, work2[1:k+1], work3)
		nright := min(ns, k)
		if v, ok := stlEst(sub, ns, isdeg, 0, 1, nright, work3); ok {
			work2[0] = v
		} else {
			work2[0] = work2[1]
		}
		nleft := max(1, k-ns+1)
		if v, ok := stlEst(sub, ns, isdeg, float64(k+1), nleft, k, work3); ok {
			work2[k+1] = v
		} else {
			work2[k+1] = work2[k]
		}
		for m := 1; m <= k+2; m++ {
			season[(m-1)*np+j-1] = work2[m-1]
		}
	}
}

// stlMA is a moving average of length l over x[:n] into ave.
func stlMA(x []float64, n, l int, ave []float64) {
	newn := n - l + 1
	fl := float64(l)
	v := 0.0
	for i := range l {
		v += x[i]
	}
	ave[0] = v / fl
	if newn > 1 {
		k, m := l, 0
		for j := 1; j < newn; j++ {
			v = v - x[m] + x[k]
			ave[j] = v / fl
			k++
			m++
		}
	}
}

// stlFTS is the low-pass filter: moving averages of lengths np, np and 3.
func stlFTS(x []float64, n, np int, trend, work []float64) {
	stlMA(x, n, np, trend)
	stlMA(trend, n-np+1, np, work)
	stlMA(work, n-2*np+2, 3, trend)
}
