package forecast

import (
	"math"
	"math/rand/v2"
	"slices"
)

// etsMaxHorizon bounds forecast horizons (100,000 steps).
const etsMaxHorizon = MaxHorizon

// etsZ is the standard normal quantile: qnorm(p).
func etsZ(p float64) float64 { return -math.Sqrt2 * math.Erfcinv(2*p) }

func etsCheckForecastArgs(h int, levels []float64) error {
	if h < 1 || h > etsMaxHorizon {
		return etsErrf(ErrHorizon, "horizon %d outside 1..%d", h, etsMaxHorizon)
	}
	for _, l := range levels {
		if !(l > 0 && l < 100) {
			return etsErrf(etsErrInvalid, "interval level %v outside (0, 100)", l)
		}
	}
	return nil
}

// Forecast returns h point forecasts and a prediction interval for each level
// (in percent), as R's forecast.ets: analytic variances for the linear
// models (class 1: A error with N/A/Ad trend and N/A season), for M error with
// such components (class 2) and for M error with M season and N/A/Ad trend
// (class 3, whose mean also comes from the analytic moments); the other
// models (multiplicative trend, additive error with multiplicative season)
// get intervals from simulated sample paths (NPaths, Seed of the options,
// R's quantile type 8) and the point forecasts of the recursion.
func (f *ETS) Forecast(h int, levels ...float64) (Forecast, error) {
	if err := etsCheckForecastArgs(h, levels); err != nil {
		return Forecast{}, &ETSError{Op: "forecast", Model: f.String(), Err: err}
	}
	last := f.states[len(f.states)-f.p:]
	var mu, v []float64
	switch {
	case f.constantFallback:
		mu = make([]float64, h)
		for i := range mu {
			mu[i] = last[0]
		}
		v = make([]float64, h)
	case f.errT == etsAdd && f.trendT != etsMult && f.seasT != etsMult:
		mu, v, _ = f.class1(h, last)
	case f.errT == etsMult && f.trendT != etsMult && f.seasT != etsMult:
		mu, v = f.class2(h, last)
	case f.errT == etsMult && f.seasT == etsMult && f.trendT != etsMult:
		mu, v = f.class3(h, last)
	default:
		return f.simulated(h, last, levels)
	}
	out := Forecast{Mean: mu}
	for _, l := range levels {
		z := math.Abs(etsZ((100 - l) / 200))
		iv := Interval{Level: l, Lower: make([]float64, h), Upper: make([]float64, h)}
		for i := range mu {
			e := math.Sqrt(v[i]) * z
			iv.Lower[i], iv.Upper[i] = mu[i]-e, mu[i]+e
		}
		out.Intervals = append(out.Intervals, iv)
	}
	return out, nil
}

// etsApplyF maps a state (R layout) through the transition matrix F of the
// linear model: level + φb, φb, and the seasonal rotation.
func (f *ETS) applyF(dst, x []float64) {
	phi := 1.0
	if f.damped {
		phi = f.phi
	}
	dst[0] = x[0]
	c := 1
	if f.trendT != etsNone {
		dst[0] += phi * x[1]
		dst[1] = phi * x[1]
		c = 2
	}
	if f.seasT != etsNone {
		m := f.m
		last := x[c+m-1]
		copy(dst[c+1:c+m], x[c:c+m-1])
		dst[c] = last
	}
}

// applyH is the measurement vector: level + φb + the season due.
func (f *ETS) applyH(x []float64) float64 {
	v := x[0]
	c := 1
	if f.trendT != etsNone {
		phi := 1.0
		if f.damped {
			phi = f.phi
		}
		v += phi * x[1]
		c = 2
	}
	if f.seasT != etsNone {
		v += x[c+f.m-1]
	}
	return v
}

// class1 is R's class1(): mean H·F^{i−1}·x, variance σ²(1+Σc_j²) with
// c_j = H·F^{j−1}·G.
func (f *ETS) class1(h int, last []float64) (mu, v, cj []float64) {
	p := f.p
	x := append([]float64(nil), last...)
	g := make([]float64, p)
	g[0] = f.alpha
	if f.trendT != etsNone {
		g[1] = f.beta
	}
	if f.seasT != etsNone {
		g[1+etsB2i(f.trendT != etsNone)] = f.gamma
	}
	tmp := make([]float64, p)
	mu = make([]float64, h)
	v = make([]float64, h)
	cj = make([]float64, max(h-1, 0))
	var cum float64
	for i := range h {
		mu[i] = f.applyH(x)
		v[i] = f.sigma2 * (1 + cum)
		if i < h-1 {
			cj[i] = f.applyH(g)
			cum += cj[i] * cj[i]
			f.applyF(tmp, x)
			x, tmp = tmp, x
			f.applyF(tmp, g)
			g, tmp = tmp, g
		}
	}
	return mu, v, cj
}

// class2 is R's class2() for multiplicative error with additive components.
func (f *ETS) class2(h int, last []float64) (mu, v []float64) {
	mu, _, cj := f.class1(h, last)
	s2 := f.sigma2
	theta := make([]float64, h)
	v = make([]float64, h)
	for j := range h {
		theta[j] = mu[j] * mu[j]
		var s float64
		for k := 0; k < j; k++ {
			s += cj[k] * cj[k] * theta[j-1-k]
		}
		theta[j] += s2 * s
		v[j] = (1+s2)*theta[j] - mu[j]*mu[j]
	}
	return mu, v
}

// etsSparse is a sparse matrix as a list of entries.
type etsSparse []struct {
	i, j int
	v    float64
}

// etsKron is the Kronecker product of two small dense matrices given as
// row-major slices with their shapes; the result is sparse.
func etsKron(a []float64, ra, ca int, b []float64, rb, cb int) etsSparse {
	var s etsSparse
	for i := range ra {
		for j := range ca {
			av := a[i*ca+j]
			if av == 0 {
				continue
			}
			for k := range rb {
				for l := range cb {
					if bv := b[k*cb+l]; bv != 0 {
						s = append(s, struct {
							i, j int
							v    float64
						}{i*rb + k, j*cb + l, av * bv})
					}
				}
			}
		}
	}
	return s
}

// sandwich adds c·A·V·Bᵀ to dst (d×d, row major).
func etsSandwich(dst []float64, a etsSparse, v []float64, b etsSparse, d int, c float64) {
	for _, ea := range a {
		row := v[ea.j*d:]
		for _, eb := range b {
			dst[ea.i*d+eb.i] += c * ea.v * eb.v * row[eb.j]
		}
	}
}

// class3 is R's class3() for multiplicative error and season with N/A/Ad
// trend: exact first two moments from the Kronecker recursions of Hyndman
// et al. (2008, ch. 6).
func (f *ETS) class3(h int, last []float64) (mu, v []float64) {
	m := f.m
	q := 1 + etsB2i(f.trendT != etsNone)
	d := q * m
	s2 := f.sigma2
	var F1, G1 []float64
	if q == 1 {
		F1 = []float64{1}
		G1 = []float64{f.alpha}
	} else {
		phi := 1.0
		if f.damped {
			phi = f.phi
		}
		F1 = []float64{1, 1, 0, phi}
		G1 = []float64{f.alpha, f.alpha, f.beta, f.beta}
	}
	F2 := make([]float64, m*m)
	F2[m-1] = 1
	for i := 1; i < m; i++ {
		F2[i*m+i-1] = 1
	}
	G2 := make([]float64, m*m)
	G2[m-1] = f.gamma
	F21 := etsKron(F2, m, m, F1, q, q)
	G21 := etsKron(G2, m, m, G1, q, q)
	K := append(etsKron(G2, m, m, F1, q, q), etsKron(F2, m, m, G1, q, q)...)
	Mh := make([]float64, q*m) // q×m row major
	for i := range q {
		for j := range m {
			Mh[i*m+j] = last[i] * last[q+j]
		}
	}
	Vh := make([]float64, d*d)
	nv := make([]float64, d*d)
	w1 := make([]float64, d*d)
	w2 := make([]float64, d*d)
	vec := make([]float64, d)
	tmp := make([]float64, q*m)
	mu = make([]float64, h)
	v = make([]float64, h)
	for step := range h {
		var s float64
		for i := range q {
			s += Mh[i*m+m-1]
		}
		mu[step] = s
		var hv float64
		for i := range q {
			for j := range q {
				hv += Vh[((m-1)*q+i)*d+(m-1)*q+j]
			}
		}
		v[step] = (1+s2)*hv + s2*s*s
		if step == h-1 {
			break
		}
		for i := range q {
			for j := range m {
				vec[i+q*j] = Mh[i*m+j] // column-major vec
			}
		}
		for i := range d {
			for j := range d {
				vv := vec[i] * vec[j]
				w1[i*d+j] = Vh[i*d+j] + vv
				w2[i*d+j] = 3*Vh[i*d+j] + 2*vv
			}
		}
		clear(nv)
		etsSandwich(nv, F21, Vh, F21, d, 1)
		etsSandwich(nv, F21, Vh, G21, d, s2)
		etsSandwich(nv, G21, Vh, F21, d, s2)
		etsSandwich(nv, K, w1, K, d, s2)
		etsSandwich(nv, G21, w2, G21, d, s2*s2)
		Vh, nv = nv, Vh
		// Mh ← F1·Mh·F2ᵀ + σ²·G1·Mh·G2ᵀ
		clear(tmp)
		for i := range q {
			for j := range m {
				var a float64
				for k := range q {
					for l := range m {
						mk := Mh[k*m+l]
						if mk == 0 {
							continue
						}
						a += F1[i*q+k]*mk*F2[j*m+l] + s2*G1[i*q+k]*mk*G2[j*m+l]
					}
				}
				tmp[i*m+j] = a
			}
		}
		copy(Mh, tmp)
	}
	return mu, v
}

// simulated forecasts by sample paths, as R's pegelsfcast.C.
func (f *ETS) simulated(h int, last []float64, levels []float64) (Forecast, error) {
	m := f.m
	var seas []float64
	if f.seasT != etsNone {
		seas = make([]float64, m)
	} else {
		seas = make([]float64, 1)
	}
	c := 1 + etsB2i(f.trendT != etsNone)
	l, b := last[0], 0.0
	if f.trendT != etsNone {
		b = last[1]
	}
	if f.seasT != etsNone {
		for j := range m {
			seas[m-1-j] = last[c+j]
		}
	}
	phi := 1.0
	if f.damped {
		phi = f.phi
	}
	mean := make([]float64, h)
	etsPointForecast(l, b, seas, 0, m, f.trendT, f.seasT, phi, mean)
	out := Forecast{Mean: mean}
	if len(levels) == 0 {
		return out, nil
	}
	np := f.npaths
	if np <= 0 {
		np = 5000
	}
	sd := math.Sqrt(f.sigma2)
	rng := rand.New(rand.NewPCG(f.seed, 0x9e3779b97f4a7c15))
	// Paths advance in chunks of horizons so memory stays O(npaths·chunk).
	const chunk = 256
	type pathState struct {
		l, b float64
		k0   int
		dead bool
	}
	ps := make([]pathState, np)
	pseas := make([]float64, np*len(seas))
	for i := range ps {
		ps[i] = pathState{l: l, b: b}
		copy(pseas[i*len(seas):], seas)
	}
	for _, lv := range levels {
		out.Intervals = append(out.Intervals, Interval{Level: lv, Lower: make([]float64, h), Upper: make([]float64, h)})
	}
	vals := make([]float64, np*min(h, chunk))
	col := make([]float64, 0, np)
	for start := 0; start < h; start += chunk {
		w := min(chunk, h-start)
		for pi := range ps {
			st := &ps[pi]
			s := pseas[pi*len(seas) : (pi+1)*len(seas)]
			for t := range w {
				if st.dead {
					vals[pi*w+t] = math.NaN()
					continue
				}
				e := rng.NormFloat64() * sd
				yv, ok := f.simStep(&st.l, &st.b, s, &st.k0, phi, e)
				if !ok {
					st.dead = true
					yv = math.NaN()
				}
				vals[pi*w+t] = yv
			}
		}
		for t := range w {
			col = col[:0]
			for pi := range ps {
				if v := vals[pi*w+t]; !math.IsNaN(v) {
					col = append(col, v)
				}
			}
			slices.Sort(col)
			for k, lv := range levels {
				out.Intervals[k].Lower[start+t] = etsQuantile8(col, 0.5-lv/200)
				out.Intervals[k].Upper[start+t] = etsQuantile8(col, 0.5+lv/200)
			}
		}
	}
	return out, nil
}

// simStep advances one simulated step with innovation e (R's etssimulate).
func (f *ETS) simStep(l, b *float64, s []float64, k0 *int, phi, e float64) (float64, bool) {
	oldl, oldb := *l, *b
	var q, phib float64
	switch f.trendT {
	case etsNone:
		q = oldl
	case etsAdd:
		phib = phi * oldb
		q = oldl + phib
	default:
		if oldb < 0 {
			return 0, false
		}
		phib = math.Pow(oldb, phi)
		q = oldl * phib
	}
	fc := q
	sOld := 0.0
	if f.seasT != etsNone {
		sOld = s[*k0]
		if f.seasT == etsAdd {
			fc += sOld
		} else {
			fc *= sOld
		}
	}
	var y float64
	if f.errT == etsAdd {
		y = fc + e
	} else {
		y = fc * (1 + max(e, -1))
	}
	var pp float64
	switch f.seasT {
	case etsNone:
		pp = y
	case etsAdd:
		pp = y - sOld
	default:
		if math.Abs(sOld) < etsTol {
			pp = etsHuge
		} else {
			pp = y / sOld
		}
	}
	*l = q + f.alpha*(pp-q)
	if f.trendT != etsNone {
		var r float64
		if f.trendT == etsAdd {
			r = *l - oldl
		} else if math.Abs(oldl) < etsTol {
			r = etsHuge
		} else {
			r = *l / oldl
		}
		*b = phib + (f.beta/f.alpha)*(r-phib)
	}
	if f.seasT != etsNone {
		var t float64
		if f.seasT == etsAdd {
			t = y - q
		} else if math.Abs(q) < etsTol {
			t = etsHuge
		} else {
			t = y / q
		}
		s[*k0] = sOld + f.gamma*(t-sOld)
		if *k0++; *k0 == len(s) {
			*k0 = 0
		}
	}
	return y, !math.IsNaN(y) && !math.IsInf(y, 0)
}

// etsQuantile8 is R's quantile(type = 8) of sorted x; NaN when x is empty.
func etsQuantile8(x []float64, p float64) float64 {
	n := len(x)
	if n == 0 {
		return math.NaN()
	}
	nppm := 1.0/3 + p*(float64(n)+1.0/3)
	const fuzz = 4 * 2.220446049250313e-16
	j := int(math.Floor(nppm + fuzz))
	g := nppm - float64(j)
	if math.Abs(g) < fuzz {
		g = 0
	}
	at := func(i int) float64 { // 1-based with clamping
		return x[min(max(i, 1), n)-1]
	}
	if g == 0 {
		return at(j)
	}
	return (1-g)*at(j) + g*at(j+1)
}
