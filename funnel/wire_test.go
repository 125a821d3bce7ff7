package funnel

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestWireRoundTrip: accumulators shipped as bytes between workers merge to
// the same report as the one-pass run.
func TestWireRoundTrip(t *testing.T) {
	spec := fnlMessySpec(5, 300)
	deals, changes, amounts := fnlSynth(spec)
	opts := &Options{AsOf: spec.asOf, Snapshots: []time.Time{spec.start.AddDate(0, 3, 0)}, Teams: map[string]string{"ann": "n"}, Location: fnlZone(t)}
	pl := []Pipeline{fnlSynthPipeline()}
	hist := map[string]*History{}
	for _, d := range deals {
		hist[d.ID] = &History{Deal: d}
	}
	for _, c := range changes {
		hist[c.DealID].Changes = append(hist[c.DealID].Changes, c)
	}
	for _, a := range amounts {
		hist[a.DealID].Amounts = append(hist[a.DealID].Amounts, a)
	}
	one, _ := NewAccumulator(pl, opts)
	parts := []*Accumulator{}
	for range 3 {
		p, _ := NewAccumulator(pl, opts)
		parts = append(parts, p)
	}
	for i, d := range deals {
		if err := one.Add(*hist[d.ID]); err != nil {
			t.Fatal(err)
		}
		if err := parts[i%3].Add(*hist[d.ID]); err != nil {
			t.Fatal(err)
		}
	}
	var merged Accumulator
	for i, p := range parts {
		b, err := p.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		var back Accumulator
		if err := back.UnmarshalBinary(b); err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			merged = back
			continue
		}
		if err := merged.Merge(&back); err != nil {
			t.Fatal(err)
		}
	}
	want, _ := one.Report()
	got, err := merged.Report()
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got, fnlApprox); diff != "" {
		t.Errorf("decoded and merged (-one pass +decoded):\n%s", diff)
	}
	// Damage is an error, never a panic.
	b, _ := parts[0].MarshalBinary()
	for _, cut := range []int{0, 1, len(b) / 2, len(b) - 1} {
		var x Accumulator
		if err := x.UnmarshalBinary(b[:cut]); !errors.Is(err, ErrCorrupt) {
			t.Errorf("truncated at %d: err = %v, want ErrCorrupt", cut, err)
		}
	}
}

func fnlZone(t *testing.T) *time.Location {
	loc, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Log("no tz database; testing with UTC:", err)
		return time.UTC
	}
	return loc
}

func TestWireFixedZone(t *testing.T) {
	a, _ := NewAccumulator([]Pipeline{fnlTestPipeline()}, &Options{AsOf: fnlDay(7, 1), Location: time.FixedZone("X", 3600)})
	if _, err := a.MarshalBinary(); err == nil {
		t.Error("a fixed zone cannot travel by name; want an error")
	}
}

// FuzzUnmarshalBinary: arbitrary bytes decode to an error or to an
// accumulator whose report works.
func FuzzUnmarshalBinary(f *testing.F) {
	deals, changes, amounts := fnlHandData()
	a, _ := NewAccumulator([]Pipeline{fnlTestPipeline()}, fnlHandOptions())
	for _, d := range deals {
		h := History{Deal: d}
		for _, c := range changes {
			if c.DealID == d.ID {
				h.Changes = append(h.Changes, c)
			}
		}
		for _, c := range amounts {
			if c.DealID == d.ID {
				h.Amounts = append(h.Amounts, c)
			}
		}
		a.Add(h)
	}
	b, _ := a.MarshalBinary()
	f.Add(b)
	f.Add([]byte{1})
	f.Fuzz(func(t *testing.T, data []byte) {
		var x Accumulator
		if err := x.UnmarshalBinary(data); err != nil {
			return
		}
		r, err := x.Report()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := x.MarshalBinary(); err != nil {
			t.Fatal(err)
		}
		_ = r
	})
}
