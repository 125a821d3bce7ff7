package funnel

import (
	"context"
	"fmt"
	"iter"
	"math"
	"time"

	"github.com/crmkit/crmkit"
)

// FitFunc learns a [WinProbability] from the deals in train as of asOf. The
// shipped fitters wrap [FitStageAge], [FitNaiveBayes] and [FitLogistic];
// a host passes its own to calibrate its own model. [Calibrate] calls it
// once, from the calling goroutine; it owns the stream it is given. A nil
// FitFunc is refused by Calibrate (an error wrapping crmkit.ErrMissing).
// Calibrate never calls it concurrently.
type FitFunc func(ctx context.Context, pipelines []Pipeline, train iter.Seq2[History, error], asOf time.Time) (WinProbability, error)

// CalibrationOptions control [Calibrate]. A nil *CalibrationOptions is
// invalid because AsOf and Cutoff are required; other zero fields mean the
// documented defaults. The zero value is invalid (no AsOf, no Cutoff).
// Options are only read, so one value may serve concurrent calls.
type CalibrationOptions struct {
	// Cutoff splits time: the model learns from the deals decided before
	// it and is tested on the deals created at or after it.
	Cutoff time.Time `json:"cutoff"`
	// AsOf ends the hold-out: test deals must be decided by then (required,
	// after Cutoff).
	AsOf time.Time `json:"as_of"`
	// Teams maps rep → team for [DealState.Team].
	Teams map[string]string `json:"teams,omitempty"`
	// Bins is the number of equal-width reliability bins on [0, 1];
	// default 10.
	Bins int `json:"bins,omitempty"`
	// Points chooses when test deals are scored; default ScoreOnDates.
	Points ScorePoints `json:"points,omitempty"`
	// Every is the spacing of the scoring dates Cutoff, Cutoff+Every, …;
	// default 7 days, at least an hour, and at most 10 000 dates up to AsOf.
	Every time.Duration `json:"every,omitempty"`
}

// ScorePoints says when [Calibrate] scores a test deal. The zero value ""
// means [ScoreOnDates]. It is a plain string value, safe for concurrent use.
type ScorePoints string

const (
	// ScoreOnDates scores every deal open on each scoring date, as a
	// forecast run on that date would: long-open deals weigh more, as they do
	// in a real pipeline. Models that ignore time in stage look
	// over-confident here, and should.
	ScoreOnDates ScorePoints = "dates"
	// ScoreOnEntry scores each deal once per open stage, when it enters
	// the stage: the question "of deals reaching s, how many win".
	ScoreOnEntry ScorePoints = "entry"
)

// ReliabilityBin is one bin of a reliability diagram: the test examples
// whose predicted probability lies in [Lower, Upper) (the last bin includes
// 1), their mean prediction and the share that won. The zero value is an
// empty bin. It is a plain value, safe for concurrent reads.
type ReliabilityBin struct {
	Lower         float64 `json:"lower"`
	Upper         float64 `json:"upper"`
	Count         int     `json:"count"`
	MeanPredicted float64 `json:"mean_predicted"`
	Observed      float64 `json:"observed"`
}

// CalibrationReport says how well a win-probability model's predictions
// matched what happened on a time-based hold-out. Brier is the mean squared
// error of the predictions, LogLoss the mean negative log-likelihood
// (predictions clipped to [1e-15, 1−1e-15]); BaseRate is the hold-out's win
// share and BrierBaseline the Brier score of always predicting the training
// win share, the bar a useful model beats. A plain value that marshals to
// JSON; the zero value is an empty report. It is safe for concurrent reads.
type CalibrationReport struct {
	TrainDeals    int              `json:"train_deals"`
	TestDeals     int              `json:"test_deals"`
	Examples      int              `json:"examples"`
	Brier         float64          `json:"brier"`
	LogLoss       float64          `json:"log_loss"`
	BaseRate      float64          `json:"base_rate"`
	BrierBaseline float64          `json:"brier_baseline"`
	Bins          []ReliabilityBin `json:"bins"`
}

// Calibrate fits a model on the past and scores it on the future.
//
// Training deals are those decided before Cutoff (deals still open at Cutoff
// are left out, which slightly favours fast deals; keep the hold-out well
// after the typical cycle). Test deals are those created at or after Cutoff
// and decided by AsOf. Under [ScoreOnDates], on every scoring date (Cutoff,
// Cutoff+Every, …) each test deal open then gives one example; under
// [ScoreOnEntry] each stay in an open stage gives one at its start. An
// example is scored as of its moment (stage, age in stage, stages reached;
// the deal's final attributes and amount) against whether the deal was won.
// Scoring moments never depend on what happened later (sampling at, say,
// the middle of each stay would). Deals created shortly before AsOf and still open are left
// out, which favours fast deals; leave a tail of about one sales cycle.
//
// The history stream is read once and kept in memory.
func Calibrate(ctx context.Context, pipelines []Pipeline, histories iter.Seq2[History, error], fit FitFunc, opts *CalibrationOptions) (*CalibrationReport, error) {
	if opts == nil || opts.AsOf.IsZero() || opts.Cutoff.IsZero() {
		return nil, fmt.Errorf("funnel: Calibrate: %w: AsOf and Cutoff", crmkit.ErrMissing)
	}
	if !opts.Cutoff.Before(opts.AsOf) {
		return nil, fmt.Errorf("funnel: Calibrate: %w: Cutoff %s not before AsOf %s", crmkit.ErrInvalid, opts.Cutoff, opts.AsOf)
	}
	if fit == nil {
		return nil, fmt.Errorf("funnel: Calibrate: %w: fit function", crmkit.ErrMissing)
	}
	bins := opts.Bins
	if bins == 0 {
		bins = 10
	}
	if bins < 1 || bins > 1000 {
		return nil, fmt.Errorf("funnel: Calibrate: %w: %d bins", crmkit.ErrInvalid, bins)
	}
	every := opts.Every
	if every == 0 {
		every = 7 * 24 * time.Hour
	}
	points := opts.Points
	if points == "" {
		points = ScoreOnDates
	}
	if points != ScoreOnDates && points != ScoreOnEntry {
		return nil, fmt.Errorf("funnel: Calibrate: %w: points %q", crmkit.ErrInvalid, points)
	}
	if every < time.Hour {
		return nil, fmt.Errorf("funnel: Calibrate: %w: Every %s is under an hour", crmkit.ErrInvalid, every)
	}
	if n := opts.AsOf.Sub(opts.Cutoff) / every; n > 10000 {
		return nil, fmt.Errorf("funnel: Calibrate: %w: %d scoring dates between Cutoff and AsOf, at most 10 000", crmkit.ErrInvalid, n)
	}
	pp, err := pipeIndexPipelines(pipelines)
	if err != nil {
		return nil, err
	}
	var train []History
	var test []*pipeClosed
	trainWon := 0
	err = pipeReadClosed(ctx, pp, histories, opts.Teams, opts.AsOf, func(c *pipeClosed) error {
		switch {
		case c.closed.Before(opts.Cutoff):
			train = append(train, *c.hist)
			if c.won {
				trainWon++
			}
		case !c.deal.Created.Before(opts.Cutoff):
			test = append(test, c)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(train) == 0 || len(test) == 0 {
		return nil, fmt.Errorf("funnel: Calibrate: %w: %d training and %d test deals", crmkit.ErrMissing, len(train), len(test))
	}
	model, err := fit(ctx, pipelines, crmkit.Stream(train), opts.Cutoff)
	if err != nil {
		return nil, err
	}
	rep := &CalibrationReport{TrainDeals: len(train), TestDeals: len(test)}
	base := float64(trainWon) / float64(len(train))
	sums := make([]struct{ n, p, y float64 }, bins)
	var won float64
	for _, c := range test {
		y := 0.0
		if c.won {
			y = 1
		}
		for _, st := range c.stays {
			k := (st.enter.Sub(opts.Cutoff) + every - 1) / every
			at, step, end := opts.Cutoff.Add(k*every), every, st.exit
			if points == ScoreOnEntry {
				at, end = st.enter, st.enter.Add(1)
			}
			for ; at.Before(end); at = at.Add(step) {
				s := DealState{Deal: *c.deal, Team: c.team, AsOf: at, StageEntered: st.enter, Reached: st.reached}
				s.Deal.Stage, s.Deal.Closed, s.Deal.LostReason = st.stage, time.Time{}, ""
				p, err := model.WinProbability(s)
				if p, err = pipeCheckProb(p, err, &s, -1); err != nil {
					return nil, err
				}
				rep.Examples++
				won += y
				rep.Brier += (p - y) * (p - y)
				rep.BrierBaseline += (base - y) * (base - y)
				pc := math.Min(math.Max(p, 1e-15), 1-1e-15)
				rep.LogLoss -= y*math.Log(pc) + (1-y)*math.Log(1-pc)
				b := min(int(p*float64(bins)), bins-1)
				sums[b].n++
				sums[b].p += p
				sums[b].y += y
			}
		}
	}
	if rep.Examples == 0 {
		return nil, fmt.Errorf("funnel: Calibrate: %w: no test deal was open on a scoring date", crmkit.ErrMissing)
	}
	n := float64(rep.Examples)
	rep.Brier /= n
	rep.BrierBaseline /= n
	rep.LogLoss /= n
	rep.BaseRate = won / n
	for b := range bins {
		rb := ReliabilityBin{Lower: float64(b) / float64(bins), Upper: float64(b+1) / float64(bins), Count: int(sums[b].n)}
		if sums[b].n > 0 {
			rb.MeanPredicted = sums[b].p / sums[b].n
			rb.Observed = sums[b].y / sums[b].n
		}
		rep.Bins = append(rep.Bins, rb)
	}
	return rep, nil
}
