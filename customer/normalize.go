package customer

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// NormalizePhone returns a phone number in a canonical form for matching:
// "+" followed by the country calling code and the national number, digits
// only, or "" when raw holds fewer than six significant digits.
//
// The rules, in order: an extension after "x", "ext", "#", "转" or ";" is
// dropped; a "(0)" (as in "+44 (0)20 …") is dropped; full-width digits are
// folded to ASCII; every other non-digit is dropped. A number that starts
// with "+" or "00" is international; zeros right after defaultCountry's code
// are removed ("+86 010 …" becomes "+8610…"). Any other number is national:
// its leading zeros (the trunk prefix, as in "010-…") are removed and
// defaultCountry's code is put in front, except when the digits already
// start with that code and ten or more digits follow it ("8613812345678" is
// taken as +86 138…). defaultCountry is a calling code ("86", "1", "+44";
// its non-digits are ignored); with "" national numbers keep no code and no
// "+".
//
// Only "00" is recognised as an international prefix (as in China and most
// of Europe); a North American "011" is read as a national number.
func NormalizePhone(raw, defaultCountry string) string {
	s := raw
	// Cutting at "x" also cuts "ext" and "Ext." (the "e" left is no digit).
	if i := strings.IndexAny(s, "xX#;转"); i >= 0 {
		s = s[:i]
	}
	s = strings.ReplaceAll(s, "(0)", "")
	s = strings.TrimSpace(s)
	plus := strings.HasPrefix(s, "+") || strings.HasPrefix(s, "＋")
	var b strings.Builder
	b.Grow(len(s) + 1)
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r >= '０' && r <= '９':
			b.WriteRune(r - '０' + '0')
		}
	}
	d := b.String()
	cc := strings.TrimLeft(strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, defaultCountry), "0")
	intl := plus
	if !intl && strings.HasPrefix(d, "00") {
		intl = true
		d = d[2:]
	}
	d = strings.TrimLeft(d, "0")
	if !intl && cc != "" && strings.HasPrefix(d, cc) && len(d)-len(cc) >= 10 {
		intl = true // "8613812345678": the code without "+"
	}
	switch {
	case intl:
		if cc != "" && strings.HasPrefix(d, cc) {
			d = cc + strings.TrimLeft(d[len(cc):], "0")
		}
	case cc != "":
		d = cc + d
	}
	sig := len(d)
	if intl || cc != "" {
		sig -= len(cc) // roughly: the national part must be long enough
	}
	if sig < 6 {
		return ""
	}
	if intl || cc != "" {
		return "+" + d
	}
	return d
}

// NormalizeEmail returns an e-mail address in a canonical form for matching,
// or "" when raw is not shaped like one (no "@", nothing before or after
// it, or white space inside). The address is trimmed, full-width characters
// are folded to ASCII and letters are lower-cased.
//
// With fold, provider aliases are folded too: "googlemail.com" becomes
// "gmail.com", dots in a Gmail local part are removed, and a "+tag" sub-
// address is removed for every domain ("a.b+news@gmail.com" and
// "ab@gmail.com" match). Fold is off by default in [DuplicateOptions]
// because on many company domains "a.b" and "ab" are different people.
func NormalizeEmail(raw string, fold bool) string {
	s := strings.ToLower(foldWidth(strings.TrimSpace(raw)))
	at := strings.LastIndexByte(s, '@')
	if at <= 0 || at == len(s)-1 || strings.ContainsFunc(s, unicode.IsSpace) {
		return ""
	}
	local, domain := s[:at], s[at+1:]
	if fold {
		if domain == "googlemail.com" {
			domain = "gmail.com"
		}
		if i := strings.IndexByte(local, '+'); i > 0 {
			local = local[:i]
		}
		if domain == "gmail.com" {
			local = strings.ReplaceAll(local, ".", "")
		}
		if local == "" {
			return ""
		}
	}
	return local + "@" + domain
}

// foldWidth folds full-width ASCII variants (U+FF01–U+FF5E) and the
// ideographic space to their half-width forms.
func foldWidth(s string) string {
	if !strings.ContainsFunc(s, func(r rune) bool { return (r >= 0xFF01 && r <= 0xFF5E) || r == 0x3000 }) {
		return s
	}
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 0xFF01 && r <= 0xFF5E:
			return r - 0xFEE0
		case r == 0x3000:
			return ' '
		}
		return r
	}, s)
}

// latinFold maps common accented Latin letters to their base letter.
var latinFold = map[rune]rune{
	'à': 'a', 'á': 'a', 'â': 'a', 'ã': 'a', 'ä': 'a', 'å': 'a', 'ā': 'a',
	'ç': 'c', 'č': 'c', 'ć': 'c',
	'è': 'e', 'é': 'e', 'ê': 'e', 'ë': 'e', 'ē': 'e', 'ě': 'e',
	'ì': 'i', 'í': 'i', 'î': 'i', 'ï': 'i', 'ī': 'i',
	'ñ': 'n', 'ń': 'n', 'ň': 'n',
	'ò': 'o', 'ó': 'o', 'ô': 'o', 'õ': 'o', 'ö': 'o', 'ø': 'o', 'ō': 'o',
	'ù': 'u', 'ú': 'u', 'û': 'u', 'ü': 'u', 'ū': 'u', 'ǖ': 'u', 'ǘ': 'u', 'ǚ': 'u', 'ǜ': 'u',
	'ý': 'y', 'ÿ': 'y', 'š': 's', 'ś': 's', 'ž': 'z', 'ź': 'z', 'ż': 'z', 'ł': 'l', 'ř': 'r',
}

// stopTokens are honorifics and legal forms that say nothing about
// who a customer is.
var stopTokens = map[string]bool{
	"mr": true, "mrs": true, "ms": true, "miss": true, "dr": true, "prof": true,
	"ltd": true, "limited": true, "inc": true, "co": true, "corp": true, "llc": true,
	"gmbh": true, "ag": true, "sa": true, "plc": true, "company": true, "the": true,
}

// hanSuffixes are Chinese legal forms, longest first.
var hanSuffixes = []string{"股份有限公司", "有限责任公司", "有限公司", "集团公司", "集团", "公司", "先生", "女士", "小姐"}

// preparedName is a name prepared for matching.
type preparedName struct {
	latin  []rune   // sorted Latin tokens joined by one space
	order  []rune   // Latin tokens in the given order, joined by one space
	han    []uint64 // sorted, distinct bigrams (or the single character) of the Han part
	tokens []string // Latin tokens and Han runs, for blocking
}

func isHan(r rune) bool { return unicode.Is(unicode.Han, r) }

// nameMaxRunes is how much of a name is compared: Jaro-Winkler is
// quadratic in length, and no real name is longer.
const nameMaxRunes = 128

// prepareName keeps the first nameMaxRunes characters, folds width, case and accents, splits tokens (a run of
// Han characters is one token), drops honorifics and legal forms, and
// precomputes what the similarity measures need.
func prepareName(s string) preparedName {
	runes := 0
	for i := range s {
		if runes == nameMaxRunes {
			s = s[:i]
			break
		}
		runes++
	}
	s = foldWidth(s)
	var tokens []string
	var cur []rune
	curHan := false
	flush := func() {
		if len(cur) > 0 {
			tokens = append(tokens, string(cur))
			cur = cur[:0]
		}
	}
	for _, r := range s {
		r = unicode.ToLower(r)
		if f, ok := latinFold[r]; ok {
			r = f
		}
		han := isHan(r)
		switch {
		case han:
			if !curHan {
				flush()
			}
			cur = append(cur, r)
			curHan = true
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			if curHan {
				flush()
			}
			cur = append(cur, r)
			curHan = false
		default:
			flush()
			curHan = false
		}
	}
	flush()
	var n preparedName
	var latin []string
	var hanRunes []rune
	for _, t := range tokens {
		r0, _ := utf8.DecodeRuneInString(t)
		if isHan(r0) {
			for _, suf := range hanSuffixes {
				if strings.HasSuffix(t, suf) && utf8.RuneCountInString(t)-utf8.RuneCountInString(suf) >= 2 {
					t = strings.TrimSuffix(t, suf)
					break
				}
			}
			n.tokens = append(n.tokens, t)
			hanRunes = append(hanRunes, []rune(t)...)
			continue
		}
		if stopTokens[t] {
			continue
		}
		latin = append(latin, t)
		n.tokens = append(n.tokens, t)
	}
	if len(latin) > 0 {
		n.order = []rune(strings.Join(latin, " "))
		sorted := slices.Clone(latin)
		slices.Sort(sorted)
		n.latin = []rune(strings.Join(sorted, " "))
	}
	switch len(hanRunes) {
	case 0:
	case 1:
		n.han = []uint64{uint64(hanRunes[0])}
	default:
		for i := 1; i < len(hanRunes); i++ {
			n.han = append(n.han, uint64(hanRunes[i-1])<<32|uint64(hanRunes[i]))
		}
		slices.Sort(n.han)
		n.han = slices.Compact(n.han)
	}
	return n
}

// NameSimilarity scores how alike two person or company names are, in
// [0, 1]. Both names are folded first: full-width to half-width, case,
// common Latin accents, honorifics and legal forms ("Mr", "Ltd",
// "有限公司") dropped. When both names contain Chinese characters, the score
// is the Jaccard index of their character bigrams (of the single character
// for one-character names), so word order and spacing matter little. When
// neither does, it is the Jaro-Winkler similarity of the tokens sorted
// alphabetically or in the given order, whichever is higher, so "Smith,
// John" matches "John Smith". A Chinese name against a Latin one scores 0:
// there is no transliteration. Two names that fold to nothing score 0.
// Only the first 128 characters (runes) of each name are read, so the cost
// of a comparison is bounded however long the host's data.
func NameSimilarity(a, b string) float64 {
	na, nb := prepareName(a), prepareName(b)
	return nameSim(&na, &nb)
}

func nameSim(a, b *preparedName) float64 {
	if len(a.han) > 0 && len(b.han) > 0 {
		return jaccardIndex(a.han, b.han)
	}
	if len(a.han) > 0 || len(b.han) > 0 || len(a.latin) == 0 || len(b.latin) == 0 {
		return 0
	}
	s := jaroWinkler(a.latin, b.latin)
	if s < 1 {
		s = max(s, jaroWinkler(a.order, b.order))
	}
	return s
}

// jaccardIndex is |a∩b| / |a∪b| of two sorted sets.
func jaccardIndex(a, b []uint64) float64 {
	i, j, inter := 0, 0, 0
	for i < len(a) && j < len(b) {
		switch {
		case a[i] == b[j]:
			inter++
			i++
			j++
		case a[i] < b[j]:
			i++
		default:
			j++
		}
	}
	union := len(a) + len(b) - inter
	if union == 0 {
		return 0
	}
	return float64(inter) / float64(union)
}

// jaroWinkler is the Jaro-Winkler similarity with prefix scale 0.1,
// a common prefix of at most four, and the boost applied when the Jaro
// similarity exceeds 0.7 (Winkler 1990).
func jaroWinkler(a, b []rune) float64 {
	if len(a) == 0 || len(b) == 0 {
		return 0
	}
	if slices.Equal(a, b) {
		return 1
	}
	if len(a) > len(b) {
		a, b = b, a
	}
	window := max(len(b)/2-1, 0)
	// Names are short: use stack buffers when they fit.
	var ma, mb [64]bool
	am, bm := ma[:0], mb[:0]
	if len(a) > 64 || len(b) > 64 {
		am, bm = make([]bool, len(a)), make([]bool, len(b))
	} else {
		am, bm = ma[:len(a)], mb[:len(b)]
	}
	matches := 0
	for i, r := range a {
		lo, hi := max(0, i-window), min(len(b), i+window+1)
		for j := lo; j < hi; j++ {
			if !bm[j] && b[j] == r {
				am[i], bm[j] = true, true
				matches++
				break
			}
		}
	}
	if matches == 0 {
		return 0
	}
	trans, j := 0, 0
	for i := range a {
		if !am[i] {
			continue
		}
		for !bm[j] {
			j++
		}
		if a[i] != b[j] {
			trans++
		}
		j++
	}
	m := float64(matches)
	jaro := (m/float64(len(a)) + m/float64(len(b)) + (m-float64(trans)/2)/m) / 3
	if jaro <= 0.7 {
		return jaro
	}
	prefix := 0
	for prefix < min(4, len(a)) && a[prefix] == b[prefix] {
		prefix++
	}
	return jaro + float64(prefix)*0.1*(1-jaro)
}
