package forecast

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"os"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/crmkit/crmkit/internal/m3"
)

func fcoreM3Monthly(t testing.TB) []Holdout {
	t.Helper()
	ss, err := m3.ReadFile("testdata/m3/m3_monthly.csv", 12)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]Holdout, len(ss))
	for i, s := range ss {
		out[i] = Holdout{Key: s.ID, Train: s.Train, Test: s.Test, Period: s.Period}
	}
	return out
}

// TestEvaluateM3MonthlySeasonalNaive reproduces R's snaive on the 1,428 M3
// monthly series, horizon 18: against R run on the same file
// (testdata/m3_snaive_ref.R: sMAPE 17.2391, MASE 1.14620) to 1e-9 relative,
// and against the published figures (testdata/m3/README.md: 17.23, 1.146)
// within 0.01 and 0.001 — the published sMAPE is 17.239 cut to two decimals.
func TestEvaluateM3MonthlySeasonalNaive(t *testing.T) {
	set := fcoreM3Monthly(t)
	if len(set) != 1428 {
		t.Fatalf("%d series, want 1428", len(set))
	}
	var calls atomic.Int64
	ev, err := Evaluate(context.Background(), set, func(y []float64, p int) (Model, error) {
		calls.Add(1)
		return SeasonalNaive(y, p)
	}, &BatchOptions{Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	if ev.Failed != 0 || calls.Load() != 1428 || ev.Model != "Seasonal naive method" {
		t.Fatalf("failed %d (%s), calls %d, model %q", ev.Failed, ev.FirstError, calls.Load(), ev.Model)
	}
	t.Logf("M3 monthly snaive: sMAPE %.4f MASE %.4f (%d series with MASE)", ev.SMAPE, ev.MASE, ev.MASECount)
	if math.Abs(ev.SMAPE-17.23) > 0.01 {
		t.Errorf("sMAPE %.4f, published 17.23", ev.SMAPE)
	}
	if math.Abs(ev.MASE-1.146) > 0.001 {
		t.Errorf("MASE %.4f, published 1.146", ev.MASE)
	}
	b, err := os.ReadFile("testdata/m3_snaive_ref.json")
	if err != nil {
		t.Fatal(err)
	}
	var ref struct{ SMAPE, MASE float64 }
	if err := json.Unmarshal(b, &ref); err != nil {
		t.Fatal(err)
	}
	if math.Abs(ev.SMAPE/ref.SMAPE-1) > 1e-9 || math.Abs(ev.MASE/ref.MASE-1) > 1e-9 {
		t.Errorf("sMAPE %.10f MASE %.10f, R gives %.10f %.10f", ev.SMAPE, ev.MASE, ref.SMAPE, ref.MASE)
	}
	if _, err := json.Marshal(ev); err != nil {
		t.Errorf("marshal: %v", err)
	}
}

func TestBatchOrderErrorsProgress(t *testing.T) {
	items := []string{"a", "boom", "c", "panic", "e"}
	var last, calls int
	res, err := Batch(context.Background(), items, func(s string) string { return "K-" + s },
		func(_ context.Context, s string) (int, error) {
			switch s {
			case "boom":
				return 0, ErrTooShort
			case "panic":
				panic("host model bug")
			}
			return len(s), nil
		}, &BatchOptions{Workers: 3, Progress: func(done, total int) {
			calls++
			if done <= last || total != 5 {
				t.Errorf("progress %d/%d after %d", done, total, last)
			}
			last = done
		}})
	if err != nil {
		t.Fatal(err)
	}
	if calls != 5 || last != 5 {
		t.Errorf("progress called %d times, last %d", calls, last)
	}
	for i, r := range res {
		if r.Key != "K-"+items[i] {
			t.Errorf("result %d has key %q: order lost", i, r.Key)
		}
	}
	var ie *ItemError
	if !errors.As(res[1].Err, &ie) || ie.Index != 1 || ie.Key != "K-boom" || !errors.Is(res[1].Err, ErrTooShort) {
		t.Errorf("item 1 error %v", res[1].Err)
	}
	if res[3].Err == nil || !strings.Contains(res[3].Err.Error(), "host model bug") {
		t.Errorf("panic not reported: %v", res[3].Err)
	}
	if res[0].Err != nil || res[0].Value != 1 || res[4].Value != 1 {
		t.Errorf("good items: %+v %+v", res[0], res[4])
	}
	if _, err := json.Marshal(res); err != nil {
		t.Error(err)
	}
}

func TestBatchCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	items := make([]int, 100)
	var ran atomic.Int64
	res, err := Batch(ctx, items, nil, func(_ context.Context, _ int) (int, error) {
		if ran.Add(1) == 3 {
			cancel()
		}
		return 1, nil
	}, &BatchOptions{Workers: 1})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
	if len(res) != 100 || !errors.Is(res[99].Err, context.Canceled) || res[0].Err != nil {
		t.Errorf("results after cancel: first %+v last %+v", res[0], res[99])
	}
	if n := ran.Load(); n > 5 {
		t.Errorf("%d items ran after cancellation", n)
	}
}
