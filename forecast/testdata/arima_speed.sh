#!/bin/sh
# Side-by-side speed of AutoARIMA and R's auto.arima on the M3 monthly set.
# Usage, from the repository root:  sh forecast/testdata/arima_speed.sh [k]
# Go runs all 1,428 series (1 and 2 workers); R runs every k-th series
# (default 10, i.e. 143 series) and its time is extrapolated to 1,428.
set -e
k=${1:-10}
out=$(mktemp)
CRMKIT_M3=1 go test ./forecast -run '^$' -bench 'BenchmarkAutoARIMAM3Monthly' -benchtime 1x -count 1 | tee "$out"
Rscript forecast/testdata/arima_speed.R "$k" | tee -a "$out"
awk '
  /BenchmarkAutoARIMAM3Monthly\/workers=1/ { go1 = $3 / 1e9 }
  /BenchmarkAutoARIMAM3Monthly\/workers=2/ { go2 = $3 / 1e9 }
  /R_SECONDS_PER_SERIES/ { r = $2 * 1428 }
  END {
    printf "Go AutoARIMA, 1,428 series: %.1f s (1 worker), %.1f s (2 workers)\n", go1, go2
    printf "R auto.arima (extrapolated): %.0f s\n", r
    printf "speed-up: %.1fx (1 worker), %.1fx (2 workers)\n", r / go1, r / go2
  }' "$out"
rm -f "$out"
