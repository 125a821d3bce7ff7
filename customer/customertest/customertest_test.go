package customertest_test

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/crmkit/crmkit/customer"
	"github.com/crmkit/crmkit/customer/customertest"
)

func TestHolidayCalendarKit(t *testing.T) {
	from := time.Date(2024, 1, 1, 0, 0, 0, 0, time.FixedZone("CST", 8*3600))
	to := from.AddDate(1, 0, 0)
	fixed := []customer.Holiday{{Name: "A", Date: time.Date(2024, 3, 1, 0, 0, 0, 0, from.Location())}}
	var calls atomic.Int64
	tests := []struct {
		name, reason string
		cal          customer.HolidayCalendar
		wantErr      string // substring; "" = passes
	}{
		{"standard", "the shipped calendar keeps the contract", customer.StandardHolidays{}, ""},
		{"none", "a calendar without holidays is fine", customer.HolidayCalendarFunc(func(from, to time.Time) ([]customer.Holiday, error) { return nil, nil }), ""},
		{"ignores window", "returning a fixed list ignores [from, to)", customer.HolidayCalendarFunc(func(from, to time.Time) ([]customer.Holiday, error) {
			return []customer.Holiday{{Name: "A", Date: time.Date(2024, 3, 1, 0, 0, 0, 0, from.Location())}}, nil
		}), "empty window"},
		{"not midnight", "a holiday at noon", customer.HolidayCalendarFunc(func(from, to time.Time) ([]customer.Holiday, error) {
			d := time.Date(2024, 3, 1, 12, 0, 0, 0, from.Location())
			if d.Before(from) || !d.Before(to) {
				return nil, nil
			}
			return []customer.Holiday{{Name: "A", Date: d}}, nil
		}), "not midnight"},
		{"outside", "a holiday after the window", customer.HolidayCalendarFunc(func(from, to time.Time) ([]customer.Holiday, error) {
			return []customer.Holiday{{Name: "A", Date: to}}, nil
		}), "outside"},
		{"unnamed", "a holiday needs a name", customer.HolidayCalendarFunc(func(from, to time.Time) ([]customer.Holiday, error) {
			d := time.Date(2024, 3, 1, 0, 0, 0, 0, from.Location())
			if d.Before(from) || !d.Before(to) {
				return nil, nil
			}
			return []customer.Holiday{{Date: d}}, nil
		}), "no name"},
		{"retains slice", "handing out its own slice lets the caller corrupt it", customer.HolidayCalendarFunc(func(from, to time.Time) ([]customer.Holiday, error) {
			if fixed[0].Date.Before(from) || !fixed[0].Date.Before(to) {
				return nil, nil
			}
			return fixed, nil
		}), "modified"},
		{"unstable", "answers that change between calls", customer.HolidayCalendarFunc(func(from, to time.Time) ([]customer.Holiday, error) {
			if calls.Add(1)%2 == 0 || to.Sub(from) < 300*24*time.Hour {
				return nil, nil
			}
			return []customer.Holiday{{Name: "A", Date: from}}, nil
		}), "split by month"},
		{"error", "a failing calendar", customer.HolidayCalendarFunc(func(from, to time.Time) ([]customer.Holiday, error) {
			return nil, errors.New("db down")
		}), "db down"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := customertest.TestHolidayCalendar(tt.cal, from, to)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("%s: %v", tt.reason, err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Errorf("%s: err = %v, want one mentioning %q", tt.reason, err, tt.wantErr)
			}
		})
	}
	if err := customertest.TestHolidayCalendar(nil, from, to); err == nil {
		t.Error("nil calendar passed")
	}
	if err := customertest.TestHolidayCalendar(customer.StandardHolidays{}, to, from); err == nil {
		t.Error("empty window passed")
	}
}

func TestCapacityKit(t *testing.T) {
	var calls atomic.Int64
	reps := []string{"a", "b", "c"}
	tests := []struct {
		name, reason string
		c            customer.Capacity
		wantErr      string
	}{
		{"fixed", "a constant capacity keeps the contract", customer.CapacityFunc(func(context.Context, string) (int, error) { return 10, nil }), ""},
		{"unlimited", "NoCapacityLimit is allowed", customer.CapacityFunc(func(context.Context, string) (int, error) { return customer.NoCapacityLimit, nil }), ""},
		{"negative", "-5 is neither a capacity nor NoCapacityLimit", customer.CapacityFunc(func(context.Context, string) (int, error) { return -5, nil }), "negative"},
		{"unstable", "answers must not change", customer.CapacityFunc(func(context.Context, string) (int, error) { return int(calls.Add(1)), nil }), "earlier"},
		{"error", "a failing host", customer.CapacityFunc(func(_ context.Context, rep string) (int, error) {
			if rep == "b" {
				return 0, errors.New("no such rep")
			}
			return 1, nil
		}), "no such rep"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := customertest.TestCapacity(context.Background(), tt.c, reps)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("%s: %v", tt.reason, err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Errorf("%s: err = %v, want one mentioning %q", tt.reason, err, tt.wantErr)
			}
		})
	}
	if err := customertest.TestCapacity(context.Background(), nil, reps); err == nil {
		t.Error("nil capacity passed")
	}
}
