package forecast

import (
	"math"
	"strconv"
	"testing"
)

// BenchmarkCheck runs the data checks on noisy monthly series of growing
// length (10 to 10^6), with a spike and a level shift.
func BenchmarkCheck(b *testing.B) {
	for _, n := range []int{10, 1_000, 100_000, 1_000_000} {
		y := fcoreNoisy(n, 1, 9, func(i int) float64 { return 100 + 20*math.Sin(2*math.Pi*float64(i)/12) })
		y[n/3] += 30
		for i := n / 2; i < n; i++ {
			y[i] += 20
		}
		b.Run("n="+strconv.Itoa(n), func(b *testing.B) {
			b.ReportAllocs()
			var shifts int
			for b.Loop() {
				r, err := Check(y, &CheckOptions{Period: 12})
				if err != nil {
					b.Fatal(err)
				}
				shifts = len(r.LevelShifts)
			}
			b.ReportMetric(float64(shifts), "shifts")
		})
	}
}
