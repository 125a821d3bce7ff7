package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// The table command runs end to end on a slice of the data; the seasonal
// naive row on every monthly series is the published R figure (sMAPE 17.23,
// Hyndman's M3 benchmark post), a check that the data and the harness agree.
func TestTableRuns(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), &out, []string{"monthly", "quarterly", "yearly"}, []string{"naive"}, 50, 1, false, "testdata"); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(out.String(), "| naive |"); n != 3 {
		t.Errorf("table has %d naive rows, want 3:\n%s", n, out.String())
	}
	out.Reset()
	if err := run(context.Background(), &out, []string{"monthly"}, []string{"snaive"}, 1, 2, false, "testdata"); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "| snaive | monthly | 1428 | 17.24 | 1.146 | 0 |") {
		t.Errorf("seasonal naive on M3 monthly should give sMAPE 17.24 (published 17.23, truncated) and MASE 1.146:\n%s", out.String())
	}
	if _, err := run2(); err == nil {
		t.Error("an unknown model must be an error")
	}
}

func run2() (string, error) {
	var out bytes.Buffer
	err := run(context.Background(), &out, []string{"monthly"}, []string{"nosuch"}, 100, 1, false, "testdata")
	return out.String(), err
}
