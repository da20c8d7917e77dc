package gazetteer

import (
	"slices"
	"strings"
	"sync"
	"unicode"

	"github.com/cityline/cityline/internal/org"
)

// ConfidentScore is the score from which a match is confident, provided no entry elsewhere scored
// nearly as well (see RivalMargin). Below it, a person should check the place.
const ConfidentScore = 0.75

// RivalMargin is how close another entry, in another place, may come to the best before the match
// stops being confident: two 康乐小区 in two districts, and the text does not say which.
const RivalMargin = 0.04

// PreciseMargin is how much lower a more precise entry inside the best one's place may score and still
// be preferred: "长青社区康乐家园3号楼" is the building, not the community.
const PreciseMargin = 0.1

// MaxText is how many characters of a text (after normalising) are read: an address is short, and a
// pasted document must cost no more than a long address.
const MaxText = 120

// maxCandidates is how many entries retrieval hands to scoring.
const maxCandidates = 16

// The weights of a score: how much of the entry's name the text holds, whether the places the text
// names (district, street, community) hold the entry, and how precisely the text pins it (a building
// or door number that the list has).
const (
	weightName   = 0.55
	weightAdmin  = 0.25
	weightDetail = 0.20
	coreQuality  = 0.85 // the name without its generic suffix: 康乐 or 康乐家园 for 康乐小区
	adminOnly    = 0.3  // the score of a text that names only places of the tree, no entry
)

// Matcher matches free-text addresses against a standard address list. It is built once and only read
// afterwards, so any number of goroutines may use it at once.
type Matcher struct {
	entries  []entry
	byKey    map[string]int32
	postings map[bigram][]int32

	places     []place
	admin      map[string]adminName // folded place name → places of that name
	adminFirst map[rune]bool        // runes that start a place name, to skip the rest quickly
	maxAdmin   int                  // runes of the longest place name

	scratch sync.Pool
}

type entry struct {
	Entry
	keys []nameKey
	// children are the numbered entries under this one: the buildings of a compound, the doors of a
	// road, the groups of a village (found by their address: the parent's address, then the number).
	children map[number]int32
	place    string // the code this entry vouches for: its grid, community or district (see placeOf)
	bigrams  int    // distinct bigrams of its shortest key, to rank retrieval hits
}

type nameKey struct {
	runes []rune
	by    string // "name", "alias" or "core"
}

// adminName is the places a name stands for; a short name (海勃湾 for 海勃湾区) counts only at the start
// of the text or right after another place's name, since inside a word it is often something else
// (苏海南巷 is not in 海南区).
type adminName struct {
	places []int32
	short  bool
}

type place struct {
	org.Place
	prefix string // every code under the place starts with it
}

type bigram uint64

func bigramOf(a, b rune) bigram { return bigram(uint64(a)<<32 | uint64(uint32(b))) }

// scratch is one goroutine's working memory for a match.
type scratch struct {
	hits    []uint16
	touched []int32
	row     []int // longest-common-substring dynamic programming row
}

// NewMatcher indexes entries for matching, reading the names of districts, streets and communities
// from places (the city's tree; outlines are not needed). Entries are expected valid (as stored); an
// entry with the same address key as an earlier one is left out.
func NewMatcher(entries []Entry, places []org.Place) *Matcher {
	m := &Matcher{byKey: make(map[string]int32, len(entries)), postings: map[bigram][]int32{},
		admin: map[string]adminName{}, adminFirst: map[rune]bool{}}
	m.addPlaces(places)
	for _, e := range entries {
		k := Key(e.Address)
		if _, dup := m.byKey[k]; dup || k == "" {
			continue
		}
		m.byKey[k] = int32(len(m.entries))
		m.entries = append(m.entries, entry{Entry: e, place: placeOf(e)})
	}
	for i := range m.entries {
		e := &m.entries[i]
		name := fold(e.Name)
		if n, ok := numberName(name); ok {
			addr := Key(e.Address)
			if parentKey, cut := strings.CutSuffix(addr, string(name)); cut {
				if p, found := m.byKey[parentKey]; found && int(p) != i {
					parent := &m.entries[p]
					if parent.children == nil {
						parent.children = map[number]int32{}
					}
					parent.children[n] = int32(i)
					continue // reached through its parent, never by its bare number
				}
			}
			name = []rune(addr) // a numbered entry without a parent is known by its whole address
		}
		m.index(int32(i), name)
	}
	m.scratch.New = func() any { return &scratch{hits: make([]uint16, len(m.entries))} }
	return m
}

// Len is the number of entries the matcher holds.
func (m *Matcher) Len() int { return len(m.entries) }

// placeOf is the code an entry vouches for: its grid when it is small enough to lie in one, else the
// community (a community entry) or the district (a road may cross streets).
func placeOf(e Entry) string {
	switch {
	case e.Kind.pinsGrid():
		return e.Grid
	case e.Kind == KindCommunity && len(e.Grid) >= 12:
		return e.Grid[:12]
	case len(e.Grid) >= 6:
		return e.Grid[:6]
	}
	return e.Grid
}

// index adds the entry's keys (its name, aliases and, for a compound, its name without the generic
// suffix) to the bigram postings.
func (m *Matcher) index(i int32, name []rune) {
	e := &m.entries[i]
	e.keys = append(e.keys, nameKey{name, "name"})
	for _, a := range e.Aliases {
		if k := fold(a); len(k) > 0 {
			e.keys = append(e.keys, nameKey{k, "alias"})
		}
	}
	if e.Kind == KindCompound {
		for _, k := range slices.Clone(e.keys) {
			if c := core(k.runes); c != nil {
				e.keys = append(e.keys, nameKey{c, "core"})
			}
		}
	}
	seen := map[bigram]bool{}
	shortest := 0
	for _, k := range e.keys {
		distinct := map[bigram]bool{}
		for j := 0; j+1 < len(k.runes); j++ {
			b := bigramOf(k.runes[j], k.runes[j+1])
			distinct[b] = true
			if !seen[b] {
				seen[b] = true
				m.postings[b] = append(m.postings[b], i)
			}
		}
		if n := len(distinct); n > 0 && (shortest == 0 || n < shortest) {
			shortest = n
		}
	}
	e.bigrams = max(shortest, 1)
}

// addPlaces reads the names of the city, its districts, streets and communities; a district may also be
// called without 区 (海勃湾), and the province's name in front of the city is read as the city.
func (m *Matcher) addPlaces(places []org.Place) {
	add := func(name string, i int32, short bool) {
		k := fold(name)
		if len(k) < 2 {
			return
		}
		n := m.admin[string(k)]
		n.places, n.short = append(n.places, i), short
		m.admin[string(k)] = n
		m.adminFirst[k[0]] = true
		m.maxAdmin = max(m.maxAdmin, len(k))
	}
	for _, p := range places {
		if p.Level == org.LevelGrid {
			continue
		}
		i := int32(len(m.places))
		p.Boundary = nil
		m.places = append(m.places, place{Place: p, prefix: org.ScopePrefix(p.Code, p.Level)})
		add(p.Name, i, false)
		switch p.Level {
		case org.LevelCity:
			add(strings.TrimSuffix(p.Name, "市"), i, true)
			add("内蒙古自治区"+p.Name, i, false)
		case org.LevelDistrict:
			if short := []rune(strings.TrimSuffix(p.Name, "区")); len(short) >= 2 && len(short) < len([]rune(p.Name)) {
				add(string(short), i, true)
			}
		}
	}
}

// Agreement says whether the entry lies inside the places the text names.
type Agreement string

const (
	AdminAgrees      Agreement = "agrees"      // the entry lies in the district, street or community named
	AdminContradicts Agreement = "contradicts" // it lies elsewhere
	AdminUnknown     Agreement = "unknown"     // the text names no place of the tree
)

// PlaceMention is a district, street or community (or the city) that the text names.
type PlaceMention struct {
	Code  string    `json:"code,omitempty"`
	Name  string    `json:"name,omitempty"`
	Level org.Level `json:"level"`
}

// Explanation says, part by part, why a text matched as it did, so that an order can show it.
type Explanation struct {
	Text      string `json:"text"`      // the text as read: normalised, at most MaxText characters
	Truncated bool   `json:"truncated"` // the text was longer and only its start was read
	// Places are the places of the tree the text names, the most precise consistent one last.
	Places []PlaceMention `json:"places,omitempty"`
	// PlacesConflict is set when the text names places that do not nest (a street of another district).
	PlacesConflict bool      `json:"places_conflict"`
	Outside        bool      `json:"outside"`                // the text names a province, city or district that is not this city's
	Admin          Agreement `json:"admin"`                  // whether the entry lies in the places named
	Matched        string    `json:"matched,omitempty"`      // the words of the text that matched the entry's name
	By             string    `json:"by,omitempty"`           // "name", "alias", "core" (the name without 小区, 花园, …) or "partial"
	Number         string    `json:"number,omitempty"`       // the building, door or group number after the name, e.g. 3号楼
	NumberEntry    string    `json:"number_entry,omitempty"` // the numbered entry it found: the same number, or the nearest door ("" if none)
	Rival          string    `json:"rival,omitempty"`        // the address of an entry elsewhere that matched nearly as well
}

// Match is the answer for one text.
type Match struct {
	Score float64 `json:"score"` // 0 (nothing) to 1 (every part matched and agrees)
	// Confident: Score ≥ ConfidentScore, no rival elsewhere, and the places the text names neither
	// contradict the entry nor each other. A machine may act on Place; otherwise a person decides.
	Confident bool  `json:"confident"`
	Entry     Entry `json:"entry"` // the best entry; zero when no entry matched
	// Grid is the entry's grid when the entry is small enough to pin one (a compound, building, door
	// or place); "" for a road, a community, or no entry.
	Grid string `json:"grid,omitempty"`
	// Place is the most precise place the text is known to be in: Grid, else the community, street or
	// district (the entry's, or the one the text names inside it); "" when nothing is known.
	Place string      `json:"place,omitempty"`
	Why   Explanation `json:"why"`
}

// assessment is one candidate entry, scored.
type assessment struct {
	at      int32 // the entry finally matched: the candidate, or its numbered child
	score   float64
	place   string
	matched string
	by      string
	number  string
	numEnt  string
	admin   Agreement
	quality float64
}

// Match reads text as an address and returns the entry it most likely means. Odd text (empty, emoji,
// nonsense, another city) gives a low score and no confident match, never a panic or an error.
func (m *Matcher) Match(text string) Match {
	rs := fold(text)
	why := Explanation{Admin: AdminUnknown}
	if len(rs) > MaxText {
		rs, why.Truncated = rs[:MaxText], true
	}
	why.Text = string(rs)
	if len(rs) < 2 {
		return Match{Why: why}
	}
	hits, adminAt := m.readAdmin(rs)
	why.Places, why.PlacesConflict = m.mentions(hits, adminAt)
	why.Outside = m.outside(rs, hits)
	adminCode := ""
	if adminAt >= 0 && m.places[adminAt].Level != org.LevelCity {
		adminCode = m.places[adminAt].Code
	}
	// Other entries must not match inside the names of places: 滨河大道 is not in 滨河街道.
	masked := slices.Clone(rs)
	for _, h := range hits {
		for j := h.start; j < h.end; j++ {
			masked[j] = 0
		}
	}

	sc := m.scratch.Get().(*scratch)
	defer m.scratch.Put(sc)
	var found []assessment
	for _, c := range m.candidates(sc, rs, adminCode) {
		if a, ok := m.assess(sc, c, rs, masked, adminCode, why.Outside, why.PlacesConflict); ok {
			found = append(found, a)
		}
	}
	if len(found) == 0 {
		if adminCode == "" {
			return Match{Why: why}
		}
		return Match{Score: adminOnly, Place: adminCode, Why: why}
	}
	best := found[0]
	for _, a := range found[1:] {
		if a.score > best.score || a.score == best.score && len(a.place) > len(best.place) {
			best = a
		}
	}
	// A more precise entry inside the best one's place that scored nearly as well is what the text
	// means: the compound in the community named, the junction on the road named.
	for _, a := range found {
		if a.score >= best.score-PreciseMargin && len(a.place) > len(best.place) && strings.HasPrefix(a.place, best.place) {
			best = a
		}
	}
	var rival *assessment
	for i, a := range found {
		if !nested(a.place, best.place) && (rival == nil || a.score > rival.score) {
			rival = &found[i]
		}
	}
	e := m.entries[best.at]
	match := Match{Score: best.score, Entry: e.Entry, Place: best.place, Why: why}
	match.Why.Admin, match.Why.Matched, match.Why.By = best.admin, best.matched, best.by
	match.Why.Number, match.Why.NumberEntry = best.number, best.numEnt
	if e.Kind.pinsGrid() {
		match.Grid = e.Grid
	}
	if best.admin == AdminAgrees && len(adminCode) > len(best.place) {
		match.Place = adminCode // a road in the street the text names
	}
	match.Confident = best.score >= ConfidentScore && !why.PlacesConflict && best.admin != AdminContradicts
	// A rival as well named and as well placed is one too, even when the best has a building number
	// the list lacks for the other: the list may just not have it.
	if rival != nil && (rival.score >= best.score-RivalMargin || rival.quality >= best.quality && rival.admin == best.admin) {
		match.Confident = false
		match.Why.Rival = m.entries[rival.at].Address
	}
	return match
}

// nested tells whether one code lies inside the other (or they are the same).
func nested(a, b string) bool { return strings.HasPrefix(a, b) || strings.HasPrefix(b, a) }

// adminHit is a place name found in the text.
type adminHit struct {
	start, end int
	places     []int32
}

// readAdmin finds the names of places in the text, longest first at each position, and picks the most
// precise place that the others agree with (their ancestor or itself); -1 when none is named.
func (m *Matcher) readAdmin(rs []rune) ([]adminHit, int32) {
	var hits []adminHit
	lastEnd := 0
	for i := 0; i < len(rs); {
		l := 0
		if m.adminFirst[rs[i]] {
			for l = min(m.maxAdmin, len(rs)-i); l >= 2; l-- {
				if n, ok := m.admin[string(rs[i:i+l])]; ok && (!n.short || i == lastEnd) {
					hits = append(hits, adminHit{i, i + l, n.places})
					lastEnd = i + l
					break
				}
			}
		}
		i += max(l, 1)
	}
	best, bestSupport := int32(-1), -1
	for _, h := range hits {
		for _, p := range h.places {
			support := 0
			for _, g := range hits {
				if slices.ContainsFunc(g.places, func(q int32) bool { return strings.HasPrefix(m.places[p].Code, m.places[q].prefix) }) {
					support++
				}
			}
			if support > bestSupport || support == bestSupport && len(m.places[p].Code) > len(m.places[best].Code) {
				best, bestSupport = p, support
			}
		}
	}
	return hits, best
}

// mentions lists the places named, resolved to the ones consistent with the chosen place, and says
// whether some named place lies outside it.
func (m *Matcher) mentions(hits []adminHit, chosen int32) ([]PlaceMention, bool) {
	if chosen < 0 {
		return nil, false
	}
	code := m.places[chosen].Code
	var out []PlaceMention
	conflict := false
	for _, h := range hits {
		i := slices.IndexFunc(h.places, func(q int32) bool { return strings.HasPrefix(code, m.places[q].prefix) })
		if i < 0 {
			conflict = true
			continue
		}
		p := m.places[h.places[i]]
		out = append(out, PlaceMention{Code: p.Code, Name: p.Name, Level: p.Level})
	}
	slices.SortStableFunc(out, func(a, b PlaceMention) int { return len(a.Code) - len(b.Code) })
	return slices.CompactFunc(out, func(a, b PlaceMention) bool { return a.Code == b.Code }), conflict
}

// foreignUnits are provinces and province-level cities that are not this city's; naming one means the
// address is elsewhere.
var foreignUnits = []string{"北京市", "天津市", "上海市", "重庆市", "河北省", "山西省", "辽宁省", "吉林省", "黑龙江省",
	"江苏省", "浙江省", "安徽省", "福建省", "江西省", "山东省", "河南省", "湖北省", "湖南省", "广东省", "海南省",
	"四川省", "贵州省", "云南省", "陕西省", "甘肃省", "青海省", "台湾省", "广西壮族自治区", "西藏自治区",
	"宁夏回族自治区", "新疆维吾尔自治区"}

// notDivision are characters before 区 or 市 that make a word other than a division: 小区, 社区, 园区,
// 超市, 菜市 ….
var notDivision = map[rune]bool{'小': true, '社': true, '园': true, '片': true, '城': true, '景': true, '校': true,
	'街': true, '厂': true, '矿': true, '营': true, '新': true, '发': true, '辖': true, '超': true, '菜': true,
	'夜': true, '集': true, '门': true, '股': true, '花': true, '鱼': true, '院': true, '宿': true}

// outside tells whether the text places itself in another province, city or district: it names a
// province, or it opens with a city, county, banner or district that the tree does not know.
func (m *Matcher) outside(rs []rune, hits []adminHit) bool {
	s := string(rs)
	for _, u := range foreignUnits {
		if strings.Contains(s, u) {
			return true
		}
	}
	start := 0
	for _, h := range hits {
		if h.start == start {
			start = h.end
		}
	}
	for p := start; p <= start+5 && p < len(rs); p++ {
		switch r := rs[p]; {
		case p >= start+2 && (r == '市' || r == '县' || r == '旗' || r == '区'):
			if notDivision[rs[p-1]] || p+1 < len(rs) && rs[p+1] == '场' {
				return false
			}
			return !slices.ContainsFunc(hits, func(h adminHit) bool { return h.start <= p && p < h.end })
		case !unicode.Is(unicode.Han, r):
			return false
		}
	}
	return false
}

// candidates retrieves the entries that share the most bigrams with the text, in proportion to the
// length of their names; entries inside the place the text names rank first.
func (m *Matcher) candidates(sc *scratch, rs []rune, adminCode string) []int32 {
	sc.touched = sc.touched[:0]
	var seen [MaxText]bigram
	n := 0
	for i := 0; i+1 < len(rs); i++ {
		b := bigramOf(rs[i], rs[i+1])
		if slices.Contains(seen[:n], b) {
			continue
		}
		seen[n] = b
		n++
		for _, e := range m.postings[b] {
			if sc.hits[e] == 0 {
				sc.touched = append(sc.touched, e)
			}
			sc.hits[e]++
		}
	}
	type ranked struct {
		at   int32
		rank float64
	}
	var top [maxCandidates]ranked
	k := 0
	for _, e := range sc.touched {
		en := &m.entries[e]
		r := float64(sc.hits[e]) / float64(en.bigrams)
		sc.hits[e] = 0
		if adminCode != "" && nested(en.place, adminCode) {
			r += 0.5
		}
		if k < maxCandidates {
			top[k] = ranked{e, r}
			k++
		} else if r > top[k-1].rank {
			top[k-1] = ranked{e, r}
		} else {
			continue
		}
		for j := k - 1; j > 0 && top[j].rank > top[j-1].rank; j-- {
			top[j], top[j-1] = top[j-1], top[j]
		}
	}
	out := make([]int32, k)
	for i := range k {
		out[i] = top[i].at
	}
	return out
}

// assess scores one candidate against the text: its best name match, the number after it, and
// whether the places named agree.
func (m *Matcher) assess(sc *scratch, c int32, rs, masked []rune, adminCode string, outside, conflict bool) (assessment, bool) {
	e := &m.entries[c]
	text := masked
	if e.Kind == KindCommunity {
		text = rs // a community is named by the very words that name a place of the tree
	}
	a := assessment{at: c}
	end := -1
	for _, k := range e.keys {
		q := 1.0
		if k.by == "core" {
			q = coreQuality
		}
		if q <= a.quality {
			continue
		}
		if i := indexRunes(text, k.runes); i >= 0 && (k.by != "core" || coreEnds(text, i+len(k.runes))) {
			a.quality, a.by, a.matched, end = q, k.by, string(k.runes), i+len(k.runes)
		}
	}
	if a.quality == 0 {
		k := e.keys[0].runes // the name, or for a compound the name without its generic suffix
		if i := slices.IndexFunc(e.keys, func(k nameKey) bool { return k.by == "core" }); i >= 0 {
			k = e.keys[i].runes
		}
		length, at := longestCommon(sc, text, k)
		if length < 2 || 2*length < len(k) || length == len(k) { // the whole of it was refused above
			return a, false
		}
		a.quality, a.by, a.matched, end = coreQuality*float64(length)/float64(len(k)), "partial", string(text[at-length:at]), at
	}
	end += suffixAt(text, end)

	detail := 0.8
	switch e.Kind {
	case KindRoad:
		detail = 0.4
	case KindCommunity:
		detail = 0.6
	}
	if num, next, ok := numberAt(text, end); ok {
		a.number = num.String()
		detail = 0.5
		if child, exact, found := m.child(c, num); found {
			a.at, a.numEnt = child, m.entries[child].Name
			detail = 0.8
			if exact {
				detail = 1
				if num2, _, ok := numberAt(text, next); ok { // a village's group, then the house in it
					if grand, exact, found := m.child(child, num2); found && exact {
						a.at, a.number, a.numEnt = grand, a.number+num2.String(), m.entries[grand].Name
					}
				}
			}
		}
	}

	a.place = m.entries[a.at].place
	admin := 0.5
	a.admin = AdminUnknown
	if adminCode != "" {
		if nested(a.place, adminCode) {
			admin, a.admin = 1, AdminAgrees
		} else {
			admin, a.admin = 0, AdminContradicts
		}
	}
	switch {
	case outside:
		admin = 0
	case conflict:
		admin = min(admin, 0.5) // the places named do not fit together: they vouch for nothing
	}
	a.score = weightName*a.quality + weightAdmin*admin + weightDetail*detail
	if outside {
		a.score /= 2
	}
	return a, true
}

// otherNames are characters that, right after a compound's name without its suffix, show the words
// name something else: 人民 in 人民路 is not 人民小区.
const otherNames = "路街道巷村区镇乡社桥广场医院校学馆站厂市店"

// coreEnds tells whether a compound's name without its suffix, found in text ending at end, stands
// for the compound: what follows is nothing, a number, a suffix (康乐家园), or no other kind of name.
func coreEnds(text []rune, end int) bool {
	return end == len(text) || isDigit(text[end]) || suffixAt(text, end) > 0 || !strings.ContainsRune(otherNames, text[end])
}

// nearestDoor is how far a door number may be from the one asked for and still stand for it.
const nearestDoor = 10

// child finds the numbered entry under parent: the number itself (exact), else the same number as a
// building or a door (3号 for 3号楼), else for a door the nearest listed door on that road.
func (m *Matcher) child(parent int32, num number) (int32, bool, bool) {
	kids := m.entries[parent].children
	if len(kids) == 0 {
		return 0, false, false
	}
	if c, ok := kids[num]; ok {
		return c, true, true
	}
	other := map[string]string{"号": "号楼", "号楼": "号"}[num.unit]
	if c, ok := kids[number{num.n, other}]; ok && other != "" {
		return c, false, true
	}
	if num.unit != "号" {
		return 0, false, false
	}
	best, bestGap := int32(0), nearestDoor+1
	for n, c := range kids {
		if gap := abs(n.n - num.n); n.unit == "号" && (gap < bestGap || gap == bestGap && c < best) {
			best, bestGap = c, gap
		}
	}
	return best, false, bestGap <= nearestDoor
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// indexRunes is strings.Index over runes.
func indexRunes(s, sub []rune) int {
	for i := 0; i+len(sub) <= len(s); i++ {
		if slices.Equal(s[i:i+len(sub)], sub) {
			return i
		}
	}
	return -1
}

// longestCommon returns the length of the longest run that text and key share, and where it ends in
// text. Masked runes (0) never match.
func longestCommon(sc *scratch, text, key []rune) (length, end int) {
	if cap(sc.row) < len(key)+1 {
		sc.row = make([]int, len(key)+1)
	}
	row := sc.row[:len(key)+1]
	clear(row)
	for i := 1; i <= len(text); i++ {
		for j := len(key); j >= 1; j-- {
			if text[i-1] == key[j-1] && text[i-1] != 0 {
				row[j] = row[j-1] + 1
				if row[j] > length {
					length, end = row[j], i
				}
			} else {
				row[j] = 0
			}
		}
	}
	return length, end
}
