package forecast

import "testing"

func arimaAirPassengersLog(b *testing.B) []float64 {
	for _, c := range arimaLoadRef(b) {
		if c.Name == "log AirPassengers airline" {
			return arimaFloats(c.Y)
		}
	}
	b.Fatal("log AirPassengers not in testdata/arima_ref.json")
	return nil
}

// BenchmarkFitForecastARIMA144 fits the airline model ARIMA(0,1,1)(0,1,1)[12]
// to log AirPassengers (144 monthly values) and forecasts 24 months.
func BenchmarkFitForecastARIMA144(b *testing.B) {
	y := arimaAirPassengersLog(b)
	b.ReportAllocs()
	var fc Forecast
	for b.Loop() {
		m, err := FitARIMA(y, 12, Order{Q: 1, D: 1, SQ: 1, SD: 1}, nil)
		if err != nil {
			b.Fatal(err)
		}
		if fc, err = m.Forecast(24, 80, 95); err != nil {
			b.Fatal(err)
		}
	}
	if len(fc.Mean) != 24 {
		b.Fatal("short forecast")
	}
}

// BenchmarkAutoARIMA144 runs the automatic selection on log AirPassengers
// and forecasts 24 months.
func BenchmarkAutoARIMA144(b *testing.B) {
	y := arimaAirPassengersLog(b)
	b.ReportAllocs()
	var name string
	for b.Loop() {
		m, err := AutoARIMA(y, 12, nil)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := m.Forecast(24, 80, 95); err != nil {
			b.Fatal(err)
		}
		name = m.String()
	}
	if name == "" {
		b.Fatal("no model")
	}
}
