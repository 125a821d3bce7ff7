package report

import (
	"fmt"
	"html"
	"io"
	"strings"
)

// Section is one titled block of the page: a chart (SVG markup) and a
// sentence or two explaining what it shows.
type Section struct {
	Title string
	Text  string
	SVG   string
}

// Write writes a self-contained HTML page (inline CSS, inline SVG, no
// scripts, no external resources) with the sections in order.
func Write(w io.Writer, title string, sections []Section) error {
	var b strings.Builder
	fmt.Fprintf(&b, `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>%s</title>
<style>
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",sans-serif;margin:24px auto;max-width:1000px;color:#1f2933;background:#fff}
h1{font-size:26px;margin-bottom:4px} h2{font-size:19px;margin:28px 0 6px} p{margin:4px 0 10px;line-height:1.45}
section{border-top:1px solid #e4e7eb;padding-top:6px}
svg.chart{display:block;max-width:100%%;height:auto}
.title{font-size:15px;font-weight:600;fill:#1f2933} .tick{font-size:11px;fill:#616e7c} .label{font-size:13px;fill:#1f2933}
.note{font-size:12px;fill:#3e4c59} .inbar{font-size:13px;font-weight:600;fill:#fff}
.grid{stroke:#e4e7eb;stroke-width:1} .bar{stroke:none}
.s0{fill:#2f6fb3}.s1{fill:#3c8dbc}.s2{fill:#48a9a6}.s3{fill:#6cbf84}.s4{fill:#a3c65a}.s5{fill:#d9b44a}
.history{fill:none;stroke:#1f2933;stroke-width:2} .mean{fill:none;stroke:#2f6fb3;stroke-width:2.5}
.band{stroke:none} .b0{fill:#c5dcf2} .b1{fill:#8fbbe6} .b2{fill:#5b9bd5}
.now{stroke:#9aa5b1;stroke-dasharray:4 3} .equal{stroke:#9aa5b1;stroke-dasharray:5 4}
.lorenz{fill:none;stroke:#2f6fb3;stroke-width:2.5} .mark{fill:#d64545} .guide{stroke:#d64545;stroke-dasharray:3 3}
.cell{fill:#2f6fb3} .cellnum{font-size:13px;font-weight:600;fill:#1f2933} .celllab{font-size:10px;fill:#1f2933}
</style></head><body>
<h1>%s</h1>
`, html.EscapeString(title), html.EscapeString(title))
	for _, s := range sections {
		fmt.Fprintf(&b, "<section><h2>%s</h2><p>%s</p>\n%s\n</section>\n", html.EscapeString(s.Title), html.EscapeString(s.Text), s.SVG)
	}
	b.WriteString("</body></html>\n")
	_, err := io.WriteString(w, b.String())
	return err
}
