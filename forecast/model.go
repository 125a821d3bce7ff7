package forecast

// Model is a fitted forecasting model. Implementations are immutable once
// fitted and safe for concurrent use.
type Model interface {
	// Forecast returns h future values and, for each level (in percent, for
	// example 80 and 95), a prediction interval.
	Forecast(h int, levels ...float64) (Forecast, error)
	// String names the model in R's notation, e.g. "ETS(M,Ad,M)".
	String() string
}

// Forecast is a point forecast with prediction intervals. Mean[i] is the
// forecast i+1 periods after the end of the series.
// The zero value is an empty forecast (no steps, no intervals). A Forecast
// is a plain value: the caller owns its slices, and it is safe for
// concurrent reads.
type Forecast struct {
	Mean      []float64  `json:"mean"`
	Intervals []Interval `json:"intervals,omitempty"`
}

// Interval is a prediction interval at one level (in percent). Lower and
// Upper have the same length as the forecast's Mean.
// The zero value is an empty interval at level 0; intervals are plain
// values, safe for concurrent reads.
type Interval struct {
	Level float64   `json:"level"`
	Lower []float64 `json:"lower"`
	Upper []float64 `json:"upper"`
}
