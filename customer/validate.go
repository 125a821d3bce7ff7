package customer

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/crmkit/crmkit"
)

// Record kinds used in [crmkit.RecordError.Kind] and [Offender.Kind].
const (
	KindCustomer    = "customer"
	KindOrder       = "order"
	KindInteraction = "interaction"
)

// Problem names used as keys of [FieldQuality.Problems] and in [Offender.Problem],
// one per sentinel of the root package.
const (
	ProblemMissing    = "missing"     // crmkit.ErrMissing
	ProblemInvalid    = "invalid"     // crmkit.ErrInvalid
	ProblemDuplicate  = "duplicate"   // crmkit.ErrDuplicate
	ProblemUnknownRef = "unknown_ref" // crmkit.ErrUnknownRef
	ProblemFuture     = "future"      // crmkit.ErrFuture
	ProblemCurrency   = "currency"    // crmkit.ErrCurrency
	ProblemStream     = "stream"      // an error the stream itself yielded
)

// ValidateOptions tunes [Validate]. A nil pointer or the zero value means the
// defaults documented on each field. Safe for concurrent use once built (it is
// only read).
type ValidateOptions struct {
	// Required lists, per record kind ("customer", "order", "interaction"),
	// the fields (by JSON name) that must be non-empty. A kind absent from the
	// map uses its default: customer: id, name; order: id, customer_id, time,
	// currency; interaction: id, customer_id, time. The ID of a customer is
	// always required, whatever the map says, because every other check keys
	// on it. Unknown field names make Validate return an error before reading.
	Required map[string][]string

	// Currency is the one currency orders must be in. "" (default) means the
	// currency of the first order that names one; orders in any other
	// currency are reported with [crmkit.ErrCurrency].
	Currency string

	// AllowNegativeAmounts accepts orders with negative amounts (refunds).
	// By default a negative amount is reported with [crmkit.ErrInvalid].
	AllowNegativeAmounts bool

	// MaxOffenders bounds [Report.Offenders] and the number of record errors
	// joined into Validate's error. 0 means 100; a negative value keeps none.
	MaxOffenders int

	// MaxTrackedIDs bounds how many order IDs and how many interaction IDs
	// are remembered to find duplicates, so that memory stays bounded by the
	// number of customers, not by the length of the order stream. Each ID
	// costs one 64-bit hash (about 16 bytes in the set). 0 means 1<<20
	// (1,048,576 per kind); a negative value turns the check off for orders
	// and interactions. IDs past the bound are not checked, and
	// [KindReport.IDsChecked] says how many were. Customer IDs are always
	// all checked, exactly.
	MaxTrackedIDs int

	// LunarBirthday, when set, checks a lunar birthday beyond the ranges
	// Validate knows (month 1..12, day 1..30): for example that the month has
	// 30 days, or that a leap month existed in the given year. year is 0 when
	// unknown. A non-nil error reports the birthday as invalid with that
	// reason. It is called from Validate's goroutine only.
	LunarBirthday func(year, month, day int, leapMonth bool) error
}

// Report is the data-quality report of [Validate]. It is a plain value that
// marshals to JSON; the zero value is an empty report. Validate does not
// keep it, so the caller may read and change it freely.
//
// Counts add up: for each kind, Records == Accepted + Rejected, and
// Problems == the sum over kinds of every FieldQuality's problems plus
// StreamErrors. A record with several problems is rejected once and counted
// under each of its fields.
type Report struct {
	AsOf         time.Time  `json:"as_of"`
	Currency     string     `json:"currency,omitempty"`
	Customers    KindReport `json:"customers"`
	Orders       KindReport `json:"orders"`
	Interactions KindReport `json:"interactions"`
	// Problems counts every problem found, including those past MaxOffenders.
	Problems int `json:"problems"`
	// ReferencesChecked is false when no customer stream was given, so orders
	// and interactions could not be checked for unknown customers.
	ReferencesChecked bool `json:"references_checked"`
	// Offenders lists the first MaxOffenders problems in stream order
	// (customers, then orders, then interactions; unknown referrers are
	// reported after the customer stream ends). OmittedOffenders counts
	// those left out.
	Offenders        []Offender `json:"offenders,omitempty"`
	OmittedOffenders int        `json:"omitted_offenders,omitempty"`
}

// KindReport is the part of a [Report] about one record kind; the zero
// value describes an empty stream. A plain value, like Report.
type KindReport struct {
	Records  int `json:"records"`
	Accepted int `json:"accepted"`
	Rejected int `json:"rejected"`
	// StreamErrors counts errors the stream yielded in place of a record;
	// each counts as one rejected record.
	StreamErrors int `json:"stream_errors,omitempty"`
	// IDsChecked counts records whose ID took part in the duplicate check
	// (see [ValidateOptions.MaxTrackedIDs]).
	IDsChecked int `json:"ids_checked"`
	// Fields has one entry per field of the record type, in the order the
	// type declares them.
	Fields []FieldQuality `json:"fields"`
}

// FieldQuality is the quality of one field over one stream; the zero value
// is a field never seen. A plain value, like Report.
type FieldQuality struct {
	Field string `json:"field"`
	// Present counts records where the field is non-empty (non-zero time,
	// non-zero amount, non-empty string, slice or map, known birthday).
	Present int `json:"present"`
	// Completeness is Present / Records of the kind, in [0, 1]; 0 when the
	// stream was empty.
	Completeness float64 `json:"completeness"`
	// Problems counts problems by name (ProblemMissing, ProblemInvalid, …).
	Problems map[string]int `json:"problems,omitempty"`
}

// Offender is one problem with one record, as listed in a [Report] or in the
// skipped records of every analysis and plan of this package. Message is the text of the
// [*crmkit.RecordError]; Problem is its name (ProblemMissing, …). A plain
// value; the zero value lists nothing.
type Offender struct {
	Kind    string `json:"kind"`
	Index   int    `json:"index"`
	ID      string `json:"id,omitempty"`
	Field   string `json:"field,omitempty"`
	Problem string `json:"problem"`
	Message string `json:"message"`
}

var fieldNames = map[string][]string{
	KindCustomer:    {"id", "name", "owner", "created", "level", "tags", "source", "referred_by", "birthday", "phone", "email", "attributes"},
	KindOrder:       {"id", "customer_id", "time", "amount", "currency", "quantity", "product"},
	KindInteraction: {"id", "customer_id", "rep", "time", "channel", "note", "next_contact"},
}

var defaultRequired = map[string][]string{
	KindCustomer:    {"id", "name"},
	KindOrder:       {"id", "customer_id", "time", "currency"},
	KindInteraction: {"id", "customer_id", "time"},
}

func customerPresent(c *Customer) []bool {
	return []bool{c.ID != "", c.Name != "", c.Owner != "", !c.Created.IsZero(), c.Level != "",
		len(c.Tags) > 0, c.Source != "", c.ReferredBy != "", !c.Birthday.IsZero(),
		c.Phone != "", c.Email != "", len(c.Attributes) > 0}
}

func orderPresent(o *Order) []bool {
	return []bool{o.ID != "", o.CustomerID != "", !o.Time.IsZero(), !o.Amount.IsZero(),
		o.Currency != "", o.Quantity != 0, o.Product != ""}
}

func interactionPresent(x *Interaction) []bool {
	return []bool{x.ID != "", x.CustomerID != "", x.Rep != "", !x.Time.IsZero(),
		x.Channel != "", x.Note != "", !x.NextContact.IsZero()}
}

// problemName maps a sentinel to its problem name.
func problemName(err error) string {
	switch {
	case errors.Is(err, crmkit.ErrMissing):
		return ProblemMissing
	case errors.Is(err, crmkit.ErrDuplicate):
		return ProblemDuplicate
	case errors.Is(err, crmkit.ErrUnknownRef):
		return ProblemUnknownRef
	case errors.Is(err, crmkit.ErrFuture):
		return ProblemFuture
	case errors.Is(err, crmkit.ErrCurrency):
		return ProblemCurrency
	case errors.Is(err, crmkit.ErrInvalid):
		return ProblemInvalid
	}
	return ProblemStream
}

// validator holds Validate's state. Memory: one entry per customer ID,
// plus at most MaxTrackedIDs hashes per order and interaction stream.
type validator struct {
	asOf     time.Time
	opts     ValidateOptions
	required map[string][]bool // kind → per-field required flag
	max      int
	report   *Report
	errs     []error
	kinds    map[string]*KindReport
	// customer ID → position of the customer; ok to keep, bounded by customers.
	customers map[string]int
	orderIDs  map[uint64]struct{}
	interIDs  map[uint64]struct{}
	currency  string
}

// Validate reads the customer, order and interaction streams, in that order,
// and checks every record against asOf: missing required fields, duplicate
// IDs, orders and interactions for unknown customers, customers referred by
// an unknown customer, by themselves or in a ring, negative amounts, timestamps after
// asOf, mixed currencies, impossible birthdays (a Gregorian date that does
// not exist, Feb 29 included when the year is known and not leap; a lunar
// month outside 1..12 or day outside 1..30; a year before 1800, or a
// birthday after asOf; a calendar other than Gregorian or Lunar) and
// malformed e-mail addresses
// and phone numbers (no "@", no digits), order quantities that are negative
// or not finite, and next-contact times before their interaction. A nil
// stream is skipped; without
// customers, references are not checked.
//
// Every record read is either accepted or reported: the [Report] counts them
// per kind and per field. The returned error is nil when no problem was
// found; otherwise it joins (errors.Join) a [*crmkit.RecordError] for each
// problem listed in Report.Offenders, followed by a summary error when some
// were omitted. An error the stream yields is reported as a rejected record
// and reading continues, so the stream decides whether to go on. When ctx is
// cancelled Validate returns the report so far and ctx's error.
//
// Memory grows with the number of customers, not with the number of orders
// or interactions (see [ValidateOptions.MaxTrackedIDs]).
func Validate(ctx context.Context, asOf time.Time, customers iter.Seq2[Customer, error], orders iter.Seq2[Order, error], interactions iter.Seq2[Interaction, error], opts *ValidateOptions) (*Report, error) {
	v := &validator{asOf: asOf, report: &Report{AsOf: asOf}}
	if opts != nil {
		v.opts = *opts
	}
	v.max = v.opts.MaxOffenders
	if v.max == 0 {
		v.max = 100
	}
	if v.max < 0 {
		v.max = 0
	}
	if err := v.setRequired(); err != nil {
		return nil, err
	}
	v.currency = strings.TrimSpace(v.opts.Currency)
	v.kinds = map[string]*KindReport{KindCustomer: &v.report.Customers, KindOrder: &v.report.Orders, KindInteraction: &v.report.Interactions}
	for k, kr := range v.kinds {
		for _, f := range fieldNames[k] {
			kr.Fields = append(kr.Fields, FieldQuality{Field: f})
		}
	}
	tracked := v.opts.MaxTrackedIDs
	if tracked == 0 {
		tracked = 1 << 20
	}
	if tracked > 0 {
		v.orderIDs = make(map[uint64]struct{})
		v.interIDs = make(map[uint64]struct{})
	}
	v.opts.MaxTrackedIDs = tracked

	if err := v.readCustomers(ctx, customers); err != nil {
		return v.finish(), err
	}
	if err := v.readOrders(ctx, orders); err != nil {
		return v.finish(), err
	}
	if err := v.readInteractions(ctx, interactions); err != nil {
		return v.finish(), err
	}
	r := v.finish()
	if len(v.errs) == 0 {
		return r, nil
	}
	if r.OmittedOffenders > 0 {
		v.errs = append(v.errs, fmt.Errorf("customer: %d more problems not listed (see Report.Problems)", r.OmittedOffenders))
	}
	return r, errors.Join(v.errs...)
}

func (v *validator) setRequired() error {
	v.required = map[string][]bool{}
	for kind, names := range fieldNames {
		req, ok := v.opts.Required[kind]
		if !ok {
			req = defaultRequired[kind]
		}
		flags := make([]bool, len(names))
		for _, r := range req {
			i := slices.Index(names, r)
			if i < 0 {
				return fmt.Errorf("customer: ValidateOptions.Required[%q]: unknown field %q", kind, r)
			}
			flags[i] = true
		}
		v.required[kind] = flags
	}
	for kind := range v.opts.Required {
		if _, ok := fieldNames[kind]; !ok {
			return fmt.Errorf("customer: ValidateOptions.Required: unknown record kind %q", kind)
		}
	}
	v.required[KindCustomer][0] = true
	return nil
}

// problem counts one problem and lists it while the bound allows.
func (v *validator) problem(e *crmkit.RecordError) {
	v.report.Problems++
	name := ProblemStream
	if e.Field != "" {
		name = problemName(e.Err)
		kr := v.kinds[e.Kind]
		for i := range kr.Fields {
			if kr.Fields[i].Field == e.Field {
				if kr.Fields[i].Problems == nil {
					kr.Fields[i].Problems = map[string]int{}
				}
				kr.Fields[i].Problems[name]++
				break
			}
		}
	}
	if len(v.report.Offenders) < v.max {
		v.report.Offenders = append(v.report.Offenders, Offender{Kind: e.Kind, Index: e.Index, ID: e.ID, Field: e.Field, Problem: name, Message: e.Error()})
		v.errs = append(v.errs, e)
	} else {
		v.report.OmittedOffenders++
	}
}

func (v *validator) present(kind string, flags []bool, index int, id string) bool {
	kr := v.kinds[kind]
	ok := true
	req := v.required[kind]
	for i, p := range flags {
		if p {
			kr.Fields[i].Present++
		} else if req[i] {
			v.problem(crmkit.Errorf(kind, index, id, kr.Fields[i].Field, crmkit.ErrMissing, ""))
			ok = false
		}
	}
	return ok
}

// streamError reports an error the stream yielded instead of a record. It
// counts under StreamErrors, not under a field, even when the host's error
// names one, so that Problems == Σ field problems + StreamErrors holds.
func (v *validator) streamError(kind string, index int, err error) {
	v.kinds[kind].StreamErrors++
	v.problem(&crmkit.RecordError{Kind: kind, Index: index, Err: err})
}

type pendingRef struct {
	index    int
	id, ref  string
	rejected bool
}

func (v *validator) readCustomers(ctx context.Context, customers iter.Seq2[Customer, error]) error {
	if customers == nil {
		return nil
	}
	v.report.ReferencesChecked = true
	v.customers = make(map[string]int)
	kr := &v.report.Customers
	var pending []pendingRef
	i := -1
	for c, err := range customers {
		i++
		if i&1023 == 0 {
			if cerr := ctx.Err(); cerr != nil {
				return cerr
			}
		}
		kr.Records++
		if err != nil {
			v.streamError(KindCustomer, i, err)
			kr.Rejected++
			continue
		}
		ok := v.present(KindCustomer, customerPresent(&c), i, c.ID)
		if c.ID != "" {
			kr.IDsChecked++
			if first, dup := v.customers[c.ID]; dup {
				v.problem(crmkit.Errorf(KindCustomer, i, c.ID, "id", crmkit.ErrDuplicate, "first seen at #%d", first))
				ok = false
			} else {
				v.customers[c.ID] = i
			}
		}
		if !c.Created.IsZero() && c.Created.After(v.asOf) {
			v.problem(crmkit.Errorf(KindCustomer, i, c.ID, "created", crmkit.ErrFuture, "%s after %s", c.Created.Format(time.RFC3339), v.asOf.Format(time.RFC3339)))
			ok = false
		}
		if !c.Birthday.IsZero() {
			if berr := validateBirthday(c.Birthday, v.asOf, v.opts.LunarBirthday); berr != nil {
				v.problem(&crmkit.RecordError{Kind: KindCustomer, Index: i, ID: c.ID, Field: "birthday", Err: berr})
				ok = false
			}
		}
		if c.Email != "" && !emailShapeOK(c.Email) {
			v.problem(crmkit.Errorf(KindCustomer, i, c.ID, "email", crmkit.ErrInvalid, "%q is not an e-mail address", c.Email))
			ok = false
		}
		if c.Phone != "" && !strings.ContainsAny(c.Phone, "0123456789") {
			v.problem(crmkit.Errorf(KindCustomer, i, c.ID, "phone", crmkit.ErrInvalid, "%q has no digits", c.Phone))
			ok = false
		}
		if c.ReferredBy != "" {
			if c.ReferredBy == c.ID {
				v.problem(crmkit.Errorf(KindCustomer, i, c.ID, "referred_by", crmkit.ErrInvalid, "customer refers itself"))
				ok = false
			} else {
				pending = append(pending, pendingRef{index: i, id: c.ID, ref: c.ReferredBy, rejected: !ok})
			}
		}
		if ok {
			kr.Accepted++
		} else {
			kr.Rejected++
		}
	}
	// Referrers may come later in the stream, so they are checked at its end.
	reject := func(p *pendingRef) {
		if !p.rejected {
			p.rejected = true
			kr.Accepted--
			kr.Rejected++
		}
	}
	byID := make(map[string]int, len(pending)) // customer ID → its pending entry
	for k := range pending {
		p := &pending[k]
		if _, known := v.customers[p.ref]; !known {
			v.problem(crmkit.Errorf(KindCustomer, p.index, p.id, "referred_by", crmkit.ErrUnknownRef, "referrer %q is not in the customer stream", p.ref))
			reject(p)
			continue
		}
		if _, dup := byID[p.id]; !dup && v.customers[p.id] == p.index {
			byID[p.id] = k
		}
	}
	// Rings of referrals (A brought by B, B by A): each member is reported.
	state := make([]int, len(pending)) // 0 new, walk+1 on the walk, -1 settled
	for start := range pending {
		if state[start] != 0 {
			continue
		}
		walk := start + 1
		k, ok := start, true
		for ok && state[k] == 0 {
			state[k] = walk
			k, ok = byID[pending[k].ref]
		}
		if ok && state[k] == walk {
			ring := []int{k}
			for u := byID[pending[k].ref]; u != k; u = byID[pending[u].ref] {
				ring = append(ring, u)
			}
			var ids []string
			for _, u := range ring {
				ids = append(ids, strconv.Quote(pending[u].id))
			}
			for _, u := range ring {
				p := &pending[u]
				v.problem(crmkit.Errorf(KindCustomer, p.index, p.id, "referred_by", crmkit.ErrInvalid, "referral cycle %s", strings.Join(ids, " ← ")))
				reject(p)
			}
		}
		for k, ok := start, true; ok && state[k] == walk; k, ok = byID[pending[k].ref] {
			state[k] = -1
		}
	}
	return nil
}

func (v *validator) checkRef(kind string, i int, id, cust string) bool {
	if cust == "" || v.customers == nil {
		return true
	}
	if _, ok := v.customers[cust]; !ok {
		v.problem(crmkit.Errorf(kind, i, id, "customer_id", crmkit.ErrUnknownRef, "customer %q is not in the customer stream", cust))
		return false
	}
	return true
}

func (v *validator) checkID(kind string, i int, id string, set map[uint64]struct{}) bool {
	if id == "" || set == nil || len(set) >= v.opts.MaxTrackedIDs {
		return true
	}
	v.kinds[kind].IDsChecked++
	k := hash64(id)
	if _, dup := set[k]; dup {
		v.problem(crmkit.Errorf(kind, i, id, "id", crmkit.ErrDuplicate, ""))
		return false
	}
	set[k] = struct{}{}
	return true
}

func (v *validator) future(kind string, i int, id, field string, t time.Time) bool {
	if t.After(v.asOf) {
		v.problem(crmkit.Errorf(kind, i, id, field, crmkit.ErrFuture, "%s after %s", t.Format(time.RFC3339), v.asOf.Format(time.RFC3339)))
		return false
	}
	return true
}

// readStream runs check on every record of one stream and counts it in kr
// as accepted or rejected; a stream error rejects the record. check reports
// each problem itself and says whether the record is sound.
func readStream[T any](ctx context.Context, v *validator, records iter.Seq2[T, error], kind string, kr *KindReport, check func(i int, r *T) bool) error {
	if records == nil {
		return nil
	}
	i := -1
	for r, err := range records {
		i++
		if i&1023 == 0 {
			if cerr := ctx.Err(); cerr != nil {
				return cerr
			}
		}
		kr.Records++
		if err != nil {
			v.streamError(kind, i, err)
			kr.Rejected++
			continue
		}
		if check(i, &r) {
			kr.Accepted++
		} else {
			kr.Rejected++
		}
	}
	return nil
}

func (v *validator) readOrders(ctx context.Context, orders iter.Seq2[Order, error]) error {
	return readStream(ctx, v, orders, KindOrder, &v.report.Orders, func(i int, o *Order) bool {
		ok := v.present(KindOrder, orderPresent(o), i, o.ID)
		ok = v.checkID(KindOrder, i, o.ID, v.orderIDs) && ok
		ok = v.checkRef(KindOrder, i, o.ID, o.CustomerID) && ok
		ok = v.future(KindOrder, i, o.ID, "time", o.Time) && ok
		if o.Amount.Sign() < 0 && !v.opts.AllowNegativeAmounts {
			v.problem(crmkit.Errorf(KindOrder, i, o.ID, "amount", crmkit.ErrInvalid, "negative amount %s", o.Amount))
			ok = false
		}
		if math.IsNaN(o.Quantity) || math.IsInf(o.Quantity, 0) || o.Quantity < 0 {
			v.problem(crmkit.Errorf(KindOrder, i, o.ID, "quantity", crmkit.ErrInvalid, "quantity %v", o.Quantity))
			ok = false
		}
		if cur := strings.TrimSpace(o.Currency); cur != "" {
			if v.currency == "" {
				v.currency = cur
			} else if !strings.EqualFold(cur, v.currency) {
				v.problem(crmkit.Errorf(KindOrder, i, o.ID, "currency", crmkit.ErrCurrency, "%s, book is in %s", cur, v.currency))
				ok = false
			}
		}
		return ok
	})
}

func (v *validator) readInteractions(ctx context.Context, interactions iter.Seq2[Interaction, error]) error {
	return readStream(ctx, v, interactions, KindInteraction, &v.report.Interactions, func(i int, x *Interaction) bool {
		ok := v.present(KindInteraction, interactionPresent(x), i, x.ID)
		ok = v.checkID(KindInteraction, i, x.ID, v.interIDs) && ok
		ok = v.checkRef(KindInteraction, i, x.ID, x.CustomerID) && ok
		ok = v.future(KindInteraction, i, x.ID, "time", x.Time) && ok
		if !x.NextContact.IsZero() && !x.Time.IsZero() && x.NextContact.Before(x.Time) {
			v.problem(crmkit.Errorf(KindInteraction, i, x.ID, "next_contact", crmkit.ErrInvalid, "next contact %s before the interaction", x.NextContact.Format(time.RFC3339)))
			ok = false
		}
		return ok
	})
}

func (v *validator) finish() *Report {
	r := v.report
	r.Currency = v.currency
	for _, kr := range []*KindReport{&r.Customers, &r.Orders, &r.Interactions} {
		for i := range kr.Fields {
			if kr.Records > 0 {
				kr.Fields[i].Completeness = float64(kr.Fields[i].Present) / float64(kr.Records)
			}
		}
	}
	return r
}

// validateBirthday reports why b cannot be a birthday, wrapping
// crmkit.ErrInvalid or crmkit.ErrFuture; nil when it can.
func validateBirthday(b Birthday, asOf time.Time, lunar func(int, int, int, bool) error) error {
	if b.Year < 0 || (b.Year > 0 && b.Year < 1800) {
		return fmt.Errorf("%w: year %d", crmkit.ErrInvalid, b.Year)
	}
	switch b.Calendar {
	case Gregorian:
		if b.LeapMonth {
			return fmt.Errorf("%w: a Gregorian date has no leap month", crmkit.ErrInvalid)
		}
		if b.Month < 1 || b.Month > 12 {
			return fmt.Errorf("%w: month %d", crmkit.ErrInvalid, b.Month)
		}
		year := b.Year
		if year == 0 {
			year = 2000 // a leap year: Feb 29 is possible when the year is unknown
		}
		if b.Day < 1 || b.Day > monthDays(year, b.Month) {
			if b.Year == 0 {
				return fmt.Errorf("%w: %02d-%02d does not exist", crmkit.ErrInvalid, b.Month, b.Day)
			}
			return fmt.Errorf("%w: %04d-%02d-%02d does not exist", crmkit.ErrInvalid, b.Year, b.Month, b.Day)
		}
		if b.Year > 0 && !asOf.IsZero() {
			d := time.Date(b.Year, time.Month(b.Month), b.Day, 0, 0, 0, 0, asOf.Location())
			if d.After(asOf) {
				return fmt.Errorf("%w: born %s", crmkit.ErrFuture, d.Format(time.DateOnly))
			}
		}
	case Lunar:
		if b.Month < 1 || b.Month > 12 {
			return fmt.Errorf("%w: lunar month %d", crmkit.ErrInvalid, b.Month)
		}
		if b.Day < 1 || b.Day > 30 {
			return fmt.Errorf("%w: lunar day %d", crmkit.ErrInvalid, b.Day)
		}
		if b.Year > 0 && !asOf.IsZero() && b.Year > asOf.Year() {
			return fmt.Errorf("%w: lunar year %d", crmkit.ErrFuture, b.Year)
		}
		if lunar != nil {
			if err := lunar(b.Year, b.Month, b.Day, b.LeapMonth); err != nil {
				return fmt.Errorf("%w: %w", crmkit.ErrInvalid, err)
			}
		}
	case "":
		return fmt.Errorf("%w: month/day given without a calendar", crmkit.ErrInvalid)
	default:
		return fmt.Errorf("%w: unknown calendar %q", crmkit.ErrInvalid, b.Calendar)
	}
	return nil
}

func monthDays(year, month int) int {
	switch month {
	case 4, 6, 9, 11:
		return 30
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	}
	return 31
}

// emailShapeOK accepts what NormalizeEmail accepts: surrounding white
// space is trimmed, inner white space is not allowed.
func emailShapeOK(s string) bool {
	s = strings.TrimSpace(s)
	at := strings.LastIndexByte(s, '@')
	return at > 0 && at < len(s)-1 && !strings.ContainsAny(s, " \t\r\n")
}

// hash64 is FNV-1a over s: deterministic from run to run, unlike
// hash/maphash, so that the same input always gives the same report.
func hash64(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return h
}
