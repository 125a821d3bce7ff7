package forecast

import "math"

// etsDecompose is R's stats::decompose: a centred moving average of order m
// (2×m for even m) as trend, and seasonal indices averaged by position in
// the cycle counted from the first observation, normalised to sum 0
// (additive) or average 1 (multiplicative). It returns the seasonal
// component for every observation; trendOut, if non-nil, receives the trend
// (NaN at both ends). It needs len(y) >= 2m.
func etsDecompose(y []float64, m int, mult bool, trendOut []float64) []float64 {
	n := len(y)
	var w []float64
	if m%2 == 0 {
		w = make([]float64, m+1)
		for i := range w {
			w[i] = 1 / float64(m)
		}
		w[0], w[m] = 0.5/float64(m), 0.5/float64(m)
	} else {
		w = make([]float64, m)
		for i := range w {
			w[i] = 1 / float64(m)
		}
	}
	o := len(w) / 2
	trend := trendOut
	if trend == nil {
		trend = make([]float64, n)
	}
	for i := range n {
		trend[i] = math.NaN()
		if i-o < 0 || i-o+len(w)-1 >= n {
			continue
		}
		var s float64
		// R's filter(sides = 2): out[i] = Σ_j w[j]·x[i+o-j]
		for j, wj := range w {
			s += wj * y[i+o-j]
		}
		trend[i] = s
	}
	figure := make([]float64, m)
	cnt := make([]int, m)
	for i := range n {
		if math.IsNaN(trend[i]) {
			continue
		}
		var v float64
		if mult {
			v = y[i] / trend[i]
		} else {
			v = y[i] - trend[i]
		}
		if math.IsNaN(v) {
			continue
		}
		figure[i%m] += v
		cnt[i%m]++
	}
	var mean float64
	for i := range figure {
		figure[i] /= float64(cnt[i]) // cnt > 0 whenever n >= 2m
		mean += figure[i]
	}
	mean /= float64(m)
	for i := range figure {
		if mult {
			figure[i] /= mean
		} else {
			figure[i] -= mean
		}
	}
	seasonal := make([]float64, n)
	for i := range seasonal {
		seasonal[i] = figure[i%m]
	}
	return seasonal
}

// etsLeastSquares solves min ||Xb - y|| by Householder QR; X is n×p row
// major and is overwritten. It returns nil when X is rank deficient.
func etsLeastSquares(x []float64, n, p int, y []float64) []float64 {
	r := append([]float64(nil), y...)
	diag := make([]float64, p)
	for k := 0; k < p; k++ {
		var norm float64
		for i := k; i < n; i++ {
			norm = math.Hypot(norm, x[i*p+k])
		}
		if norm == 0 {
			return nil
		}
		alpha := -math.Copysign(norm, x[k*p+k])
		x[k*p+k] -= alpha
		var vtv float64
		for i := k; i < n; i++ {
			vtv += x[i*p+k] * x[i*p+k]
		}
		for j := k + 1; j < p; j++ {
			var s float64
			for i := k; i < n; i++ {
				s += x[i*p+k] * x[i*p+j]
			}
			f := 2 * s / vtv
			for i := k; i < n; i++ {
				x[i*p+j] -= f * x[i*p+k]
			}
		}
		var s float64
		for i := k; i < n; i++ {
			s += x[i*p+k] * r[i]
		}
		f := 2 * s / vtv
		for i := k; i < n; i++ {
			r[i] -= f * x[i*p+k]
		}
		diag[k] = alpha
	}
	beta := make([]float64, p)
	for k := p - 1; k >= 0; k-- {
		if math.Abs(diag[k]) <= 1e-12*math.Abs(diag[0]) {
			return nil
		}
		s := r[k]
		for j := k + 1; j < p; j++ {
			s -= x[k*p+j] * beta[j]
		}
		beta[k] = s / diag[k]
	}
	return beta
}

// etsLineFit is R's lsfit(1:n, y): intercept and slope of y on t = 1..n.
func etsLineFit(y []float64) (a, b float64) {
	n := float64(len(y))
	tm := (n + 1) / 2
	var ym float64
	for _, v := range y {
		ym += v
	}
	ym /= n
	var sxy, sxx float64
	for i, v := range y {
		d := float64(i+1) - tm
		sxy += d * (v - ym)
		sxx += d * d
	}
	if sxx == 0 {
		return ym, 0
	}
	b = sxy / sxx
	return ym - b*tm, b
}

// etsInitState is R's forecast:::initstate: heuristic initial states from a
// classical decomposition (or a trend + first Fourier pair regression when
// there are fewer than three seasons) and a line through the first
// max(10, 2m) seasonally adjusted values. It returns l, [b], s0..s(m-2): the
// free states the optimiser moves (the last seasonal state is implied).
func etsInitState(y []float64, m, trendT, seasT int) ([]float64, error) {
	n := len(y)
	var ysa []float64
	var initSeas []float64
	if seasT != etsNone {
		if n < 4 {
			return nil, etsErrf(etsErrShort, "%d observations: too few for initial seasonal states", n)
		}
		var seasonal []float64
		if n < 3*m {
			// tslm(y ~ trend + fourier(y, 1)): columns 1, t, [sin], cos.
			hasSin := m != 2
			p := 3 + etsB2i(hasSin)
			x := make([]float64, n*p)
			for i := range n {
				t := float64(i + 1)
				row := x[i*p : (i+1)*p]
				row[0], row[1] = 1, t
				c := 2
				if hasSin {
					row[c] = math.Sin(2 * math.Pi * t / float64(m))
					c++
				}
				row[c] = math.Cos(2 * math.Pi * t / float64(m))
			}
			coef := etsLeastSquares(x, n, p, y)
			if coef == nil {
				return nil, etsErrf(etsErrFit, "initial seasonal regression is singular")
			}
			seasonal = make([]float64, n)
			for i := range n {
				tr := coef[0] + coef[1]*float64(i+1)
				if seasT == etsAdd {
					seasonal[i] = y[i] - tr
				} else {
					seasonal[i] = y[i] / tr
				}
			}
		} else {
			seasonal = etsDecompose(y, m, seasT == etsMult, nil)
		}
		initSeas = make([]float64, m-1)
		for j := range m - 1 {
			initSeas[j] = seasonal[m-1-j] // rev(seasonal[2:m])
		}
		ysa = make([]float64, n)
		if seasT == etsAdd {
			for i := range n {
				ysa[i] = y[i] - seasonal[i]
			}
		} else {
			var sum float64
			for j := range initSeas {
				initSeas[j] = max(initSeas[j], 0.01)
				sum += initSeas[j]
			}
			if sum > float64(m) {
				d := sum + 0.01*float64(len(initSeas))
				for j := range initSeas {
					initSeas[j] /= d
				}
			}
			for i := range n {
				ysa[i] = y[i] / max(seasonal[i], 0.01)
			}
		}
	} else {
		m = 1
		ysa = y
	}
	maxn := min(max(10, 2*m), len(ysa))
	out := make([]float64, 0, 2+len(initSeas))
	switch trendT {
	case etsNone:
		var s float64
		for _, v := range ysa[:maxn] {
			s += v
		}
		out = append(out, s/float64(maxn))
	case etsAdd:
		l0, b0 := etsLineFit(ysa[:maxn])
		if math.Abs(l0+b0) < 1e-8 {
			l0 *= 1 + 0.001
			b0 *= 1 - 0.001
		}
		out = append(out, l0, b0)
	default:
		c0, c1 := etsLineFit(ysa[:maxn])
		l0 := c0 + c1
		if math.Abs(l0) < 1e-8 {
			l0 = 1e-7
		}
		b0 := (c0 + 2*c1) / l0
		l0 /= b0
		if math.Abs(b0) > 1e10 {
			b0 = math.Copysign(1e10, b0)
		}
		if l0 < 1e-8 || b0 < 1e-8 {
			l0 = max(ysa[0], 0.001)
			b0 = max(ysa[1]/ysa[0], 0.001)
		}
		out = append(out, l0, b0)
	}
	return append(out, initSeas...), nil
}
