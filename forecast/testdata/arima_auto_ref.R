# Reference AutoARIMA choices and differencing-test values for forecast's tests.
# Run from forecast/testdata:  Rscript arima_auto_ref.R   (R 4, forecast 8.20, urca)
# Writes arima_auto_ref.json: for every 10th M3 monthly series (143 series) and
# a few classic data sets, auto.arima's order, constant and AICc, plus
# ndiffs (KPSS), nsdiffs (seas and ocsb), seas.heuristic, the OCSB and KPSS
# statistics; and stl(s.window = 11) components of two series. The Go tests
# read the JSON; they never need R.
suppressMessages({library(forecast); library(jsonlite); library(urca)})

d <- read.csv("m3/m3_monthly.csv", header = TRUE, stringsAsFactors = FALSE)
series <- list()
for (i in seq(1, nrow(d), by = 10)) {
  n <- d$n_total[i]; h <- d$horizon[i]
  series[[length(series) + 1]] <- list(id = d$series_id[i],
    y = ts(as.numeric(d[i, 6 + 1:(n - h)]), frequency = 12))
}
classic <- list(AirPassengers = AirPassengers, logAirPassengers = log(AirPassengers),
  USAccDeaths = USAccDeaths, WWWusage = WWWusage, lh = lh, LakeHuron = LakeHuron,
  Nile = Nile, austres = austres, UKgas = UKgas, presidents = presidents,
  nottem = nottem, co2 = co2, sunspot.year = sunspot.year, UKDriverDeaths = UKDriverDeaths)
for (nm in names(classic)) series[[length(series) + 1]] <- list(id = nm, y = classic[[nm]])

safe <- function(expr) tryCatch(expr, error = function(e) "NA")
out <- list()
t_auto <- 0
for (s in series) {
  y <- s$y
  t0 <- proc.time()[["elapsed"]]
  fit <- auto.arima(y)
  t_auto <- t_auto + proc.time()[["elapsed"]] - t0
  o <- arimaorder(fit)
  ord <- c(o[1:3], if (length(o) > 3) o[4:6] else c(0, 0, 0))
  yy <- na.omit(as.numeric(y))
  out[[length(out) + 1]] <- list(
    id = s$id, y = I(as.numeric(y)), period = frequency(y),
    order = I(unname(ord)), string = forecast:::arima.string(fit),
    aicc = fit$aicc, loglik = fit$loglik,
    ndiffs = ndiffs(y),
    kpss = ur.kpss(yy, type = "mu", use.lag = trunc(3 * sqrt(length(yy)) / 13))@teststat,
    nsdiffs_seas = if (frequency(y) > 1) nsdiffs(y) else "NA",
    nsdiffs_ocsb = if (frequency(y) > 1) safe(nsdiffs(y, test = "ocsb")) else "NA",
    seas = if (frequency(y) > 1 && !anyNA(y)) safe(forecast:::seas.heuristic(y)) else "NA",
    ocsb = if (frequency(y) > 1 && !anyNA(y)) safe(ocsb.test(y, lag.method = "AIC", maxlag = 3)$statistics) else "NA")
}
stlref <- lapply(list(list(id = "nottem", y = nottem), list(id = "co2", y = co2)), function(s) {
  f <- stl(s$y, s.window = 11)
  list(id = s$id, y = I(as.numeric(s$y)), period = frequency(s$y),
       seasonal = I(as.numeric(f$time.series[, "seasonal"])), trend = I(as.numeric(f$time.series[, "trend"])))
})
writeLines(toJSON(list(series = out, stl = stlref, r_seconds = t_auto, r_series = length(series)),
                  digits = NA, auto_unbox = TRUE), "arima_auto_ref.json")
cat(sprintf("auto.arima on %d series: %.1f s\n", length(series), t_auto))
