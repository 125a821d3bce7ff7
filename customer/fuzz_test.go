package customer

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"testing"
	"time"

	"github.com/crmkit/crmkit"
	"github.com/shopspring/decimal"
)

// fuzzReader turns fuzz bytes into choices; past the end it yields 0.
type fuzzReader struct{ b []byte }

func (r *fuzzReader) next() int {
	if len(r.b) == 0 {
		return 0
	}
	v := int(r.b[0])
	r.b = r.b[1:]
	return v
}

func (r *fuzzReader) pick(opts []string) string { return opts[r.next()%len(opts)] }

var (
	fuzzIDs    = []string{"", "A", "B", "C", "D", "E", "F"}
	fuzzNames  = []string{"", "Ann Lee", "Lee, Ann", "ann  lee", "张伟", "张 伟", "北京华为科技有限公司", "Ｊｏｈｎ", "Mr", "José"}
	fuzzPhones = []string{"", "+86 138 0013 8000", "13800138000", "0086-138-0013-8000", "n/a", "12", "＋８６１３８００１３８０００"}
	fuzzEmails = []string{"", "a@x.io", "A@X.IO", "a.b+c@gmail.com", "ab@googlemail.com", "bad", "@x"}
	fuzzCur    = []string{"", "CNY", "USD", "cny"}
)

// fuzzBook builds a small book from fuzz bytes, with IDs drawn from a
// small set so that duplicates, unknown references and rings are common;
// s is used as one more name, phone and e-mail.
func fuzzBook(data []byte, s string) ([]Customer, []Order, []Interaction) {
	r := &fuzzReader{b: data}
	day := func() time.Time {
		return testAsOf.Add(time.Duration(r.next()-200) * 24 * time.Hour).Add(time.Duration(r.next()) * time.Minute)
	}
	var cs []Customer
	for range r.next() % 9 {
		c := Customer{ID: r.pick(fuzzIDs), Name: r.pick(append(fuzzNames, s)), ReferredBy: r.pick(fuzzIDs),
			Phone: r.pick(append(fuzzPhones, s)), Email: r.pick(append(fuzzEmails, s)),
			Source: r.pick([]string{"", "web", "referral"}), Level: r.pick([]string{"", "A", "B"})}
		if r.next()%2 == 0 {
			c.Created = day()
		}
		switch r.next() % 4 {
		case 1:
			c.Birthday = Birthday{Calendar: Gregorian, Year: r.next()*10 - 300, Month: r.next()%14 - 1, Day: r.next()%33 - 1}
		case 2:
			c.Birthday = Birthday{Calendar: Lunar, Month: r.next() % 14, Day: r.next() % 32, LeapMonth: r.next()%2 == 0}
		case 3:
			c.Birthday = Birthday{Calendar: Calendar(s), Month: r.next(), Day: r.next()}
		}
		if r.next()%3 == 0 {
			c.Attributes = map[string]string{"size": s, "n": "12"}
			c.Tags = []string{s, "vip"}
		}
		cs = append(cs, c)
	}
	var os []Order
	for range r.next() % 17 {
		o := Order{ID: r.pick(fuzzIDs), CustomerID: r.pick(fuzzIDs), Currency: r.pick(fuzzCur),
			Amount: decimal.New(int64(r.next()-100)*int64(r.next()+1), int32(r.next()%12-8))}
		if r.next()%5 != 0 {
			o.Time = day()
		}
		switch r.next() % 6 {
		case 1:
			o.Quantity = math.NaN()
		case 2:
			o.Quantity = -1
		case 3:
			o.Quantity = 2.5
		}
		os = append(os, o)
	}
	var xs []Interaction
	for range r.next() % 9 {
		x := Interaction{ID: r.pick(fuzzIDs), CustomerID: r.pick(fuzzIDs), Rep: r.pick([]string{"", "r1"})}
		if r.next()%5 != 0 {
			x.Time = day()
		}
		if r.next()%2 == 0 {
			x.NextContact = day()
		}
		xs = append(xs, x)
	}
	return cs, os, xs
}

var fuzzSeeds = [][]byte{
	nil,
	{3, 1, 1, 0, 1, 1, 0, 0, 0, 2, 2, 1, 2, 2, 1, 0, 0, 3, 3, 2, 3, 3, 2, 1, 1, 0, 5, 1, 1, 1, 200, 10, 5, 3, 1, 2},
	{8, 1, 2, 2, 1, 1, 1, 1, 0, 1, 2, 3, 4, 2, 3, 1, 2, 3, 4, 0, 0, 0, 0, 3, 4, 5, 6, 1, 2, 3, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16},
	{5, 1, 3, 1, 1, 1, 1, 1, 1, 200, 5, 2, 8, 15, 9, 2, 1, 4, 4, 2, 2, 3, 1, 1, 1, 250, 30, 16, 1, 1, 1, 1, 90, 3, 0, 1, 0, 4, 8, 2},
	{16, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255},
}

func addSeeds(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s, "")
		f.Add(s, "北京 Ｌｔｄ +86 010-1234 5678 x@y.z")
	}
}

// FuzzValidate checks that Validate never panics, that its counts add up and
// rates lie in [0,1], and that what it accepts every analysis accepts.
func FuzzValidate(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte, s string) {
		cs, os, xs := fuzzBook(data, s)
		ctx := context.Background()
		r, err := Validate(ctx, testAsOf, crmkit.Stream(cs), crmkit.Stream(os), crmkit.Stream(xs), &ValidateOptions{MaxOffenders: 3})
		if r == nil {
			t.Fatalf("nil report, err %v", err)
		}
		checkInvariants(t, r)
		if r.Customers.Records != len(cs) || r.Orders.Records != len(os) || r.Interactions.Records != len(xs) {
			t.Fatalf("records read %d/%d/%d, given %d/%d/%d", r.Customers.Records, r.Orders.Records, r.Interactions.Records, len(cs), len(os), len(xs))
		}
		if (err == nil) != (r.Problems == 0) {
			t.Fatalf("err %v with %d problems", err, r.Problems)
		}
		// Drop what Validate rejected until it accepts everything, so that
		// the analyses below see a non-trivial clean book.
		for round := 0; err != nil; round++ {
			if round == 10 {
				t.Fatalf("still %d problems after %d rounds of dropping rejected records", r.Problems, round)
			}
			r, err = Validate(ctx, testAsOf, crmkit.Stream(cs), crmkit.Stream(os), crmkit.Stream(xs), &ValidateOptions{MaxOffenders: 1 << 20})
			if err == nil {
				break
			}
			bad := map[string]map[int]bool{KindCustomer: {}, KindOrder: {}, KindInteraction: {}}
			for _, o := range r.Offenders {
				bad[o.Kind][o.Index] = true
			}
			cs = keepUndropped(cs, bad[KindCustomer])
			os = keepUndropped(os, bad[KindOrder])
			xs = keepUndropped(xs, bad[KindInteraction])
			r, err = Validate(ctx, testAsOf, crmkit.Stream(cs), crmkit.Stream(os), crmkit.Stream(xs), nil)
		}
		rules := []Rule{{Name: "r", Level: "X", When: []Condition{{Metric: MetricSpend, Op: ">", Value: "0", WindowDays: 30}}}}
		if _, err := Classify(ctx, testAsOf, rules, crmkit.Stream(cs), crmkit.Stream(os), crmkit.Stream(xs), nil); err != nil {
			t.Fatalf("Validate accepted the book, Classify did not: %v", err)
		}
		if _, err := FindDuplicates(ctx, crmkit.Stream(cs), nil); err != nil {
			t.Fatalf("Validate accepted the book, FindDuplicates did not: %v", err)
		}
		g, err := BuildReferralGraph(ctx, crmkit.Stream(cs), nil)
		if err != nil {
			t.Fatalf("Validate accepted the book, BuildReferralGraph did not: %v", err)
		}
		if _, err := g.Value(ctx, testAsOf, crmkit.Stream(os), nil); err != nil {
			t.Fatalf("Validate accepted the book, Value did not: %v", err)
		}
	})
}

// FuzzClassify checks that Classify never panics, that counts add up and
// that each assignment names a rule that matched.
func FuzzClassify(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte, s string) {
		cs, os, xs := fuzzBook(data, s)
		r := &fuzzReader{b: data}
		var rules []Rule
		metrics := []Metric{MetricSpend, MetricOrders, MetricDaysSincePurchase, MetricDaysSinceContact, MetricAgeDays, MetricReferrals, MetricSource, MetricLevel, MetricTag, MetricAttribute}
		ops := []string{"<", "<=", "==", "!=", ">=", ">"}
		for k := range 1 + r.next()%4 {
			rule := Rule{Name: string(rune('a' + k)), Level: r.pick([]string{"", "L1", "L2"}), Tags: []string{r.pick([]string{"t1", "t2"})}}
			for range r.next() % 3 {
				m := metrics[r.next()%len(metrics)]
				c := Condition{Metric: m, Op: Op(r.pick(ops)), Value: r.pick([]string{"0", "1", "30", "100.5", s}), WindowDays: r.next() % 3 * 30, Key: "size"}
				if m == MetricSource || m == MetricLevel || m == MetricTag {
					c.Op = Op(r.pick([]string{"==", "!="}))
				}
				rule.When = append(rule.When, c)
			}
			rules = append(rules, rule)
		}
		if ValidateRules(rules) != nil {
			return
		}
		res, err := Classify(context.Background(), testAsOf, rules, crmkit.Stream(cs), crmkit.Stream(os), crmkit.Stream(xs), &ClassifyOptions{SkipInvalid: true})
		if err != nil {
			t.Fatal(err)
		}
		for k, n := range res.Records {
			if n != res.Accepted[k]+res.SkippedRecords[k] {
				t.Fatalf("%s: records %d != accepted %d + skipped %d", k, n, res.Accepted[k], res.SkippedRecords[k])
			}
		}
		if len(res.Assignments) != res.Accepted[KindCustomer] {
			t.Fatalf("%d assignments for %d accepted customers", len(res.Assignments), res.Accepted[KindCustomer])
		}
		for _, a := range res.Assignments {
			if a.LevelRule != "" && (a.Matched == nil || a.Matched[0] == "") {
				t.Fatalf("level rule %q but matched %v", a.LevelRule, a.Matched)
			}
			for _, tag := range a.Tags {
				found := false
				for _, m := range a.Matched {
					found = found || m == tag.Rule
				}
				if !found {
					t.Fatalf("tag %v from a rule that did not match (%v)", tag, a.Matched)
				}
			}
		}
		if _, err := json.Marshal(res); err != nil {
			t.Fatal(err)
		}
	})
}

// FuzzFindDuplicates checks that FindDuplicates never panics, scores lie in
// [0,1], pairs are ordered and counted, and every pair has evidence.
func FuzzFindDuplicates(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte, s string) {
		cs, _, _ := fuzzBook(data, s)
		res, err := FindDuplicates(context.Background(), crmkit.Stream(cs), &DuplicateOptions{SkipInvalid: true, Clusters: true, MaxBlock: 2, Window: 1, FoldEmail: len(data)%2 == 0})
		if err != nil {
			t.Fatal(err)
		}
		if res.Customers != len(cs) || res.Customers != res.Accepted+len(res.Skipped) {
			t.Fatalf("customers %d (given %d) != accepted %d + skipped %d", res.Customers, len(cs), res.Accepted, len(res.Skipped))
		}
		for _, p := range res.Pairs {
			if !(p.Score >= 0 && p.Score <= 1) || len(p.Evidence) == 0 || p.AIndex >= p.BIndex || p.A == p.B {
				t.Fatalf("bad pair %+v", p)
			}
			for _, e := range p.Evidence {
				if !(e.Similarity >= 0 && e.Similarity <= 1) {
					t.Fatalf("similarity %v outside [0,1]", e.Similarity)
				}
			}
		}
		inClusters := 0
		for _, c := range res.Clusters {
			inClusters += len(c)
		}
		if inClusters > res.Accepted {
			t.Fatalf("%d customers in clusters, %d accepted", inClusters, res.Accepted)
		}
	})
}

// FuzzReferral checks that the graph build never panics, rejects exactly the
// books with rings or self-referrals (under the drop policy), and that Value
// accounts for every order.
func FuzzReferral(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte, s string) {
		cs, os, _ := fuzzBook(data, s)
		g, err := BuildReferralGraph(context.Background(), crmkit.Stream(cs), &ReferralOptions{UnknownReferrer: UnknownReferrerExternal, SkipInvalid: true})
		if err != nil {
			var re *ReferralError
			if !errors.As(err, &re) || len(re.IDs) == 0 || len(re.IDs) != len(re.Indexes) {
				t.Fatalf("graph error %v is not a *ReferralError naming its records", err)
			}
			return
		}
		res, err := g.Value(context.Background(), testAsOf, crmkit.Stream(os), &ReferralValueOptions{SkipInvalid: true, MaxDepth: -1, Decay: 0.7, From: testAsOf.AddDate(0, 0, -100)})
		if err != nil {
			t.Fatal(err)
		}
		if res.Orders != len(os) || res.Orders != res.Accepted+res.OutsideWindow+res.SkippedOrders {
			t.Fatalf("orders %d (given %d) != accepted %d + outside %d + skipped %d", res.Orders, len(os), res.Accepted, res.OutsideWindow, res.SkippedOrders)
		}
		for _, v := range res.Values {
			if v.Direct < 1 || v.Network < v.Direct || len(v.Levels) == 0 {
				t.Fatalf("bad value %+v", v)
			}
		}
	})
}

// FuzzNormalizePhone checks no panic, a canonical shape and idempotence.
func FuzzNormalizePhone(f *testing.F) {
	for _, p := range fuzzPhones {
		f.Add(p, "86")
	}
	f.Add("(415) 555-2671 ext. 9", "1")
	f.Add("0000000000000", "")
	f.Add("ȺȺȺȺȺȺȺȺext 138 0013 8000", "86")
	f.Fuzz(func(t *testing.T, raw, cc string) {
		got := NormalizePhone(raw, cc)
		if got == "" {
			return
		}
		for i, r := range got {
			if !(r >= '0' && r <= '9') && !(i == 0 && r == '+') {
				t.Fatalf("NormalizePhone(%q, %q) = %q: not canonical", raw, cc, got)
			}
		}
		if again := NormalizePhone(got, cc); again != got {
			t.Fatalf("not idempotent: %q → %q → %q", raw, got, again)
		}
	})
}

// FuzzNormalizeEmail checks no panic, one @, and idempotence.
func FuzzNormalizeEmail(f *testing.F) {
	for _, e := range fuzzEmails {
		f.Add(e, true)
	}
	f.Fuzz(func(t *testing.T, raw string, fold bool) {
		got := NormalizeEmail(raw, fold)
		if got == "" {
			return
		}
		if again := NormalizeEmail(got, fold); again != got {
			t.Fatalf("not idempotent: %q → %q → %q", raw, got, again)
		}
	})
}

// FuzzNameSimilarity checks no panic, range [0,1] and symmetry.
func FuzzNameSimilarity(f *testing.F) {
	for i, a := range fuzzNames {
		f.Add(a, fuzzNames[(i+1)%len(fuzzNames)])
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		s := NameSimilarity(a, b)
		if !(s >= 0 && s <= 1) {
			t.Fatalf("NameSimilarity(%q, %q) = %v outside [0,1]", a, b, s)
		}
		if back := NameSimilarity(b, a); math.Abs(back-s) > 1e-12 {
			t.Fatalf("not symmetric: %v vs %v", s, back)
		}
		if self := NameSimilarity(a, a); self != 0 && self != 1 {
			t.Fatalf("NameSimilarity(%q, itself) = %v, want 0 or 1", a, self)
		}
	})
}

func keepUndropped[T any](items []T, drop map[int]bool) []T {
	var out []T
	for i, it := range items {
		if !drop[i] {
			out = append(out, it)
		}
	}
	return out
}
