# auto.arima with regressors, for TestAutoARIMARegressorsMatchR. The data are
# those of the matching cases in arima_ref.json. Run from forecast/testdata.
suppressMessages({library(forecast); library(jsonlite)})
sb <- window(Seatbelts, end = c(1983, 12))
f1 <- auto.arima(LakeHuron, xreg = cbind(time = as.numeric(time(LakeHuron)) - 1920))
f2 <- auto.arima(log(sb[, "drivers"]), xreg = cbind(PetrolPrice = sb[, "PetrolPrice"], law = sb[, "law"]))
out <- list(
  "LakeHuron AR(2) with time regressor" = list(string = forecast:::arima.string(f1), aicc = f1$aicc, coef = as.list(coef(f1))),
  "Seatbelts drivers (1,0,0)(1,0,0) with two regressors" = list(string = forecast:::arima.string(f2), aicc = f2$aicc, coef = as.list(coef(f2))))
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE), "arima_auto_xreg_ref.json")
