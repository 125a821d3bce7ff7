package funnel_test

import (
	"encoding/json"
	"fmt"

	"github.com/crmkit/crmkit/funnel"
)

// A worker encodes its partial results; another process decodes them and
// merges them into its own. The encoding carries the pipelines and options.
func ExampleAccumulator_MarshalJSON() {
	opts := &funnel.Options{AsOf: day(7, 1)}
	worker, _ := funnel.NewAccumulator(pipelines, opts)
	for _, h := range histories()[:2] {
		if err := worker.Add(h); err != nil {
			fmt.Println(err)
		}
	}
	data, err := json.Marshal(worker)
	if err != nil {
		fmt.Println(err)
		return
	}

	var shipped funnel.Accumulator
	if err := json.Unmarshal(data, &shipped); err != nil {
		fmt.Println(err)
		return
	}
	final, _ := funnel.NewAccumulator(pipelines, opts)
	for _, h := range histories()[2:] {
		if err := final.Add(h); err != nil {
			fmt.Println(err)
		}
	}
	if err := final.Merge(&shipped); err != nil {
		fmt.Println(err)
	}
	r, _ := final.Report()
	t := r.Pipelines[0].Total
	fmt.Println(t.Won, t.Lost, t.OpenDeals, t.WonAmount)
	// Output: 2 1 1 1500
}

func ExampleAccumulator_UnmarshalJSON() {
	var a funnel.Accumulator
	fmt.Println(a.UnmarshalJSON([]byte(`{"v":99}`)))
	// Output: accumulator: invalid value: encoding version 99, this crmkit reads 1
}
