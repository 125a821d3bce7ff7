package segment

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"runtime"
	"slices"
	"sync"

	"github.com/crmkit/crmkit"
	"github.com/shopspring/decimal"
)

// PurchaseModel is what lifetime value needs from a fitted purchase model;
// [*BGNBD], [*MBGNBD] and [*ParetoNBD] implement it. Implementations must be
// safe for concurrent use and return NaN for invalid arguments (x < 0,
// t_x outside [0, T], t < 0). Times are in the summaries' unit.
type PurchaseModel interface {
	// ProbAlive is P(alive at T | x, t_x, T).
	ProbAlive(x int, tx, T float64) float64
	// ExpectedPurchases is E[Y(t) | x, t_x, T], purchases in (T, T+t].
	ExpectedPurchases(t float64, x int, tx, T float64) float64
	// PurchaseProb is P(X(t) = k) for a customer picked at random at
	// acquisition.
	PurchaseProb(k int, t float64) float64
	// ConditionalPurchaseProb is P(Y(t) = k | x, t_x, T), purchases in
	// (T, T+t].
	ConditionalPurchaseProb(k int, t float64, x int, tx, T float64) float64
}

// Risk is a churn-risk tier derived from P(alive); the zero value "" means
// not assessed.
type Risk string

// Churn-risk tiers.
const (
	RiskLow    Risk = "low"
	RiskMedium Risk = "medium"
	RiskHigh   Risk = "high"
)

// ValueOptions configure [LifetimeValues]. The zero value is not usable:
// Horizon is required.
//
// Horizon is the value horizon in the summaries' time unit (52 = one year
// with weekly summaries). Value is booked per discount period of length
// Step (zero: 1 unit) and discounted at DiscountRate per Step (zero: no
// discounting): CLV = Σ_i spend · (E[Y(t_i)] − E[Y(t_{i−1})]) / (1+d)^i with
// t_i = min(i·Step, Horizon). A weekly model with a 10% annual rate might use
// Step 52/12 and DiscountRate 1.1^(1/12)−1.
//
// Churn risk: P(alive) ≥ LowRiskFrom (zero: 0.7) is [RiskLow], below
// HighRiskBelow (zero: 0.3) is [RiskHigh], anything between is [RiskMedium].
//
// Workers bounds the goroutines that score customers (zero: GOMAXPROCS);
// results do not depend on it.
type ValueOptions struct {
	Horizon       float64 `json:"horizon"`
	Step          float64 `json:"step,omitempty"`
	DiscountRate  float64 `json:"discount_rate,omitempty"`
	LowRiskFrom   float64 `json:"low_risk_from,omitempty"`
	HighRiskBelow float64 `json:"high_risk_below,omitempty"`
	Workers       int     `json:"workers,omitempty"`
	// Progress, when set, is called after each block of customers with the
	// number scored so far; calls are serialised but may come from any
	// goroutine.
	Progress func(done, total int) `json:"-"`
}

func (o ValueOptions) withDefaults() (ValueOptions, error) {
	if o.Step == 0 {
		o.Step = 1
	}
	if o.LowRiskFrom == 0 {
		o.LowRiskFrom = 0.7
	}
	if o.HighRiskBelow == 0 {
		o.HighRiskBelow = 0.3
	}
	switch {
	case badFloat(o.Horizon) || o.Horizon <= 0:
		return o, fmt.Errorf("%w: Horizon %v must be positive and finite", ErrOptions, o.Horizon)
	case badFloat(o.Step) || o.Step <= 0:
		return o, fmt.Errorf("%w: Step %v must be positive", ErrOptions, o.Step)
	case o.Horizon/o.Step > 1e5:
		return o, fmt.Errorf("%w: Horizon/Step = %v periods; at most 100000", ErrOptions, o.Horizon/o.Step)
	case badFloat(o.DiscountRate) || o.DiscountRate < 0:
		return o, fmt.Errorf("%w: DiscountRate %v must be ≥ 0", ErrOptions, o.DiscountRate)
	case !(o.HighRiskBelow > 0 && o.HighRiskBelow <= o.LowRiskFrom && o.LowRiskFrom <= 1):
		return o, fmt.Errorf("%w: need 0 < HighRiskBelow ≤ LowRiskFrom ≤ 1, got %v, %v", ErrOptions, o.HighRiskBelow, o.LowRiskFrom)
	}
	return o, nil
}

// RiskOf returns the churn-risk tier of a probability of being alive under
// the options' thresholds (see [ValueOptions]).
func (o ValueOptions) RiskOf(pAlive float64) Risk {
	d, err := o.withDefaults()
	if err != nil {
		d = ValueOptions{LowRiskFrom: 0.7, HighRiskBelow: 0.3}
	}
	switch {
	case pAlive >= d.LowRiskFrom:
		return RiskLow
	case pAlive < d.HighRiskBelow:
		return RiskHigh
	}
	return RiskMedium
}

// nilModel reports a nil purchase model, including a typed nil of one of
// segment's models (a nil *BGNBD in the interface is not == nil, and its
// methods would dereference it). A host's own model type cannot be checked
// without reflection; its methods must cope with their receiver.
func nilModel(pm PurchaseModel) bool {
	switch m := pm.(type) {
	case nil:
		return true
	case *BGNBD:
		return m == nil
	case *MBGNBD:
		return m == nil
	case *ParetoNBD:
		return m == nil
	}
	return false
}

// LifetimeValue is one customer's forward-looking value. Purchases is the
// expected number of purchases within the horizon (undiscounted); Spend the
// expected value per purchase (Gamma-Gamma); CLV the discounted expected
// value within the horizon; ValueIfAlive = CLV / ProbAlive, the value the
// customer brings if still active (0 when ProbAlive is 0). The zero value is
// an empty result; like every result type it is plain data, safe to read
// concurrently.
type LifetimeValue struct {
	CustomerID   string          `json:"customer_id"`
	ProbAlive    float64         `json:"prob_alive"`
	Risk         Risk            `json:"risk"`
	Purchases    float64         `json:"purchases"`
	Spend        decimal.Decimal `json:"spend"`
	CLV          decimal.Decimal `json:"clv"`
	ValueIfAlive decimal.Decimal `json:"value_if_alive"`
}

// LifetimeValues scores every summary with a purchase model and the
// Gamma-Gamma spend model: probability alive, churn risk, expected purchases
// and discounted lifetime value over opts.Horizon. The result is in the
// order of s, one entry per summary, scored in blocks on up to
// opts.Workers goroutines. Errors: [ErrOptions], a
// [*crmkit.RecordError] for an invalid summary, [ErrDegenerate] when the
// spend model has q ≤ 1 (infinite mean spend), ctx's error.
func LifetimeValues(ctx context.Context, pm PurchaseModel, spend *GammaGamma, s []Summary, opts ValueOptions) ([]LifetimeValue, error) {
	o, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	if nilModel(pm) || spend == nil {
		return nil, fmt.Errorf("%w: a purchase model and a spend model are required", ErrOptions)
	}
	// Validate first, so the error reported is the first bad summary.
	for i := range s {
		if err := checkSummary(s[i], i); err != nil {
			return nil, err
		}
	}
	out := make([]LifetimeValue, len(s))
	const chunk = 1024
	chunks := (len(s) + chunk - 1) / chunk
	workers := o.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	workers = max(1, min(workers, chunks))
	errs := make([]error, chunks)
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		next int
		done int
	)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				mu.Lock()
				c := next
				next++
				mu.Unlock()
				if c >= chunks {
					return
				}
				if err := ctx.Err(); err != nil {
					errs[c] = err
					return
				}
				for i := c * chunk; i < min((c+1)*chunk, len(s)); i++ {
					lv, err := lifetimeValue(pm, spend, s[i], o)
					if err != nil {
						errs[c] = err
						break
					}
					out[i] = lv
				}
				if o.Progress != nil {
					mu.Lock()
					done += min((c+1)*chunk, len(s)) - c*chunk
					o.Progress(done, len(s))
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

func lifetimeValue(pm PurchaseModel, spend *GammaGamma, s Summary, o ValueOptions) (LifetimeValue, error) {
	mx, err := crmkit.ToFloat(s.Monetary)
	if err != nil {
		return LifetimeValue{}, crmkit.Errorf("summary", -1, s.CustomerID, "monetary", crmkit.ErrInvalid, "%v", err)
	}
	m := spend.expectedSpend(s.Frequency, mx)
	if badFloat(m) {
		return LifetimeValue{}, fmt.Errorf("%w: spend model q = %v ≤ 1 leaves the mean spend infinite", ErrDegenerate, spend.p.Q)
	}
	pa := pm.ProbAlive(s.Frequency, s.Recency, s.T)
	n := int(math.Ceil(o.Horizon/o.Step - 1e-9))
	var clv, prev float64
	disc := 1.0
	for i := 1; i <= n; i++ {
		t := math.Min(float64(i)*o.Step, o.Horizon)
		e := pm.ExpectedPurchases(t, s.Frequency, s.Recency, s.T)
		disc /= 1 + o.DiscountRate
		clv += (e - prev) * m * disc
		prev = e
	}
	if badFloat(clv) || badFloat(pa) {
		return LifetimeValue{}, fmt.Errorf("%w: customer %q: model returned a non-finite value", ErrDegenerate, s.CustomerID)
	}
	lv := LifetimeValue{CustomerID: s.CustomerID, ProbAlive: pa, Risk: o.RiskOf(pa), Purchases: prev}
	if lv.Spend, err = crmkit.FromFloat(m); err != nil {
		return LifetimeValue{}, err
	}
	if lv.CLV, err = crmkit.FromFloat(clv); err != nil {
		return LifetimeValue{}, err
	}
	if pa > 0 {
		if lv.ValueIfAlive, err = crmkit.FromFloat(clv / pa); err != nil {
			return LifetimeValue{}, err
		}
	}
	return lv, nil
}

// RetentionOptions are the host's costs for [RetentionPriorities]. The zero
// value means free contacts, free acquisition and the default save rate.
//
// AcquisitionCost is what winning one new customer costs; ContactCost what
// one retention contact (a call, a voucher) costs; SaveRate the share of
// customers who would otherwise leave that a contact keeps (zero: 0.25).
type RetentionOptions struct {
	AcquisitionCost decimal.Decimal `json:"acquisition_cost"`
	ContactCost     decimal.Decimal `json:"contact_cost"`
	SaveRate        float64         `json:"save_rate,omitempty"`
}

// RetentionPriority ranks one customer for a retention contact.
//
//   - AtRisk = (1 − ProbAlive) · ValueIfAlive: the value that leaves with the
//     customer if they are lapsing.
//   - Gain = SaveRate · AtRisk − ContactCost: the expected value of one
//     contact. Call is Gain > 0.
//   - CostPerSave = ContactCost / (SaveRate · (1 − ProbAlive)): the expected
//     contact spend to keep one lapsing customer like this one (0 when
//     contacts are free; omitted when the customer is surely alive).
//     KeepCheaper says it is below AcquisitionCost: keeping this customer
//     costs less than winning a new one.
//
// Rank is 1 for the customer to call first. Plain data; the zero value is an
// empty entry.
type RetentionPriority struct {
	CustomerID  string           `json:"customer_id"`
	Rank        int              `json:"rank"`
	ProbAlive   float64          `json:"prob_alive"`
	AtRisk      decimal.Decimal  `json:"at_risk"`
	Gain        decimal.Decimal  `json:"gain"`
	Call        bool             `json:"call"`
	CostPerSave *decimal.Decimal `json:"cost_per_save,omitempty"`
	KeepCheaper bool             `json:"keep_cheaper"`
}

// RetentionPriorities ranks customers by the expected gain of a retention
// contact (see [RetentionPriority]), highest first; equal gains rank by
// CustomerID. It returns one entry per input value. Costs must not be
// negative and SaveRate must lie in (0, 1].
func RetentionPriorities(values []LifetimeValue, opts RetentionOptions) ([]RetentionPriority, error) {
	save := opts.SaveRate
	if save == 0 {
		save = 0.25
	}
	if badFloat(save) || save <= 0 || save > 1 {
		return nil, fmt.Errorf("%w: SaveRate %v must be in (0, 1]", ErrOptions, opts.SaveRate)
	}
	if opts.AcquisitionCost.IsNegative() || opts.ContactCost.IsNegative() {
		return nil, fmt.Errorf("%w: costs must not be negative", ErrOptions)
	}
	contact, err := crmkit.ToFloat(opts.ContactCost)
	if err != nil {
		return nil, err
	}
	saveD := decimal.NewFromFloat(save)
	out := make([]RetentionPriority, len(values))
	for i, v := range values {
		if badFloat(v.ProbAlive) || v.ProbAlive < 0 || v.ProbAlive > 1 {
			return nil, crmkit.Errorf("lifetime value", i, v.CustomerID, "prob_alive", crmkit.ErrInvalid, "%v", v.ProbAlive)
		}
		if v.ValueIfAlive.IsNegative() {
			return nil, crmkit.Errorf("lifetime value", i, v.CustomerID, "value_if_alive", crmkit.ErrInvalid, "negative: %s", v.ValueIfAlive)
		}
		lapse := 1 - v.ProbAlive
		atRisk := v.ValueIfAlive.Mul(decimal.NewFromFloat(lapse)).RoundBank(crmkit.MoneyPlaces)
		gain := atRisk.Mul(saveD).Sub(opts.ContactCost).RoundBank(crmkit.MoneyPlaces)
		rp := RetentionPriority{CustomerID: v.CustomerID, ProbAlive: v.ProbAlive, AtRisk: atRisk, Gain: gain, Call: gain.IsPositive()}
		if lapse > 0 {
			c, err := crmkit.FromFloat(contact / (save * lapse))
			if err == nil {
				rp.CostPerSave = &c
				rp.KeepCheaper = c.LessThan(opts.AcquisitionCost)
			}
		}
		out[i] = rp
	}
	slices.SortStableFunc(out, func(a, b RetentionPriority) int {
		if c := b.Gain.Cmp(a.Gain); c != 0 {
			return c
		}
		return cmp.Compare(a.CustomerID, b.CustomerID)
	})
	for i := range out {
		out[i].Rank = i + 1
	}
	return out, nil
}
