package customer_test

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/crmkit/crmkit"
	"github.com/crmkit/crmkit/customer"
)

func ExamplePlanReminders() {
	cst := time.FixedZone("CST", 8*3600)
	day := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, cst) }
	customers := []customer.Customer{
		{ID: "C1", Name: "Li Wei", Owner: "ann", Birthday: customer.Birthday{Calendar: customer.Lunar, Month: 8, Day: 15}},
		{ID: "C2", Name: "Ada", Owner: "bob", Created: day(2024, 8, 1), Birthday: customer.Birthday{Calendar: customer.Gregorian, Month: 2, Day: 29}},
		{ID: "C3", Name: "Zhang Min", Owner: "ann", Created: day(2024, 7, 1)},
	}
	interactions := []customer.Interaction{
		{ID: "I1", CustomerID: "C1", Rep: "ann", Time: day(2024, 9, 2), NextContact: day(2024, 9, 20).Add(10 * time.Hour)},
	}
	plan, err := customer.PlanReminders(context.Background(), day(2024, 9, 3), day(2024, 9, 1), day(2024, 10, 1),
		crmkit.Stream(customers), crmkit.Stream(interactions),
		&customer.ReminderOptions{Location: cst, NoContactDays: 90})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, r := range plan.Reminders {
		line := fmt.Sprintf("%s %s %s %s %s", r.Date.Format(time.DateOnly), r.Kind, r.CustomerID, r.Name, r.Detail)
		fmt.Println(strings.Join(strings.Fields(line), " "))
	}
	fmt.Println("customers", plan.Customers, "reminded", plan.Reminded, "quiet", plan.Quiet)
	// Output:
	// 2024-09-17 holiday Mid-Autumn Festival
	// 2024-09-17 birthday C1 Li Wei lunar 8/15 (2024-08-15)
	// 2024-09-20 next_contact C1
	// 2024-09-29 no_contact C3 90 days without contact (never contacted; created 2024-07-01)
	// customers 3 reminded 2 quiet 1
}
