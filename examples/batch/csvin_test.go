package main

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func writeFile(t *testing.T, name, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestOrdersReportsBadRowsWithLineAndColumn(t *testing.T) {
	p := writeFile(t, "orders.csv", "id,customer_id,time,amount,currency\n"+
		"O1,C1,2026-01-02,10.50,USD\n"+
		"O2,C1,yesterday,3,USD\n"+
		"O3,,2026-01-03,3,USD\n"+
		"O4,C2,2026-01-04T10:00:00Z,abc,USD\n"+
		"O5,C2,2026-01-05,7,USD\n")
	var ids []string
	var errs []string
	for o, err := range Orders(p) {
		if err != nil {
			var re *RowError
			if !errors.As(err, &re) {
				t.Fatalf("error %v is not a *RowError", err)
			}
			errs = append(errs, filepath.Base(re.File)+":"+itoa(re.Line)+":"+re.Column)
			continue
		}
		ids = append(ids, o.ID)
	}
	if diff := cmp.Diff([]string{"O1", "O5"}, ids); diff != "" {
		t.Errorf("good rows (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"orders.csv:3:time", "orders.csv:4:customer_id", "orders.csv:5:amount"}, errs); diff != "" {
		t.Errorf("bad rows (-want +got):\n%s", diff)
	}
}

func TestHeaderChecked(t *testing.T) {
	p := writeFile(t, "orders.csv", "id,customer,time,amount\nO1,C1,2026-01-01,1\n")
	for _, err := range Orders(p) {
		if !errors.Is(err, ErrHeader) {
			t.Fatalf("err = %v, want ErrHeader", err)
		}
		var re *RowError
		if errors.As(err, &re) && re.Column != "customer_id" {
			t.Errorf("header error names column %q, want customer_id", re.Column)
		}
		return
	}
	t.Fatal("no error for a header without customer_id")
}

func itoa(i int) string { return string(rune('0' + i)) }
