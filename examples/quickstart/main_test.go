package main

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"
)

func TestRun(t *testing.T) {
	var a, b bytes.Buffer
	if err := run(&a, filepath.Join(t.TempDir(), "a.db")); err != nil {
		t.Fatal(err)
	}
	if err := run(&b, filepath.Join(t.TempDir(), "b.db")); err != nil {
		t.Fatal(err)
	}
	if a.String() != b.String() {
		t.Error("two runs printed different reports")
	}
	for _, want := range []string{"Data quality", "6 problems:", "Revenue by month", "Classification", "Likely duplicates (4 pairs)", "Best referrers", "Sales funnel", "coach rep-wang on \"proposal\"", "Revenue forecast", "Customer value", "Handover: rep-smith leaves"} {
		if !strings.Contains(a.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, a.String())
		}
	}
}
