package customer

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/crmkit/crmkit"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func TestNormalizePhone(t *testing.T) {
	tests := []struct {
		name, reason, raw, cc, want string
	}{
		{"intl plus", "spaces dropped", "+86 138 0013 8000", "86", "+8613800138000"},
		{"intl 00", "00 is an international prefix", "0086-138-0013-8000", "86", "+8613800138000"},
		{"national mobile", "the default code is added", "138 0013 8000", "86", "+8613800138000"},
		{"code without plus", "86 followed by 11 digits is taken as international", "8613800138000", "86", "+8613800138000"},
		{"trunk zero", "the trunk 0 of a national number is dropped", "010-6552 9988", "86", "+861065529988"},
		{"(0)", "a bracketed trunk zero is dropped", "+86 (0)10 6552 9988", "86", "+861065529988"},
		{"zero after code", "a trunk zero written after +86 is dropped", "+86 010 65529988", "86", "+861065529988"},
		{"full width", "full-width digits and plus fold", "＋８６ １３８００１３８０００", "86", "+8613800138000"},
		{"extension", "an extension is dropped", "13800138000 转 123", "86", "+8613800138000"},
		{"ext", "ext is an extension too", "(415) 555-2671 ext. 9", "1", "+14155552671"},
		{"us national", "a US number with the default code 1", "(415) 555-2671", "1", "+14155552671"},
		{"us with 1", "1 followed by 10 digits is taken as international", "1-415-555-2671", "1", "+14155552671"},
		{"other country", "a foreign number keeps its own code", "+44 (0)20 7946 0958", "86", "+442079460958"},
		{"short", "too few digits is no evidence", "12345", "86", ""},
		{"empty", "nothing in, nothing out", "", "86", ""},
		{"letters", "no digits", "n/a", "86", ""},
		{"dotted capital I", "an extension after letters that grow when lowered (Ⱥ is 2 bytes, ⱥ 3)", "ȺȺȺȺ 138 0013 8000 EXT 12", "86", "+8613800138000"},
		{"no default", "without a default code national numbers stay bare", "0138 0013 8000", "", "13800138000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := NormalizePhone(tt.raw, tt.cc); got != tt.want {
				t.Errorf("%s: NormalizePhone(%q, %q) = %q, want %q", tt.reason, tt.raw, tt.cc, got, tt.want)
			}
		})
	}
}

func TestNormalizeEmail(t *testing.T) {
	tests := []struct {
		name, reason, raw string
		fold              bool
		want              string
	}{
		{"case", "trimmed and lower-cased", " Ann.Lee@Example.COM ", false, "ann.lee@example.com"},
		{"no fold", "dots and tags kept without fold", "Ann.Lee+crm@GMail.com", false, "ann.lee+crm@gmail.com"},
		{"gmail fold", "gmail dots and +tag removed", "Ann.Lee+crm@GMail.com", true, "annlee@gmail.com"},
		{"googlemail", "googlemail is gmail", "a.b@googlemail.com", true, "ab@gmail.com"},
		{"company tag", "+tag removed on any domain, dots kept", "a.b+x@corp.cn", true, "a.b@corp.cn"},
		{"leading plus", "a local part that is only a tag stays", "+x@y.com", true, "+x@y.com"},
		{"full width", "full-width folds", "ａｎｎ＠ｘ．ｃｏｍ", false, "ann@x.com"},
		{"no at", "not an address", "ann", false, ""},
		{"space", "white space inside", "a b@x.com", false, ""},
		{"empty domain", "nothing after @", "a@", false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := NormalizeEmail(tt.raw, tt.fold); got != tt.want {
				t.Errorf("%s: NormalizeEmail(%q, %v) = %q, want %q", tt.reason, tt.raw, tt.fold, got, tt.want)
			}
		})
	}
}

func TestJaroWinkler(t *testing.T) {
	// Published values (Winkler 1990, Table 3 as reproduced in many texts):
	// MARTHA/MARHTA 0.961, DWAYNE/DUANE 0.840, DIXON/DICKSONX 0.813.
	tests := []struct {
		a, b string
		want float64
	}{
		{"MARTHA", "MARHTA", 0.961},
		{"DWAYNE", "DUANE", 0.840},
		{"DIXON", "DICKSONX", 0.813},
		{"ABC", "XYZ", 0},
		{"SAME", "SAME", 1},
	}
	for _, tt := range tests {
		got := jaroWinkler([]rune(tt.a), []rune(tt.b))
		if !cmp.Equal(tt.want, got, cmpopts.EquateApprox(0, 0.0005)) {
			t.Errorf("JaroWinkler(%s, %s) = %.4f, want %.3f (published, ±0.0005)", tt.a, tt.b, got, tt.want)
		}
	}
}

// garbageText is n pseudo-random letters and spaces.
func garbageText(seed uint64, n int) string {
	rng := rand.New(rand.NewPCG(seed, seed))
	b := make([]byte, n)
	for i := range b {
		b[i] = "abcdefghijklmnopqrstuvwxyz   "[rng.IntN(29)]
	}
	return string(b)
}

func TestNameSimilarity(t *testing.T) {
	tests := []struct {
		name, reason, a, b string
		want               float64
	}{
		{"order", "token order does not matter", "John Smith", "Smith, John", 1},
		{"honorific", "honorifics drop", "Mr. John Smith", "john smith", 1},
		{"full width", "full-width Latin folds", "Ｊｏｈｎ Ｓｍｉｔｈ", "john smith", 1},
		{"accents", "accents fold", "José Pérez", "Jose Perez", 1},
		{"legal form", "Chinese legal forms drop", "北京华为科技有限公司", "北京华为科技", 1},
		{"bigram jaccard", "{北京,京华,华为} vs {华为}: 1/3", "北京华为", "华为", 1.0 / 3},
		{"spaces in Chinese", "spaces inside a Chinese name do not matter", "张 伟", "张伟", 1},
		{"one character", "single characters compare as unigrams", "伟", "伟", 1},
		{"traditional", "no simplified/traditional folding: 张伟 and 張偉 share no bigram", "张伟", "張偉", 0},
		{"scripts", "no transliteration between scripts", "张伟", "Zhang Wei", 0},
		{"empty", "nothing to compare", "", "Ltd", 0},
		// Jaro-Winkler is quadratic: 60,000-character names took 6 s a pair.
		{"huge Latin", "only the first 128 characters are read", strings.Repeat("ab ", 42) + "xy" + garbageText(1, 100_000), strings.Repeat("ab ", 42) + "xy" + garbageText(2, 100_000), 1},
		{"huge Han", "only the first 128 characters are read", strings.Repeat("张伟", 64) + strings.Repeat("李娜", 50_000), strings.Repeat("张伟", 64) + strings.Repeat("王芳", 50_000), 1},
		{"huge vs short", "Jaro of zq against the first 128 characters: (2/2 + 2/128 + 1)/3, no Winkler boost at or below 0.7", strings.Repeat("zq", 50_000), "zq", (2 + 2.0/128) / 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := NameSimilarity(tt.a, tt.b)
			if !cmp.Equal(tt.want, got, cmpopts.EquateApprox(0, 1e-12)) {
				t.Errorf("%s: NameSimilarity(%.40q, %.40q) = %v, want %v", tt.reason, tt.a, tt.b, got, tt.want)
			}
			if back := NameSimilarity(tt.b, tt.a); !cmp.Equal(got, back, cmpopts.EquateApprox(0, 1e-12)) {
				t.Errorf("not symmetric: %v vs %v", got, back)
			}
		})
	}
}

func TestFindDuplicates(t *testing.T) {
	book := []Customer{
		{ID: "1", Name: "Ann Lee", Phone: "+86 138 0013 8000", Email: "ann@example.com"},
		{ID: "2", Name: "Lee Ann", Phone: "13800138000"},
		{ID: "3", Name: "Bob Stone", Email: "ANN@example.com"},
		{ID: "4", Name: "北京华为科技有限公司"},
		{ID: "5", Name: "北京华为科技"},
		{ID: "6", Name: "Carol King", Phone: "010-1234 5678"},
		{ID: "7", Name: "Dave Hill", Phone: "+86 10 1234 5678", Email: "dave@x.io"},
		{ID: "8", Name: "Dave Hill", Email: "Dave@X.io"},
		{ID: "9", Name: "Someone Else"},
	}
	// Hand-computed scores with default weights: phone 0.9, email 0.9, name 0.5.
	// 1-2: phone and name (similarity 1): 1 - 0.1*0.5 = 0.95.
	// 1-3: e-mail only: 0.9.  2-3: nothing shared.
	// 4-5: name 1 after dropping 有限公司: 0.5, below the default MinScore 0.6.
	// 6-7: phone only: 0.9.   7-8: e-mail and name: 1 - 0.1*0.5 = 0.95.
	want := []DuplicatePair{
		{A: "1", B: "2", AIndex: 0, BIndex: 1, Score: 0.95, Evidence: []Evidence{{Field: "phone", Similarity: 1, A: "+8613800138000", B: "+8613800138000"}, {Field: "name", Similarity: 1, A: "ann lee", B: "lee ann"}}},
		{A: "7", B: "8", AIndex: 6, BIndex: 7, Score: 0.95, Evidence: []Evidence{{Field: "email", Similarity: 1, A: "dave@x.io", B: "dave@x.io"}, {Field: "name", Similarity: 1, A: "dave hill", B: "dave hill"}}},
		{A: "1", B: "3", AIndex: 0, BIndex: 2, Score: 0.9, Evidence: []Evidence{{Field: "email", Similarity: 1, A: "ann@example.com", B: "ann@example.com"}}},
		{A: "6", B: "7", AIndex: 5, BIndex: 6, Score: 0.9, Evidence: []Evidence{{Field: "phone", Similarity: 1, A: "+861012345678", B: "+861012345678"}}},
	}
	got, err := FindDuplicates(context.Background(), crmkit.Stream(book), &DuplicateOptions{Clusters: true})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got.Pairs, cmpopts.EquateApprox(0, 1e-12)); diff != "" {
		t.Errorf("default options: pairs (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([][]string{{"1", "2", "3"}, {"6", "7", "8"}}, got.Clusters); diff != "" {
		t.Errorf("default options: clusters (-want +got):\n%s", diff)
	}
	// With MinScore below NameWeight, a shared name alone is reported too.
	want = append(want, DuplicatePair{A: "4", B: "5", AIndex: 3, BIndex: 4, Score: 0.5, Evidence: []Evidence{{Field: "name", Similarity: 1, A: "北京华为科技", B: "北京华为科技"}}})
	got, err = FindDuplicates(context.Background(), crmkit.Stream(book), &DuplicateOptions{Clusters: true, MinScore: 0.45})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got.Pairs, cmpopts.EquateApprox(0, 1e-12)); diff != "" {
		t.Errorf("MinScore 0.45: pairs (-want +got):\n%s", diff)
	}
	wantClusters := [][]string{{"1", "2", "3"}, {"4", "5"}, {"6", "7", "8"}}
	if diff := cmp.Diff(wantClusters, got.Clusters); diff != "" {
		t.Errorf("clusters (-want +got):\n%s", diff)
	}
	if got.Customers != 9 || got.Accepted != 9 {
		t.Errorf("customers %d accepted %d, want 9 and 9", got.Customers, got.Accepted)
	}
}

func TestFindDuplicatesBadRecords(t *testing.T) {
	book := []Customer{{ID: "1", Name: "A"}, {ID: "1", Name: "B"}, {Name: "C"}}
	if _, err := FindDuplicates(context.Background(), crmkit.Stream(book), nil); !errors.Is(err, crmkit.ErrDuplicate) {
		t.Errorf("err = %v, want ErrDuplicate", err)
	}
	got, err := FindDuplicates(context.Background(), crmkit.Stream(book), &DuplicateOptions{SkipInvalid: true})
	if err != nil || got.Accepted != 1 || len(got.Skipped) != 2 || got.Customers != 3 {
		t.Errorf("skip: err %v, accepted %d, skipped %d, customers %d; want nil 1 2 3", err, got.Accepted, len(got.Skipped), got.Customers)
	}
}

func TestFindDuplicatesLargeBlock(t *testing.T) {
	// 500 customers share the surname token "wang": a large block compared
	// by window. A misspelt pair sorted next to each other is still found,
	// and the work stays near n·Window.
	var book []Customer
	for i := range 500 {
		book = append(book, Customer{ID: fmt.Sprint(i), Name: fmt.Sprintf("Wang %c%c%cxyz", 'a'+i%26, 'a'+(i/26)%26, 'a'+(i/676)%26)})
	}
	book = append(book, Customer{ID: "dup", Name: "Wang aaaqyz"}) // near "Wang aaaxyz" (i=0), sharing only the block "wang"
	got, err := FindDuplicates(context.Background(), crmkit.Stream(book), &DuplicateOptions{MaxBlock: 50, Window: 4, MinScore: 0.4})
	if err != nil {
		t.Fatal(err)
	}
	if got.LargeBlocks != 1 {
		t.Errorf("large blocks %d, want 1", got.LargeBlocks)
	}
	if got.Comparisons > int64(len(book))*4 {
		t.Errorf("comparisons %d > n·Window = %d", got.Comparisons, len(book)*4)
	}
	found := false
	for _, p := range got.Pairs {
		if p.A == "0" && p.B == "dup" {
			found = true
		}
	}
	if !found {
		t.Errorf("pair 0-dup not found; pairs: %v", got.Pairs)
	}
}

// TestFindDuplicatesAgainstBruteForce checks blocking on random books: every
// pair found is scored as a brute-force comparison scores it, and every pair
// sharing a phone or an e-mail (always in a common block) is found.
func TestFindDuplicatesAgainstBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	first := []string{"Ann", "Bob", "Cai", "Dan", "张", "李", "Eve"}
	last := []string{"Lee", "Wong", "Smith", "伟", "芳", "Smyth"}
	for round := range 20 {
		var book []Customer
		for i := range 60 {
			c := Customer{ID: fmt.Sprint(i), Name: first[rng.IntN(len(first))] + " " + last[rng.IntN(len(last))]}
			if rng.IntN(3) == 0 {
				c.Phone = fmt.Sprintf("1380013%04d", rng.IntN(15))
			}
			if rng.IntN(3) == 0 {
				c.Email = fmt.Sprintf("u%d@x.com", rng.IntN(15))
			}
			book = append(book, c)
		}
		opts := DuplicateOptions{MaxBlock: 5 + round, Window: 3, MinScore: 0.45}
		got, err := FindDuplicates(context.Background(), crmkit.Stream(book), &opts)
		if err != nil {
			t.Fatal(err)
		}
		o := opts
		o.DefaultCountry, o.NameThreshold, o.PhoneWeight, o.EmailWeight, o.NameWeight = "86", 0.85, 0.9, 0.9, 0.5
		recs := make([]dupRec, len(book))
		for i, c := range book {
			recs[i] = dupRec{phone: NormalizePhone(c.Phone, "86"), email: NormalizeEmail(c.Email, false), rawName: c.Name}
		}
		gotSet := map[[2]int]float64{}
		for _, p := range got.Pairs {
			gotSet[[2]int{p.AIndex, p.BIndex}] = p.Score
			want, ok := scorePair(&recs[p.AIndex], &recs[p.BIndex], &o)
			if !ok || !cmp.Equal(want.Score, p.Score, cmpopts.EquateApprox(0, 1e-12)) {
				t.Fatalf("round %d: pair %d-%d score %v, brute force %v (ok %v)", round, p.AIndex, p.BIndex, p.Score, want.Score, ok)
			}
		}
		for a := range recs {
			for b := a + 1; b < len(recs); b++ {
				shared := (recs[a].phone != "" && recs[a].phone == recs[b].phone) || (recs[a].email != "" && recs[a].email == recs[b].email)
				if _, ok := gotSet[[2]int{a, b}]; shared && !ok {
					t.Fatalf("round %d: pair %d-%d shares a phone or e-mail but was not found", round, a, b)
				}
			}
		}
	}
}

// TestFindDuplicatesHugeFields: names were compared in full, quadratic in
// their length (three customers with 100,000-character names took 22 s).
// Only the first 128 characters are read, in blocking and scoring alike.
func TestFindDuplicatesHugeFields(t *testing.T) {
	prefix := "Zhang Wei Trading " + strings.Repeat("x", 110)
	cs := []Customer{
		{ID: "a", Name: prefix + garbageText(1, 100_000)},
		{ID: "b", Name: prefix + garbageText(2, 100_000)},
		{ID: "c", Name: prefix + garbageText(3, 100_000), Phone: strings.Repeat("1", 100_000), Email: strings.Repeat("q", 100_000) + "@example.com"},
		{ID: "d", Name: strings.Repeat("张伟", 50_000), Phone: strings.Repeat("1", 100_000)},
	}
	got, err := FindDuplicates(context.Background(), crmkit.Stream(cs), &DuplicateOptions{MinScore: 0.4})
	if err != nil {
		t.Fatal(err)
	}
	type pair struct{ A, B, Fields string }
	var pairs []pair
	for _, p := range got.Pairs {
		var fields []string
		for _, e := range p.Evidence {
			fields = append(fields, e.Field)
			if e.Field == "name" && (utf8.RuneCountInString(e.A) > 128 || utf8.RuneCountInString(e.B) > 128) {
				t.Errorf("name evidence of %s-%s is %d and %d characters, want at most 128", p.A, p.B, len(e.A), len(e.B))
			}
		}
		pairs = append(pairs, pair{p.A, p.B, strings.Join(fields, ",")})
	}
	// a, b, c share their first 128 characters; c and d share a phone but
	// not a script.
	want := []pair{{"c", "d", "phone"}, {"a", "b", "name"}, {"a", "c", "name"}, {"b", "c", "name"}}
	if diff := cmp.Diff(want, pairs); diff != "" {
		t.Errorf("pairs (-want +got):\n%s", diff)
	}
}
