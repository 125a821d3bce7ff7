# Reference estimates for forecast/ets_est_test.go, produced with R 4 and
# forecast 8.20:  Rscript ets_est.R  (writes ets_est.json).
# 40 M3 series (20 monthly, 10 quarterly, 6 yearly, 4 other, evenly spaced
# through each file); for each: R's automatic ets() (model, AICc, log-lik)
# and R's estimates of a few fixed specifications.
suppressMessages({library(forecast); library(jsonlite)})
pick <- function(file, period, k) {
  d <- read.csv(file.path("m3", file), header = TRUE)
  idx <- round(seq(1, nrow(d), length.out = k))
  lapply(idx, function(i) {
    n <- d$n_total[i]; h <- d$horizon[i]
    list(id = d$series_id[i], period = period, y = as.numeric(d[i, 7:(6 + n - h)]))
  })
}
series <- c(pick("m3_monthly.csv", 12, 20), pick("m3_quarterly.csv", 4, 10),
            pick("m3_yearly.csv", 1, 6), pick("m3_other.csv", 1, 4))
split <- function(spec) {
  list(model = paste0(substr(spec, 1, 2), substr(spec, nchar(spec), nchar(spec))),
       damped = grepl("d", spec))
}
out <- list()
for (s in series) {
  y <- ts(s$y, frequency = s$period)
  auto <- ets(y)
  specs <- if (s$period > 1) c("ANN", "AAdN", "MAM", "AAA", "MNM", "MAdM") else c("ANN", "AAN", "AAdN", "MNN", "MAdN")
  fits <- list()
  for (sp in specs) {
    p <- split(sp)
    f <- tryCatch(ets(y, model = p$model, damped = p$damped), error = function(e) NULL)
    if (!is.null(f)) fits[[sp]] <- list(loglik = f$loglik, aicc = f$aicc, method = f$method)
  }
  out[[length(out) + 1]] <- list(id = s$id, period = s$period, y = s$y,
    auto = list(method = auto$method, loglik = auto$loglik, aicc = auto$aicc),
    fits = fits)
}
writeLines(toJSON(list(generator = "forecast/testdata/ets_est.R", forecast = as.character(packageVersion("forecast")),
                       series = out), digits = I(17), auto_unbox = TRUE), "ets_est.json")
