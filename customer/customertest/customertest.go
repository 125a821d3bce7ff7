// Package customertest checks host implementations of the interfaces that
// package customer calls, in the manner of testing/slogtest: a host runs
// these functions in its own tests against its own implementation.
//
//	func TestMyCalendar(t *testing.T) {
//		from := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
//		if err := customertest.TestHolidayCalendar(myCalendar, from, from.AddDate(1, 0, 0)); err != nil {
//			t.Error(err)
//		}
//	}
//
// Each function returns nil when the implementation keeps the contract, or
// every violation found, joined with errors.Join. The functions call the
// implementation concurrently, so run them with -race to catch data races.
package customertest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/crmkit/crmkit/customer"
)

// TestHolidayCalendar checks cal against the [customer.HolidayCalendar]
// contract over the window [from, to), which should be one the calendar
// supports (at most a few years; the window is split by month). It checks
// that:
//   - every holiday has a name and a Date at midnight, in from's location,
//     inside the window, and no (name, day) pair repeats;
//   - an empty window yields no holidays and no error;
//   - splitting the window at month boundaries yields the same holidays as
//     the whole window;
//   - the answer does not change between calls, nor when the caller
//     modifies a returned slice;
//   - concurrent calls give the same answer.
func TestHolidayCalendar(cal customer.HolidayCalendar, from, to time.Time) error {
	if cal == nil {
		return errors.New("customertest: nil HolidayCalendar")
	}
	if !from.Before(to) {
		return fmt.Errorf("customertest: window [%v, %v) is empty", from, to)
	}
	var errs []error
	fail := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	key := func(h customer.Holiday) string { return h.Date.Format(time.DateOnly) + " " + h.Name }
	keys := func(hs []customer.Holiday) []string {
		out := make([]string, len(hs))
		for i, h := range hs {
			out[i] = key(h)
		}
		slices.Sort(out)
		return out
	}

	whole, err := cal.Holidays(from, to)
	if err != nil {
		return fmt.Errorf("customertest: Holidays(%v, %v): %w", from, to, err)
	}
	seen := map[string]bool{}
	loc := from.Location()
	for _, h := range whole {
		d := h.Date
		if h.Name == "" {
			fail("holiday on %v has no name", d)
		}
		if d.Location().String() != loc.String() {
			fail("%s: date in location %q, want the window's %q", key(h), d.Location(), loc)
		}
		if dl := d.In(loc); dl.Hour() != 0 || dl.Minute() != 0 || dl.Second() != 0 || dl.Nanosecond() != 0 {
			fail("%s: date %v is not midnight", key(h), d)
		}
		if d.Before(from) || !d.Before(to) {
			fail("%s: date %v outside [%v, %v)", key(h), d, from, to)
		}
		if seen[key(h)] {
			fail("%s: listed twice", key(h))
		}
		seen[key(h)] = true
	}
	want := keys(whole)

	if hs, err := cal.Holidays(from, from); err != nil || len(hs) != 0 {
		fail("empty window [%v, %v): got %d holidays, err %v; want none", from, from, len(hs), err)
	}

	// split at month boundaries
	var parts []customer.Holiday
	for a := from; a.Before(to); {
		b := time.Date(a.Year(), a.Month()+1, 1, 0, 0, 0, 0, loc)
		if b.After(to) {
			b = to
		}
		hs, err := cal.Holidays(a, b)
		if err != nil {
			fail("Holidays(%v, %v): %v", a, b, err)
			break
		}
		parts = append(parts, hs...)
		a = b
	}
	if got := keys(parts); !slices.Equal(got, want) {
		fail("split by month gives %v, whole window %v", got, want)
	}

	// the caller owns the returned slice
	for i := range whole {
		whole[i].Name = "modified by caller"
	}
	again, err := cal.Holidays(from, to)
	if err != nil {
		fail("second call: %v", err)
	} else if got := keys(again); !slices.Equal(got, want) {
		fail("second call (after the caller modified the first result) gives %v, first %v", got, want)
	}

	// concurrent calls
	const workers = 4
	results := make([][]string, workers)
	callErrs := make([]error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			hs, err := cal.Holidays(from, to)
			results[w], callErrs[w] = keys(hs), err
		}()
	}
	wg.Wait()
	for w := range workers {
		if callErrs[w] != nil {
			fail("concurrent call: %v", callErrs[w])
		} else if !slices.Equal(results[w], want) {
			fail("concurrent call gives %v, want %v", results[w], want)
		}
	}
	return wrap("HolidayCalendar", errs)
}

// TestCapacity checks c against the [customer.Capacity] contract for the
// given reps: every answer is ≥ 0 or [customer.NoCapacityLimit], the same
// rep gets the same answer on repeated and on concurrent calls, and no call
// fails.
func TestCapacity(ctx context.Context, c customer.Capacity, reps []string) error {
	if c == nil {
		return errors.New("customertest: nil Capacity")
	}
	var errs []error
	first := make([]int, len(reps))
	for i, r := range reps {
		n, err := c.Capacity(ctx, r)
		if err != nil {
			errs = append(errs, fmt.Errorf("Capacity(%q): %w", r, err))
			continue
		}
		if n < customer.NoCapacityLimit {
			errs = append(errs, fmt.Errorf("Capacity(%q) = %d: negative and not NoCapacityLimit", r, n))
		}
		first[i] = n
	}
	if len(errs) > 0 {
		return wrap("Capacity", errs)
	}
	const workers = 4
	var mu sync.Mutex
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i, r := range reps {
				n, err := c.Capacity(ctx, r)
				mu.Lock()
				if err != nil {
					errs = append(errs, fmt.Errorf("concurrent Capacity(%q): %w", r, err))
				} else if n != first[i] {
					errs = append(errs, fmt.Errorf("Capacity(%q) = %d, earlier %d", r, n, first[i]))
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return wrap("Capacity", errs)
}

func wrap(what string, errs []error) error {
	if len(errs) == 0 {
		return nil
	}
	return fmt.Errorf("customertest: %s breaks its contract:\n%w", what, errors.Join(errs...))
}
