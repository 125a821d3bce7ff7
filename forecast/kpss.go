package forecast

import "math"

// Unit-root and seasonality tests that choose the differencing orders of
// AutoARIMA, as forecast::ndiffs and forecast::nsdiffs run them.

// kpssStat is the KPSS level-stationarity statistic (Kwiatkowski et al.
// 1992) of urca::ur.kpss(type = "mu") with lmax Bartlett lags.
func kpssStat(y []float64, lmax int) float64 {
	n := len(y)
	mean := 0.0
	for _, v := range y {
		mean += v
	}
	mean /= float64(n)
	res := make([]float64, n)
	for i, v := range y {
		res[i] = v - mean
	}
	s, num, s2 := 0.0, 0.0, 0.0
	for _, e := range res {
		s += e
		num += s * s
		s2 += e * e
	}
	num /= float64(n) * float64(n)
	s2 /= float64(n)
	den := s2
	for l := 1; l <= lmax; l++ {
		c := 0.0
		for t := l; t < n; t++ {
			c += res[t] * res[t-l]
		}
		den += 2 / float64(n) * (1 - float64(l)/float64(lmax+1)) * c
	}
	return num / den
}

// kpssPValue interpolates urca's level critical values (10%, 5%, 2.5%, 1%)
// linearly, clamped at the ends, as forecast::ndiffs does.
func kpssPValue(stat float64) float64 {
	cv := []float64{0.347, 0.463, 0.574, 0.739}
	pv := []float64{0.10, 0.05, 0.025, 0.01}
	if math.IsNaN(stat) {
		return math.NaN()
	}
	if stat <= cv[0] {
		return pv[0]
	}
	if stat >= cv[3] {
		return pv[3]
	}
	for i := 1; i < 4; i++ {
		if stat <= cv[i] {
			f := (stat - cv[i-1]) / (cv[i] - cv[i-1])
			return pv[i-1] + f*(pv[i]-pv[i-1])
		}
	}
	return pv[3]
}

// kpssIsConstant is forecast's is.constant: all.equal(x, rep(x[1])) with
// tolerance 1.5e-8 (mean relative difference).
func kpssIsConstant(x []float64) bool {
	if len(x) == 0 {
		return true
	}
	if math.IsNaN(x[0]) {
		for _, v := range x {
			if !math.IsNaN(v) {
				return false
			}
		}
		return true
	}
	sd, sa := 0.0, 0.0
	for _, v := range x {
		if math.IsNaN(v) {
			return false
		}
		sd += math.Abs(v - x[0])
		sa += math.Abs(v)
	}
	n := float64(len(x))
	xy := sd / n
	if xn := sa / n; xn > 1.5e-8 {
		xy /= xn
	}
	return xy <= 1.5e-8
}

// kpssNDiffs is forecast::ndiffs(x, test = "kpss", alpha = 0.05, max.d):
// the number of first differences after which KPSS no longer rejects level
// stationarity. Missing values are dropped first.
func kpssNDiffs(x []float64, maxD int) int {
	y := make([]float64, 0, len(x))
	for _, v := range x {
		if !math.IsNaN(v) {
			y = append(y, v)
		}
	}
	d := 0
	if kpssIsConstant(y) {
		return d
	}
	test := func(y []float64) (bool, bool) {
		if len(y) < 2 {
			return false, true
		}
		lmax := int(3 * math.Sqrt(float64(len(y))) / 13)
		p := kpssPValue(kpssStat(y, lmax))
		if math.IsNaN(p) {
			return false, false
		}
		return p < 0.05, true
	}
	dodiff, ok := test(y)
	if !ok {
		return d
	}
	for dodiff && d < maxD {
		d++
		y = arimaDiff(y, 1)
		if kpssIsConstant(y) {
			return d
		}
		dodiff, ok = test(y)
		if !ok {
			return d - 1
		}
	}
	return d
}

// arimaDiff is R's diff(x, lag) (length len(x)-lag, NaN propagating).
func arimaDiff(x []float64, lag int) []float64 {
	if len(x) <= lag {
		return nil
	}
	out := make([]float64, len(x)-lag)
	for i := range out {
		out[i] = x[i+lag] - x[i]
	}
	return out
}

// stlSeasonalStrength is forecast's seas.heuristic: the strength of
// seasonality max(0, min(1, 1 - var(R)/var(R+S))) from an STL decomposition
// with s.window = 11 (mstl's default). Missing values are filled by linear
// interpolation first (R uses na.interp). ok is false when the series is too
// short (n ≤ 2·period) for STL.
func stlSeasonalStrength(x []float64, period int) (float64, bool) {
	n := len(x)
	if period < 2 || n <= 2*period {
		return 0, false
	}
	y := arimaInterpolate(x)
	if y == nil {
		return 0, false
	}
	seas, trend := stlDecompose(y, stlDefaults(period, 11))
	rem := make([]float64, n)
	rs := make([]float64, n)
	for i := range n {
		rem[i] = y[i] - seas[i] - trend[i]
		rs[i] = rem[i] + seas[i]
	}
	var keepR, keepRS []float64
	for i := range n {
		if math.IsNaN(x[i]) {
			continue
		}
		keepR = append(keepR, rem[i])
		keepRS = append(keepRS, rs[i])
	}
	vr, vrs := arimaVar(keepR), arimaVar(keepRS)
	return math.Max(0, math.Min(1, 1-vr/vrs)), true
}

func arimaVar(x []float64) float64 {
	n := float64(len(x))
	m := 0.0
	for _, v := range x {
		m += v
	}
	m /= n
	s := 0.0
	for _, v := range x {
		s += (v - m) * (v - m)
	}
	return s / (n - 1)
}

// arimaInterpolate fills NaN gaps linearly (ends by the nearest value); nil
// if every value is NaN.
func arimaInterpolate(x []float64) []float64 {
	y := append([]float64(nil), x...)
	last := -1
	for i, v := range y {
		if math.IsNaN(v) {
			continue
		}
		if last < 0 {
			for j := 0; j < i; j++ {
				y[j] = v
			}
		} else if i-last > 1 {
			for j := last + 1; j < i; j++ {
				f := float64(j-last) / float64(i-last)
				y[j] = y[last] + f*(v-y[last])
			}
		}
		last = i
	}
	if last < 0 {
		return nil
	}
	for j := last + 1; j < len(y); j++ {
		y[j] = y[last]
	}
	return y
}

// kpssNSDiffs is forecast::nsdiffs(x, test = "seas" or "ocsb", max.D).
func kpssNSDiffs(x []float64, period, maxD int, ocsb bool) int {
	D := 0
	if kpssIsConstant(x) {
		return D
	}
	if period >= len(x) {
		return 0
	}
	test := func(x []float64) bool {
		if ocsb {
			stat, ok := ocsbStatistic(x, period, 3)
			return ok && stat > ocsbCritical(period)
		}
		s, ok := stlSeasonalStrength(x, period)
		return ok && s > 0.64
	}
	dodiff := test(x)
	for dodiff && D < maxD {
		D++
		x = arimaDiff(x, period)
		if kpssIsConstant(x) {
			return D
		}
		if len(x) >= 2*period && D < maxD {
			dodiff = test(x)
		} else {
			dodiff = false
		}
	}
	return D
}
