// Package funnel models sales pipelines, deals and their stage history, and
// computes the reports sales managers run on them: where every deal stands
// (today or on any past date), how deals convert from stage to stage, how
// fast and how much is won, which deals have gone stale, which rep loses
// deals where, and how each rep and team stands against its targets.
//
// # The model
//
// A [Pipeline] is an ordered list of [Stage] values; each stage has a kind
// ([StageOpen], [StageWon], [StageLost]), a default win probability and an
// optional stale threshold. [ValidatePipelines] reports every problem at once
// and returns non-monotone probabilities as [Warning] values, not errors.
// A [Deal] is the host's record as it stands now; a [StageChange] records a
// move, with the owner at that time. [AmountChange] and [CloseDateChange]
// are optional histories. A [History] is one deal with all its changes.
//
// # Running a report
//
// [Run] reads an [Input] of record streams (iter.Seq2[T, error]) with a
// context and [Options]; AsOf is required and nothing reads the clock.
// Deals may come in any order; each change stream must list a deal's changes
// together and in time order ("ORDER BY deal_id, time" in any collation).
// A violation is a [*github.com/crmkit/crmkit.RecordError] naming the record, its stream
// position and field, wrapping crmkit.ErrOrder, ErrUnknownRef, ErrInvalid,
// ErrDuplicate, ErrMissing or ErrFuture; nothing is reordered or dropped.
// With Options.SkipBad a bad record skips its whole deal and the
// [Report] counts what was skipped and why. Mixed currencies are always an
// error.
//
// # What the report holds
//
// For each pipeline, for the pipeline as a whole, each team (from
// Options.Teams) and each rep, a [Metrics] value: [Snapshot] values
// rebuilt from the history at AsOf and any past dates; [Conversion] under
// three named definitions ([StageToStage], [ReachedStage], [CohortWinRate]),
// where deals still open are counted as open, never as lost; win rate,
// average and median won amount, sales cycle and time in stage
// ([Durations]: mean, median, p75, p90); sales velocity; skipped stages,
// backward moves and reopened deals ([Moves]); close-date pushes; lost
// reasons by stage; per-period figures. Each pipeline also lists its
// [StaleDeal] values with how overdue they are, and a [RepDiagnostics] per
// rep: every stage's conversion against the rest of the rep's team with a
// Wilson interval, an empirical-Bayes shrunk rate and the posterior
// probability that the rep is below the team; a weak stage is named only
// when that probability reaches Options.Confidence with at least
// Options.MinDeals decided deals. [TargetResult] gives attainment, gap
// and pipeline coverage against the coverage the historical win rate
// needs. A Report marshals to JSON and renders as text tables
// ([Report.WriteTo], [Report.String]).
//
// # Win probability and pipeline forecasts
//
// [WinProbability] scores an open deal ([DealState]); the package ships
// stage defaults ([StageDefaults]), an empirical stage-and-age model with
// shrinkage ([FitStageAge]), naive Bayes over deal attributes in the manner
// of Odoo's lead scoring ([FitNaiveBayes]) and L2 logistic regression
// ([FitLogistic]); a host plugs in its own through [WinProbabilityFunc].
// [Calibrate] checks any of them on a time hold-out (Brier score, log loss,
// reliability bins). [FitSlippage] learns how expected close dates move.
// [ForecastPipeline] turns open deals into the distribution of won amount
// per period, team and rep — exact (Poisson-binomial) where that is cheap,
// seeded Monte Carlo otherwise — with P10/P50/P90, the probability of
// reaching a target and forecast [Category] rollups. [CheckCapacity]
// compares expected won units with a host [Capacity]; [CombineOutlook] sets
// the pipeline forecast beside any forecast.Model of run-rate revenue;
// [ForecastAccuracy] rebuilds past forecasts and measures their error and
// bias.
//
// # Scale and distributed engines
//
// [Run] holds about 90 bytes per deal (a compact deal record and its ID)
// while the stage changes stream past; everything else is aggregates. The
// same work is available in mergeable form: [NewAccumulator] with the same
// pipelines and options on each worker, [Accumulator.Add] one [History] per
// deal, [Accumulator.Merge] the partial results in any grouping, and
// [Accumulator.Report] equals the one-pass report. [Accumulator.MarshalBinary]
// and [Accumulator.UnmarshalBinary] ship partial results between workers.
// One million deals with ten million stage changes take about 1.3 s on one
// core. [ForecastPipeline]'s simulation is exact in distribution (exact
// outcome counts per deal and chunk of draws, placed on random draws) and
// runs 100 000 open deals × 10 000 draws × 12 periods in about 0.6 s on two
// cores (docs/benchmarks.md).
//
// # Money and precision
//
// Amounts are decimal.Decimal in every public type. Internally they are
// exact integers of 10^-4 currency units (crmkit.MoneyPlaces) summed in 128
// bits, so totals are exact; an amount with more than four decimal places
// that are not zero, or beyond ±9.2×10^14, is rejected rather than rounded.
// Weighted amounts, averages and velocity are rounded half-even to four
// places. Times have one-second resolution; durations are reported in days
// and their quantiles are R's type 7 over durations rounded down to whole
// hours. A rate whose denominator is zero is reported as 0 beside its
// counts.
//
// # Concurrency
//
// Pipelines, options and reports are plain values, safe for concurrent
// reads. [Run] may be called concurrently. An [Accumulator] is not safe for
// concurrent use; give each worker its own and merge them.
package funnel
