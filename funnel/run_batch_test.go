package funnel

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"testing"

	"github.com/crmkit/crmkit"
	"github.com/google/go-cmp/cmp"
)

// TestRunDealBatchOrder checks that batching the deal IDs before they are
// inserted (run.go, fnlBatch) keeps records in stream order: the first bad
// record is the one reported, whether it is a duplicate waiting in the
// batch, a record that fails its own checks, a stream error or a
// duplicate more than one batch after its first record; under SkipBad the
// skip examples come in stream order.
func TestRunDealBatchOrder(t *testing.T) {
	const n = 3*fnlBatch + 10
	mk := func() []Deal {
		out := make([]Deal, n)
		for i := range out {
			out[i] = Deal{ID: fmt.Sprintf("D%d", i), Pipeline: "sales", Stage: "lead", Created: fnlDay(1, 2)}
		}
		return out
	}
	streamErr := errors.New("cursor broke")
	tests := []struct {
		name, reason string
		mutate       func([]Deal)
		breakAt      int // the stream yields streamErr at this record (0: never)
		wantIndex    int
		wantErr      error
	}{
		{"dup then bad", "a duplicate still in the batch precedes a later bad record",
			func(d []Deal) { d[10].ID = "D3"; d[20].Stage = "" }, 0, 10, crmkit.ErrDuplicate},
		{"bad then dup", "a bad record precedes a later duplicate",
			func(d []Deal) { d[10].Stage = ""; d[20].ID = "D3" }, 0, 10, crmkit.ErrMissing},
		{"dup then stream error", "a duplicate in the batch precedes a stream error",
			func(d []Deal) { d[10].ID = "D3" }, 30, 10, crmkit.ErrDuplicate},
		{"stream error", "a stream error is returned as is after the batch is flushed",
			func(d []Deal) {}, 30, -1, streamErr},
		{"far dup", "a duplicate two batches after its first record",
			func(d []Deal) { d[2*fnlBatch+5].ID = "D1" }, 0, 2*fnlBatch + 5, crmkit.ErrDuplicate},
		{"last dup", "a duplicate in the final, partial batch",
			func(d []Deal) { d[n-1].ID = "D0" }, 0, n - 1, crmkit.ErrDuplicate},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			deals := mk()
			tc.mutate(deals)
			var stream iter.Seq2[Deal, error] = func(yield func(Deal, error) bool) {
				for i, d := range deals {
					if tc.breakAt > 0 && i == tc.breakAt {
						yield(Deal{}, streamErr)
						return
					}
					if !yield(d, nil) {
						return
					}
				}
			}
			_, err := Run(context.Background(), []Pipeline{fnlTestPipeline()}, Input{Deals: stream}, fnlHandOptions())
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("err = %v, want %v (%s)", err, tc.wantErr, tc.reason)
			}
			if tc.wantErr == streamErr {
				if err != streamErr {
					t.Errorf("stream error was wrapped: %v", err)
				}
				return
			}
			var re *crmkit.RecordError
			if !errors.As(err, &re) || re.Kind != "deal" || re.Index != tc.wantIndex {
				t.Errorf("err = %v, want deal record %d (%s)", err, tc.wantIndex, tc.reason)
			}
		})
	}
	t.Run("skip order", func(t *testing.T) {
		deals := mk()
		deals[10].ID = "D3"
		deals[20].Stage = ""
		deals[2*fnlBatch+5].ID = "D1"
		opts := fnlHandOptions()
		opts.SkipBad = true
		r, err := Run(context.Background(), []Pipeline{fnlTestPipeline()}, Input{Deals: crmkit.Stream(deals)}, opts)
		if err != nil {
			t.Fatal(err)
		}
		want := []string{
			crmkit.Errorf("deal", 10, "D3", "id", crmkit.ErrDuplicate, "").Error(),
			crmkit.Errorf("deal", 20, "D20", "stage", crmkit.ErrMissing, "").Error(),
			crmkit.Errorf("deal", 2*fnlBatch+5, "D1", "id", crmkit.ErrDuplicate, "").Error(),
		}
		if diff := cmp.Diff(want, r.Skipped.Examples); diff != "" {
			t.Errorf("skip examples (-want +got):\n%s", diff)
		}
		if got := r.Pipelines[0].Total.Snapshots[len(r.Pipelines[0].Total.Snapshots)-1].Count; got != n-3 {
			t.Errorf("snapshot count %d, want %d", got, n-3)
		}
	})
}
