package crmbeam

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"reflect"
	"sort"
	"strings"
	"time"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/io/textio"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/register"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/transforms/stats"
	"github.com/crmkit/crmkit"
	"github.com/crmkit/crmkit/customer"
	"github.com/crmkit/crmkit/segment"
	"github.com/shopspring/decimal"
)

// ValueConfig configures [CustomerValue]. Orders, Summary.CalibrationEnd and
// Value.Horizon are required.
//
// Orders is a file glob; Format is "csv" (columns id, customer_id, time in
// RFC 3339, amount, currency; a first line starting with "id" or "order_id"
// is a header) or "jsonl" (one customer.Order JSON per line); "" picks by
// the glob's extension. Currency is the one currency of the analysis;
// orders in another currency are error records. The analysis' as-of time is
// Summary.ObservationEnd (or CalibrationEnd when that is zero): orders after
// it are error records, and RFM recency is measured to it.
//
// Q is the number of RFM score levels (0: 5), scored against the default
// segment map as [segment.ScoreRFM] does. Tiers are the value tiers (nil:
// A/B/C at 80% and 95% of revenue). QuantileK is the accuracy parameter of
// Beam's approximate quantiles (0: 200; larger is more exact and uses more
// memory per worker).
type ValueConfig struct {
	Orders    string                 `json:"orders"`
	Format    string                 `json:"format,omitempty"`
	Output    string                 `json:"output"`
	Currency  string                 `json:"currency"`
	Summary   segment.SummaryOptions `json:"summary"`
	Value     segment.ValueOptions   `json:"value"`
	Fit       *segment.FitOptions    `json:"fit,omitempty"`
	Q         int                    `json:"q,omitempty"`
	Tiers     *segment.TierOptions   `json:"tiers,omitempty"`
	QuantileK int                    `json:"quantile_k,omitempty"`
}

func (c ValueConfig) asOf() time.Time {
	if !c.Summary.ObservationEnd.IsZero() {
		return c.Summary.ObservationEnd
	}
	return c.Summary.CalibrationEnd
}

func formatOf(format, glob string) (string, error) {
	if format == "" {
		if strings.HasSuffix(glob, ".csv") {
			return "csv", nil
		}
		return "jsonl", nil
	}
	if format != "csv" && format != "jsonl" {
		return "", fmt.Errorf("crmbeam: unknown format %q (csv or jsonl)", format)
	}
	return format, nil
}

// CustomerScore is one customer's result of [CustomerValue]: the order
// aggregates, RFM scores and segment, value tier and, for customers in the
// purchase models' calibration cohort, the purchase summary and lifetime
// value (nil when the models could not be fitted; see the errors output).
type CustomerScore struct {
	CustomerID  string                 `json:"customer_id"`
	Orders      int                    `json:"orders"`
	LastOrder   time.Time              `json:"last_order"`
	Revenue     decimal.Decimal        `json:"revenue"`
	RecencyDays float64                `json:"recency_days"`
	R           int                    `json:"r"`
	F           int                    `json:"f"`
	M           int                    `json:"m"`
	Segment     string                 `json:"segment"`
	Tier        string                 `json:"tier"`
	Summary     *segment.Summary       `json:"summary,omitempty"`
	Value       *segment.LifetimeValue `json:"value,omitempty"`
}

// Models is the fitted purchase (BG/NBD) and spend (Gamma-Gamma) models of
// [CustomerValue] and the size of the data they were fitted on. Err is set
// when a fit failed; the scores then carry no lifetime value.
type Models struct {
	BGNBD         segment.BGNBDParams      `json:"bgnbd"`
	BGNBDLogLik   float64                  `json:"bgnbd_loglik"`
	GammaGamma    segment.GammaGammaParams `json:"gamma_gamma"`
	Customers     float64                  `json:"customers"`
	Patterns      int                      `json:"patterns"`
	SpendPatterns int                      `json:"spend_patterns"`
	Err           string                   `json:"error,omitempty"`
}

// Thresholds are the approximate quantile boundaries the scores used:
// Q−1 boundaries per RFM measure (recency as minus days, higher is better)
// and, for the tiers, the revenue from which each tier but the last starts.
type Thresholds struct {
	Recency   []float64 `json:"recency"`
	Frequency []float64 `json:"frequency"`
	Monetary  []float64 `json:"monetary"`
	Tiers     []float64 `json:"tiers"`
}

// CustomerValue adds the customer-value pipeline to s: read orders, build
// each customer's purchase summary with a combine ([segment.Accumulator]),
// compress the summaries into weighted patterns with a global combine
// ([segment.Compress], [segment.MergePatterns]), fit BG/NBD and Gamma-Gamma
// once on the patterns, then score every customer in parallel with the
// models as a side input: probability alive, expected purchases, lifetime
// value, RFM scores and segment and value tier, the last two against
// approximate quantiles (see the package documentation for how they differ
// from exact ones). It writes scores.jsonl, models.jsonl, thresholds.jsonl
// and errors.jsonl under cfg.Output. A configuration error is returned
// before anything is added.
func CustomerValue(s beam.Scope, cfg ValueConfig) error {
	format, err := formatOf(cfg.Format, cfg.Orders)
	if err != nil {
		return err
	}
	switch {
	case cfg.Orders == "":
		return fmt.Errorf("crmbeam: Orders glob is required")
	case cfg.Summary.CalibrationEnd.IsZero():
		return fmt.Errorf("crmbeam: Summary.CalibrationEnd is required")
	case cfg.Value.Horizon <= 0:
		return fmt.Errorf("crmbeam: Value.Horizon is required")
	}
	q := cfg.Q
	if q == 0 {
		q = 5
	}
	if q < 2 || q > 100 {
		return fmt.Errorf("crmbeam: Q = %d outside 2..100", cfg.Q)
	}
	th, names := []float64{0.8, 0.95}, []string{"A", "B", "C"}
	if cfg.Tiers != nil && len(cfg.Tiers.Thresholds) > 0 {
		th, names = cfg.Tiers.Thresholds, cfg.Tiers.Names
		if len(names) != len(th)+1 {
			return fmt.Errorf("crmbeam: %d tier names for %d thresholds", len(names), len(th))
		}
	}
	k := cfg.QuantileK
	if k == 0 {
		k = 200
	}
	s = s.Scope("CustomerValue")
	lines := textio.Read(s, cfg.Orders)
	orders, parseErrs := beam.ParDo2(s, &parseOrderFn{Format: format, Currency: cfg.Currency, AsOf: cfg.asOf()}, lines)
	keyed := beam.ParDo(s, &keyOrderFn{}, orders)
	grain := cfg.Summary.Grain
	if grain == 0 {
		grain = 24 * time.Hour
	}
	accs := beam.CombinePerKey(s, &custCombineFn{Grain: grain}, keyed)
	custs, custErrs := beam.ParDo2(s, &summarizeFn{Opts: cfg.Summary}, accs)

	summaries := beam.ParDo(s, &summaryOfFn{}, custs)
	patterns := beam.Combine(s, &patternCombineFn{}, summaries)
	models, fitErrs := beam.ParDo2(s, &fitFn{Opts: cfg.Fit}, patterns)

	opts := stats.Opts{K: k, NumQuantiles: q}
	rq := stats.ApproximateQuantiles(s, beam.ParDo(s, &measureFn{Which: "recency", AsOf: cfg.asOf()}, custs), lessFloat, opts)
	fq := stats.ApproximateQuantiles(s, beam.ParDo(s, &measureFn{Which: "frequency"}, custs), lessFloat, opts)
	mq := stats.ApproximateQuantiles(s, beam.ParDo(s, &measureFn{Which: "monetary"}, custs), lessFloat, opts)
	tq := tierBoundaries(s, custs, k, th)

	scores, scoreErrs := beam.ParDo2(s, &scoreFn{Value: valueParamsOf(cfg.Value), Q: q, AsOf: cfg.asOf(), TierThresholds: th, TierNames: names}, custs,
		beam.SideInput{Input: models}, beam.SideInput{Input: rq}, beam.SideInput{Input: fq}, beam.SideInput{Input: mq}, beam.SideInput{Input: tq})
	thresholds := beam.ParDo(s, &thresholdsFn{}, beam.Impulse(s),
		beam.SideInput{Input: rq}, beam.SideInput{Input: fq}, beam.SideInput{Input: mq}, beam.SideInput{Input: tq})

	writeJSONL(s, outPath(cfg.Output, "scores.jsonl"), scores)
	writeJSONL(s, outPath(cfg.Output, "models.jsonl"), models)
	writeJSONL(s, outPath(cfg.Output, "thresholds.jsonl"), thresholds)
	writeJSONL(s, outPath(cfg.Output, "errors.jsonl"), beam.Flatten(s, parseErrs, custErrs, fitErrs, scoreErrs))
	return nil
}

func init() {
	register.DoFn3x1[string, func(customer.Order), func(ErrorRecord), error](&parseOrderFn{})
	register.DoFn1x2[customer.Order, string, customer.Order](&keyOrderFn{})
	register.Combiner3[custAcc, customer.Order, custAcc](&custCombineFn{})
	register.DoFn4x0[string, custAcc, func(custRec), func(ErrorRecord)](&summarizeFn{})
	register.DoFn2x0[custRec, func(segment.Summary)](&summaryOfFn{})
	register.Combiner3[patternAcc, segment.Summary, patternAcc](&patternCombineFn{})
	register.DoFn3x0[patternAcc, func(Models), func(ErrorRecord)](&fitFn{})
	register.DoFn2x0[custRec, func(float64)](&measureFn{})
	register.DoFn2x0[custRec, func(float64)](&revenueFn{})
	register.DoFn3x0[custRec, []float64, func(int, int64)](&bucketFn{})
	register.DoFn4x0[[]byte, []float64, func(*int, *int64) bool, func([]float64)](&tierBoundsFn{})
	register.Emitter2[int, int64]()
	register.Emitter1[[]float64]()
	register.Iter2[int, int64]()
	register.DoFn9x0[context.Context, custRec, Models, []float64, []float64, []float64, []float64, func(CustomerScore), func(ErrorRecord)](&scoreFn{})
	register.DoFn6x0[[]byte, []float64, []float64, []float64, []float64, func(Thresholds)](&thresholdsFn{})
	register.Function2x1(lessFloat)
	register.Emitter1[customer.Order]()
	register.Emitter1[ErrorRecord]()
	register.Emitter1[custRec]()
	register.Emitter1[segment.Summary]()
	register.Emitter1[Models]()
	register.Emitter1[float64]()
	register.Emitter2[int, float64]()
	register.Emitter1[CustomerScore]()
	register.Emitter1[Thresholds]()
	beam.RegisterCoder(reflect.TypeFor[CustomerScore](), encScore, decScore)
}

func encScore(v CustomerScore) ([]byte, error) { return json.Marshal(v) }
func decScore(b []byte) (CustomerScore, error) {
	var v CustomerScore
	err := json.Unmarshal(b, &v)
	return v, err
}

func lessFloat(a, b float64) bool { return a < b }

// parseOrderFn parses and checks one order line.
type parseOrderFn struct {
	Format   string
	Currency string
	AsOf     time.Time
}

func (f *parseOrderFn) ProcessElement(line string, emit func(customer.Order), errs func(ErrorRecord)) error {
	if strings.TrimSpace(line) == "" {
		return nil
	}
	o, err := parseOrder(f.Format, line)
	if errors.Is(err, errHeader) {
		return nil
	}
	if err == nil {
		err = checkOrder(o, f.Currency, f.AsOf)
	}
	if err != nil {
		errs(newErrorRecord("parse", o.CustomerID, line, err))
		return nil
	}
	emit(o)
	return nil
}

var errHeader = errors.New("header")

func parseOrder(format, line string) (customer.Order, error) {
	var o customer.Order
	if format == "jsonl" {
		if err := json.Unmarshal([]byte(line), &o); err != nil {
			return o, crmkit.Errorf("order", -1, "", "", crmkit.ErrInvalid, "%v", err)
		}
		return o, nil
	}
	r := csv.NewReader(strings.NewReader(line))
	r.FieldsPerRecord = 5
	rec, err := r.Read()
	if err != nil {
		return o, crmkit.Errorf("order", -1, "", "", crmkit.ErrInvalid, "%v", err)
	}
	if rec[0] == "id" || rec[0] == "order_id" {
		return o, errHeader
	}
	o.ID, o.CustomerID, o.Currency = rec[0], rec[1], rec[4]
	if rec[2] != "" {
		if o.Time, err = time.Parse(time.RFC3339, rec[2]); err != nil {
			return o, crmkit.Errorf("order", -1, o.ID, "time", crmkit.ErrInvalid, "%v", err)
		}
	}
	if o.Amount, err = decimal.NewFromString(rec[3]); err != nil {
		return o, crmkit.Errorf("order", -1, o.ID, "amount", crmkit.ErrInvalid, "%v", err)
	}
	return o, nil
}

// checkOrder applies the rules segment.Summarize and segment.ScoreRFM apply
// to a whole stream, one order at a time.
func checkOrder(o customer.Order, currency string, asOf time.Time) error {
	switch {
	case o.CustomerID == "":
		return crmkit.Errorf("order", -1, o.ID, "customer_id", crmkit.ErrMissing, "")
	case o.Time.IsZero():
		return crmkit.Errorf("order", -1, o.ID, "time", crmkit.ErrMissing, "")
	case o.Amount.IsNegative():
		return crmkit.Errorf("order", -1, o.ID, "amount", crmkit.ErrInvalid, "negative amount %s", o.Amount)
	case o.Currency != currency:
		return crmkit.Errorf("order", -1, o.ID, "currency", crmkit.ErrCurrency, "%q, the analysis is in %q", o.Currency, currency)
	case o.Time.After(asOf):
		return crmkit.Errorf("order", -1, o.ID, "time", crmkit.ErrFuture, "%v after the as-of time %v", o.Time, asOf)
	case math.IsNaN(o.Quantity) || math.IsInf(o.Quantity, 0):
		return crmkit.Errorf("order", -1, o.ID, "quantity", crmkit.ErrInvalid, "%v", o.Quantity)
	}
	return nil
}

type keyOrderFn struct{}

func (f *keyOrderFn) ProcessElement(o customer.Order) (string, customer.Order) {
	return o.CustomerID, o
}

// custAcc is one customer's partial state: the purchase-summary accumulator
// plus what RFM and tiers need (last order time, exact revenue).
type custAcc struct {
	Acc     segment.Accumulator `json:"acc"`
	Last    time.Time           `json:"last"`
	Revenue decimal.Decimal     `json:"revenue"`
	Err     string              `json:"err,omitempty"`
}

type custCombineFn struct {
	Grain time.Duration
}

func (f *custCombineFn) CreateAccumulator() custAcc {
	return custAcc{Acc: segment.Accumulator{Grain: f.Grain}}
}

func (f *custCombineFn) AddInput(a custAcc, o customer.Order) custAcc {
	if err := a.Acc.Add(o); err != nil {
		if a.Err == "" {
			a.Err = err.Error()
		}
		return a
	}
	if o.Time.After(a.Last) {
		a.Last = o.Time
	}
	a.Revenue = a.Revenue.Add(o.Amount)
	return a
}

func (f *custCombineFn) MergeAccumulators(a, b custAcc) custAcc {
	if err := a.Acc.Merge(&b.Acc); err != nil && a.Err == "" {
		a.Err = err.Error()
	}
	if a.Err == "" {
		a.Err = b.Err
	}
	if b.Last.After(a.Last) {
		a.Last = b.Last
	}
	a.Revenue = a.Revenue.Add(b.Revenue)
	return a
}

func (f *custCombineFn) ExtractOutput(a custAcc) custAcc { return a }

// custRec is one customer after the per-customer combine.
type custRec struct {
	ID      string           `json:"id"`
	Orders  int              `json:"orders"`
	Last    time.Time        `json:"last"`
	Revenue decimal.Decimal  `json:"revenue"`
	Summary *segment.Summary `json:"summary,omitempty"`
}

type summarizeFn struct {
	Opts segment.SummaryOptions
}

func (f *summarizeFn) ProcessElement(id string, a custAcc, emit func(custRec), errs func(ErrorRecord)) {
	if a.Err != "" {
		errs(ErrorRecord{Stage: "customer", Key: id, Error: a.Err})
		return
	}
	r := custRec{ID: id, Orders: a.Acc.Orders, Last: a.Last, Revenue: a.Revenue}
	s, ok, err := a.Acc.Summary(f.Opts)
	if err != nil {
		errs(newErrorRecord("customer", id, "", err))
		return
	}
	if ok {
		r.Summary = &s
	}
	emit(r)
}

type summaryOfFn struct{}

func (f *summaryOfFn) ProcessElement(r custRec, emit func(segment.Summary)) {
	if r.Summary != nil {
		emit(*r.Summary)
	}
}

// patternAcc is the global combine's state: merged patterns plus a buffer
// of summaries compressed in batches (compressing one summary at a time
// would make every add a merge of the whole pattern list).
type patternAcc struct {
	P   []segment.Pattern      `json:"p"`
	S   []segment.SpendPattern `json:"s"`
	Buf []segment.Summary      `json:"buf,omitempty"`
	Err string                 `json:"err,omitempty"`
}

const patternBuffer = 4096

func (a *patternAcc) flush() {
	if len(a.Buf) == 0 {
		return
	}
	p, err := segment.Compress(a.Buf)
	if err == nil {
		var sp []segment.SpendPattern
		if sp, err = segment.CompressSpend(a.Buf); err == nil {
			a.P = segment.MergePatterns(a.P, p)
			a.S = segment.MergeSpendPatterns(a.S, sp)
		}
	}
	if err != nil && a.Err == "" {
		a.Err = err.Error()
	}
	a.Buf = nil
}

type patternCombineFn struct{}

func (f *patternCombineFn) CreateAccumulator() patternAcc { return patternAcc{} }

func (f *patternCombineFn) AddInput(a patternAcc, s segment.Summary) patternAcc {
	a.Buf = append(a.Buf, s)
	if len(a.Buf) >= patternBuffer {
		a.flush()
	}
	return a
}

func (f *patternCombineFn) MergeAccumulators(a, b patternAcc) patternAcc {
	a.flush()
	b.flush()
	a.P = segment.MergePatterns(a.P, b.P)
	a.S = segment.MergeSpendPatterns(a.S, b.S)
	if a.Err == "" {
		a.Err = b.Err
	}
	return a
}

func (f *patternCombineFn) ExtractOutput(a patternAcc) patternAcc {
	a.flush()
	return a
}

type fitFn struct {
	Opts *segment.FitOptions
}

func (f *fitFn) ProcessElement(a patternAcc, emit func(Models), errs func(ErrorRecord)) {
	m := Models{Patterns: len(a.P), SpendPatterns: len(a.S)}
	for _, p := range a.P {
		m.Customers += p.Weight
	}
	err := errors.New(a.Err)
	if a.Err == "" {
		err = nil
		var bg *segment.BGNBD
		if bg, err = segment.FitBGNBDPatterns(a.P, f.Opts); err == nil {
			m.BGNBD, m.BGNBDLogLik = bg.Params(), bg.LogLik()
			var gg *segment.GammaGamma
			if gg, err = segment.FitGammaGammaPatterns(a.S, f.Opts); err == nil {
				m.GammaGamma = gg.Params()
			}
		}
	}
	if err != nil {
		m.Err = err.Error()
		errs(newErrorRecord("fit", "", "", err))
	}
	emit(m)
}

// measureFn emits one RFM measure per customer, oriented so that higher is
// better as in segment.ScoreRFM.
type measureFn struct {
	Which string
	AsOf  time.Time
}

func (f *measureFn) ProcessElement(r custRec, emit func(float64)) {
	emit(rfmMeasure(f.Which, r, f.AsOf))
}

func rfmMeasure(which string, r custRec, asOf time.Time) float64 {
	switch which {
	case "recency":
		return -recencyDays(r.Last, asOf)
	case "frequency":
		return float64(r.Orders)
	default:
		v, _ := crmkit.ToFloat(r.Revenue)
		return v
	}
}

func recencyDays(last, asOf time.Time) float64 {
	return float64(asOf.Sub(last)) / float64(24*time.Hour)
}

// tierBoundaries computes, for each cumulative threshold t (share of
// revenue from the top), the revenue from which a customer is in that tier
// or a better one. Two passes: approximate quantiles of revenue give
// tierCandidates candidate boundaries; an exact sum of revenue between
// candidates (in 1e-4 currency units, integers, so the sum does not depend
// on the order) then picks, for each t, the smallest candidate c with
// revenue above c below t of the total. Every customer at or above c is in
// the tier exactly as segment.AssignTiers puts them; only customers between
// c and the candidate before it (about 1/tierCandidates of the customers,
// more where Beam's quantiles are coarse) may be one tier too low.
func tierBoundaries(s beam.Scope, custs beam.PCollection, k int, th []float64) beam.PCollection {
	cand := stats.ApproximateQuantiles(s, beam.ParDo(s, &revenueFn{}, custs), lessFloat, stats.Opts{K: k, NumQuantiles: tierCandidates})
	sums := stats.SumPerKey(s, beam.ParDo(s, &bucketFn{}, custs, beam.SideInput{Input: cand}))
	return beam.ParDo(s, &tierBoundsFn{Thresholds: th}, beam.Impulse(s), beam.SideInput{Input: cand}, beam.SideInput{Input: sums})
}

const tierCandidates = 1000

type revenueFn struct{}

func (f *revenueFn) ProcessElement(r custRec, emit func(float64)) {
	v, _ := crmkit.ToFloat(r.Revenue)
	emit(v)
}

// bucketFn emits (number of candidates below the revenue, revenue in 1e-4
// units).
type bucketFn struct{}

func (f *bucketFn) ProcessElement(r custRec, cand []float64, emit func(int, int64)) {
	v, _ := crmkit.ToFloat(r.Revenue)
	emit(sort.SearchFloat64s(cand, v), r.Revenue.Shift(crmkit.MoneyPlaces).IntPart())
}

type tierBoundsFn struct {
	Thresholds []float64
}

func (f *tierBoundsFn) ProcessElement(_ []byte, cand []float64, sums func(*int, *int64) bool, emit func([]float64)) {
	bucket := make([]int64, len(cand)+1)
	var total int64
	var j int
	var v int64
	for sums(&j, &v) {
		if j >= 0 && j < len(bucket) {
			bucket[j] += v
		}
		total += v
	}
	// above[i] = revenue strictly above cand[i] = buckets i+1...
	above := make([]int64, len(cand))
	var acc int64
	for i := len(cand) - 1; i >= 0; i-- {
		acc += bucket[i+1]
		above[i] = acc
	}
	out := make([]float64, len(f.Thresholds))
	for ti, t := range f.Thresholds {
		out[ti] = math.Inf(1)
		for i := range cand {
			if float64(above[i]) < t*float64(total) {
				out[ti] = cand[i]
				break
			}
		}
		if math.IsInf(out[ti], 1) && len(cand) > 0 {
			out[ti] = cand[len(cand)-1]
		}
	}
	emit(out)
}

type scoreFn struct {
	// Value holds segment.ValueOptions' serialisable fields: a DoFn's
	// exported fields must have a Beam schema, and Progress (a func) has none.
	Value          valueParams
	Q              int
	AsOf           time.Time
	TierThresholds []float64
	TierNames      []string

	models           Models
	bg               *segment.BGNBD
	gg               *segment.GammaGamma
	modelErr         error
	reportedModelErr bool
}

func (f *scoreFn) setModels(m Models) {
	if f.bg != nil && f.models == m || f.modelErr != nil && f.models == m {
		return
	}
	f.models, f.bg, f.gg, f.modelErr = m, nil, nil, nil
	if m.Err != "" {
		f.modelErr = errors.New(m.Err)
		return
	}
	if f.bg, f.modelErr = segment.NewBGNBD(m.BGNBD); f.modelErr == nil {
		f.gg, f.modelErr = segment.NewGammaGamma(m.GammaGamma)
	}
}

func (f *scoreFn) ProcessElement(ctx context.Context, r custRec, m Models, rq, fq, mq, tq []float64, emit func(CustomerScore), errs func(ErrorRecord)) {
	f.setModels(m)
	sc := CustomerScore{CustomerID: r.ID, Orders: r.Orders, LastOrder: r.Last, Revenue: r.Revenue,
		RecencyDays: recencyDays(r.Last, f.AsOf), Summary: r.Summary}
	sc.R = boundaryScore(rfmMeasure("recency", r, f.AsOf), rq)
	sc.F = boundaryScore(rfmMeasure("frequency", r, f.AsOf), fq)
	sc.M = boundaryScore(rfmMeasure("monetary", r, f.AsOf), mq)
	sc.Segment = rfmSegment(sc.R, sc.F, sc.M, f.Q)
	rev, _ := crmkit.ToFloat(r.Revenue)
	sc.Tier = tierOf(rev, tq, f.TierNames)
	if r.Summary != nil && f.modelErr == nil {
		lv, err := segment.LifetimeValues(ctx, f.bg, f.gg, []segment.Summary{*r.Summary}, f.Value.options())
		if err != nil {
			errs(newErrorRecord("customer", r.ID, "", err))
		} else {
			sc.Value = &lv[0]
		}
	}
	emit(sc)
}

// boundaryScore is 1 + the number of boundaries strictly below v. With the
// exact order statistics x_(⌈kn/Q⌉), k = 1..Q−1, as boundaries it equals
// segment.ScoreRFM's 1 + ⌊Q·w/n⌋ (w: values strictly below v).
func boundaryScore(v float64, bounds []float64) int {
	s := 1
	for _, b := range bounds {
		if v > b {
			s++
		}
	}
	return s
}

// rfmSegment looks the scores up in segment.DefaultSegments, rescaling to
// 1..5 for another Q as segment.ScoreRFM does.
func rfmSegment(r, f, m, q int) string {
	if q != 5 {
		s5 := func(s int) int { return 1 + 5*(s-1)/q }
		r, f, m = s5(r), s5(f), s5(m)
	}
	in := func(x segment.ScoreRange, s int) bool {
		return x.Min == 0 && x.Max == 0 || s >= x.Min && s <= x.Max
	}
	for _, rule := range segment.DefaultSegments() {
		if in(rule.R, r) && in(rule.F, f) && in(rule.M, m) && in(rule.FM, (f+m+1)/2) {
			return rule.Segment
		}
	}
	return segment.Unsegmented
}

// tierOf returns the first tier whose boundary v reaches; zero revenue is
// always the last tier, as in segment.AssignTiers.
func tierOf(v float64, bounds []float64, names []string) string {
	if v > 0 {
		for i, b := range bounds {
			if v >= b {
				return names[i]
			}
		}
	}
	return names[len(names)-1]
}

type thresholdsFn struct{}

func (f *thresholdsFn) ProcessElement(_ []byte, rq, fq, mq, tq []float64, emit func(Thresholds)) {
	emit(Thresholds{Recency: rq, Frequency: fq, Monetary: mq, Tiers: tq})
}

// valueParams is segment.ValueOptions without its Progress callback, in a form
// Beam can serialise into a DoFn.
type valueParams struct {
	Horizon, Step, DiscountRate, LowRiskFrom, HighRiskBelow float64
}

func valueParamsOf(o segment.ValueOptions) valueParams {
	return valueParams{o.Horizon, o.Step, o.DiscountRate, o.LowRiskFrom, o.HighRiskBelow}
}

// options rebuilds the options; one customer at a time needs one worker.
func (p valueParams) options() segment.ValueOptions {
	return segment.ValueOptions{Horizon: p.Horizon, Step: p.Step, DiscountRate: p.DiscountRate,
		LowRiskFrom: p.LowRiskFrom, HighRiskBelow: p.HighRiskBelow, Workers: 1}
}
