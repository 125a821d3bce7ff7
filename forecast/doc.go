// Package forecast forecasts sales time series: regular series built from
// timestamped amounts, data checks, benchmark and intermittent-demand
// methods, exponential smoothing (ETS), Theta, ARIMA with automatic
// selection, prediction intervals, accuracy measures, rolling-origin
// backtests and batch runs over many series.
//
// It imports no sibling package: it is numerics over float64 and time. R's
// forecast package (Hyndman) is the reference implementation; tests compare
// with numbers it produced, committed with their scripts under testdata/.
//
// # Series and aggregation
//
// A [Series] is a slice of values with a start time and a [Frequency]
// ([Daily], [Weekly], [Monthly], [Quarterly], [Yearly], or a fixed duration
// such as an hour); [Series.Time] gives the start of any period and
// [Series.SeasonalPeriod] the period models use (7, 52, 12, 4, 1 by
// default). [Aggregate] turns a stream of timestamped amounts ([Point]) into
// such a series — sum, count or mean per period — and [AggregateFunc] does
// the same for any record type through an accessor. Periods follow the local
// calendar of a time.Location (a day starts at local midnight, across
// daylight-saving changes), weeks start on a chosen weekday, the range is
// given ([From, To)) or inferred, and an [EmptyPolicy] says whether an empty
// period is zero sales, missing (NaN) or an error. Every point read is
// accounted for in the [Aggregation] (aggregated, out of range or skipped).
//
// # Checking data
//
// [Check] reports what a forecaster should know before fitting: missing and
// infinite values, non-positive values (which rule out multiplicative
// models), a constant series, the number of full seasons, robust outliers
// and level shifts (see [Report]). Each model states what it needs as
// [Requirements] (for example [SeasonalNaiveRequirements], [ETSRequirements]) and fails with a
// [*CheckError] wrapping one of the sentinels [ErrTooShort], [ErrMissing],
// [ErrNonPositive], [ErrConstant], [ErrInvalid], so errors.Is works the same
// for every model. [CheckHorizon] rejects a horizon above [MaxHorizon]
// ([ErrHorizon]) before anything is allocated.
//
// # Models
//
// Every fitted model implements [Model]: Forecast(h, levels...) returns a
// [Forecast] with the point forecasts and one [Interval] per level (in
// percent), and String names the model in R's notation. Fitted models are
// immutable.
//
//   - Benchmarks, as R's meanf, naive, snaive and rwf(drift = TRUE): [Mean],
//     [Naive], [SeasonalNaive], [Drift], with R's prediction intervals. A
//     model that cannot beat them in a backtest is not worth its cost.
//   - Intermittent demand (slow-moving products): [Croston], as R's croston,
//     and its bias-corrected SBA variant. It gives point forecasts only.
//   - Exponential smoothing in the ETS state-space framework (Hyndman et al.
//     2008): [FitETS] fits a given model such as "MAdM" by maximum likelihood
//     with R's parameter restrictions, or, with spec "ZZZ", selects among
//     the admissible models by AICc as R's ets() does; the fitted [ETS]
//     reports its log-likelihood, information criteria and parameters
//     ([ETS.ParamsByName]); [ETSOptions] fixes parameters or initial states.
//   - [Theta], as R's thetaf (seasonal test and classical multiplicative
//     decomposition); [ThetaOptions].Optimized gives the optimised Theta
//     model.
//   - ARIMA and seasonal ARIMA with regressors: [FitARIMA] fits a given
//     [Order] with optional mean, drift and [Regressor]s as R's Arima (CSS,
//     ML or CSS-ML; NaN values are missing and handled by the Kalman
//     filter); [AutoARIMA] searches orders with KPSS, seasonal-strength or
//     OCSB tests as R's auto.arima. A model fitted with regressors forecasts
//     through [ARIMA.ForecastWith]; [ARIMA.Forecast] then returns
//     [ErrRegressorsRequired].
//   - Combinations: [FitCombination] averages automatic ETS, AutoARIMA and
//     Theta, the recommended default for sales series; [Combine] averages
//     any fitted models.
//
// Analytic prediction intervals are used where the model has them;
// otherwise intervals are simulated with a seed from the model's options.
//
// # Accuracy and backtests
//
// [Measure] compares a forecast with what happened (ME, MAE, RMSE, MPE,
// MAPE, sMAPE as in the M3 competition, MASE with a seasonal scale) and
// [MeasureInterval] scores a prediction interval (coverage, interval score,
// scaled interval score). [Backtest] evaluates any fit function ([FitFunc])
// by rolling-origin forecasting — expanding or sliding window, step,
// horizon, minimum training length — with accuracy per horizon and
// interval coverage; [Compare] backtests several [Candidate] models on the
// same origins into a [Comparison] that sorts by any measure, renders as a
// text table and marshals to JSON. [Evaluate] measures a fit function on
// held-out data over many series ([Holdout]), as forecasting competitions
// report: on the 1,428 M3 monthly series the seasonal naive method gives R's
// sMAPE 17.24 and MASE 1.146.
//
// # Many series
//
// [Batch] runs any per-series function over many items with a bounded number
// of goroutines ([BatchOptions]), honours ctx and reports progress through
// an optional callback. Results come back in input order; a failing or
// panicking item gets an [*ItemError] naming its index and key and does not
// stop the others.
//
// # Input rules
//
// Kernels take []float64; NaN marks a missing value. Models that cannot
// handle missing, infinite, non-positive or too few values return a typed
// error, never a panic; record streams are iter.Seq2[T, error] read with ctx
// first, and bad records become a *crmkit.RecordError with the record's
// index, or are skipped and counted on request. Nothing reads the clock or
// a global random source: random steps take a seed.
//
// # Money and precision
//
// The package works in float64. Money enters through [AggregateFunc]'s
// accessor (convert decimal amounts with crmkit.ToFloat) and is summed with
// compensated (Neumaier) summation — a million amounts of 0.01 sum to 10,000
// within 1e-9 — and forecasts of money go back through crmkit.FromFloat in
// the caller.
//
// # Concurrency
//
// Functions are safe for concurrent use; fitted models are immutable and
// may be shared between goroutines. Results are plain values that marshal
// to JSON (undefined accuracy measures are written as −1, see
// [Accuracy.Finite]).
package forecast
