package customer

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/crmkit/crmkit"
	"github.com/google/go-cmp/cmp"
)

func fixedCaps(m map[string]int) Capacity {
	return CapacityFunc(func(_ context.Context, rep string) (int, error) {
		if c, ok := m[rep]; ok {
			return c, nil
		}
		return NoCapacityLimit, nil
	})
}

// handoverBook: A owns 2, C owns 1, B none; L (leaving) owns c1..c5, listed out
// of order; P is a pool customer.
func handoverBook() []Customer {
	return []Customer{
		{ID: "c4", Owner: "L"}, {ID: "a1", Owner: "A"}, {ID: "c2", Owner: "L", Tags: []string{"vip"}},
		{ID: "c1", Owner: "L"}, {ID: "x1", Owner: "C"}, {ID: "c5", Owner: "L"}, {ID: "a2", Owner: "A"},
		{ID: "c3", Owner: "L", Attributes: map[string]string{"region": "north"}}, {ID: "p"},
	}
}

func TestPlanHandover(t *testing.T) {
	asOf := utcDay("2024-09-01")
	reps := []string{"A", "B", "C"}
	routes := []HandoverRoute{{Name: "vip", Tag: "vip", Reps: []string{"C"}}, {Name: "north", Attribute: "region", Value: "north", Reps: []string{"A"}}}
	type row struct{ ID, To, Reason string }
	tests := []struct {
		name, reason string
		reps         []string
		opts         HandoverOptions
		want         []row
		wantLoads    []int // added per rep
	}{
		{"least loaded", "start A2 B0 C1; ties go to the earlier rep", reps, HandoverOptions{},
			[]row{{"c1", "B", "least_loaded"}, {"c2", "B", "least_loaded"}, {"c3", "C", "least_loaded"}, {"c4", "A", "least_loaded"}, {"c5", "B", "least_loaded"}},
			[]int{1, 3, 1}},
		{"round robin", "in turn A, B, C in ID order", reps, HandoverOptions{Policy: HandoverRoundRobin},
			[]row{{"c1", "A", "round_robin"}, {"c2", "B", "round_robin"}, {"c3", "C", "round_robin"}, {"c4", "A", "round_robin"}, {"c5", "B", "round_robin"}},
			[]int{2, 2, 1}},
		{"capacity weighted", "caps A10 B2 C4: fill ratios (load+1)/cap by hand: A .3 .4 .5(tie→A), then B .5, then C .5", reps,
			HandoverOptions{Policy: HandoverCapacityWeighted, Capacity: fixedCaps(map[string]int{"A": 10, "B": 2, "C": 4})},
			[]row{{"c1", "A", "capacity_weighted"}, {"c2", "A", "capacity_weighted"}, {"c3", "A", "capacity_weighted"}, {"c4", "B", "capacity_weighted"}, {"c5", "C", "capacity_weighted"}},
			[]int{3, 1, 1}},
		{"capacity", "A is full at 2, B takes 1, C one more; the rest cannot be placed", reps,
			HandoverOptions{Capacity: fixedCaps(map[string]int{"A": 2, "B": 1, "C": 2})},
			[]row{{"c1", "B", "least_loaded"}, {"c2", "C", "least_loaded"}, {"c3", "", "every rep is at capacity"}, {"c4", "", "every rep is at capacity"}, {"c5", "", "every rep is at capacity"}},
			[]int{0, 1, 1}},
		{"routes", "vip c2 only to C, north c3 only to A; others least loaded: c4 and c5 find B least loaded (A3 B1/B2 C2)", reps, HandoverOptions{Routes: routes},
			[]row{{"c1", "B", "least_loaded"}, {"c2", "C", "least_loaded within route vip"}, {"c3", "A", "least_loaded within route north"}, {"c4", "B", "least_loaded"}, {"c5", "B", "least_loaded"}},
			[]int{1, 3, 1}},
		{"route full", "the vip route's only rep is full: c2 is unplaced, not moved elsewhere", reps,
			HandoverOptions{Routes: routes, Capacity: fixedCaps(map[string]int{"C": 1})},
			[]row{{"c1", "B", "least_loaded"}, {"c2", "", "every rep of route vip is at capacity"}, {"c3", "A", "least_loaded within route north"}, {"c4", "B", "least_loaded"}, {"c5", "B", "least_loaded"}},
			[]int{1, 3, 0}},
		{"no reps", "nobody left to take the customers", nil, HandoverOptions{},
			[]row{{"c1", "", "no remaining reps"}, {"c2", "", "no remaining reps"}, {"c3", "", "no remaining reps"}, {"c4", "", "no remaining reps"}, {"c5", "", "no remaining reps"}},
			[]int{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := HandoverInput{
				Customers: crmkit.Stream(handoverBook()),
				Deals:     crmkit.Stream([]DealRef{{ID: "d2", CustomerID: "c1", Closed: asOf}, {ID: "d1", CustomerID: "c1", Open: true}, {ID: "d9", CustomerID: "a1", Open: true}, {ID: "d0", CustomerID: "c1", Open: true}}),
				FollowUps: crmkit.Stream([]Interaction{{ID: "f1", CustomerID: "c2", Time: asOf, NextContact: asOf.AddDate(0, 0, 3)}}),
			}
			plan, err := PlanHandover(context.Background(), asOf, "L", tt.reps, in, &tt.opts)
			if err != nil {
				t.Fatalf("%s: %v", tt.reason, err)
			}
			var got []row
			for _, a := range append(append([]HandoverAssignment{}, plan.Assignments...), plan.Unplaced...) {
				got = append(got, row{a.CustomerID, a.To, a.Reason})
				if a.From != "L" {
					t.Errorf("%s: from %q", a.CustomerID, a.From)
				}
			}
			// compare in customer order
			slicesSortRows := func(r []row) {
				for i := range r {
					for j := i + 1; j < len(r); j++ {
						if r[j].ID < r[i].ID {
							r[i], r[j] = r[j], r[i]
						}
					}
				}
			}
			slicesSortRows(got)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("%s (-want +got):\n%s", tt.reason, diff)
			}
			added := []int{}
			for _, l := range plan.Loads {
				added = append(added, l.Added)
			}
			if diff := cmp.Diff(tt.wantLoads, added); diff != "" {
				t.Errorf("%s: added per rep (-want +got):\n%s", tt.reason, diff)
			}
			for _, a := range append(plan.Assignments, plan.Unplaced...) {
				switch a.CustomerID {
				case "c1":
					if diff := cmp.Diff([]string{"d0", "d1"}, a.Deals); diff != "" {
						t.Errorf("c1 carries open deals (-want +got):\n%s", diff)
					}
				case "c2":
					if diff := cmp.Diff([]string{"f1"}, a.FollowUps); diff != "" {
						t.Errorf("c2 carries its follow-up (-want +got):\n%s", diff)
					}
				}
			}
			if plan.Customers != 9 || plan.Moving != 5 {
				t.Errorf("counts: customers %d moving %d", plan.Customers, plan.Moving)
			}
			if err := VerifyHandover(context.Background(), crmkit.Stream(handoverBook()), plan, tt.opts.Capacity); err != nil {
				t.Errorf("VerifyHandover: %v", err)
			}
		})
	}
}

func TestPlanHandoverErrors(t *testing.T) {
	asOf := utcDay("2024-09-01")
	boom := errors.New("boom")
	book := crmkit.Stream(handoverBook())
	tests := []struct {
		name, reason string
		leaving      string
		reps         []string
		in           HandoverInput
		opts         HandoverOptions
		wantErr      error
		wantN        int
	}{
		{"bad request", "every request problem at once", "", []string{"A", "A", ""}, HandoverInput{Customers: book},
			HandoverOptions{Policy: "random", Routes: []HandoverRoute{{Reps: []string{"Z"}}}}, crmkit.ErrInvalid, 6},
		{"leaving among reps", "the leaving rep cannot take customers", "A", []string{"A", "B"}, HandoverInput{Customers: book}, HandoverOptions{}, crmkit.ErrInvalid, 1},
		{"weighted without capacity", "capacity-weighted needs capacities", "L", []string{"A"}, HandoverInput{Customers: book}, HandoverOptions{Policy: HandoverCapacityWeighted}, crmkit.ErrInvalid, 1},
		{"weighted unlimited", "capacity-weighted needs finite capacities", "L", []string{"A"}, HandoverInput{Customers: book}, HandoverOptions{Policy: HandoverCapacityWeighted, Capacity: fixedCaps(nil)}, crmkit.ErrInvalid, 0},
		{"capacity error", "the host's error is returned", "L", []string{"A"}, HandoverInput{Customers: book},
			HandoverOptions{Capacity: CapacityFunc(func(context.Context, string) (int, error) { return 0, boom })}, boom, 0},
		{"negative capacity", "only -1 means unlimited", "L", []string{"A"}, HandoverInput{Customers: book}, HandoverOptions{Capacity: fixedCaps(map[string]int{"A": -5})}, crmkit.ErrInvalid, 0},
		{"no book", "the customer stream is required", "L", []string{"A"}, HandoverInput{}, HandoverOptions{}, crmkit.ErrMissing, 0},
		{"duplicate customer", "IDs are unique", "L", []string{"A"}, HandoverInput{Customers: crmkit.Stream([]Customer{{ID: "x", Owner: "L"}, {ID: "x"}})}, HandoverOptions{}, crmkit.ErrDuplicate, 0},
		{"unknown deal customer", "a deal must refer to a known customer", "L", []string{"A"},
			HandoverInput{Customers: book, Deals: crmkit.Stream([]DealRef{{ID: "d", CustomerID: "nobody", Open: true}})}, HandoverOptions{}, crmkit.ErrUnknownRef, 0},
		{"deal without id", "a carried deal needs an ID", "L", []string{"A"},
			HandoverInput{Customers: book, Deals: crmkit.Stream([]DealRef{{CustomerID: "c1", Open: true}})}, HandoverOptions{}, crmkit.ErrMissing, 0},
		{"future follow-up", "a follow-up after asOf", "L", []string{"A"},
			HandoverInput{Customers: book, FollowUps: crmkit.Stream([]Interaction{{ID: "f", CustomerID: "c1", Time: asOf.Add(time.Hour)}})}, HandoverOptions{}, crmkit.ErrFuture, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := PlanHandover(context.Background(), asOf, tt.leaving, tt.reps, tt.in, &tt.opts)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("%s: err = %v, want %v", tt.reason, err, tt.wantErr)
			}
			if tt.wantN > 0 {
				j, ok := err.(interface{ Unwrap() []error })
				if !ok || len(j.Unwrap()) != tt.wantN {
					t.Errorf("%s: want %d joined errors, got %v", tt.reason, tt.wantN, err)
				}
			}
		})
	}
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := PlanHandover(cancelled, asOf, "L", []string{"A"}, HandoverInput{Customers: book}, nil); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: err = %v", err)
	}
	plan, err := PlanHandover(context.Background(), asOf, "L", []string{"A"}, HandoverInput{
		Customers: crmkit.Stream([]Customer{{ID: "c1", Owner: "L"}, {}, {ID: "c1"}}),
		Deals:     crmkit.Stream([]DealRef{{ID: "d", CustomerID: "zz"}}),
	}, &HandoverOptions{SkipBad: true})
	if err != nil || plan.Customers != 3 || plan.Moving != 1 || len(plan.Skipped) != 3 {
		t.Errorf("SkipBad: %+v, %v", plan, err)
	}
}

// TestVerifyHandoverCatches tampers with a sound plan in each way Verify
// must notice.
func TestVerifyHandoverCatches(t *testing.T) {
	asOf := utcDay("2024-09-01")
	caps := fixedCaps(map[string]int{"A": 3, "B": 3, "C": 3})
	sound, err := PlanHandover(context.Background(), asOf, "L", []string{"A", "B", "C"}, HandoverInput{Customers: crmkit.Stream(handoverBook())}, &HandoverOptions{Capacity: caps})
	if err != nil {
		t.Fatal(err)
	}
	clone := func() HandoverPlan {
		p := sound
		p.Assignments = append([]HandoverAssignment{}, sound.Assignments...)
		p.Unplaced = append([]HandoverAssignment{}, sound.Unplaced...)
		p.Loads = append([]RepLoad{}, sound.Loads...)
		return p
	}
	tests := []struct {
		name, reason string
		tamper       func(p *HandoverPlan)
		wantErr      error
	}{
		{"sound", "the plan as made passes", func(p *HandoverPlan) {}, nil},
		{"lost", "a dropped customer is missing", func(p *HandoverPlan) { p.Assignments = p.Assignments[1:]; p.Loads[1].Added-- }, crmkit.ErrMissing},
		{"duplicated", "a customer planned twice", func(p *HandoverPlan) {
			p.Unplaced = append(p.Unplaced, HandoverAssignment{CustomerID: p.Assignments[0].CustomerID, From: "L", Reason: "x"})
		}, crmkit.ErrDuplicate},
		{"stranger", "a customer the leaving rep does not own", func(p *HandoverPlan) {
			p.Unplaced = append(p.Unplaced, HandoverAssignment{CustomerID: "a1", From: "L", Reason: "x"})
		}, crmkit.ErrUnknownRef},
		{"unknown rep", "a new owner outside the plan's reps", func(p *HandoverPlan) { p.Assignments[0].To = "Z" }, crmkit.ErrUnknownRef},
		{"over capacity", "everything to A exceeds A's 3", func(p *HandoverPlan) {
			for i := range p.Assignments {
				p.Assignments[i].To = "A"
			}
			p.Loads[0].Added, p.Loads[1].Added, p.Loads[2].Added = len(p.Assignments), 0, 0
		}, ErrOverCapacity},
		{"loads", "loads that disagree with the assignments", func(p *HandoverPlan) { p.Loads[2].Added += 4 }, crmkit.ErrInvalid},
		{"wrong from", "the audit trail names the wrong old owner", func(p *HandoverPlan) { p.Assignments[0].From = "A" }, crmkit.ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := clone()
			tt.tamper(&p)
			err := VerifyHandover(context.Background(), crmkit.Stream(handoverBook()), p, caps)
			if tt.wantErr == nil && err != nil || !errors.Is(err, tt.wantErr) {
				t.Errorf("%s: err = %v, want %v", tt.reason, err, tt.wantErr)
			}
		})
	}
	if err := VerifyHandover(context.Background(), nil, sound, nil); !errors.Is(err, crmkit.ErrMissing) {
		t.Errorf("nil book: %v", err)
	}
}

// TestHandoverProperty: random books, reps, capacities, routes and
// policies. Every plan assigns each of the leaving rep's customers exactly
// once, respects capacity, places a customer wherever an eligible rep had
// room, is the same for a shuffled book, and passes VerifyHandover.
func TestHandoverProperty(t *testing.T) {
	rounds := 300
	if testing.Short() {
		rounds = 60
	}
	rng := rand.New(rand.NewPCG(2, 7))
	policies := []HandoverPolicy{HandoverLeastLoaded, HandoverRoundRobin, HandoverCapacityWeighted}
	for round := range rounds {
		nReps := rng.IntN(6)
		reps := make([]string, nReps)
		caps := map[string]int{}
		for i := range reps {
			reps[i] = fmt.Sprintf("r%d", i)
			caps[reps[i]] = rng.IntN(12)
			if rng.IntN(4) == 0 {
				caps[reps[i]] = NoCapacityLimit
			}
		}
		policy := policies[rng.IntN(len(policies))]
		if policy == HandoverCapacityWeighted {
			for r, c := range caps {
				if c == NoCapacityLimit {
					caps[r] = 1 + rng.IntN(20)
				}
			}
		}
		var routes []HandoverRoute
		if nReps > 0 && rng.IntN(2) == 0 {
			routes = append(routes, HandoverRoute{Tag: "t0", Reps: []string{reps[rng.IntN(nReps)]}})
			routes = append(routes, HandoverRoute{Attribute: "region", Value: "n", Reps: reps[:1+rng.IntN(nReps)]})
		}
		var book []Customer
		owners := append([]string{"L", "L", ""}, reps...)
		for i := range rng.IntN(60) {
			c := Customer{ID: fmt.Sprintf("c%03d", i), Owner: owners[rng.IntN(len(owners))]}
			if rng.IntN(3) == 0 {
				c.Tags = []string{"t0"}
			}
			if rng.IntN(3) == 0 {
				c.Attributes = map[string]string{"region": "n"}
			}
			book = append(book, c)
		}
		opts := &HandoverOptions{Policy: policy, Routes: routes, Capacity: fixedCaps(caps)}
		plan, err := PlanHandover(context.Background(), time.Time{}, "L", reps, HandoverInput{Customers: crmkit.Stream(book)}, opts)
		if err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		if err := VerifyHandover(context.Background(), crmkit.Stream(book), plan, opts.Capacity); err != nil {
			t.Fatalf("round %d: plan fails verification: %v", round, err)
		}
		// each leaving customer exactly once
		count := map[string]int{}
		for _, a := range append(append([]HandoverAssignment{}, plan.Assignments...), plan.Unplaced...) {
			count[a.CustomerID]++
		}
		load := map[string]int{}
		for _, c := range book {
			if c.Owner == "L" && count[c.ID] != 1 {
				t.Fatalf("round %d: %s planned %d times", round, c.ID, count[c.ID])
			}
			load[c.Owner]++
		}
		if len(count) != plan.Moving || plan.Moving != load["L"] {
			t.Fatalf("round %d: %d planned, %d moving, %d owned", round, len(count), plan.Moving, load["L"])
		}
		for _, a := range plan.Assignments {
			load[a.To]++
		}
		for _, r := range reps {
			before := load[r]
			for _, a := range plan.Assignments {
				if a.To == r {
					before--
				}
			}
			if caps[r] != NoCapacityLimit && load[r] > caps[r] && load[r] > before {
				t.Fatalf("round %d: rep %s ends with %d > capacity %d", round, r, load[r], caps[r])
			}
		}
		// unplaced only when no eligible rep has room at the end
		for _, a := range plan.Unplaced {
			eligible := reps
			for _, rt := range routes {
				if a.Route == routeName(rt, routeIndex(routes, rt)) {
					eligible = rt.Reps
				}
			}
			for _, r := range eligible {
				if caps[r] == NoCapacityLimit || load[r] < caps[r] {
					t.Fatalf("round %d: %s unplaced (%s) though %s has room", round, a.CustomerID, a.Reason, r)
				}
			}
		}
		// deterministic: a shuffled book gives the same plan
		shuffled := append([]Customer{}, book...)
		rng.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
		again, err := PlanHandover(context.Background(), time.Time{}, "L", reps, HandoverInput{Customers: crmkit.Stream(shuffled)}, opts)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(plan, again); diff != "" {
			t.Fatalf("round %d: plan depends on book order (-first +shuffled):\n%s", round, diff)
		}
	}
}

func routeIndex(routes []HandoverRoute, r HandoverRoute) int {
	for i := range routes {
		if cmp.Equal(routes[i], r) {
			return i
		}
	}
	return -1
}

// FuzzPlanHandover: books made from arbitrary bytes never panic, and every
// plan passes VerifyHandover with counts adding up.
func FuzzPlanHandover(f *testing.F) {
	f.Add([]byte{0, 1, 2, 3, 4, 5, 6, 7}, uint8(3), uint8(0), uint8(2))
	f.Add([]byte{9, 9, 9, 0, 0}, uint8(0), uint8(1), uint8(0))
	f.Add([]byte{}, uint8(7), uint8(2), uint8(255))
	f.Fuzz(func(t *testing.T, data []byte, nReps, policy, capSeed uint8) {
		reps := []string{}
		for i := range int(nReps % 6) {
			reps = append(reps, fmt.Sprintf("r%d", i))
		}
		owners := append([]string{"L", ""}, reps...)
		var book []Customer
		for i, b := range data {
			id := fmt.Sprintf("c%d", int(b)%40) // may repeat: duplicates are skipped
			book = append(book, Customer{ID: id, Owner: owners[(int(b)+i)%len(owners)], Tags: []string{fmt.Sprint(b % 3)}})
		}
		caps := CapacityFunc(func(_ context.Context, rep string) (int, error) {
			return int(capSeed)%5 + len(rep), nil
		})
		pol := []HandoverPolicy{HandoverLeastLoaded, HandoverRoundRobin, HandoverCapacityWeighted}[int(policy)%3]
		var routes []HandoverRoute
		if len(reps) > 0 {
			routes = []HandoverRoute{{Tag: "1", Reps: reps[:1]}}
		}
		opts := &HandoverOptions{Policy: pol, Capacity: caps, Routes: routes, SkipBad: true}
		plan, err := PlanHandover(context.Background(), time.Time{}, "L", reps, HandoverInput{Customers: crmkit.Stream(book)}, opts)
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		if plan.Customers != len(book) || plan.Moving != len(plan.Assignments)+len(plan.Unplaced) {
			t.Fatalf("counts: %d read of %d, %d moving = %d + %d", plan.Customers, len(book), plan.Moving, len(plan.Assignments), len(plan.Unplaced))
		}
		// Verify against the book as planned: without the skipped duplicates.
		seen := map[string]bool{}
		var clean []Customer
		for _, c := range book {
			if !seen[c.ID] {
				seen[c.ID] = true
				clean = append(clean, c)
			}
		}
		if err := VerifyHandover(context.Background(), crmkit.Stream(clean), plan, caps); err != nil {
			t.Fatalf("plan fails verification: %v", err)
		}
	})
}

// FuzzVerifyHandover: arbitrary plans against arbitrary books never panic,
// and every plan made by PlanHandover from the book verifies.
func FuzzVerifyHandover(f *testing.F) {
	f.Add([]byte{1, 2, 3}, "c1", "A", "L", uint8(1))
	f.Add([]byte{}, "", "", "", uint8(0))
	f.Fuzz(func(t *testing.T, data []byte, id, to, from string, extra uint8) {
		owners := []string{"L", "A", "B", ""}
		var book []Customer
		for i, b := range data {
			book = append(book, Customer{ID: fmt.Sprint("c", int(b)%20, "-", i), Owner: owners[int(b)%len(owners)]})
		}
		caps := fixedCaps(map[string]int{"A": int(extra % 7)})
		plan, err := PlanHandover(context.Background(), time.Time{}, "L", []string{"A", "B"}, HandoverInput{Customers: crmkit.Stream(book)}, &HandoverOptions{Capacity: caps})
		if err != nil {
			t.Fatal(err)
		}
		if err := VerifyHandover(context.Background(), crmkit.Stream(book), plan, caps); err != nil {
			t.Fatalf("own plan fails: %v", err)
		}
		// tamper: add an arbitrary assignment; Verify must not panic and
		// must object unless the addition happens to be harmless (never:
		// every leaving customer is already planned once).
		plan.Assignments = append(plan.Assignments, HandoverAssignment{CustomerID: id, From: from, To: to})
		if err := VerifyHandover(context.Background(), crmkit.Stream(book), plan, caps); err == nil {
			t.Fatalf("extra assignment %q→%q accepted", id, to)
		}
	})
}
