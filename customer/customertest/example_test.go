package customertest_test

import (
	"context"
	"fmt"
	"time"

	"github.com/crmkit/crmkit/customer"
	"github.com/crmkit/crmkit/customer/customertest"
)

func ExampleTestHolidayCalendar() {
	// A host calendar: company founding day, 8 August.
	founding := customer.HolidayCalendarFunc(func(from, to time.Time) ([]customer.Holiday, error) {
		var out []customer.Holiday
		for y := from.Year(); y <= to.Year(); y++ {
			d := time.Date(y, time.August, 8, 0, 0, 0, 0, from.Location())
			if !d.Before(from) && d.Before(to) {
				out = append(out, customer.Holiday{Name: "Founding Day", Date: d})
			}
		}
		return out, nil
	})
	from := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	fmt.Println(customertest.TestHolidayCalendar(founding, from, from.AddDate(2, 0, 0)))
	// Output: <nil>
}

func ExampleTestCapacity() {
	caps := map[string]int{"ann": 120, "bob": 80}
	c := customer.CapacityFunc(func(_ context.Context, rep string) (int, error) {
		if n, ok := caps[rep]; ok {
			return n, nil
		}
		return 0, fmt.Errorf("unknown rep %q", rep)
	})
	fmt.Println(customertest.TestCapacity(context.Background(), c, []string{"ann", "bob"}))
	fmt.Println(customertest.TestCapacity(context.Background(), c, []string{"eve"}) != nil)
	// Output:
	// <nil>
	// true
}
