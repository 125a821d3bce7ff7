package customer

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/crmkit/crmkit"
	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"
)

// naiveHolds evaluates one condition directly over the slices, the
// slow obvious way, as an independent check of Classify's streaming sums.
func naiveHolds(c Condition, cust Customer, all []Customer, orders []Order, inter []Interaction, asOf time.Time) bool {
	inWindow := func(t time.Time, days int) bool {
		return !t.After(asOf) && (days == 0 || t.After(asOf.AddDate(0, 0, -days)))
	}
	cmpNum := func(a, b float64) bool {
		switch c.Op {
		case "<":
			return a < b
		case "<=":
			return a <= b
		case "==":
			return a == b
		case "!=":
			return a != b
		case ">=":
			return a >= b
		}
		return a > b
	}
	daysSince := func(last time.Time) float64 {
		if last.IsZero() {
			return math.Inf(1)
		}
		return math.Floor(asOf.Sub(last).Hours() / 24)
	}
	num, _ := strconv.ParseFloat(c.Value, 64)
	switch c.Metric {
	case MetricSpend:
		sum := decimal.Zero
		for _, o := range orders {
			if o.CustomerID == cust.ID && inWindow(o.Time, c.WindowDays) {
				sum = sum.Add(o.Amount)
			}
		}
		v := decimal.RequireFromString(c.Value)
		return cmpNum(float64(sum.Cmp(v)), 0)
	case MetricOrders:
		n := 0
		for _, o := range orders {
			if o.CustomerID == cust.ID && inWindow(o.Time, c.WindowDays) {
				n++
			}
		}
		return cmpNum(float64(n), num)
	case MetricReferrals:
		n := 0
		for _, r := range all {
			if r.ReferredBy == cust.ID && r.ID != cust.ID && (c.WindowDays == 0 || (!r.Created.IsZero() && inWindow(r.Created, c.WindowDays))) {
				n++
			}
		}
		return cmpNum(float64(n), num)
	case MetricDaysSincePurchase:
		var last time.Time
		for _, o := range orders {
			if o.CustomerID == cust.ID && o.Time.After(last) {
				last = o.Time
			}
		}
		return cmpNum(daysSince(last), num)
	case MetricDaysSinceContact:
		var last time.Time
		for _, x := range inter {
			if x.CustomerID == cust.ID && x.Time.After(last) {
				last = x.Time
			}
		}
		return cmpNum(daysSince(last), num)
	case MetricSource:
		return (cust.Source == c.Value) == (c.Op == "==")
	}
	panic("metric not covered by the property test: " + string(c.Metric))
}

// TestClassifyAgainstNaive checks Classify on random books against the
// naive evaluation of every rule, and the documented precedence.
func TestClassifyAgainstNaive(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	ops := []Op{"<", "<=", "==", "!=", ">=", ">"}
	for round := range 200 {
		var cs []Customer
		for i := range 1 + rng.IntN(8) {
			c := Customer{ID: fmt.Sprint("C", i), Source: []string{"web", "fair"}[rng.IntN(2)]}
			if rng.IntN(3) > 0 {
				c.Created = testAsOf.Add(-time.Duration(rng.IntN(400*24)) * time.Hour)
			}
			if i > 0 && rng.IntN(2) == 0 {
				c.ReferredBy = cs[rng.IntN(i)].ID
			}
			cs = append(cs, c)
		}
		var os []Order
		for range rng.IntN(30) {
			os = append(os, Order{CustomerID: cs[rng.IntN(len(cs))].ID, Time: testAsOf.Add(-time.Duration(rng.IntN(400*24*60)) * time.Minute),
				Amount: decimal.New(int64(rng.IntN(20000)-2000), -2)})
		}
		var xs []Interaction
		for range rng.IntN(10) {
			xs = append(xs, Interaction{CustomerID: cs[rng.IntN(len(cs))].ID, Time: testAsOf.Add(-time.Duration(rng.IntN(200*24)) * time.Hour)})
		}
		var rules []Rule
		for k := range 1 + rng.IntN(5) {
			r := Rule{Name: fmt.Sprint("r", k)}
			if rng.IntN(2) == 0 {
				r.Level = fmt.Sprint("L", rng.IntN(3))
			}
			if r.Level == "" || rng.IntN(2) == 0 {
				r.Tags = []string{fmt.Sprint("t", rng.IntN(3))}
			}
			for range rng.IntN(3) {
				window := []int{0, 30, 90, 365}[rng.IntN(4)]
				switch rng.IntN(6) {
				case 0:
					r.When = append(r.When, Condition{Metric: MetricSpend, Op: ops[rng.IntN(6)], Value: fmt.Sprintf("%d.%02d", rng.IntN(200), rng.IntN(100)), WindowDays: window})
				case 1:
					r.When = append(r.When, Condition{Metric: MetricOrders, Op: ops[rng.IntN(6)], Value: fmt.Sprint(rng.IntN(5)), WindowDays: window})
				case 2:
					r.When = append(r.When, Condition{Metric: MetricReferrals, Op: ops[rng.IntN(6)], Value: fmt.Sprint(rng.IntN(3)), WindowDays: window})
				case 3:
					r.When = append(r.When, Condition{Metric: MetricDaysSincePurchase, Op: ops[rng.IntN(6)], Value: fmt.Sprint(rng.IntN(400))})
				case 4:
					r.When = append(r.When, Condition{Metric: MetricDaysSinceContact, Op: ops[rng.IntN(6)], Value: fmt.Sprint(rng.IntN(200))})
				default:
					r.When = append(r.When, Condition{Metric: MetricSource, Op: ops[2+rng.IntN(2)], Value: "web"})
				}
			}
			rules = append(rules, r)
		}
		got, err := Classify(context.Background(), testAsOf, rules, crmkit.Stream(cs), crmkit.Stream(os), crmkit.Stream(xs), nil)
		if err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		var want []Assignment
		for _, c := range cs {
			a := Assignment{CustomerID: c.ID}
			for _, r := range rules {
				ok := true
				for _, cond := range r.When {
					ok = ok && naiveHolds(cond, c, cs, os, xs, testAsOf)
				}
				if !ok {
					continue
				}
				a.Matched = append(a.Matched, r.Name)
				if r.Level != "" && a.Level == "" {
					a.Level, a.LevelRule = r.Level, r.Name
				}
				for _, tag := range r.Tags {
					if !slices.ContainsFunc(a.Tags, func(x TagAssignment) bool { return x.Tag == tag }) {
						a.Tags = append(a.Tags, TagAssignment{tag, r.Name})
					}
				}
			}
			want = append(want, a)
		}
		if diff := cmp.Diff(want, got.Assignments); diff != "" {
			t.Fatalf("round %d: rules %+v\n(-naive +Classify):\n%s", round, rules, diff)
		}
	}
}
