# Reference values for forecast/theta_test.go, produced with R 4 and
# forecast 8.20:  Rscript theta_ref.R  (writes theta_ref.json).
# thetaf() on classic data sets and M3 series: forecasts, 80/95% intervals,
# alpha, drift, sigma2, fitted values.
suppressMessages({library(forecast); library(jsonlite)})
m3row <- function(file, i) {
  d <- read.csv(file.path("m3", file), header = TRUE)
  n <- d$n_total[i]; h <- d$horizon[i]
  as.numeric(d[i, 7:(6 + n - h)])
}
sets <- list(
  AirPassengers = list(y = as.numeric(AirPassengers), m = 12),
  USAccDeaths   = list(y = as.numeric(USAccDeaths), m = 12),
  UKgas         = list(y = as.numeric(UKgas), m = 4),
  WWWusage      = list(y = as.numeric(WWWusage), m = 1),
  Nile          = list(y = as.numeric(Nile), m = 1),
  M3_N1402      = list(y = m3row("m3_monthly.csv", 1), m = 12),
  M3_N1501      = list(y = m3row("m3_monthly.csv", 100), m = 12),
  M3_N1901      = list(y = m3row("m3_monthly.csv", 500), m = 12),
  M3_N2301      = list(y = m3row("m3_monthly.csv", 900), m = 12),
  M3_N2801      = list(y = m3row("m3_monthly.csv", 1400), m = 12),
  M3_N646       = list(y = m3row("m3_quarterly.csv", 1), m = 4),
  M3_N695       = list(y = m3row("m3_quarterly.csv", 50), m = 4),
  M3_N10        = list(y = m3row("m3_yearly.csv", 10), m = 1)
)
num <- function(x) unname(as.numeric(x))
out <- list()
for (nm in names(sets)) {
  s <- sets[[nm]]
  h <- if (s$m > 1) 2 * s$m else 10
  fc <- thetaf(ts(s$y, frequency = s$m), h = h, level = c(80, 95))
  out[[nm]] <- list(y = s$y, period = s$m, h = h, alpha = num(fc$model$alpha),
    drift = num(fc$model$drift), sigma2 = num(fc$model$sigma), mean = num(fc$mean),
    lower = unname(as.matrix(fc$lower)), upper = unname(as.matrix(fc$upper)),
    fitted = num(fc$fitted))
}
writeLines(toJSON(list(generator = "forecast/testdata/theta_ref.R",
                       forecast = as.character(packageVersion("forecast")), cases = out),
                  digits = I(17), auto_unbox = TRUE), "theta_ref.json")
