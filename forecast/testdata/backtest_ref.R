# Rolling-origin backtests computed with R's forecast 8.20 models in a plain
# loop, as a reference for forecast.Backtest: expanding window, origins
# t = min_train .. n-1, forecasts of min(h, n - t) steps, errors pooled over
# all (origin, step) pairs, MASE scaled by each origin's training set (lag 1),
# coverage of the first level. Regenerate from the forecast/ directory with:
#   Rscript testdata/backtest_ref.R > testdata/backtest_ref.json
suppressPackageStartupMessages({ library(forecast); library(jsonlite) })
bt <- function(name, y, f, h, m0, lev = NULL) {
  e <- c(); sc <- c(); a <- c(); fc <- c(); cov <- c(); e1 <- c()
  for (t in m0:(length(y) - 1)) {
    tr <- y[1:t]; k <- min(h, length(y) - t)
    fo <- f(tr, k)
    act <- y[(t + 1):(t + k)]
    e <- c(e, act - fo$mean[1:k]); a <- c(a, act); fc <- c(fc, fo$mean[1:k])
    e1 <- c(e1, act[1] - fo$mean[1])
    sc <- c(sc, rep(mean(abs(diff(tr))), k))
    if (!is.null(lev)) cov <- c(cov, act >= fo$lower[1:k, 1] & act <= fo$upper[1:k, 1])
  }
  list(name = name, y = y, h = h, min_train = m0, level = if (is.null(lev)) 0 else lev,
    me = mean(e), mae = mean(abs(e)), rmse = sqrt(mean(e^2)), mape = mean(100 * abs(e / a)),
    smape = mean(200 * abs(e) / (abs(a) + abs(fc))), mase = mean(abs(e) / sc),
    me_h1 = mean(e1), coverage = if (is.null(lev)) 0 else mean(cov))
}
trend <- 50 + 3 * (0:29) + (0:29) %% 4
wig <- c(10, 12, 11, 13, 12, 14, 13, 15, 14, 16)
air <- as.numeric(AirPassengers)[1:60]
cases <- list(
  bt("drift", trend, function(x, h) rwf(x, h = h, drift = TRUE, level = 80), 2, 15, 80),
  bt("naive", trend, function(x, h) naive(x, h = h, level = 80), 2, 15, 80),
  bt("mean", trend, function(x, h) meanf(x, h = h, level = 80), 2, 15, 80),
  bt("naive", wig, function(x, h) naive(x, h = h, level = 95), 1, 5, 95),
  bt("mean", wig, function(x, h) meanf(x, h = h, level = 95), 1, 5, 95),
  bt("drift", air, function(x, h) rwf(x, h = h, drift = TRUE, level = 95), 6, 24, 95)
)
cat(toJSON(cases, auto_unbox = TRUE, digits = NA))
cat("\n")
