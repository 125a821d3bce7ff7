# R side of examples/m3bench: the same models over the same M3 series with R's
# forecast package, one line per model and frequency:
#   R <model> <freq> series=<n> cpu_s=<s> smape=<x> mase=<y> failed=<k>
# sMAPE and MASE as crmkit's forecast.Measure computes them.
# Usage: Rscript bench.R DATADIR FREQS MODELS EVERY
suppressMessages(library(forecast))
args <- commandArgs(trailingOnly = TRUE)
dir <- args[1]
freqs <- strsplit(args[2], ",")[[1]]
models <- strsplit(args[3], ",")[[1]]
every <- as.integer(args[4])
period <- c(monthly = 12, quarterly = 4, yearly = 1)
fit <- function(model, tr, h) {
  f <- switch(model,
    naive = naive(tr, h = h)$mean,
    snaive = snaive(tr, h = h)$mean,
    ets = forecast(ets(tr), h = h)$mean,
    theta = thetaf(tr, h = h)$mean,
    arima = forecast(auto.arima(tr), h = h)$mean,
    comb = (forecast(ets(tr), h = h)$mean + forecast(auto.arima(tr), h = h)$mean + thetaf(tr, h = h)$mean) / 3,
    stop("unknown model ", model))
  as.numeric(f)
}
for (fq in freqs) {
  d <- read.csv(file.path(dir, paste0("m3_", fq, ".csv")), header = TRUE)
  idx <- seq(1, nrow(d), by = every)
  m <- period[[fq]]
  for (model in models) {
    t0 <- proc.time()
    sm <- ms <- rep(NA_real_, length(idx))
    failed <- 0
    for (k in seq_along(idx)) {
      i <- idx[k]; n <- d$n_total[i]; h <- d$horizon[i]
      y <- as.numeric(d[i, 7:(6 + n)])
      tr <- ts(y[1:(n - h)], frequency = m); te <- y[(n - h + 1):n]
      f <- tryCatch(fit(model, tr, h), error = function(e) NULL)
      if (is.null(f)) { failed <- failed + 1; next }
      sm[k] <- mean(200 * abs(te - f) / (abs(te) + abs(f)))
      sc <- mean(abs(diff(as.numeric(tr), lag = m)))
      if (sc > 0) ms[k] <- mean(abs(te - f)) / sc
    }
    el <- proc.time() - t0
    cat(sprintf("R %s %s series=%d cpu_s=%.3f smape=%.4f mase=%.4f failed=%d\n", model, fq, length(idx),
                el[["user.self"]] + el[["sys.self"]], mean(sm, na.rm = TRUE), mean(ms, na.rm = TRUE), failed))
  }
}
