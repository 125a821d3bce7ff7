package funnel

import (
	"bytes"
	"fmt"
	"io"
	"text/tabwriter"
)

// String renders the report as text tables; see [Report.WriteTo].
func (r *Report) String() string {
	var b bytes.Buffer
	r.WriteTo(&b)
	return b.String()
}

// WriteTo writes the main figures as readable text tables: for each
// pipeline the snapshot as of AsOf, stage-to-stage conversion, the headline
// figures, one line per rep with the weak-stage verdict, and the targets.
// Amounts are rounded to two places for display; the JSON form keeps them
// exact.
func (r *Report) WriteTo(w io.Writer) (int64, error) {
	var b bytes.Buffer
	fmt.Fprintf(&b, "Funnel report as of %s", r.AsOf.Format("2006-01-02 15:04"))
	if !r.From.IsZero() || !r.To.IsZero() {
		from, to := "start", "as of"
		if !r.From.IsZero() {
			from = fnlDate(r.From)
		}
		if !r.To.IsZero() {
			to = fnlDate(r.To)
		}
		fmt.Fprintf(&b, ", window %s – %s", from, to)
	}
	if r.Currency != "" {
		fmt.Fprintf(&b, ", currency %s", r.Currency)
	}
	b.WriteString("\n")
	for _, wn := range r.Warnings {
		fmt.Fprintf(&b, "warning: %s\n", wn)
	}
	if r.Skipped.Records > 0 {
		fmt.Fprintf(&b, "skipped %d records (%d deals):", r.Skipped.Records, r.Skipped.Deals)
		for _, s := range r.Skipped.Reasons {
			fmt.Fprintf(&b, " %s ×%d;", s.Reason, s.Count)
		}
		b.WriteString("\n")
	}
	for _, p := range r.Pipelines {
		t := &p.Total
		fmt.Fprintf(&b, "\nPipeline %s\n", p.Pipeline)
		tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
		if n := len(t.Snapshots); n > 0 {
			s := t.Snapshots[n-1]
			fmt.Fprintf(tw, "stage\tkind\tdeals\tamount\tweighted\n")
			for _, st := range s.Stages {
				fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\n", st.Stage, st.Kind, st.Count, st.Amount.StringFixed(2), st.Weighted.StringFixed(2))
			}
			fmt.Fprintf(tw, "total\t\t%d\t%s\t%s\n", s.Count, s.Amount.StringFixed(2), s.Weighted.StringFixed(2))
			tw.Flush()
		}
		if len(t.Conversion.StageToStage) > 0 {
			b.WriteString("\n")
			fmt.Fprintf(tw, "stage-to-stage\tentered\tadvanced\tdropped\topen\trate\tskipped\tdays p50\tp90\n")
			for _, c := range t.Conversion.StageToStage {
				skipped := 0
				for _, s := range t.Moves.Skipped {
					if s.Stage == c.Stage {
						skipped = s.Count
					}
				}
				var tis Durations
				for _, x := range t.TimeInStage {
					if x.Stage == c.Stage {
						tis = x.Days
					}
				}
				fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%.1f%%\t%d\t%.1f\t%.1f\n", c.Stage, c.Entered, c.Advanced, c.Dropped, c.Open, 100*c.Rate, skipped, tis.Median, tis.P90)
			}
			tw.Flush()
		}
		fmt.Fprintf(&b, "\nwon %d, lost %d, win rate %.1f%%, avg won %s, median won %s, cycle %.1f days (median %.1f)\n",
			t.Won, t.Lost, 100*t.WinRate, t.AvgWonAmount.StringFixed(2), t.MedianWonAmount.StringFixed(2), t.CycleDays.Mean, t.CycleDays.Median)
		fmt.Fprintf(&b, "open %d (%s), velocity %s per day; moves: %d skips, %d backward, %d reopened; %d stale deals\n",
			t.OpenDeals, t.OpenAmount.StringFixed(2), t.Velocity.StringFixed(2), t.Moves.Skips, t.Moves.Backward, t.Moves.Reopened, t.StaleDeals)
		if len(p.Reps) > 0 {
			b.WriteString("\n")
			fmt.Fprintf(tw, "rep\tteam\topen\twon\twin rate\twon amount\n")
			for i, m := range p.Reps {
				fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%.1f%%\t%s\n", fnlOrDash(m.Rep), fnlOrDash(m.Team), m.OpenDeals, m.Won, 100*m.WinRate, m.WonAmount.StringFixed(2))
				_ = i
			}
			tw.Flush()
			for _, d := range p.Diagnostics {
				fmt.Fprintf(&b, "%s: %s\n", fnlOrDash(d.Rep), d.Verdict)
			}
		}
	}
	if len(r.Targets) > 0 {
		b.WriteString("\n")
		tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
		fmt.Fprintf(tw, "target\tperiod\ttarget\twon\tattainment\tgap\tcoverage\tunweighted\tneeded\n")
		for _, t := range r.Targets {
			who := "rep " + t.Target.Rep
			if t.Target.Team != "" {
				who = "team " + t.Target.Team
			}
			fmt.Fprintf(tw, "%s\t%s %s\t%s\t%s\t%.1f%%\t%s\t%.2f×\t%.2f×\t%.2f×\n", who, t.Target.Period, fnlDate(t.Target.Start),
				t.Target.Amount.StringFixed(2), t.Won.StringFixed(2), 100*t.Attainment, t.Gap.StringFixed(2), t.Coverage, t.UnweightedCoverage, t.CoverageNeeded)
		}
		tw.Flush()
	}
	n, err := w.Write(b.Bytes())
	return int64(n), err
}

func fnlOrDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func fnlDate(t interface{ Format(string) string }) string { return t.Format("2006-01-02") }
