package customer_test

import (
	"context"
	"fmt"

	"github.com/crmkit/crmkit"
	"github.com/crmkit/crmkit/customer"
)

func ExampleFindDuplicates() {
	book := []customer.Customer{
		{ID: "C1", Name: "王小明", Phone: "+86 138 0013 8000"},
		{ID: "C2", Name: "王小明", Phone: "0086 13800138000"},
		{ID: "C3", Name: "Ann Lee", Email: "Ann.Lee@example.com"},
		{ID: "C4", Name: "Lee, Ann", Email: "ann.lee@EXAMPLE.com"},
		{ID: "C5", Name: "Bob Stone"},
	}
	res, err := customer.FindDuplicates(context.Background(), crmkit.Stream(book), &customer.DuplicateOptions{Clusters: true})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, p := range res.Pairs {
		fmt.Printf("%s~%s score %.3f:", p.A, p.B, p.Score)
		for _, e := range p.Evidence {
			fmt.Printf(" %s(%.2f)", e.Field, e.Similarity)
		}
		fmt.Println()
	}
	fmt.Println(res.Clusters)
	// Output:
	// C1~C2 score 0.950: phone(1.00) name(1.00)
	// C3~C4 score 0.950: email(1.00) name(1.00)
	// [[C1 C2] [C3 C4]]
}

func ExampleNormalizePhone() {
	for _, raw := range []string{"+86 138 0013 8000", "0086-138-0013-8000", "138 0013 8000", "010-6552 9988", "+86 (0)10 6552 9988"} {
		fmt.Println(customer.NormalizePhone(raw, "86"))
	}
	fmt.Println(customer.NormalizePhone("(415) 555-2671", "1"))
	// Output:
	// +8613800138000
	// +8613800138000
	// +8613800138000
	// +861065529988
	// +861065529988
	// +14155552671
}

func ExampleNormalizeEmail() {
	fmt.Println(customer.NormalizeEmail(" Ann.Lee+crm@GoogleMail.com ", false))
	fmt.Println(customer.NormalizeEmail(" Ann.Lee+crm@GoogleMail.com ", true))
	fmt.Printf("%q\n", customer.NormalizeEmail("not an address", false))
	// Output:
	// ann.lee+crm@googlemail.com
	// annlee@gmail.com
	// ""
}

func ExampleNameSimilarity() {
	fmt.Printf("%.3f\n", customer.NameSimilarity("Martha Smith", "Marhta Smith"))
	fmt.Printf("%.3f\n", customer.NameSimilarity("Smith, John", "JOHN SMITH"))
	fmt.Printf("%.3f\n", customer.NameSimilarity("北京华为科技有限公司", "北京华为科技"))
	fmt.Printf("%.3f\n", customer.NameSimilarity("北京华为", "华为"))
	// Output:
	// 0.981
	// 1.000
	// 1.000
	// 0.333
}
