# Reference estimates for the option paths of FitETS (forecast/ets_opts_test.go),
# produced with R 4 and forecast 8.20:  Rscript ets_opts.R  (writes ets_opts.json).
# Estimation criteria (opt.crit), bounds, fixed smoothing parameters with
# estimated initial states, information criteria for selection.
suppressMessages({library(forecast); library(jsonlite)})
data <- list(USAccDeaths = list(y = as.numeric(USAccDeaths), m = 12),
             WWWusage = list(y = as.numeric(WWWusage), m = 1),
             AirPassengers = list(y = as.numeric(AirPassengers), m = 12))
cases <- list(
  list(d = "WWWusage", spec = "ANN", args = list(opt.crit = "mse")),
  list(d = "WWWusage", spec = "AAN", args = list(opt.crit = "amse", nmse = 3)),
  list(d = "WWWusage", spec = "AAN", args = list(opt.crit = "sigma")),
  list(d = "WWWusage", spec = "MAN", args = list(opt.crit = "mae")),
  list(d = "USAccDeaths", spec = "ANA", args = list(opt.crit = "amse", nmse = 5)),
  list(d = "USAccDeaths", spec = "AAA", args = list(bounds = "usual")),
  list(d = "USAccDeaths", spec = "AAdA", args = list(bounds = "admissible")),
  list(d = "AirPassengers", spec = "MAM", args = list(alpha = 0.3, beta = 0.01, gamma = 0.1)),
  list(d = "AirPassengers", spec = "MAdM", args = list(phi = 0.95)),
  list(d = "USAccDeaths", spec = "AAA", args = list(lower = c(0.2, 0.001, 0.001, 0.8), upper = c(0.6, 0.1, 0.3, 0.98))),
  list(d = "AirPassengers", spec = "ZZZ", args = list(ic = "bic")),
  list(d = "AirPassengers", spec = "ZZZ", args = list(ic = "aic", allow.multiplicative.trend = TRUE)),
  list(d = "USAccDeaths", spec = "ZZZ", args = list(additive.only = TRUE))
)
out <- list()
for (cs in cases) {
  ds <- data[[cs$d]]
  model <- paste0(substr(cs$spec, 1, 2), substr(cs$spec, nchar(cs$spec), nchar(cs$spec)))
  args <- c(list(ts(ds$y, frequency = ds$m), model = model), cs$args)
  if (cs$spec != "ZZZ") args$damped <- grepl("d", cs$spec)
  f <- do.call(ets, args)
  out[[length(out) + 1]] <- list(data = cs$d, spec = cs$spec, args = cs$args, method = f$method,
    par = as.list(f$par), loglik = f$loglik, aic = f$aic, aicc = f$aicc, bic = f$bic,
    mse = f$mse, amse = f$amse, sigma2 = f$sigma2)
}
writeLines(toJSON(list(generator = "forecast/testdata/ets_opts.R", forecast = as.character(packageVersion("forecast")),
                       data = data, cases = out), digits = I(17), auto_unbox = TRUE), "ets_opts.json")
