#!/bin/sh
# Times automatic ETS and Theta over the M3 monthly series (h = 18) in R's
# forecast package and in crmkit, one after the other on this machine, each
# single-threaded, and prints CPU seconds, wall seconds, sMAPE and MASE.
#
#   sh forecast/testdata/ets_bench.sh [EVERY]
#
# EVERY=k uses every k-th series (default 1: all 1,428; R then needs about
# 20 CPU minutes). Run from the repository root. CPU time is the fair
# measure on a shared machine; the speed-up is R's cpu_s / Go's cpu_s.
set -e
every=${1:-1}
Rscript forecast/testdata/ets_bench/ets_bench.R "$every"
go run ./forecast/testdata/ets_bench -every "$every"
