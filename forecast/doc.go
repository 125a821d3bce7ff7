// Package forecast forecasts sales time series: data checks, baselines,
// exponential smoothing (ETS), Theta, ARIMA, automatic selection,
// combinations, prediction intervals, accuracy measures and backtests.
//
// It imports no sibling package: it is numerics over float64 and time.
package forecast
