package m3

import "testing"

func TestReadCounts(t *testing.T) {
	tests := []struct {
		file              string
		period, n, h, min int
	}{
		{"m3_monthly.csv", 12, 1428, 18, 48},
		{"m3_quarterly.csv", 4, 756, 8, 16},
		{"m3_yearly.csv", 1, 645, 6, 14},
		{"m3_other.csv", 1, 174, 8, 63},
	}
	for _, tt := range tests {
		s, err := ReadFile("../../forecast/testdata/m3/"+tt.file, tt.period)
		if err != nil {
			t.Fatal(err)
		}
		if len(s) != tt.n {
			t.Errorf("%s: %d series, want %d (published count)", tt.file, len(s), tt.n)
		}
		for _, x := range s {
			if len(x.Test) != tt.h || len(x.Train) < tt.min {
				t.Fatalf("%s %s: train %d test %d", tt.file, x.ID, len(x.Train), len(x.Test))
			}
		}
	}
}
