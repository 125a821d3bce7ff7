package funnel

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestPeriods(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Skip("no tz database:", err)
	}
	utc := time.UTC
	tests := []struct {
		name, reason string
		p            Period
		at           time.Time
		loc          *time.Location
		wantStart    time.Time
		wantEnd      time.Time
	}{
		{"month", "mid-month maps to the 1st", Month, time.Date(2024, 2, 29, 13, 0, 0, 0, utc), utc, time.Date(2024, 2, 1, 0, 0, 0, 0, utc), time.Date(2024, 3, 1, 0, 0, 0, 0, utc)},
		{"quarter", "August is in Q3", Quarter, time.Date(2024, 8, 15, 0, 0, 0, 0, utc), utc, time.Date(2024, 7, 1, 0, 0, 0, 0, utc), time.Date(2024, 10, 1, 0, 0, 0, 0, utc)},
		{"year", "calendar year", Year, time.Date(2023, 12, 31, 23, 59, 59, 0, utc), utc, time.Date(2023, 1, 1, 0, 0, 0, 0, utc), time.Date(2024, 1, 1, 0, 0, 0, 0, utc)},
		{"week", "2024-03-07 is a Thursday; its week starts Monday 03-04", Week, time.Date(2024, 3, 7, 10, 0, 0, 0, utc), utc, time.Date(2024, 3, 4, 0, 0, 0, 0, utc), time.Date(2024, 3, 11, 0, 0, 0, 0, utc)},
		{"before 1970", "negative unix times floor correctly", Month, time.Date(1969, 12, 31, 23, 0, 0, 0, utc), utc, time.Date(1969, 12, 1, 0, 0, 0, 0, utc), time.Date(1970, 1, 1, 0, 0, 0, 0, utc)},
		{"local month", "03:00 UTC on Apr 1 is still March in New York", Month, time.Date(2024, 4, 1, 3, 0, 0, 0, utc), ny, time.Date(2024, 3, 1, 0, 0, 0, 0, ny), time.Date(2024, 4, 1, 0, 0, 0, 0, ny)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			i := fnlPeriodIndex(tt.p, tt.at.Unix(), tt.loc)
			s, e := fnlPeriodBounds(tt.p, i, tt.loc)
			if !s.Equal(tt.wantStart) || !e.Equal(tt.wantEnd) {
				t.Errorf("%s: [%v, %v), want [%v, %v)", tt.reason, s, e, tt.wantStart, tt.wantEnd)
			}
		})
	}
}

// TestReportJSON: the report marshals and reads back to the same value.
func TestReportJSON(t *testing.T) {
	r := fnlHandReport(t)
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var back Report
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(r, &back, fnlApprox, cmp.Comparer(func(a, b time.Time) bool { return a.Equal(b) })); diff != "" {
		t.Errorf("JSON round trip (-want +got):\n%s", diff)
	}
}
