package funnel

import (
	"context"
	"fmt"
	"iter"
	"math"
	"time"

	"github.com/crmkit/crmkit"
)

// NaiveBayesOptions control [FitNaiveBayes]. A nil *NaiveBayesOptions is
// invalid because AsOf is required; other zero fields mean the documented
// defaults. The zero value is invalid (no AsOf). Options are only read, so
// one value may serve concurrent calls.
type NaiveBayesOptions struct {
	// AsOf is the clock: deals closed after it count as open (required).
	AsOf time.Time `json:"as_of"`
	// Fields are the Deal.Attributes keys to learn from (for example
	// "country", "source"). The current stage is always used.
	Fields []string `json:"fields,omitempty"`
	// Teams maps rep → team; a deal's team is its owner's.
	Teams map[string]string `json:"teams,omitempty"`
	// Smoothing is the pseudo-count added to every won and lost count
	// (Laplace smoothing); default 0.1, as Odoo adds.
	Smoothing float64 `json:"smoothing,omitempty"`
	// MinSupport is the least number of decided deals a field value needs
	// before it counts; rarer values (and values never seen) are ignored
	// when scoring, like a missing field. Default 5.
	MinSupport int `json:"min_support,omitempty"`
	// MinTeamDeals is the least number of decided deals, and at least one
	// won and one lost, a team needs for its own table; other teams use
	// the table learned from all deals. Default 50.
	MinTeamDeals int `json:"min_team_deals,omitempty"`
}

// NaiveBayesModel is the naive Bayes win probability learned by
// [FitNaiveBayes]. The zero value has no tables and answers every deal with
// an error. It is immutable and safe for concurrent use.
type NaiveBayesModel struct {
	fields     []string
	alpha      float64
	minSupport int
	teams      map[string]string
	global     *pipeNBTable
	byTeam     map[string]*pipeNBTable
}

type pipeWL struct{ won, lost float64 }

// pipeNBTable holds won and lost counts of one team (or of all deals).
type pipeNBTable struct {
	total pipeWL
	// stage counts deals that reached each open stage.
	stage map[pipeStageKey]*pipeWL
	// attrs[field][value] counts deals with that value.
	attrs map[string]map[string]*pipeWL
	// fieldTotal counts deals that have a value for each field.
	fieldTotal map[string]*pipeWL
}

func pipeNewNBTable() *pipeNBTable {
	return &pipeNBTable{stage: map[pipeStageKey]*pipeWL{}, attrs: map[string]map[string]*pipeWL{}, fieldTotal: map[string]*pipeWL{}}
}

func (t *pipeNBTable) add(pp *pipePipes, c *pipeClosed, fields []string) {
	inc := func(x *pipeWL) {
		if c.won {
			x.won++
		} else {
			x.lost++
		}
	}
	inc(&t.total)
	// Reached-stage counting as Odoo does it: a won deal counts as having
	// reached every open stage; a lost deal every open stage up to the
	// furthest one it reached, whether or not it skipped some.
	open := pp.byID[c.deal.Pipeline].open
	last := len(open) - 1
	if !c.won {
		last = c.furthest
	}
	for r := 0; r <= last; r++ {
		k := pipeStageKey{c.deal.Pipeline, open[r]}
		x := t.stage[k]
		if x == nil {
			x = &pipeWL{}
			t.stage[k] = x
		}
		inc(x)
	}
	for _, f := range fields {
		v, ok := c.deal.Attributes[f]
		if !ok || v == "" {
			continue
		}
		m := t.attrs[f]
		if m == nil {
			m = map[string]*pipeWL{}
			t.attrs[f] = m
			t.fieldTotal[f] = &pipeWL{}
		}
		inc(t.fieldTotal[f])
		x := m[v]
		if x == nil {
			x = &pipeWL{}
			m[v] = x
		}
		inc(x)
	}
}

// FitNaiveBayes learns a naive Bayes win probability in the manner of
// Odoo's predictive lead scoring: for each field value, how many decided
// deals with it were won and lost; for each open stage, how many won and
// lost deals reached it (a won deal reached every stage, a lost deal every
// stage up to the furthest it got to); Laplace smoothing; values rarer than
// MinSupport ignored; a table per team with enough history, and the table
// of all deals for the others.
//
// The probability of an open deal in stage s with field values v is
// P(won)·P(reached s|won)·Π P(v|won) normalised against the same product
// for lost, computed in log space. Histories are read once; memory grows
// with the number of distinct field values.
func FitNaiveBayes(ctx context.Context, pipelines []Pipeline, histories iter.Seq2[History, error], opts *NaiveBayesOptions) (*NaiveBayesModel, error) {
	if opts == nil || opts.AsOf.IsZero() {
		return nil, fmt.Errorf("funnel: FitNaiveBayes: %w: AsOf", crmkit.ErrMissing)
	}
	m := &NaiveBayesModel{fields: opts.Fields, alpha: opts.Smoothing, minSupport: opts.MinSupport, teams: opts.Teams}
	if m.alpha == 0 {
		m.alpha = 0.1
	}
	if m.minSupport == 0 {
		m.minSupport = 5
	}
	minTeam := opts.MinTeamDeals
	if minTeam == 0 {
		minTeam = 50
	}
	if m.alpha < 0 || math.IsNaN(m.alpha) || math.IsInf(m.alpha, 0) || m.minSupport < 0 || minTeam < 0 {
		return nil, fmt.Errorf("funnel: FitNaiveBayes: %w: smoothing %v, min support %d, min team deals %d", crmkit.ErrInvalid, opts.Smoothing, opts.MinSupport, opts.MinTeamDeals)
	}
	pp, err := pipeIndexPipelines(pipelines)
	if err != nil {
		return nil, err
	}
	m.global = pipeNewNBTable()
	m.byTeam = map[string]*pipeNBTable{}
	err = pipeReadClosed(ctx, pp, histories, opts.Teams, opts.AsOf, func(c *pipeClosed) error {
		m.global.add(pp, c, m.fields)
		t := m.byTeam[c.team]
		if t == nil {
			t = pipeNewNBTable()
			m.byTeam[c.team] = t
		}
		t.add(pp, c, m.fields)
		return nil
	})
	if err != nil {
		return nil, err
	}
	for team, t := range m.byTeam {
		if t.total.won+t.total.lost < float64(minTeam) || t.total.won == 0 || t.total.lost == 0 {
			delete(m.byTeam, team)
		}
	}
	return m, nil
}

// WinProbability scores an open deal with its team's table (or the global
// one). With no decided deals at all it returns an error wrapping
// crmkit.ErrMissing.
func (m *NaiveBayesModel) WinProbability(s DealState) (float64, error) {
	if m.global == nil || m.global.total.won+m.global.total.lost == 0 {
		return 0, fmt.Errorf("funnel: naive Bayes model: %w: no decided deals to learn from", crmkit.ErrMissing)
	}
	team := s.Team
	if team == "" && m.teams != nil {
		team = m.teams[s.Deal.Owner]
	}
	t := m.byTeam[team]
	if t == nil {
		t = m.global
	}
	a := m.alpha
	W, L := t.total.won, t.total.lost
	lo := math.Log(W+a) - math.Log(L+a)
	if x := t.stage[pipeStageKey{s.Deal.Pipeline, s.Deal.Stage}]; x != nil {
		lo += math.Log((x.won+a)/(W+2*a)) - math.Log((x.lost+a)/(L+2*a))
	}
	for _, f := range m.fields {
		v, ok := s.Deal.Attributes[f]
		if !ok || v == "" {
			continue
		}
		vals := t.attrs[f]
		x := vals[v]
		if x == nil || x.won+x.lost < float64(m.minSupport) {
			continue
		}
		k := float64(len(vals))
		ft := t.fieldTotal[f]
		lo += math.Log((x.won+a)/(ft.won+a*k)) - math.Log((x.lost+a)/(ft.lost+a*k))
	}
	return 1 / (1 + math.Exp(-lo)), nil
}
