package samplebook

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/crmkit/crmkit"
	"github.com/crmkit/crmkit/customer"
	"github.com/google/go-cmp/cmp"
)

func TestDeterministic(t *testing.T) {
	a, _ := json.Marshal(New(Options{Seed: 7, Customers: 50}))
	b, _ := json.Marshal(New(Options{Seed: 7, Customers: 50}))
	c, _ := json.Marshal(New(Options{Seed: 8, Customers: 50}))
	if string(a) != string(b) {
		t.Error("the same seed gave two books")
	}
	if string(a) == string(c) {
		t.Error("two seeds gave the same book")
	}
}

// TestPlanted checks that Validate finds exactly the planted problems and
// FindDuplicates exactly the planted duplicates, and that a clean book is
// clean.
func TestPlanted(t *testing.T) {
	for _, seed := range []uint64{1, 2, 3} {
		b := New(Options{Seed: seed})
		r, _ := customer.Validate(context.Background(), b.AsOf, crmkit.Stream(b.Customers), crmkit.Stream(b.Orders), crmkit.Stream(b.Interactions), nil)
		var got []Planted
		for _, o := range r.Offenders {
			got = append(got, Planted{o.Kind, o.ID, o.Field, o.Problem})
		}
		if diff := cmp.Diff(b.Planted, got); diff != "" {
			t.Errorf("seed %d: problems (-planted +found):\n%s", seed, diff)
		}
		d, err := customer.FindDuplicates(context.Background(), crmkit.Stream(b.Customers), nil)
		if err != nil {
			t.Fatal(err)
		}
		var pairs [][2]string
		for _, p := range d.Pairs {
			pairs = append(pairs, [2]string{p.A, p.B})
		}
		if diff := cmp.Diff(b.Duplicates, pairs, cmp.Transformer("sort", func(in [][2]string) map[[2]string]bool {
			m := map[[2]string]bool{}
			for _, p := range in {
				m[p] = true
			}
			return m
		})); diff != "" {
			t.Errorf("seed %d: duplicates (-planted +found):\n%s", seed, diff)
		}

		clean := New(Options{Seed: seed, Clean: true})
		if _, err := customer.Validate(context.Background(), clean.AsOf, crmkit.Stream(clean.Customers), crmkit.Stream(clean.Orders), crmkit.Stream(clean.Interactions), nil); err != nil {
			t.Errorf("seed %d: clean book has problems: %v", seed, err)
		}
	}
}

func TestDealHistoriesAreConsistent(t *testing.T) {
	a, b := New(Options{Customers: 120, Seed: 9}), New(Options{Customers: 120, Seed: 9})
	if len(a.Deals) != len(b.Deals) || len(a.StageChanges) != len(b.StageChanges) {
		t.Fatal("same seed, different deals")
	}
	ids := map[string]bool{}
	for _, c := range a.Customers {
		ids[c.ID] = true
	}
	last := map[string]string{}
	for _, d := range a.Deals {
		if !ids[d.CustomerID] || d.Created.After(a.AsOf) {
			t.Fatalf("bad deal %+v", d)
		}
		last[d.ID] = "lead"
	}
	for _, c := range a.StageChanges {
		if last[c.DealID] != c.From || c.Time.After(a.AsOf) {
			t.Fatalf("stage chain broken at %+v (was %s)", c, last[c.DealID])
		}
		last[c.DealID] = c.To
	}
	for _, d := range a.Deals {
		if last[d.ID] != d.Stage {
			t.Fatalf("deal %s ends in %s, history says %s", d.ID, d.Stage, last[d.ID])
		}
	}
}
