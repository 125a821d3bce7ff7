package customer

import (
	"time"

	"github.com/shopspring/decimal"
)

// Customer is one customer record as the host keeps it. The zero value is an
// empty record that [Validate] rejects (it has no ID).
//
// Owner is the ID of the sales rep who owns the customer; "" means the
// customer sits in the shared pool. ReferredBy is the ID of the customer who
// brought this one, "" when none. Attributes holds host fields crmkit does not
// interpret; classification rules may read them.
type Customer struct {
	ID         string            `json:"id"`
	Name       string            `json:"name,omitempty"`
	Owner      string            `json:"owner,omitempty"`
	Created    time.Time         `json:"created"`
	Level      string            `json:"level,omitempty"`
	Tags       []string          `json:"tags,omitempty"`
	Source     string            `json:"source,omitempty"`
	ReferredBy string            `json:"referred_by,omitempty"`
	Birthday   Birthday          `json:"birthday,omitzero"`
	Phone      string            `json:"phone,omitempty"`
	Email      string            `json:"email,omitempty"`
	Attributes map[string]string `json:"attributes,omitempty"`
}

// Calendar names the calendar a [Birthday] is given in.
type Calendar string

const (
	// Gregorian is the civil solar calendar.
	Gregorian Calendar = "gregorian"
	// Lunar is the Chinese lunisolar calendar: Month 1..12 and Day 1..30, with
	// LeapMonth set for the intercalary month that repeats Month.
	Lunar Calendar = "lunar"
)

// Birthday is a customer's birthday. The zero value (Calendar "") means the
// birthday is unknown. Year is optional (0 when the host does not know it);
// Month and Day are required when Calendar is set.
type Birthday struct {
	Calendar  Calendar `json:"calendar"`
	Year      int      `json:"year,omitempty"`
	Month     int      `json:"month"`
	Day       int      `json:"day"`
	LeapMonth bool     `json:"leap_month,omitempty"`
}

// IsZero reports whether the birthday is unknown.
func (b Birthday) IsZero() bool { return b == Birthday{} }

// Order is one purchase. Amount is money in Currency (an ISO 4217 code);
// refunds are separate orders with negative amounts only where the host's
// validation options allow them. Quantity counts units and may be fractional
// (kilograms, hours); 0 means the host does not track units.
type Order struct {
	ID         string          `json:"id"`
	CustomerID string          `json:"customer_id"`
	Time       time.Time       `json:"time"`
	Amount     decimal.Decimal `json:"amount"`
	Currency   string          `json:"currency,omitempty"`
	Quantity   float64         `json:"quantity,omitempty"`
	Product    string          `json:"product,omitempty"`
}

// Interaction is one follow-up with a customer: a call, a visit, a message.
// NextContact is when the rep plans to contact the customer again; the zero
// time means no next contact was planned.
type Interaction struct {
	ID          string    `json:"id"`
	CustomerID  string    `json:"customer_id"`
	Rep         string    `json:"rep,omitempty"`
	Time        time.Time `json:"time"`
	Channel     string    `json:"channel,omitempty"`
	Note        string    `json:"note,omitempty"`
	NextContact time.Time `json:"next_contact,omitzero"`
}
