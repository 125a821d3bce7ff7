# Outliers found by R's forecast::tsoutliers (forecast 8.20) on series with
# injected outliers, as a reference for forecast.Check. The two methods
# differ (tsoutliers: STL or supsmu residuals, quartiles ± 3 IQR; Check:
# running medians, local seasonal medians, the same IQR rule), so the test
# asks that Check finds every injected outlier, as R does, and flags at most
# two points that R does not. Indices are 1-based as in R.
# Regenerate from the forecast/ directory with:
#   Rscript testdata/check_ref.R > testdata/check_ref.json
suppressPackageStartupMessages({ library(forecast); library(jsonlite) })
set.seed(3)
w <- as.numeric(WWWusage); w[50] <- w[50] + 60
a <- as.numeric(AirPassengers); a[70] <- a[70] * 1.6; a[100] <- a[100] * 0.5
u <- as.numeric(UKgas); u[40] <- u[40] * 2
n <- 100 + rnorm(80); n[20] <- n[20] + 10; n[61] <- n[61] - 8
cases <- list(
  list(name = "wwwusage+60@50", y = w, period = 1, log = FALSE, injected = 50),
  list(name = "airpassengers x1.6@70 x0.5@100", y = a, period = 12, log = TRUE, injected = c(70, 100)),
  list(name = "ukgas x2@40", y = u, period = 4, log = TRUE, injected = 40),
  list(name = "noise +10@20 -8@61", y = n, period = 1, log = FALSE, injected = c(20, 61))
)
for (i in seq_along(cases)) {
  c <- cases[[i]]
  o <- tsoutliers(ts(c$y, frequency = c$period), lambda = if (c$log) 0 else NULL)
  cases[[i]]$r_index <- as.integer(o$index)
}
cat(toJSON(cases, digits = NA, auto_unbox = FALSE))
cat("\n")
