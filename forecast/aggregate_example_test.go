package forecast_test

import (
	"context"
	"fmt"
	"time"

	"github.com/crmkit/crmkit"
	"github.com/crmkit/crmkit/forecast"
	"github.com/shopspring/decimal"
)

func ExampleAggregate() {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		panic(err)
	}
	// Won deals with their closing time (UTC) and value. The first closes
	// at 23:30 UTC on 31 March, already 1 April in Berlin.
	points := []forecast.Point{
		{Time: time.Date(2024, 3, 31, 23, 30, 0, 0, time.UTC), Value: 500},
		{Time: time.Date(2024, 1, 10, 9, 0, 0, 0, time.UTC), Value: 200},
		{Time: time.Date(2024, 1, 20, 9, 0, 0, 0, time.UTC), Value: 300},
	}
	agg, err := forecast.Aggregate(context.Background(), crmkit.Stream(points), &forecast.AggregateOptions{
		Freq:     forecast.Monthly(),
		Location: berlin,
		Empty:    forecast.EmptyZero, // no deals means no sales
	})
	if err != nil {
		panic(err)
	}
	for i, v := range agg.Series.Values {
		fmt.Printf("%s %6.0f (%d deals)\n", agg.Series.Time(i).Format("2006-01"), v, agg.Counts[i])
	}
	fmt.Println("empty periods:", agg.EmptyPeriods, "seasonal period:", agg.Series.SeasonalPeriod())
	// Output:
	// 2024-01    500 (2 deals)
	// 2024-02      0 (0 deals)
	// 2024-03      0 (0 deals)
	// 2024-04    500 (1 deals)
	// empty periods: 2 seasonal period: 12
}

func ExampleAggregateFunc() {
	type order struct {
		ID     string
		Placed time.Time
		Total  decimal.Decimal
	}
	orders := []order{
		{"O-1", time.Date(2024, 1, 1, 8, 0, 0, 0, time.UTC), decimal.RequireFromString("19.99")},
		{"O-2", time.Date(2024, 1, 1, 17, 0, 0, 0, time.UTC), decimal.RequireFromString("5.01")},
		{"O-3", time.Date(2024, 1, 3, 12, 0, 0, 0, time.UTC), decimal.RequireFromString("12.50")},
	}
	// Money stays decimal in the host's records; the accessor converts it
	// for the float64 series in one place.
	agg, err := forecast.AggregateFunc(context.Background(), crmkit.Stream(orders), func(o order) (forecast.Point, error) {
		v, err := crmkit.ToFloat(o.Total)
		return forecast.Point{Time: o.Placed, Value: v}, err
	}, &forecast.AggregateOptions{Freq: forecast.Daily(), Empty: forecast.EmptyMissing})
	if err != nil {
		panic(err)
	}
	fmt.Println(agg.Series.Values, agg.Points)
	// Output:
	// [25 NaN 12.5] 3
}

func ExampleSeries_Time() {
	s := forecast.Series{
		Values: []float64{10, 12, 11},
		Start:  time.Date(2024, 10, 1, 0, 0, 0, 0, time.UTC),
		Freq:   forecast.Quarterly(),
	}
	fmt.Println(s.Time(0).Format("2006-01-02"), s.Time(len(s.Values)).Format("2006-01-02"), s.SeasonalPeriod())
	i, _ := s.Index(time.Date(2025, 5, 17, 0, 0, 0, 0, time.UTC))
	fmt.Println("17 May 2025 is in period", i)
	// Output:
	// 2024-10-01 2025-07-01 4
	// 17 May 2025 is in period 2
}

func ExampleFrequency_Period() {
	hourly := forecast.Frequency{Unit: forecast.Fixed, Every: time.Hour}
	fmt.Println(forecast.Daily().Period(), forecast.Weekly().Period(), forecast.Monthly().Period(), hourly.Period())
	// Output:
	// 7 52 12 24
}
