package customer

import (
	"cmp"
	"context"
	"iter"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/crmkit/crmkit"
)

// DuplicateOptions tunes [FindDuplicates]. A nil pointer or the zero value
// means the defaults documented on each field. Only read, so it may be
// shared by concurrent calls.
type DuplicateOptions struct {
	// DefaultCountry is the calling code for phone numbers written without
	// one (see [NormalizePhone]); "" means "86".
	DefaultCountry string
	// FoldEmail folds Gmail dots and "+tag" sub-addresses (see
	// [NormalizeEmail]). Off by default.
	FoldEmail bool
	// MinScore is the lowest score reported as a likely duplicate; 0 means
	// 0.6. With the default weights a shared phone or e-mail is enough on
	// its own, and a similar name only corroborates: identical names are
	// common (there are many 张伟 and many John Smiths), so name alone
	// (at most NameWeight) stays below MinScore. Lower MinScore below
	// NameWeight to also get pairs that share only a similar name; only then
	// does FindDuplicates block on name tokens, which costs more work.
	MinScore float64
	// NameThreshold is the lowest [NameSimilarity] that counts as evidence;
	// 0 means 0.85.
	NameThreshold float64
	// PhoneWeight, EmailWeight and NameWeight are how much each kind of
	// evidence weighs, in (0, 1]; 0 means 0.9, 0.9 and 0.5; a negative
	// weight ignores that kind of evidence. The score of a pair is
	// 1 - Π(1 - weight·similarity) over its evidence: independent pieces of
	// evidence add up without exceeding 1.
	PhoneWeight, EmailWeight, NameWeight float64
	// MaxBlock is the largest block compared pair by pair; 0 means 64.
	// Customers sharing a key (a phone, an e-mail, a name token) form a
	// block. A larger block — a common surname, a company bigram like
	// "科技" — is sorted by name and each customer is compared with the next
	// Window customers only (the sorted-neighbourhood method), so work stays
	// linear in the number of customers.
	MaxBlock int
	// Window is the neighbourhood in large blocks; 0 means 8.
	Window int
	// Clusters groups the pairs into clusters (connected components).
	Clusters bool
	// SkipInvalid skips customers without an ID or repeating one, and
	// stream errors, instead of stopping; the result lists them.
	SkipInvalid bool
}

// Evidence is one reason two customers look alike. A and B are the
// normalised values compared. A plain value.
type Evidence struct {
	Field      string  `json:"field"` // "phone", "email" or "name"
	Similarity float64 `json:"similarity"`
	A          string  `json:"a"`
	B          string  `json:"b"`
}

// DuplicatePair is two customers that are likely the same. A is the one
// that came first in the stream; AIndex and BIndex are stream positions.
// Score is in [0, 1]. A plain value; the zero value pairs nobody.
type DuplicatePair struct {
	A        string     `json:"a"`
	B        string     `json:"b"`
	AIndex   int        `json:"a_index"`
	BIndex   int        `json:"b_index"`
	Score    float64    `json:"score"`
	Evidence []Evidence `json:"evidence"`
}

// Duplicates is the result of [FindDuplicates]. Pairs are sorted by score,
// highest first, then by AIndex and BIndex. Clusters, when asked for, list
// customer IDs in stream order, clusters ordered by their first customer.
// Customers == Accepted + len(Skipped); the zero value is an empty result.
// FindDuplicates does not keep it: the caller owns it.
type Duplicates struct {
	Customers   int             `json:"customers"`
	Accepted    int             `json:"accepted"`
	Skipped     []Offender      `json:"skipped,omitempty"`
	Pairs       []DuplicatePair `json:"pairs"`
	Clusters    [][]string      `json:"clusters,omitempty"`
	Blocks      int             `json:"blocks"`       // blocks with two or more customers
	LargeBlocks int             `json:"large_blocks"` // of which compared by window
	Comparisons int64           `json:"comparisons"`  // pairs scored
}

type dupRec struct {
	phone, email string
	rawName      string
	name         *preparedName // nil until prepare; a pointer keeps records small
	sortName     string
	keys         []int32 // sorted key IDs
}

// FindDuplicates finds likely duplicate customers in a stream: customers
// that share a normalised phone number or e-mail address, or whose names
// are similar (see [NameSimilarity]), scored and with the evidence. It reads
// the stream once and keeps one small record per customer; blocking on
// shared keys keeps the number of comparisons near-linear (see
// [DuplicateOptions.MaxBlock]), so a million customers take seconds.
//
// A pair compared in several blocks is scored once. Customers without an ID,
// repeating one, or stream errors stop FindDuplicates with a
// [*crmkit.RecordError] unless [DuplicateOptions.SkipInvalid] is set. Only
// customers the blocking brings together are compared: two records with no
// phone, e-mail or name token (prefix) in common are never paired. Names
// are read up to their first 128 characters, in blocking and scoring alike
// (see [NameSimilarity]). Honours ctx.
func FindDuplicates(ctx context.Context, customers iter.Seq2[Customer, error], opts *DuplicateOptions) (*Duplicates, error) {
	var o DuplicateOptions
	if opts != nil {
		o = *opts
	}
	if o.DefaultCountry == "" {
		o.DefaultCountry = "86"
	}
	def := func(v, d float64) float64 {
		if v == 0 {
			return d
		}
		return v
	}
	o.MinScore = def(o.MinScore, 0.6)
	o.NameThreshold = def(o.NameThreshold, 0.85)
	o.PhoneWeight = def(o.PhoneWeight, 0.9)
	o.EmailWeight = def(o.EmailWeight, 0.9)
	o.NameWeight = def(o.NameWeight, 0.5)
	if o.MaxBlock <= 1 {
		o.MaxBlock = 64
	}
	if o.Window <= 0 {
		o.Window = 8
	}
	for _, w := range []*float64{&o.PhoneWeight, &o.EmailWeight, &o.NameWeight} {
		*w = min(*w, 1)
	}

	// A pair can reach MinScore on its name alone only when NameWeight does;
	// otherwise it must share a phone or an e-mail, and names need no blocks.
	nameBlocks := o.NameWeight > 0 && o.NameWeight >= o.MinScore
	res := &Duplicates{}
	keyID := map[string]int32{}
	var keyCount []int32
	var recs []dupRec
	var ids []string
	var index []int // stream position of each accepted record
	seen := map[string]struct{}{}
	var kb strings.Builder
	addKey := func(r *dupRec, k string) {
		id, ok := keyID[k]
		if !ok {
			id = int32(len(keyCount))
			keyID[k] = id
			keyCount = append(keyCount, 0)
		}
		if !slices.Contains(r.keys, id) {
			r.keys = append(r.keys, id)
			keyCount[id]++
		}
	}
	i := -1
	if customers != nil {
		for c, err := range customers {
			i++
			if i&1023 == 0 {
				if cerr := ctx.Err(); cerr != nil {
					return nil, cerr
				}
			}
			res.Customers++
			var e *crmkit.RecordError
			switch {
			case err != nil:
				e = &crmkit.RecordError{Kind: KindCustomer, Index: i, Err: err}
			case c.ID == "":
				e = crmkit.Errorf(KindCustomer, i, "", "id", crmkit.ErrMissing, "")
			default:
				if _, dup := seen[c.ID]; dup {
					e = crmkit.Errorf(KindCustomer, i, c.ID, "id", crmkit.ErrDuplicate, "")
				}
			}
			if e != nil {
				if !o.SkipInvalid {
					return nil, e
				}
				name := ProblemStream
				if e.Field != "" {
					name = problemName(e.Err)
				}
				res.Skipped = append(res.Skipped, Offender{Kind: e.Kind, Index: e.Index, ID: e.ID, Field: e.Field, Problem: name, Message: e.Error()})
				continue
			}
			seen[c.ID] = struct{}{}
			res.Accepted++
			r := dupRec{rawName: c.Name}
			if o.PhoneWeight > 0 {
				r.phone = NormalizePhone(c.Phone, o.DefaultCountry)
			}
			if o.EmailWeight > 0 {
				r.email = NormalizeEmail(c.Email, o.FoldEmail)
			}
			if r.phone != "" {
				addKey(&r, r.phone) // starts with "+" or a digit
			}
			if r.email != "" {
				addKey(&r, r.email) // holds "@"; name keys (h…, t…) never do
			}
			if nameBlocks {
				r.prepare()
				for _, t := range r.name.tokens {
					r0, _ := utf8.DecodeRuneInString(t)
					if isHan(r0) {
						rs := []rune(t)
						if len(rs) == 1 {
							addKey(&r, "h"+t)
						}
						for j := 1; j < len(rs); j++ {
							kb.Reset()
							kb.WriteByte('h')
							kb.WriteRune(rs[j-1])
							kb.WriteRune(rs[j])
							addKey(&r, kb.String())
						}
						continue
					}
					rs := []rune(t)
					if len(rs) < 2 {
						continue
					}
					addKey(&r, "t"+string(rs[:min(4, len(rs))]))
				}
			}
			slices.Sort(r.keys)
			recs = append(recs, r)
			ids = append(ids, c.ID)
			index = append(index, i)
		}
	}
	keyID = nil

	// Counting sort of (key, record) into contiguous blocks.
	start := make([]int32, len(keyCount)+1)
	for k, n := range keyCount {
		start[k+1] = start[k] + n
	}
	members := make([]int32, start[len(keyCount)])
	fill := slices.Clone(start[:len(keyCount)])
	for ri := range recs {
		for _, k := range recs[ri].keys {
			members[fill[k]] = int32(ri)
			fill[k]++
		}
	}
	fill = nil
	large := func(k int32) bool { return keyCount[k] > int32(o.MaxBlock) }

	type pairKey struct{ a, b int32 }
	found := map[pairKey]int{} // → index in res.Pairs
	compare := func(block int32, a, b int32) {
		if a > b {
			a, b = b, a
		}
		// Score the pair only in the first full-size block the two share;
		// when they share only large blocks, in each (found dedupes).
		ka, kb := recs[a].keys, recs[b].keys
		x, y := 0, 0
		for x < len(ka) && y < len(kb) {
			switch {
			case ka[x] == kb[y]:
				if !large(ka[x]) {
					if ka[x] != block {
						return
					}
					goto score
				}
				x++
				y++
			case ka[x] < kb[y]:
				x++
			default:
				y++
			}
		}
		if !large(block) {
			return
		}
	score:
		if _, dup := found[pairKey{a, b}]; dup {
			return
		}
		res.Comparisons++
		p, ok := scorePair(&recs[a], &recs[b], &o)
		if !ok {
			return
		}
		p.A, p.B, p.AIndex, p.BIndex = ids[a], ids[b], index[a], index[b]
		found[pairKey{a, b}] = len(res.Pairs)
		res.Pairs = append(res.Pairs, p)
	}
	var buf []int32
	for k := range keyCount {
		if k&255 == 0 {
			if cerr := ctx.Err(); cerr != nil {
				return nil, cerr
			}
		}
		m := members[start[k]:start[k+1]]
		if len(m) < 2 {
			continue
		}
		res.Blocks++
		if !large(int32(k)) {
			for x := range m {
				for y := x + 1; y < len(m); y++ {
					compare(int32(k), m[x], m[y])
				}
			}
			continue
		}
		res.LargeBlocks++
		buf = append(buf[:0], m...)
		for _, r := range buf {
			recs[r].prepare()
		}
		slices.SortFunc(buf, func(p, q int32) int {
			return cmp.Or(strings.Compare(recs[p].sortName, recs[q].sortName), cmp.Compare(p, q))
		})
		for x := range buf {
			for y := x + 1; y < len(buf) && y <= x+o.Window; y++ {
				compare(int32(k), buf[x], buf[y])
			}
		}
	}
	slices.SortFunc(res.Pairs, func(p, q DuplicatePair) int {
		return cmp.Or(cmp.Compare(q.Score, p.Score), cmp.Compare(p.AIndex, q.AIndex), cmp.Compare(p.BIndex, q.BIndex))
	})
	if res.Pairs == nil {
		res.Pairs = []DuplicatePair{}
	}
	if o.Clusters {
		res.Clusters = duplicateClusters(res.Pairs, ids, index)
	}
	return res, nil
}

// tokens0Han returns the Han tokens joined, as a sort key for large blocks.
func (n *preparedName) tokens0Han() string {
	var b strings.Builder
	for _, t := range n.tokens {
		r0, _ := utf8.DecodeRuneInString(t)
		if isHan(r0) {
			b.WriteString(t)
		}
	}
	return b.String()
}

func scorePair(a, b *dupRec, o *DuplicateOptions) (DuplicatePair, bool) {
	var ev []Evidence
	miss := 1.0
	if a.phone != "" && a.phone == b.phone {
		ev = append(ev, Evidence{Field: "phone", Similarity: 1, A: a.phone, B: b.phone})
		miss *= 1 - o.PhoneWeight
	}
	if a.email != "" && a.email == b.email {
		ev = append(ev, Evidence{Field: "email", Similarity: 1, A: a.email, B: b.email})
		miss *= 1 - o.EmailWeight
	}
	if o.NameWeight > 0 {
		a.prepare()
		b.prepare()
		if s := nameSim(a.name, b.name); s >= o.NameThreshold && s > 0 {
			ev = append(ev, Evidence{Field: "name", Similarity: s, A: a.name.display(), B: b.name.display()})
			miss *= 1 - o.NameWeight*s
		}
	}
	score := 1 - miss
	if len(ev) == 0 || score < o.MinScore {
		return DuplicatePair{}, false
	}
	return DuplicatePair{Score: score, Evidence: ev}, true
}

// prepare folds the name once, when a comparison first needs it: with the
// default options most customers share no key and are never prepared.
func (r *dupRec) prepare() {
	if r.name != nil {
		return
	}
	n := prepareName(r.rawName)
	r.name = &n
	r.sortName = string(r.name.latin) + r.name.tokens0Han()
}

// display is the folded name as compared.
func (n *preparedName) display() string { return strings.Join(n.tokens, " ") }

// duplicateClusters joins pairs into connected components (union-find with
// path halving and union by index, so the root is the earliest record).
func duplicateClusters(pairs []DuplicatePair, ids []string, index []int) [][]string {
	pos := make(map[int]int, len(index)) // stream index → record
	for r, i := range index {
		pos[i] = r
	}
	parent := map[int]int{}
	find := func(x int) int {
		if _, ok := parent[x]; !ok {
			parent[x] = x
		}
		for parent[x] != x {
			parent[x] = parent[parent[x]]
			x = parent[x]
		}
		return x
	}
	for _, p := range pairs {
		ra, rb := find(pos[p.AIndex]), find(pos[p.BIndex])
		if ra == rb {
			continue
		}
		if rb < ra {
			ra, rb = rb, ra
		}
		parent[rb] = ra
	}
	groups := map[int][]int{}
	for x := range parent {
		r := find(x)
		groups[r] = append(groups[r], x)
	}
	var out [][]int
	for _, g := range groups {
		slices.Sort(g)
		out = append(out, g)
	}
	slices.SortFunc(out, func(a, b []int) int { return cmp.Compare(a[0], b[0]) })
	clusters := make([][]string, len(out))
	for i, g := range out {
		for _, r := range g {
			clusters[i] = append(clusters[i], ids[r])
		}
	}
	return clusters
}
