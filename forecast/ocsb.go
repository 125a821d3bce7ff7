package forecast

import "math"

// The OCSB seasonal unit-root test (Osborn, Chui, Smith & Birchenhall 1988)
// as forecast::ocsb.test(x, lag.method = "AIC", maxlag = 3) runs it for
// nsdiffs(test = "ocsb"), with forecast's simulated critical values.

// ocsbCritical is forecast's calcOCSBCritVal.
func ocsbCritical(period int) float64 {
	lm := math.Log(float64(period))
	u := lm - 0.7656451
	return -0.2937411*math.Exp(-0.2850853*u+(-0.05983644)*u*u) - 1.652202
}

// ocsbFit is lm(y ~ 0 + X) on complete rows: coefficients, t values and AIC.
// All-zero columns are aliased (coefficient NaN), as lm drops them.
type ocsbFit struct {
	coef, tval []float64
	aic        float64
}

func ocsbLM(y []float64, X [][]float64) (ocsbFit, bool) {
	k := len(X)
	var keep []int
	for j := range k {
		nz := false
		for _, v := range X[j] {
			if v != 0 {
				nz = true
				break
			}
		}
		if nz {
			keep = append(keep, j)
		}
	}
	cols := make([][]float64, len(keep))
	for i, j := range keep {
		cols[i] = X[j]
	}
	out := ocsbFit{coef: make([]float64, k), tval: make([]float64, k)}
	for j := range k {
		out.coef[j], out.tval[j] = math.NaN(), math.NaN()
	}
	n := len(y)
	if len(keep) == 0 {
		rss := 0.0
		for _, v := range y {
			rss += v * v
		}
		out.aic = float64(n)*(math.Log(2*math.Pi)+1+math.Log(rss/float64(n))) + 2
		return out, true
	}
	coef, se, rank := arimaOLS(y, cols)
	if rank < len(keep) || n <= len(keep) {
		return out, false
	}
	rss := 0.0
	for t := range n {
		f := 0.0
		for i := range cols {
			f += cols[i][t] * coef[i]
		}
		rss += (y[t] - f) * (y[t] - f)
	}
	for i, j := range keep {
		out.coef[j] = coef[i]
		out.tval[j] = coef[i] / se[i]
	}
	out.aic = float64(n)*(math.Log(2*math.Pi)+1+math.Log(rss/float64(n))) + 2*float64(len(keep)+1)
	return out, true
}

// ocsbRegression is forecast's fitOCSB(x, lag, maxlag): the regression of
// Δ Δ_m x on its lags and the two auxiliary regressors Z4, Z5.
func ocsbRegression(x []float64, m, lag, maxlag int) (ocsbFit, bool) {
	n := len(x)
	nan := math.NaN()
	dsx := make([]float64, n)
	dx := make([]float64, n)
	y := make([]float64, n)
	for t := range n {
		dsx[t], dx[t], y[t] = nan, nan, nan
		if t >= m {
			dsx[t] = x[t] - x[t-m]
		}
		if t >= 1 {
			dx[t] = x[t] - x[t-1]
		}
		if t >= m+1 {
			y[t] = dsx[t] - dsx[t-1]
		}
	}
	complete := func(v ...float64) bool {
		for _, f := range v {
			if math.IsNaN(f) {
				return false
			}
		}
		return true
	}
	// AR fit of y on its lags, rows t ≥ m+1+maxlag.
	var ay []float64
	ax := make([][]float64, max(lag, 1))
	for t := m + 1 + maxlag; t < n; t++ {
		row := []float64{y[t]}
		for k := 1; k <= lag; k++ {
			row = append(row, y[t-k])
		}
		if !complete(row...) {
			continue
		}
		ay = append(ay, y[t])
		if lag == 0 {
			ax[0] = append(ax[0], 0)
		}
		for k := 1; k <= lag; k++ {
			ax[k-1] = append(ax[k-1], y[t-k])
		}
	}
	if len(ay) == 0 {
		return ocsbFit{}, false
	}
	ar, ok := ocsbLM(ay, ax)
	if !ok {
		return ocsbFit{}, false
	}
	pred := func(v []float64, t int) float64 {
		s := v[t]
		for k := 1; k <= lag; k++ {
			c := ar.coef[k-1]
			if math.IsNaN(c) {
				continue
			}
			s -= c * v[t-k]
		}
		return s
	}
	z4 := make([]float64, n)
	z5 := make([]float64, n)
	for t := range n {
		z4[t], z5[t] = nan, nan
		if t >= m+lag {
			z4[t] = pred(dsx, t)
		}
		if t >= 1+lag {
			z5[t] = pred(dx, t)
		}
	}
	var fy []float64
	fx := make([][]float64, max(lag, 1)+2)
	for t := m + 1 + maxlag; t < n; t++ {
		row := []float64{y[t], z4[t-1], z5[t-m]}
		for k := 1; k <= lag; k++ {
			row = append(row, y[t-k])
		}
		if !complete(row...) {
			continue
		}
		fy = append(fy, y[t])
		if lag == 0 {
			fx[0] = append(fx[0], 0)
		}
		for k := 1; k <= lag; k++ {
			fx[k-1] = append(fx[k-1], y[t-k])
		}
		nl := max(lag, 1)
		fx[nl] = append(fx[nl], z4[t-1])
		fx[nl+1] = append(fx[nl+1], z5[t-m])
	}
	if len(fy) == 0 {
		return ocsbFit{}, false
	}
	return ocsbLM(fy, fx)
}

// ocsbStatistic is ocsb.test(x, lag.method = "AIC", maxlag)'s statistic:
// the t value of the Z5 coefficient. ok is false where R's test errors.
func ocsbStatistic(x []float64, m, maxlag int) (float64, bool) {
	lag := 0
	if maxlag > 0 {
		best, id := math.Inf(1), 0
		for l := 1; l <= maxlag; l++ {
			f, ok := ocsbRegression(x, m, l, maxlag)
			if !ok {
				return 0, false
			}
			if f.aic < best {
				best, id = f.aic, l
			}
		}
		lag = id - 1 // forecast uses which.min - 1
	}
	f, ok := ocsbRegression(x, m, lag, lag)
	if !ok {
		return 0, false
	}
	t := f.tval[len(f.tval)-1]
	if math.IsNaN(t) || math.IsInf(t, 0) {
		return 0, false
	}
	return t, true
}
