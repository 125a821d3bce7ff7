package crmbeam

import (
	"cmp"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/crmkit/crmkit"
	"github.com/crmkit/crmkit/funnel"
	gocmp "github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/shopspring/decimal"
)

// TestFunnelMatchesInProcess runs the funnel pipeline on the local runner,
// with deals and stage changes shuffled over several files, and compares
// its report with funnel.Run over the same good records in this process:
// every count and amount identical, rates and durations within 1e-9
// relative (the partial accumulators merge in another order than one pass
// adds). Bad records become error records.
func TestFunnelMatchesInProcess(t *testing.T) {
	start := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	asOf := time.Date(2024, 12, 1, 0, 0, 0, 0, time.UTC)
	n := 1500
	if testing.Short() {
		n = 400
	}
	deals, changes := SampleDeals(3, n, start, asOf)
	opts := funnel.Options{AsOf: asOf, From: start.AddDate(0, 2, 0), Period: funnel.Quarter,
		Snapshots: []time.Time{start.AddDate(0, 6, 0)},
		Teams:     map[string]string{"ann": "north", "ben": "north", "cat": "south", "dan": "south"},
		Targets:   []funnel.Target{{Team: "north", Period: funnel.Quarter, Start: asOf.AddDate(0, -1, 0), Amount: decimal.NewFromInt(200000)}}}
	pl := []funnel.Pipeline{SamplePipeline()}

	// Bad records: a change of an unknown deal, a duplicated deal, a deal
	// whose last change does not end in its stage, unparsable lines.
	badDeals := []string{`{"id":"D000001","pipeline":"sales","stage":"lead","amount":"1","created":"2024-02-01T00:00:00Z"}`, `{"id":`}
	broken := funnel.Deal{ID: "BROKEN", Pipeline: "sales", Owner: "ann", Amount: decimal.NewFromInt(100), Currency: "EUR",
		Created: start.AddDate(0, 3, 0), Stage: "proposal"}
	badChanges := []funnel.StageChange{
		{DealID: "GHOST", From: "lead", To: "qualified", Time: start.AddDate(0, 3, 0)},
		{DealID: "BROKEN", From: "lead", To: "qualified", Time: start.AddDate(0, 3, 1)},
	}
	dir := t.TempDir()
	// Shuffle the changes (reverse within each deal, round-robin over
	// files): the pipeline must restore the order itself.
	rev := slices.Clone(changes)
	slices.Reverse(rev)
	dealFiles, changeFiles := make([][]string, 3), make([][]string, 3)
	for i, d := range append(slices.Clone(deals), broken) {
		b, _ := json.Marshal(d)
		dealFiles[i%3] = append(dealFiles[i%3], string(b))
	}
	dealFiles[2] = append(dealFiles[2], badDeals...)
	for i, c := range append(rev, badChanges...) {
		b, _ := json.Marshal(c)
		changeFiles[(i*7)%3] = append(changeFiles[(i*7)%3], string(b))
	}
	for i := range 3 {
		writeLines(t, filepath.Join(dir, "deals-"+string(rune('a'+i))+".jsonl"), dealFiles[i])
		writeLines(t, filepath.Join(dir, "changes-"+string(rune('a'+i))+".jsonl"), changeFiles[i])
	}
	out := filepath.Join(dir, "out")
	if err := os.Mkdir(out, 0o755); err != nil {
		t.Fatal(err)
	}
	cfg := FunnelConfig{Deals: filepath.Join(dir, "deals-*.jsonl"), Changes: filepath.Join(dir, "changes-*.jsonl"),
		Output: out, Pipelines: pl, Options: opts}
	runLocal(t, func(s beam.Scope) error { return Funnel(s, cfg) })

	got := readJSONL[funnel.Report](t, filepath.Join(out, "report.json"))
	errs := readJSONL[ErrorRecord](t, filepath.Join(out, "errors.jsonl"))
	if len(got) != 1 {
		t.Fatalf("%d reports, want 1", len(got))
	}

	// In process: funnel.Run over the good records, D000001 excluded as
	// the pipeline must exclude a duplicated ID.
	var goodDeals []funnel.Deal
	for _, d := range deals {
		if d.ID != "D000001" {
			goodDeals = append(goodDeals, d)
		}
	}
	var goodChanges []funnel.StageChange
	for _, c := range changes {
		if c.DealID != "D000001" {
			goodChanges = append(goodChanges, c)
		}
	}
	slices.SortStableFunc(goodChanges, func(a, b funnel.StageChange) int { return cmp.Compare(a.DealID, b.DealID) })
	want, err := funnel.Run(context.Background(), pl, funnel.Input{Deals: crmkit.Stream(goodDeals), StageChanges: crmkit.Stream(goodChanges)}, &opts)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(want)
	var wantJSON funnel.Report
	if err := json.Unmarshal(b, &wantJSON); err != nil {
		t.Fatal(err)
	}
	approx := gocmp.Options{cmpopts.EquateApprox(1e-9, 0), exactDecimal}
	if diff := gocmp.Diff(wantJSON, got[0], approx); diff != "" {
		t.Errorf("funnel report differs (-funnel.Run +beam):\n%s", diff)
	}
	if pr := got[0].Pipelines; len(pr) != 1 || pr[0].Total.Won == 0 || len(pr[0].Reps) != 4 {
		t.Errorf("report lacks per-rep results or wins: %d pipelines", len(pr))
	}
	stages := map[string]int{}
	keys := map[string]bool{}
	for _, e := range errs {
		stages[e.Stage]++
		keys[e.Key] = true
	}
	if diff := gocmp.Diff(map[string]int{"parse": 1, "deal": 3}, stages); diff != "" {
		t.Errorf("error records by stage (-want +got):\n%s\n%+v", diff, errs)
	}
	for _, k := range []string{"GHOST", "BROKEN", "D000001"} {
		if !keys[k] {
			t.Errorf("no error record for %s: %+v", k, errs)
		}
	}
}

func TestOrderChanges(t *testing.T) {
	at := time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name   string
		reason string
		in     []funnel.StageChange
		want   []string
	}{
		{"by time", "later change last", []funnel.StageChange{{From: "b", To: "c", Time: at.Add(time.Hour)}, {From: "a", To: "b", Time: at}}, []string{"a>b", "b>c"}},
		{"tie first", "same instant at the start: the chain decides", []funnel.StageChange{{From: "b", To: "c", Time: at}, {From: "a", To: "b", Time: at}}, []string{"a>b", "b>c"}},
		{"tie later", "same instant after an earlier change", []funnel.StageChange{{From: "a", To: "b", Time: at}, {From: "c", To: "won", Time: at.Add(time.Hour)}, {From: "b", To: "c", Time: at.Add(time.Hour)}}, []string{"a>b", "b>c", "c>won"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, c := range orderChanges(funnel.Deal{}, tt.in) {
				got = append(got, c.From+">"+c.To)
			}
			if diff := gocmp.Diff(tt.want, got); diff != "" {
				t.Errorf("%s (-want +got):\n%s", tt.reason, diff)
			}
		})
	}
}
