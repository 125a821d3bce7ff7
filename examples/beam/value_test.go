package crmbeam

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/runners/prism"
	"github.com/crmkit/crmkit"
	"github.com/crmkit/crmkit/customer"
	"github.com/crmkit/crmkit/segment"
	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"
)

func TestMain(m *testing.M) {
	beam.Init()
	os.Exit(m.Run())
}

// runLocal builds a pipeline with build and runs it on the Prism runner in
// this process.
func runLocal(t testing.TB, build func(s beam.Scope) error) {
	t.Helper()
	p, s := beam.NewPipelineWithRoot()
	if err := build(s); err != nil {
		t.Fatal(err)
	}
	if _, err := prism.Execute(context.Background(), p); err != nil {
		t.Fatalf("pipeline failed: %v", err)
	}
}

func writeLines(t testing.TB, path string, lines []string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
}

func readJSONL[T any](t testing.TB, path string) []T {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []T
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<26)
	for sc.Scan() {
		if sc.Text() == "" {
			continue
		}
		var v T
		if err := json.Unmarshal(sc.Bytes(), &v); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		out = append(out, v)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

var exactDecimal = cmp.Comparer(func(a, b decimal.Decimal) bool { return a.Equal(b) })

var (
	valueStart = time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC)
	valueAsOf  = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
)

// writeOrderFiles writes the orders as CSV split over parts files (with a
// header each) and returns the glob.
func writeOrderFiles(t testing.TB, dir string, orders []customer.Order, parts int, extra []string) string {
	t.Helper()
	files := make([][]string, parts)
	for i := range files {
		files[i] = []string{"order_id,customer_id,time,amount,currency"}
	}
	for i, o := range orders {
		files[i%parts] = append(files[i%parts], OrderCSV(o))
	}
	files[0] = append(files[0], extra...)
	for i, lines := range files {
		writeLines(t, filepath.Join(dir, "orders-"+string(rune('a'+i))+".csv"), lines)
	}
	return filepath.Join(dir, "orders-*.csv")
}

// TestCustomerValueMatchesInProcess runs the customer-value pipeline on the
// local runner and compares every customer with crmkit run in this process
// on the same orders: summaries, model fits and lifetime values exactly;
// RFM scores, segments and tiers (approximate quantiles) within 3% of
// customers.
func TestCustomerValueMatchesInProcess(t *testing.T) {
	n := 2000
	if testing.Short() {
		n = 600
	}
	orders := SampleOrders(1, n, valueStart, valueAsOf)
	bad := []string{
		"bad-1,C999999,2024-01-01T00:00:00Z,-5.00,EUR", // negative amount
		"bad-2,,2024-01-01T00:00:00Z,5.00,EUR",         // no customer
		"bad-3,C000001,2024-01-01T00:00:00Z,5.00,USD",  // other currency
		"bad-4,C000001,2026-01-01T00:00:00Z,5.00,EUR",  // after as-of
		"bad-5,C000001,yesterday,5.00,EUR",             // bad time
		"bad-6,C000001,2024-01-01T00:00:00Z,5.00",      // missing column
		"bad-7,C000001,2024-01-01T00:00:00Z,five,EUR",  // bad amount
	}
	dir := t.TempDir()
	glob := writeOrderFiles(t, dir, orders, 3, bad)
	out := filepath.Join(dir, "out")
	if err := os.Mkdir(out, 0o755); err != nil {
		t.Fatal(err)
	}
	cfg := ValueConfig{Orders: glob, Output: out, Currency: "EUR",
		Summary: segment.SummaryOptions{CalibrationEnd: valueAsOf},
		Value:   segment.ValueOptions{Horizon: 52, Step: 52.0 / 12, DiscountRate: 0.008}}
	runLocal(t, func(s beam.Scope) error { return CustomerValue(s, cfg) })

	scores := readJSONL[CustomerScore](t, filepath.Join(out, "scores.jsonl"))
	models := readJSONL[Models](t, filepath.Join(out, "models.jsonl"))
	errs := readJSONL[ErrorRecord](t, filepath.Join(out, "errors.jsonl"))
	if len(errs) != len(bad) {
		t.Errorf("%d error records, want %d (one per bad line): %+v", len(errs), len(bad), errs)
	}
	for _, e := range errs {
		if e.Stage != "parse" || !strings.HasPrefix(e.Input, "bad-") {
			t.Errorf("unexpected error record %+v", e)
		}
	}
	byID := map[string]CustomerScore{}
	for _, s := range scores {
		byID[s.CustomerID] = s
	}

	// In process, the same analyses on the same (good) orders.
	ctx := context.Background()
	sums, err := segment.Summarize(ctx, crmkit.Stream(orders), cfg.Summary)
	if err != nil {
		t.Fatal(err)
	}
	if len(scores) != len(sums) {
		t.Fatalf("%d scored customers, crmkit has %d summaries", len(scores), len(sums))
	}
	var got []segment.Summary
	for _, s := range sums {
		if sc, ok := byID[s.CustomerID]; ok && sc.Summary != nil {
			got = append(got, *sc.Summary)
		}
	}
	if diff := cmp.Diff(sums, got, exactDecimal); diff != "" {
		t.Errorf("summaries differ (-crmkit +beam):\n%s", diff)
	}
	pats, _ := segment.Compress(sums)
	spend, _ := segment.CompressSpend(sums)
	bg, err := segment.FitBGNBDPatterns(pats, nil)
	if err != nil {
		t.Fatal(err)
	}
	gg, err := segment.FitGammaGammaPatterns(spend, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := Models{BGNBD: bg.Params(), BGNBDLogLik: bg.LogLik(), GammaGamma: gg.Params(), Customers: float64(len(sums)), Patterns: len(pats), SpendPatterns: len(spend)}
	if len(models) != 1 {
		t.Fatalf("%d model records, want 1", len(models))
	}
	if diff := cmp.Diff(want, models[0]); diff != "" {
		t.Errorf("model fits differ (-crmkit +beam):\n%s", diff)
	}
	lvs, err := segment.LifetimeValues(ctx, bg, gg, sums, cfg.Value)
	if err != nil {
		t.Fatal(err)
	}
	for _, lv := range lvs {
		sc := byID[lv.CustomerID]
		if sc.Value == nil {
			t.Errorf("%s: no lifetime value", lv.CustomerID)
			continue
		}
		if diff := cmp.Diff(lv, *sc.Value, exactDecimal); diff != "" {
			t.Errorf("%s: lifetime value differs (-crmkit +beam):\n%s", lv.CustomerID, diff)
		}
	}

	// Approximate quantities.
	rfm, err := segment.ScoreRFM(ctx, crmkit.Stream(orders), segment.RFMOptions{AsOf: valueAsOf})
	if err != nil {
		t.Fatal(err)
	}
	vals, err := segment.CustomerValues(ctx, crmkit.Stream(orders), segment.ValuesOptions{To: valueAsOf.Add(time.Nanosecond)})
	if err != nil {
		t.Fatal(err)
	}
	tiers, err := segment.AssignTiers(vals, nil)
	if err != nil {
		t.Fatal(err)
	}
	d := compareScores(t, byID, rfm, tiers)
	th := readJSONL[Thresholds](t, filepath.Join(out, "thresholds.jsonl"))
	exactMin := map[string]string{}
	for _, a := range tiers.Assignments {
		exactMin[a.Tier] = a.Value.String()
	}
	t.Logf("tier boundaries: beam %v, exact lowest value per tier %v", th[0].Tiers, exactMin)
	t.Logf("customers %d; differing from exact: R %.2f%% F %.2f%% M %.2f%% segment %.2f%% tier %.2f%%",
		len(scores), 100*d.R, 100*d.F, 100*d.M, 100*d.Segment, 100*d.Tier)
	const tol = 0.03
	for name, v := range map[string]float64{"R": d.R, "F": d.F, "M": d.M, "segment": d.Segment, "tier": d.Tier} {
		if v > tol {
			t.Errorf("%s differs from the exact score for %.2f%% of customers, tolerance %.0f%%", name, 100*v, 100*tol)
		}
	}
}

// scoreDiff is the share of customers whose approximate score differs from
// the exact one.
type scoreDiff struct{ R, F, M, Segment, Tier float64 }

func compareScores(t testing.TB, byID map[string]CustomerScore, rfm *segment.RFMResult, tiers *segment.Tiers) scoreDiff {
	t.Helper()
	var d scoreDiff
	for _, c := range rfm.Customers {
		sc, ok := byID[c.CustomerID]
		if !ok {
			t.Errorf("%s: not scored", c.CustomerID)
			continue
		}
		if sc.Orders != c.Frequency || !sc.Revenue.Equal(c.Monetary) || sc.RecencyDays != c.Recency {
			t.Errorf("%s: RFM values (%d, %s, %v), crmkit (%d, %s, %v)", c.CustomerID, sc.Orders, sc.Revenue, sc.RecencyDays, c.Frequency, c.Monetary, c.Recency)
		}
		if sc.R != c.R {
			d.R++
		}
		if sc.F != c.F {
			d.F++
		}
		if sc.M != c.M {
			d.M++
		}
		if sc.Segment != c.Segment {
			d.Segment++
		}
	}
	for _, a := range tiers.Assignments {
		if byID[a.CustomerID].Tier != a.Tier {
			d.Tier++
		}
	}
	n := float64(len(rfm.Customers))
	return scoreDiff{d.R / n, d.F / n, d.M / n, d.Segment / n, d.Tier / float64(len(tiers.Assignments))}
}
