package forecast

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"math"
	"time"

	"github.com/crmkit/crmkit"
)

// ErrEmptyPeriod is returned by [Aggregate] under [EmptyError] when a period
// in the range has no record.
var ErrEmptyPeriod = errors.New("forecast: empty period")

// ErrTooManyPeriods is returned when an aggregation range spans more than
// [MaxPeriods] periods.
var ErrTooManyPeriods = errors.New("forecast: too many periods")

// MaxPeriods bounds the length of an aggregated series, so that one stray
// timestamp (year 1, year 9000) or a tiny fixed step cannot make
// [Aggregate] allocate without limit: a million periods is 2,700 years of
// days or 114 years of hours.
const MaxPeriods = 1_000_000

// Point is one timestamped amount: an order's total, a won deal's value, or
// 1 for counting events. The zero value (zero time) is an invalid point. Money enters as float64 here; convert it with
// crmkit.ToFloat in the accessor given to [AggregateFunc].
// Points are plain values, safe for concurrent reads.
type Point struct {
	Time  time.Time `json:"time"`
	Value float64   `json:"value"`
}

// Statistic is how [Aggregate] reduces the points of a period. The zero
// value is [Sum].
// Statistics are constants, safe for concurrent use.
type Statistic int

// Statistics of a period.
const (
	Sum   Statistic = iota // sum of values (compensated summation)
	Count                  // number of points; values are ignored
	Avg                    // mean of values
)

// EmptyPolicy says what [Aggregate] writes for a period with no points. The
// zero value is [EmptyZero].
// Policies are constants, safe for concurrent use.
type EmptyPolicy int

// Policies for empty periods.
const (
	// EmptyZero writes 0: no orders means no sales.
	EmptyZero EmptyPolicy = iota
	// EmptyMissing writes NaN: the period was not observed (e.g. a
	// system outage), so models treat it as missing.
	EmptyMissing
	// EmptyError fails with [ErrEmptyPeriod] naming the first empty period.
	EmptyError
)

// AggregateOptions configures [Aggregate]. A nil pointer or the zero value
// means: monthly sums in UTC over the range the data spans, empty months 0,
// invalid records an error.
// Options are only read, so one value may be shared by concurrent calls.
type AggregateOptions struct {
	// Freq is the period length; the zero value ([Index]) means Monthly.
	Freq Frequency
	// Location defines the calendar: a day begins at local midnight. nil
	// means UTC.
	Location *time.Location
	// WeekStart is the first day of a week for Weekly; the zero value is
	// Sunday.
	WeekStart time.Weekday
	// Stat reduces each period; the zero value is Sum.
	Stat Statistic
	// Empty is the policy for periods without points.
	Empty EmptyPolicy
	// From and To bound the points kept, [From, To). The series runs from
	// the period containing From to the period containing the last instant
	// before To. A zero bound is inferred from the data (the first or last
	// point's period). Points outside are counted in OutOfRange, not
	// aggregated. For Fixed frequencies, periods start at From (or, when
	// From is zero, at local midnight of 1970-01-01).
	From, To time.Time
	// SkipInvalid skips points with a zero time or a NaN or infinite value
	// (counting them in Skipped) instead of failing on the first.
	SkipInvalid bool
}

// Aggregation is the result of [Aggregate]: the series and an account of
// every point read (Points + OutOfRange + Skipped = points in the stream).
// It is a plain value, safe for concurrent reads; the zero value describes
// an empty stream.
type Aggregation struct {
	Series Series `json:"series"`
	// Counts[i] is the number of points in period i.
	Counts []int `json:"counts"`
	// Points is the number of points aggregated.
	Points int `json:"points"`
	// EmptyPeriods is the number of periods without points.
	EmptyPeriods int `json:"empty_periods"`
	// OutOfRange counts points outside [From, To).
	OutOfRange int `json:"out_of_range"`
	// Skipped counts invalid points skipped under SkipInvalid;
	// FirstSkipped describes the first of them.
	Skipped      int    `json:"skipped"`
	FirstSkipped string `json:"first_skipped,omitempty"`
}

// Aggregate reduces a stream of timestamped amounts to a regular series:
// sum, count or mean per period of the local calendar. The stream need not
// be sorted; memory grows with the number of periods, not of points.
//
// A point with a zero time, a time outside years 1 to 9998 (so every period
// start can be written as RFC 3339), or a NaN or infinite value is an error
// (*crmkit.RecordError wrapping crmkit.ErrInvalid, with the point's index)
// unless SkipInvalid is set; an error inside the stream is returned wrapped
// with the index; a cancelled ctx stops the read with ctx.Err(). A range of
// more than [MaxPeriods] periods is [ErrTooManyPeriods]. An empty stream with
// an inferred range gives an empty series.
func Aggregate(ctx context.Context, points iter.Seq2[Point, error], opts *AggregateOptions) (*Aggregation, error) {
	return AggregateFunc(ctx, points, func(p Point) (Point, error) { return p, nil }, opts)
}

// AggregateFunc is [Aggregate] over any record type: point extracts the time
// and amount of a record (e.g. an order's date and crmkit.ToFloat of its
// total). An error from point is returned as a *crmkit.RecordError naming the
// record's index (or counted under SkipInvalid).
func AggregateFunc[T any](ctx context.Context, records iter.Seq2[T, error], point func(T) (Point, error), opts *AggregateOptions) (*Aggregation, error) {
	var o AggregateOptions
	if opts != nil {
		o = *opts
	}
	if o.Freq.Unit == Index && o.Freq.Every == 0 {
		o.Freq = Frequency{Unit: Month}
	}
	if err := o.Freq.Validate(); err != nil {
		return nil, err
	}
	if o.Freq.Unit == Index {
		return nil, fmt.Errorf("%w: aggregation needs a calendar frequency", ErrInvalid)
	}
	if o.Location == nil {
		o.Location = time.UTC
	}
	if o.Stat < Sum || o.Stat > Avg || o.Empty < EmptyZero || o.Empty > EmptyError || o.WeekStart < time.Sunday || o.WeekStart > time.Saturday {
		return nil, fmt.Errorf("%w: statistic %d, empty policy %d, week start %d", ErrInvalid, o.Stat, o.Empty, o.WeekStart)
	}
	if (!o.From.IsZero() && !fcoreTimeInRange(o.From)) || (!o.To.IsZero() && !fcoreTimeInRange(o.To)) {
		return nil, fmt.Errorf("%w: From %v or To %v outside years 1 to 9998", ErrInvalid, o.From, o.To)
	}
	if !o.From.IsZero() && !o.To.IsZero() && !o.From.Before(o.To) {
		return nil, fmt.Errorf("%w: From %v not before To %v", ErrInvalid, o.From, o.To)
	}
	cal := fcoreCalendar{freq: o.Freq, loc: o.Location, weekStart: o.WeekStart, anchor: o.From}
	if o.Freq.Unit == Fixed && o.From.IsZero() {
		cal.anchor = time.Date(1970, 1, 1, 0, 0, 0, 0, o.Location)
	}
	acc := fcoreAccumulator{cal: &cal}
	if !o.From.IsZero() {
		p, ok := cal.period(o.From)
		if !ok {
			return nil, fmt.Errorf("%w: From %v", ErrInvalid, o.From)
		}
		if err := acc.cover(p); err != nil {
			return nil, err
		}
	}
	if !o.To.IsZero() {
		p, ok := cal.period(o.To.Add(-time.Nanosecond))
		if !ok {
			return nil, fmt.Errorf("%w: To %v", ErrInvalid, o.To)
		}
		if err := acc.cover(p); err != nil {
			return nil, err
		}
	}
	res := &Aggregation{}
	invalid := func(i int, field, format string, args ...any) error {
		err := crmkit.Errorf("point", i, "", field, crmkit.ErrInvalid, format, args...)
		if !o.SkipInvalid {
			return err
		}
		if res.Skipped == 0 {
			res.FirstSkipped = err.Error()
		}
		res.Skipped++
		return nil
	}
	i := -1
	for rec, err := range records {
		i++
		if i&4095 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		if err != nil {
			return nil, fmt.Errorf("forecast: reading record %d: %w", i, err)
		}
		p, err := point(rec)
		if err != nil {
			if o.SkipInvalid {
				if res.Skipped == 0 {
					res.FirstSkipped = fmt.Sprintf("record #%d: %v", i, err)
				}
				res.Skipped++
				continue
			}
			return nil, &crmkit.RecordError{Kind: "record", Index: i, Err: err}
		}
		switch {
		case p.Time.IsZero():
			if err := invalid(i, "time", "zero time"); err != nil {
				return nil, err
			}
			continue
		case !fcoreTimeInRange(p.Time):
			if err := invalid(i, "time", "%v outside years 1 to 9998", p.Time); err != nil {
				return nil, err
			}
			continue
		case math.IsNaN(p.Value) || math.IsInf(p.Value, 0):
			if err := invalid(i, "value", "%v", p.Value); err != nil {
				return nil, err
			}
			continue
		}
		if (!o.From.IsZero() && p.Time.Before(o.From)) || (!o.To.IsZero() && !p.Time.Before(o.To)) {
			res.OutOfRange++
			continue
		}
		per, ok := acc.periodOf(p.Time)
		if !ok {
			if err := invalid(i, "time", "%v too far from the range to number", p.Time); err != nil {
				return nil, err
			}
			continue
		}
		if err := acc.cover(per); err != nil {
			return nil, err
		}
		acc.add(per, p.Value)
		res.Points++
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	n := len(acc.cells)
	res.Series = Series{Freq: o.Freq, Values: make([]float64, n)}
	res.Counts = make([]int, n)
	if n > 0 {
		res.Series.Start = cal.start(acc.base)
	} else if !o.From.IsZero() {
		res.Series.Start = o.From
	}
	for k, c := range acc.cells {
		res.Counts[k] = c.n
		if c.n == 0 {
			res.EmptyPeriods++
			switch o.Empty {
			case EmptyMissing:
				res.Series.Values[k] = math.NaN()
			case EmptyError:
				return nil, fmt.Errorf("%w: %s starting %v", ErrEmptyPeriod, o.Freq, cal.start(acc.base+int64(k)))
			}
			continue
		}
		switch o.Stat {
		case Sum:
			res.Series.Values[k] = c.sum + c.comp
		case Count:
			res.Series.Values[k] = float64(c.n)
		case Avg:
			res.Series.Values[k] = (c.sum + c.comp) / float64(c.n)
		}
		if v := res.Series.Values[k]; math.IsInf(v, 0) || math.IsNaN(v) {
			return nil, fmt.Errorf("%w: the %s starting %v overflows float64", ErrInvalid, o.Freq, cal.start(acc.base+int64(k)))
		}
	}
	return res, nil
}

// fcoreTimeInRange reports whether t lies in years 1 to 9998 (UTC), one
// year inside the 0–9999 that RFC 3339 and JSON can represent, so a period
// start in any zone or a yearly period stays representable.
func fcoreTimeInRange(t time.Time) bool {
	y := t.UTC().Year()
	return y >= 1 && y <= 9998
}

// fcoreCell accumulates one period with Neumaier's compensated sum, so ten
// million small amounts add up to the cent.
type fcoreCell struct {
	sum, comp float64
	n         int
}

// fcoreAccumulator is a dense run of cells for periods base..base+len-1 that
// grows at either end; it caches the bounds of the last period so sorted
// streams skip the calendar arithmetic.
type fcoreAccumulator struct {
	cal    *fcoreCalendar
	base   int64
	cells  []fcoreCell
	lastP  int64
	lo, hi time.Time
	cached bool
	missP  int64 // period of the last cache miss
	missed bool
}

func (a *fcoreAccumulator) periodOf(t time.Time) (int64, bool) {
	if a.cached && !t.Before(a.lo) && t.Before(a.hi) {
		return a.lastP, true
	}
	p, ok := a.cal.period(t)
	if !ok {
		return 0, false
	}
	// Compute the bounds (two time.Date calls) only when two points in a
	// row fall in the same period, i.e. the stream looks sorted.
	if !a.missed || p != a.missP {
		a.missP, a.missed = p, true
		return p, true
	}
	lo, hi := a.cal.start(p), a.cal.start(p+1)
	// Cache only when the bounds really enclose t (time.Date normalises
	// non-existent local midnights, which could otherwise mislead).
	if !t.Before(lo) && t.Before(hi) {
		a.lastP, a.lo, a.hi, a.cached = p, lo, hi, true
	}
	return p, true
}

// cover extends the cells to include period p.
func (a *fcoreAccumulator) cover(p int64) error {
	if len(a.cells) == 0 {
		a.base = p
		a.cells = append(a.cells, fcoreCell{})
		return nil
	}
	last := a.base + int64(len(a.cells)) - 1
	switch {
	case p < a.base:
		if last-p+1 > MaxPeriods || last-p+1 <= 0 {
			return fmt.Errorf("%w: more than %d %s periods", ErrTooManyPeriods, MaxPeriods, a.cal.freq)
		}
		grow := int(a.base - p)
		cells := make([]fcoreCell, grow+len(a.cells), max(grow+len(a.cells), 2*len(a.cells)))
		copy(cells[grow:], a.cells)
		a.cells, a.base = cells, p
	case p > last:
		if p-a.base+1 > MaxPeriods || p-a.base+1 <= 0 {
			return fmt.Errorf("%w: more than %d %s periods", ErrTooManyPeriods, MaxPeriods, a.cal.freq)
		}
		for range p - last {
			a.cells = append(a.cells, fcoreCell{})
		}
	}
	return nil
}

func (a *fcoreAccumulator) add(p int64, v float64) {
	c := &a.cells[p-a.base]
	t := c.sum + v
	if math.Abs(c.sum) >= math.Abs(v) {
		c.comp += (c.sum - t) + v
	} else {
		c.comp += (v - t) + c.sum
	}
	c.sum = t
	c.n++
}
