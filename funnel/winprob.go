package funnel

import (
	"context"
	"fmt"
	"iter"
	"math"
	"time"

	"github.com/crmkit/crmkit"
)

// WinProbability estimates the probability that an open deal will be won.
// It is the one place where a host plugs in its own model; crmkit ships four
// ([StageDefaults], [StageAgeModel], [NaiveBayesModel], [LogisticModel]). A
// nil WinProbability in [ForecastOptions] or [AccuracyOptions] means the
// pipelines' [StageDefaults].
//
// Contract: WinProbability returns a value in [0, 1] or an error; the
// forecast treats any other value as an error naming the deal. The
// [DealState] and everything it points to (Deal.Attributes, Reached) belong
// to the caller and must not be kept or modified. crmkit may call
// WinProbability from several goroutines at once, so implementations must be
// safe for concurrent use (the shipped models are immutable once fitted).
type WinProbability interface {
	WinProbability(s DealState) (float64, error)
}

// WinProbabilityFunc adapts a function to [WinProbability]. The function
// must be safe for concurrent calls. A nil WinProbabilityFunc must not be
// used (calling it would panic).
type WinProbabilityFunc func(s DealState) (float64, error)

// WinProbability calls f(s).
func (f WinProbabilityFunc) WinProbability(s DealState) (float64, error) { return f(s) }

// DealState is an open deal as a win-probability model sees it at one
// moment, AsOf: the deal record as of then (Stage is the open stage it sits
// in, Amount its amount then), the team of its owner, when it entered that
// stage and which stages of its pipeline it had reached (in the order
// reached, current stage last). StageEntered zero means unknown (models then
// use Deal.Created). The zero value is not a usable state (no deal). It is a
// plain value; a model must treat it as read-only (see [WinProbability]).
type DealState struct {
	Deal         Deal      `json:"deal"`
	Team         string    `json:"team,omitempty"`
	AsOf         time.Time `json:"as_of"`
	StageEntered time.Time `json:"stage_entered,omitzero"`
	Reached      []string  `json:"reached,omitempty"`
}

// AgeInStage returns the time the deal has spent in its current stage at
// AsOf (never negative).
func (s DealState) AgeInStage() time.Duration {
	from := s.StageEntered
	if from.IsZero() {
		from = s.Deal.Created
	}
	if d := s.AsOf.Sub(from); d > 0 {
		return d
	}
	return 0
}

// StageDefaults is the simplest [WinProbability]: the default probability
// of the deal's current stage as configured in its pipeline. The zero value
// knows no pipeline and returns an error for every deal. Safe for concurrent
// use; build it with [NewStageDefaults].
type StageDefaults struct {
	stages map[pipeStageKey]float64
}

type pipeStageKey struct{ pipeline, stage string }

// NewStageDefaults builds a [StageDefaults] from pipeline definitions, which
// must pass [ValidatePipelines] (warnings are ignored).
func NewStageDefaults(pipelines []Pipeline) (*StageDefaults, error) {
	if _, err := ValidatePipelines(pipelines); err != nil {
		return nil, err
	}
	m := make(map[pipeStageKey]float64)
	for _, p := range pipelines {
		for _, s := range p.Stages {
			m[pipeStageKey{p.ID, s.ID}] = s.Probability
		}
	}
	return &StageDefaults{stages: m}, nil
}

// WinProbability returns the stage's default probability; an unknown
// pipeline or stage is an error wrapping crmkit.ErrUnknownRef.
func (m *StageDefaults) WinProbability(s DealState) (float64, error) {
	p, ok := m.stages[pipeStageKey{s.Deal.Pipeline, s.Deal.Stage}]
	if !ok {
		return 0, crmkit.Errorf("deal", -1, s.Deal.ID, "stage", crmkit.ErrUnknownRef, "pipeline %q stage %q", s.Deal.Pipeline, s.Deal.Stage)
	}
	return p, nil
}

// pipePipes indexes pipeline definitions for the learned models.
type pipePipes struct {
	byID map[string]*pipePipe
}

type pipePipe struct {
	def   Pipeline
	index map[string]int // stage ID → position in def.Stages
	open  []string       // open stage IDs in pipeline order
	rank  map[string]int // open stage ID → position in open
}

func pipeIndexPipelines(pipelines []Pipeline) (*pipePipes, error) {
	if _, err := ValidatePipelines(pipelines); err != nil {
		return nil, err
	}
	pp := &pipePipes{byID: make(map[string]*pipePipe, len(pipelines))}
	for _, p := range pipelines {
		x := &pipePipe{def: p, index: map[string]int{}, rank: map[string]int{}}
		for i, s := range p.Stages {
			x.index[s.ID] = i
			if s.Kind == StageOpen {
				x.rank[s.ID] = len(x.open)
				x.open = append(x.open, s.ID)
			}
		}
		pp.byID[p.ID] = x
	}
	return pp, nil
}

func (pp *pipePipes) kind(pipeline, stage string) (StageKind, bool) {
	p, ok := pp.byID[pipeline]
	if !ok {
		return "", false
	}
	i, ok := p.index[stage]
	if !ok {
		return "", false
	}
	return p.def.Stages[i].Kind, true
}

// pipeStay is one stay of a deal in an open stage.
type pipeStay struct {
	stage       string
	enter, exit time.Time // exit is the close time for the final stay
	reached     []string  // open stages reached up to and including this one
}

// pipeClosed is a decided deal prepared for learning: its stays in open
// stages, whether it was won, and when it closed.
type pipeClosed struct {
	hist   *History
	deal   *Deal
	team   string
	won    bool
	closed time.Time
	stays  []pipeStay
	// furthest is the rank of the furthest open stage reached (-1: none).
	furthest int
	// open is true for a deal still open at the as-of time; enter is when
	// it entered its current stage and reached the open stages it reached.
	open    bool
	enter   time.Time
	reached []string
}

// pipeReadClosed reads a history stream and calls fn for every decided deal
// (current stage won or lost, closed at or before asOf). Open deals are
// skipped: their outcome is not known. A malformed history is an error
// naming the record (crmkit.RecordError).
func pipeReadClosed(ctx context.Context, pp *pipePipes, histories iter.Seq2[History, error], teams map[string]string, asOf time.Time, fn func(c *pipeClosed) error) error {
	idx := -1
	for h, err := range histories {
		idx++
		if err != nil {
			return err
		}
		if idx&255 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		c, ok, err := pipePrepare(pp, &h, idx, teams, asOf)
		if err != nil {
			return err
		}
		if !ok || c.open {
			continue
		}
		if err := fn(c); err != nil {
			return err
		}
	}
	return nil
}

// pipePrepare checks one history and turns it into stays. ok is false for a
// deal decided after asOf (its state as of asOf is not rebuilt here); a deal
// open at asOf comes back with open set.
func pipePrepare(pp *pipePipes, h *History, idx int, teams map[string]string, asOf time.Time) (*pipeClosed, bool, error) {
	d := &h.Deal
	bad := func(field string, sentinel error, format string, args ...any) error {
		return crmkit.Errorf("deal", idx, d.ID, field, sentinel, format, args...)
	}
	if d.ID == "" {
		return nil, false, bad("id", crmkit.ErrMissing, "")
	}
	p, ok := pp.byID[d.Pipeline]
	if !ok {
		return nil, false, bad("pipeline", crmkit.ErrUnknownRef, "%q", d.Pipeline)
	}
	kind, ok := pp.kind(d.Pipeline, d.Stage)
	if !ok {
		return nil, false, bad("stage", crmkit.ErrUnknownRef, "%q", d.Stage)
	}
	if d.Created.IsZero() {
		return nil, false, bad("created", crmkit.ErrMissing, "")
	}
	if d.Created.After(asOf) {
		return nil, false, bad("created", crmkit.ErrFuture, "%s", d.Created.Format(time.RFC3339))
	}
	if d.Amount.Sign() < 0 {
		return nil, false, bad("amount", crmkit.ErrInvalid, "negative: %s", d.Amount)
	}
	if kind == StageOpen {
		if !d.Closed.IsZero() {
			return nil, false, bad("closed", crmkit.ErrInvalid, "set on a deal in open stage %q", d.Stage)
		}
	} else {
		if d.Closed.IsZero() {
			return nil, false, bad("closed", crmkit.ErrMissing, "deal in %s stage %q", kind, d.Stage)
		}
		if d.Closed.After(asOf) {
			// Decided after the as-of time: still open as of then.
			return nil, false, nil
		}
	}
	c := &pipeClosed{hist: h, deal: d, team: teams[d.Owner], won: kind == StageWon, closed: d.Closed, furthest: -1, open: kind == StageOpen}
	// Walk the stage chain: the first change's From is the initial stage.
	cur := d.Stage
	if len(h.Changes) > 0 {
		cur = h.Changes[0].From
	}
	enter := d.Created
	var reached []string
	addStay := func(stage string, from, to time.Time) {
		if r, ok := p.rank[stage]; ok {
			reached = append(reached, stage)
			c.stays = append(c.stays, pipeStay{stage: stage, enter: from, exit: to, reached: reached[:len(reached):len(reached)]})
			c.furthest = max(c.furthest, r)
		}
	}
	for i, ch := range h.Changes {
		cbad := func(field string, sentinel error, format string, args ...any) error {
			return crmkit.Errorf("stage change", i, d.ID, field, sentinel, format, args...)
		}
		if ch.DealID != d.ID {
			return nil, false, cbad("deal_id", crmkit.ErrInvalid, "in the history of deal %q", d.ID)
		}
		if _, ok := p.index[ch.From]; !ok {
			return nil, false, cbad("from", crmkit.ErrUnknownRef, "%q", ch.From)
		}
		if _, ok := p.index[ch.To]; !ok {
			return nil, false, cbad("to", crmkit.ErrUnknownRef, "%q", ch.To)
		}
		if ch.From != cur {
			return nil, false, cbad("from", crmkit.ErrInvalid, "%q, but the deal was in %q", ch.From, cur)
		}
		if ch.Time.Before(enter) {
			return nil, false, cbad("time", crmkit.ErrOrder, "%s before the previous event", ch.Time.Format(time.RFC3339))
		}
		if ch.Time.After(asOf) {
			return nil, false, cbad("time", crmkit.ErrFuture, "%s", ch.Time.Format(time.RFC3339))
		}
		addStay(cur, enter, ch.Time)
		cur, enter = ch.To, ch.Time
	}
	if cur != d.Stage {
		return nil, false, bad("stage", crmkit.ErrInvalid, "%q, but the last stage change went to %q", d.Stage, cur)
	}
	c.enter = enter
	c.reached = reached
	if c.open {
		if _, ok := p.rank[cur]; ok {
			c.reached = append(reached[:len(reached):len(reached)], cur)
		}
		return c, true, nil
	}
	if d.Closed.Before(enter) {
		return nil, false, bad("closed", crmkit.ErrOrder, "%s before the last stage change", d.Closed.Format(time.RFC3339))
	}
	return c, true, nil
}

// pipeCheckProb validates a model's output.
func pipeCheckProb(p float64, err error, s *DealState, idx int) (float64, error) {
	if err != nil {
		return 0, fmt.Errorf("funnel: win probability of deal %q: %w", s.Deal.ID, err)
	}
	if math.IsNaN(p) || p < 0 || p > 1 {
		return 0, crmkit.Errorf("deal", idx, s.Deal.ID, "win probability", crmkit.ErrInvalid, "model returned %v, not in [0, 1]", p)
	}
	return p, nil
}

// pipeDays converts a duration to fractional days.
func pipeDays(d time.Duration) float64 { return d.Hours() / 24 }
