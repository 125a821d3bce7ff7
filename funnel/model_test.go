package funnel

import (
	"errors"
	"math"
	"testing"
	"unsafe"

	"github.com/crmkit/crmkit"
	"github.com/google/go-cmp/cmp"
)

func fnlTestPipeline() Pipeline {
	return Pipeline{ID: "sales", Name: "Sales", Stages: []Stage{
		{ID: "lead", Probability: 0.1, Kind: StageOpen, StaleDays: 14},
		{ID: "qualified", Probability: 0.3, Kind: StageOpen, StaleDays: 21},
		{ID: "proposal", Probability: 0.6, Kind: StageOpen, StaleDays: 30},
		{ID: "won", Probability: 1, Kind: StageWon},
		{ID: "lost", Probability: 0, Kind: StageLost},
	}}
}

func TestValidatePipelines(t *testing.T) {
	good := fnlTestPipeline()
	nonMono := fnlTestPipeline()
	nonMono.Stages[2].Probability = 0.2
	dupStage := fnlTestPipeline()
	dupStage.Stages[1].ID = "lead"
	badProb := fnlTestPipeline()
	badProb.Stages[0].Probability = math.NaN()
	badProb.Stages[1].Probability = 1.5
	noWon := fnlTestPipeline()
	noWon.Stages = append(noWon.Stages[:3:3], noWon.Stages[4])
	badKind := fnlTestPipeline()
	badKind.Stages[0].Kind = "maybe"
	badKind.Stages[1].StaleDays = -1
	tests := []struct {
		name, reason string
		in           []Pipeline
		wantWarn     []Warning
		wantErrs     []error // every sentinel that must be wrapped
		wantN        int     // number of joined errors
	}{
		{"good", "a well-formed pipeline passes", []Pipeline{good}, nil, nil, 0},
		{"non-monotone", "falling probabilities warn but pass", []Pipeline{nonMono}, []Warning{{Pipeline: "sales", Stage: "proposal", Message: `probability 0.2 is below 0.3 of the earlier open stage "qualified"`}}, nil, 0},
		{"none", "no pipelines is an error", nil, nil, []error{crmkit.ErrMissing}, 1},
		{"dup pipeline", "pipeline IDs are unique", []Pipeline{good, good}, nil, []error{crmkit.ErrDuplicate}, 1},
		{"dup stage", "stage IDs are unique in a pipeline", []Pipeline{dupStage}, nil, []error{crmkit.ErrDuplicate}, 1},
		{"probabilities", "NaN and 1.5 both reported", []Pipeline{badProb}, nil, []error{crmkit.ErrInvalid}, 2},
		{"no won", "a won stage is required", []Pipeline{noWon}, nil, []error{crmkit.ErrMissing}, 1},
		{"kind and stale", "unknown kind and negative stale days both reported", []Pipeline{badKind}, nil, []error{crmkit.ErrInvalid}, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			warns, err := ValidatePipelines(tt.in)
			if diff := cmp.Diff(tt.wantWarn, warns); diff != "" {
				t.Errorf("%s: warnings (-want +got):\n%s", tt.reason, diff)
			}
			for _, s := range tt.wantErrs {
				if !errors.Is(err, s) {
					t.Errorf("%s: err = %v, want it to wrap %v", tt.reason, err, s)
				}
			}
			n := 0
			if err != nil {
				if j, ok := err.(interface{ Unwrap() []error }); ok {
					n = len(j.Unwrap())
				} else {
					n = 1
				}
				var re *crmkit.RecordError
				if !errors.As(err, &re) {
					t.Errorf("%s: error %v is not a RecordError", tt.reason, err)
				}
			}
			if n != tt.wantN {
				t.Errorf("%s: %d errors (%v), want %d", tt.reason, n, err, tt.wantN)
			}
		})
	}
}

func TestDealStateSize(t *testing.T) {
	if got := unsafe.Sizeof(fnlDeal{}); got != fnlSizeofDeal {
		t.Errorf("fnlDeal is %d bytes, the budget says %d", got, fnlSizeofDeal)
	}
}
