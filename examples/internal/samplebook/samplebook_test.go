package samplebook

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestDeterministicAndConsistent(t *testing.T) {
	a, b := New(Options{Customers: 120, Seed: 9}), New(Options{Customers: 120, Seed: 9})
	if diff := cmp.Diff(a, b); diff != "" {
		t.Fatalf("same seed, different book:\n%s", diff)
	}
	ids := map[string]bool{}
	for _, c := range a.Customers {
		ids[c.ID] = true
	}
	for _, o := range a.Orders {
		if !ids[o.CustomerID] || o.Time.After(a.AsOf) || o.Amount.IsNegative() {
			t.Fatalf("bad order %+v", o)
		}
	}
	last := map[string]string{}
	for _, d := range a.Deals {
		last[d.ID] = "lead"
	}
	for _, c := range a.StageChanges {
		if last[c.DealID] != c.From {
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
