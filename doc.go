// Package crmkit is an embeddable SDK for sales and customer analytics: the
// thinking a CRM does about its data, as plain Go packages.
//
// # The packages
//
//   - [github.com/crmkit/crmkit/customer]: customer records, orders and
//     interactions; validation and a data-quality report; classification rules
//     and tags; reminders (birthdays, holidays, next contact); pool reclaim and
//     handover plans; duplicate detection; the referral graph.
//   - [github.com/crmkit/crmkit/funnel]: pipelines, deals and stage history;
//     snapshots, conversion (each definition named), win rate, cycle time,
//     velocity, stale deals, per-rep diagnostics with intervals, targets and
//     pipeline forecasts with ranges.
//   - [github.com/crmkit/crmkit/forecast]: sales time series, data checks,
//     baselines, ETS, Theta, ARIMA, automatic selection, accuracy measures and
//     backtests, many series at once.
//   - [github.com/crmkit/crmkit/segment]: 80/20 value tiers, concentration,
//     RFM, clustering, purchase models (BG/NBD, Pareto/NBD, Gamma-Gamma) and
//     lifetime value.
//
// This root package holds the vocabulary they share: [RecordError] and its
// sentinels, [Stream] to turn a slice into a record stream, and the one place
// where money crosses between decimal and float64 ([ToFloat], [FromFloat]).
//
// # Data in, results out
//
// crmkit never owns storage. Hosts stream records in as iter.Seq2[T, error]
// (a database cursor, ERP pages, a CSV file) and apply the results and plans
// that come back in their own transactions. Every analysis takes its clock as
// an argument (AsOf) and every random step a seed, so the same input gives the
// same output.
//
// A yielded record belongs to crmkit until the call returns, as it would to
// slices.Collect: a stream must not change a record's slices or maps after
// yielding it (reusing one buffer for every record's changes, say). Parallel
// readers such as funnel.ForecastPipeline with several workers read records
// ahead in batches and rely on this; strings are immutable and always safe.
//
// # Money
//
// Amounts are decimal.Decimal in every public type and sums of money stay
// decimal. Rates, probabilities and scores are float64. Numeric kernels work in
// float64; [ToFloat] and [FromFloat] are where the conversion happens.
//
// # Errors
//
// Bad host data yields a [*RecordError] that names the record (stream position
// and host ID), the field and the reason, and wraps one of the sentinels
// ([ErrMissing], [ErrInvalid], [ErrDuplicate], [ErrOrder], [ErrUnknownRef],
// [ErrFuture], [ErrCurrency]), so errors.Is and errors.As both work.
//
// # Concurrency
//
// Everything exported is safe for concurrent use unless its documentation says
// otherwise; fitted models are immutable.
package crmkit
