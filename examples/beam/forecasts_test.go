package crmbeam

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/crmkit/crmkit/forecast"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// TestForecastsMatchInProcess runs the forecasting pipeline on the local
// runner and compares each series with crmkit's forecast.Batch run in this
// process over the same sales grouped by key: models, forecasts and
// backtests are identical. A series with non-finite totals and a series too
// short to backtest become error records, the other series are unaffected.
func TestForecastsMatchInProcess(t *testing.T) {
	start := time.Date(2022, 1, 1, 0, 0, 0, 0, time.UTC)
	end := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	n := 12
	if testing.Short() {
		n = 6
	}
	sales := SampleSales(2, n, start, end)
	// BROKEN: two huge sales in one month sum to +Inf; SHORT: one sale.
	sales = append(sales,
		SalesRecord{Series: "BROKEN", Time: start.AddDate(0, 0, 3), Amount: 1.7e308},
		SalesRecord{Series: "BROKEN", Time: start.AddDate(0, 0, 5), Amount: 1.7e308},
		SalesRecord{Series: "SHORT", Time: end.AddDate(0, -1, 2), Amount: 10})
	bad := []string{"P000/north,2025-02-01T00:00:00Z,5", ",2024-01-01T00:00:00Z,5", "P000/north,2024-01-01T00:00:00Z,NaN", "P000/north,2024-01-01T00:00:00Z"}
	dir := t.TempDir()
	files := [][]string{{"series,time,amount"}, {"series,time,amount"}}
	for i, r := range sales {
		files[i%2] = append(files[i%2], SalesCSV(r))
	}
	files[1] = append(files[1], bad...)
	for i, lines := range files {
		writeLines(t, filepath.Join(dir, "sales-"+string(rune('a'+i))+".csv"), lines)
	}
	out := filepath.Join(dir, "out")
	if err := os.Mkdir(out, 0o755); err != nil {
		t.Fatal(err)
	}
	cfg := ForecastConfig{Sales: filepath.Join(dir, "sales-*.csv"), Output: out, End: end, Horizon: 6}
	runLocal(t, func(s beam.Scope) error { return Forecasts(s, cfg) })
	got := readJSONL[SeriesForecast](t, filepath.Join(out, "forecasts.jsonl"))
	errs := readJSONL[ErrorRecord](t, filepath.Join(out, "errors.jsonl"))

	// In process: group by key, forecast.Batch with the same per-series step.
	byKey := map[string][]forecast.Point{}
	for _, r := range sales {
		byKey[r.Series] = append(byKey[r.Series], forecast.Point{Time: r.Time, Value: r.Amount})
	}
	keys := make([]string, 0, len(byKey))
	for k := range byKey {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	type pair struct {
		res   SeriesForecast
		btErr error
	}
	results, err := forecast.Batch(context.Background(), keys, func(k string) string { return k }, func(ctx context.Context, k string) (pair, error) {
		r, bt, err := ForecastSeries(ctx, k, byKey[k], cfg)
		return pair{r, bt}, err
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var want []SeriesForecast
	wantErrs := map[string]string{}
	for _, r := range results {
		if r.Err != nil {
			wantErrs["series "+r.Key] = r.Err.Error()
			continue
		}
		if r.Value.btErr != nil {
			wantErrs["backtest "+r.Key] = r.Value.btErr.Error()
		}
		// What the pipeline writes is JSON: compare after the same trip.
		b, _ := json.Marshal(r.Value.res)
		var v SeriesForecast
		if err := json.Unmarshal(b, &v); err != nil {
			t.Fatal(err)
		}
		want = append(want, v)
	}
	slices.SortFunc(got, func(a, b SeriesForecast) int { return strings.Compare(a.Series, b.Series) })
	if diff := cmp.Diff(want, got, cmpopts.EquateNaNs()); diff != "" {
		t.Errorf("forecasts differ (-crmkit +beam):\n%s", diff)
	}
	gotErrs := map[string]string{}
	parseErrs := 0
	for _, e := range errs {
		if e.Stage == "parse" {
			parseErrs++
			continue
		}
		gotErrs[e.Stage+" "+e.Key] = e.Error
	}
	// forecast.Batch prefixes its errors with the series; compare causes.
	if diff := cmp.Diff(wantErrs, gotErrs, cmp.Comparer(func(a, b string) bool {
		return strings.HasSuffix(a, b) || strings.HasSuffix(b, a)
	})); diff != "" {
		t.Errorf("series errors differ (-crmkit +beam):\n%s", diff)
	}
	if parseErrs != len(bad) {
		t.Errorf("%d parse errors, want %d", parseErrs, len(bad))
	}
	if _, ok := gotErrs["series BROKEN"]; !ok {
		t.Errorf("no error record for series BROKEN; errors: %v", gotErrs)
	}
	if len(got) < n {
		t.Errorf("%d forecasts, want at least the %d good series", len(got), n)
	}
	for _, f := range got {
		if f.Series == "BROKEN" {
			t.Errorf("BROKEN has a forecast: %+v", f)
		}
	}
}
