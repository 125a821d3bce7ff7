package customer

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Holiday is one holiday on one civil day. Date is midnight of that day in
// the location the calendar was asked about. The zero value is not a
// holiday. Holiday is a plain value, safe to copy and share.
type Holiday struct {
	Name string    `json:"name"`
	Date time.Time `json:"date"`
}

// HolidayCalendar is implemented by the host to tell crmkit which holidays
// fall in a window, for [PlanReminders].
//
// Holidays returns the holidays whose day starts (midnight, in
// from.Location()) at or after from and before to, each with Date set to that
// midnight in from.Location(), in any order. The calendar owns nothing it is
// given; the returned slice becomes the caller's, and the calendar must not
// keep or modify it. crmkit calls Holidays once per [PlanReminders] call;
// implementations shared between goroutines must be safe for concurrent use.
// An error aborts the plan and is returned wrapped.
//
// Package customertest checks an implementation against this contract.
type HolidayCalendar interface {
	Holidays(from, to time.Time) ([]Holiday, error)
}

// HolidayCalendarFunc adapts a function to [HolidayCalendar]. It is as safe
// for concurrent use as the function; the zero value (nil) must not be used.
type HolidayCalendarFunc func(from, to time.Time) ([]Holiday, error)

// Holidays calls f(from, to).
func (f HolidayCalendarFunc) Holidays(from, to time.Time) ([]Holiday, error) { return f(from, to) }

// StandardHolidays is the default [HolidayCalendar]: the fixed-date holidays
// New Year's Day (1 January), Labour Day (1 May) and National Day (1 October),
// and the Chinese lunar festivals Spring Festival (lunar 1/1), Lantern
// Festival (1/15), Dragon Boat Festival (5/5), Qixi (7/7) and Mid-Autumn
// Festival (8/15). The lunar festivals are known for lunar years
// [LunarMinYear]–[LunarMaxYear]; a window reaching past Gregorian 2100 yields
// an error wrapping [ErrLunarRange]. The zero value is ready to use and safe
// for concurrent use.
type StandardHolidays struct{}

var fixedHolidays = []struct {
	name  string
	month time.Month
	day   int
}{
	{"New Year's Day", time.January, 1},
	{"Labour Day", time.May, 1},
	{"National Day", time.October, 1},
}

var lunarFestivals = []struct {
	name       string
	month, day int
}{
	{"Spring Festival", 1, 1},
	{"Lantern Festival", 1, 15},
	{"Dragon Boat Festival", 5, 5},
	{"Qixi Festival", 7, 7},
	{"Mid-Autumn Festival", 8, 15},
}

// Holidays returns the standard holidays whose day starts in [from, to),
// read in from.Location(), sorted by date.
func (StandardHolidays) Holidays(from, to time.Time) ([]Holiday, error) {
	var out []Holiday
	if !from.Before(to) {
		return out, nil
	}
	loc := from.Location()
	to = to.In(loc)
	in := func(d time.Time) bool { return !d.Before(from) && d.Before(to) }
	first, last := from.Year(), to.Year()
	// Fixed-date holidays never fail; lunar ones need the table.
	for y := first; y <= last; y++ {
		for _, h := range fixedHolidays {
			if d := time.Date(y, h.month, h.day, 0, 0, 0, 0, loc); in(d) {
				out = append(out, Holiday{Name: h.name, Date: d})
			}
		}
	}
	// Lunar festivals are known only on the days the table covers.
	lo := time.Date(LunarMinYear, 1, 31, 0, 0, 0, 0, loc)
	hi := time.Date(LunarMaxYear+1, 1, 29, 0, 0, 0, 0, loc)
	if from.Before(lo) || to.After(hi) {
		return nil, fmt.Errorf("standard holidays for [%s, %s): %w", from.Format(time.DateOnly), to.Format(time.DateOnly), ErrLunarRange)
	}
	// A lunar year starts between 21 January and 20 February, so the lunar
	// years first-1 .. last cover every day of the Gregorian years first..last.
	for ly := max(first-1, LunarMinYear); ly <= min(last, LunarMaxYear); ly++ {
		for _, f := range lunarFestivals {
			day, err := fromLunarDays(LunarDate{Year: ly, Month: f.month, Day: f.day})
			if err != nil {
				return nil, fmt.Errorf("standard holidays: %w", err) // unreachable: festivals exist every year
			}
			y, m, dd := civilFromDays(day)
			if d := time.Date(y, m, dd, 0, 0, 0, 0, loc); in(d) {
				out = append(out, Holiday{Name: f.name, Date: d})
			}
		}
	}
	sortHolidays(out)
	return out, nil
}

// sortHolidays sorts by date, then name.
func sortHolidays(h []Holiday) {
	slices.SortFunc(h, func(a, b Holiday) int {
		if c := a.Date.Compare(b.Date); c != 0 {
			return c
		}
		return strings.Compare(a.Name, b.Name)
	})
}
