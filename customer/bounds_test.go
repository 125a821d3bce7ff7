package customer

import (
	"context"
	"errors"
	"fmt"
	"math"
	"testing"

	"github.com/crmkit/crmkit"
	"github.com/google/go-cmp/cmp"
)

// TestClassifyManyRuleTags: each customer's union of rule tags was built
// with a linear search per tag, quadratic in the tags of the matching rules
// (a rule with 200,000 tags did not finish in a minute).
func TestClassifyManyRuleTags(t *testing.T) {
	tags := make([]string, 100_000)
	for i := range tags {
		tags[i] = fmt.Sprint("t", i)
	}
	rules := []Rule{
		{Name: "first", Tags: tags[:60_000]},
		{Name: "second", Tags: tags[40_000:]}, // overlaps first on 40,000..59,999
	}
	res, err := Classify(context.Background(), testAsOf, rules, crmkit.Stream([]Customer{{ID: "A"}, {ID: "B"}}), nil, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range res.Assignments {
		if len(a.Tags) != len(tags) {
			t.Fatalf("%s: %d tags, want %d (each once)", a.CustomerID, len(a.Tags), len(tags))
		}
		for i, ta := range a.Tags {
			want := TagAssignment{Tag: tags[i], Rule: "first"}
			if i >= 60_000 {
				want.Rule = "second"
			}
			if ta != want {
				t.Fatalf("%s: tag %d = %+v, want %+v (credited to the first rule that gave it)", a.CustomerID, i, ta, want)
			}
		}
	}
}

// TestDayCountsBounded: a huge day count overflowed the date arithmetic and
// silently turned into its opposite (a window of math.MaxInt days became an
// empty window; a reclaim rule of math.MaxInt days reclaimed at once).
func TestDayCountsBounded(t *testing.T) {
	tests := []struct {
		name   string
		reason string
		run    func() error
	}{
		{name: "classify window", reason: "WindowDays above 100,000 is invalid", run: func() error {
			return ValidateRules([]Rule{{Name: "r", Level: "A", When: []Condition{{Metric: MetricSpend, Op: ">=", Value: "1", WindowDays: math.MaxInt}}}})
		}},
		{name: "reclaim days", reason: "Days above 100,000 is invalid", run: func() error {
			_, err := PlanReclaim(context.Background(), testAsOf, ReclaimInput{Customers: crmkit.Stream([]Customer{{ID: "A", Owner: "eve"}})},
				[]ReclaimRule{{Kind: ReclaimNoPurchase, Days: math.MaxInt}}, nil)
			return err
		}},
		{name: "reclaim warn days", reason: "WarnDays above 100,000 is invalid", run: func() error {
			_, err := PlanReclaim(context.Background(), testAsOf, ReclaimInput{Customers: crmkit.Stream([]Customer{{ID: "A", Owner: "eve"}})},
				[]ReclaimRule{{Kind: ReclaimNoPurchase, Days: 30, WarnDays: math.MaxInt32}}, nil)
			return err
		}},
		{name: "reclaim default warn days", reason: "ReclaimOptions.WarnDays above 100,000 is invalid", run: func() error {
			_, err := PlanReclaim(context.Background(), testAsOf, ReclaimInput{Customers: crmkit.Stream([]Customer{{ID: "A", Owner: "eve"}})},
				[]ReclaimRule{{Kind: ReclaimNoPurchase, Days: 30}}, &ReclaimOptions{WarnDays: math.MaxInt})
			return err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.run(); !errors.Is(err, crmkit.ErrInvalid) {
				t.Errorf("%s: err = %v, want one wrapping ErrInvalid", tt.reason, err)
			}
		})
	}
}

// TestHandoverRoutesManyTags: routes were matched with a linear search of
// the customer's tags per route, the product of the two.
func TestHandoverRoutesManyTags(t *testing.T) {
	tags := make([]string, 100_000)
	for i := range tags {
		tags[i] = fmt.Sprint("t", i)
	}
	var routes []HandoverRoute
	for i := range 2000 {
		routes = append(routes, HandoverRoute{Name: fmt.Sprint("r", i), Tag: fmt.Sprint("none", i), Reps: []string{"ann"}})
	}
	routes = append(routes, HandoverRoute{Name: "last", Tag: "t99999", Reps: []string{"bob"}})
	plan, err := PlanHandover(context.Background(), testAsOf, "eve", []string{"ann", "bob"},
		HandoverInput{Customers: crmkit.Stream([]Customer{{ID: "A", Owner: "eve", Tags: tags}, {ID: "B", Owner: "eve", Tags: tags[:20]}})},
		&HandoverOptions{Routes: routes})
	if err != nil {
		t.Fatal(err)
	}
	type got struct{ ID, To, Route string }
	var gots []got
	for _, a := range plan.Assignments {
		gots = append(gots, got{a.CustomerID, a.To, a.Route})
	}
	want := []got{{"A", "bob", "last"}, {"B", "ann", ""}}
	if diff := cmp.Diff(want, gots); diff != "" {
		t.Errorf("the last route matches A by its last tag; B has no routed tag (-want +got):\n%s", diff)
	}
}

// TestPlansSkipAsOffender: the plans listed skipped records as their own
// type with the inner error text; every analysis now lists an [Offender]
// with the problem's name and the record error's full text.
func TestPlansSkipAsOffender(t *testing.T) {
	cs := []Customer{{ID: "A", Owner: "eve"}, {ID: "A", Owner: "eve"}}
	wantErr := crmkit.Errorf(KindCustomer, 1, "A", "id", crmkit.ErrDuplicate, "")
	want := []Offender{{Kind: KindCustomer, Index: 1, ID: "A", Field: "id", Problem: ProblemDuplicate, Message: wantErr.Error()}}
	rem, err := PlanReminders(context.Background(), testAsOf, testAsOf, testAsOf.AddDate(0, 0, 7), crmkit.Stream(cs), nil, &ReminderOptions{SkipBad: true})
	if err != nil {
		t.Fatal(err)
	}
	rec, err := PlanReclaim(context.Background(), testAsOf, ReclaimInput{Customers: crmkit.Stream(cs)}, []ReclaimRule{{Kind: ReclaimNoPurchase, Days: 30}}, &ReclaimOptions{SkipBad: true})
	if err != nil {
		t.Fatal(err)
	}
	for name, got := range map[string][]Offender{"reminders": rem.Skipped, "reclaim": rec.Skipped} {
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s skipped (-want +got):\n%s", name, diff)
		}
	}
}
