# R side of ets_bench.sh: automatic ets() and thetaf() over the M3 monthly
# series (h = 18), CPU seconds from proc.time(), mean sMAPE and MASE computed
# as forecast/accuracy.go does.  Usage: Rscript ets_bench.R EVERY
suppressMessages(library(forecast))
args <- commandArgs(trailingOnly = TRUE)
every <- if (length(args) > 0) as.integer(args[1]) else 1L
d <- read.csv("forecast/testdata/m3/m3_monthly.csv", header = TRUE)
idx <- seq(1, nrow(d), by = every)
for (method in c("ets", "theta")) {
  t0 <- proc.time()
  sm <- ms <- numeric(length(idx))
  for (k in seq_along(idx)) {
    i <- idx[k]; n <- d$n_total[i]; h <- d$horizon[i]
    y <- as.numeric(d[i, 7:(6 + n)])
    tr <- ts(y[1:(n - h)], frequency = 12); te <- y[(n - h + 1):n]
    f <- if (method == "ets") forecast(ets(tr), h = h)$mean else thetaf(tr, h = h)$mean
    f <- as.numeric(f)
    sm[k] <- mean(200 * abs(te - f) / (abs(te) + abs(f)))
    ms[k] <- mean(abs(te - f)) / mean(abs(diff(as.numeric(tr), lag = 12)))
  }
  el <- proc.time() - t0
  cat(sprintf("R   %-5s series=%d cpu_s=%.2f wall_s=%.2f smape=%.4f mase=%.4f\n", method, length(idx),
              el[["user.self"]] + el[["sys.self"]], el[["elapsed"]], mean(sm), mean(ms)))
}
