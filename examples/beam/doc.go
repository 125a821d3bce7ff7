// Package crmbeam runs crmkit's analyses inside Apache Beam pipelines, so
// that the same functions that score a few thousand customers in a process
// score tens of millions on Flink, Spark or Dataflow. It is an example
// module of its own: Beam's dependencies never reach crmkit's go.mod.
//
// # Pipelines
//
// [CustomerValue] reads orders, builds per-customer purchase summaries with
// a combine, compresses them into weighted patterns, fits BG/NBD and
// Gamma-Gamma once and scores every customer (probability alive, expected
// purchases, lifetime value, RFM segment, value tier).
//
// [Forecasts] reads timestamped sales, aggregates each series key into a
// monthly series, fits crmkit's automatic model, forecasts and backtests
// each; a failing series becomes an error record.
//
// [Funnel] reads deals and stage changes, joins them by deal into
// histories and combines per-deal state with funnel.Accumulator (shipped
// between workers in its JSON form) into one report: conversion, velocity,
// per pipeline and per rep.
//
// # Exact and approximate results
//
// Summaries, patterns, model fits, lifetime values, forecasts, backtests
// and the funnel report are the same numbers crmkit computes in one
// process on the same data. RFM scores and value tiers depend on ranks over
// all customers; the pipelines use Beam's approximate quantiles
// (stats.ApproximateQuantiles, stats.ApproximateWeightedQuantiles) for
// them, so a customer near a boundary may get a neighbouring score or tier.
// The tests measure how many do (see README.md).
//
// # Bad data
//
// Bad records never fail a pipeline and are never dropped silently: each
// becomes an [ErrorRecord] in errors.jsonl.
package crmbeam
