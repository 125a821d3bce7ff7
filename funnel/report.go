package funnel

import (
	"time"

	"github.com/shopspring/decimal"
)

// Report is the result of [Run] or [Accumulator.Report]: every figure for
// every pipeline, with rollups per team and per rep, and the targets. It is a
// plain value that marshals to JSON; String and WriteTo render the main
// figures as text tables. The zero value is an empty report.
//
// A rate whose denominator is zero is reported as 0; the counts next to it
// tell the two cases apart. Durations are in days; quantiles of durations
// are R's type 7 over durations rounded down to whole hours.
type Report struct {
	AsOf      time.Time        `json:"as_of"`
	From      time.Time        `json:"from,omitzero"`
	To        time.Time        `json:"to,omitzero"`
	Period    Period           `json:"period"`
	Currency  string           `json:"currency,omitempty"`
	Warnings  []Warning        `json:"warnings,omitempty"`
	Skipped   Skipped          `json:"skipped"`
	Pipelines []PipelineReport `json:"pipelines"`
	Targets   []TargetResult   `json:"targets,omitempty"`
}

// Skipped counts the records skipped under [Options.SkipBad]. Records counts
// every skipped record (deals and changes); Deals counts the deals left out
// of the report. Reasons groups the records by error kind (record kind and
// sentinel), sorted by reason; Examples holds the first few errors verbatim.
// The zero value means nothing was skipped.
//
// Like every result type it is a plain value: the zero value is empty and
// it is safe for concurrent reads.
type Skipped struct {
	Records  int          `json:"records"`
	Deals    int          `json:"deals"`
	Reasons  []SkipReason `json:"reasons,omitempty"`
	Examples []string     `json:"examples,omitempty"`
}

// SkipReason is one row of [Skipped].
//
// Like every result type it is a plain value: the zero value is empty and
// it is safe for concurrent reads.
type SkipReason struct {
	Reason string `json:"reason"`
	Count  int    `json:"count"`
}

// PipelineReport holds the figures of one pipeline: the pipeline as a whole
// (Total), each team and each rep, the rep diagnostics and the stale deals.
//
// Like every result type it is a plain value: the zero value is empty and
// it is safe for concurrent reads.
type PipelineReport struct {
	Pipeline    string           `json:"pipeline"`
	Total       Metrics          `json:"total"`
	Teams       []Metrics        `json:"teams,omitempty"`
	Reps        []Metrics        `json:"reps,omitempty"`
	Diagnostics []RepDiagnostics `json:"diagnostics,omitempty"`
	// Stale lists the most overdue stale deals (at most
	// [Options.StaleLimit]); Total.StaleDeals counts them all.
	Stale []StaleDeal `json:"stale,omitempty"`
}

// Metrics are the figures of one group of deals: a whole pipeline (Rep and
// Team empty, Level "pipeline"), a team or a rep.
//
// Attribution: stage figures (snapshots, stage-to-stage conversion, time in
// stage, moves) go to the rep who held the deal during that stage stay (the
// Owner on the change that ended the stay, the deal's Owner for the current
// stay); deal figures (created, won, lost, cohorts, reached-stage, lost
// reasons, open deals, velocity) go to the deal's rep: the Owner on the change
// that closed it, or its current Owner while open.
//
// Window: conversion and cohorts count deals created in the window; Won,
// Lost, WinRate, won amounts and CycleDays count deals closed in the window;
// TimeInStage counts stage stays that ended in the window; Moves count
// changes in the window. Snapshots, OpenDeals and Velocity are as of their
// dates.
//
// Like every result type it is a plain value: the zero value is empty and
// it is safe for concurrent reads.
type Metrics struct {
	Level string `json:"level"`
	Team  string `json:"team,omitempty"`
	Rep   string `json:"rep,omitempty"`

	Snapshots  []Snapshot `json:"snapshots"`
	Conversion Conversion `json:"conversion"`

	Created         int             `json:"created"`
	Won             int             `json:"won"`
	Lost            int             `json:"lost"`
	WinRate         float64         `json:"win_rate"`
	WonAmount       decimal.Decimal `json:"won_amount"`
	AvgWonAmount    decimal.Decimal `json:"avg_won_amount"`
	MedianWonAmount decimal.Decimal `json:"median_won_amount"`
	CycleDays       Durations       `json:"cycle_days"`
	TimeInStage     []StageTime     `json:"time_in_stage,omitempty"`

	OpenDeals  int             `json:"open_deals"`
	OpenAmount decimal.Decimal `json:"open_amount"`
	// Velocity = OpenDeals × WinRate × AvgWonAmount ÷ CycleDays.Mean, money
	// per day; 0 when no deal was won in the window.
	Velocity decimal.Decimal `json:"velocity_per_day"`

	// StaleDeals and StaleAmount count the open deals past their stage's
	// stale threshold as of AsOf (by current owner).
	StaleDeals  int             `json:"stale_deals"`
	StaleAmount decimal.Decimal `json:"stale_amount"`

	// CloseDates counts expected-close-date changes in the window (from
	// the optional history).
	CloseDates CloseDateMoves `json:"close_dates"`

	Moves       Moves        `json:"moves"`
	LostReasons []LostReason `json:"lost_reasons,omitempty"`
	Periods     []PeriodStat `json:"periods,omitempty"`
}

// Durations summarises durations in days. N is how many there were.
//
// Like every result type it is a plain value: the zero value is empty and
// it is safe for concurrent reads.
type Durations struct {
	N      int     `json:"n"`
	Mean   float64 `json:"mean"`
	Median float64 `json:"median"`
	P75    float64 `json:"p75"`
	P90    float64 `json:"p90"`
}

// StageTime is the time deals spent in one stage (stays that ended in the
// window; stays still running are not counted).
//
// Like every result type it is a plain value: the zero value is empty and
// it is safe for concurrent reads.
type StageTime struct {
	Stage string    `json:"stage"`
	Days  Durations `json:"days"`
}

// Snapshot is the pipeline as it stood at At, rebuilt from the history:
// every deal created by At sits in exactly one stage (won and lost stages
// included), with its amount as of At. Weighted is Amount × the stage's
// probability, rounded half-even to crmkit.MoneyPlaces.
//
// Like every result type it is a plain value: the zero value is empty and
// it is safe for concurrent reads.
type Snapshot struct {
	At       time.Time       `json:"at"`
	Count    int             `json:"count"`
	Amount   decimal.Decimal `json:"amount"`
	Weighted decimal.Decimal `json:"weighted"`
	Stages   []StageAmount   `json:"stages"`
}

// StageAmount is one stage's row of a [Snapshot].
//
// Like every result type it is a plain value: the zero value is empty and
// it is safe for concurrent reads.
type StageAmount struct {
	Stage    string          `json:"stage"`
	Kind     StageKind       `json:"kind"`
	Count    int             `json:"count"`
	Amount   decimal.Decimal `json:"amount"`
	Weighted decimal.Decimal `json:"weighted"`
}

// Conversion holds the selected conversion definitions (nil when not
// selected). See [ConversionKind] for what each measures.
//
// Like every result type it is a plain value: the zero value is empty and
// it is safe for concurrent reads.
type Conversion struct {
	StageToStage []StageConversion   `json:"stage_to_stage,omitempty"`
	ReachedStage []ReachedConversion `json:"reached_stage,omitempty"`
	Cohorts      []Cohort            `json:"cohorts,omitempty"`
}

// StageConversion is [StageToStage] for one open stage: Entered = Advanced +
// Dropped + Open. Rate = Advanced ÷ Entered; DecidedRate = Advanced ÷
// (Advanced + Dropped) leaves the undecided deals out.
//
// Like every result type it is a plain value: the zero value is empty and
// it is safe for concurrent reads.
type StageConversion struct {
	Stage       string          `json:"stage"`
	Entered     int             `json:"entered"`
	Advanced    int             `json:"advanced"`
	Dropped     int             `json:"dropped"`
	Open        int             `json:"open"`
	Rate        float64         `json:"rate"`
	DecidedRate float64         `json:"decided_rate"`
	DropAmount  decimal.Decimal `json:"drop_amount"`
}

// ReachedConversion is [ReachedStage] for one open stage: Reached = Won +
// Lost + Open; WinShare = Won ÷ Reached.
//
// Like every result type it is a plain value: the zero value is empty and
// it is safe for concurrent reads.
type ReachedConversion struct {
	Stage    string  `json:"stage"`
	Reached  int     `json:"reached"`
	Won      int     `json:"won"`
	Lost     int     `json:"lost"`
	Open     int     `json:"open"`
	WinShare float64 `json:"win_share"`
}

// Cohort is [CohortWinRate] for the deals created in one period:
// WinRate = Won ÷ Created, OpenShare = Open ÷ Created.
//
// Like every result type it is a plain value: the zero value is empty and
// it is safe for concurrent reads.
type Cohort struct {
	Start     time.Time `json:"start"`
	End       time.Time `json:"end"`
	Created   int       `json:"created"`
	Won       int       `json:"won"`
	Lost      int       `json:"lost"`
	Open      int       `json:"open"`
	WinRate   float64   `json:"win_rate"`
	OpenShare float64   `json:"open_share"`
}

// Moves counts stage changes in the window that did not go one step
// forward: moves that skipped open stages (and how many stages were skipped,
// per stage), backward moves between open stages and reopened deals (from a
// won or lost stage back to an open one).
//
// Like every result type it is a plain value: the zero value is empty and
// it is safe for concurrent reads.
type Moves struct {
	Changes  int          `json:"changes"`
	Skips    int          `json:"skips"`
	Backward int          `json:"backward"`
	Reopened int          `json:"reopened"`
	Skipped  []StageCount `json:"skipped,omitempty"`
}

// CloseDateMoves counts changes of expected close dates: Pushes moved a
// date later (by MeanPushDays on average), PulledIn moved one earlier, and
// PushedDeals is the number of deals pushed at least once. Changes from no
// date to a date are not counted.
//
// Like every result type it is a plain value: the zero value is empty and
// it is safe for concurrent reads.
type CloseDateMoves struct {
	Pushes       int     `json:"pushes"`
	PulledIn     int     `json:"pulled_in"`
	PushedDeals  int     `json:"pushed_deals"`
	MeanPushDays float64 `json:"mean_push_days"`
}

// StageCount is a count for one stage.
//
// Like every result type it is a plain value: the zero value is empty and
// it is safe for concurrent reads.
type StageCount struct {
	Stage string `json:"stage"`
	Count int    `json:"count"`
}

// LostReason counts the deals lost in the window for one reason from one
// stage (the open stage the deal was in when it was lost).
//
// Like every result type it is a plain value: the zero value is empty and
// it is safe for concurrent reads.
type LostReason struct {
	Reason string          `json:"reason"`
	Stage  string          `json:"stage"`
	Count  int             `json:"count"`
	Amount decimal.Decimal `json:"amount"`
}

// PeriodStat holds the flow figures of one period of the window.
//
// Like every result type it is a plain value: the zero value is empty and
// it is safe for concurrent reads.
type PeriodStat struct {
	Start     time.Time       `json:"start"`
	End       time.Time       `json:"end"`
	Created   int             `json:"created"`
	Won       int             `json:"won"`
	Lost      int             `json:"lost"`
	WonAmount decimal.Decimal `json:"won_amount"`
	WinRate   float64         `json:"win_rate"`
}

// RepDiagnostics compares one rep's stage-to-stage conversion with the rest
// of the rep's team in one pipeline. WeakStage is the stage where the rep is
// most clearly below the rest of the team, named only when the rep has at
// least MinDeals decided deals there and the posterior probability that the
// rep's rate is below the rest's rate (reported as Confidence) reaches the
// confidence level adjusted for multiple comparisons: 1 − (1 −
// Options.Confidence)/m, m being the number of rep-stage pairs in the team
// with at least MinDeals decided deals (Bonferroni), so that scanning many
// reps and stages does not name chance dips. Otherwise WeakStage is "" and
// Verdict says why.
//
// Like every result type it is a plain value: the zero value is empty and
// it is safe for concurrent reads.
type RepDiagnostics struct {
	Rep        string     `json:"rep"`
	Team       string     `json:"team,omitempty"`
	Stages     []RepStage `json:"stages"`
	WeakStage  string     `json:"weak_stage,omitempty"`
	Confidence float64    `json:"confidence,omitempty"`
	Verdict    string     `json:"verdict"`
}

// RepStage is one rep at one stage. Advanced and Decided (advanced +
// dropped) are the rep's counts, Rate their ratio with the Wilson interval
// [Low, High]; Shrunk is the empirical-Bayes estimate (posterior mean under
// a Beta prior fitted to the team's reps at this stage) with the equal-tailed
// Beta-binomial posterior interval [ShrunkLow, ShrunkHigh] at the same level. RestRate is the rest
// of the team's rate. ProbBelow is the posterior probability that the rep's
// rate is below the rest's; IntervalBelow is true when the Wilson interval
// lies wholly below RestRate. Dropped and DropAmount are the rep's deals lost
// from this stage (created in the window).
//
// Like every result type it is a plain value: the zero value is empty and
// it is safe for concurrent reads.
type RepStage struct {
	Stage         string          `json:"stage"`
	Advanced      int             `json:"advanced"`
	Decided       int             `json:"decided"`
	Rate          float64         `json:"rate"`
	Low           float64         `json:"low"`
	High          float64         `json:"high"`
	Shrunk        float64         `json:"shrunk"`
	ShrunkLow     float64         `json:"shrunk_low"`
	ShrunkHigh    float64         `json:"shrunk_high"`
	RestAdvanced  int             `json:"rest_advanced"`
	RestDecided   int             `json:"rest_decided"`
	RestRate      float64         `json:"rest_rate"`
	ProbBelow     float64         `json:"prob_below"`
	IntervalBelow bool            `json:"interval_below"`
	Dropped       int             `json:"dropped"`
	DropAmount    decimal.Decimal `json:"drop_amount"`
}

// StaleDeal is an open deal (as of AsOf) that has gone longer than its
// stage's StaleDays without a stage change or an activity. LastTouch is the
// later of the last stage change (or creation) and the deal's LastActivity.
//
// Like every result type it is a plain value: the zero value is empty and
// it is safe for concurrent reads.
type StaleDeal struct {
	DealID        string          `json:"deal_id"`
	Rep           string          `json:"rep,omitempty"`
	Stage         string          `json:"stage"`
	Amount        decimal.Decimal `json:"amount"`
	LastTouch     time.Time       `json:"last_touch"`
	IdleDays      float64         `json:"idle_days"`
	ThresholdDays int             `json:"threshold_days"`
	OverdueDays   float64         `json:"overdue_days"`
}

// TargetResult evaluates one [Target] as of AsOf.
//
// Won is the amount won in the period; Attainment = Won ÷ Target (0 when
// the target is 0); Gap = max(0, Target − Won). Open and WeightedOpen are
// the open deals (as of AsOf) whose ExpectedClose falls in the period,
// unweighted and weighted by stage probability. Coverage = WeightedOpen ÷
// Gap and UnweightedCoverage = Open ÷ Gap (both 0 when Gap is 0). WinRate
// is the historical win rate of the rep or team in the report window, and
// CoverageNeeded = 1 ÷ WinRate is the unweighted coverage that win rate
// needs to close the gap (0 when WinRate is 0): compare it with
// UnweightedCoverage.
//
// Like every result type it is a plain value: the zero value is empty and
// it is safe for concurrent reads.
type TargetResult struct {
	Target             Target          `json:"target"`
	End                time.Time       `json:"end"`
	Won                decimal.Decimal `json:"won"`
	Attainment         float64         `json:"attainment"`
	Gap                decimal.Decimal `json:"gap"`
	Open               decimal.Decimal `json:"open"`
	WeightedOpen       decimal.Decimal `json:"weighted_open"`
	Coverage           float64         `json:"coverage"`
	UnweightedCoverage float64         `json:"unweighted_coverage"`
	WinRate            float64         `json:"win_rate"`
	CoverageNeeded     float64         `json:"coverage_needed"`
}
