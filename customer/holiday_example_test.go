package customer_test

import (
	"fmt"
	"time"

	"github.com/crmkit/crmkit/customer"
)

func ExampleStandardHolidays() {
	cst := time.FixedZone("CST", 8*3600)
	from := time.Date(2025, 1, 1, 0, 0, 0, 0, cst)
	hs, err := customer.StandardHolidays{}.Holidays(from, from.AddDate(0, 3, 0))
	for _, h := range hs {
		fmt.Println(h.Date.Format(time.DateOnly), h.Name)
	}
	fmt.Println(err)
	// Output:
	// 2025-01-01 New Year's Day
	// 2025-01-29 Spring Festival
	// 2025-02-12 Lantern Festival
	// <nil>
}

func ExampleHolidayCalendarFunc() {
	// A host calendar with one company holiday on 8 August.
	cal := customer.HolidayCalendarFunc(func(from, to time.Time) ([]customer.Holiday, error) {
		var out []customer.Holiday
		for y := from.Year(); y <= to.Year(); y++ {
			d := time.Date(y, time.August, 8, 0, 0, 0, 0, from.Location())
			if !d.Before(from) && d.Before(to) {
				out = append(out, customer.Holiday{Name: "Founding Day", Date: d})
			}
		}
		return out, nil
	})
	hs, _ := cal.Holidays(time.Date(2024, 8, 1, 0, 0, 0, 0, time.UTC), time.Date(2024, 9, 1, 0, 0, 0, 0, time.UTC))
	fmt.Println(hs[0].Date.Format(time.DateOnly), hs[0].Name)
	// Output: 2024-08-08 Founding Day
}
