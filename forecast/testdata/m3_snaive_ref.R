# Seasonal naive on the 1,428 M3 monthly series (horizon 18) with R's
# forecast::snaive: mean over series of sMAPE (M3 definition) and MASE
# (in-sample lag-12 scale). Regenerate from the forecast/ directory with:
#   Rscript testdata/m3_snaive_ref.R > testdata/m3_snaive_ref.json
suppressPackageStartupMessages({ library(forecast); library(jsonlite) })
d <- read.csv("testdata/m3/m3_monthly.csv", header = TRUE, stringsAsFactors = FALSE)
sm <- numeric(0); ms <- numeric(0)
for (i in seq_len(nrow(d))) {
  n <- d$n_total[i]; h <- d$horizon[i]
  y <- as.numeric(d[i, 7:(6 + n)])
  tr <- ts(y[1:(n - h)], frequency = 12); te <- y[(n - h + 1):n]
  f <- as.numeric(snaive(tr, h = h)$mean)
  sm <- c(sm, mean(200 * abs(te - f) / (abs(te) + abs(f))))
  ms <- c(ms, mean(abs(te - f)) / mean(abs(diff(tr, lag = 12))))
}
cat(toJSON(list(series = nrow(d), smape = mean(sm), mase = mean(ms),
  forecast_version = as.character(packageVersion("forecast"))),
  auto_unbox = TRUE, digits = NA))
cat("\n")
