// Package report renders crmkit results as one self-contained HTML page with
// hand-built SVG charts: the funnel, a forecast fan chart, the Lorenz curve
// with the 80/20 point, the RFM segment grid and the lifetime-value
// distribution. The charts take plain numbers, so any host can feed them.
package report

import (
	"fmt"
	"html"
	"math"
	"strings"
)

// canvas accumulates SVG elements in a fixed-size drawing with margins.
type canvas struct {
	w, h                     float64
	left, right, top, bottom float64
	b                        strings.Builder
}

func newCanvas(w, h float64) *canvas {
	c := &canvas{w: w, h: h, left: 64, right: 16, top: 28, bottom: 40}
	return c
}

func (c *canvas) plotW() float64 { return c.w - c.left - c.right }
func (c *canvas) plotH() float64 { return c.h - c.top - c.bottom }

func (c *canvas) add(format string, args ...any) {
	fmt.Fprintf(&c.b, format, args...)
	c.b.WriteByte('\n')
}

func (c *canvas) text(x, y float64, anchor, class, s string) {
	c.add(`<text x="%.1f" y="%.1f" text-anchor="%s" class="%s">%s</text>`, x, y, anchor, class, html.EscapeString(s))
}

func (c *canvas) svg(id, title string) string {
	return fmt.Sprintf(`<svg id="%s" class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %.0f %.0f" width="%.0f" height="%.0f" role="img" aria-label="%s"><title>%s</title>
%s</svg>`, id, c.w, c.h, c.w, c.h, html.EscapeString(title), html.EscapeString(title), c.b.String())
}

// scale maps [lo, hi] onto [a, b].
type scale struct{ lo, hi, a, b float64 }

func (s scale) at(v float64) float64 {
	if s.hi == s.lo {
		return (s.a + s.b) / 2
	}
	return s.a + (v-s.lo)/(s.hi-s.lo)*(s.b-s.a)
}

// niceTicks returns about n round tick values covering [lo, hi].
func niceTicks(lo, hi float64, n int) []float64 {
	if !(hi > lo) || math.IsInf(hi-lo, 0) {
		return []float64{lo}
	}
	raw := (hi - lo) / float64(n)
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	step := mag
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		if m*mag >= raw {
			step = m * mag
			break
		}
	}
	var out []float64
	for v := math.Ceil(lo/step) * step; v <= hi+step*1e-9; v += step {
		out = append(out, v)
	}
	return out
}

// short formats a number compactly: 1234567 -> 1.23M.
func short(v float64) string {
	a := math.Abs(v)
	switch {
	case a >= 1e9:
		return fmt.Sprintf("%.3gB", v/1e9)
	case a >= 1e6:
		return fmt.Sprintf("%.3gM", v/1e6)
	case a >= 1e4:
		return fmt.Sprintf("%.3gk", v/1e3)
	case a == math.Trunc(a):
		return fmt.Sprintf("%.0f", v)
	default:
		return fmt.Sprintf("%.3g", v)
	}
}

func (c *canvas) yAxis(s scale, ticks []float64, fmtTick func(float64) string) {
	for _, t := range ticks {
		y := s.at(t)
		c.add(`<line x1="%.1f" x2="%.1f" y1="%.1f" y2="%.1f" class="grid"/>`, c.left, c.w-c.right, y, y)
		c.text(c.left-6, y+4, "end", "tick", fmtTick(t))
	}
}

func finite(vs ...float64) bool {
	for _, v := range vs {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return false
		}
	}
	return true
}
