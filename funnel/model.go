package funnel

import (
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/crmkit/crmkit"
	"github.com/shopspring/decimal"
)

// StageKind says whether a deal in a stage is still being worked (open) or
// has been decided (won, lost). The zero value "" is invalid.
type StageKind string

const (
	// StageOpen is a stage in which the deal is still being worked.
	StageOpen StageKind = "open"
	// StageWon is a terminal stage: the deal was won.
	StageWon StageKind = "won"
	// StageLost is a terminal stage: the deal was lost.
	StageLost StageKind = "lost"
)

// Stage is one step of a [Pipeline]. The zero value is invalid (no ID, no
// kind). Probability is the stage's default win probability in [0, 1], used to
// weight open amounts. StaleDays is the number of days a deal may sit in the
// stage without a stage change or activity before it counts as stale; 0 means
// the stage has no threshold.
type Stage struct {
	ID          string    `json:"id"`
	Name        string    `json:"name,omitempty"`
	Probability float64   `json:"probability"`
	Kind        StageKind `json:"kind"`
	StaleDays   int       `json:"stale_days,omitempty"`
}

// Pipeline is an ordered list of stages. The order of the open stages is the
// order in which deals are expected to move through them; won and lost stages
// may sit anywhere in the list and are terminal (deals may still be
// reopened). Stage IDs are unique within one pipeline; two pipelines may use
// the same stage IDs. The zero value is invalid (no ID, no stages).
//
// A Pipeline is a plain value; it is safe for concurrent reads.
type Pipeline struct {
	ID     string  `json:"id"`
	Name   string  `json:"name,omitempty"`
	Stages []Stage `json:"stages"`
}

// Warning is a problem in a pipeline definition that does not stop an
// analysis, such as win probabilities that fall from one open stage to the
// next. The zero value is an empty warning; it is safe for concurrent reads.
type Warning struct {
	Pipeline string `json:"pipeline"`
	Stage    string `json:"stage,omitempty"`
	Message  string `json:"message"`
}

// String formats the warning as `pipeline "P" stage "S": message`.
func (w Warning) String() string {
	if w.Stage == "" {
		return fmt.Sprintf("pipeline %q: %s", w.Pipeline, w.Message)
	}
	return fmt.Sprintf("pipeline %q stage %q: %s", w.Pipeline, w.Stage, w.Message)
}

// ValidatePipelines checks a set of pipeline definitions and reports every
// problem at once (errors.Join of [*crmkit.RecordError] with Kind "pipeline"
// or "stage" and Index the position in its list): pipeline IDs missing or
// repeated, stage IDs missing or repeated within a pipeline, unknown kinds,
// probabilities outside [0, 1] or NaN, negative stale thresholds, a pipeline
// without any open, won or lost stage, and more than 65535 stages.
//
// Open stages whose probabilities decrease along the pipeline order, a won
// stage with probability below 1 and a lost stage with probability above 0
// are returned as warnings: hosts do configure such pipelines, and the
// reports still work (the snapshot weights amounts with whatever
// probabilities are given). It is safe for concurrent use.
func ValidatePipelines(pipelines []Pipeline) ([]Warning, error) {
	var errs []error
	var warns []Warning
	if len(pipelines) == 0 {
		errs = append(errs, crmkit.Errorf("pipeline", -1, "", "", crmkit.ErrMissing, "no pipelines given"))
	}
	seen := make(map[string]int, len(pipelines))
	for pi, p := range pipelines {
		if p.ID == "" {
			errs = append(errs, crmkit.Errorf("pipeline", pi, "", "id", crmkit.ErrMissing, ""))
		} else if prev, dup := seen[p.ID]; dup {
			errs = append(errs, crmkit.Errorf("pipeline", pi, p.ID, "id", crmkit.ErrDuplicate, "same ID as pipeline #%d", prev))
		} else {
			seen[p.ID] = pi
		}
		if len(p.Stages) > math.MaxUint16 {
			errs = append(errs, crmkit.Errorf("pipeline", pi, p.ID, "stages", crmkit.ErrInvalid, "%d stages, at most %d", len(p.Stages), math.MaxUint16))
			continue
		}
		var open, won, lost int
		stageSeen := make(map[string]int, len(p.Stages))
		lastOpenP, lastOpenID := -1.0, ""
		for si, s := range p.Stages {
			id := p.ID + "/" + s.ID
			if s.ID == "" {
				errs = append(errs, crmkit.Errorf("stage", si, p.ID+"/", "id", crmkit.ErrMissing, ""))
			} else if prev, dup := stageSeen[s.ID]; dup {
				errs = append(errs, crmkit.Errorf("stage", si, id, "id", crmkit.ErrDuplicate, "same ID as stage #%d", prev))
			} else {
				stageSeen[s.ID] = si
			}
			if math.IsNaN(s.Probability) || s.Probability < 0 || s.Probability > 1 {
				errs = append(errs, crmkit.Errorf("stage", si, id, "probability", crmkit.ErrInvalid, "%v is not in [0, 1]", s.Probability))
			}
			if s.StaleDays < 0 {
				errs = append(errs, crmkit.Errorf("stage", si, id, "stale_days", crmkit.ErrInvalid, "negative: %d", s.StaleDays))
			}
			switch s.Kind {
			case StageOpen:
				open++
				if s.Probability >= 0 && s.Probability < lastOpenP {
					warns = append(warns, Warning{Pipeline: p.ID, Stage: s.ID, Message: fmt.Sprintf("probability %v is below %v of the earlier open stage %q", s.Probability, lastOpenP, lastOpenID)})
				}
				if s.Probability >= 0 && s.Probability <= 1 {
					lastOpenP, lastOpenID = s.Probability, s.ID
				}
			case StageWon:
				won++
				if s.Probability < 1 {
					warns = append(warns, Warning{Pipeline: p.ID, Stage: s.ID, Message: fmt.Sprintf("won stage has probability %v, not 1", s.Probability)})
				}
			case StageLost:
				lost++
				if s.Probability > 0 {
					warns = append(warns, Warning{Pipeline: p.ID, Stage: s.ID, Message: fmt.Sprintf("lost stage has probability %v, not 0", s.Probability)})
				}
			case "":
				errs = append(errs, crmkit.Errorf("stage", si, id, "kind", crmkit.ErrMissing, ""))
			default:
				errs = append(errs, crmkit.Errorf("stage", si, id, "kind", crmkit.ErrInvalid, "unknown kind %q", s.Kind))
			}
		}
		if open == 0 {
			errs = append(errs, crmkit.Errorf("pipeline", pi, p.ID, "stages", crmkit.ErrMissing, "no open stage"))
		}
		if won == 0 {
			errs = append(errs, crmkit.Errorf("pipeline", pi, p.ID, "stages", crmkit.ErrMissing, "no won stage"))
		}
		if lost == 0 {
			errs = append(errs, crmkit.Errorf("pipeline", pi, p.ID, "stages", crmkit.ErrMissing, "no lost stage"))
		}
	}
	return warns, errors.Join(errs...)
}

// Deal is one sales opportunity as the host keeps it today (at or before the
// analysis' AsOf). The zero value is invalid (no ID). Like all model types it
// is a plain value, safe for concurrent reads; crmkit never modifies it.
//
// Pipeline and Stage name the pipeline and its current stage. Owner is the
// rep who owns the deal now ("" is a valid, unassigned owner). Amount is the
// current value in Currency (an ISO 4217 code; "" means the call's currency);
// it must not be negative. Created is required. ExpectedClose is the date the
// deal is expected to close (zero when unknown). Closed is when the deal was
// won or lost; it is required when Stage is a won or lost stage and must be
// zero otherwise. LostReason is the host's reason code for lost deals.
// LastActivity is the time of the last call, meeting or message on the deal
// (zero when the host does not track activities); stale-deal detection uses
// it. Attributes holds host fields that crmkit does not interpret.
type Deal struct {
	ID            string            `json:"id"`
	Pipeline      string            `json:"pipeline"`
	CustomerID    string            `json:"customer_id,omitempty"`
	Owner         string            `json:"owner,omitempty"`
	Amount        decimal.Decimal   `json:"amount"`
	Currency      string            `json:"currency,omitempty"`
	Created       time.Time         `json:"created"`
	ExpectedClose time.Time         `json:"expected_close,omitzero"`
	Closed        time.Time         `json:"closed,omitzero"`
	Stage         string            `json:"stage"`
	LostReason    string            `json:"lost_reason,omitempty"`
	LastActivity  time.Time         `json:"last_activity,omitzero"`
	Attributes    map[string]string `json:"attributes,omitempty"`
}

// StageChange records that a deal moved From one stage To another at Time.
// Owner is the rep who owned the deal at that time ("" means the deal's
// current owner). A deal's first change's From is the stage the deal was
// created in; each later change's From must equal the previous change's To,
// and the last change's To must equal the deal's current Stage. The zero value
// is invalid.
type StageChange struct {
	DealID string    `json:"deal_id"`
	From   string    `json:"from"`
	To     string    `json:"to"`
	Time   time.Time `json:"time"`
	Owner  string    `json:"owner,omitempty"`
}

// AmountChange records that a deal's amount changed From one value To another
// at Time (optional history). Like stage changes, the changes of one deal
// form a chain: each From equals the previous To, and the last To equals the
// deal's current Amount. The amount from creation until the first change is
// the first change's From. The zero value is invalid.
type AmountChange struct {
	DealID string          `json:"deal_id"`
	Time   time.Time       `json:"time"`
	From   decimal.Decimal `json:"from"`
	To     decimal.Decimal `json:"to"`
}

// CloseDateChange records that a deal's expected close date moved From one
// date To another at Time (optional history; a zero From means no date was
// set). The last To must equal the deal's current ExpectedClose. The zero
// value is invalid.
type CloseDateChange struct {
	DealID string    `json:"deal_id"`
	Time   time.Time `json:"time"`
	From   time.Time `json:"from,omitzero"`
	To     time.Time `json:"to"`
}

// History is everything known about one deal: the deal record and its
// changes, each slice in time order. It is what [Accumulator.Add] takes, the
// unit a distributed engine groups by deal ID. The zero value is invalid (the
// deal has no ID).
type History struct {
	Deal       Deal              `json:"deal"`
	Changes    []StageChange     `json:"changes,omitempty"`
	Amounts    []AmountChange    `json:"amounts,omitempty"`
	CloseDates []CloseDateChange `json:"close_dates,omitempty"`
}
