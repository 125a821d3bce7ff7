package forecast

import (
	"context"
	"encoding/json"
	"errors"
	"iter"
	"math"
	"testing"
	"time"
	_ "time/tzdata" // tests must not depend on the machine's zoneinfo

	"github.com/crmkit/crmkit"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func fcoreLoc(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func fcoreUTC(y int, m time.Month, d, h, min int) time.Time {
	return time.Date(y, m, d, h, min, 0, 0, time.UTC)
}

func TestAggregate(t *testing.T) {
	berlin := fcoreLoc(t, "Europe/Berlin")
	ny := fcoreLoc(t, "America/New_York")
	nan := math.NaN()
	// Three orders in January, none in February, one in March 2024 (UTC).
	orders := []Point{
		{fcoreUTC(2024, 1, 3, 10, 0), 100},
		{fcoreUTC(2024, 1, 31, 12, 0), 50.5},
		{fcoreUTC(2024, 1, 15, 0, 0), 20},
		{fcoreUTC(2024, 3, 1, 0, 0), 7},
	}
	tests := []struct {
		name, reason string
		points       []Point
		opts         *AggregateOptions
		wantValues   []float64
		wantCounts   []int
		wantStart    time.Time
		wantOut      int
		wantErr      error
	}{
		{"monthly sum", "nil options: monthly sums in UTC, empty month 0",
			orders, nil, []float64{170.5, 0, 7}, []int{3, 0, 1}, fcoreUTC(2024, 1, 1, 0, 0), 0, nil},
		{"count", "Count ignores values", orders, &AggregateOptions{Stat: Count}, []float64{3, 0, 1}, []int{3, 0, 1}, fcoreUTC(2024, 1, 1, 0, 0), 0, nil},
		{"mean missing", "Avg with empty months missing", orders, &AggregateOptions{Stat: Avg, Empty: EmptyMissing},
			[]float64{170.5 / 3, nan, 7}, []int{3, 0, 1}, fcoreUTC(2024, 1, 1, 0, 0), 0, nil},
		{"empty error", "EmptyError names the empty month", orders, &AggregateOptions{Empty: EmptyError}, nil, nil, time.Time{}, 0, ErrEmptyPeriod},
		{"quarterly", "Q1 holds all four orders", orders, &AggregateOptions{Freq: Quarterly()}, []float64{177.5}, []int{4}, fcoreUTC(2024, 1, 1, 0, 0), 0, nil},
		{"berlin month end", "23:30 UTC on 31 March is 1:30 on 1 April in Berlin (CEST)",
			[]Point{{fcoreUTC(2024, 3, 31, 23, 30), 1}, {fcoreUTC(2024, 3, 31, 21, 0), 2}},
			&AggregateOptions{Location: berlin}, []float64{2, 1}, []int{1, 1}, time.Date(2024, 3, 1, 0, 0, 0, 0, berlin), 0, nil},
		{"range", "From/To fix the range: leading and trailing empty months; outside points counted",
			orders, &AggregateOptions{From: fcoreUTC(2023, 12, 1, 0, 0), To: fcoreUTC(2024, 3, 1, 0, 0)},
			[]float64{0, 170.5, 0}, []int{0, 3, 0}, fcoreUTC(2023, 12, 1, 0, 0), 1, nil},
		{"weekly monday", "2024-01-01 is a Monday: 1 Jan and 7 Jan (Sunday) share a Monday week",
			[]Point{{fcoreUTC(2024, 1, 1, 0, 0), 1}, {fcoreUTC(2024, 1, 7, 23, 59), 2}, {fcoreUTC(2024, 1, 8, 0, 0), 4}},
			&AggregateOptions{Freq: Weekly(), WeekStart: time.Monday}, []float64{3, 4}, []int{2, 1}, fcoreUTC(2024, 1, 1, 0, 0), 0, nil},
		{"weekly sunday", "with Sunday weeks, 7 Jan starts a new week with 8 Jan",
			[]Point{{fcoreUTC(2024, 1, 1, 0, 0), 1}, {fcoreUTC(2024, 1, 7, 23, 59), 2}, {fcoreUTC(2024, 1, 8, 0, 0), 4}},
			&AggregateOptions{Freq: Weekly()}, []float64{1, 6}, []int{1, 2}, fcoreUTC(2023, 12, 31, 0, 0), 0, nil},
		{"daily across DST", "New York's 10 March 2024 has 23 hours; 04:59 UTC on 11 March is still 10 March locally",
			[]Point{{time.Date(2024, 3, 10, 0, 0, 0, 0, ny), 1}, {fcoreUTC(2024, 3, 11, 3, 59), 2}, {fcoreUTC(2024, 3, 11, 4, 0), 4}},
			&AggregateOptions{Freq: Daily(), Location: ny}, []float64{3, 4}, []int{2, 1}, time.Date(2024, 3, 10, 0, 0, 0, 0, ny), 0, nil},
		{"hourly", "fixed hours from a given From", []Point{{fcoreUTC(2024, 1, 1, 1, 30), 1}, {fcoreUTC(2024, 1, 1, 3, 0), 2}},
			&AggregateOptions{Freq: Frequency{Unit: Fixed, Every: time.Hour}, From: fcoreUTC(2024, 1, 1, 0, 0)},
			[]float64{0, 1, 0, 2}, []int{0, 1, 0, 1}, fcoreUTC(2024, 1, 1, 0, 0), 0, nil},
		{"unsorted", "order of the stream does not matter", []Point{orders[3], orders[0], orders[2], orders[1]}, nil,
			[]float64{170.5, 0, 7}, []int{3, 0, 1}, fcoreUTC(2024, 1, 1, 0, 0), 0, nil},
		{"empty stream", "no points and no range: empty series", nil, nil, []float64{}, []int{}, time.Time{}, 0, nil},
		{"nan value", "a NaN amount is a record error", []Point{{fcoreUTC(2024, 1, 1, 0, 0), nan}}, nil, nil, nil, time.Time{}, 0, crmkit.ErrInvalid},
		{"zero time", "a zero time is a record error", []Point{{time.Time{}, 1}}, nil, nil, nil, time.Time{}, 0, crmkit.ErrInvalid},
		{"too many periods", "a stray year-9000 timestamp in a daily series is refused, not allocated",
			[]Point{{fcoreUTC(2024, 1, 1, 0, 0), 1}, {fcoreUTC(9000, 1, 1, 0, 0), 1}}, &AggregateOptions{Freq: Daily()}, nil, nil, time.Time{}, 0, ErrTooManyPeriods},
		{"year 10000", "a period start beyond year 9999 could not be written as JSON", []Point{{time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC), 1}}, nil, nil, nil, time.Time{}, 0, crmkit.ErrInvalid},
		{"bad range", "From must precede To", orders, &AggregateOptions{From: fcoreUTC(2024, 1, 1, 0, 0), To: fcoreUTC(2024, 1, 1, 0, 0)}, nil, nil, time.Time{}, 0, ErrInvalid},
		{"bad fixed", "a fixed frequency needs a duration", orders, &AggregateOptions{Freq: Frequency{Unit: Fixed}}, nil, nil, time.Time{}, 0, ErrInvalid},
		{"overflow", "sums beyond float64 are an error, not Inf", []Point{{fcoreUTC(2024, 1, 1, 0, 0), math.MaxFloat64}, {fcoreUTC(2024, 1, 2, 0, 0), math.MaxFloat64}}, nil, nil, nil, time.Time{}, 0, ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Aggregate(context.Background(), crmkit.Stream(tt.points), tt.opts)
			if !errors.Is(err, tt.wantErr) || (err == nil) != (tt.wantErr == nil) {
				t.Fatalf("%s: err = %v, want %v", tt.reason, err, tt.wantErr)
			}
			if err != nil {
				return
			}
			if diff := cmp.Diff(tt.wantValues, got.Series.Values, cmpopts.EquateApprox(1e-12, 0), cmpopts.EquateNaNs(), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("%s: values (-want +got):\n%s", tt.reason, diff)
			}
			if diff := cmp.Diff(tt.wantCounts, got.Counts, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("%s: counts (-want +got):\n%s", tt.reason, diff)
			}
			if !got.Series.Start.Equal(tt.wantStart) {
				t.Errorf("%s: start %v, want %v", tt.reason, got.Series.Start, tt.wantStart)
			}
			if got.OutOfRange != tt.wantOut || got.Points+got.OutOfRange+got.Skipped != len(tt.points) {
				t.Errorf("%s: points %d + out %d + skipped %d do not account for %d (want out %d)", tt.reason, got.Points, got.OutOfRange, got.Skipped, len(tt.points), tt.wantOut)
			}
		})
	}
}

func TestAggregateSkipAndErrors(t *testing.T) {
	pts := []Point{{fcoreUTC(2024, 1, 1, 0, 0), 1}, {fcoreUTC(2024, 1, 2, 0, 0), math.Inf(1)}, {time.Time{}, 3}}
	got, err := Aggregate(context.Background(), crmkit.Stream(pts), &AggregateOptions{SkipInvalid: true})
	if err != nil {
		t.Fatal(err)
	}
	if got.Skipped != 2 || got.Points != 1 || got.FirstSkipped == "" {
		t.Errorf("skip: %+v", got)
	}
	_, err = Aggregate(context.Background(), crmkit.Stream(pts), nil)
	var re *crmkit.RecordError
	if !errors.As(err, &re) || re.Index != 1 || re.Field != "value" {
		t.Errorf("err = %v, want a RecordError for record 1, field value", err)
	}
	boom := errors.New("disk on fire")
	stream := func(yield func(Point, error) bool) {
		if yield(pts[0], nil) {
			yield(Point{}, boom)
		}
	}
	if _, err := Aggregate(context.Background(), stream, nil); !errors.Is(err, boom) {
		t.Errorf("stream error: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Aggregate(ctx, crmkit.Stream(pts), nil); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
	type order struct {
		at     time.Time
		amount string
	}
	bad := errors.New("unparseable amount")
	_, err = AggregateFunc(context.Background(), crmkit.Stream([]order{{fcoreUTC(2024, 1, 1, 0, 0), "x"}}),
		func(o order) (Point, error) { return Point{}, bad }, nil)
	if !errors.As(err, &re) || !errors.Is(err, bad) || re.Index != 0 {
		t.Errorf("accessor error: %v", err)
	}
}

// Many small amounts must add up exactly: 10^6 × 0.01 is 10,000 with
// compensated summation, while naive float summation drifts.
func TestAggregateCompensatedSum(t *testing.T) {
	const n = 1_000_000
	seq := func(yield func(Point, error) bool) {
		for i := range n {
			if !yield(Point{fcoreUTC(2024, 1, 1, 0, 0).Add(time.Duration(i) * time.Second), 0.01}, nil) {
				return
			}
		}
	}
	got, err := Aggregate(context.Background(), iter.Seq2[Point, error](seq), nil)
	if err != nil {
		t.Fatal(err)
	}
	if v := got.Series.Values[0]; math.Abs(v-10000) > 1e-9 {
		t.Errorf("sum = %.12f, want 10000", v)
	}
}

func TestSeriesTime(t *testing.T) {
	ny := fcoreLoc(t, "America/New_York")
	tests := []struct {
		name string
		s    Series
		i    int
		want time.Time
	}{
		{"month", Series{Start: fcoreUTC(2024, 1, 1, 0, 0), Freq: Monthly()}, 13, fcoreUTC(2025, 2, 1, 0, 0)},
		{"month back", Series{Start: fcoreUTC(2024, 1, 1, 0, 0), Freq: Monthly()}, -1, fcoreUTC(2023, 12, 1, 0, 0)},
		{"month unaligned start", Series{Start: fcoreUTC(2024, 1, 15, 0, 0), Freq: Monthly()}, 0, fcoreUTC(2024, 1, 1, 0, 0)},
		{"quarter", Series{Start: fcoreUTC(2024, 4, 1, 0, 0), Freq: Quarterly()}, 3, fcoreUTC(2025, 1, 1, 0, 0)},
		{"year", Series{Start: fcoreUTC(2020, 1, 1, 0, 0), Freq: Yearly()}, 5, fcoreUTC(2025, 1, 1, 0, 0)},
		{"week keeps weekday", Series{Start: fcoreUTC(2024, 1, 3, 0, 0), Freq: Weekly()}, 2, fcoreUTC(2024, 1, 17, 0, 0)},
		{"day across DST", Series{Start: time.Date(2024, 3, 9, 0, 0, 0, 0, ny), Freq: Daily()}, 2, time.Date(2024, 3, 11, 0, 0, 0, 0, ny)},
		{"hours", Series{Start: fcoreUTC(2024, 1, 1, 0, 30), Freq: Frequency{Unit: Fixed, Every: time.Hour}}, 25, fcoreUTC(2024, 1, 2, 1, 30)},
		{"index", Series{Values: []float64{1}}, 3, time.Time{}},
		{"hours overflow", Series{Start: fcoreUTC(2024, 1, 1, 0, 0), Freq: Frequency{Unit: Fixed, Every: time.Hour}}, 1 << 30, time.Time{}},
		{"far", Series{Start: fcoreUTC(2024, 1, 1, 0, 0), Freq: Monthly()}, 1 << 40, time.Time{}},
	}
	for _, tt := range tests {
		got := tt.s.Time(tt.i)
		if !got.Equal(tt.want) {
			t.Errorf("%s: Time(%d) = %v, want %v", tt.name, tt.i, got, tt.want)
		}
		if tt.s.Freq.Unit != Index && !tt.want.IsZero() {
			if idx, ok := tt.s.Index(got); !ok || idx != tt.i {
				t.Errorf("%s: Index(Time(%d)) = %d, %v", tt.name, tt.i, idx, ok)
			}
		}
	}
}

func TestFrequencyPeriod(t *testing.T) {
	got := []int{Frequency{}.Period(), Daily().Period(), Weekly().Period(), Monthly().Period(), Quarterly().Period(), Yearly().Period(),
		Frequency{Unit: Fixed, Every: time.Hour}.Period(), Frequency{Unit: Fixed, Every: 7 * time.Hour}.Period()}
	if diff := cmp.Diff([]int{1, 7, 52, 12, 4, 1, 24, 1}, got); diff != "" {
		t.Errorf("periods (-want +got):\n%s", diff)
	}
	if p := (Series{Freq: Monthly(), Period: 3}).SeasonalPeriod(); p != 3 {
		t.Errorf("override period = %d", p)
	}
}

// The civil-date arithmetic must agree with the time package on every day
// from year -1000 to 3000.
func TestCivilDays(t *testing.T) {
	d := time.Date(-1000, 1, 1, 0, 0, 0, 0, time.UTC)
	for d.Year() < 3000 {
		y, m, dd := d.Date()
		n := fcoreDayNumber(y, m, dd)
		if want := fcoreFloorDiv(d.Unix(), 86400); n != want {
			t.Fatalf("%v: day number %d, want %d", d, n, want)
		}
		if y2, m2, d2 := fcoreCivil(n); y2 != y || m2 != m || d2 != dd {
			t.Fatalf("%v: civil(%d) = %d-%d-%d", d, n, y2, m2, d2)
		}
		d = d.AddDate(0, 0, 17)
	}
}

func TestSeriesJSON(t *testing.T) {
	s := Series{Values: []float64{1, math.NaN(), 3}, Start: fcoreUTC(2024, 1, 1, 0, 0), Freq: Monthly()}
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"values":[1,null,3],"start":"2024-01-01T00:00:00Z","frequency":{"unit":"month"}}`
	if string(b) != want {
		t.Errorf("json %s, want %s", b, want)
	}
	var back Series
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(s, back, cmpopts.EquateNaNs()); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
}
