# Reference values for forecast/ets_ref_test.go, produced with R 4 and
# forecast 8.20:  Rscript ets_ref.R  (writes ets_ref.json next to it).
#
# Part "fixed": for each data set and model, R estimates the model, then the
# fit is replayed with every parameter and the initial states fixed
# (ets(y, model = fit, use.initial.values = TRUE)); states, fitted values,
# likelihood, criteria and forecasts of that replay are recorded.
# Part "admissible": R's admissibility test on random parameter sets.
#
# forecast 8.20 has two bugs fixed upstream later; crmkit follows the fixes:
# - class1() put gamma in the wrong row of G for seasonal models without
#   trend (upstream commit 84689588, "correct seasonal disturbance index"),
#   which changes the interval variance of ETS(A,N,A) and ETS(M,N,A). This
#   script patches class1 the same way before computing intervals.
# - the C forecast() summed the damping as phi + phi + phi^2 + ... (upstream
#   b500142b), which changes point forecasts of simulated damped models. For
#   those, "mean_exact" is R's own simulate.ets() with zero innovations, which
#   runs the one-step recursion only and so is unaffected.
suppressMessages({library(forecast); library(jsonlite)})
cl1 <- forecast:::class1
src <- deparse(body(cl1))
stopifnot(sum(grepl('G[3, 1] <- par["gamma"]', src, fixed = TRUE)) == 1)
src <- sub('G[3, 1] <- par["gamma"]', 'G[p - m + 1, 1] <- par["gamma"]', src, fixed = TRUE)
body(cl1) <- parse(text = paste(src, collapse = "\n"))[[1]]
assignInNamespace("class1", cl1, "forecast")
set.seed(20261127)

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
  M3_N1501      = list(y = m3row("m3_monthly.csv", 100), m = 12),
  M3_N2301      = list(y = m3row("m3_monthly.csv", 900), m = 12),
  M3_N695       = list(y = m3row("m3_quarterly.csv", 50), m = 4),
  M3_N10        = list(y = m3row("m3_yearly.csv", 10), m = 1)
)
cases <- list(
  c("AirPassengers", "MAM"), c("AirPassengers", "MAdM"), c("AirPassengers", "MNM"),
  c("AirPassengers", "AAA"), c("AirPassengers", "MAA"), c("AirPassengers", "ANA"),
  c("AirPassengers", "MMN"), c("AirPassengers", "MMdM"), c("AirPassengers", "ANM"),
  c("USAccDeaths", "AAdA"), c("USAccDeaths", "ANA"), c("USAccDeaths", "MNA"),
  c("USAccDeaths", "MAdA"), c("USAccDeaths", "AAN"),
  c("UKgas", "MAM"), c("UKgas", "AAdA"), c("UKgas", "MNM"),
  c("WWWusage", "ANN"), c("WWWusage", "AAdN"), c("WWWusage", "MAN"), c("WWWusage", "MNN"),
  c("M3_N1501", "MAdM"), c("M3_N1501", "ANN"), c("M3_N2301", "MAM"), c("M3_N2301", "AAdA"),
  c("M3_N695", "MNM"), c("M3_N695", "AAA"), c("M3_N10", "MAdN"), c("M3_N10", "AAN")
)
split <- function(spec) {
  e <- substr(spec, 1, 1); t <- substr(spec, 2, 2); d <- grepl("d", spec)
  s <- substr(spec, nchar(spec), nchar(spec))
  list(model = paste0(e, t, s), damped = d)
}
num <- function(x) unname(as.numeric(x))
fixed <- list()
for (cs in cases) {
  ds <- sets[[cs[1]]]; sp <- split(cs[2])
  y <- ts(ds$y, frequency = ds$m)
  est <- ets(y, model = sp$model, damped = sp$damped,
             restrict = (cs[2] != "ANM"), allow.multiplicative.trend = TRUE)
  rep <- suppressMessages(ets(y, model = est, use.initial.values = TRUE))
  h <- if (ds$m > 1) 2 * ds$m else 10
  set.seed(1)
  fc <- forecast(rep, h = h, level = c(80, 95))
  simulated <- !(rep$components[3] != "M" && rep$components[2] != "M" ||
                 rep$components[1] == "M" && rep$components[3] == "M" && rep$components[2] != "M")
  fixed[[length(fixed) + 1]] <- list(
    data = cs[1], spec = cs[2], method = rep$method, period = ds$m,
    alpha = num(rep$par["alpha"]), beta = num(rep$par["beta"]),
    gamma = num(rep$par["gamma"]), phi = num(rep$par["phi"]),
    initstate = I(num(rep$states[1, ])), states = matrix(as.numeric(rep$states), nrow = length(y) + 1),
    fitted = num(rep$fitted), residuals = num(rep$residuals),
    loglik = rep$loglik, aic = rep$aic, aicc = rep$aicc, bic = rep$bic,
    sigma2 = rep$sigma2, mse = rep$mse, h = h, simulated = simulated,
    mean = num(fc$mean),
    mean_exact = num(simulate(rep, nsim = h, future = TRUE, innov = rep(0, h))),
    lower = unname(as.matrix(fc$lower)), upper = unname(as.matrix(fc$upper)))
}
adm <- list()
for (i in 1:300) {
  m <- sample(c(2, 4, 12), 1)
  a <- runif(1, -0.2, 1.6); b <- runif(1, -0.3, 0.6); g <- runif(1, -0.3, 1.2)
  phi <- runif(1, 0.7, 1.0)
  if (i %% 5 == 0) phi <- 1
  hasb <- i %% 3 != 0
  hasg <- i %% 7 != 0
  ok <- forecast:::admissible(a, if (hasb) b else NULL, if (hasg) g else NULL, phi, m)
  adm[[i]] <- list(alpha = a, beta = b, gamma = g, phi = phi, m = m, has_beta = hasb, has_gamma = hasg, ok = ok == 1)
}
out <- list(generator = "forecast/testdata/ets_ref.R", r = R.version.string,
            forecast = as.character(packageVersion("forecast")),
            datasets = lapply(sets, function(d) list(y = d$y, period = d$m)),
            fixed = fixed, admissible = adm)
writeLines(toJSON(out, digits = I(17), auto_unbox = TRUE, na = "null"), "ets_ref.json")
