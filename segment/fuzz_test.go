package segment

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/crmkit/crmkit"
	"github.com/crmkit/crmkit/customer"
	"github.com/shopspring/decimal"
)

// fuzzOrders decodes 6-byte records: customer (b0%5, 4 = empty ID), day
// offset (int16, may be before 1970 or far ahead), amount in cents (int16,
// may be negative), currency flag (b5&1 = USD).
func fuzzOrders(data []byte) []customer.Order {
	var out []customer.Order
	base := day(2020, 1, 1)
	for len(data) >= 6 {
		c := int(data[0] % 5)
		off := int16(binary.LittleEndian.Uint16(data[1:3]))
		amt := int16(binary.LittleEndian.Uint16(data[3:5]))
		o := customer.Order{ID: fmt.Sprint(len(out)), Time: base.AddDate(0, 0, int(off)), Amount: decimal.New(int64(amt), -2), Currency: "EUR"}
		if c < 4 {
			o.CustomerID = fmt.Sprintf("c%d", c)
		}
		if data[5]&1 == 1 {
			o.Currency = "USD"
		}
		if data[5]&2 == 2 {
			o.Time = time.Time{}
		}
		out = append(out, o)
		data = data[6:]
	}
	return out
}

func typedErr(err error) bool {
	var re *crmkit.RecordError
	return errors.As(err, &re) || errors.Is(err, ErrOptions) || errors.Is(err, ErrNoData) || errors.Is(err, ErrDegenerate) || errors.Is(err, ErrNotConverged)
}

func FuzzSummarize(f *testing.F) {
	f.Add([]byte{0, 0, 0, 100, 0, 0, 0, 10, 0, 100, 0, 0, 1, 5, 0, 50, 0, 0}, int16(30), int16(60))
	f.Add([]byte{0, 0, 0, 0, 0, 0}, int16(0), int16(0))                                        // one customer, zero amount
	f.Add([]byte{0, 20, 0, 1, 0, 0, 0, 10, 0, 1, 0, 0, 0, 0, 0, 1, 0, 0}, int16(40), int16(5)) // out of order
	f.Add([]byte{1, 0, 0, 0, 128, 0}, int16(10), int16(10))                                    // negative amount
	f.Add([]byte{4, 0, 0, 1, 0, 0}, int16(10), int16(10))                                      // no customer
	f.Add([]byte{0, 0, 0, 1, 0, 1, 0, 1, 0, 1, 0, 0}, int16(10), int16(10))                    // mixed currency
	f.Add([]byte{0, 0, 0, 1, 0, 2}, int16(10), int16(10))                                      // zero time
	f.Fuzz(func(t *testing.T, data []byte, cal, obs int16) {
		orders := fuzzOrders(data)
		opts := SummaryOptions{CalibrationEnd: day(2020, 1, 1).AddDate(0, 0, int(cal)), ObservationEnd: day(2020, 1, 1).AddDate(0, 0, int(obs))}
		// Skipping mode, in a UTC+8 day: no record error escapes, every
		// skipped order is counted, and the summaries are valid.
		var sk Skipped
		skOpts := opts
		skOpts.Skipped, skOpts.Location = &sk, time.FixedZone("UTC+8", 8*3600)
		if s, err := Summarize(context.Background(), crmkit.Stream(orders), skOpts); err != nil {
			var re *crmkit.RecordError
			if errors.As(err, &re) || !typedErr(err) {
				t.Fatalf("skipping Summarize: %v", err)
			}
		} else if err := ValidateSummaries(s); err != nil || sk.Count > len(orders) || len(sk.Records) > min(sk.Count, MaxSkippedRecords) {
			t.Fatalf("skipping Summarize: %v, skipped %d of %d", err, sk.Count, len(orders))
		}
		var vsk Skipped
		if v, err := CustomerValues(context.Background(), crmkit.Stream(orders), ValuesOptions{To: opts.ObservationEnd, Measure: MeasureQuantity, Skipped: &vsk}); err != nil {
			t.Fatalf("skipping CustomerValues: %v", err)
		} else if len(v) > 4 || vsk.Count > len(orders) {
			t.Fatalf("skipping CustomerValues: %d values, skipped %d of %d", len(v), vsk.Count, len(orders))
		}
		s, err := Summarize(context.Background(), crmkit.Stream(orders), opts)
		if err != nil {
			if !typedErr(err) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		if err := ValidateSummaries(s); err != nil {
			t.Fatalf("Summarize produced invalid summaries: %v", err)
		}
		if len(s) > 4 {
			t.Fatalf("%d summaries for at most 4 customers", len(s))
		}
		// What Summarize accepts, the fits accept without panicking.
		if _, err := FitBGNBD(s, nil); err != nil && !typedErr(err) {
			t.Fatalf("FitBGNBD: untyped %v", err)
		}
		if _, err := FitGammaGamma(s, nil); err != nil && !typedErr(err) {
			t.Fatalf("FitGammaGamma: untyped %v", err)
		}
		if m, err := FitParetoNBD(s, &FitOptions{MaxIterations: 100}); err != nil && !typedErr(err) {
			t.Fatalf("FitParetoNBD: untyped %v", err)
		} else if err == nil {
			for _, c := range s {
				if p := m.ProbAlive(c.Frequency, c.Recency, c.T); !(p >= 0 && p <= 1) {
					t.Fatalf("P(alive) %v for %+v", p, c)
				}
			}
		}
		if _, err := ActivityIndex(context.Background(), crmkit.Stream(orders), ActivityOptions{AsOf: opts.ObservationEnd}); err != nil && !typedErr(err) {
			t.Fatalf("ActivityIndex: untyped %v", err)
		}
	})
}

func FuzzFit(f *testing.F) {
	nan := math.NaN()
	f.Add(2, 30.43, 38.86, 0, 0.0, 38.86, 1, 1.0, 2.0, uint8(10), 22.5)
	f.Add(0, 0.0, 0.0, 0, 0.0, 0.0, 0, 0.0, 0.0, uint8(1), 0.0)      // zeros, one customer kind
	f.Add(-1, 1.0, 2.0, 1, 1.0, 2.0, 1, 1.0, 2.0, uint8(3), -4.0)    // negative
	f.Add(1, nan, 2.0, 1, 1.0, nan, 1, 1.0, 2.0, uint8(3), nan)      // NaN
	f.Add(3, 5.0, 10.0, 3, 5.0, 10.0, 3, 5.0, 10.0, uint8(200), 1.0) // all identical
	f.Add(1, 5.0, 4.0, 0, 0.0, 1.0, 2, 1.0, 3.0, uint8(2), 1e300)    // recency > T, huge spend
	f.Fuzz(func(t *testing.T, x1 int, r1, T1 float64, x2 int, r2, T2 float64, x3 int, r3, T3 float64, copies uint8, m float64) {
		if x1 > 1000 || x2 > 1000 || x3 > 1000 {
			return // keep each run short; large counts are covered by the simulation tests
		}
		md := decimal.Zero
		if !math.IsNaN(m) && !math.IsInf(m, 0) {
			md = decimal.NewFromFloat(m)
		}
		var s []Summary
		for i := 0; i < int(copies)%50+1; i++ {
			s = append(s,
				Summary{CustomerID: "a", Frequency: x1, Recency: r1, T: T1, Monetary: md},
				Summary{CustomerID: "b", Frequency: x2, Recency: r2, T: T2, Monetary: md},
				Summary{CustomerID: "c", Frequency: x3, Recency: r3, T: T3, Monetary: md})
		}
		valid := ValidateSummaries(s) == nil
		for name, fit := range map[string]func() (any, error){
			"bg":  func() (any, error) { return FitBGNBD(s, &FitOptions{MaxIterations: 200}) },
			"mbg": func() (any, error) { return FitMBGNBD(s, &FitOptions{MaxIterations: 200}) },
			"gg":  func() (any, error) { return FitGammaGamma(s, &FitOptions{MaxIterations: 200}) },
		} {
			m, err := fit()
			if err != nil {
				if !typedErr(err) {
					t.Fatalf("%s: untyped error %v", name, err)
				}
				continue
			}
			if !valid {
				t.Fatalf("%s accepted invalid summaries", name)
			}
			switch m := m.(type) {
			case *BGNBD:
				checkFinite(t, name, m.LogLik(), m.Params().R, m.Params().Alpha, m.Params().A, m.Params().B)
			case *MBGNBD:
				checkFinite(t, name, m.LogLik(), m.Params().R, m.Params().Alpha, m.Params().A, m.Params().B)
			case *GammaGamma:
				checkFinite(t, name, m.LogLik(), m.Params().P, m.Params().Q, m.Params().Gamma)
			}
		}
	})
}

func checkFinite(t *testing.T, name string, v ...float64) {
	for _, x := range v {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			t.Fatalf("%s: non-finite result %v", name, v)
		}
	}
}

func FuzzTiers(f *testing.F) {
	f.Add([]byte{10, 0, 5, 0, 5, 0}, float64(0.8), float64(0.95))
	f.Add([]byte{0, 0}, float64(0.5), float64(0.9))              // one customer, zero value
	f.Add([]byte{7, 0, 7, 0, 7, 0}, float64(0.8), float64(0.95)) // all identical
	f.Add([]byte{1, 128}, float64(0.8), float64(0.95))           // negative
	f.Add([]byte{3, 0, 1, 0}, math.NaN(), float64(0.95))         // NaN threshold
	f.Fuzz(func(t *testing.T, data []byte, t1, t2 float64) {
		var vals []CustomerValue
		for i := 0; i+1 < len(data); i += 2 {
			v := int16(binary.LittleEndian.Uint16(data[i:]))
			vals = append(vals, CustomerValue{CustomerID: fmt.Sprint(i / 2), Value: decimal.New(int64(v), -1)})
		}
		res, err := AssignTiers(vals, &TierOptions{Thresholds: []float64{t1, t2}})
		if err != nil {
			if !typedErr(err) {
				t.Fatalf("untyped %v", err)
			}
		} else {
			n := 0
			for _, s := range res.Tiers {
				n += s.Customers
				if s.ValueShare < -1e-12 || s.ValueShare > 1+1e-12 {
					t.Fatalf("share %v", s.ValueShare)
				}
			}
			if n != len(vals) || len(res.Assignments) != len(vals) {
				t.Fatalf("counts %d / %d of %d", n, len(res.Assignments), len(vals))
			}
		}
		c, err := ConcentrationOf(vals, nil)
		if err != nil {
			if !typedErr(err) {
				t.Fatalf("untyped %v", err)
			}
			return
		}
		if c.Gini < -1e-12 || c.Gini > 1 || c.Pareto.Value < 0 || c.Pareto.Value > 1+1e-12 {
			t.Fatalf("gini %v pareto %v", c.Gini, c.Pareto.Value)
		}
	})
}

func FuzzRFM(f *testing.F) {
	f.Add([]byte{0, 0, 0, 100, 0, 0, 1, 10, 0, 100, 0, 0, 2, 5, 0, 50, 0, 0}, int16(30), uint8(5))
	f.Add([]byte{0, 0, 0, 0, 0, 0}, int16(0), uint8(3))                    // one customer, zero amount
	f.Add([]byte{1, 0, 0, 0, 128, 0}, int16(10), uint8(5))                 // negative amount
	f.Add([]byte{0, 0, 0, 1, 0, 0, 0, 0, 0, 1, 0, 0}, int16(10), uint8(0)) // identical orders
	f.Fuzz(func(t *testing.T, data []byte, asOf int16, q uint8) {
		orders := fuzzOrders(data)
		res, err := ScoreRFM(context.Background(), crmkit.Stream(orders), RFMOptions{AsOf: day(2020, 1, 1).AddDate(0, 0, int(asOf)), Q: int(q)})
		if err != nil {
			if !typedErr(err) {
				t.Fatalf("untyped %v", err)
			}
			return
		}
		n := 0
		for _, c := range res.Counts {
			n += c
		}
		if n != len(res.Customers) {
			t.Fatalf("counts %d of %d", n, len(res.Customers))
		}
		for i, c := range res.Customers {
			if c.R < 1 || c.R > res.Q || c.F < 1 || c.F > res.Q || c.M < 1 || c.M > res.Q || res.Explain(i) == "" {
				t.Fatalf("bad scores %+v", c)
			}
		}
	})
}

func FuzzKMeans(f *testing.F) {
	f.Add([]byte{1, 2, 3, 4, 5, 6, 7, 8, 9}, uint8(3), uint8(2), uint64(1))
	f.Add([]byte{1, 1, 1, 1, 1, 1}, uint8(2), uint8(2), uint64(1))       // identical points
	f.Add([]byte{5}, uint8(1), uint8(2), uint64(0))                      // one point
	f.Add([]byte{1, 254, 3, 250, 2, 200}, uint8(1), uint8(2), uint64(1)) // 1e155-scale values: distances overflow
	f.Add([]byte{0, 253, 0, 253, 1, 2}, uint8(2), uint8(2), uint64(1))   // ±1e300 values
	f.Fuzz(func(t *testing.T, data []byte, dim, k uint8, seed uint64) {
		// Bytes 200..254 map to wide floats ±1e155..±1e308 (sign by
		// parity), so the fuzzer reaches overflowing distances.
		vals := make([]float64, len(data))
		for i, b := range data {
			vals[i] = float64(b)
			switch {
			case b == 255:
				vals[i] = math.NaN()
			case b >= 200:
				vals[i] = math.Pow(10, 155+float64(b-200)*153/54)
				if b%2 == 1 {
					vals[i] = -vals[i]
				}
			}
		}
		if _, err := ChooseK(context.Background(), vals, int(dim), ChooseKOptions{Seed: seed, Raw: seed%2 == 0}); err != nil && !typedErr(err) {
			t.Fatalf("ChooseK: untyped %v", err)
		}
		c, err := KMeans(context.Background(), vals, int(dim), KMeansOptions{K: int(k), Seed: seed, MaxIterations: 50, Raw: seed%2 == 0})
		if err != nil {
			if !typedErr(err) {
				t.Fatalf("untyped %v", err)
			}
			return
		}
		n := len(vals) / int(dim)
		if len(c.Labels) != n {
			t.Fatalf("%d labels for %d points", len(c.Labels), n)
		}
	})
}
