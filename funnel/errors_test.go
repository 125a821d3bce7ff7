package funnel

import (
	"context"
	"errors"
	"iter"
	"testing"
	"time"

	"github.com/crmkit/crmkit"
	"github.com/google/go-cmp/cmp"
)

// TestBadRecords: each mutation of the hand fixture must give a RecordError
// naming the record, wrapping the right sentinel; with SkipBad the same data
// must give a report that skips exactly the affected deal and says why.
func TestBadRecords(t *testing.T) {
	type data struct {
		deals   []Deal
		changes []StageChange
		amounts []AmountChange
	}
	tests := []struct {
		name, reason string
		mutate       func(*data)
		want         crmkit.RecordError // Err holds the sentinel
		skipDeals    int
		skipRecords  int
	}{
		{"unknown stage", "a change into a stage the pipeline lacks",
			func(d *data) { d.changes[1].To = "nowhere" },
			crmkit.RecordError{Kind: "stage change", Index: 1, ID: "D1", Field: "to", Err: crmkit.ErrUnknownRef}, 1, 1 + 3 + 1},
		{"out of order", "changes of a deal must be in time order",
			func(d *data) { d.changes[1].Time = fnlDay(1, 5) },
			crmkit.RecordError{Kind: "stage change", Index: 1, ID: "D1", Field: "time", Err: crmkit.ErrOrder}, 1, 1 + 3 + 1},
		{"duplicate event", "the same change twice",
			func(d *data) {
				d.changes = append(d.changes[:2], append([]StageChange{d.changes[1]}, d.changes[2:]...)...)
			},
			crmkit.RecordError{Kind: "stage change", Index: 2, ID: "D1", Field: "", Err: crmkit.ErrDuplicate}, 1, 1 + 4 + 1},
		{"after close", "a change after the deal's close time",
			func(d *data) {
				d.deals[0].Closed = fnlDay(2, 1)
				d.changes[2].Time = fnlDay(2, 1)
				d.changes[2].Time = fnlDay(2, 10)
			},
			crmkit.RecordError{Kind: "stage change", Index: 2, ID: "D1", Field: "time", Err: crmkit.ErrInvalid}, 1, 1 + 3 + 1},
		{"chain break", "from must continue from the previous to",
			func(d *data) { d.changes[4].From = "proposal" },
			crmkit.RecordError{Kind: "stage change", Index: 4, ID: "D2", Field: "from", Err: crmkit.ErrInvalid}, 1, 1 + 2},
		{"end mismatch", "the last change must end in the deal's stage",
			func(d *data) { d.deals[3].Stage = "proposal" },
			crmkit.RecordError{Kind: "stage change", Index: 9, ID: "D4", Field: "to", Err: crmkit.ErrInvalid}, 1, 1 + 3},
		{"unknown deal", "a change for a deal not in the deal stream",
			func(d *data) { d.changes[11].DealID = "D99" },
			crmkit.RecordError{Kind: "stage change", Index: 11, ID: "D99", Field: "deal_id", Err: crmkit.ErrUnknownRef}, 0, 1},
		{"not contiguous", "a deal's changes must come together",
			// D4's first change (lead → qualified) already ends in its stage, so the
			// first group is complete; the rest comes after D6's change.
			func(d *data) {
				c := d.changes
				d.changes = append(append(append([]StageChange{}, c[:8]...), c[10], c[8], c[9]), c[11])
			},
			crmkit.RecordError{Kind: "stage change", Index: 9, ID: "D4", Field: "deal_id", Err: crmkit.ErrOrder}, 0, 2},
		{"negative amount", "amounts are never negative",
			func(d *data) { d.deals[2].Amount = fnlDec("-5") },
			crmkit.RecordError{Kind: "deal", Index: 2, ID: "D3", Field: "amount", Err: crmkit.ErrInvalid}, 1, 1 + 2},
		{"too precise", "amounts beyond four decimal places are refused, not rounded",
			func(d *data) { d.deals[2].Amount = fnlDec("5.00001") },
			crmkit.RecordError{Kind: "deal", Index: 2, ID: "D3", Field: "amount", Err: crmkit.ErrInvalid}, 1, 1 + 2},
		{"future", "a deal created after AsOf",
			func(d *data) { d.deals[4].Created = fnlDay(8, 1) },
			crmkit.RecordError{Kind: "deal", Index: 4, ID: "D5", Field: "created", Err: crmkit.ErrFuture}, 1, 1},
		{"duplicate deal", "deal IDs are unique; the first record stays",
			func(d *data) { d.deals = append(d.deals, d.deals[4]) },
			crmkit.RecordError{Kind: "deal", Index: 7, ID: "D5", Field: "id", Err: crmkit.ErrDuplicate}, 0, 1},
		{"closed missing", "a won deal needs its close time",
			func(d *data) { d.deals[5].Closed = time.Time{} },
			crmkit.RecordError{Kind: "deal", Index: 5, ID: "D6", Field: "closed", Err: crmkit.ErrMissing}, 1, 1 + 1},
		{"amount chain", "the amount history must end at the deal's amount",
			func(d *data) { d.amounts[0].To = fnlDec("999") },
			crmkit.RecordError{Kind: "amount change", Index: 0, ID: "D1", Field: "to", Err: crmkit.ErrInvalid}, 1, 1 + 1 + 3},
		{"unknown pipeline", "deals name a known pipeline",
			func(d *data) { d.deals[6].Pipeline = "other" },
			crmkit.RecordError{Kind: "deal", Index: 6, ID: "D7", Field: "pipeline", Err: crmkit.ErrUnknownRef}, 1, 1 + 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			deals, changes, amounts := fnlHandData()
			d := data{deals, changes, amounts}
			tt.mutate(&d)
			in := Input{Deals: crmkit.Stream(d.deals), StageChanges: crmkit.Stream(d.changes), AmountChanges: crmkit.Stream(d.amounts)}
			_, err := Run(context.Background(), []Pipeline{fnlTestPipeline()}, in, fnlHandOptions())
			var re *crmkit.RecordError
			if !errors.As(err, &re) || !errors.Is(err, tt.want.Err) {
				t.Fatalf("%s: err = %v, want a RecordError wrapping %v", tt.reason, err, tt.want.Err)
			}
			got := crmkit.RecordError{Kind: re.Kind, Index: re.Index, ID: re.ID, Field: re.Field, Err: tt.want.Err}
			if diff := cmp.Diff(tt.want, got, cmp.Comparer(func(a, b error) bool { return a == b })); diff != "" {
				t.Errorf("%s: error names the wrong record (-want +got):\n%s\n%v", tt.reason, diff, err)
			}
			opts := fnlHandOptions()
			opts.SkipBad = true
			r, err := Run(context.Background(), []Pipeline{fnlTestPipeline()}, in, opts)
			if err != nil {
				t.Fatalf("SkipBad: %v", err)
			}
			if r.Skipped.Deals != tt.skipDeals || r.Skipped.Records != tt.skipRecords || len(r.Skipped.Reasons) == 0 {
				t.Errorf("SkipBad: skipped %+v, want %d deals and %d records", r.Skipped, tt.skipDeals, tt.skipRecords)
			}
			if n := r.Pipelines[0].Total.Snapshots[2].Count; n != 7-tt.skipDeals {
				t.Errorf("SkipBad: %d deals in the snapshot, want %d", n, 7-tt.skipDeals)
			}
		})
	}
}

func TestMixedCurrencyNeverSkipped(t *testing.T) {
	deals, changes, _ := fnlHandData()
	deals[3].Currency = "USD"
	opts := fnlHandOptions()
	opts.SkipBad = true
	_, err := Run(context.Background(), []Pipeline{fnlTestPipeline()}, Input{Deals: crmkit.Stream(deals), StageChanges: crmkit.Stream(changes)}, opts)
	if !errors.Is(err, crmkit.ErrCurrency) {
		t.Fatalf("err = %v, want ErrCurrency even with SkipBad", err)
	}
}

func TestStreamErrorAndCancel(t *testing.T) {
	boom := errors.New("cursor closed")
	deals, _, _ := fnlHandData()
	var failing iter.Seq2[Deal, error] = func(yield func(Deal, error) bool) {
		if yield(deals[0], nil) {
			yield(Deal{}, boom)
		}
	}
	_, err := Run(context.Background(), []Pipeline{fnlTestPipeline()}, Input{Deals: failing}, fnlHandOptions())
	if !errors.Is(err, boom) {
		t.Errorf("stream error: got %v, want %v", err, boom)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = Run(ctx, []Pipeline{fnlTestPipeline()}, Input{Deals: crmkit.Stream(deals)}, fnlHandOptions())
	if !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: got %v, want context.Canceled", err)
	}
}

func TestOptionsErrors(t *testing.T) {
	pl := []Pipeline{fnlTestPipeline()}
	tests := []struct {
		name, reason string
		opts         *Options
		wantErr      error
	}{
		{"nil", "AsOf is required", nil, crmkit.ErrMissing},
		{"no asof", "AsOf is required", &Options{}, crmkit.ErrMissing},
		{"future snapshot", "snapshots lie at or before AsOf", &Options{AsOf: fnlDay(7, 1), Snapshots: []time.Time{fnlDay(8, 1)}}, crmkit.ErrFuture},
		{"window", "To must follow From", &Options{AsOf: fnlDay(7, 1), From: fnlDay(5, 1), To: fnlDay(4, 1)}, crmkit.ErrInvalid},
		{"confidence", "confidence in [0.5, 1)", &Options{AsOf: fnlDay(7, 1), Confidence: 1}, crmkit.ErrInvalid},
		{"target", "a target names a rep or a team", &Options{AsOf: fnlDay(7, 1), Targets: []Target{{Period: Month, Start: fnlDay(1, 1)}}}, crmkit.ErrInvalid},
		{"period", "unknown period", &Options{AsOf: fnlDay(7, 1), Period: "fortnight"}, crmkit.ErrInvalid},
		{"conversion", "unknown conversion definition", &Options{AsOf: fnlDay(7, 1), Conversions: []ConversionKind{"magic"}}, crmkit.ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewAccumulator(pl, tt.opts)
			if !errors.Is(err, tt.wantErr) {
				t.Errorf("%s: err = %v, want %v", tt.reason, err, tt.wantErr)
			}
		})
	}
}

func TestCloseDateErrors(t *testing.T) {
	tests := []struct {
		name, reason string
		mutate       func([]CloseDateChange) []CloseDateChange
		wantField    string
		wantIndex    int
		wantErr      error
	}{
		{"end", "the history must end at the deal's expected close", func(c []CloseDateChange) []CloseDateChange { c[1].To = fnlDay(8, 1); return c }, "to", 1, crmkit.ErrInvalid},
		{"chain", "each from continues the previous to", func(c []CloseDateChange) []CloseDateChange { c[1].From = fnlDay(1, 1); return c }, "from", 1, crmkit.ErrInvalid},
		{"order", "time order within a deal", func(c []CloseDateChange) []CloseDateChange { c[1].Time = fnlDay(3, 20); return c }, "time", 1, crmkit.ErrOrder},
		{"unknown", "a deal not in the deal stream", func(c []CloseDateChange) []CloseDateChange { c[2].DealID = "nope"; return c }, "deal_id", 2, crmkit.ErrUnknownRef},
		{"future", "after AsOf", func(c []CloseDateChange) []CloseDateChange { c[2].Time = fnlDay(9, 1); return c }, "time", 2, crmkit.ErrFuture},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			deals, changes, _ := fnlHandData()
			in := Input{Deals: crmkit.Stream(deals), StageChanges: crmkit.Stream(changes), CloseDateChanges: crmkit.Stream(tt.mutate(fnlHandCloseDates()))}
			_, err := Run(context.Background(), []Pipeline{fnlTestPipeline()}, in, fnlHandOptions())
			var re *crmkit.RecordError
			if !errors.As(err, &re) || !errors.Is(err, tt.wantErr) || re.Kind != "close date change" || re.Field != tt.wantField || re.Index != tt.wantIndex {
				t.Errorf("%s: err = %v, want close date change #%d field %s wrapping %v", tt.reason, err, tt.wantIndex, tt.wantField, tt.wantErr)
			}
		})
	}
}
