package segment_test

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/crmkit/crmkit"
	"github.com/crmkit/crmkit/customer"
	"github.com/crmkit/crmkit/segment"
	"github.com/shopspring/decimal"
)

// cdnow loads the published CDNOW summary (testdata/BTYD_cdnowSummary_cbs.csv).
func cdnow() []segment.Summary {
	f, err := os.Open("testdata/BTYD_cdnowSummary_cbs.csv")
	if err != nil {
		panic(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		panic(err)
	}
	var out []segment.Summary
	for _, r := range recs[1:] {
		x, _ := strconv.Atoi(r[1])
		tx, _ := strconv.ParseFloat(r[2], 64)
		T, _ := strconv.ParseFloat(r[3], 64)
		xs, _ := strconv.Atoi(r[4])
		m, _ := decimal.NewFromString(r[5])
		out = append(out, segment.Summary{CustomerID: r[0], Frequency: x, Recency: tx, T: T, Monetary: m.RoundBank(4), HoldoutFrequency: xs})
	}
	return out
}

func date(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

func order(cust string, t time.Time, amount string) customer.Order {
	return customer.Order{CustomerID: cust, Time: t, Amount: decimal.RequireFromString(amount), Currency: "USD"}
}

var shop = []customer.Order{
	order("ann", date(2024, 1, 1), "20"), order("ann", date(2024, 1, 15), "30"), order("ann", date(2024, 2, 26), "10"),
	order("bob", date(2024, 1, 8), "15"), order("bob", date(2024, 3, 4), "25"),
	order("cid", date(2024, 2, 5), "80"),
	order("dee", date(2024, 3, 20), "5"),
}

func ExampleSummarize() {
	s, err := segment.Summarize(context.Background(), crmkit.Stream(shop), segment.SummaryOptions{
		CalibrationEnd: date(2024, 2, 29), // weeks (the default unit) from each first purchase
		ObservationEnd: date(2024, 3, 31),
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, c := range s {
		fmt.Printf("%s x=%d t_x=%.2f T=%.2f m=%s x*=%d\n", c.CustomerID, c.Frequency, c.Recency, c.T, c.Monetary, c.HoldoutFrequency)
	}
	// Output:
	// ann x=2 t_x=8.00 T=8.43 m=20 x*=0
	// bob x=0 t_x=0.00 T=7.43 m=0 x*=1
	// cid x=0 t_x=0.00 T=3.43 m=0 x*=0
}

func ExampleAccumulator() {
	// Two workers see different orders of the same customer.
	var w1, w2 segment.Accumulator
	_ = w1.Add(order("ann", date(2024, 1, 1), "20"))
	_ = w2.Add(order("ann", date(2024, 2, 26), "10"))
	_ = w2.Add(order("ann", date(2024, 1, 15), "30"))
	if err := w1.Merge(&w2); err != nil {
		fmt.Println(err)
		return
	}
	s, ok, err := w1.Summary(segment.SummaryOptions{CalibrationEnd: date(2024, 2, 29)})
	fmt.Println(ok, err, s.Frequency, s.Recency, s.Monetary)
	// Output: true <nil> 2 8 20
}

func ExampleValidateSummaries() {
	err := segment.ValidateSummaries([]segment.Summary{
		{CustomerID: "a", Frequency: 1, Recency: 5, T: 4},
		{CustomerID: "b", Frequency: -2, T: 4},
	})
	fmt.Println(err)
	// Output:
	// summary #0 "a": field recency: invalid value: recency 5 after T 4
	// summary #1 "b": field frequency: invalid value: negative: -2
}

func ExampleCompress() {
	p, _ := segment.Compress(cdnow())
	fmt.Println(len(p), "patterns for 2357 customers; first:", p[0])
	// Output: 1016 patterns for 2357 customers; first: {0 0 27 13}
}

func ExampleMergePatterns() {
	s := cdnow()
	a, _ := segment.Compress(s[:1000]) // worker 1
	b, _ := segment.Compress(s[1000:]) // worker 2
	m := segment.MergePatterns(a, b)
	whole, _ := segment.Compress(s)
	fmt.Println(len(m) == len(whole))
	// Output: true
}

func ExampleCompressSpend() {
	p, _ := segment.CompressSpend(cdnow())
	fmt.Println(len(p), "spend patterns")
	// Output: 760 spend patterns
}

func ExampleMergeSpendPatterns() {
	s := cdnow()
	a, _ := segment.CompressSpend(s[:1000])
	b, _ := segment.CompressSpend(s[1000:])
	fmt.Println(len(segment.MergeSpendPatterns(a, b)))
	// Output: 760
}

func ExampleFitBGNBD() {
	m, err := segment.FitBGNBD(cdnow(), nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	p := m.Params()
	fmt.Printf("r %.3f alpha %.3f a %.3f b %.3f LL %.1f\n", p.R, p.Alpha, p.A, p.B, m.LogLik())
	fmt.Printf("E[Y(39) | x=2, t_x=30.43, T=38.86] = %.3f\n", m.ExpectedPurchases(39, 2, 30.43, 38.86))
	// Output:
	// r 0.243 alpha 4.414 a 0.793 b 2.426 LL -9582.4
	// E[Y(39) | x=2, t_x=30.43, T=38.86] = 1.226
}

func ExampleFitBGNBDPatterns() {
	p, _ := segment.Compress(cdnow())
	m, _ := segment.FitBGNBDPatterns(p, nil)
	fmt.Printf("r %.3f\n", m.Params().R)
	// Output: r 0.243
}

func ExampleFitMBGNBD() {
	m, err := segment.FitMBGNBD(cdnow(), nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("P(alive | no repeat purchase, T=38.86) = %.2f\n", m.ProbAlive(0, 0, 38.86))
	// Output: P(alive | no repeat purchase, T=38.86) = 0.39
}

func ExampleFitMBGNBDPatterns() {
	p, _ := segment.Compress(cdnow())
	m, _ := segment.FitMBGNBDPatterns(p, nil)
	fmt.Printf("%.0f\n", m.LogLik())
	// Output: -9582
}

func ExampleFitParetoNBD() {
	m, err := segment.FitParetoNBD(cdnow(), nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	p := m.Params()
	se, _ := m.StdErr()
	fmt.Printf("r %.3f alpha %.3f s %.3f beta %.3f LL %.1f\n", p.R, p.Alpha, p.S, p.Beta, m.LogLik())
	fmt.Printf("se(s) %.2f\n", se.S)
	// Output:
	// r 0.553 alpha 10.578 s 0.606 beta 11.669 LL -9595.0
	// se(s) 0.19
}

func ExampleFitParetoNBDPatterns() {
	p, _ := segment.Compress(cdnow())
	m, _ := segment.FitParetoNBDPatterns(p, nil)
	fmt.Printf("%.3f\n", m.Params().S)
	// Output: 0.606
}

func ExampleFitGammaGamma() {
	m, err := segment.FitGammaGamma(cdnow(), nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	p := m.Params()
	fmt.Printf("p %.2f q %.2f gamma %.2f LL %.1f\n", p.P, p.Q, p.Gamma, m.LogLik())
	// Output: p 6.25 q 3.74 gamma 15.44 LL -4055.9
}

func ExampleFitGammaGammaPatterns() {
	p, _ := segment.CompressSpend(cdnow())
	m, _ := segment.FitGammaGammaPatterns(p, nil)
	fmt.Printf("%.2f\n", m.Params().Q)
	// Output: 3.74
}

func ExampleNewBGNBD() {
	// Parameters fitted once (for example on patterns combined by a
	// distributed engine) and shipped to the workers that score customers.
	m, _ := segment.NewBGNBD(segment.BGNBDParams{R: 0.243, Alpha: 4.414, A: 0.793, B: 2.426})
	fmt.Printf("P(alive) %.3f\n", m.ProbAlive(2, 30.43, 38.86))
	fmt.Printf("P(no purchase in a new customer's first 39 weeks) %.3f\n", m.PurchaseProb(0, 39))
	// Output:
	// P(alive) 0.727
	// P(no purchase in a new customer's first 39 weeks) 0.574
}

func ExampleNewMBGNBD() {
	m, _ := segment.NewMBGNBD(segment.BGNBDParams{R: 0.243, Alpha: 4.414, A: 0.793, B: 2.426})
	fmt.Printf("%.3f\n", m.ProbAlive(0, 0, 38.86))
	// Output: 0.637
}

func ExampleNewParetoNBD() {
	m, _ := segment.NewParetoNBD(segment.ParetoNBDParams{R: 0.553, Alpha: 10.578, S: 0.606, Beta: 11.669})
	fmt.Printf("P(alive) %.3f, E[Y(39)] %.3f\n", m.ProbAlive(2, 30.43, 38.86), m.ExpectedPurchases(39, 2, 30.43, 38.86))
	// Output: P(alive) 0.869, E[Y(39)] 1.455
}

func ExampleNewGammaGamma() {
	m, _ := segment.NewGammaGamma(segment.GammaGammaParams{P: 6.25, Q: 3.74, Gamma: 15.44})
	own, _ := m.ExpectedSpend(2, decimal.RequireFromString("22.345"))
	pop, _ := m.ExpectedSpend(0, decimal.Zero)
	fmt.Println(own.StringFixed(2), pop.StringFixed(2))
	// Output: 24.66 35.22
}

func ExampleGammaGamma_ExpectedSpend() {
	m, _ := segment.NewGammaGamma(segment.GammaGammaParams{P: 6.25, Q: 3.74, Gamma: 15.44})
	for _, x := range []int{1, 10} {
		e, _ := m.ExpectedSpend(x, decimal.NewFromInt(100))
		fmt.Println(x, e.StringFixed(2))
	}
	// Output:
	// 1 80.26
	// 10 97.28
}

func ExampleLifetimeValues() {
	bg, _ := segment.NewBGNBD(segment.BGNBDParams{R: 0.243, Alpha: 4.414, A: 0.793, B: 2.426})
	gg, _ := segment.NewGammaGamma(segment.GammaGammaParams{P: 6.25, Q: 3.74, Gamma: 15.44})
	s := []segment.Summary{
		{CustomerID: "loyal", Frequency: 10, Recency: 38, T: 39, Monetary: decimal.NewFromInt(30)},
		{CustomerID: "lapsed", Frequency: 10, Recency: 5, T: 39, Monetary: decimal.NewFromInt(30)},
	}
	// One year in weeks, monthly steps, 1% per month.
	v, err := segment.LifetimeValues(context.Background(), bg, gg, s, segment.ValueOptions{Horizon: 52, Step: 52.0 / 12, DiscountRate: 0.01})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, c := range v {
		fmt.Printf("%s P(alive) %.2f risk %s purchases %.1f CLV %s\n", c.CustomerID, c.ProbAlive, c.Risk, c.Purchases, c.CLV.StringFixed(2))
	}
	// Output:
	// loyal P(alive) 0.92 risk low purchases 8.4 CLV 238.71
	// lapsed P(alive) 0.00 risk high purchases 0.0 CLV 0.00
}

func ExampleValueOptions_RiskOf() {
	o := segment.ValueOptions{LowRiskFrom: 0.8, HighRiskBelow: 0.4}
	fmt.Println(o.RiskOf(0.9), o.RiskOf(0.5), o.RiskOf(0.1))
	// Output: low medium high
}

func ExampleRetentionPriorities() {
	vals := []segment.LifetimeValue{
		{CustomerID: "steady", ProbAlive: 0.95, ValueIfAlive: decimal.NewFromInt(800)},
		{CustomerID: "slipping", ProbAlive: 0.4, ValueIfAlive: decimal.NewFromInt(600)},
		{CustomerID: "small", ProbAlive: 0.3, ValueIfAlive: decimal.NewFromInt(30)},
	}
	r, _ := segment.RetentionPriorities(vals, segment.RetentionOptions{
		AcquisitionCost: decimal.NewFromInt(120), ContactCost: decimal.NewFromInt(15), SaveRate: 0.3,
	})
	for _, p := range r {
		fmt.Printf("%d %s gain %s call %v keep-cheaper %v\n", p.Rank, p.CustomerID, p.Gain, p.Call, p.KeepCheaper)
	}
	// Output:
	// 1 slipping gain 93 call true keep-cheaper true
	// 2 steady gain -3 call false keep-cheaper false
	// 3 small gain -8.7 call false keep-cheaper true
}

func ExampleActivityIndex() {
	a, _ := segment.ActivityIndex(context.Background(), crmkit.Stream(shop), segment.ActivityOptions{AsOf: date(2024, 3, 31), Unit: 24 * time.Hour})
	for _, c := range a {
		fmt.Printf("%s purchases %d mean gap %.1f days index %.2f defined %v\n", c.CustomerID, c.Purchases, c.MeanGap, c.Index, c.Defined)
	}
	// Output:
	// ann purchases 3 mean gap 28.0 days index -0.17 defined true
	// bob purchases 2 mean gap 56.0 days index 0.00 defined false
	// cid purchases 1 mean gap 0.0 days index 0.00 defined false
	// dee purchases 1 mean gap 0.0 days index 0.00 defined false
}

func ExampleCustomerValues() {
	v, _ := segment.CustomerValues(context.Background(), crmkit.Stream(shop), segment.ValuesOptions{From: date(2024, 2, 1), To: date(2024, 4, 1)})
	fmt.Println(v)
	// Output: [{ann 10} {bob 25} {cid 80} {dee 5}]
}

func ExampleAssignTiers() {
	t, _ := segment.AssignTiers([]segment.CustomerValue{
		{CustomerID: "a", Value: decimal.NewFromInt(500)},
		{CustomerID: "b", Value: decimal.NewFromInt(300)},
		{CustomerID: "c", Value: decimal.NewFromInt(100)},
		{CustomerID: "d", Value: decimal.NewFromInt(60)},
		{CustomerID: "e", Value: decimal.NewFromInt(40)},
	}, nil)
	for _, a := range t.Assignments {
		fmt.Printf("%s %s before %.2f\n", a.CustomerID, a.Tier, a.Before)
	}
	for _, s := range t.Tiers {
		fmt.Printf("tier %s: %d customers, %.0f%% of value\n", s.Tier, s.Customers, 100*s.ValueShare)
	}
	// Output:
	// a A before 0.00
	// b A before 0.50
	// c B before 0.80
	// d B before 0.90
	// e C before 0.96
	// tier A: 2 customers, 80% of value
	// tier B: 2 customers, 16% of value
	// tier C: 1 customers, 4% of value
}

func ExampleConcentrationOf() {
	s := cdnow()
	vals := make([]segment.CustomerValue, len(s))
	for i, c := range s {
		vals[i] = segment.CustomerValue{CustomerID: c.CustomerID, Value: c.Monetary.Mul(decimal.NewFromInt(int64(c.Frequency)))}
	}
	c, _ := segment.ConcentrationOf(vals, nil)
	fmt.Println(c.Pareto.Statement)
	fmt.Printf("Gini %.2f\n", c.Gini)
	// Output:
	// the top 20.0% of customers bring 87.6% of the value
	// Gini 0.84
}

// With four customers and five levels the top score 5 is not reached:
// scores are 1 + ⌊5·worse/4⌋ ∈ {1, 2, 3, 4}.
func ExampleScoreRFM() {
	res, err := segment.ScoreRFM(context.Background(), crmkit.Stream(shop), segment.RFMOptions{AsOf: date(2024, 3, 31)})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, c := range res.Customers {
		fmt.Printf("%s R%d F%d M%d %s\n", c.CustomerID, c.R, c.F, c.M, c.Segment)
	}
	// Output:
	// ann R2 F4 M3 At risk
	// bob R3 F3 M2 Need attention
	// cid R1 F1 M4 At risk
	// dee R4 F1 M1 Promising
}

func ExampleRFMResult_Explain() {
	res, _ := segment.ScoreRFM(context.Background(), crmkit.Stream(shop), segment.RFMOptions{AsOf: date(2024, 3, 31)})
	fmt.Println(res.Explain(3))
	// Output: dee: R=4 (last order 11.0 days ago), F=1 (1 orders), M=1 (5.00) → FM=1 → Promising by rule 4 (R 4, FM 1)
}

func ExampleDefaultSegments() {
	for _, r := range segment.DefaultSegments()[:2] {
		fmt.Printf("%s: R %d–%d, FM %d–%d\n", r.Segment, r.R.Min, r.R.Max, r.FM.Min, r.FM.Max)
	}
	// Output:
	// Champions: R 5–5, FM 4–5
	// Loyal: R 3–4, FM 4–5
}

func ExampleKMeans() {
	// Recency (days), orders, revenue for six customers: two obvious groups.
	data := []float64{
		5, 12, 900,
		7, 10, 850,
		3, 14, 1000,
		200, 1, 30,
		180, 2, 45,
		220, 1, 25,
	}
	c, err := segment.KMeans(context.Background(), data, 3, segment.KMeansOptions{K: 2, Seed: 1})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(c.Labels[0] == c.Labels[1] && c.Labels[1] == c.Labels[2], c.Labels[3] == c.Labels[4] && c.Labels[4] == c.Labels[5], c.Labels[0] != c.Labels[3])
	fmt.Println(c.Sizes)
	// Output:
	// true true true
	// [3 3]
}

func ExampleChooseK() {
	var data []float64
	for i := range 60 {
		g := float64(i % 3 * 10)
		data = append(data, g+float64(i%5)*0.1, g-float64(i%7)*0.1)
	}
	ch, _ := segment.ChooseK(context.Background(), data, 2, segment.ChooseKOptions{KMin: 2, KMax: 6, Seed: 7})
	fmt.Println("best", ch.Best, "elbow", ch.Elbow)
	// Output: best 3 elbow 3
}

func ExampleBGNBD_PurchaseProb() {
	m, _ := segment.NewBGNBD(segment.BGNBDParams{R: 0.243, Alpha: 4.414, A: 0.793, B: 2.426})
	for k := range 3 {
		fmt.Printf("P(X(39)=%d) = %.4f\n", k, m.PurchaseProb(k, 39))
	}
	// Output:
	// P(X(39)=0) = 0.5738
	// P(X(39)=1) = 0.1994
	// P(X(39)=2) = 0.0854
}

func ExampleBGNBD_StdErr() {
	m, _ := segment.FitBGNBD(cdnow(), nil)
	se, err := m.StdErr()
	fmt.Printf("se(r) %.3f se(alpha) %.2f err %v\n", se.R, se.Alpha, err)
	// Output: se(r) 0.013 se(alpha) 0.38 err <nil>
}

func ExampleBGNBD_MarshalJSON() {
	m, _ := segment.NewBGNBD(segment.BGNBDParams{R: 0.243, Alpha: 4.414, A: 0.793, B: 2.426})
	b, _ := json.Marshal(m)
	fmt.Println(string(b))
	// Output: {"model":"bgnbd","params":{"r":0.243,"alpha":4.414,"a":0.793,"b":2.426},"log_lik":0,"n":0}
}

func ExampleParetoNBD_PurchaseProb() {
	m, _ := segment.NewParetoNBD(segment.ParetoNBDParams{R: 0.553, Alpha: 10.578, S: 0.606, Beta: 11.669})
	fmt.Printf("P(X(39)=0) = %.4f\n", m.PurchaseProb(0, 39))
	// Output: P(X(39)=0) = 0.5936
}

func ExampleSegmentOf() {
	rules := segment.DefaultSegments()
	fmt.Println(segment.SegmentOf(rules, 5, 5, 4))
	fmt.Println(segment.SegmentOf(rules, 1, 1, 1))
	fmt.Println(segment.SegmentOf([]segment.SegmentRule{{Segment: "VIP", M: segment.ScoreRange{Min: 5, Max: 5}}}, 3, 3, 3))
	// Output:
	// Champions 0
	// Lost 9
	// Other -1
}

func ExampleBGNBD_ConditionalPurchaseProb() {
	m, _ := segment.NewBGNBD(segment.BGNBDParams{R: 0.243, Alpha: 4.414, A: 0.793, B: 2.426})
	// The customer with x=2, t_x=30.43, T=38.86: chance of 0, 1, 2 purchases
	// in the next 39 weeks.
	for k := range 3 {
		fmt.Printf("P(Y(39)=%d) = %.3f\n", k, m.ConditionalPurchaseProb(k, 39, 2, 30.43, 38.86))
	}
	// Output:
	// P(Y(39)=0) = 0.445
	// P(Y(39)=1) = 0.239
	// P(Y(39)=2) = 0.144
}

func ExampleParetoNBD_ConditionalPurchaseProb() {
	m, _ := segment.NewParetoNBD(segment.ParetoNBDParams{R: 0.553, Alpha: 10.578, S: 0.606, Beta: 11.669})
	fmt.Printf("P(no purchase in 39 weeks) = %.3f\n", m.ConditionalPurchaseProb(0, 39, 2, 30.43, 38.86))
	// Output: P(no purchase in 39 weeks) = 0.408
}
