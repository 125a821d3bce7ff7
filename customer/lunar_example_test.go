package customer_test

import (
	"fmt"
	"time"

	"github.com/crmkit/crmkit/customer"
)

func ExampleToLunar() {
	// Mid-Autumn Festival 2024 fell on 17 September.
	d, err := customer.ToLunar(time.Date(2024, 9, 17, 0, 0, 0, 0, time.UTC))
	fmt.Println(d, err)
	// 22 March 2023 opened the leap second month.
	d, _ = customer.ToLunar(time.Date(2023, 3, 22, 0, 0, 0, 0, time.UTC))
	fmt.Println(d, d.Leap)
	// Output:
	// 2024-08-15 <nil>
	// 2023-L02-01 true
}

func ExampleFromLunar() {
	// Spring Festival 2025.
	t, err := customer.FromLunar(customer.LunarDate{Year: 2025, Month: 1, Day: 1}, time.UTC)
	fmt.Println(t.Format(time.DateOnly), err)
	// Lunar 2024 month 1 has 29 days: day 30 does not exist.
	_, err = customer.FromLunar(customer.LunarDate{Year: 2024, Month: 1, Day: 30}, nil)
	fmt.Println(err)
	// Output:
	// 2025-01-29 <nil>
	// invalid value: lunar 2024-01-30: month has 29 days
}

func ExampleLunarLeapMonth() {
	for _, y := range []int{2023, 2024, 2025, 2033} {
		m, _ := customer.LunarLeapMonth(y)
		fmt.Println(y, m)
	}
	// Output:
	// 2023 2
	// 2024 0
	// 2025 6
	// 2033 11
}

func ExampleLunarMonthDays() {
	n, _ := customer.LunarMonthDays(2023, 2, true)
	fmt.Println("2023 leap month 2:", n, "days")
	_, err := customer.LunarMonthDays(2024, 4, true)
	fmt.Println(err)
	// Output:
	// 2023 leap month 2: 29 days
	// invalid value: lunar year 2024 has no leap month 4
}

func ExampleLunarDate_String() {
	fmt.Println(customer.LunarDate{Year: 2020, Month: 4, Day: 8, Leap: true})
	fmt.Println(customer.LunarDate{Year: 2024, Month: 12, Day: 30})
	// Output:
	// 2020-L04-08
	// 2024-12-30
}
