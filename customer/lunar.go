package customer

import (
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/crmkit/crmkit"
)

// The Chinese lunisolar calendar, lunar years 1900 to 2100 (Gregorian
// 1900-01-31 to 2101-01-28).
//
// lunarInfo holds one word per lunar year, starting with 1900, in the
// widely published compact encoding (used by Hong Kong Observatory–derived
// tables and most calendar libraries):
//
//	bits  0–3   the leap month (1–12), 0 when the year has none
//	bits  4–15  month 12 (bit 4) … month 1 (bit 15): 1 = 30 days, 0 = 29 days
//	bit  16     the leap month has 30 days (else 29)
//
// The table is checked month by month in lunar_test.go against an
// independent astronomical computation (testdata/lunar_ref.py).
var lunarInfo = [...]uint32{
	0x04bd8, 0x04ae0, 0x0a570, 0x054d5, 0x0d260, 0x0d950, 0x16554, 0x056a0, 0x09ad0, 0x055d2, // 1900
	0x04ae0, 0x0a5b6, 0x0a4d0, 0x0d250, 0x1d255, 0x0b540, 0x0d6a0, 0x0ada2, 0x095b0, 0x14977, // 1910
	0x04970, 0x0a4b0, 0x0b4b5, 0x06a50, 0x06d40, 0x1ab54, 0x02b60, 0x09570, 0x052f2, 0x04970, // 1920
	0x06566, 0x0d4a0, 0x0ea50, 0x16a95, 0x05ad0, 0x02b60, 0x186e3, 0x092e0, 0x1c8d7, 0x0c950, // 1930
	0x0d4a0, 0x1d8a6, 0x0b550, 0x056a0, 0x1a5b4, 0x025d0, 0x092d0, 0x0d2b2, 0x0a950, 0x0b557, // 1940
	0x06ca0, 0x0b550, 0x15355, 0x04da0, 0x0a5b0, 0x14573, 0x052b0, 0x0a9a8, 0x0e950, 0x06aa0, // 1950
	0x0aea6, 0x0ab50, 0x04b60, 0x0aae4, 0x0a570, 0x05260, 0x0f263, 0x0d950, 0x05b57, 0x056a0, // 1960
	0x096d0, 0x04dd5, 0x04ad0, 0x0a4d0, 0x0d4d4, 0x0d250, 0x0d558, 0x0b540, 0x0b6a0, 0x195a6, // 1970
	0x095b0, 0x049b0, 0x0a974, 0x0a4b0, 0x0b27a, 0x06a50, 0x06d40, 0x0af46, 0x0ab60, 0x09570, // 1980
	0x04af5, 0x04970, 0x064b0, 0x074a3, 0x0ea50, 0x06b58, 0x05ac0, 0x0ab60, 0x096d5, 0x092e0, // 1990
	0x0c960, 0x0d954, 0x0d4a0, 0x0da50, 0x07552, 0x056a0, 0x0abb7, 0x025d0, 0x092d0, 0x0cab5, // 2000
	0x0a950, 0x0b4a0, 0x0baa4, 0x0ad50, 0x055d9, 0x04ba0, 0x0a5b0, 0x15176, 0x052b0, 0x0a930, // 2010
	0x07954, 0x06aa0, 0x0ad50, 0x05b52, 0x04b60, 0x0a6e6, 0x0a4e0, 0x0d260, 0x0ea65, 0x0d530, // 2020
	0x05aa0, 0x076a3, 0x096d0, 0x04afb, 0x04ad0, 0x0a4d0, 0x1d0b6, 0x0d250, 0x0d520, 0x0dd45, // 2030
	0x0b5a0, 0x056d0, 0x055b2, 0x049b0, 0x0a577, 0x0a4b0, 0x0aa50, 0x1b255, 0x06d20, 0x0ada0, // 2040
	0x14b63, 0x09370, 0x049f8, 0x04970, 0x064b0, 0x168a6, 0x0ea50, 0x06b20, 0x1a6c4, 0x0aae0, // 2050
	0x092e0, 0x0d2e3, 0x0c960, 0x0d557, 0x0d4a0, 0x0da50, 0x05d55, 0x056a0, 0x0a6d0, 0x055d4, // 2060
	0x052d0, 0x0a9b8, 0x0a950, 0x0b4a0, 0x0b6a6, 0x0ad50, 0x055a0, 0x0aba4, 0x0a5b0, 0x052b0, // 2070
	0x0b273, 0x06930, 0x07337, 0x06aa0, 0x0ad50, 0x14b55, 0x04b60, 0x0a570, 0x054e4, 0x0d160, // 2080
	0x0e968, 0x0d520, 0x0daa0, 0x16aa6, 0x056d0, 0x04ae0, 0x0a9d4, 0x0a2d0, 0x0d150, 0x0f252, // 2090
	0x0d520, // 2100
}

const (
	// LunarMinYear and LunarMaxYear bound the lunar years the conversion
	// covers: lunar 1900-01-01 is Gregorian 1900-01-31 and the last day of
	// lunar 2100 is Gregorian 2101-01-28.
	LunarMinYear = 1900
	LunarMaxYear = 2100
)

// lunarEpoch is Gregorian 1900-01-31, lunar 1900-01-01, as days since
// 1970-01-01.
var lunarEpoch = daysFromCivil(1900, 1, 31)

// ErrLunarRange is wrapped by the errors of the lunar conversion when a date
// lies outside the covered range ([LunarMinYear] to [LunarMaxYear]).
var ErrLunarRange = errors.New("customer: date outside the lunar calendar range 1900-2100")

// LunarDate is a date in the Chinese lunisolar calendar. Year is the lunar
// year, numbered by the Gregorian year in which its month 1 begins; Month is
// 1..12; Day is 1..30; Leap marks the intercalary month that repeats Month
// (e.g. 2023 has a leap month 2 after month 2). The zero value is not a valid
// date. LunarDate is a plain value, safe to copy and share.
type LunarDate struct {
	Year  int  `json:"year"`
	Month int  `json:"month"`
	Day   int  `json:"day"`
	Leap  bool `json:"leap,omitempty"`
}

// String formats the date as "2023-02-15", or "2023-L02-15" in a leap month.
func (d LunarDate) String() string {
	if d.Leap {
		return fmt.Sprintf("%04d-L%02d-%02d", d.Year, d.Month, d.Day)
	}
	return fmt.Sprintf("%04d-%02d-%02d", d.Year, d.Month, d.Day)
}

// lunarYearStarts returns, for each lunar year, its first day as days
// since 1970-01-01, plus one final entry for the day after lunar 2100 ends.
var lunarYearStarts = sync.OnceValue(func() []int {
	starts := make([]int, len(lunarInfo)+1)
	d := lunarEpoch
	for i := range lunarInfo {
		starts[i] = d
		d += lunarYearDays(i)
	}
	starts[len(lunarInfo)] = d
	return starts
})

// lunarYearDays returns the length of lunar year 1900+i.
func lunarYearDays(i int) int {
	info := lunarInfo[i]
	n := 12 * 29
	for bit := uint32(0x8000); bit > 0x8; bit >>= 1 {
		if info&bit != 0 {
			n++
		}
	}
	if info&0xf != 0 {
		n += 29
		if info&0x10000 != 0 {
			n++
		}
	}
	return n
}

// lunarMonths lists the months of lunar year 1900+i in order as
// (month, leap, days) triples; 12 or 13 of them.
func lunarMonths(i int) (months [13]lunarMonth, n int) {
	info := lunarInfo[i]
	leap := int(info & 0xf)
	for m := 1; m <= 12; m++ {
		days := 29
		if info&(0x10000>>m) != 0 {
			days = 30
		}
		months[n] = lunarMonth{month: m, days: days}
		n++
		if m == leap {
			days = 29
			if info&0x10000 != 0 {
				days = 30
			}
			months[n] = lunarMonth{month: m, leap: true, days: days}
			n++
		}
	}
	return months, n
}

type lunarMonth struct {
	month int
	leap  bool
	days  int
}

// LunarLeapMonth returns the leap month of a lunar year (1..12), or 0 when the
// year has none. Years outside [LunarMinYear, LunarMaxYear] yield an error
// wrapping [ErrLunarRange].
func LunarLeapMonth(year int) (int, error) {
	if year < LunarMinYear || year > LunarMaxYear {
		return 0, fmt.Errorf("%w: lunar year %d", ErrLunarRange, year)
	}
	return int(lunarInfo[year-LunarMinYear] & 0xf), nil
}

// LunarMonthDays returns the number of days (29 or 30) of a lunar month. It
// reports an error wrapping [ErrLunarRange] for a year outside the table and
// one wrapping crmkit.ErrInvalid for a month that does not exist (month
// outside 1..12, or leap set for a month that is not that year's leap month).
func LunarMonthDays(year, month int, leap bool) (int, error) {
	if year < LunarMinYear || year > LunarMaxYear {
		return 0, fmt.Errorf("%w: lunar year %d", ErrLunarRange, year)
	}
	months, n := lunarMonths(year - LunarMinYear)
	for _, m := range months[:n] {
		if m.month == month && m.leap == leap {
			return m.days, nil
		}
	}
	if leap {
		return 0, fmt.Errorf("%w: lunar year %d has no leap month %d", crmkit.ErrInvalid, year, month)
	}
	return 0, fmt.Errorf("%w: lunar month %d", crmkit.ErrInvalid, month)
}

// ToLunar converts the civil date of t, read in t's own location, to the
// Chinese lunar calendar. Only the year, month and day of t matter: convert t
// to the time zone whose calendar day you mean first (t.In(loc)). Dates
// before 1900-01-31 or after 2101-01-28 yield an error wrapping
// [ErrLunarRange].
func ToLunar(t time.Time) (LunarDate, error) {
	y, m, d := t.Date()
	return toLunarDays(daysFromCivil(y, m, d))
}

func toLunarDays(day int) (LunarDate, error) {
	starts := lunarYearStarts()
	if day < starts[0] || day >= starts[len(starts)-1] {
		y, m, d := civilFromDays(day)
		return LunarDate{}, fmt.Errorf("%w: %04d-%02d-%02d", ErrLunarRange, y, m, d)
	}
	// binary search for the lunar year containing day
	lo, hi := 0, len(lunarInfo)-1
	for lo < hi {
		mid := (lo + hi + 1) / 2
		if starts[mid] <= day {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	off := day - starts[lo]
	months, n := lunarMonths(lo)
	for _, m := range months[:n] {
		if off < m.days {
			return LunarDate{Year: LunarMinYear + lo, Month: m.month, Day: off + 1, Leap: m.leap}, nil
		}
		off -= m.days
	}
	// unreachable: the year's months add up to its length
	return LunarDate{}, fmt.Errorf("%w: internal lunar table inconsistency", ErrLunarRange)
}

// FromLunar converts a lunar date to the Gregorian calendar and returns
// midnight of that day in loc (nil means UTC). A date that does not exist —
// month outside 1..12, a leap month the year lacks, day 30 of a 29-day month —
// yields an error wrapping crmkit.ErrInvalid; a year outside
// [LunarMinYear, LunarMaxYear] one wrapping [ErrLunarRange].
func FromLunar(d LunarDate, loc *time.Location) (time.Time, error) {
	day, err := fromLunarDays(d)
	if err != nil {
		return time.Time{}, err
	}
	if loc == nil {
		loc = time.UTC
	}
	y, m, dd := civilFromDays(day)
	return time.Date(y, m, dd, 0, 0, 0, 0, loc), nil
}

func fromLunarDays(d LunarDate) (int, error) {
	if d.Year < LunarMinYear || d.Year > LunarMaxYear {
		return 0, fmt.Errorf("%w: lunar year %d", ErrLunarRange, d.Year)
	}
	i := d.Year - LunarMinYear
	day := lunarYearStarts()[i]
	months, n := lunarMonths(i)
	for _, m := range months[:n] {
		if m.month == d.Month && m.leap == d.Leap {
			if d.Day < 1 || d.Day > m.days {
				return 0, fmt.Errorf("%w: lunar %s: month has %d days", crmkit.ErrInvalid, d, m.days)
			}
			return day + d.Day - 1, nil
		}
		day += m.days
	}
	if d.Leap {
		return 0, fmt.Errorf("%w: lunar year %d has no leap month %d", crmkit.ErrInvalid, d.Year, d.Month)
	}
	return 0, fmt.Errorf("%w: lunar month %d", crmkit.ErrInvalid, d.Month)
}

// daysFromCivil returns the days since 1970-01-01 of a proleptic
// Gregorian date (H. Hinnant's days_from_civil).
func daysFromCivil(y int, m time.Month, d int) int {
	if m <= 2 {
		y--
	}
	era := y / 400
	if y < 0 && y%400 != 0 {
		era = (y - 399) / 400
	}
	yoe := y - era*400
	mp := (int(m) + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468
}

// civilFromDays is the inverse of daysFromCivil.
func civilFromDays(z int) (int, time.Month, int) {
	z += 719468
	era := z / 146097
	if z < 0 && z%146097 != 0 {
		era = (z - 146096) / 146097
	}
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	y := yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d := doy - (153*mp+2)/5 + 1
	m := (mp+2)%12 + 1
	if m <= 2 {
		y++
	}
	return y, time.Month(m), d
}
