package triage

import (
	"hash/fnv"
	"math"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Report is what duplicate detection compares of an order.
type Report struct {
	ID, Number  string
	Category    string
	Title       string
	Description string
	Address     string
	Lng, Lat    float64
	PlaceCode   string
	CallerPhone string
	At          time.Time
}

// Duplicate is an earlier order that is likely the same matter, with the evidence.
type Duplicate struct {
	ID      string   `json:"id"`
	Number  string   `json:"number"`
	Score   float64  `json:"score"` // 0..1
	Reasons []string `json:"reasons"`
}

// DuplicateThreshold is the score from which an earlier order is offered for merging (并单). It was
// chosen on the labelled pairs of TestDuplicatePrecisionRecall, where it keeps precision high: a
// wrong merge silences a citizen, a missed one only costs a unit a second reply.
const DuplicateThreshold = 0.7

// Duplicate windows: how far back candidates are looked for.
const (
	SameCallerWindow = 30 * 24 * time.Hour
	NearbyWindow     = 7 * 24 * time.Hour
)

// FindDuplicates scores every candidate against the new order and returns those above the threshold,
// most likely first.
func FindDuplicates(o Report, candidates []Report) []Duplicate {
	terms := bigrams(o.Title + " " + o.Description)
	var out []Duplicate
	for _, c := range candidates {
		if c.ID == o.ID {
			continue
		}
		score, reasons := duplicateScore(o, c, terms)
		if score >= DuplicateThreshold {
			out = append(out, Duplicate{ID: c.ID, Number: c.Number, Score: score, Reasons: reasons})
		}
	}
	slices.SortStableFunc(out, func(a, b Duplicate) int {
		switch {
		case a.Score > b.Score:
			return -1
		case a.Score < b.Score:
			return 1
		}
		return strings.Compare(a.Number, b.Number)
	})
	return out
}

// duplicateScore weighs the evidence that c reports the same matter as o: the same spot (the part of
// the address after what the two share — district, street, community — and the distance), the same
// category, similar words, the same caller, close in time. No single piece suffices: neighbours
// reporting different things from one building are not duplicates, nor are two compounds of one
// street with the same trouble.
func duplicateScore(o, c Report, terms map[uint64]struct{}) (float64, []string) {
	var score float64
	var reasons []string
	if spot := addressCore(o.Address, c.Address); spot >= 0.5 {
		weight := 0.4
		if !pinpoints(o.Address) || !pinpoints(c.Address) {
			weight = 0.2 // a whole community is no spot: its people report many matters
		}
		score += weight * spot
		reasons = append(reasons, "address")
	}
	switch {
	case o.Category != "" && o.Category == c.Category:
		score += 0.25
		reasons = append(reasons, "category")
	case len(o.Category) >= 4 && len(c.Category) >= 4 && o.Category[:4] == c.Category[:4]:
		score += 0.1
		reasons = append(reasons, "category_group")
	}
	if text := jaccard(terms, bigrams(c.Title+" "+c.Description)); text > 0 {
		score += 0.25 * text
		if text >= 0.3 {
			reasons = append(reasons, "text")
		}
	}
	if o.Lng != 0 && c.Lng != 0 {
		switch d := metres(o.Lng, o.Lat, c.Lng, c.Lat); {
		case d <= 300:
			score += 0.1
			reasons = append(reasons, "nearby")
		case d <= 1000:
			score += 0.05
		}
	} else if o.PlaceCode != "" && o.PlaceCode == c.PlaceCode {
		score += 0.05
	}
	if o.CallerPhone != "" && o.CallerPhone == c.CallerPhone {
		score += 0.15
		reasons = append(reasons, "caller")
	}
	if o.At.Sub(c.At).Abs() <= 24*time.Hour {
		score += 0.05
	}
	return math.Min(score, 1), reasons
}

// addressCore compares two addresses on what follows the part they share: "…街道文化社区胡杨佳苑5号楼"
// and "…街道文化社区胡杨佳苑" are one spot, "…文化社区胡杨佳苑" and "…文化社区永安家园" two. Two equal
// addresses score 1; so does one that is the other plus detail. Empty addresses score 0.
func addressCore(a, b string) float64 {
	if a == "" || b == "" {
		return 0
	}
	ra, rb := []rune(a), []rune(b)
	n := 0
	for n < len(ra) && n < len(rb) && ra[n] == rb[n] {
		n++
	}
	restA, restB := string(ra[n:]), string(rb[n:])
	if restA == "" || restB == "" {
		return 1
	}
	// The shared part may end inside a name ("民主花园", "民生花园"): give the rest its last shared
	// character back so that the name's first pair is compared too.
	if n > 0 {
		restA, restB = string(ra[n-1:]), string(rb[n-1:])
	}
	return jaccard(bigrams(restA), bigrams(restB))
}

// pinpoints tells whether an address names a spot (a number, a building, a junction, a gate) rather
// than a whole community or village.
func pinpoints(address string) bool {
	return strings.ContainsAny(address, "0123456789") || strings.Contains(address, "门口") || strings.Contains(address, "交叉口") ||
		strings.Contains(address, "路口") || strings.Contains(address, "附近")
}

// bigrams are the pairs of neighbouring Han characters and the words of other scripts in s: enough
// to tell two reports of one matter apart from two different matters, without a dictionary. Each is
// kept as a number (two runes side by side; a word's hash with the top bit set), which spares the
// allocations of string keys.
func bigrams(s string) map[uint64]struct{} {
	out := make(map[uint64]struct{}, len(s)/3)
	var prev rune
	word := fnv.New64a()
	inWord := 0
	flush := func() {
		if inWord > 1 {
			out[word.Sum64()|1<<63] = struct{}{}
		}
		word.Reset()
		inWord = 0
	}
	for _, r := range s {
		switch {
		case unicode.Is(unicode.Han, r):
			flush()
			if prev != 0 {
				out[uint64(prev)<<32|uint64(r)] = struct{}{}
			}
			prev = r
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			prev = 0
			var buf [utf8.UTFMax]byte
			word.Write(buf[:utf8.EncodeRune(buf[:], unicode.ToLower(r))])
			inWord++
		default:
			prev = 0
			flush()
		}
	}
	flush()
	return out
}

func jaccard(a, b map[uint64]struct{}) float64 {
	if len(a) == 0 || len(b) == 0 {
		return 0
	}
	both := 0
	for k := range a {
		if _, ok := b[k]; ok {
			both++
		}
	}
	return float64(both) / float64(len(a)+len(b)-both)
}

// metres is the distance between two points, close enough for a city (equirectangular).
func metres(lng1, lat1, lng2, lat2 float64) float64 {
	const earth = 6371000.0
	rad := math.Pi / 180
	x := (lng2 - lng1) * rad * math.Cos((lat1+lat2)/2*rad)
	y := (lat2 - lat1) * rad
	return earth * math.Hypot(x, y)
}

// CandidateQuery asks for the earlier orders a new one may duplicate: those of the same caller in the
// last SameCallerWindow, and those of the same category group (the first two levels of the category)
// on the same street in the last NearbyWindow. Merged orders are not candidates: their master is.
type CandidateQuery struct {
	CallerPhone   string
	StreetCode    string // the 9-digit street or town code of the order's place; "" for none
	CategoryGroup string // the order's category code cut to its first two levels
	// Categories are the codes of the group (it and every category under it), so that the store can
	// seek each one's recent orders instead of scanning the street's whole history. Without them no
	// order of the street is a candidate.
	Categories []string
	At         time.Time
	Limit      int
}

// CandidatesFor is the query for o.
func CandidatesFor(o Report, limit int) CandidateQuery {
	q := CandidateQuery{CallerPhone: o.CallerPhone, At: o.At, Limit: limit}
	if len(o.PlaceCode) >= 9 {
		q.StreetCode = o.PlaceCode[:9]
	}
	q.CategoryGroup = o.Category[:min(4, len(o.Category))]
	return q
}
