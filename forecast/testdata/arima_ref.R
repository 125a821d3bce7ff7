# Reference fits for forecast's ARIMA tests (fixed orders).
# Run from forecast/testdata:  Rscript arima_ref.R   (R 4, forecast 8.20)
# Writes arima_ref.json: the data, the call, and R's coefficients, standard
# errors, log-likelihood, AIC/AICc/BIC, sigma2 and forecasts with 80/95%
# intervals. The Go tests never need R; they read the JSON.
suppressMessages({library(forecast); library(jsonlite)})

cases <- list()
add <- function(name, y, order, seasonal = c(0, 0, 0), mean = TRUE, drift = FALSE,
                method = "CSS-ML", xreg = NULL, newxreg = NULL, h = 12) {
  fit <- Arima(y, order = order, seasonal = seasonal, include.mean = mean,
               include.drift = drift, method = method, xreg = xreg)
  fc <- if (is.null(xreg)) forecast(fit, h = h, level = c(80, 95)) else
    forecast(fit, xreg = newxreg, level = c(80, 95))
  cf <- coef(fit)
  se <- sqrt(diag(fit$var.coef))
  cases[[length(cases) + 1]] <<- list(
    name = name, y = as.numeric(y), period = frequency(y),
    order = c(order, seasonal), include_mean = mean, include_drift = drift,
    method = method,
    xreg = if (is.null(xreg)) NULL else lapply(seq_len(ncol(xreg)), function(j)
      list(name = colnames(xreg)[j], values = I(as.numeric(xreg[, j])))),
    newxreg = if (is.null(newxreg)) NULL else lapply(seq_len(ncol(newxreg)), function(j)
      list(name = colnames(newxreg)[j], values = I(as.numeric(newxreg[, j])))),
    string = forecast:::arima.string(fit),
    coef_names = I(names(cf)), coef = I(unname(cf)), se_names = I(names(se)), se = I(unname(se)),
    loglik = fit$loglik, aic = if (is.na(fit$aic)) "NA" else fit$aic,
    aicc = if (is.na(fit$aicc)) "NA" else fit$aicc,
    bic = if (is.na(fit$bic)) "NA" else fit$bic, sigma2 = fit$sigma2, nobs = fit$nobs,
    h = length(fc$mean), mean = I(as.numeric(fc$mean)),
    lower80 = I(as.numeric(fc$lower[, 1])), upper80 = I(as.numeric(fc$upper[, 1])),
    lower95 = I(as.numeric(fc$lower[, 2])), upper95 = I(as.numeric(fc$upper[, 2])))
}

add("lh AR(1) mean", lh, c(1, 0, 0))
add("lh AR(3) mean", lh, c(3, 0, 0))
add("lh ARMA(1,1) mean ML", lh, c(1, 0, 1), method = "ML")
add("lh AR(1) CSS", lh, c(1, 0, 0), method = "CSS")
add("LakeHuron AR(2) with time regressor", LakeHuron, c(2, 0, 0),
    xreg = cbind(time = as.numeric(time(LakeHuron)) - 1920),
    newxreg = cbind(time = 1973:1982 - 1920))
add("LakeHuron AR(1) zero mean on centred", LakeHuron - mean(LakeHuron), c(1, 0, 0), mean = FALSE)
add("USAccDeaths (0,1,1)(0,1,1)", USAccDeaths, c(0, 1, 1), c(0, 1, 1))
add("USAccDeaths (1,1,1)(1,1,0)", USAccDeaths, c(1, 1, 1), c(1, 1, 0))
add("log AirPassengers airline", log(AirPassengers), c(0, 1, 1), c(0, 1, 1), h = 24)
add("log AirPassengers (2,1,1)(0,1,0)", log(AirPassengers), c(2, 1, 1), c(0, 1, 0))
add("WWWusage (3,1,0)", WWWusage, c(3, 1, 0), h = 10)
add("WWWusage (1,1,1)", WWWusage, c(1, 1, 1), h = 10)
add("WWWusage (1,2,1) ML", WWWusage, c(1, 2, 1), method = "ML", h = 10)
add("austres (1,1,0) drift", austres, c(1, 1, 0), drift = TRUE, h = 8)
add("Nile (0,1,1) drift", Nile, c(0, 1, 1), drift = TRUE, h = 10)
add("presidents AR(1) with NaN", presidents, c(1, 0, 0), h = 8)
add("presidents (3,0,0) with NaN", presidents, c(3, 0, 0), h = 8)
add("presidents (1,0,1) with NaN", presidents, c(1, 0, 1), h = 8)
add("UKgas log (1,0,0)(1,1,0) drift", log(UKgas), c(1, 0, 0), c(1, 1, 0), drift = TRUE, h = 8)
add("UKDriverDeaths (1,0,0)(1,0,0) mean", UKDriverDeaths, c(1, 0, 0), c(1, 0, 0))
add("USAccDeaths (0,1,1)(0,1,1) CSS", USAccDeaths, c(0, 1, 1), c(0, 1, 1), method = "CSS")
sb <- window(Seatbelts, end = c(1983, 12))
add("Seatbelts drivers (1,0,0)(1,0,0) with two regressors", log(sb[, "drivers"]), c(1, 0, 0), c(1, 0, 0),
    xreg = cbind(PetrolPrice = sb[, "PetrolPrice"], law = sb[, "law"]),
    newxreg = cbind(PetrolPrice = rep(0.1, 6), law = rep(1, 6)))
add("Seatbelts drivers (0,1,1)(0,1,1) regressor", log(sb[, "drivers"]), c(0, 1, 1), c(0, 1, 1),
    xreg = matrix(as.numeric(sb[, "PetrolPrice"]), dimnames = list(NULL, "PetrolPrice")),
    newxreg = matrix(rep(0.1, 6), dimnames = list(NULL, "PetrolPrice")))
add("austres (0,1,1) drift and regressor", austres, c(0, 1, 1), drift = TRUE,
    xreg = cbind(q = as.numeric(cycle(austres) == 1)), newxreg = cbind(q = c(0, 0, 0, 1, 0, 0)))

writeLines(toJSON(cases, digits = NA, auto_unbox = TRUE, null = "null", pretty = FALSE), "arima_ref.json")
cat("wrote", length(cases), "cases\n")
