# Times R's auto.arima on every k-th M3 monthly series (default k = 10) and
# extrapolates to all 1,428; called by arima_speed.sh. Run from the repo root.
suppressMessages(library(forecast))
args <- commandArgs(trailingOnly = TRUE)
k <- if (length(args) > 0) as.integer(args[1]) else 10L
d <- read.csv("forecast/testdata/m3/m3_monthly.csv", header = TRUE, stringsAsFactors = FALSE)
idx <- seq(1, nrow(d), by = k)
t0 <- proc.time()
for (i in idx) {
  n <- d$n_total[i]; h <- d$horizon[i]
  y <- ts(as.numeric(d[i, 6 + 1:(n - h)]), frequency = 12)
  f <- forecast(auto.arima(y), h = h)
}
el <- proc.time() - t0
cat(sprintf("R auto.arima+forecast: %d series in %.1f s elapsed (%.1f s CPU); extrapolated to %d series: %.0f s elapsed, %.0f s CPU\n",
            length(idx), el[["elapsed"]], el[["user.self"]] + el[["sys.self"]], nrow(d),
            el[["elapsed"]] * nrow(d) / length(idx), (el[["user.self"]] + el[["sys.self"]]) * nrow(d) / length(idx)))
cat(sprintf("R_SECONDS_PER_SERIES %.6f\n", el[["elapsed"]] / length(idx)))
