package customer

import (
	"errors"
	"slices"
	"testing"
	"time"
)

// FuzzStandardHolidays: any window in any fixed zone gives sorted holidays
// inside the window at local midnight, or ErrLunarRange.
func FuzzStandardHolidays(f *testing.F) {
	f.Add(int64(0), int64(86400*365), 8*3600)
	f.Add(int64(-86400*45000), int64(86400*40), -5*3600)
	f.Add(int64(86400*47000), int64(86400*400), 0)
	f.Fuzz(func(t *testing.T, fromSec, span int64, offset int) {
		loc := time.FixedZone("z", offset%(14*3600))
		from := time.Unix(fromSec%(1<<36), 0).In(loc)
		to := from.Add(time.Duration(span%(86400*800)) * time.Second)
		hs, err := StandardHolidays{}.Holidays(from, to)
		if err != nil {
			if !errors.Is(err, ErrLunarRange) {
				t.Fatalf("unexpected error %v", err)
			}
			return
		}
		if !slices.IsSortedFunc(hs, func(a, b Holiday) int { return a.Date.Compare(b.Date) }) {
			t.Fatalf("not sorted: %v", hs)
		}
		for _, h := range hs {
			if h.Date.Before(from) || !h.Date.Before(to) || h.Date.Hour() != 0 || h.Date.Location() != loc {
				t.Fatalf("%s on %v: outside [%v, %v) or not local midnight", h.Name, h.Date, from, to)
			}
		}
	})
}
