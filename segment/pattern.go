package segment

import (
	"cmp"
	"math"
	"slices"

	"github.com/crmkit/crmkit"
)

// Pattern is a purchase history (x, t_x, T) shared by Weight customers.
// The purchase models' likelihoods depend on a customer only through these
// three numbers, so fitting on patterns gives the same estimates as fitting
// on the customers, in time proportional to the number of distinct patterns.
// Weight may be fractional (sampling weights). The zero value is a pattern of
// weight zero, which the fits reject.
type Pattern struct {
	Frequency int     `json:"frequency"`
	Recency   float64 `json:"recency"`
	T         float64 `json:"t"`
	Weight    float64 `json:"weight"`
}

// SpendPattern is a repeat buyer's (x, m_x) shared by Weight customers, the
// data of the Gamma-Gamma spend model. Monetary is a float64 because the
// pattern feeds a numeric kernel. The zero value has weight zero, which the
// fit rejects.
type SpendPattern struct {
	Frequency int     `json:"frequency"`
	Monetary  float64 `json:"monetary"`
	Weight    float64 `json:"weight"`
}

func comparePattern(a, b Pattern) int {
	if c := cmp.Compare(a.Frequency, b.Frequency); c != 0 {
		return c
	}
	if c := cmp.Compare(a.Recency, b.Recency); c != 0 {
		return c
	}
	return cmp.Compare(a.T, b.T)
}

func compareSpend(a, b SpendPattern) int {
	if c := cmp.Compare(a.Frequency, b.Frequency); c != 0 {
		return c
	}
	return cmp.Compare(a.Monetary, b.Monetary)
}

// Compress turns summaries into purchase patterns: one [Pattern] per
// distinct (Frequency, Recency, T), Weight = number of customers, sorted by
// Frequency, then Recency, then T. It validates like [ValidateSummaries] and
// stops at the first bad summary. Compress and [MergePatterns] form a
// combine: compressing parts and merging gives what compressing the whole
// does.
func Compress(s []Summary) ([]Pattern, error) {
	ps := make([]Pattern, 0, len(s))
	for i := range s {
		if err := checkSummary(s[i], i); err != nil {
			return nil, err
		}
		ps = append(ps, Pattern{Frequency: s[i].Frequency, Recency: s[i].Recency, T: s[i].T, Weight: 1})
	}
	return normalizePatterns(ps), nil
}

// normalizePatterns sorts ps and sums the weights of equal patterns, in
// place.
func normalizePatterns(ps []Pattern) []Pattern {
	slices.SortFunc(ps, comparePattern)
	out := ps[:0]
	for _, p := range ps {
		if n := len(out); n > 0 && comparePattern(out[n-1], p) == 0 {
			out[n-1].Weight += p.Weight
			continue
		}
		out = append(out, p)
	}
	return slices.Clip(out)
}

// MergePatterns merges two pattern sets, summing the weights of equal
// patterns. Inputs need not be sorted; the result is sorted as [Compress]
// returns it. Neither input is modified.
func MergePatterns(a, b []Pattern) []Pattern {
	out := make([]Pattern, 0, len(a)+len(b))
	out = append(out, a...)
	out = append(out, b...)
	return normalizePatterns(out)
}

// CompressSpend turns the repeat buyers (Frequency > 0) among s into spend
// patterns, one per distinct (Frequency, Monetary), sorted. Monetary is
// converted with [crmkit.ToFloat]. A repeat buyer with Monetary ≤ 0 is an
// error: the Gamma-Gamma model needs positive spend.
func CompressSpend(s []Summary) ([]SpendPattern, error) {
	ps := make([]SpendPattern, 0, len(s))
	for i := range s {
		if err := checkSummary(s[i], i); err != nil {
			return nil, err
		}
		if s[i].Frequency == 0 {
			continue
		}
		m, err := crmkit.ToFloat(s[i].Monetary)
		if err != nil || m <= 0 {
			return nil, crmkit.Errorf("summary", i, s[i].CustomerID, "monetary", crmkit.ErrInvalid, "repeat buyer needs positive spend, got %s", s[i].Monetary)
		}
		ps = append(ps, SpendPattern{Frequency: s[i].Frequency, Monetary: m, Weight: 1})
	}
	return normalizeSpend(ps), nil
}

// MergeSpendPatterns merges two spend pattern sets like [MergePatterns].
func MergeSpendPatterns(a, b []SpendPattern) []SpendPattern {
	out := make([]SpendPattern, 0, len(a)+len(b))
	out = append(out, a...)
	out = append(out, b...)
	return normalizeSpend(out)
}

func normalizeSpend(ps []SpendPattern) []SpendPattern {
	slices.SortFunc(ps, compareSpend)
	out := ps[:0]
	for _, p := range ps {
		if n := len(out); n > 0 && compareSpend(out[n-1], p) == 0 {
			out[n-1].Weight += p.Weight
			continue
		}
		out = append(out, p)
	}
	return slices.Clip(out)
}

func badFloat(f float64) bool { return math.IsNaN(f) || math.IsInf(f, 0) }

func checkPattern(p Pattern, i int) error {
	switch {
	case badFloat(p.Weight) || p.Weight <= 0:
		return crmkit.Errorf("pattern", i, "", "weight", crmkit.ErrInvalid, "%v", p.Weight)
	case p.Frequency < 0:
		return crmkit.Errorf("pattern", i, "", "frequency", crmkit.ErrInvalid, "negative: %d", p.Frequency)
	case badFloat(p.T) || p.T < 0:
		return crmkit.Errorf("pattern", i, "", "t", crmkit.ErrInvalid, "%v", p.T)
	case badFloat(p.Recency) || p.Recency < 0 || p.Recency > p.T:
		return crmkit.Errorf("pattern", i, "", "recency", crmkit.ErrInvalid, "%v (T %v)", p.Recency, p.T)
	case p.Frequency == 0 && p.Recency != 0:
		return crmkit.Errorf("pattern", i, "", "recency", crmkit.ErrInvalid, "recency %v without repeat purchases", p.Recency)
	}
	return nil
}

func checkSpendPattern(p SpendPattern, i int) error {
	switch {
	case badFloat(p.Weight) || p.Weight <= 0:
		return crmkit.Errorf("spend pattern", i, "", "weight", crmkit.ErrInvalid, "%v", p.Weight)
	case p.Frequency <= 0:
		return crmkit.Errorf("spend pattern", i, "", "frequency", crmkit.ErrInvalid, "need a repeat buyer, got %d", p.Frequency)
	case badFloat(p.Monetary) || p.Monetary <= 0:
		return crmkit.Errorf("spend pattern", i, "", "monetary", crmkit.ErrInvalid, "%v", p.Monetary)
	}
	return nil
}
