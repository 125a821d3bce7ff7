package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func runBatch(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var o, e bytes.Buffer
	code = run(context.Background(), args, &o, &e)
	return code, o.String(), e.String()
}

func readRows(t *testing.T, path string) [][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

func TestSampleRunWritesEveryResult(t *testing.T) {
	if testing.Short() {
		t.Skip("fits purchase and forecast models on a 2,000-customer book")
	}
	out := t.TempDir()
	code, stdout, stderr := runBatch(t, "-q", "-sample", "-asof", "2026-06-30", "-out", out)
	if code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	for _, f := range []string{"funnel.json", "funnel.txt", "forecasts.csv", "forecast_errors.csv", "tiers.csv", "concentration.json", "rfm.csv", "rfm_segments.json", "ltv.csv"} {
		if fi, err := os.Stat(filepath.Join(out, f)); err != nil || fi.Size() == 0 {
			t.Errorf("%s missing or empty: %v", f, err)
		}
	}
	// Every customer with an order appears once in tiers, RFM and lifetime value.
	customers := map[string]bool{}
	for _, r := range readRows(t, filepath.Join(out, "input", "orders.csv"))[1:] {
		customers[r[1]] = true
	}
	for _, f := range []string{"tiers.csv", "rfm.csv", "ltv.csv"} {
		rows := readRows(t, filepath.Join(out, f))[1:]
		seen := map[string]bool{}
		for _, r := range rows {
			if seen[r[0]] || !customers[r[0]] {
				t.Fatalf("%s: customer %s twice or unknown", f, r[0])
			}
			seen[r[0]] = true
		}
		if len(seen) != len(customers) {
			t.Errorf("%s has %d customers, orders have %d", f, len(seen), len(customers))
		}
	}
	if !strings.Contains(stdout, "rep-wang: weakest at proposal") && !strings.Contains(readFile(t, filepath.Join(out, "funnel.txt")), "rep-wang: weakest at proposal") {
		t.Errorf("funnel report does not name the sample book's weak rep and stage (rep2, proposal)")
	}
}

func readFile(t *testing.T, p string) string {
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestBadRowsExitStatus(t *testing.T) {
	dir := t.TempDir()
	orders := writeFile(t, "orders.csv", "id,customer_id,time,amount,currency\n"+
		"O1,C1,2026-01-02,10.50,USD\n"+
		"O2,C1,2026-02-02,oops,USD\n"+
		"O3,C2,2026-03-03,7,USD\n")
	code, _, stderr := runBatch(t, "-q", "-run", "rfm", "-orders", orders, "-asof", "2026-06-30", "-out", dir)
	if code != 1 || !strings.Contains(stderr, "orders.csv:3: column amount") {
		t.Errorf("bad row: exit %d, stderr %q; want 1 naming orders.csv:3 column amount", code, stderr)
	}
	code, stdout, stderr := runBatch(t, "-q", "-skip-bad", "-run", "rfm", "-orders", orders, "-asof", "2026-06-30", "-out", dir)
	if code != 0 || !strings.Contains(stdout, "skipped 1 bad rows") || !strings.Contains(stderr, "orders.csv:3") {
		t.Errorf("-skip-bad: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	if rows := readRows(t, filepath.Join(dir, "rfm.csv")); len(rows) != 3 {
		t.Errorf("rfm.csv has %d rows, want header + 2 customers", len(rows))
	}
}

func TestUsageErrors(t *testing.T) {
	tests := []struct {
		name, reason string
		args         []string
	}{
		{"no asof", "the clock is required", []string{"-orders", "x.csv"}},
		{"unknown analysis", "typos must not run nothing", []string{"-asof", "2026-01-01", "-run", "churn", "-orders", "x.csv"}},
		{"no orders", "tiers need orders", []string{"-asof", "2026-01-01", "-run", "tiers"}},
		{"bad horizon", "horizon is bounded", []string{"-asof", "2026-01-01", "-run", "forecast", "-orders", "x.csv", "-h", "0"}},
	}
	for _, tt := range tests {
		if code, _, stderr := runBatch(t, append(tt.args, "-out", t.TempDir())...); code != 2 {
			t.Errorf("%s (%s): exit %d, want 2; stderr %q", tt.name, tt.reason, code, stderr)
		}
	}
}
