package funnel

import (
	"encoding/json"
	"fmt"
	"iter"
	"math"
	"slices"
	"time"

	"github.com/crmkit/crmkit"
	"github.com/shopspring/decimal"
)

// Period is a calendar period used to group results (per-period figures,
// cohorts, targets). The zero value "" means [Month].
type Period string

const (
	// Week is a calendar week starting on Monday.
	Week Period = "week"
	// Month is a calendar month.
	Month Period = "month"
	// Quarter is a calendar quarter (January–March, …).
	Quarter Period = "quarter"
	// Year is a calendar year.
	Year Period = "year"
)

// ConversionKind names one definition of conversion. The definitions answer
// different questions and give different numbers on the same data; every
// conversion figure in a [Report] says which one it is. The zero value ""
// is invalid in Options.Conversions.
type ConversionKind string

const (
	// StageToStage: of the deals that were in stage s, the share that later
	// reached a further open stage or won (advanced ÷ entered). Deals that
	// neither advanced nor were lost are counted as Open ("unknown"), never
	// as lost.
	StageToStage ConversionKind = "stage_to_stage"
	// ReachedStage: of the deals that reached stage s or any later stage
	// (skipping counts as reaching), the share that won.
	ReachedStage ConversionKind = "reached_stage"
	// CohortWinRate: the deals created in each period and the share of them
	// won so far, with the share still open (recent cohorts look worse only
	// because their deals are not decided yet).
	CohortWinRate ConversionKind = "cohort_win_rate"
)

// Target is a sales target for one rep or one team for one calendar month,
// quarter or year. Exactly one of Rep and Team is set. Pipeline restricts the
// target to one pipeline ("" counts every pipeline). Start is any instant in
// the period (it is moved to the period's start in [Options.Location]).
// Amount must not be negative. The zero value is invalid.
type Target struct {
	Rep      string          `json:"rep,omitempty"`
	Team     string          `json:"team,omitempty"`
	Pipeline string          `json:"pipeline,omitempty"`
	Period   Period          `json:"period"`
	Start    time.Time       `json:"start"`
	Amount   decimal.Decimal `json:"amount"`
}

// Options control a report. A nil *Options is invalid because AsOf is
// required; every other zero field means the documented default. Run and
// NewAccumulator copy what they need and do not modify Options (nor its
// maps and slices, which must not change while a call runs).
type Options struct {
	// AsOf is the analysis clock (required). Records dated after it are an
	// error wrapping crmkit.ErrFuture.
	AsOf time.Time `json:"as_of"`
	// From and To bound the report window [From, To) for flow figures
	// (deals created, won, lost, moves, time in stage). Zero From means no
	// lower bound; zero To means up to and including AsOf.
	From time.Time `json:"from,omitzero"`
	To   time.Time `json:"to,omitzero"`
	// Period groups per-period figures and cohorts; default Month.
	Period Period `json:"period,omitempty"`
	// Location is the time zone of calendar periods; default UTC.
	Location *time.Location `json:"-"`
	// Snapshots lists past dates (each at or before AsOf) at which the
	// pipeline is rebuilt from the history. A snapshot at AsOf is always
	// included, last.
	Snapshots []time.Time `json:"snapshots,omitempty"`
	// Teams maps rep → team. Reps not in the map belong to team "".
	Teams map[string]string `json:"teams,omitempty"`
	// Targets are evaluated for attainment, gap and coverage.
	Targets []Target `json:"targets,omitempty"`
	// Currency every deal must be in ("" = the first currency seen). Deals
	// with an empty Currency are taken to be in the call's currency.
	Currency string `json:"currency,omitempty"`
	// Conversions selects the conversion definitions to compute; nil means
	// all three.
	Conversions []ConversionKind `json:"conversions,omitempty"`
	// SkipBad makes a bad record skip its deal (the deal and all its
	// changes) instead of stopping the analysis; the report counts what was
	// skipped and why. Mixed currencies are never skipped.
	SkipBad bool `json:"skip_bad,omitempty"`
	// Confidence is the level for intervals and for naming a rep's weakest
	// stage; default 0.95. It must lie in [0.5, 1).
	Confidence float64 `json:"confidence,omitempty"`
	// StaleLimit is the number of most overdue stale deals listed per
	// pipeline; 0 means 100, a negative value lists all. Counts and
	// amounts of stale deals always cover all of them.
	StaleLimit int `json:"stale_limit,omitempty"`
	// MinDeals is the least number of decided deals (advanced or dropped)
	// a rep needs at a stage before that stage can be named the rep's
	// weakest; default 20.
	MinDeals int `json:"min_deals,omitempty"`
}

// Input holds the record streams of one analysis. Only Deals is required;
// a nil change stream means no changes of that kind (so the zero value has
// no deals and is refused by [Run]). Each stream is read once, from the
// goroutine that calls Run.
//
// Order: Deals may come in any order (IDs unique). Each change stream must
// list the changes of one deal together (contiguously) and in time order
// within the deal; the order of the deals' groups does not matter and may
// differ between streams. "ORDER BY deal_id, time" in any collation does it.
// A change for a deal whose group already ended is an error wrapping
// crmkit.ErrOrder; a change for a deal that is not in Deals wraps
// crmkit.ErrUnknownRef. Nothing is ever reordered or dropped silently.
//
// The streams are read once each, in the order Deals, AmountChanges,
// CloseDateChanges, StageChanges. Memory grows with the number of deals
// (about 90 bytes each) plus the amount and close-date changes, which are
// kept; stage changes are streamed.
type Input struct {
	Deals            iter.Seq2[Deal, error]
	StageChanges     iter.Seq2[StageChange, error]
	AmountChanges    iter.Seq2[AmountChange, error]
	CloseDateChanges iter.Seq2[CloseDateChange, error]
}

// fnlConfig is the immutable, normalised setup shared by the accumulators of
// one analysis.
type fnlConfig struct {
	pipes      []fnlPipe
	pipeIdx    map[string]int
	warnings   []Warning
	asOf       int64
	from, to   int64 // window [from, to)
	snaps      []int64
	snapTimes  []time.Time
	period     Period
	loc        *time.Location
	teams      map[string]string
	targets    []Target
	currency   string
	conv       [3]bool // StageToStage, ReachedStage, CohortWinRate
	skipBad    bool
	conf       float64
	minDeals   int
	staleLimit int
	fingerprnt string
	opts       Options
}

type fnlPipe struct {
	p       Pipeline
	stage   map[string]uint16
	kind    []StageKind
	kc      []uint8 // fnlOpen, fnlWon, fnlLost
	pos     []int   // open position of each stage, -1 for won/lost
	open    []uint16
	prob    []float64
	staleS  []int64 // stale threshold in seconds, 0 = none
	nOpen   int
	wonIdx  []uint16
	lostIdx []uint16
}

func (pp *fnlPipe) lookup(id string) (uint16, bool) {
	if len(pp.p.Stages) <= 16 {
		for i := range pp.p.Stages {
			if pp.p.Stages[i].ID == id {
				return uint16(i), true
			}
		}
		return 0, false
	}
	s, ok := pp.stage[id]
	return s, ok
}

func fnlOptErr(field string, sentinel error, format string, args ...any) error {
	return crmkit.Errorf("options", -1, "", field, sentinel, format, args...)
}

func fnlNewConfig(pipelines []Pipeline, opts *Options) (*fnlConfig, error) {
	warns, err := ValidatePipelines(pipelines)
	if err != nil {
		return nil, err
	}
	if opts == nil {
		return nil, fnlOptErr("AsOf", crmkit.ErrMissing, "options are required")
	}
	o := *opts
	if o.AsOf.IsZero() {
		return nil, fnlOptErr("AsOf", crmkit.ErrMissing, "")
	}
	c := &fnlConfig{warnings: warns, pipeIdx: map[string]int{}, asOf: o.AsOf.Unix(), skipBad: o.SkipBad, currency: o.Currency}
	c.loc = o.Location
	if c.loc == nil {
		c.loc = time.UTC
	}
	switch o.Period {
	case "":
		o.Period = Month
	case Week, Month, Quarter, Year:
	default:
		return nil, fnlOptErr("Period", crmkit.ErrInvalid, "unknown period %q", o.Period)
	}
	c.period = o.Period
	c.from, c.to = math.MinInt64, c.asOf+1
	if !o.From.IsZero() {
		c.from = o.From.Unix()
	}
	if !o.To.IsZero() {
		c.to = o.To.Unix()
	}
	if c.to <= c.from {
		return nil, fnlOptErr("To", crmkit.ErrInvalid, "window end %v is not after start %v", o.To, o.From)
	}
	for i, s := range o.Snapshots {
		if s.IsZero() {
			return nil, fnlOptErr(fmt.Sprintf("Snapshots[%d]", i), crmkit.ErrMissing, "")
		}
		if s.After(o.AsOf) {
			return nil, fnlOptErr(fmt.Sprintf("Snapshots[%d]", i), crmkit.ErrFuture, "%v is after AsOf %v", s, o.AsOf)
		}
	}
	snaps := slices.Clone(o.Snapshots)
	snaps = append(snaps, o.AsOf)
	slices.SortFunc(snaps, func(a, b time.Time) int { return a.Compare(b) })
	snaps = slices.CompactFunc(snaps, func(a, b time.Time) bool { return a.Unix() == b.Unix() })
	for _, s := range snaps {
		c.snaps = append(c.snaps, s.Unix())
		c.snapTimes = append(c.snapTimes, s.In(c.loc))
	}
	c.teams = o.Teams
	if o.Conversions == nil {
		c.conv = [3]bool{true, true, true}
	}
	for _, k := range o.Conversions {
		switch k {
		case StageToStage:
			c.conv[0] = true
		case ReachedStage:
			c.conv[1] = true
		case CohortWinRate:
			c.conv[2] = true
		default:
			return nil, fnlOptErr("Conversions", crmkit.ErrInvalid, "unknown conversion %q", k)
		}
	}
	c.conf = o.Confidence
	if c.conf == 0 {
		c.conf = 0.95
	}
	if !(c.conf >= 0.5 && c.conf < 1) {
		return nil, fnlOptErr("Confidence", crmkit.ErrInvalid, "%v is not in [0.5, 1)", o.Confidence)
	}
	c.minDeals = o.MinDeals
	if c.minDeals == 0 {
		c.minDeals = 20
	}
	if c.minDeals < 0 {
		return nil, fnlOptErr("MinDeals", crmkit.ErrInvalid, "negative: %d", o.MinDeals)
	}
	c.staleLimit = o.StaleLimit
	if c.staleLimit == 0 {
		c.staleLimit = 100
	}
	for i, t := range o.Targets {
		f := fmt.Sprintf("Targets[%d]", i)
		switch {
		case (t.Rep == "") == (t.Team == ""):
			return nil, fnlOptErr(f, crmkit.ErrInvalid, "exactly one of Rep and Team must be set")
		case t.Period != Month && t.Period != Quarter && t.Period != Year:
			return nil, fnlOptErr(f, crmkit.ErrInvalid, "period %q is not month, quarter or year", t.Period)
		case t.Start.IsZero():
			return nil, fnlOptErr(f, crmkit.ErrMissing, "start")
		case t.Amount.Sign() < 0:
			return nil, fnlOptErr(f, crmkit.ErrInvalid, "negative amount %s", t.Amount)
		}
		if t.Pipeline != "" && !slices.ContainsFunc(pipelines, func(p Pipeline) bool { return p.ID == t.Pipeline }) {
			return nil, fnlOptErr(f, crmkit.ErrUnknownRef, "pipeline %q", t.Pipeline)
		}
	}
	c.targets = o.Targets
	for i, p := range pipelines {
		pp := fnlPipe{p: p, stage: make(map[string]uint16, len(p.Stages))}
		for si, s := range p.Stages {
			pp.stage[s.ID] = uint16(si)
			pp.kind = append(pp.kind, s.Kind)
			pp.kc = append(pp.kc, map[StageKind]uint8{StageOpen: fnlOpen, StageWon: fnlWon, StageLost: fnlLost}[s.Kind])
			pp.prob = append(pp.prob, s.Probability)
			pp.staleS = append(pp.staleS, int64(s.StaleDays)*86400)
			pos := -1
			switch s.Kind {
			case StageOpen:
				pos = pp.nOpen
				pp.nOpen++
				pp.open = append(pp.open, uint16(si))
			case StageWon:
				pp.wonIdx = append(pp.wonIdx, uint16(si))
			case StageLost:
				pp.lostIdx = append(pp.lostIdx, uint16(si))
			}
			pp.pos = append(pp.pos, pos)
		}
		c.pipeIdx[p.ID] = i
		c.pipes = append(c.pipes, pp)
	}
	o.Location = nil
	c.opts = o
	fp, err := json.Marshal(struct {
		P   []Pipeline
		O   Options
		Loc string
	}{pipelines, o, c.loc.String()})
	if err != nil {
		return nil, fnlOptErr("", crmkit.ErrInvalid, "%v", err)
	}
	c.fingerprnt = string(fp)
	return c, nil
}

const (
	fnlOpen uint8 = iota
	fnlWon
	fnlLost
)
