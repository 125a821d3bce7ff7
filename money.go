package crmkit

import (
	"errors"
	"fmt"
	"math"

	"github.com/shopspring/decimal"
)

// MoneyPlaces is the number of decimal places that [FromFloat] keeps. Four
// places hold every ISO 4217 minor unit (at most three) with one guard digit.
const MoneyPlaces = 4

// ErrNotFinite is returned when a float64 that should become money is NaN or
// infinite.
var ErrNotFinite = errors.New("crmkit: amount is NaN or infinite")

// ToFloat converts an amount to float64 for a numeric kernel. The conversion
// is exact to float64's 15–17 significant digits; amounts beyond float64's
// range become ±Inf and are rejected with [ErrNotFinite].
func ToFloat(d decimal.Decimal) (float64, error) {
	f, _ := d.Float64()
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, fmt.Errorf("%w: %s", ErrNotFinite, d.String())
	}
	return f, nil
}

// FromFloat converts a kernel's float64 result back to money, rounded to
// [MoneyPlaces] decimal places with round-half-to-even (banker's rounding),
// so that rounding errors do not drift one way in sums. NaN and ±Inf are
// rejected with [ErrNotFinite].
func FromFloat(f float64) (decimal.Decimal, error) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return decimal.Zero, fmt.Errorf("%w: %v", ErrNotFinite, f)
	}
	return decimal.NewFromFloat(f).RoundBank(MoneyPlaces), nil
}
