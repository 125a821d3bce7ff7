package funnel_test

import (
	"context"
	"fmt"
	"time"

	"github.com/crmkit/crmkit"
	"github.com/crmkit/crmkit/funnel"
)

func ExampleCapacityFunc() {
	// The host's capacity: the north team installs 4 units a month, the
	// company 10; a month is whatever range CheckCapacity asks about.
	c := funnel.CapacityFunc(func(team string, start, end time.Time) (float64, error) {
		perMonth := map[string]float64{"north": 4, "": 10}[team]
		return perMonth * end.Sub(start).Hours() / (24 * 30), nil
	})
	jun := time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)
	north, _ := c.Capacity("north", jun, jun.AddDate(0, 0, 30))
	all, _ := c.Capacity("", jun, jun.AddDate(0, 0, 15))
	fmt.Println(north, all)
	// Output: 4 5
}

func ExampleStageAgeModel_WinProbability() {
	m, err := funnel.FitStageAge(context.Background(), []funnel.Pipeline{exPipeline}, crmkit.Stream(exHistory()), &funnel.StageAgeOptions{AsOf: exAsOf, Buckets: []float64{0, 10}})
	if err != nil {
		panic(err)
	}
	// A deal that entered "proposal" 3 days ago and one that has sat there
	// for 25 days fall in different age buckets.
	for _, age := range []int{3, 25} {
		s := funnel.DealState{AsOf: exAsOf, StageEntered: exAsOf.AddDate(0, 0, -age),
			Deal: funnel.Deal{ID: "X", Pipeline: "sales", Stage: "proposal", Created: exAsOf.AddDate(0, 0, -40)}}
		p, err := m.WinProbability(s)
		if err != nil {
			panic(err)
		}
		fmt.Printf("%d days in proposal: %.2f\n", age, p)
	}
	// The estimates are the proposal cells of ExampleFitStageAge.
	// Output:
	// 3 days in proposal: 0.30
	// 25 days in proposal: 0.29
}
