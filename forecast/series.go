package forecast

import (
	"encoding/json"
	"fmt"
	"math"
	"time"
)

// Unit is the calendar unit of a [Frequency]. The zero value, [Index], means
// no calendar: observations are only numbered.
// Units are constants, safe for concurrent use.
type Unit int

// Units of a [Frequency]. Calendar units follow the local calendar of the
// series' location, so a day is a calendar day (23 or 25 hours across a
// daylight-saving change) and a month is a calendar month.
const (
	Index   Unit = iota // no calendar; observations are numbered 0, 1, …
	Day                 // calendar day
	Week                // seven calendar days from a configurable weekday
	Month               // calendar month
	Quarter             // calendar quarter, starting January, April, July, October
	Year                // calendar year
	Fixed               // a fixed duration, Frequency.Every (e.g. an hour)
)

var fcoreUnitNames = [...]string{"index", "day", "week", "month", "quarter", "year", "fixed"}

// String returns the unit's lower-case name ("month").
func (u Unit) String() string {
	if u >= 0 && int(u) < len(fcoreUnitNames) {
		return fcoreUnitNames[u]
	}
	return fmt.Sprintf("Unit(%d)", int(u))
}

// MarshalText encodes the unit by name.
func (u Unit) MarshalText() ([]byte, error) {
	if u < 0 || int(u) >= len(fcoreUnitNames) {
		return nil, fmt.Errorf("%w: unit %d", ErrInvalid, int(u))
	}
	return []byte(fcoreUnitNames[u]), nil
}

// UnmarshalText decodes a unit name as written by MarshalText.
func (u *Unit) UnmarshalText(b []byte) error {
	for i, n := range fcoreUnitNames {
		if n == string(b) {
			*u = Unit(i)
			return nil
		}
	}
	return fmt.Errorf("%w: unknown unit %q", ErrInvalid, b)
}

// Frequency is the spacing of a series' observations: a calendar unit, or a
// fixed duration for [Fixed]. The zero value is [Index] (no calendar).
// Frequencies are small values, safe for concurrent use.
type Frequency struct {
	Unit Unit `json:"unit"`
	// Every is the spacing of a Fixed frequency (e.g. time.Hour); it must
	// be zero for the other units.
	Every time.Duration `json:"every,omitempty"`
}

// The calendar frequencies. They are functions, not variables, so no caller
// can change what another caller (or this package) means by "monthly"; each
// returns Frequency{Unit: u}.

// Daily returns the frequency of one calendar day.
func Daily() Frequency { return Frequency{Unit: Day} }

// Weekly returns the frequency of seven calendar days.
func Weekly() Frequency { return Frequency{Unit: Week} }

// Monthly returns the frequency of one calendar month.
func Monthly() Frequency { return Frequency{Unit: Month} }

// Quarterly returns the frequency of one calendar quarter.
func Quarterly() Frequency { return Frequency{Unit: Quarter} }

// Yearly returns the frequency of one calendar year.
func Yearly() Frequency { return Frequency{Unit: Year} }

// Validate reports an unknown unit or a bad Every ([ErrInvalid]).
func (f Frequency) Validate() error {
	switch {
	case f.Unit < Index || f.Unit > Fixed:
		return fmt.Errorf("%w: unknown frequency unit %d", ErrInvalid, int(f.Unit))
	case f.Unit == Fixed && f.Every <= 0:
		return fmt.Errorf("%w: fixed frequency needs Every > 0, got %v", ErrInvalid, f.Every)
	case f.Unit != Fixed && f.Every != 0:
		return fmt.Errorf("%w: Every is only for fixed frequencies", ErrInvalid)
	}
	return nil
}

// Period returns the usual seasonal period of the frequency: 7 for days (the
// week), 52 for weeks, 12 for months, 4 for quarters, 1 for years and
// [Index]; for a fixed duration that divides a day, the number of steps per
// day (24 for hours), else 1. R's convention, except that weeks use 52, not
// 52.18, because the models need a whole number.
func (f Frequency) Period() int {
	switch f.Unit {
	case Day:
		return 7
	case Week:
		return 52
	case Month:
		return 12
	case Quarter:
		return 4
	case Fixed:
		const day = 24 * time.Hour
		if f.Every > 0 && f.Every < day && day%f.Every == 0 {
			return int(day / f.Every)
		}
	}
	return 1
}

// String returns "month", "day", or "fixed 1h0m0s".
func (f Frequency) String() string {
	if f.Unit == Fixed {
		return "fixed " + f.Every.String()
	}
	return f.Unit.String()
}

// Series is a regularly spaced time series: Values[i] is the observation of
// the i-th period after Start. Missing observations are NaN (and marshal to
// JSON as null).
//
// Start lies in the first period; its location defines the calendar (days,
// weeks, months begin at local midnight) and, for weekly series, its weekday
// is the first day of every week. For [Fixed] frequencies periods begin at
// Start exactly. The zero value is an empty series without a calendar.
// A Series is a plain value: safe for concurrent reads; the caller owns
// Values.
type Series struct {
	Values []float64 `json:"values"`
	Start  time.Time `json:"start"`
	Freq   Frequency `json:"frequency"`
	// Period sets the seasonal period for models; 0 means Freq.Period().
	Period int `json:"period,omitempty"`
}

// SeasonalPeriod returns the seasonal period for models:
// Period when positive, else the frequency's default.
func (s Series) SeasonalPeriod() int {
	if s.Period > 0 {
		return s.Period
	}
	return s.Freq.Period()
}

// Time returns the start of period i (i may be negative or beyond the data,
// e.g. for forecast dates), in Start's location. For [Index] series, and
// for |i| > 2³¹ or a fixed-duration offset beyond ±292 years (which
// time.Duration cannot hold), it returns the zero time.
func (s Series) Time(i int) time.Time {
	if s.Freq.Unit == Index || s.Freq.Validate() != nil || i > 1<<31 || i < -(1<<31) {
		return time.Time{}
	}
	if s.Freq.Unit == Fixed && (int64(i) > math.MaxInt64/int64(s.Freq.Every) || int64(i) < math.MinInt64/int64(s.Freq.Every)) {
		return time.Time{}
	}
	c := fcoreCalendar{freq: s.Freq, loc: s.Start.Location(), weekStart: s.Start.Weekday(), anchor: s.Start}
	p0, ok := c.period(s.Start)
	if !ok {
		return time.Time{}
	}
	return c.start(p0 + int64(i))
}

// Index returns the number of the period that contains t, relative to the
// first period (negative before it, ≥ len(Values) after the data). ok is
// false for an [Index] series or a time too far from Start to number.
func (s Series) Index(t time.Time) (i int, ok bool) {
	if s.Freq.Unit == Index || s.Freq.Validate() != nil {
		return 0, false
	}
	c := fcoreCalendar{freq: s.Freq, loc: s.Start.Location(), weekStart: s.Start.Weekday(), anchor: s.Start}
	p0, ok0 := c.period(s.Start)
	p, ok1 := c.period(t)
	if !ok0 || !ok1 {
		return 0, false
	}
	return int(p - p0), true
}

// MarshalJSON writes NaN values as null.
func (s Series) MarshalJSON() ([]byte, error) {
	type plain Series
	vals := make([]*float64, len(s.Values))
	for i := range s.Values {
		if !math.IsNaN(s.Values[i]) {
			vals[i] = &s.Values[i]
		}
	}
	return json.Marshal(struct {
		Values []*float64 `json:"values"`
		plain
	}{vals, plain(s)})
}

// UnmarshalJSON reads null values as NaN.
func (s *Series) UnmarshalJSON(b []byte) error {
	type plain Series
	var aux struct {
		Values []*float64 `json:"values"`
		plain
	}
	if err := json.Unmarshal(b, &aux); err != nil {
		return err
	}
	*s = Series(aux.plain)
	s.Values = make([]float64, len(aux.Values))
	for i, v := range aux.Values {
		s.Values[i] = math.NaN()
		if v != nil {
			s.Values[i] = *v
		}
	}
	return nil
}

// fcoreCalendar numbers periods of a frequency in a location: period(t) is
// an integer that grows by one per period; start(p) is the first instant of
// period p.
type fcoreCalendar struct {
	freq      Frequency
	loc       *time.Location
	weekStart time.Weekday
	anchor    time.Time // Fixed: start of period 0
}

// fcoreDayNumber returns the days since 1970-01-01 of a civil date
// (Howard Hinnant's days_from_civil), exact for any int year.
func fcoreDayNumber(y int, m time.Month, d int) int64 {
	yy := int64(y)
	if m <= 2 {
		yy--
	}
	era := fcoreFloorDiv(yy, 400)
	yoe := yy - era*400
	mp := (int64(m) + 9) % 12
	doy := (153*mp+2)/5 + int64(d) - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468
}

// fcoreCivil is the inverse of fcoreDayNumber.
func fcoreCivil(z int64) (int, time.Month, int) {
	z += 719468
	era := fcoreFloorDiv(z, 146097)
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	y := yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d := doy - (153*mp+2)/5 + 1
	m := mp + 3
	if m > 12 {
		m -= 12
	}
	if m <= 2 {
		y++
	}
	return int(y), time.Month(m), int(d)
}

func fcoreFloorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

// period returns the period number of t; ok is false when a Fixed period
// number would overflow.
func (c *fcoreCalendar) period(t time.Time) (int64, bool) {
	if c.freq.Unit == Fixed {
		d := t.Sub(c.anchor)
		if d == math.MaxInt64 || d == math.MinInt64 {
			return 0, false
		}
		return fcoreFloorDiv(int64(d), int64(c.freq.Every)), true
	}
	y, m, d := t.In(c.loc).Date()
	switch c.freq.Unit {
	case Day:
		return fcoreDayNumber(y, m, d), true
	case Week:
		// Day 0 (1970-01-01) was a Thursday; weeks are counted from the
		// first weekStart on or after it.
		off := int64((int(c.weekStart) - int(time.Thursday) + 7) % 7)
		return fcoreFloorDiv(fcoreDayNumber(y, m, d)-off, 7), true
	case Month:
		return int64(y)*12 + int64(m) - 1, true
	case Quarter:
		return int64(y)*4 + (int64(m)-1)/3, true
	case Year:
		return int64(y), true
	}
	return 0, false
}

// start returns the first instant of period p.
func (c *fcoreCalendar) start(p int64) time.Time {
	switch c.freq.Unit {
	case Fixed:
		return c.anchor.Add(time.Duration(p) * c.freq.Every)
	case Day:
		y, m, d := fcoreCivil(p)
		return time.Date(y, m, d, 0, 0, 0, 0, c.loc)
	case Week:
		off := int64((int(c.weekStart) - int(time.Thursday) + 7) % 7)
		y, m, d := fcoreCivil(p*7 + off)
		return time.Date(y, m, d, 0, 0, 0, 0, c.loc)
	case Month:
		return time.Date(int(fcoreFloorDiv(p, 12)), time.Month(p-12*fcoreFloorDiv(p, 12)+1), 1, 0, 0, 0, 0, c.loc)
	case Quarter:
		return time.Date(int(fcoreFloorDiv(p, 4)), time.Month(3*(p-4*fcoreFloorDiv(p, 4))+1), 1, 0, 0, 0, 0, c.loc)
	case Year:
		return time.Date(int(p), 1, 1, 0, 0, 0, 0, c.loc)
	}
	return time.Time{}
}
