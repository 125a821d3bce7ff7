package customer_test

import (
	"fmt"

	"github.com/crmkit/crmkit"
	"github.com/crmkit/crmkit/customer"
)

func ExampleOffenderOf() {
	o := customer.OffenderOf(crmkit.Errorf("order", 4, "O-5", "amount", crmkit.ErrInvalid, "negative amount -2"))
	fmt.Println(o.Problem, o.Field)
	fmt.Println(o.Message)
	// Output:
	// invalid amount
	// order #4 "O-5": field amount: invalid value: negative amount -2
}
