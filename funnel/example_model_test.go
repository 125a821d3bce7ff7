package funnel_test

import (
	"fmt"

	"github.com/crmkit/crmkit/funnel"
)

func ExampleValidatePipelines() {
	p := funnel.Pipeline{ID: "sales", Stages: []funnel.Stage{
		{ID: "lead", Probability: 0.2, Kind: funnel.StageOpen},
		{ID: "demo", Probability: 0.1, Kind: funnel.StageOpen}, // lower than lead: a warning
		{ID: "won", Probability: 1, Kind: funnel.StageWon},
		{ID: "lost", Kind: funnel.StageLost},
	}}
	warns, err := funnel.ValidatePipelines([]funnel.Pipeline{p})
	for _, w := range warns {
		fmt.Println("warning:", w)
	}
	fmt.Println("error:", err)

	p.Stages = p.Stages[:3] // no lost stage
	_, err = funnel.ValidatePipelines([]funnel.Pipeline{p})
	fmt.Println("error:", err)
	// Output:
	// warning: pipeline "sales" stage "demo": probability 0.1 is below 0.2 of the earlier open stage "lead"
	// error: <nil>
	// error: pipeline #0 "sales": field stages: missing required field: no lost stage
}
