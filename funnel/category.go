package funnel

import (
	"math"

	"github.com/crmkit/crmkit"
	"github.com/shopspring/decimal"
)

// Category is a forecast category, as the major CRMs use them. The zero
// value "" is no category. It is a plain string value, safe for concurrent
// use.
type Category string

const (
	// CategoryPipeline: open, not yet likely.
	CategoryPipeline Category = "pipeline"
	// CategoryBestCase: open, could close this period.
	CategoryBestCase Category = "best_case"
	// CategoryCommit: open, the rep is confident it closes.
	CategoryCommit Category = "commit"
	// CategoryClosed: won.
	CategoryClosed Category = "closed"
	// CategoryOmitted: lost, or excluded from the forecast.
	CategoryOmitted Category = "omitted"
)

// CategoryRules assign a deal its forecast category. A host may set it per
// deal in Deal.Attributes[Attribute] (one of the five category strings);
// otherwise won deals are closed, lost deals omitted and open deals commit
// when their win probability is at least Commit, best case when at least
// BestCase, omitted when below Omit, else pipeline.
//
// The zero value (and a nil *CategoryRules) means Attribute
// "forecast_category", Commit 0.7, BestCase 0.4 and Omit 0 (no open deal is
// omitted by rule). Safe for concurrent use.
type CategoryRules struct {
	Attribute string  `json:"attribute,omitempty"`
	Commit    float64 `json:"commit,omitempty"`
	BestCase  float64 `json:"best_case,omitempty"`
	Omit      float64 `json:"omit,omitempty"`
}

// Categorize returns the category of a deal in a stage of the given kind
// with win probability p. A host-set category that is not one of the five
// is an error wrapping crmkit.ErrInvalid.
func (r *CategoryRules) Categorize(d *Deal, kind StageKind, p float64) (Category, error) {
	var rr CategoryRules
	if r != nil {
		rr = *r
	}
	if rr.Attribute == "" {
		rr.Attribute = "forecast_category"
	}
	if v, ok := d.Attributes[rr.Attribute]; ok && v != "" {
		switch c := Category(v); c {
		case CategoryPipeline, CategoryBestCase, CategoryCommit, CategoryClosed, CategoryOmitted:
			return c, nil
		}
		return "", crmkit.Errorf("deal", -1, d.ID, "attributes."+rr.Attribute, crmkit.ErrInvalid, "unknown forecast category %q", v)
	}
	switch kind {
	case StageWon:
		return CategoryClosed, nil
	case StageLost:
		return CategoryOmitted, nil
	}
	if rr.Commit == 0 {
		rr.Commit = 0.7
	}
	if rr.BestCase == 0 {
		rr.BestCase = 0.4
	}
	switch {
	case math.IsNaN(p):
		return "", crmkit.Errorf("deal", -1, d.ID, "win probability", crmkit.ErrInvalid, "NaN")
	case p < rr.Omit:
		return CategoryOmitted, nil
	case p >= rr.Commit:
		return CategoryCommit, nil
	case p >= rr.BestCase:
		return CategoryBestCase, nil
	}
	return CategoryPipeline, nil
}

// CategoryAmounts are the (unweighted) amounts per forecast category and the
// cumulative rollups as the major CRMs define them: CommitRollup = commit +
// closed; BestCaseRollup = best case + commit + closed; OpenPipelineRollup =
// pipeline + best case + commit. Omitted is reported but in no rollup. The
// zero value is all zero. It is a plain value, safe for concurrent reads.
type CategoryAmounts struct {
	Pipeline           decimal.Decimal `json:"pipeline"`
	BestCase           decimal.Decimal `json:"best_case"`
	Commit             decimal.Decimal `json:"commit"`
	Closed             decimal.Decimal `json:"closed"`
	Omitted            decimal.Decimal `json:"omitted"`
	CommitRollup       decimal.Decimal `json:"commit_rollup"`
	BestCaseRollup     decimal.Decimal `json:"best_case_rollup"`
	OpenPipelineRollup decimal.Decimal `json:"open_pipeline_rollup"`
}

// add puts an amount in its category (rollups are filled by pipeRollup).
func (c *CategoryAmounts) add(cat Category, a decimal.Decimal) {
	switch cat {
	case CategoryPipeline:
		c.Pipeline = c.Pipeline.Add(a)
	case CategoryBestCase:
		c.BestCase = c.BestCase.Add(a)
	case CategoryCommit:
		c.Commit = c.Commit.Add(a)
	case CategoryClosed:
		c.Closed = c.Closed.Add(a)
	case CategoryOmitted:
		c.Omitted = c.Omitted.Add(a)
	}
}

func (c *CategoryAmounts) rollup() {
	c.CommitRollup = c.Commit.Add(c.Closed)
	c.BestCaseRollup = c.BestCase.Add(c.CommitRollup)
	c.OpenPipelineRollup = c.Pipeline.Add(c.BestCase).Add(c.Commit)
}
