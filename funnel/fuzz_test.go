package funnel

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/crmkit/crmkit"
	"github.com/shopspring/decimal"
)

// fnlFuzzDecode turns fuzz bytes into deal and change streams that hit the
// dirty cases: unknown stages, changes out of order, duplicates, changes
// after close, negative and over-precise amounts, stray and interleaved
// deal IDs, mixed currencies and timestamps after AsOf.
func fnlFuzzDecode(data []byte) ([]Deal, []StageChange, []AmountChange) {
	stages := []string{"lead", "qualified", "proposal", "won", "lost", "bogus", ""}
	base := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	next := func() byte {
		if len(data) == 0 {
			return 0
		}
		b := data[0]
		data = data[1:]
		return b
	}
	var deals []Deal
	var changes []StageChange
	var amounts []AmountChange
	for n := 0; len(data) > 0 && n < 64; n++ {
		flags := next()
		id := fmt.Sprintf("D%d", next()%16)
		if flags&1 != 0 {
			id = ""
		}
		d := Deal{ID: id, Pipeline: "sales", Owner: []string{"", "ann", "bob", "cy"}[next()%4],
			Created: base.Add(time.Duration(next()) * 24 * time.Hour)}
		if flags&2 != 0 {
			d.Pipeline = "nope"
		}
		switch a := next(); {
		case a == 255:
			d.Amount = decimal.NewFromInt(-5)
		case a == 254:
			d.Amount = decimal.New(1, -7)
		case a == 253:
			d.Amount = decimal.New(math.MaxInt64, 3)
		default:
			d.Amount = decimal.New(int64(a)*100, -1)
		}
		if flags&4 != 0 {
			d.Currency = "USD"
		} else if flags&8 != 0 {
			d.Currency = "EUR"
		}
		nch := int(next() % 6)
		cur := stages[0]
		t := d.Created
		for i := 0; i < nch; i++ {
			b := next()
			to := stages[int(b)%len(stages)]
			dt := time.Duration(int8(next())) * time.Hour * 7 // negative: out of order
			t = t.Add(dt)
			c := StageChange{DealID: d.ID, From: cur, To: to, Time: t, Owner: []string{"", "ann", "zed"}[b/64%3]}
			if b&16 != 0 {
				c.DealID = fmt.Sprintf("D%d", b%16) // stray or interleaved deal
			}
			changes = append(changes, c)
			if b&32 != 0 {
				changes = append(changes, c) // duplicate
			}
			cur = to
		}
		d.Stage = cur
		if flags&16 != 0 {
			d.Stage = stages[int(flags>>5)%len(stages)]
		}
		if d.Stage == "won" || d.Stage == "lost" || flags&64 != 0 {
			d.Closed = t.Add(time.Duration(int8(next())) * time.Hour) // may precede its changes
		}
		if flags&128 != 0 {
			amounts = append(amounts, AmountChange{DealID: d.ID, Time: d.Created.Add(time.Hour), From: decimal.NewFromInt(int64(int8(next()))), To: d.Amount})
		}
		deals = append(deals, d)
	}
	return deals, changes, amounts
}

func fnlCheckErr(t *testing.T, err error) {
	t.Helper()
	var re *crmkit.RecordError
	if !errors.As(err, &re) {
		t.Fatalf("error is not a RecordError: %v", err)
	}
	for _, s := range []error{crmkit.ErrMissing, crmkit.ErrInvalid, crmkit.ErrDuplicate, crmkit.ErrOrder, crmkit.ErrUnknownRef, crmkit.ErrFuture, crmkit.ErrCurrency} {
		if errors.Is(err, s) {
			return
		}
	}
	t.Fatalf("error wraps no sentinel: %v", err)
}

func fnlCheckReport(t *testing.T, r *Report) {
	t.Helper()
	for _, p := range r.Pipelines {
		for _, m := range append([]Metrics{p.Total}, p.Reps...) {
			for _, c := range m.Conversion.StageToStage {
				if c.Entered != c.Advanced+c.Dropped+c.Open || c.Rate < 0 || c.Rate > 1 || c.DecidedRate < 0 || c.DecidedRate > 1 {
					t.Fatalf("stage-to-stage does not add up: %+v", c)
				}
			}
			for _, c := range m.Conversion.ReachedStage {
				if c.Reached != c.Won+c.Lost+c.Open || c.WinShare < 0 || c.WinShare > 1 {
					t.Fatalf("reached-stage does not add up: %+v", c)
				}
			}
			if m.WinRate < 0 || m.WinRate > 1 || math.IsNaN(m.CycleDays.Mean) {
				t.Fatalf("bad rates: %+v", m)
			}
		}
		for _, d := range p.Diagnostics {
			for _, s := range d.Stages {
				if !(s.Low >= 0 && s.Low <= s.Rate+1e-12 && s.Rate <= s.High+1e-12 && s.High <= 1 && s.ProbBelow >= 0 && s.ProbBelow <= 1 && s.Shrunk >= 0 && s.Shrunk <= 1 && s.ShrunkLow >= 0 && s.ShrunkLow <= s.ShrunkHigh && s.ShrunkHigh <= 1) {
					t.Fatalf("bad diagnostics: %+v", s)
				}
			}
		}
	}
	if _, err := r.WriteTo(discard{}); err != nil {
		t.Fatal(err)
	}
	if _, err := json.Marshal(r); err != nil {
		t.Fatalf("report does not marshal: %v", err)
	}
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

func fnlFuzzSeeds(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte{0, 1, 1, 5, 10, 3, 1, 10, 2, 10, 3, 10})
	f.Add([]byte{16 | 3<<5, 2, 2, 5, 20, 2, 33, 250, 3, 5})                  // closed stage, duplicate, going back in time
	f.Add([]byte{4, 1, 1, 1, 1, 0, 8, 1, 1, 1, 1, 0})                        // USD then EUR
	f.Add([]byte{64, 3, 0, 255, 255, 2, 3, 1, 0, 1, 200})                    // negative amount, closed open deal
	f.Add([]byte{128, 4, 1, 2, 3, 1, 3 | 16, 5, 9, 0, 1, 1, 1, 1, 5, 2, 16}) // amount change, stray change
	f.Add([]byte{0, 5, 1, 253, 254, 2, 2, 2, 2, 2})
}

// FuzzRun streams decoded dirty histories through Run, strictly and with
// SkipBad: a typed error or a consistent report, never a panic. With
// SkipBad every distinct deal is either in the report or counted skipped.
func FuzzRun(f *testing.F) {
	fnlFuzzSeeds(f)
	pl := []Pipeline{fnlTestPipeline()}
	f.Fuzz(func(t *testing.T, data []byte) {
		deals, changes, amounts := fnlFuzzDecode(data)
		in := Input{Deals: crmkit.Stream(deals), StageChanges: crmkit.Stream(changes), AmountChanges: crmkit.Stream(amounts)}
		opts := &Options{AsOf: time.Date(2024, 9, 1, 0, 0, 0, 0, time.UTC), Snapshots: []time.Time{time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)}}
		r, err := Run(context.Background(), pl, in, opts)
		if err != nil {
			fnlCheckErr(t, err)
		} else {
			fnlCheckReport(t, r)
		}
		opts.SkipBad = true
		r, err = Run(context.Background(), pl, in, opts)
		if err != nil {
			if !errors.Is(err, crmkit.ErrCurrency) {
				t.Fatalf("SkipBad returned %v", err)
			}
			return
		}
		fnlCheckReport(t, r)
		ids, empty := map[string]bool{}, 0
		for _, d := range deals {
			if d.ID == "" {
				empty++
			}
			ids[d.ID] = true
		}
		delete(ids, "")
		snap := r.Pipelines[0].Total.Snapshots
		if got := snap[len(snap)-1].Count + r.Skipped.Deals; got != len(ids)+empty {
			t.Fatalf("%d deals reported + %d skipped, want %d (%+v)", snap[len(snap)-1].Count, r.Skipped.Deals, len(ids)+empty, r.Skipped)
		}
	})
}

// FuzzAccumulator adds decoded histories one deal at a time, splits them
// over two accumulators and merges: typed errors only, and the merged
// report is consistent.
func FuzzAccumulator(f *testing.F) {
	fnlFuzzSeeds(f)
	pl := []Pipeline{fnlTestPipeline()}
	f.Fuzz(func(t *testing.T, data []byte) {
		deals, changes, amounts := fnlFuzzDecode(data)
		opts := &Options{AsOf: time.Date(2024, 9, 1, 0, 0, 0, 0, time.UTC)}
		a, err := NewAccumulator(pl, opts)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := NewAccumulator(pl, opts)
		for i, d := range deals {
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
			acc := a
			if i%2 == 1 {
				acc = b
			}
			if err := acc.Add(h); err != nil {
				fnlCheckErr(t, err)
			}
		}
		if err := a.Merge(b); err != nil {
			fnlCheckErr(t, err)
			return
		}
		r, err := a.Report()
		if err != nil {
			t.Fatal(err)
		}
		fnlCheckReport(t, r)
	})
}

// FuzzValidatePipelines: any stage list gives warnings and typed errors,
// never a panic; what it accepts, NewAccumulator accepts.
func FuzzValidatePipelines(f *testing.F) {
	f.Add("lead", 0.1, "open", "won", 1.0, "won", 5)
	f.Add("a", math.NaN(), "lost", "a", -1.0, "maybe", -3)
	f.Fuzz(func(t *testing.T, id1 string, p1 float64, k1 string, id2 string, p2 float64, k2 string, stale int) {
		pl := []Pipeline{{ID: "p", Stages: []Stage{
			{ID: id1, Probability: p1, Kind: StageKind(k1), StaleDays: stale},
			{ID: id2, Probability: p2, Kind: StageKind(k2)},
			{ID: "x-lost", Kind: StageLost},
		}}}
		_, err := ValidatePipelines(pl)
		if err != nil {
			fnlCheckErr(t, err)
			return
		}
		if _, err := NewAccumulator(pl, &Options{AsOf: time.Unix(1e9, 0)}); err != nil {
			t.Fatalf("ValidatePipelines accepted what NewAccumulator refuses: %v", err)
		}
	})
}
