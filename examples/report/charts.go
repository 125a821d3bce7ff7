package report

import (
	"errors"
	"fmt"
	"math"
	"sort"
	"strings"
)

// ErrChartData is returned when a chart is given no data or non-finite values.
var ErrChartData = errors.New("report: chart data empty or not finite")

// FunnelStage is one bar of the funnel chart. Conversion is the share of the
// stage's deals that advanced to the next stage (NaN or negative: not shown).
type FunnelStage struct {
	Name       string
	Count      int
	Amount     float64
	Conversion float64
}

// FunnelChart draws count and amount by stage as centred horizontal bars
// (count) with the amount and the conversion to the next stage as labels.
func FunnelChart(stages []FunnelStage) (string, error) {
	if len(stages) == 0 {
		return "", ErrChartData
	}
	maxN := 0
	for _, s := range stages {
		if s.Count < 0 || !finite(s.Amount) {
			return "", fmt.Errorf("%w: stage %q", ErrChartData, s.Name)
		}
		maxN = max(maxN, s.Count)
	}
	rowH := 44.0
	c := newCanvas(720, 40+rowH*float64(len(stages)))
	c.left, c.right = 150, 150
	c.text(c.w/2, 18, "middle", "title", "Funnel: deals and amount by stage")
	mid := c.left + c.plotW()/2
	for i, s := range stages {
		y := 30 + rowH*float64(i)
		w := 0.0
		if maxN > 0 {
			w = c.plotW() * float64(s.Count) / float64(maxN)
		}
		c.add(`<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" class="bar s%d"><title>%s: %d deals</title></rect>`, mid-w/2, y, math.Max(w, 1), rowH-10, i%6, s.Name, s.Count)
		c.text(c.left-8, y+rowH/2, "end", "label", s.Name)
		c.text(mid, y+rowH/2, "middle", "inbar", fmt.Sprintf("%d", s.Count))
		if i < len(stages)-1 || s.Amount != 0 {
			c.text(c.w-c.right+8, y+rowH/2-4, "start", "label", short(s.Amount)+" open now")
		}
		if i < len(stages)-1 && s.Conversion >= 0 && !math.IsNaN(s.Conversion) {
			c.text(c.w-c.right+8, y+rowH/2+12, "start", "note", fmt.Sprintf("→ %.0f%% advance", 100*s.Conversion))
		}
	}
	return c.svg("funnel", "Funnel"), nil
}

// Band is a prediction interval for the fan chart.
type Band struct {
	Level        float64
	Lower, Upper []float64
}

// FanChart draws the history, the forecast mean and its bands (widest first).
func FanChart(history, mean []float64, bands []Band) (string, error) {
	if len(history) == 0 || len(mean) == 0 || !finite(history...) || !finite(mean...) {
		return "", ErrChartData
	}
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, v := range append(append([]float64{}, history...), mean...) {
		lo, hi = math.Min(lo, v), math.Max(hi, v)
	}
	for _, b := range bands {
		if len(b.Lower) != len(mean) || len(b.Upper) != len(mean) || !finite(b.Lower...) || !finite(b.Upper...) {
			return "", fmt.Errorf("%w: band %v%%", ErrChartData, b.Level)
		}
		for i := range mean {
			lo, hi = math.Min(lo, b.Lower[i]), math.Max(hi, b.Upper[i])
		}
	}
	c := newCanvas(720, 320)
	n := len(history) + len(mean)
	xs := scale{0, float64(n - 1), c.left, c.w - c.right}
	ys := scale{lo, hi, c.h - c.bottom, c.top}
	ticks := niceTicks(lo, hi, 5)
	if len(ticks) > 1 {
		ys = scale{math.Min(lo, ticks[0]), math.Max(hi, ticks[len(ticks)-1]), c.h - c.bottom, c.top}
	}
	c.yAxis(ys, ticks, short)
	c.text(c.w/2, 18, "middle", "title", "Sales forecast with prediction intervals")
	sorted := append([]Band(nil), bands...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Level > sorted[j].Level })
	h0 := len(history)
	for k, b := range sorted {
		var pts []string
		pts = append(pts, fmt.Sprintf("%.1f,%.1f", xs.at(float64(h0-1)), ys.at(history[h0-1])))
		for i := range mean {
			pts = append(pts, fmt.Sprintf("%.1f,%.1f", xs.at(float64(h0+i)), ys.at(b.Upper[i])))
		}
		for i := len(mean) - 1; i >= 0; i-- {
			pts = append(pts, fmt.Sprintf("%.1f,%.1f", xs.at(float64(h0+i)), ys.at(b.Lower[i])))
		}
		c.add(`<polygon points="%s" class="band b%d"><title>%.0f%% interval</title></polygon>`, strings.Join(pts, " "), k%3, b.Level)
		c.add(`<rect x="%.1f" y="%.1f" width="14" height="10" class="band b%d"/>`, c.left+8, c.top+4+14*float64(k), k%3)
		c.text(c.left+26, c.top+13+14*float64(k), "start", "note", fmt.Sprintf("%.0f%% interval", b.Level))
	}
	line := func(vals []float64, off int, class string, joinFrom float64) {
		var pts []string
		if off > 0 {
			pts = append(pts, fmt.Sprintf("%.1f,%.1f", xs.at(float64(off-1)), ys.at(joinFrom)))
		}
		for i, v := range vals {
			pts = append(pts, fmt.Sprintf("%.1f,%.1f", xs.at(float64(off+i)), ys.at(v)))
		}
		c.add(`<polyline points="%s" class="%s"/>`, strings.Join(pts, " "), class)
	}
	line(history, 0, "history", 0)
	line(mean, h0, "mean", history[h0-1])
	c.add(`<line x1="%.1f" x2="%.1f" y1="%.1f" y2="%.1f" class="now"/>`, xs.at(float64(h0-1)), xs.at(float64(h0-1)), c.top, c.h-c.bottom)
	c.text(xs.at(float64(h0-1)), c.h-c.bottom+16, "middle", "tick", "now")
	return c.svg("fan", "Forecast fan chart"), nil
}

// LorenzChart draws the Lorenz curve (points are cumulative customer share,
// cumulative value share, both in [0,1], starting at 0,0) with the equality
// line, and marks the point at topShare of customers (ranked from the most
// valuable) with the share of value they bring.
func LorenzChart(points [][2]float64, gini float64) (string, error) {
	if len(points) < 2 {
		return "", ErrChartData
	}
	c := newCanvas(420, 420)
	xs := scale{0, 1, c.left, c.w - c.right}
	ys := scale{0, 1, c.h - c.bottom, c.top}
	c.yAxis(ys, []float64{0, .2, .4, .6, .8, 1}, func(v float64) string { return fmt.Sprintf("%.0f%%", 100*v) })
	c.text(c.w/2, 18, "middle", "title", fmt.Sprintf("Concentration (Lorenz curve), Gini %.2f", gini))
	c.add(`<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" class="equal"/>`, xs.at(0), ys.at(0), xs.at(1), ys.at(1))
	var pts []string
	for _, p := range points {
		if !finite(p[0], p[1]) || p[0] < 0 || p[0] > 1 || p[1] < 0 || p[1] > 1 {
			return "", fmt.Errorf("%w: point %v", ErrChartData, p)
		}
		pts = append(pts, fmt.Sprintf("%.1f,%.1f", xs.at(p[0]), ys.at(p[1])))
	}
	c.add(`<polyline points="%s" class="lorenz"/>`, strings.Join(pts, " "))
	// The 80/20 point: the bottom 80% of customers hold L(0.8), so the top 20% bring 1-L(0.8).
	l80 := interp(points, 0.8)
	x, y := xs.at(0.8), ys.at(l80)
	c.add(`<circle cx="%.1f" cy="%.1f" r="5" class="mark"/>`, x, y)
	c.add(`<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" class="guide"/>`, x, c.h-c.bottom, x, y)
	c.text(x-6, y-10, "end", "note", fmt.Sprintf("top 20%% bring %.0f%%", 100*(1-l80)))
	c.text(c.w/2, c.h-8, "middle", "tick", "customers, least to most valuable")
	return c.svg("lorenz", "Lorenz curve"), nil
}

func interp(points [][2]float64, x float64) float64 {
	for i := 1; i < len(points); i++ {
		a, b := points[i-1], points[i]
		if x <= b[0] {
			if b[0] == a[0] {
				return b[1]
			}
			return a[1] + (x-a[0])/(b[0]-a[0])*(b[1]-a[1])
		}
	}
	return points[len(points)-1][1]
}

// GridCell is one cell of the RFM grid: recency score R and frequency score F
// (1..q), the number of customers and the segment most of them fall in.
type GridCell struct {
	R, F    int
	Count   int
	Segment string
}

// SegmentGrid draws the RFM grid: recency score across, frequency score up,
// each cell shaded by its customer count and labelled with its segment.
func SegmentGrid(cells []GridCell, q int) (string, error) {
	if len(cells) == 0 || q < 1 || q > 10 {
		return "", ErrChartData
	}
	maxN := 1
	for _, cl := range cells {
		if cl.R < 1 || cl.R > q || cl.F < 1 || cl.F > q || cl.Count < 0 {
			return "", fmt.Errorf("%w: cell %+v", ErrChartData, cl)
		}
		maxN = max(maxN, cl.Count)
	}
	c := newCanvas(560, 520)
	cw, ch := c.plotW()/float64(q), c.plotH()/float64(q)
	c.text(c.w/2, 18, "middle", "title", "RFM grid: customers by recency and frequency score")
	for _, cl := range cells {
		x := c.left + cw*float64(cl.R-1)
		y := c.top + ch*float64(q-cl.F)
		op := 0.12 + 0.88*float64(cl.Count)/float64(maxN)
		c.add(`<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" class="cell" fill-opacity="%.2f"><title>R%d F%d: %d customers (%s)</title></rect>`, x+1, y+1, cw-2, ch-2, op, cl.R, cl.F, cl.Count, cl.Segment)
		c.text(x+cw/2, y+ch/2-2, "middle", "cellnum", fmt.Sprint(cl.Count))
		c.text(x+cw/2, y+ch/2+12, "middle", "celllab", abbreviate(cl.Segment, int(cw/6)))
	}
	for i := 1; i <= q; i++ {
		c.text(c.left+cw*(float64(i)-0.5), c.h-c.bottom+16, "middle", "tick", fmt.Sprintf("R%d", i))
		c.text(c.left-8, c.top+ch*(float64(q-i)+0.5)+4, "end", "tick", fmt.Sprintf("F%d", i))
	}
	c.text(c.w/2, c.h-8, "middle", "tick", "recency score (5 = bought most recently)")
	return c.svg("rfm", "RFM grid"), nil
}

func abbreviate(s string, n int) string {
	r := []rune(s)
	if n < 4 || len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// Histogram draws the distribution of values (e.g. lifetime value) in bins
// equal-width bins, with the median marked.
func Histogram(id, title string, values []float64, bins int) (string, error) {
	if len(values) == 0 || bins < 1 || !finite(values...) {
		return "", ErrChartData
	}
	v := append([]float64(nil), values...)
	sort.Float64s(v)
	lo, hi := v[0], v[len(v)-1]
	if hi == lo {
		hi = lo + 1
	}
	counts := make([]int, bins)
	for _, x := range v {
		k := int(float64(bins) * (x - lo) / (hi - lo))
		counts[min(k, bins-1)]++
	}
	maxN := 0
	for _, n := range counts {
		maxN = max(maxN, n)
	}
	c := newCanvas(720, 320)
	xs := scale{lo, hi, c.left, c.w - c.right}
	ys := scale{0, float64(maxN), c.h - c.bottom, c.top}
	c.yAxis(ys, niceTicks(0, float64(maxN), 4), short)
	c.text(c.w/2, 18, "middle", "title", title)
	bw := c.plotW() / float64(bins)
	for i, n := range counts {
		y := ys.at(float64(n))
		c.add(`<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" class="bar s1"><title>%s–%s: %d</title></rect>`, c.left+bw*float64(i)+1, y, math.Max(bw-2, 1), c.h-c.bottom-y, short(lo+(hi-lo)*float64(i)/float64(bins)), short(lo+(hi-lo)*float64(i+1)/float64(bins)), n)
	}
	for _, t := range niceTicks(lo, hi, 6) {
		c.text(xs.at(t), c.h-c.bottom+16, "middle", "tick", short(t))
	}
	med := v[len(v)/2]
	c.add(`<line x1="%.1f" x2="%.1f" y1="%.1f" y2="%.1f" class="guide"/>`, xs.at(med), xs.at(med), c.top, c.h-c.bottom)
	c.text(xs.at(med)+4, c.top+12, "start", "note", "median "+short(med))
	return c.svg(id, title), nil
}
