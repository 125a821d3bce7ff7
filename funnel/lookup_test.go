package funnel

import (
	"strconv"
	"testing"
	"time"
)

// TestStageLookup checks the key-table stage lookup against the plain
// definition (index of the stage with that ID) for pipelines whose IDs do
// and do not collide in the 64-entry table, below and above the 16 stages
// where lookup switches from a scan to the map.
func TestStageLookup(t *testing.T) {
	tests := []struct {
		name   string
		reason string
		ids    []string
	}{
		{name: "bench", reason: "the usual short IDs, no collisions", ids: []string{"s1", "s2", "s3", "s4", "won", "lost"}},
		{name: "collide", reason: "same length, first and last byte: one key for all, so the scan decides", ids: []string{"axb", "ayb", "azb", "won", "lost"}},
		{name: "many", reason: "40 stages: keys collide and the map decides", ids: fnlLookupIDs(40)},
		{name: "unicode", reason: "multi-byte IDs", ids: []string{"Angebot", "Verhandlung", "gewonnen", "verloren", "é", "ü"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := Pipeline{ID: "p"}
			for i, id := range tc.ids {
				k := StageOpen
				switch i {
				case len(tc.ids) - 2:
					k = StageWon
				case len(tc.ids) - 1:
					k = StageLost
				}
				p.Stages = append(p.Stages, Stage{ID: id, Kind: k})
			}
			cfg, err := fnlNewConfig([]Pipeline{p}, &Options{AsOf: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)})
			if err != nil {
				t.Fatal(err)
			}
			pp := &cfg.pipes[0]
			for i, id := range tc.ids {
				if got, ok := pp.lookup(id); !ok || int(got) != i {
					t.Errorf("lookup(%q) = %d, %v; want %d, true (%s)", id, got, ok, i, tc.reason)
				}
				for _, miss := range []string{id + "x", "x" + id, id[:len(id)-1]} {
					if j := fnlLookupIndex(tc.ids, miss); j >= 0 {
						continue // the variant is itself a stage ID
					}
					if got, ok := pp.lookup(miss); ok {
						t.Errorf("lookup(%q) = %d, true; want not found (%s)", miss, got, tc.reason)
					}
				}
			}
			if _, ok := pp.lookup(""); ok {
				t.Errorf(`lookup("") found a stage`)
			}
		})
	}
}

func fnlLookupIDs(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = "st" + strconv.Itoa(i)
	}
	return out
}

func fnlLookupIndex(ids []string, s string) int {
	for i, id := range ids {
		if id == s {
			return i
		}
	}
	return -1
}
