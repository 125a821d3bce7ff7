package customer

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"testing"
	"time"

	"github.com/crmkit/crmkit"
	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"
)

var testAsOf = time.Date(2026, 6, 30, 12, 0, 0, 0, time.UTC)

func testDay(y, m, d int) time.Time { return time.Date(y, time.Month(m), d, 10, 0, 0, 0, time.UTC) }

// reportProblems lists "kind#index field problem" for each offender.
func reportProblems(r *Report) []string {
	var out []string
	for _, o := range r.Offenders {
		out = append(out, fmt.Sprintf("%s#%d %s %s", o.Kind, o.Index, o.Field, o.Problem))
	}
	return out
}

// checkInvariants checks that counts add up and rates are in [0,1].
func checkInvariants(t testing.TB, r *Report) {
	t.Helper()
	total := 0
	for _, kr := range []KindReport{r.Customers, r.Orders, r.Interactions} {
		if kr.Records != kr.Accepted+kr.Rejected {
			t.Errorf("records %d != accepted %d + rejected %d", kr.Records, kr.Accepted, kr.Rejected)
		}
		if kr.Accepted < 0 || kr.Rejected < 0 {
			t.Errorf("negative count: %+v", kr)
		}
		total += kr.StreamErrors
		for _, f := range kr.Fields {
			if f.Completeness < 0 || f.Completeness > 1 {
				t.Errorf("field %s completeness %v outside [0,1]", f.Field, f.Completeness)
			}
			if f.Present > kr.Records {
				t.Errorf("field %s present %d > records %d", f.Field, f.Present, kr.Records)
			}
			for _, n := range f.Problems {
				total += n
			}
		}
	}
	if total != r.Problems {
		t.Errorf("problems %d, but fields and stream errors add to %d", r.Problems, total)
	}
	if len(r.Offenders)+r.OmittedOffenders != r.Problems {
		t.Errorf("offenders %d + omitted %d != problems %d", len(r.Offenders), r.OmittedOffenders, r.Problems)
	}
}

func errStream[T any](items []T, errAt int, err error) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		for i, it := range items {
			if i == errAt {
				var zero T
				if !yield(zero, err) {
					return
				}
			}
			if !yield(it, nil) {
				return
			}
		}
	}
}

func TestValidate(t *testing.T) {
	usd := func(s string) decimal.Decimal { return decimal.RequireFromString(s) }
	good := []Customer{
		{ID: "C1", Name: "Ann", Created: testDay(2025, 1, 1), Email: "ann@example.com", Birthday: Birthday{Calendar: Gregorian, Year: 1992, Month: 2, Day: 29}},
		{ID: "C2", Name: "Bo", ReferredBy: "C1", Phone: "+86 138 0013 8000", Birthday: Birthday{Calendar: Lunar, Month: 8, Day: 15}},
	}
	tests := []struct {
		name         string
		reason       string
		customers    []Customer
		orders       []Order
		interactions []Interaction
		opts         *ValidateOptions
		want         []string
		wantErr      bool
	}{
		{
			name:      "clean",
			reason:    "a clean book has no problems, and Feb 29 1992 exists (leap year)",
			customers: good,
			orders:    []Order{{ID: "O1", CustomerID: "C1", Time: testDay(2026, 1, 1), Amount: usd("10.50"), Currency: "USD"}},
			interactions: []Interaction{{ID: "I1", CustomerID: "C2", Time: testDay(2026, 2, 1),
				NextContact: testDay(2026, 8, 1)}},
		},
		{
			name:   "missing and duplicate customers",
			reason: "name is required by default; the second C1 is a duplicate",
			customers: []Customer{
				{ID: "C1", Name: "Ann"}, {ID: "C1", Name: "Ann again"}, {ID: "", Name: "no id"}, {ID: "C3"},
			},
			want:    []string{"customer#1 id duplicate", "customer#2 id missing", "customer#3 name missing"},
			wantErr: true,
		},
		{
			name:   "impossible birthdays",
			reason: "Feb 29 1993 does not exist; Apr 31 never; lunar day 31 is out of range; a birthday after AsOf is in the future; year unknown admits Feb 29",
			customers: []Customer{
				{ID: "A", Name: "a", Birthday: Birthday{Calendar: Gregorian, Year: 1993, Month: 2, Day: 29}},
				{ID: "B", Name: "b", Birthday: Birthday{Calendar: Gregorian, Month: 4, Day: 31}},
				{ID: "C", Name: "c", Birthday: Birthday{Calendar: Lunar, Month: 1, Day: 31}},
				{ID: "D", Name: "d", Birthday: Birthday{Calendar: Gregorian, Year: 2030, Month: 1, Day: 1}},
				{ID: "E", Name: "e", Birthday: Birthday{Calendar: Gregorian, Month: 2, Day: 29}},
				{ID: "F", Name: "f", Birthday: Birthday{Calendar: "julian", Month: 1, Day: 1}},
				{ID: "G", Name: "g", Birthday: Birthday{Calendar: Lunar, Month: 13, Day: 1}},
				{ID: "H", Name: "h", Birthday: Birthday{Month: 3, Day: 1}},
				{ID: "I", Name: "i", Birthday: Birthday{Calendar: Gregorian, Year: 2000, Month: 2, Day: 29}},
				{ID: "J", Name: "j", Birthday: Birthday{Calendar: Gregorian, Year: 1900, Month: 2, Day: 29}},
			},
			want: []string{"customer#0 birthday invalid", "customer#1 birthday invalid", "customer#2 birthday invalid",
				"customer#3 birthday future", "customer#5 birthday invalid", "customer#6 birthday invalid",
				"customer#7 birthday invalid", "customer#9 birthday invalid"},
			wantErr: true,
		},
		{
			name:   "referrals",
			reason: "self-referral is invalid; a referrer not in the stream is unknown (reported after the stream); a later referrer is fine; every member of the ring E-F-G is reported, H (a tail into it) is not",
			customers: []Customer{{ID: "A", Name: "a", ReferredBy: "A"}, {ID: "B", Name: "b", ReferredBy: "Z"}, {ID: "C", Name: "c", ReferredBy: "D"}, {ID: "D", Name: "d"},
				{ID: "E", Name: "e", ReferredBy: "F"}, {ID: "F", Name: "f", ReferredBy: "G"}, {ID: "G", Name: "g", ReferredBy: "E"}, {ID: "H", Name: "h", ReferredBy: "E"}},
			want: []string{"customer#0 referred_by invalid", "customer#1 referred_by unknown_ref",
				"customer#4 referred_by invalid", "customer#5 referred_by invalid", "customer#6 referred_by invalid"},
			wantErr: true,
		},
		{
			name:      "orders",
			reason:    "unknown customer, negative amount, after AsOf, second currency, duplicate ID, missing fields, NaN quantity",
			customers: good,
			orders: []Order{
				{ID: "O1", CustomerID: "C1", Time: testDay(2026, 1, 1), Amount: usd("1"), Currency: "CNY"},
				{ID: "O2", CustomerID: "CX", Time: testDay(2026, 1, 1), Amount: usd("1"), Currency: "CNY"},
				{ID: "O3", CustomerID: "C1", Time: testDay(2026, 1, 1), Amount: usd("-1"), Currency: "CNY"},
				{ID: "O4", CustomerID: "C1", Time: testDay(2026, 7, 1), Amount: usd("1"), Currency: "CNY"},
				{ID: "O5", CustomerID: "C1", Time: testDay(2026, 1, 1), Amount: usd("1"), Currency: "USD"},
				{ID: "O1", CustomerID: "C1", Time: testDay(2026, 1, 1), Amount: usd("1"), Currency: "CNY"},
				{ID: "", CustomerID: "", Amount: usd("1")},
				{ID: "O7", CustomerID: "C2", Time: testDay(2026, 1, 1), Amount: usd("1"), Currency: "cny", Quantity: 0},
			},
			want: []string{"order#1 customer_id unknown_ref", "order#2 amount invalid", "order#3 time future",
				"order#4 currency currency", "order#5 id duplicate",
				"order#6 id missing", "order#6 customer_id missing", "order#6 time missing", "order#6 currency missing"},
			wantErr: true,
		},
		{
			name:      "refunds allowed, currency fixed",
			reason:    "AllowNegativeAmounts accepts refunds; Currency makes the first CNY order wrong",
			customers: good,
			orders: []Order{
				{ID: "O1", CustomerID: "C1", Time: testDay(2026, 1, 1), Amount: usd("-5"), Currency: "CNY"},
				{ID: "O2", CustomerID: "C1", Time: testDay(2026, 1, 1), Amount: usd("5"), Currency: "USD"},
			},
			opts:    &ValidateOptions{AllowNegativeAmounts: true, Currency: "USD"},
			want:    []string{"order#0 currency currency"},
			wantErr: true,
		},
		{
			name:      "interactions",
			reason:    "unknown customer, time after AsOf, next contact before the interaction",
			customers: good,
			interactions: []Interaction{
				{ID: "I1", CustomerID: "C9", Time: testDay(2026, 1, 1)},
				{ID: "I2", CustomerID: "C1", Time: testDay(2027, 1, 1)},
				{ID: "I3", CustomerID: "C1", Time: testDay(2026, 1, 5), NextContact: testDay(2026, 1, 1)},
				{ID: "I3", CustomerID: "C1", Time: testDay(2026, 1, 5)},
			},
			want:    []string{"interaction#0 customer_id unknown_ref", "interaction#1 time future", "interaction#2 next_contact invalid", "interaction#3 id duplicate"},
			wantErr: true,
		},
		{
			name:      "email and phone shape",
			reason:    "an e-mail without @ and a phone without digits are invalid",
			customers: []Customer{{ID: "A", Name: "a", Email: "nobody", Phone: "n/a"}},
			want:      []string{"customer#0 email invalid", "customer#0 phone invalid"},
			wantErr:   true,
		},
		{
			name:      "required override",
			reason:    "Required replaces the defaults per kind; customer id stays required",
			customers: []Customer{{ID: "A"}, {Name: "x", Owner: "r1"}},
			opts:      &ValidateOptions{Required: map[string][]string{KindCustomer: {"owner"}}},
			want:      []string{"customer#0 owner missing", "customer#1 id missing"},
			wantErr:   true,
		},
		{
			name:      "bounded offenders",
			reason:    "MaxOffenders=1 keeps one offender and counts the rest",
			customers: []Customer{{ID: "A"}, {ID: "B"}, {ID: "C"}},
			opts:      &ValidateOptions{MaxOffenders: 1},
			want:      []string{"customer#0 name missing"},
			wantErr:   true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var cs iter.Seq2[Customer, error]
			if tt.customers != nil {
				cs = crmkit.Stream(tt.customers)
			}
			r, err := Validate(context.Background(), testAsOf, cs, crmkit.Stream(tt.orders), crmkit.Stream(tt.interactions), tt.opts)
			if (err != nil) != tt.wantErr {
				t.Fatalf("%s: err = %v, wantErr %v", tt.reason, err, tt.wantErr)
			}
			if diff := cmp.Diff(tt.want, reportProblems(r)); diff != "" {
				t.Errorf("%s: problems (-want +got):\n%s", tt.reason, diff)
			}
			checkInvariants(t, r)
			if err != nil {
				var re *crmkit.RecordError
				if !errors.As(err, &re) {
					t.Errorf("error %v holds no *crmkit.RecordError", err)
				}
			}
		})
	}
}

func TestValidateReportCounts(t *testing.T) {
	customers := []Customer{{ID: "A", Name: "a", Email: "a@x.io"}, {ID: "B", Name: "b"}, {ID: "B", Name: "b2"}, {ID: "C"}}
	orders := []Order{{ID: "O1", CustomerID: "A", Time: testDay(2026, 1, 1), Amount: decimal.NewFromInt(3), Currency: "EUR"}}
	r, _ := Validate(context.Background(), testAsOf, crmkit.Stream(customers), crmkit.Stream(orders), nil, nil)
	// Hand count: 4 customers; B (second) is a duplicate and C lacks a name.
	if got, want := r.Customers, (KindReport{Records: 4, Accepted: 2, Rejected: 2, IDsChecked: 4}); got.Records != want.Records || got.Accepted != want.Accepted || got.Rejected != want.Rejected || got.IDsChecked != want.IDsChecked {
		t.Errorf("customers = %+v, want %+v", got, want)
	}
	field := func(fs []FieldQuality, name string) FieldQuality {
		for _, f := range fs {
			if f.Field == name {
				return f
			}
		}
		t.Fatalf("no field %s", name)
		return FieldQuality{}
	}
	if diff := cmp.Diff(FieldQuality{Field: "name", Present: 3, Completeness: 0.75, Problems: map[string]int{"missing": 1}}, field(r.Customers.Fields, "name")); diff != "" {
		t.Errorf("name quality (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(FieldQuality{Field: "email", Present: 1, Completeness: 0.25}, field(r.Customers.Fields, "email")); diff != "" {
		t.Errorf("email quality (-want +got):\n%s", diff)
	}
	if r.Currency != "EUR" || r.Orders.Accepted != 1 || r.Problems != 2 {
		t.Errorf("currency %q accepted %d problems %d, want EUR 1 2", r.Currency, r.Orders.Accepted, r.Problems)
	}
	if _, err := json.Marshal(r); err != nil {
		t.Errorf("report does not marshal: %v", err)
	}
}

func TestValidateStreamErrorsAndRefs(t *testing.T) {
	ioErr := errors.New("disk on fire")
	cs := errStream([]Customer{{ID: "A", Name: "a"}}, 0, ioErr)
	os := crmkit.Stream([]Order{{ID: "O1", CustomerID: "nobody", Time: testDay(2026, 1, 1), Currency: "USD"}})
	r, err := Validate(context.Background(), testAsOf, cs, os, nil, nil)
	if !errors.Is(err, ioErr) || !errors.Is(err, crmkit.ErrUnknownRef) {
		t.Errorf("err = %v, want the stream error and an unknown reference", err)
	}
	if r.Customers.Records != 2 || r.Customers.StreamErrors != 1 || r.Customers.Rejected != 1 {
		t.Errorf("customers = %+v, want 2 records, 1 stream error rejected", r.Customers)
	}
	checkInvariants(t, r)

	// Without a customer stream, references cannot be checked.
	r, err = Validate(context.Background(), testAsOf, nil, os, nil, nil)
	if err != nil || r.ReferencesChecked {
		t.Errorf("no customers: err %v, ReferencesChecked %v; want nil, false", err, r.ReferencesChecked)
	}
}

func TestValidateTrackedIDs(t *testing.T) {
	orders := []Order{
		{ID: "O1", CustomerID: "A", Time: testDay(2026, 1, 1), Currency: "USD"},
		{ID: "O2", CustomerID: "A", Time: testDay(2026, 1, 1), Currency: "USD"},
		{ID: "O2", CustomerID: "A", Time: testDay(2026, 1, 1), Currency: "USD"},
	}
	r, _ := Validate(context.Background(), testAsOf, nil, crmkit.Stream(orders), nil, &ValidateOptions{MaxTrackedIDs: 1})
	if r.Orders.IDsChecked != 1 || r.Problems != 0 {
		t.Errorf("MaxTrackedIDs=1: checked %d problems %d, want 1 and 0 (the duplicate lies past the bound)", r.Orders.IDsChecked, r.Problems)
	}
	r, _ = Validate(context.Background(), testAsOf, nil, crmkit.Stream(orders), nil, nil)
	if r.Orders.IDsChecked != 3 || r.Problems != 1 {
		t.Errorf("default: checked %d problems %d, want 3 and 1", r.Orders.IDsChecked, r.Problems)
	}
}

func TestValidateOptionsErrors(t *testing.T) {
	for _, opts := range []*ValidateOptions{
		{Required: map[string][]string{KindOrder: {"colour"}}},
		{Required: map[string][]string{"deal": {"id"}}},
	} {
		if _, err := Validate(context.Background(), testAsOf, nil, nil, nil, opts); err == nil {
			t.Errorf("Validate(%+v) = nil error, want an error", opts)
		}
	}
}

func TestValidateLunarHook(t *testing.T) {
	hook := func(year, month, day int, leap bool) error {
		if leap {
			return errors.New("no leap month that year")
		}
		return nil
	}
	cs := []Customer{{ID: "A", Name: "a", Birthday: Birthday{Calendar: Lunar, Year: 1990, Month: 5, Day: 1, LeapMonth: true}}}
	_, err := Validate(context.Background(), testAsOf, crmkit.Stream(cs), nil, nil, &ValidateOptions{LunarBirthday: hook})
	if !errors.Is(err, crmkit.ErrInvalid) {
		t.Errorf("err = %v, want ErrInvalid from the hook", err)
	}
}

func TestValidateCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := Validate(ctx, testAsOf, crmkit.Stream([]Customer{{ID: "A"}}), nil, nil, nil)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
}
