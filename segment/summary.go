package segment

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"iter"
	"math"
	"slices"
	"sort"
	"time"

	"github.com/crmkit/crmkit"
	"github.com/crmkit/crmkit/customer"
	"github.com/shopspring/decimal"
)

// Package sentinels. Errors about one record are [crmkit.RecordError]s that
// wrap a crmkit sentinel; these cover whole-input problems.
var (
	// ErrNoData: the input holds no usable record (empty stream, no
	// customer in the calibration cohort, no repeat buyer).
	ErrNoData = errors.New("segment: no data")
	// ErrDegenerate: the input is valid but cannot support the analysis
	// (all values zero, fewer distinct points than clusters).
	ErrDegenerate = errors.New("segment: degenerate input")
	// ErrNotConverged: a maximum-likelihood fit did not converge.
	ErrNotConverged = errors.New("segment: fit did not converge")
	// ErrOptions: an option is out of its domain.
	ErrOptions = errors.New("segment: invalid option")
)

// SummaryOptions say how order streams become purchase summaries. The zero
// value is not usable: CalibrationEnd is required.
//
// Time is measured in Unit (zero means 7×24h, weeks, as in the CDNOW
// literature). Orders within the same Grain bucket (zero means 24h: the same
// UTC calendar day) count as one purchase whose amount is their sum; a
// bucket's time is its start, so with the defaults a purchase on day d of a
// customer first seen on day 0 lies at d/7 weeks — the BTYD convention.
//
// The calibration period runs from each customer's first purchase to
// CalibrationEnd inclusive (a bucket belongs to it when the bucket starts at
// or before CalibrationEnd); the hold-out period runs from there to
// ObservationEnd inclusive. ObservationEnd zero means CalibrationEnd (no
// hold-out). Orders after ObservationEnd are errors ([crmkit.ErrFuture]):
// ObservationEnd is the analysis' as-of time.
type SummaryOptions struct {
	Unit           time.Duration `json:"unit,omitempty"`
	Grain          time.Duration `json:"grain,omitempty"`
	CalibrationEnd time.Time     `json:"calibration_end"`
	ObservationEnd time.Time     `json:"observation_end,omitzero"`
	// Location is where a Grain bucket (a day) begins: buckets are counted
	// in the location's wall-clock time, so with a UTC+8 location a day
	// runs from local midnight to local midnight. nil means UTC. Purchase
	// times (Recency, T) are then wall-clock differences too, so a day of
	// a daylight-saving change still counts as one day.
	Location *time.Location `json:"-"`
	// Skipped, when non-nil, makes bad orders skipped instead of stopping
	// the analysis; it is reset and then receives how many were skipped
	// and why (see [Skipped]).
	Skipped *Skipped `json:"-"`
}

func (o SummaryOptions) withDefaults() (SummaryOptions, error) {
	if o.Unit == 0 {
		o.Unit = 7 * 24 * time.Hour
	}
	if o.Grain == 0 {
		o.Grain = 24 * time.Hour
	}
	if o.Unit < 0 || o.Grain < 0 || o.Grain%time.Second != 0 {
		return o, fmt.Errorf("%w: Unit and Grain must be positive, Grain whole seconds", ErrOptions)
	}
	if o.CalibrationEnd.IsZero() {
		return o, fmt.Errorf("%w: CalibrationEnd is required", ErrOptions)
	}
	if o.ObservationEnd.IsZero() {
		o.ObservationEnd = o.CalibrationEnd
	}
	if o.ObservationEnd.Before(o.CalibrationEnd) {
		return o, fmt.Errorf("%w: ObservationEnd %v before CalibrationEnd %v", ErrOptions, o.ObservationEnd, o.CalibrationEnd)
	}
	return o, nil
}

// Summary is one customer's purchase history in the form the "buy till you
// die" literature uses (Fader, Hardie and Lee 2005). Times are in
// [SummaryOptions.Unit] and measured from the customer's first purchase:
//
//   - Frequency (x): repeat purchases in the calibration period, that is
//     purchase buckets after the first one;
//   - Recency (t_x): time of the last calibration purchase (0 when x = 0);
//   - T: time from the first purchase to the end of calibration;
//   - Monetary (m_x): mean amount of the repeat purchases (the first purchase
//     is excluded, as in the Gamma-Gamma model); 0 when x = 0;
//   - HoldoutFrequency (x*): purchases in the hold-out period.
//
// The zero value is a customer seen once at the very end of calibration.
type Summary struct {
	CustomerID       string          `json:"customer_id"`
	First            time.Time       `json:"first"`
	Frequency        int             `json:"frequency"`
	Recency          float64         `json:"recency"`
	T                float64         `json:"t"`
	Monetary         decimal.Decimal `json:"monetary"`
	HoldoutFrequency int             `json:"holdout_frequency"`
}

// Bucket is one purchase bucket of an [Accumulator]: the Grain bucket's
// index counted from the Unix epoch (on the wall clock of the
// accumulator's Location) and the sum of its orders' amounts. The
// zero value is the bucket starting at the epoch with amount 0.
type Bucket struct {
	Index  int64           `json:"index"`
	Amount decimal.Decimal `json:"amount"`
}

// Accumulator gathers one customer's orders into purchase buckets, in any
// order, so that a distributed engine can build a [Summary] from partial
// results: Add orders on each worker, Merge the partial accumulators, then
// call Summary. Merging is associative and commutative, and the result equals
// what [Summarize] computes from the same orders.
//
// The zero value is an empty accumulator with Grain 24h that takes the
// customer ID and currency of its first order. Its exported fields exist so
// that it serialises (JSON or an engine's coder); Buckets stays sorted by
// Index with one entry per index. An Accumulator is not safe for concurrent
// mutation.
type Accumulator struct {
	CustomerID string        `json:"customer_id"`
	Currency   string        `json:"currency,omitempty"`
	Grain      time.Duration `json:"grain,omitempty"`
	Orders     int           `json:"orders"`
	Buckets    []Bucket      `json:"buckets"`
	// Location is where buckets begin (nil: UTC; see [SummaryOptions]). It
	// is not serialised: a distributed engine sets it on every worker, and
	// Merge refuses accumulators of different locations.
	Location *time.Location `json:"-"`
}

func (a *Accumulator) grain() time.Duration {
	if a.Grain < time.Second {
		return 24 * time.Hour
	}
	return a.Grain
}

// bucketIndex is floor((wall clock of t in loc − Unix epoch) / grain) for a
// whole-second grain, safe for any time in years 1..9999.
func bucketIndex(t time.Time, grain time.Duration, loc *time.Location) int64 {
	return floorDiv(wallUnix(t, loc), int64(grain/time.Second))
}

// wallUnix is t's wall clock in loc counted in seconds as if it were UTC;
// loc nil means UTC.
func wallUnix(t time.Time, loc *time.Location) int64 {
	if loc == nil {
		return t.Unix()
	}
	_, off := t.In(loc).Zone()
	return t.Unix() + int64(off)
}

// toWall is t's wall clock in loc read as a UTC time (t itself for UTC), the
// time scale buckets are counted on.
func toWall(t time.Time, loc *time.Location) time.Time {
	return time.Unix(wallUnix(t, loc), int64(t.Nanosecond())).UTC()
}

// fromWall turns a wall-clock time read as UTC back into the instant in
// loc.
func fromWall(w time.Time, loc *time.Location) time.Time {
	if loc == nil {
		return w
	}
	return time.Date(w.Year(), w.Month(), w.Day(), w.Hour(), w.Minute(), w.Second(), w.Nanosecond(), loc)
}

func locName(loc *time.Location) string {
	if loc == nil {
		return "UTC"
	}
	return loc.String()
}

func floorDiv(n, d int64) int64 {
	q := n / d
	if n%d != 0 && (n < 0) != (d < 0) {
		q--
	}
	return q
}

func bucketStart(idx int64, grain time.Duration) time.Time {
	return time.Unix(idx*int64(grain/time.Second), 0).UTC()
}

// validTime bounds order times to years 1..9999 so bucket arithmetic cannot
// overflow.
var (
	minOrderTime = time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC)
	maxOrderTime = time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC)
)

// checkOrder validates the fields every segment analysis needs.
func checkOrder(o customer.Order, idx int) error {
	if o.CustomerID == "" {
		return crmkit.Errorf("order", idx, o.ID, "customer_id", crmkit.ErrMissing, "")
	}
	if o.Time.IsZero() {
		return crmkit.Errorf("order", idx, o.ID, "time", crmkit.ErrMissing, "")
	}
	if o.Time.Before(minOrderTime) || o.Time.After(maxOrderTime) {
		return crmkit.Errorf("order", idx, o.ID, "time", crmkit.ErrInvalid, "%v outside years 1..9999", o.Time)
	}
	if o.Amount.IsNegative() {
		return crmkit.Errorf("order", idx, o.ID, "amount", crmkit.ErrInvalid, "negative amount %s", o.Amount)
	}
	return nil
}

// Add adds one order. It rejects orders with a missing customer or time, a
// negative amount, another customer's ID or another currency; the error is a
// [*crmkit.RecordError] with index -1.
func (a *Accumulator) Add(o customer.Order) error {
	return a.add(o, -1)
}

func (a *Accumulator) add(o customer.Order, idx int) error {
	if err := checkOrder(o, idx); err != nil {
		return err
	}
	if a.Orders == 0 && len(a.Buckets) == 0 && a.CustomerID == "" {
		a.CustomerID = o.CustomerID
		a.Currency = o.Currency
	}
	if o.CustomerID != a.CustomerID {
		return crmkit.Errorf("order", idx, o.ID, "customer_id", crmkit.ErrInvalid, "order of %q added to accumulator of %q", o.CustomerID, a.CustomerID)
	}
	if o.Currency != a.Currency {
		if a.Orders == 0 && len(a.Buckets) == 0 {
			a.Currency = o.Currency
		} else {
			return crmkit.Errorf("order", idx, o.ID, "currency", crmkit.ErrCurrency, "%q after %q", o.Currency, a.Currency)
		}
	}
	if a.Grain%time.Second != 0 {
		return crmkit.Errorf("order", idx, o.ID, "", ErrOptions, "accumulator grain %v is not whole seconds", a.Grain)
	}
	b := bucketIndex(o.Time, a.grain(), a.Location)
	a.Orders++
	n := len(a.Buckets)
	if n == 0 || a.Buckets[n-1].Index < b {
		a.Buckets = append(a.Buckets, Bucket{Index: b, Amount: o.Amount})
		return nil
	}
	i := sort.Search(n, func(i int) bool { return a.Buckets[i].Index >= b })
	if a.Buckets[i].Index == b {
		a.Buckets[i].Amount = a.Buckets[i].Amount.Add(o.Amount)
		return nil
	}
	a.Buckets = slices.Insert(a.Buckets, i, Bucket{Index: b, Amount: o.Amount})
	return nil
}

// Merge adds b's orders into a. Both must hold the same customer, grain and
// currency (an empty accumulator matches any); b is not modified.
func (a *Accumulator) Merge(b *Accumulator) error {
	if b == nil || (b.Orders == 0 && len(b.Buckets) == 0) {
		return nil
	}
	if a.Orders == 0 && len(a.Buckets) == 0 {
		a.CustomerID, a.Currency, a.Grain, a.Location = b.CustomerID, b.Currency, b.Grain, b.Location
		a.Orders = b.Orders
		a.Buckets = slices.Clone(b.Buckets)
		return nil
	}
	if a.CustomerID != b.CustomerID {
		return crmkit.Errorf("accumulator", -1, b.CustomerID, "customer_id", crmkit.ErrInvalid, "cannot merge into %q", a.CustomerID)
	}
	if a.grain() != b.grain() {
		return crmkit.Errorf("accumulator", -1, b.CustomerID, "grain", crmkit.ErrInvalid, "grain %v vs %v", b.grain(), a.grain())
	}
	if locName(a.Location) != locName(b.Location) {
		return crmkit.Errorf("accumulator", -1, b.CustomerID, "location", crmkit.ErrInvalid, "location %s vs %s", locName(b.Location), locName(a.Location))
	}
	if a.Currency != b.Currency {
		return crmkit.Errorf("accumulator", -1, b.CustomerID, "currency", crmkit.ErrCurrency, "%q vs %q", b.Currency, a.Currency)
	}
	out := make([]Bucket, 0, len(a.Buckets)+len(b.Buckets))
	i, j := 0, 0
	for i < len(a.Buckets) || j < len(b.Buckets) {
		switch {
		case j == len(b.Buckets) || (i < len(a.Buckets) && a.Buckets[i].Index < b.Buckets[j].Index):
			out = append(out, a.Buckets[i])
			i++
		case i == len(a.Buckets) || b.Buckets[j].Index < a.Buckets[i].Index:
			out = append(out, b.Buckets[j])
			j++
		default:
			out = append(out, Bucket{Index: a.Buckets[i].Index, Amount: a.Buckets[i].Amount.Add(b.Buckets[j].Amount)})
			i++
			j++
		}
	}
	a.Buckets = out
	a.Orders += b.Orders
	return nil
}

// Summary computes the customer's [Summary]. ok is false (and the error nil)
// when the customer's first purchase lies after opts.CalibrationEnd: such a
// customer is not in the calibration cohort. A bucket after
// opts.ObservationEnd is an error wrapping [crmkit.ErrFuture]. The
// accumulator's Grain and Location are used; opts.Grain and opts.Location
// are ignored.
func (a *Accumulator) Summary(opts SummaryOptions) (s Summary, ok bool, err error) {
	o, err := opts.withDefaults()
	if err != nil {
		return Summary{}, false, err
	}
	if len(a.Buckets) == 0 {
		return Summary{}, false, crmkit.Errorf("accumulator", -1, a.CustomerID, "", ErrNoData, "no orders")
	}
	g, loc := a.grain(), a.Location
	calEnd, obsEnd := toWall(o.CalibrationEnd, loc), toWall(o.ObservationEnd, loc)
	first := bucketStart(a.Buckets[0].Index, g)
	if first.After(calEnd) {
		return Summary{}, false, nil
	}
	last := bucketStart(a.Buckets[len(a.Buckets)-1].Index, g)
	if last.After(obsEnd) {
		return Summary{}, false, crmkit.Errorf("accumulator", -1, a.CustomerID, "time", crmkit.ErrFuture, "purchase on %v after ObservationEnd %v", fromWall(last, loc), o.ObservationEnd)
	}
	unit := float64(o.Unit)
	s = Summary{CustomerID: a.CustomerID, First: fromWall(first, loc), T: float64(calEnd.Sub(first)) / unit}
	sum := decimal.Zero
	for _, b := range a.Buckets[1:] {
		t := bucketStart(b.Index, g)
		if t.After(calEnd) {
			s.HoldoutFrequency++
			continue
		}
		s.Frequency++
		s.Recency = float64(t.Sub(first)) / unit
		sum = sum.Add(b.Amount)
	}
	if s.Frequency > 0 {
		// 16 significant places after the point keeps a cent-exact mean
		// of any realistic sum; the rounding is banker's as in FromFloat.
		s.Monetary = sum.DivRound(decimal.NewFromInt(int64(s.Frequency)), 16).RoundBank(crmkit.MoneyPlaces)
	}
	return s, true, nil
}

// Summarize reads an order stream and returns one [Summary] per customer in
// the calibration cohort (first purchase on or before opts.CalibrationEnd),
// sorted by CustomerID. Orders may come in any order. It stops at the first
// bad order with a [*crmkit.RecordError] naming the order's stream index:
// missing customer or time, negative amount, a currency different from the
// first good order's ([crmkit.ErrCurrency]) or a time after ObservationEnd
// ([crmkit.ErrFuture]); with opts.Skipped set it skips such orders and
// reports them there. Memory grows with the number of distinct customer
// purchase buckets, not with the number of orders.
func Summarize(ctx context.Context, orders iter.Seq2[customer.Order, error], opts SummaryOptions) ([]Summary, error) {
	o, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	accs, err := gather(ctx, orders, o.Grain, o.Location, o.ObservationEnd, "ObservationEnd", newSkipper(opts.Skipped))
	if err != nil {
		return nil, err
	}
	out := make([]Summary, 0, len(accs))
	for _, a := range accs {
		s, ok, err := a.Summary(o)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, s)
		}
	}
	slices.SortFunc(out, func(a, b Summary) int { return cmp.Compare(a.CustomerID, b.CustomerID) })
	return out, nil
}

// checkSummary validates one summary for the purchase models.
func checkSummary(s Summary, i int) error {
	switch {
	case s.Frequency < 0:
		return crmkit.Errorf("summary", i, s.CustomerID, "frequency", crmkit.ErrInvalid, "negative: %d", s.Frequency)
	case math.IsNaN(s.T) || math.IsInf(s.T, 0) || s.T < 0:
		return crmkit.Errorf("summary", i, s.CustomerID, "t", crmkit.ErrInvalid, "%v", s.T)
	case math.IsNaN(s.Recency) || math.IsInf(s.Recency, 0) || s.Recency < 0:
		return crmkit.Errorf("summary", i, s.CustomerID, "recency", crmkit.ErrInvalid, "%v", s.Recency)
	case s.Recency > s.T:
		return crmkit.Errorf("summary", i, s.CustomerID, "recency", crmkit.ErrInvalid, "recency %v after T %v", s.Recency, s.T)
	case s.Frequency == 0 && s.Recency != 0:
		return crmkit.Errorf("summary", i, s.CustomerID, "recency", crmkit.ErrInvalid, "recency %v without repeat purchases", s.Recency)
	case s.Monetary.IsNegative():
		return crmkit.Errorf("summary", i, s.CustomerID, "monetary", crmkit.ErrInvalid, "negative: %s", s.Monetary)
	case s.HoldoutFrequency < 0:
		return crmkit.Errorf("summary", i, s.CustomerID, "holdout_frequency", crmkit.ErrInvalid, "negative: %d", s.HoldoutFrequency)
	}
	return nil
}

// ValidateSummaries reports every invalid summary at once (errors.Join of
// [*crmkit.RecordError]s): negative or non-finite values, Recency after T,
// a Recency without repeat purchases.
func ValidateSummaries(s []Summary) error {
	var errs []error
	for i := range s {
		if err := checkSummary(s[i], i); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// gather reads an order stream into per-customer accumulators, enforcing
// one currency and no order after asOf. With skip non-nil a bad order is
// passed over and recorded instead.
func gather(ctx context.Context, orders iter.Seq2[customer.Order, error], grain time.Duration, loc *time.Location, asOf time.Time, asOfName string, skip *skipper) (map[string]*Accumulator, error) {
	accs := make(map[string]*Accumulator)
	currency, haveCurrency, idx := "", false, -1
	for ord, err := range orders {
		idx++
		if err == nil && idx&1023 == 0 {
			err = ctx.Err()
		}
		if err == nil {
			err = checkOrder(ord, idx)
		}
		if err == nil && haveCurrency && ord.Currency != currency {
			err = crmkit.Errorf("order", idx, ord.ID, "currency", crmkit.ErrCurrency, "%q after %q", ord.Currency, currency)
		}
		if err == nil && ord.Time.After(asOf) {
			err = crmkit.Errorf("order", idx, ord.ID, "time", crmkit.ErrFuture, "%v after %s %v", ord.Time, asOfName, asOf)
		}
		if err == nil {
			a := accs[ord.CustomerID]
			if a == nil {
				a = &Accumulator{Grain: grain, Location: loc}
			}
			if err = a.add(ord, idx); err == nil {
				accs[ord.CustomerID] = a
			}
		}
		if err != nil {
			if skip.take(err) {
				continue
			}
			return nil, err
		}
		if !haveCurrency {
			currency, haveCurrency = ord.Currency, true
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return accs, nil
}
