// Package segment ranks and groups customers by value: 80/20 tiers,
// concentration, RFM, clustering, "buy till you die" purchase models,
// lifetime value and retention economics.
//
// # Value tiers and concentration
//
// [CustomerValues] turns an order stream into one value per customer
// (revenue, order count or quantity in a window; hosts with margins pass
// their own [CustomerValue]s). [AssignTiers] makes the Pareto/ABC split —
// by default A up to 80% of cumulative value, B up to 95%, C the rest —
// with two documented rules: the customer who crosses a line stays in the
// higher tier, and customers with equal values never split across tiers.
// [ConcentrationOf] gives the Lorenz curve, the Gini coefficient, top-k%
// shares and the "top 20% of customers bring X%" statement as data.
//
// # RFM
//
// [ScoreRFM] computes recency, frequency and monetary value as of an
// explicit AsOf, scores each 1..Q by quantile rank (ties share a score), and
// maps scores to segments through an ordered rule list; [DefaultSegments]
// is an 11-segment map (Champions … Lost) that covers the 5×5 grid of
// recency and the mean of frequency and monetary scores exactly once.
// [RFMResult.Explain] says why a customer is where it is.
//
// # Clustering
//
// [KMeans] runs Lloyd's algorithm from k-means++ seeding on standardised
// features; it is deterministic for a seed, whatever the number of workers.
// [ChooseK] compares k by mean silhouette (sampled for large inputs) and
// reports the elbow of the inertia curve.
//
// # Purchase summaries
//
// The purchase models read one [Summary] per customer: repeat purchases x,
// recency t_x and age T in a time unit (weeks by default), the mean value of
// repeat purchases, and hold-out purchases. [Summarize] builds them from an
// order stream with the conventions of the literature and the R package
// BTYD: purchases on the same day are one purchase, times are days/7 from
// the first purchase, calibration ends at CalibrationEnd (inclusive). On the
// CDNOW sample it reproduces the published summary exactly. Days are UTC
// days unless SummaryOptions.Location says where a day begins.
//
// # Purchase models
//
// [FitBGNBD], [FitMBGNBD] and [FitParetoNBD] estimate the BG/NBD, MBG/NBD
// and Pareto/NBD models by maximum likelihood (BFGS over log-parameters with
// analytic gradients; standard errors from the Hessian). Customers with the
// same (x, t_x, T) are fitted once, weighted ([Compress]). The fitted models
// give P(alive), expected purchases in the next t periods, the probability
// of exactly k purchases — for a new customer and given a customer's
// history — and implement [PurchaseModel]. [FitGammaGamma] fits
// the Gamma-Gamma spend model. On CDNOW the estimates equal the published
// ones to the digits published.
//
// # Lifetime value and retention
//
// [LifetimeValues] combines a purchase model and the spend model into
// discounted lifetime value over a horizon, with P(alive) and a churn-risk
// tier per customer. [RetentionPriorities] ranks customers for a retention
// contact by its expected gain, and says where keeping a customer costs
// less than winning a new one (host-given costs). [ActivityIndex] tells
// whether a customer buys faster or slower than before.
//
// # Distributed engines
//
// Everything a pipeline needs to split the work is exported and engine
// free: [Accumulator] builds a customer's summary from orders seen by
// different workers (Add, Merge, Summary — identical to [Summarize]);
// [Compress] / [MergePatterns] and [CompressSpend] / [MergeSpendPatterns]
// form a combine whose result [FitBGNBDPatterns], [FitParetoNBDPatterns],
// [FitGammaGammaPatterns] fit; [NewBGNBD] and friends rebuild a fitted model
// from its parameters on the workers that score customers; [SegmentOf]
// applies an RFM segment map to scores computed elsewhere.
//
// # Input rules
//
// Order streams are iter.Seq2[customer.Order, error]; functions that read
// them take ctx first and stop at the first bad order with a
// [*crmkit.RecordError] naming its index, ID and field (missing customer or
// time, negative amount, mixed currencies, a time after the as-of time).
// Their options have a Skipped field: set, bad orders are passed over and
// the [Skipped] report counts and lists them. Orders may arrive in any
// order; streams grouped by customer are cheapest. Memory grows with the
// number of customers, not orders. Numeric edge cases get typed errors:
// [ErrNoData], [ErrDegenerate] (all values zero, fewer distinct points than
// clusters), [ErrNotConverged] (a likelihood without interior maximum, as
// when every customer is identical), [ErrOptions].
//
// # Money and precision
//
// Amounts in and out are decimal.Decimal (order amounts, monetary values,
// tier totals, lifetime values); sums of money stay exact. Models work in
// float64 and convert once through crmkit.ToFloat and crmkit.FromFloat
// (4 places, banker's rounding). Probabilities, rates and scores are
// float64.
//
// # Scale
//
// [ScoreRFM] and [CustomerValues] read the stream on the calling goroutine
// and aggregate on GOMAXPROCS−1 others (on the caller's alone when
// GOMAXPROCS is 1); 10⁷ orders of 10⁶ customers take a few seconds on two
// cores. Customer IDs of at most 24 bytes are cheapest. On Linux a big
// per-customer table (64 bytes a slot, 85–170 bytes a customer) is mapped
// outside the Go heap with transparent huge pages and given back before
// the call returns; GOMEMLIMIT does not see it.
//
// # Concurrency
//
// Functions keep no state between calls and are safe for concurrent use.
// Fitted models are immutable and safe for concurrent use. Option and result
// types are plain values; [Accumulator] is not safe for concurrent mutation.
//
// # References
//
// Fader, Hardie and Lee (2005), "Counting your customers the easy way: an
// alternative to the Pareto/NBD model", Marketing Science 24(2); Fader,
// Hardie and Lee (2005), "RFM and CLV: using iso-value curves for customer
// base analysis", JMR 42(4); Fader and Hardie (2013), "The Gamma-Gamma model
// of monetary value"; Schmittlein, Morrison and Colombo (1987); Batislam,
// Denizel and Filiztekin (2007); Arthur and Vassilvitskii (2007).
package segment
