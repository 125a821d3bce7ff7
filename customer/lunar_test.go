package customer

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/crmkit/crmkit"
	"github.com/google/go-cmp/cmp"
)

// refMonth is one line of testdata/lunar_months.txt: the first day of a
// lunar month as computed from astronomy by testdata/lunar_ref.py.
type refMonth struct {
	lunar LunarDate
	solar string
}

func readRefMonths(t *testing.T) []refMonth {
	t.Helper()
	f, err := os.Open("testdata/lunar_months.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []refMonth
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var y, m, leap int
		var date string
		if _, err := fmt.Sscanf(sc.Text(), "%d %d %d %s", &y, &m, &leap, &date); err != nil {
			t.Fatalf("bad reference line %q: %v", sc.Text(), err)
		}
		out = append(out, refMonth{LunarDate{Year: y, Month: m, Day: 1, Leap: leap == 1}, date})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestSpringFestival checks lunar 1/1 for every year 1900–2100 against the
// independent astronomical reference (testdata/README.md says how it was
// made). An exact match of the date is required: no tolerance.
func TestSpringFestival(t *testing.T) {
	ref := readRefMonths(t)
	years := 0
	for _, r := range ref {
		if r.lunar.Month != 1 || r.lunar.Leap || r.lunar.Year > LunarMaxYear {
			continue
		}
		years++
		got, err := FromLunar(r.lunar, nil)
		if err != nil {
			t.Errorf("FromLunar(%v): %v", r.lunar, err)
			continue
		}
		if s := got.Format(time.DateOnly); s != r.solar {
			t.Errorf("Spring Festival %d = %s, reference %s", r.lunar.Year, s, r.solar)
		}
	}
	if years != LunarMaxYear-LunarMinYear+1 {
		t.Fatalf("reference covers %d Spring Festivals, want %d", years, LunarMaxYear-LunarMinYear+1)
	}
}

// refDisagreements are the month starts where the table and the
// astronomical reference disagree. Each is caused by an event the reference
// itself flags in testdata/lunar_near_midnight.txt as lying within minutes of
// midnight, closer than the reference's own precision (about 15 minutes for a
// solar term, ΔT-limited for a far-future new moon); the table, which follows
// the published calendars, is kept there. Any other disagreement fails.
var refDisagreements = []struct {
	reason, flag string
	ref, table   map[LunarDate]string
}{
	{"new moon 7.8 min from midnight (pre-1929 Beijing local time)", "1906-04-23 new moon",
		map[LunarDate]string{{1906, 4, 1, false}: "1906-04-23"},
		map[LunarDate]string{{1906, 4, 1, false}: "1906-04-24"}},
	{"principal term 30° 3.8 min from midnight moves the leap month from 3 to 2", "1917-04-20 zhongqi 30",
		map[LunarDate]string{{1917, 3, 1, false}: "1917-03-23", {1917, 3, 1, true}: "1917-04-21"},
		map[LunarDate]string{{1917, 2, 1, true}: "1917-03-23", {1917, 3, 1, false}: "1917-04-21"}},
	{"principal term 120° 2.2 min from midnight moves the leap month from 6 to 5", "1922-07-23 zhongqi 120",
		map[LunarDate]string{{1922, 6, 1, false}: "1922-06-25", {1922, 6, 1, true}: "1922-07-24"},
		map[LunarDate]string{{1922, 5, 1, true}: "1922-06-25", {1922, 6, 1, false}: "1922-07-24"}},
	{"new moon 0.0 min from midnight in 2057, beyond ΔT's precision", "2057-09-28 new moon",
		map[LunarDate]string{{2057, 9, 1, false}: "2057-09-28"},
		map[LunarDate]string{{2057, 9, 1, false}: "2057-09-29"}},
}

// TestLunarEveryMonth checks the first day of every lunar month 1900–2100,
// leap months included, against the astronomical reference, and that the
// table has no month the reference lacks.
func TestLunarEveryMonth(t *testing.T) {
	ref := readRefMonths(t)
	want := map[LunarDate]string{}
	for _, r := range ref {
		if r.lunar.Year <= LunarMaxYear {
			want[r.lunar] = r.solar
		}
	}
	flags, err := os.ReadFile("testdata/lunar_near_midnight.txt")
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range refDisagreements {
		if !strings.Contains(string(flags), "near midnight: "+d.flag+" ") {
			t.Errorf("known disagreement %q: the reference does not flag %q", d.reason, d.flag)
		}
		for k, v := range d.ref {
			if want[k] != v {
				t.Errorf("known disagreement %q: reference has %v=%q, not %q", d.reason, k, want[k], v)
			}
			delete(want, k)
		}
		for k, v := range d.table {
			want[k] = v
		}
	}
	got := map[LunarDate]string{}
	for y := LunarMinYear; y <= LunarMaxYear; y++ {
		months, n := lunarMonths(y - LunarMinYear)
		for _, m := range months[:n] {
			d := LunarDate{Year: y, Month: m.month, Day: 1, Leap: m.leap}
			s, err := FromLunar(d, nil)
			if err != nil {
				t.Fatalf("FromLunar(%v): %v", d, err)
			}
			got[d] = s.Format(time.DateOnly)
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("month starts differ from the astronomical reference (-want +got):\n%s", diff)
	}
	// the day after the last month of 2100 is the reference's 2101-01-01
	last, err := ToLunar(time.Date(2101, 1, 28, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	if end := ref[len(ref)-1]; end.lunar != (LunarDate{Year: 2101, Month: 1, Day: 1}) || end.solar != "2101-01-29" || last.Year != 2100 || last.Month != 12 {
		t.Errorf("end of range: reference ends %v %s, 2101-01-28 is %v", end.lunar, end.solar, last)
	}
}

func TestLunarPublished(t *testing.T) {
	// Dates announced by the Hong Kong Observatory's Gregorian–lunar tables
	// and printed in Chinese almanacs, entered by hand.
	tests := []struct {
		name, reason string
		solar        string
		want         LunarDate
	}{
		{"cny 2024", "Spring Festival 2024 (year of the dragon)", "2024-02-10", LunarDate{2024, 1, 1, false}},
		{"cny 2025", "Spring Festival 2025", "2025-01-29", LunarDate{2025, 1, 1, false}},
		{"leap 2023", "2023 has a leap 2nd month starting 22 March", "2023-03-22", LunarDate{2023, 2, 1, true}},
		{"leap 2020", "2020 has a leap 4th month starting 23 May", "2020-05-23", LunarDate{2020, 4, 1, true}},
		{"mid-autumn 2024", "Mid-Autumn 2024 was 17 September", "2024-09-17", LunarDate{2024, 8, 15, false}},
		{"dragon boat 2025", "Dragon Boat 2025 was 31 May", "2025-05-31", LunarDate{2025, 5, 5, false}},
		{"leap 11 2033", "the '2033 problem': leap 11th month from 22 Dec 2033", "2033-12-22", LunarDate{2033, 11, 1, true}},
		{"first day", "lunar 1900-01-01 is the first covered day", "1900-01-31", LunarDate{1900, 1, 1, false}},
		{"last day", "the last covered day is the eve of Spring Festival 2101", "2101-01-28", LunarDate{2100, 12, 29, false}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := time.Parse(time.DateOnly, tt.solar)
			if err != nil {
				t.Fatal(err)
			}
			got, err := ToLunar(s)
			if err != nil {
				t.Fatalf("%s: %v", tt.reason, err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("%s: ToLunar(%s) (-want +got):\n%s", tt.reason, tt.solar, diff)
			}
			back, err := FromLunar(got, nil)
			if err != nil || !back.Equal(s) {
				t.Errorf("%s: FromLunar(%v) = %v, %v; want %s", tt.reason, got, back, err, tt.solar)
			}
		})
	}
}

func TestLunarErrors(t *testing.T) {
	tests := []struct {
		name, reason string
		in           LunarDate
		wantErr      error
	}{
		{"before range", "lunar 1899 is not in the table", LunarDate{1899, 12, 1, false}, ErrLunarRange},
		{"after range", "lunar 2101 is not in the table", LunarDate{2101, 1, 1, false}, ErrLunarRange},
		{"month 13", "there is no 13th month", LunarDate{2024, 13, 1, false}, crmkit.ErrInvalid},
		{"month 0", "months start at 1", LunarDate{2024, 0, 1, false}, crmkit.ErrInvalid},
		{"no such leap", "2024 has no leap month", LunarDate{2024, 4, 1, true}, crmkit.ErrInvalid},
		{"day 30 of short month", "2024 month 1 has 29 days", LunarDate{2024, 1, 30, false}, crmkit.ErrInvalid},
		{"day 0", "days start at 1", LunarDate{2024, 1, 0, false}, crmkit.ErrInvalid},
		{"zero value", "the zero LunarDate is not a date", LunarDate{}, ErrLunarRange},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := FromLunar(tt.in, time.UTC)
			if !errors.Is(err, tt.wantErr) {
				t.Errorf("%s: FromLunar(%v) err = %v, want %v", tt.reason, tt.in, err, tt.wantErr)
			}
		})
	}
	for _, s := range []time.Time{time.Date(1900, 1, 30, 0, 0, 0, 0, time.UTC), time.Date(2101, 1, 29, 0, 0, 0, 0, time.UTC), {}} {
		if _, err := ToLunar(s); !errors.Is(err, ErrLunarRange) {
			t.Errorf("ToLunar(%v) err = %v, want ErrLunarRange", s, err)
		}
	}
	if _, err := LunarLeapMonth(2101); !errors.Is(err, ErrLunarRange) {
		t.Errorf("LunarLeapMonth(2101) err = %v", err)
	}
	if _, err := LunarMonthDays(2024, 4, true); !errors.Is(err, crmkit.ErrInvalid) {
		t.Errorf("LunarMonthDays(2024, leap 4) err = %v", err)
	}
}

// TestLunarToLunarUsesLocation: the civil date is read in t's own location,
// so one instant can be two lunar dates.
func TestLunarToLunarUsesLocation(t *testing.T) {
	shanghai := time.FixedZone("CST", 8*3600)
	instant := time.Date(2024, 2, 9, 20, 0, 0, 0, time.UTC) // 04:00 on 10 Feb in China
	utc, err1 := ToLunar(instant)
	cn, err2 := ToLunar(instant.In(shanghai))
	if err1 != nil || err2 != nil {
		t.Fatal(err1, err2)
	}
	if utc != (LunarDate{2023, 12, 30, false}) || cn != (LunarDate{2024, 1, 1, false}) {
		t.Errorf("got %v (UTC) and %v (China), want 2023-12-30 and 2024-01-01", utc, cn)
	}
}

// TestCivilDays checks the day-number helpers against package time over a
// range wider than the lunar table.
func TestCivilDays(t *testing.T) {
	start := time.Date(1600, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; i < 300*366; i += 7 {
		d := start.AddDate(0, 0, i)
		n := daysFromCivil(d.Date())
		if want := int(d.Unix() / 86400); n != want {
			t.Fatalf("daysFromCivil(%v) = %d, want %d", d, n, want)
		}
		y, m, dd := civilFromDays(n)
		if y != d.Year() || m != d.Month() || dd != d.Day() {
			t.Fatalf("civilFromDays(%d) = %d-%d-%d, want %v", n, y, m, dd, d)
		}
	}
}

func FuzzLunarRoundTrip(f *testing.F) {
	f.Add(0)
	f.Add(36524)
	f.Add(73413)
	f.Add(-5)
	f.Add(1 << 40)
	f.Fuzz(func(t *testing.T, off int) {
		s := time.Date(1900, 1, 31, 0, 0, 0, 0, time.UTC).AddDate(0, 0, off%80000)
		l, err := ToLunar(s)
		if err != nil {
			if !errors.Is(err, ErrLunarRange) {
				t.Fatalf("ToLunar(%v): unexpected error %v", s, err)
			}
			if s.Year() >= 1901 && s.Year() <= 2100 {
				t.Fatalf("ToLunar(%v) rejected a covered date: %v", s, err)
			}
			return
		}
		if l.Month < 1 || l.Month > 12 || l.Day < 1 || l.Day > 30 {
			t.Fatalf("ToLunar(%v) = %v: out of domain", s, l)
		}
		back, err := FromLunar(l, time.UTC)
		if err != nil {
			t.Fatalf("FromLunar(%v) (from %v): %v", l, s, err)
		}
		if !back.Equal(s) {
			t.Fatalf("round trip %v -> %v -> %v", s, l, back)
		}
	})
}

// FuzzFromLunar: any lunar date either converts and comes back unchanged
// through ToLunar, or is rejected with ErrLunarRange or ErrInvalid; the
// month-length and leap-month helpers agree with it.
func FuzzFromLunar(f *testing.F) {
	f.Add(2023, 2, 29, true)
	f.Add(2024, 1, 30, false)
	f.Add(-1<<40, 13, 0, true)
	f.Fuzz(func(t *testing.T, y, m, d int, leap bool) {
		l := LunarDate{Year: y, Month: m, Day: d, Leap: leap}
		s, err := FromLunar(l, time.UTC)
		n, nerr := LunarMonthDays(y, m, leap)
		if err != nil {
			if !errors.Is(err, ErrLunarRange) && !errors.Is(err, crmkit.ErrInvalid) {
				t.Fatalf("FromLunar(%v): unexpected error %v", l, err)
			}
			if nerr == nil && d >= 1 && d <= n {
				t.Fatalf("FromLunar(%v) rejected a day the month has (%d days): %v", l, n, err)
			}
			return
		}
		if nerr != nil || d > n {
			t.Fatalf("FromLunar(%v) accepted a day LunarMonthDays denies: %d, %v", l, n, nerr)
		}
		if lm, _ := LunarLeapMonth(y); leap && lm != m {
			t.Fatalf("leap month %d accepted, LunarLeapMonth(%d) = %d", m, y, lm)
		}
		back, err := ToLunar(s)
		if err != nil || back != l {
			t.Fatalf("FromLunar(%v) = %v, back %v, %v", l, s, back, err)
		}
	})
}
