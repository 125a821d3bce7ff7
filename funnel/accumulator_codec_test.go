package funnel

import (
	"encoding/json"
	"errors"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/crmkit/crmkit"
	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"
)

// accCodecHistories groups synthetic records into one History per deal, in
// deal order.
func accCodecHistories(deals []Deal, changes []StageChange, amounts []AmountChange) []History {
	idx := map[string]int{}
	out := make([]History, len(deals))
	for i, d := range deals {
		idx[d.ID] = i
		out[i].Deal = d
	}
	for _, c := range changes {
		h := &out[idx[c.DealID]]
		h.Changes = append(h.Changes, c)
	}
	for _, a := range amounts {
		h := &out[idx[a.DealID]]
		h.Amounts = append(h.Amounts, a)
	}
	return out
}

// accCodecExact compares reports exactly: decimals by value, floats bit for
// bit (a decoded accumulator must give the very same numbers).
var accCodecExact = cmp.Comparer(func(a, b decimal.Decimal) bool { return a.Equal(b) })

func accCodecRoundTrip(t *testing.T, a *Accumulator) *Accumulator {
	t.Helper()
	data, err := json.Marshal(a)
	if err != nil {
		t.Fatal(err)
	}
	var b Accumulator
	if err := json.Unmarshal(data, &b); err != nil {
		t.Fatal(err)
	}
	return &b
}

func TestAccumulatorJSONRoundTrip(t *testing.T) {
	spec := fnlMessySpec(11, 300)
	deals, changes, amounts := fnlSynth(spec)
	hist := accCodecHistories(deals, changes, amounts)
	// A bad history (stage change before creation) for the SkipBad case.
	bad := hist[0]
	bad.Deal.ID = "BAD"
	bad.Changes = []StageChange{{DealID: "BAD", From: "s1", To: "s2", Time: bad.Deal.Created.Add(-time.Hour)}}
	bad.Deal.Stage, bad.Deal.Closed, bad.Amounts = "s2", time.Time{}, nil
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Skip("no time zone data:", err)
	}
	pl := []Pipeline{fnlSynthPipeline()}
	tests := []struct {
		name   string
		reason string
		opts   Options
		extra  []History
	}{
		{name: "defaults", reason: "UTC, months, all conversions", opts: Options{AsOf: spec.asOf}},
		{name: "everything", reason: "location, window, snapshots, teams, targets, weeks: every part of the state is filled",
			opts: Options{AsOf: spec.asOf, From: spec.start.AddDate(0, 1, 0), Period: Week, Location: ny, StaleLimit: 5,
				Snapshots: []time.Time{spec.start.AddDate(0, 2, 0), spec.start.AddDate(0, 3, 0)},
				Teams:     map[string]string{"ann": "north", "ben": "north", "cat": "south"},
				Targets:   []Target{{Team: "north", Period: Quarter, Start: spec.asOf, Amount: decimal.NewFromInt(100000)}}}},
		{name: "skipped", reason: "skip counts and examples survive", opts: Options{AsOf: spec.asOf, SkipBad: true}, extra: []History{bad}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			const parts = 3
			var accs [parts]*Accumulator
			whole, err := NewAccumulator(pl, &tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			for i := range accs {
				if accs[i], err = NewAccumulator(pl, &tt.opts); err != nil {
					t.Fatal(err)
				}
			}
			for i, h := range append(hist, tt.extra...) {
				if err := whole.Add(h); err != nil {
					t.Fatal(err)
				}
				if err := accs[i%parts].Add(h); err != nil {
					t.Fatal(err)
				}
			}
			want, err := whole.Report()
			if err != nil {
				t.Fatal(err)
			}
			got, err := accCodecRoundTrip(t, whole).Report()
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, got, accCodecExact); diff != "" {
				t.Errorf("%s: report after decode differs (-before +after):\n%s", tt.reason, diff)
			}
			// Encode each part, decode, merge: the same as merging the parts.
			ref, _ := NewAccumulator(pl, &tt.opts)
			dec, _ := NewAccumulator(pl, &tt.opts)
			for _, a := range accs {
				if err := ref.Merge(a); err != nil {
					t.Fatal(err)
				}
				if err := dec.Merge(accCodecRoundTrip(t, a)); err != nil {
					t.Fatal(err)
				}
			}
			wantM, _ := ref.Report()
			gotM, err := dec.Report()
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(wantM, gotM, accCodecExact); diff != "" {
				t.Errorf("%s: merge of decoded parts differs (-merged parts +merged decoded parts):\n%s", tt.reason, diff)
			}
			// Adding after a decode is adding to the original: lookup
			// caches are rebuilt from the decoded state.
			split := len(hist) - 25
			before, _ := NewAccumulator(pl, &tt.opts)
			for _, h := range hist[:split] {
				if err := before.Add(h); err != nil {
					t.Fatal(err)
				}
			}
			after := accCodecRoundTrip(t, before)
			for _, h := range hist[split:] {
				if err := before.Add(h); err != nil {
					t.Fatal(err)
				}
				if err := after.Add(h); err != nil {
					t.Fatal(err)
				}
			}
			wantA, _ := before.Report()
			gotA, err := after.Report()
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(wantA, gotA, accCodecExact); diff != "" {
				t.Errorf("%s: adding after decode differs (-original +decoded):\n%s", tt.reason, diff)
			}
			// The deal IDs survive: adding a deal again is a duplicate.
			if err := accCodecRoundTrip(t, whole).Add(hist[1]); !errors.Is(err, crmkit.ErrDuplicate) && !tt.opts.SkipBad {
				t.Errorf("re-adding a deal after decode: err = %v, want ErrDuplicate", err)
			}
		})
	}
}

func TestAccumulatorUnmarshalJSONErrors(t *testing.T) {
	spec := fnlMessySpec(5, 40)
	deals, changes, amounts := fnlSynth(spec)
	a, err := NewAccumulator([]Pipeline{fnlSynthPipeline()}, &Options{AsOf: spec.asOf})
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range accCodecHistories(deals, changes, amounts) {
		if err := a.Add(h); err != nil {
			t.Fatal(err)
		}
	}
	good, err := json.Marshal(a)
	if err != nil {
		t.Fatal(err)
	}
	edit := func(f func(st *accCodecState)) []byte {
		var st accCodecState
		if err := json.Unmarshal(good, &st); err != nil {
			t.Fatal(err)
		}
		f(&st)
		b, err := json.Marshal(st)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	tests := []struct {
		name   string
		reason string
		data   []byte
	}{
		{"garbage", "not JSON", []byte("{")},
		{"version", "a future layout is refused", edit(func(st *accCodecState) { st.Version = 99 })},
		{"fingerprint", "options that do not match the fingerprint", edit(func(st *accCodecState) { st.Options.MinDeals = 3 })},
		{"no options", "AsOf missing", edit(func(st *accCodecState) { st.Options.AsOf = time.Time{} })},
		{"location", "unknown zone name", edit(func(st *accCodecState) { st.Location = "Nowhere/Atlantis" })},
		{"offsets", "same name, other offsets", edit(func(st *accCodecState) { st.LocOffsets[0] = 3600 })},
		{"duplicate id", "a deal twice", edit(func(st *accCodecState) { st.IDs = append(st.IDs, st.IDs[0]) })},
		{"group key", "rep index out of range", edit(func(st *accCodecState) { st.Groups[0].Key = 1<<32 | 999 })},
		{"stages", "wrong number of stages", edit(func(st *accCodecState) { st.Groups[0].Stages = st.Groups[0].Stages[1:] })},
		{"histogram", "counts that do not add up", edit(func(st *accCodecState) { st.Groups[0].Cycle.N++ })},
		{"stale", "stale deal of an unknown rep", edit(func(st *accCodecState) {
			st.Stale = append(st.Stale, accCodecStl{ID: "x", Rep: 99})
		})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before, _ := a.Report()
			err := a.UnmarshalJSON(tt.data)
			if !errors.Is(err, crmkit.ErrInvalid) {
				t.Fatalf("%s: err = %v, want one wrapping crmkit.ErrInvalid", tt.reason, err)
			}
			after, _ := a.Report() // UnmarshalJSON leaves it unchanged on error
			if diff := cmp.Diff(before, after, accCodecExact); diff != "" {
				t.Errorf("%s: accumulator changed by a failed decode:\n%s", tt.reason, diff)
			}
		})
	}
	var zero Accumulator
	if _, err := json.Marshal(&zero); err == nil {
		t.Errorf("marshalling a zero Accumulator: no error")
	}
}

// TestAccumulatorCodecCoversState fails when a field is added to the
// accumulator's state without the codec learning about it. (repCache and
// staleCut, two of Accumulator's 22 fields, are a lookup cache and a prune
// cut-off whose zero values are empty: a decoded accumulator starts with
// them empty, so the codec carries neither.)
func TestAccumulatorCodecCoversState(t *testing.T) {
	for _, c := range []struct {
		v    any
		want int
	}{
		{Accumulator{}, 22}, {fnlGroup{}, 24}, {fnlStageAgg{}, 11}, {fnlPeriodAgg{}, 8},
		{fnlHist{}, 4}, {fnlStale{}, 7}, {fnlSnapCell{}, 2}, {fnlCountAmt{}, 2}, {fnlSum{}, 2},
	} {
		if n := reflect.TypeOf(c.v).NumField(); n != c.want {
			t.Errorf("%T has %d fields, the codec in accumulator_codec.go knows %d: update both", c.v, n, c.want)
		}
	}
}

func FuzzAccumulatorUnmarshalJSON(f *testing.F) {
	spec := fnlMessySpec(9, 3)
	deals, changes, amounts := fnlSynth(spec)
	a, err := NewAccumulator([]Pipeline{fnlSynthPipeline()}, &Options{AsOf: spec.asOf})
	if err != nil {
		f.Fatal(err)
	}
	for _, h := range accCodecHistories(deals, changes, amounts) {
		if err := a.Add(h); err != nil {
			f.Fatal(err)
		}
	}
	good, _ := json.Marshal(a)
	f.Add(good)
	f.Add([]byte(strings.Replace(string(good), `"c":[`, `"c":[-5,`, 1)))
	f.Add([]byte(`{"v":1}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var b Accumulator
		if err := b.UnmarshalJSON(data); err != nil {
			if !errors.Is(err, crmkit.ErrInvalid) {
				t.Fatalf("error does not wrap ErrInvalid: %v", err)
			}
			return
		}
		if _, err := b.Report(); err != nil {
			return
		}
		if _, err := json.Marshal(&b); err != nil {
			t.Fatalf("re-encoding a decoded accumulator: %v", err)
		}
	})
}

// TestAccumulatorUnmarshalJSONNumbers replaces numbers of a valid encoding
// with extreme values (negative, huge, at integer limits): decoding must
// either fail with ErrInvalid or give an accumulator whose Report does not
// panic. It found impossible counts reaching the Beta intervals.
func TestAccumulatorUnmarshalJSONNumbers(t *testing.T) {
	spec := fnlMessySpec(9, 12)
	deals, changes, amounts := fnlSynth(spec)
	a, err := NewAccumulator([]Pipeline{fnlSynthPipeline()}, &Options{AsOf: spec.asOf})
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range accCodecHistories(deals, changes, amounts) {
		if err := a.Add(h); err != nil {
			t.Fatal(err)
		}
	}
	good, _ := json.Marshal(a)
	nums := []string{"2000000000", "-2000000000", "99999999", "-1", "0", "1e9", "2147483647", "4294967295", "18446744073709551615"}
	rng := rand.New(rand.NewPCG(7, 3))
	n := 3000
	if testing.Short() {
		n = 500
	}
	for range n {
		ds := string(good)
		for range 1 + rng.IntN(2) {
			p := rng.IntN(len(ds) - 1)
			for p < len(ds)-1 && (ds[p] < '0' || ds[p] > '9') {
				p++
			}
			q := p
			for q < len(ds) && ds[q] >= '0' && ds[q] <= '9' {
				q++
			}
			ds = ds[:p] + nums[rng.IntN(len(nums))] + ds[q:]
		}
		var b Accumulator
		if err := b.UnmarshalJSON([]byte(ds)); err != nil {
			if !errors.Is(err, crmkit.ErrInvalid) {
				t.Fatalf("error does not wrap ErrInvalid: %v", err)
			}
			continue
		}
		func() {
			defer func() {
				if r := recover(); r != nil {
					t.Fatalf("Report panics after decoding %s: %v", ds, r)
				}
			}()
			_, _ = b.Report()
		}()
	}
}
