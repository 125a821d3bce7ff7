package crmkit_test

import (
	"errors"
	"fmt"
	"math"

	"github.com/crmkit/crmkit"
	"github.com/shopspring/decimal"
)

func ExampleRecordError() {
	var err error = crmkit.Errorf("order", 3, "O-9", "amount", crmkit.ErrInvalid, "negative: %s", "-5.00")
	fmt.Println(err)
	var re *crmkit.RecordError
	if errors.As(err, &re) {
		fmt.Println(re.Field, errors.Is(err, crmkit.ErrInvalid))
	}
	// Output:
	// order #3 "O-9": field amount: invalid value: negative: -5.00
	// amount true
}

func ExampleErrorf() {
	err := crmkit.Errorf("customer", 0, "C-1", "email", crmkit.ErrMissing, "")
	fmt.Println(err, errors.Is(err, crmkit.ErrMissing))
	// Output: customer #0 "C-1": field email: missing required field true
}

func ExampleStream() {
	for v, err := range crmkit.Stream([]string{"a", "b"}) {
		fmt.Println(v, err)
	}
	// Output:
	// a <nil>
	// b <nil>
}

func ExampleCollect() {
	got, err := crmkit.Collect(crmkit.Stream([]int{1, 2, 3}))
	fmt.Println(got, err)
	// Output: [1 2 3] <nil>
}

func ExampleToFloat() {
	f, err := crmkit.ToFloat(decimal.RequireFromString("1234.56"))
	fmt.Println(f, err)
	// Output: 1234.56 <nil>
}

func ExampleFromFloat() {
	d, _ := crmkit.FromFloat(2.00005) // half-even at the fourth place
	fmt.Println(d)
	_, err := crmkit.FromFloat(math.NaN())
	fmt.Println(errors.Is(err, crmkit.ErrNotFinite))
	// Output:
	// 2
	// true
}
