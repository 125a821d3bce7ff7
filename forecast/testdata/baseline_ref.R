# Reference numbers for the forecast package's baselines (Mean, Naive,
# SeasonalNaive, Drift) and Croston/SBA, from R's forecast package.
# Regenerate from the forecast/ directory with:
#   Rscript testdata/baseline_ref.R > testdata/baseline_ref.json
# R 4 with forecast 8.20 and jsonlite. Tests compare with relative tolerance
# 1e-9 (these are closed forms; the only difference is summation order).
suppressPackageStartupMessages({ library(forecast); library(jsonlite) })

levels <- c(80, 95)
iv <- function(fc) {
  lapply(seq_along(levels), function(i) list(level = levels[i],
    lower = as.numeric(fc$lower[, i]), upper = as.numeric(fc$upper[, i])))
}
cases <- list()
add <- function(name, method, y, period, h, fc, extra = list()) {
  cases[[length(cases) + 1]] <<- c(list(name = name, method = method,
    y = as.numeric(y), period = period, h = h, mean = as.numeric(fc$mean),
    intervals = iv(fc)), extra)
}
series <- list(
  wwwusage = list(y = as.numeric(WWWusage), period = 1, h = 10),
  airpassengers = list(y = as.numeric(AirPassengers), period = 12, h = 30),
  ukgas = list(y = as.numeric(UKgas), period = 4, h = 9),
  gappy = list(y = c(5, 3, NA, 4, 6, NA, 7, 8, 5, NA, 9, NA), period = 4, h = 6)
)
for (nm in names(series)) {
  s <- series[[nm]]
  x <- ts(s$y, frequency = s$period)
  if (anyNA(s$y)) {
    # R's meanf counts NA in n (t quantile and sqrt(1 + 1/n)); crmkit uses
    # the observed count, which is meanf on the NA-omitted series.
    add(nm, "mean", s$y, s$period, s$h, meanf(s$y[!is.na(s$y)], h = s$h, level = levels))
  } else {
    add(nm, "mean", s$y, s$period, s$h, meanf(x, h = s$h, level = levels))
  }
  add(nm, "naive", s$y, s$period, s$h, naive(x, h = s$h, level = levels))
  add(nm, "snaive", s$y, s$period, s$h, snaive(x, h = s$h, level = levels))
  add(nm, "drift", s$y, s$period, s$h, rwf(x, h = s$h, drift = TRUE, level = levels))
}

# Croston: R gives point forecasts and one-step fitted values. SBA is
# Syntetos & Boylan's (2005) correction, (1 - alpha/2) times Croston's
# forecast; forecast 8.20 has no SBA, so it is derived here from R's Croston.
set.seed(20261127)
rnd <- rbinom(60, 1, 0.3) * rpois(60, 4)
intermittent <- list(
  hand = c(0, 0, 3, 0, 0, 0, 2, 0, 5, 0, 0, 1, 0, 0, 0, 0, 4, 0, 0, 2),
  random = rnd,
  dense = c(3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8),
  single = c(0, 0, 5, 0)
)
cro <- list()
for (nm in names(intermittent)) {
  for (a in c(0.1, 0.3)) {
    y <- intermittent[[nm]]
    fc <- croston(y, h = 5, alpha = a)
    cro[[length(cro) + 1]] <- list(name = nm, alpha = a, y = y, h = 5,
      mean = as.numeric(fc$mean), sba = (1 - a / 2) * as.numeric(fc$mean),
      fitted = as.numeric(fc$fitted))
  }
}
cat(toJSON(list(r_version = R.version.string,
  forecast_version = as.character(packageVersion("forecast")),
  baselines = cases, croston = cro), digits = NA, na = "null", auto_unbox = TRUE,
  pretty = FALSE))
cat("\n")
