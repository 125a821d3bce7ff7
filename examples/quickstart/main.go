// Command quickstart builds a small sample customer book with a fixed seed and
// prints a short report. Run it from the repository root:
//
//	(cd examples && go run ./quickstart)
package main

import (
	"fmt"
	"math/rand/v2"
	"os"
	"time"

	"github.com/crmkit/crmkit"
	"github.com/crmkit/crmkit/customer"
	"github.com/shopspring/decimal"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(1)
	}
}

func run() error {
	rng := rand.New(rand.NewPCG(1, 2))
	start := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	var customers []customer.Customer
	var orders []customer.Order
	for i := range 200 {
		c := customer.Customer{ID: fmt.Sprintf("C%03d", i), Name: fmt.Sprintf("Customer %d", i), Owner: fmt.Sprintf("rep%d", i%5), Created: start.AddDate(0, 0, rng.IntN(300))}
		customers = append(customers, c)
		for j := range rng.IntN(6) {
			amt := decimal.NewFromInt(int64(20 + rng.IntN(500)))
			orders = append(orders, customer.Order{ID: fmt.Sprintf("O%03d-%d", i, j), CustomerID: c.ID, Time: c.Created.AddDate(0, 0, rng.IntN(60)), Amount: amt, Currency: "USD"})
		}
	}
	total := decimal.Zero
	for o, err := range crmkit.Stream(orders) {
		if err != nil {
			return err
		}
		total = total.Add(o.Amount)
	}
	fmt.Printf("sample book: %d customers, %d orders, revenue %s USD\n", len(customers), len(orders), total.StringFixed(2))
	return nil
}
