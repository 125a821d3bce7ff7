package customer

import (
	"context"
	"errors"
	"testing"

	"github.com/crmkit/crmkit"
)

// TestCustaCancelAndStreamErrors checks that every stream reader honours a
// cancelled context and stops at a stream error with that error, unless told
// to skip.
func TestCustaCancelAndStreamErrors(t *testing.T) {
	ioErr := errors.New("cursor closed")
	good := crmkit.Stream([]Customer{{ID: "A", Name: "a"}})
	bad := errStream([]Customer{{ID: "A", Name: "a"}}, 0, ioErr)
	badOrders := errStream([]Order{{ID: "1", CustomerID: "A", Time: testDay(2026, 1, 1)}}, 0, ioErr)
	rules := []Rule{{Name: "all", Level: "X"}}
	g, err := BuildReferralGraph(context.Background(), good, nil)
	if err != nil {
		t.Fatal(err)
	}
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	tests := []struct {
		name    string
		reason  string
		run     func(ctx context.Context, skip bool) error
		wantErr error
	}{
		{"Classify", "customers with a stream error", func(ctx context.Context, skip bool) error {
			_, err := Classify(ctx, testAsOf, rules, bad, nil, nil, &ClassifyOptions{SkipInvalid: skip})
			return err
		}, ioErr},
		{"FindDuplicates", "customers with a stream error", func(ctx context.Context, skip bool) error {
			_, err := FindDuplicates(ctx, bad, &DuplicateOptions{SkipInvalid: skip})
			return err
		}, ioErr},
		{"BuildReferralGraph", "customers with a stream error", func(ctx context.Context, skip bool) error {
			_, err := BuildReferralGraph(ctx, bad, &ReferralOptions{SkipInvalid: skip})
			return err
		}, ioErr},
		{"Value", "orders with a stream error", func(ctx context.Context, skip bool) error {
			_, err := g.Value(ctx, testAsOf, badOrders, &ReferralValueOptions{SkipInvalid: skip})
			return err
		}, ioErr},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.run(cancelled, false); !errors.Is(err, context.Canceled) {
				t.Errorf("cancelled: err = %v, want context.Canceled", err)
			}
			err := tt.run(context.Background(), false)
			var re *crmkit.RecordError
			if !errors.Is(err, tt.wantErr) || !errors.As(err, &re) || re.Index != 0 {
				t.Errorf("%s: err = %v, want a *crmkit.RecordError at #0 wrapping %v", tt.reason, err, tt.wantErr)
			}
			if err := tt.run(context.Background(), true); err != nil {
				t.Errorf("%s, skipping: err = %v", tt.reason, err)
			}
		})
	}
}
