package funnel

import (
	"hash/maphash"
	"math"
	"math/big"
	"math/bits"
	"slices"
	"sort"
	"time"

	"github.com/crmkit/crmkit"
	"github.com/shopspring/decimal"
)

// Money inside the engine: amounts are int64 counts of 10^-crmkit.MoneyPlaces
// currency units, sums are unsigned 128-bit integers (amounts are never
// negative), so totals are exact and cost no allocation. Conversion back to
// decimal happens once per reported figure.

const fnlScale = 10000 // 10^crmkit.MoneyPlaces

var fnlPow10 = [...]int64{1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000,
	1000000000, 10000000000, 100000000000, 1000000000000, 10000000000000,
	100000000000000, 1000000000000000, 10000000000000000, 100000000000000000, 1000000000000000000}

// fnlToScaled converts a non-negative amount to scaled units. ok is false when
// the amount is negative, has more than crmkit.MoneyPlaces decimal places
// that are not zero, or exceeds the int64 range after scaling.
func fnlToScaled(d decimal.Decimal) (v int64, why string) {
	if d.Sign() < 0 {
		return 0, "negative amount"
	}
	if d.Sign() == 0 {
		return 0, ""
	}
	if d.NumDigits() > 18 {
		return 0, "amount too large or too precise"
	}
	c, e := d.CoefficientInt64(), int(d.Exponent())+crmkit.MoneyPlaces
	switch {
	case e == 0:
		return c, ""
	case e > 0:
		if e > 18 || c > math.MaxInt64/fnlPow10[e] {
			return 0, "amount too large"
		}
		return c * fnlPow10[e], ""
	default:
		if -e > 18 || c%fnlPow10[-e] != 0 {
			return 0, "more than 4 decimal places"
		}
		return c / fnlPow10[-e], ""
	}
}

func fnlDecimal(v int64) decimal.Decimal { return decimal.New(v, -crmkit.MoneyPlaces) }

// fnlSum is an exact unsigned 128-bit sum of scaled amounts.
type fnlSum struct{ hi, lo uint64 }

func (s *fnlSum) add(v int64) {
	var c uint64
	s.lo, c = bits.Add64(s.lo, uint64(v), 0)
	s.hi += c
}

func (s *fnlSum) addSum(o fnlSum) {
	var c uint64
	s.lo, c = bits.Add64(s.lo, o.lo, 0)
	s.hi += o.hi + c
}

func (s fnlSum) decimal() decimal.Decimal {
	if s.hi == 0 && s.lo <= math.MaxInt64 {
		return fnlDecimal(int64(s.lo))
	}
	b := new(big.Int).SetUint64(s.hi)
	b.Lsh(b, 64)
	b.Or(b, new(big.Int).SetUint64(s.lo))
	return decimal.NewFromBigInt(b, -crmkit.MoneyPlaces)
}

func (s fnlSum) float() float64 { return float64(s.hi)*0x1p64 + float64(s.lo) }

// fnlWeighted returns sum × p rounded half-even to crmkit.MoneyPlaces.
func fnlWeighted(s fnlSum, p float64) decimal.Decimal {
	if p == 1 {
		return s.decimal()
	}
	return s.decimal().Mul(decimal.NewFromFloat(p)).RoundBank(crmkit.MoneyPlaces)
}

// fnlMoneyFloat converts a float kernel result (in currency units) to money.
func fnlMoneyFloat(f float64) decimal.Decimal {
	d, err := crmkit.FromFloat(f)
	if err != nil {
		return decimal.Zero
	}
	return d
}

// fnlIndex interns host IDs (deal IDs) into dense int32 indices in first-seen
// order. It keeps the bytes of all IDs in one arena and an open-addressing
// table whose slots hold the low 32 bits of the hash and the index, about 30
// bytes per ID in all and no pointers for the garbage collector to scan. The
// home slot comes from the same 32 bits, so growing never rehashes the IDs.
type fnlIndex struct {
	seed  maphash.Seed
	arena []byte
	offs  []uint32 // offs[i]..offs[i+1] is ID i
	slots []uint64 // low 32 hash bits <<32 | index+1; 0 = empty
	mask  uint64
}

func fnlNewIndex(sizeHint int) *fnlIndex {
	n := 1024
	for n < 2*sizeHint {
		n <<= 1
	}
	return &fnlIndex{seed: maphash.MakeSeed(), offs: []uint32{0}, slots: make([]uint64, n), mask: uint64(n - 1)}
}

func (x *fnlIndex) len() int { return len(x.offs) - 1 }

func (x *fnlIndex) id(i int32) string { return string(x.arena[x.offs[i]:x.offs[i+1]]) }

func (x *fnlIndex) eq(i int32, s string) bool {
	return string(x.arena[x.offs[i]:x.offs[i+1]]) == s
}

// find returns the index of s, or -1.
func (x *fnlIndex) find(s string) int32 {
	h := maphash.String(x.seed, s) & 0xffffffff
	tag := h << 32
	for j := h & x.mask; ; j = (j + 1) & x.mask {
		v := x.slots[j]
		if v == 0 {
			return -1
		}
		if v&0xffffffff00000000 == tag && x.eq(int32(uint32(v))-1, s) {
			return int32(uint32(v)) - 1
		}
	}
}

// fnlMaxIDs bounds the number of IDs an index holds (int32 indices).
const fnlMaxIDs = 1<<31 - 2

// full reports whether no further ID can be inserted.
func (x *fnlIndex) full() bool { return x.len() >= fnlMaxIDs }

// insert adds s and returns its index; existed is true when s was present.
// The caller checks full first.
func (x *fnlIndex) insert(s string) (idx int32, existed bool) {
	if 2*(x.len()+1) > len(x.slots) {
		x.grow()
	}
	h := maphash.String(x.seed, s) & 0xffffffff
	tag := h << 32
	for j := h & x.mask; ; j = (j + 1) & x.mask {
		v := x.slots[j]
		if v == 0 {
			idx = int32(x.len())
			x.arena = append(x.arena, s...)
			x.offs = append(x.offs, uint32(len(x.arena)))
			x.slots[j] = tag | uint64(idx+1)
			return idx, false
		}
		if v&0xffffffff00000000 == tag && x.eq(int32(uint32(v))-1, s) {
			return int32(uint32(v)) - 1, true
		}
	}
}

func (x *fnlIndex) grow() {
	old := x.slots
	n := 2 * len(old)
	x.slots = make([]uint64, n)
	x.mask = uint64(n - 1)
	for _, v := range old {
		if v == 0 {
			continue
		}
		j := (v >> 32) & x.mask
		for x.slots[j] != 0 {
			j = (j + 1) & x.mask
		}
		x.slots[j] = v
	}
}

// fnlHist is an exact histogram of durations at one-hour resolution (rounded
// down), mergeable by adding counts. Durations up to fnlHistDense hours use a
// dense slice grown on demand; longer ones are kept as values.
type fnlHist struct {
	n      int64
	sumSec int64
	dense  []uint32
	long   []int64 // hours >= fnlHistDense
}

const fnlHistDense = 24 * 400

func (h *fnlHist) add(sec int64) {
	if sec < 0 {
		sec = 0
	}
	h.n++
	h.sumSec += sec
	hr := sec / 3600
	if hr >= fnlHistDense {
		h.long = append(h.long, hr)
		return
	}
	if int(hr) >= len(h.dense) {
		n := max(int(hr)+1, 2*len(h.dense))
		n = min(n, fnlHistDense)
		h.dense = append(h.dense, make([]uint32, n-len(h.dense))...)
	}
	h.dense[hr]++
}

func (h *fnlHist) merge(o *fnlHist) {
	h.n += o.n
	h.sumSec += o.sumSec
	if len(o.dense) > len(h.dense) {
		h.dense = append(h.dense, make([]uint32, len(o.dense)-len(h.dense))...)
	}
	for i, c := range o.dense {
		h.dense[i] += c
	}
	h.long = append(h.long, o.long...)
}

// meanDays returns the mean in days (exact seconds), 0 when empty.
func (h *fnlHist) meanDays() float64 {
	if h.n == 0 {
		return 0
	}
	return float64(h.sumSec) / float64(h.n) / 86400
}

// quantilesDays returns R's type-7 quantiles (linear interpolation between
// order statistics) of the hour-resolution durations, in days.
func (h *fnlHist) quantilesDays(ps ...float64) []float64 {
	out := make([]float64, len(ps))
	if h.n == 0 {
		return out
	}
	long := append([]int64(nil), h.long...)
	sort.Slice(long, func(i, j int) bool { return long[i] < long[j] })
	// kth returns the k-th smallest (0-based) hour value.
	kth := func(k int64) int64 {
		var c int64
		for i, v := range h.dense {
			c += int64(v)
			if c > k {
				return int64(i)
			}
		}
		return long[k-c]
	}
	for i, p := range ps {
		pos := float64(h.n-1) * p
		lo := int64(math.Floor(pos))
		v := float64(kth(lo))
		if frac := pos - float64(lo); frac > 0 && lo+1 < h.n {
			v += frac * (float64(kth(lo+1)) - v)
		}
		out[i] = v / 24
	}
	return out
}

// Civil time and periods. Times are unix seconds inside the engine.

const fnlNone = math.MinInt64

func fnlSec(t time.Time) int64 {
	if t.IsZero() {
		return fnlNone
	}
	return t.Unix()
}

// fnlCivil returns the calendar date of unix second s in loc.
func fnlCivil(s int64, loc *time.Location) (y, m, d int) {
	if loc == time.UTC {
		return fnlCivilDays(fnlFloorDiv(s, 86400))
	}
	t := time.Unix(s, 0).In(loc)
	y2, m2, d2 := t.Date()
	return y2, int(m2), d2
}

func fnlFloorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

// fnlCivilDays converts days since 1970-01-01 to a proleptic Gregorian date
// (Howard Hinnant's civil_from_days).
func fnlCivilDays(z int64) (y, m, d int) {
	z += 719468
	era := fnlFloorDiv(z, 146097)
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	yy := yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	dd := doy - (153*mp+2)/5 + 1
	mm := mp + 3
	if mm > 12 {
		mm -= 12
	}
	if mm <= 2 {
		yy++
	}
	return int(yy), int(mm), int(dd)
}

// fnlMonth returns the month index y*12+m-1 of unix second s in loc.
func fnlMonth(s int64, loc *time.Location) int32 {
	y, m, _ := fnlCivil(s, loc)
	return int32(y*12 + m - 1)
}

// fnlPeriodIndex returns the index of the period containing s.
func fnlPeriodIndex(p Period, s int64, loc *time.Location) int32 {
	y, m, d := fnlCivil(s, loc)
	switch p {
	case Quarter:
		return int32(y*4 + (m-1)/3)
	case Year:
		return int32(y)
	case Week:
		days := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC).Unix() / 86400
		return int32(fnlFloorDiv(days+3, 7)) // weeks start on Monday; 1970-01-01 was a Thursday
	default:
		return int32(y*12 + m - 1)
	}
}

// fnlPeriodBounds returns the start and end (exclusive) of period index i.
func fnlPeriodBounds(p Period, i int32, loc *time.Location) (time.Time, time.Time) {
	switch p {
	case Quarter:
		s := time.Date(int(fnlFloorDiv(int64(i), 4)), time.Month(3*(int(i)-4*int(fnlFloorDiv(int64(i), 4)))+1), 1, 0, 0, 0, 0, loc)
		return s, s.AddDate(0, 3, 0)
	case Year:
		s := time.Date(int(i), 1, 1, 0, 0, 0, 0, loc)
		return s, s.AddDate(1, 0, 0)
	case Week:
		y, m, d := fnlCivilDays(int64(i)*7 - 3)
		s := time.Date(y, time.Month(m), d, 0, 0, 0, 0, loc)
		return s, s.AddDate(0, 0, 7)
	default:
		yi := int(fnlFloorDiv(int64(i), 12))
		s := time.Date(yi, time.Month(int(i)-12*yi+1), 1, 0, 0, 0, 0, loc)
		return s, s.AddDate(0, 1, 0)
	}
}

// fnlDense maps int32 keys (period and month indices) to values, densely
// over a contiguous key range and in a map beyond fnlDenseMax keys of span,
// so the common case costs an index instead of a hash lookup. Pointers it
// returns are valid until the next call of at.
type fnlDense[T any] struct {
	base  int32
	vals  []T
	extra map[int32]*T
}

const fnlDenseMax = 4096

func (d *fnlDense[T]) at(k int32) *T {
	if i := int64(k) - int64(d.base); i >= 0 && i < int64(len(d.vals)) {
		return &d.vals[i]
	}
	if len(d.vals) == 0 {
		d.base, d.vals = k, make([]T, 1)
		return &d.vals[0]
	}
	lo := min(int64(d.base), int64(k))
	hi := max(int64(d.base)+int64(len(d.vals))-1, int64(k))
	// Grow densely only near the current range (at most doubling it), so a
	// stray far key costs a map entry, not a large slice.
	if span := hi - lo + 1; span <= fnlDenseMax && span <= 2*int64(len(d.vals))+64 {
		nv := make([]T, hi-lo+1)
		copy(nv[int64(d.base)-lo:], d.vals)
		d.vals, d.base = nv, int32(lo)
		return &d.vals[int64(k)-lo]
	}
	if d.extra == nil {
		d.extra = map[int32]*T{}
	}
	v := d.extra[k]
	if v == nil {
		v = new(T)
		d.extra[k] = v
	}
	return v
}

// get returns the value at k, or nil when k was never set.
func (d *fnlDense[T]) get(k int32) *T {
	if i := int64(k) - int64(d.base); i >= 0 && i < int64(len(d.vals)) {
		return &d.vals[i]
	}
	return d.extra[k]
}

// keys returns every key that at was called with (and, for the dense part,
// the keys between them), sorted.
func (d *fnlDense[T]) keys() []int32 {
	out := make([]int32, 0, len(d.vals)+len(d.extra))
	for i := range d.vals {
		out = append(out, d.base+int32(i))
	}
	for k := range d.extra {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
