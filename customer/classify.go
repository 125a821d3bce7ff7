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
	"github.com/shopspring/decimal"
)

// Metric names what a [Condition] measures about a customer. The zero value
// "" is not a metric; [ValidateRules] rejects it.
type Metric string

// Metrics a [Condition] can test. Windows count back from the AsOf passed to
// [Classify]: a window of N days holds times t with AsOf-N days < t <= AsOf.
const (
	// MetricSpend is the sum of order amounts in the window (refunds, as
	// negative amounts, included). Value is a decimal amount.
	MetricSpend Metric = "spend"
	// MetricOrders counts orders in the window. Value is an integer.
	MetricOrders Metric = "orders"
	// MetricDaysSincePurchase is the number of whole days from the last order
	// to AsOf. A customer who never bought compares as infinitely long ago:
	// > and >= and != hold, < and <= and == do not.
	MetricDaysSincePurchase Metric = "days_since_purchase"
	// MetricDaysSinceContact is like MetricDaysSincePurchase over
	// interactions.
	MetricDaysSinceContact Metric = "days_since_contact"
	// MetricAgeDays is the number of whole days from Created to AsOf; an
	// unknown Created time compares like a customer who never bought.
	MetricAgeDays Metric = "age_days"
	// MetricReferrals counts customers in the stream whose ReferredBy is this
	// customer, created in the window (all of them when the window is 0;
	// with a window, referred customers without a Created time do not count).
	MetricReferrals Metric = "referrals"
	// MetricSource compares Customer.Source as a string (== or !=).
	MetricSource Metric = "source"
	// MetricLevel compares the customer's current Level as a string.
	MetricLevel Metric = "level"
	// MetricTag tests the customer's current tags: == holds when the customer
	// has the tag Value, != when it has not.
	MetricTag Metric = "tag"
	// MetricAttribute compares Attributes[Key]; a missing attribute is "".
	// == and != compare strings; <, <=, >, >= compare numbers and do not hold
	// unless both sides parse as numbers.
	MetricAttribute Metric = "attribute"
)

// Op is a comparison operator: "<", "<=", "==", "!=", ">=" or ">". The zero
// value "" is not an operator; [ValidateRules] rejects it.
type Op string

// Condition is one test on a customer, declared as data so that hosts can
// keep rules in configuration (it marshals to and from JSON). The zero value
// is invalid; [ValidateRules] says why. Conditions are only read, so a rule
// set may be shared by concurrent calls.
type Condition struct {
	Metric Metric `json:"metric"`
	Op     Op     `json:"op"`
	// Value is the right-hand side, written as text: a decimal for
	// MetricSpend, an integer for counts and days, a string otherwise.
	Value string `json:"value"`
	// WindowDays limits MetricSpend, MetricOrders and MetricReferrals to the
	// last WindowDays days up to AsOf; 0 means all time up to AsOf. At most
	// 100,000 (larger windows overflowed the date arithmetic).
	WindowDays int `json:"window_days,omitempty"`
	// Key names the attribute for MetricAttribute.
	Key string `json:"key,omitempty"`
}

// Rule assigns a level, tags or both to every customer for which all its
// conditions hold (a rule without conditions matches everyone). The zero
// value is invalid (it has no name).
//
// Precedence, which makes classification deterministic: rules are tried in
// the order given. The level comes from the first matching rule that sets
// one; tags are the union of the tags of all matching rules, in rule order,
// each credited to the first rule that gave it.
type Rule struct {
	Name  string      `json:"name"`
	Level string      `json:"level,omitempty"`
	Tags  []string    `json:"tags,omitempty"`
	When  []Condition `json:"when,omitempty"`
}

// ClassifyOptions tunes [Classify]. A nil pointer or the zero value means the
// defaults documented on each field. Only read, so it may be shared.
type ClassifyOptions struct {
	// Currency is the currency all orders must be in; "" means the currency
	// of the first order that names one. Orders with no currency are taken
	// to be in it.
	Currency string
	// SkipInvalid skips bad records (and, for a bad customer, everything
	// about it) instead of stopping at the first; the result counts them.
	SkipInvalid bool
	// MaxSkipped bounds [Classification.Skipped]; 0 means 100.
	MaxSkipped int
}

// Assignment is the classification of one customer. Every assignment names
// the rule it came from. A plain value; the zero value assigns nothing.
type Assignment struct {
	CustomerID string `json:"customer_id"`
	// Level is the level the rules assign, "" when no matching rule sets
	// one (the host keeps its current level). LevelRule names that rule.
	Level     string `json:"level,omitempty"`
	LevelRule string `json:"level_rule,omitempty"`
	// PreviousLevel is the customer's Level before classification.
	PreviousLevel string `json:"previous_level,omitempty"`
	// Tags are the tags the rules assign, in rule order.
	Tags []TagAssignment `json:"tags,omitempty"`
	// Matched names every rule that matched, in rule order.
	Matched []string `json:"matched,omitempty"`
}

// TagAssignment is one tag and the rule that gave it. A plain value.
type TagAssignment struct {
	Tag  string `json:"tag"`
	Rule string `json:"rule"`
}

// Classification is the result of [Classify]: one [Assignment] per accepted
// customer, in customer stream order. The zero value is an empty result.
// Classify does not keep it: the caller owns it.
type Classification struct {
	AsOf        time.Time      `json:"as_of"`
	Currency    string         `json:"currency,omitempty"`
	Assignments []Assignment   `json:"assignments"`
	RuleMatches map[string]int `json:"rule_matches"`
	// Records counts records read per kind ("customer", "order",
	// "interaction"); Records == Accepted + SkippedRecords for each kind.
	Records        map[string]int `json:"records"`
	Accepted       map[string]int `json:"accepted"`
	SkippedRecords map[string]int `json:"skipped_records,omitempty"`
	// Skipped lists the first MaxSkipped skipped records and why.
	Skipped []Offender `json:"skipped,omitempty"`
}

type ruleCond struct {
	Condition
	dec    decimal.Decimal
	num    float64
	window int // index into the per-customer window aggregates, -1 for all time
}

type compiledRule struct {
	Rule
	conds  []ruleCond
	tagIDs []int32 // Tags as indexes into the rule set's distinct tags
}

var metricNeedsNumber = map[Metric]bool{MetricOrders: true, MetricDaysSincePurchase: true, MetricDaysSinceContact: true, MetricAgeDays: true, MetricReferrals: true}

// ValidateRules checks a rule set: names present and unique, known metrics
// and operators, values that parse, windows not negative, an attribute key
// where needed, and every rule assigning a level or a tag. It reports every
// problem at once (errors.Join); each wraps [crmkit.ErrInvalid] or
// [crmkit.ErrMissing] in a [*crmkit.RecordError] of kind "rule".
func ValidateRules(rules []Rule) error {
	_, err := compileRules(rules)
	return err
}

func compileRules(rules []Rule) ([]compiledRule, error) {
	var errs []error
	bad := func(i int, name, field string, sentinel error, format string, args ...any) {
		errs = append(errs, crmkit.Errorf("rule", i, name, field, sentinel, format, args...))
	}
	seen := map[string]bool{}
	out := make([]compiledRule, len(rules))
	for i, r := range rules {
		out[i].Rule = r
		if r.Name == "" {
			bad(i, r.Name, "name", crmkit.ErrMissing, "")
		} else if seen[r.Name] {
			bad(i, r.Name, "name", crmkit.ErrDuplicate, "")
		}
		seen[r.Name] = true
		if r.Level == "" && len(r.Tags) == 0 {
			bad(i, r.Name, "level", crmkit.ErrMissing, "a rule must assign a level or tags")
		}
		for _, tag := range r.Tags {
			if tag == "" {
				bad(i, r.Name, "tags", crmkit.ErrInvalid, "empty tag")
			}
		}
		for j, c := range r.When {
			cc := ruleCond{Condition: c, window: -1}
			field := fmt.Sprintf("when[%d]", j)
			switch c.Op {
			case "<", "<=", "==", "!=", ">=", ">":
			default:
				bad(i, r.Name, field, crmkit.ErrInvalid, "operator %q", c.Op)
			}
			switch c.Metric {
			case MetricSpend:
				d, err := decimal.NewFromString(strings.TrimSpace(c.Value))
				if err != nil {
					bad(i, r.Name, field, crmkit.ErrInvalid, "spend %q is not a decimal", c.Value)
				}
				cc.dec = d
			case MetricOrders, MetricDaysSincePurchase, MetricDaysSinceContact, MetricAgeDays, MetricReferrals:
				n, err := strconv.ParseInt(strings.TrimSpace(c.Value), 10, 64)
				if err != nil {
					bad(i, r.Name, field, crmkit.ErrInvalid, "%s %q is not an integer", c.Metric, c.Value)
				}
				cc.num = float64(n)
			case MetricSource, MetricLevel, MetricTag:
				if c.Op != "==" && c.Op != "!=" {
					bad(i, r.Name, field, crmkit.ErrInvalid, "%s compares with == or != only", c.Metric)
				}
			case MetricAttribute:
				if c.Key == "" {
					bad(i, r.Name, field, crmkit.ErrMissing, "attribute condition without a key")
				}
			default:
				bad(i, r.Name, field, crmkit.ErrInvalid, "unknown metric %q", c.Metric)
			}
			if c.WindowDays < 0 || c.WindowDays > maxRuleDays {
				bad(i, r.Name, field, crmkit.ErrInvalid, "window %d days is not in [0, %d]", c.WindowDays, maxRuleDays)
			}
			out[i].conds = append(out[i].conds, cc)
		}
	}
	return out, errors.Join(errs...)
}

// moneySum adds money without allocating while amounts fit int64 at four
// decimal places, and falls back to decimal arithmetic when they do not.
type moneySum struct {
	small int64
	big   decimal.Decimal
}

var pow10 = [...]int64{1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000, 1000000000, 10000000000}

func (s *moneySum) add(d decimal.Decimal) {
	e := d.Exponent()
	// Scaled to four places the coefficient has NumDigits+e+4 digits; 18
	// digits always fit int64.
	if e >= -4 && e <= 6 && d.NumDigits()+int(e)+4 <= 18 {
		v := d.CoefficientInt64() * pow10[e+4]
		if r := s.small + v; (v >= 0) == (r >= s.small) {
			s.small = r
			return
		}
	}
	s.big = s.big.Add(d)
}

func (s *moneySum) value() decimal.Decimal {
	if s.small == 0 {
		return s.big
	}
	if s.big.IsZero() {
		return decimal.New(s.small, -4)
	}
	return s.big.Add(decimal.New(s.small, -4))
}

// classFacts are what Classify keeps per customer, as flat arrays indexed
// by customer (and window): memory is bounded by the number of customers.
type classFacts struct {
	lastOrder, lastContact, created []int64    // Unix seconds; math.MinInt64 when none
	spend                           []moneySum // customer*windows + window
	orders                          []int64    // customer*windows + window
	referrals                       []int32    // customer*refWindows + window
	windows, refWindows             int
}

// classRec is the part of a customer that rules read.
type classRec struct {
	ID, Level, Source string
	Tags              []string
	Attributes        map[string]string
}

// Classify applies rules to every customer of the stream, using its orders
// and interactions up to asOf, and returns one [Assignment] per customer in
// customer stream order. Streams are read in the order customers, orders,
// interactions; nil order or interaction streams count as empty.
//
// Rules are checked first with [ValidateRules]. Bad records — a customer
// without an ID or repeating one, an order or interaction for an unknown
// customer or with a missing time or a time after asOf, an order in another
// currency, an error from the stream — stop Classify with a
// [*crmkit.RecordError] unless [ClassifyOptions.SkipInvalid] is set; then
// the result counts and lists them. Memory grows with the number of
// customers and the number of distinct windows in the rules, not with the
// number of orders. Honours ctx.
func Classify(ctx context.Context, asOf time.Time, rules []Rule, customers iter.Seq2[Customer, error], orders iter.Seq2[Order, error], interactions iter.Seq2[Interaction, error], opts *ClassifyOptions) (*Classification, error) {
	compiled, err := compileRules(rules)
	if err != nil {
		return nil, err
	}
	var o ClassifyOptions
	if opts != nil {
		o = *opts
	}
	maxSkipped := o.MaxSkipped
	if maxSkipped <= 0 {
		maxSkipped = 100
	}
	// Distinct windows for spend/orders and for referrals.
	var windows, refWindows []int
	// Tags get IDs so that each customer's union of tags is built in time
	// linear in the tags of its matching rules (a stamp per tag, no map).
	tagID := map[string]int32{}
	for i := range compiled {
		for _, tag := range compiled[i].Tags {
			id, ok := tagID[tag]
			if !ok {
				id = int32(len(tagID))
				tagID[tag] = id
			}
			compiled[i].tagIDs = append(compiled[i].tagIDs, id)
		}
	}
	tagStamp := make([]int, len(tagID)) // customer index + 1 that last got the tag
	for i := range compiled {
		for j := range compiled[i].conds {
			c := &compiled[i].conds[j]
			switch c.Metric {
			case MetricSpend, MetricOrders:
				c.window = windowIndex(&windows, c.WindowDays)
			case MetricReferrals:
				c.window = windowIndex(&refWindows, c.WindowDays)
			}
		}
	}
	res := &Classification{AsOf: asOf, RuleMatches: map[string]int{}, Records: map[string]int{}, Accepted: map[string]int{}, SkippedRecords: map[string]int{}}
	for _, r := range rules {
		res.RuleMatches[r.Name] = 0
	}
	skip := func(e *crmkit.RecordError) error {
		if !o.SkipInvalid {
			return e
		}
		res.SkippedRecords[e.Kind]++
		if len(res.Skipped) < maxSkipped {
			name := ProblemStream
			if e.Field != "" {
				name = problemName(e.Err)
			}
			res.Skipped = append(res.Skipped, Offender{Kind: e.Kind, Index: e.Index, ID: e.ID, Field: e.Field, Problem: name, Message: e.Error()})
		}
		return nil
	}
	asOfUnix := asOf.Unix()
	cutoff := func(days int) int64 {
		if days == 0 {
			return math.MinInt64
		}
		return asOf.AddDate(0, 0, -days).Unix()
	}
	winCut := make([]int64, len(windows))
	for i, w := range windows {
		winCut[i] = cutoff(w)
	}
	refCut := make([]int64, len(refWindows))
	for i, w := range refWindows {
		refCut[i] = cutoff(w)
	}

	var records, accepted [3]int // customer, order, interaction
	defer func() {
		for i, k := range []string{KindCustomer, KindOrder, KindInteraction} {
			if records[i] > 0 {
				res.Records[k], res.Accepted[k] = records[i], accepted[i]
			}
		}
	}()
	index := map[string]int32{}
	var cust []classRec
	var referredBy []string
	facts := &classFacts{windows: len(windows), refWindows: len(refWindows)}
	i := -1
	if customers != nil {
		for c, err := range customers {
			i++
			if i&1023 == 0 {
				if cerr := ctx.Err(); cerr != nil {
					return nil, cerr
				}
			}
			records[0]++
			var e *crmkit.RecordError
			switch {
			case err != nil:
				e = &crmkit.RecordError{Kind: KindCustomer, Index: i, Err: err}
			case c.ID == "":
				e = crmkit.Errorf(KindCustomer, i, "", "id", crmkit.ErrMissing, "")
			default:
				if _, dup := index[c.ID]; dup {
					e = crmkit.Errorf(KindCustomer, i, c.ID, "id", crmkit.ErrDuplicate, "")
				}
			}
			if e != nil {
				if serr := skip(e); serr != nil {
					return nil, serr
				}
				continue
			}
			accepted[0]++
			index[c.ID] = int32(len(cust))
			// Keep only what the rules read; Attributes and Tags are
			// shared with the host's record, which Classify never writes.
			cust = append(cust, classRec{ID: c.ID, Level: c.Level, Tags: c.Tags, Source: c.Source, Attributes: c.Attributes})
			referredBy = append(referredBy, c.ReferredBy)
			cr := int64(math.MinInt64)
			if !c.Created.IsZero() {
				cr = c.Created.Unix()
			}
			facts.created = append(facts.created, cr)
			facts.lastOrder = append(facts.lastOrder, math.MinInt64)
			facts.lastContact = append(facts.lastContact, math.MinInt64)
		}
	}
	n := len(cust)
	facts.spend = make([]moneySum, n*len(windows))
	facts.orders = make([]int64, n*len(windows))
	facts.referrals = make([]int32, n*len(refWindows))
	created := facts.created
	for k, ref := range referredBy {
		if ref == "" {
			continue
		}
		p, ok := index[ref]
		if !ok || p == int32(k) {
			continue // unknown and self referrers bring nobody; see BuildReferralGraph
		}
		for w := range refWindows {
			if refWindows[w] == 0 || (created[k] != math.MinInt64 && created[k] > refCut[w] && created[k] <= asOfUnix) {
				facts.referrals[int(p)*len(refWindows)+w]++
			}
		}
	}

	currency := strings.TrimSpace(o.Currency)
	i = -1
	if orders != nil {
		for ord, err := range orders {
			i++
			if i&1023 == 0 {
				if cerr := ctx.Err(); cerr != nil {
					return nil, cerr
				}
			}
			records[1]++
			p, known := index[ord.CustomerID]
			cur := strings.TrimSpace(ord.Currency)
			e := orderProblem(i, ord, err, known, asOf, currency, "classification")
			if e != nil {
				if serr := skip(e); serr != nil {
					return nil, serr
				}
				continue
			}
			accepted[1]++
			if currency == "" {
				currency = cur
			}
			t := ord.Time.Unix()
			if t > facts.lastOrder[p] {
				facts.lastOrder[p] = t
			}
			base := int(p) * len(windows)
			for w := range windows {
				if t > winCut[w] {
					facts.spend[base+w].add(ord.Amount)
					facts.orders[base+w]++
				}
			}
		}
	}
	res.Currency = currency
	i = -1
	if interactions != nil {
		for x, err := range interactions {
			i++
			if i&1023 == 0 {
				if cerr := ctx.Err(); cerr != nil {
					return nil, cerr
				}
			}
			records[2]++
			var e *crmkit.RecordError
			p, known := index[x.CustomerID]
			switch {
			case err != nil:
				e = &crmkit.RecordError{Kind: KindInteraction, Index: i, Err: err}
			case !known:
				e = crmkit.Errorf(KindInteraction, i, x.ID, "customer_id", crmkit.ErrUnknownRef, "customer %q", x.CustomerID)
			case x.Time.IsZero():
				e = crmkit.Errorf(KindInteraction, i, x.ID, "time", crmkit.ErrMissing, "")
			case x.Time.After(asOf):
				e = crmkit.Errorf(KindInteraction, i, x.ID, "time", crmkit.ErrFuture, "")
			}
			if e != nil {
				if serr := skip(e); serr != nil {
					return nil, serr
				}
				continue
			}
			accepted[2]++
			if t := x.Time.Unix(); t > facts.lastContact[p] {
				facts.lastContact[p] = t
			}
		}
	}

	res.Assignments = make([]Assignment, len(cust))
	var spendVals []decimal.Decimal
	for k := range cust {
		if k&1023 == 0 {
			if cerr := ctx.Err(); cerr != nil {
				return nil, cerr
			}
		}
		spendVals = spendVals[:0]
		for w := range windows {
			spendVals = append(spendVals, facts.spend[k*len(windows)+w].value())
		}
		a := Assignment{CustomerID: cust[k].ID, PreviousLevel: cust[k].Level}
		for ri := range compiled {
			r := &compiled[ri]
			if !ruleMatches(r, &cust[k], facts, k, spendVals, asOfUnix) {
				continue
			}
			a.Matched = append(a.Matched, r.Name)
			res.RuleMatches[r.Name]++
			if r.Level != "" && a.LevelRule == "" {
				a.Level, a.LevelRule = r.Level, r.Name
			}
			for ti, tag := range r.Tags {
				if id := r.tagIDs[ti]; tagStamp[id] != k+1 {
					tagStamp[id] = k + 1
					a.Tags = append(a.Tags, TagAssignment{Tag: tag, Rule: r.Name})
				}
			}
		}
		res.Assignments[k] = a
	}
	if len(res.SkippedRecords) == 0 {
		res.SkippedRecords = nil
	}
	return res, nil
}

func windowIndex(ws *[]int, days int) int {
	if i := slices.Index(*ws, days); i >= 0 {
		return i
	}
	*ws = append(*ws, days)
	return len(*ws) - 1
}

func ruleMatches(r *compiledRule, c *classRec, f *classFacts, k int, spend []decimal.Decimal, asOf int64) bool {
	for i := range r.conds {
		if !condHolds(&r.conds[i], c, f, k, spend, asOf) {
			return false
		}
	}
	return true
}

func condHolds(cd *ruleCond, c *classRec, f *classFacts, k int, spend []decimal.Decimal, asOf int64) bool {
	days := func(t int64) float64 {
		if t == math.MinInt64 {
			return math.Inf(1)
		}
		return math.Floor(float64(asOf-t) / 86400)
	}
	switch cd.Metric {
	case MetricSpend:
		return opHolds(cd.Op, spend[cd.window].Cmp(cd.dec))
	case MetricOrders:
		return compareNum(cd.Op, float64(f.orders[k*f.windows+cd.window]), cd.num)
	case MetricReferrals:
		return compareNum(cd.Op, float64(f.referrals[k*f.refWindows+cd.window]), cd.num)
	case MetricDaysSincePurchase:
		return compareNum(cd.Op, days(f.lastOrder[k]), cd.num)
	case MetricDaysSinceContact:
		return compareNum(cd.Op, days(f.lastContact[k]), cd.num)
	case MetricAgeDays:
		return compareNum(cd.Op, days(f.created[k]), cd.num)
	case MetricSource:
		return (c.Source == cd.Value) == (cd.Op == "==")
	case MetricLevel:
		return (c.Level == cd.Value) == (cd.Op == "==")
	case MetricTag:
		return slices.Contains(c.Tags, cd.Value) == (cd.Op == "==")
	case MetricAttribute:
		v := c.Attributes[cd.Key]
		switch cd.Op {
		case "==":
			return v == cd.Value
		case "!=":
			return v != cd.Value
		}
		a, err1 := strconv.ParseFloat(strings.TrimSpace(v), 64)
		b, err2 := strconv.ParseFloat(strings.TrimSpace(cd.Value), 64)
		if err1 != nil || err2 != nil || math.IsNaN(a) || math.IsNaN(b) {
			return false
		}
		return compareNum(cd.Op, a, b)
	}
	return false
}

func compareNum(op Op, a, b float64) bool {
	switch {
	case a < b:
		return opHolds(op, -1)
	case a > b:
		return opHolds(op, 1)
	}
	return opHolds(op, 0)
}

func opHolds(op Op, cmp int) bool {
	switch op {
	case "<":
		return cmp < 0
	case "<=":
		return cmp <= 0
	case "==":
		return cmp == 0
	case "!=":
		return cmp != 0
	case ">=":
		return cmp >= 0
	case ">":
		return cmp > 0
	}
	return false
}

// orderProblem returns the error of the i-th order of a stream (err is the
// stream's own error for it), or nil: an unknown customer, a missing or
// future time, or a currency other than the analysis' (what names the
// analysis in the message). Classify and ReferralGraph.Value share it so
// that both accept exactly the same orders.
func orderProblem(i int, ord Order, err error, known bool, asOf time.Time, currency, what string) *crmkit.RecordError {
	cur := strings.TrimSpace(ord.Currency)
	switch {
	case err != nil:
		return &crmkit.RecordError{Kind: KindOrder, Index: i, Err: err}
	case !known:
		return crmkit.Errorf(KindOrder, i, ord.ID, "customer_id", crmkit.ErrUnknownRef, "customer %q", ord.CustomerID)
	case ord.Time.IsZero():
		return crmkit.Errorf(KindOrder, i, ord.ID, "time", crmkit.ErrMissing, "")
	case ord.Time.After(asOf):
		return crmkit.Errorf(KindOrder, i, ord.ID, "time", crmkit.ErrFuture, "")
	case cur != "" && currency != "" && !strings.EqualFold(cur, currency):
		return crmkit.Errorf(KindOrder, i, ord.ID, "currency", crmkit.ErrCurrency, "%s, %s is in %s", cur, what, currency)
	}
	return nil
}
