package funnel

import (
	"errors"
	"testing"
	"time"

	"github.com/crmkit/crmkit"
)

// TestOptionsTimeRange checks that option times outside what RFC 3339 can
// write give a field error naming the option (not a JSON error from the
// fingerprint), and that the edges of the range are accepted.
func TestOptionsTimeRange(t *testing.T) {
	pl := []Pipeline{fnlTestPipeline()}
	far := time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)
	early := time.Date(-1, 12, 31, 0, 0, 0, 0, time.UTC)
	odd := time.Date(2024, 6, 1, 0, 0, 0, 0, time.FixedZone("odd", 25*3600))
	asOf := fnlDay(7, 1)
	tests := []struct {
		name, reason string
		opts         Options
		wantField    string // "" means no error
	}{
		{"asof 10000", "year after 9999", Options{AsOf: far}, "AsOf"},
		{"asof -1", "year before 0", Options{AsOf: early}, "AsOf"},
		{"asof offset", "zone offset of 25 hours", Options{AsOf: odd}, "AsOf"},
		{"from", "year before 0", Options{AsOf: asOf, From: early}, "From"},
		{"to", "year after 9999", Options{AsOf: asOf, To: far}, "To"},
		{"snapshot", "year before 0", Options{AsOf: asOf, Snapshots: []time.Time{asOf, early}}, "Snapshots[1]"},
		{"target", "year after 9999", Options{AsOf: asOf, Targets: []Target{{Rep: "r", Period: Month, Start: far}}}, "Targets[0].Start"},
		{"edges", "years 0 and 9999 are representable", Options{AsOf: time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC), From: time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC)}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewAccumulator(pl, &tt.opts)
			if tt.wantField == "" {
				if err != nil {
					t.Fatalf("%s: unexpected error %v", tt.reason, err)
				}
				return
			}
			var re *crmkit.RecordError
			if !errors.Is(err, crmkit.ErrInvalid) || !errors.As(err, &re) {
				t.Fatalf("%s: err = %v, want a *crmkit.RecordError wrapping crmkit.ErrInvalid", tt.reason, err)
			}
			if re.Field != tt.wantField {
				t.Errorf("%s: field = %q, want %q (err %v)", tt.reason, re.Field, tt.wantField, err)
			}
		})
	}
}
