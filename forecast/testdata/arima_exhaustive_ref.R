# auto.arima(stepwise = FALSE) on three classic series, for the exhaustive
# search test. Run from forecast/testdata: Rscript arima_exhaustive_ref.R
suppressMessages({library(forecast); library(jsonlite)})
out <- lapply(list(WWWusage = WWWusage, lh = lh, USAccDeaths = USAccDeaths), function(y) {
  f <- auto.arima(y, stepwise = FALSE)
  list(y = I(as.numeric(y)), period = frequency(y), string = forecast:::arima.string(f), aicc = f$aicc)
})
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE), "arima_exhaustive_ref.json")
