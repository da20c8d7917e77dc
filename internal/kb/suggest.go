package kb

import (
	"cmp"
	"math"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/cityline/cityline/internal/calendar"
	"github.com/cityline/cityline/internal/textsearch"
)

// Index finds the published articles that best fit what an agent is typing. The text of a call is
// long and loose ("我想问一下居住证怎么办理，需要带什么材料"): every character pair of it may count, none
// must. Ranking in SQL every article that shares a pair with such a text (FTS5's bm25, PostgreSQL's
// ts_rank) took 35-80 ms on 10,000 generated articles in a trial, so suggestions are scored here, on
// a node's copy of the published articles (BM25 over character pairs, the title and keywords counting
// three times the answer): about 0.15 ms (BenchmarkSuggest10k). An Index is read-only and safe for
// concurrent use.
type Index struct {
	docs     []Article
	through  []int32          // the last day (dayKey) on which each article may be suggested
	ids      map[string]int32 // term → its number
	postings [][]posting      // by term number, each in document order
}

// posting is one article's share of a term: its BM25 weight before the term's rarity is applied.
type posting struct {
	doc    int32
	weight float32
}

// Scoring constants: BM25's usual saturation and length normalisation, how much more a word in the
// title or keywords says than one in the answer, how much of the answer is read (its opening states
// the matter), and how much an article of the order's own category is preferred.
const (
	bm25K1         = 1.2
	bm25B          = 0.75
	headWeight     = 3
	answerHead     = 600
	categoryBoost  = 1.5
	maxQueryRunes  = 1000
	commonFraction = 3  // a term in more than 1/commonFraction of the articles is passed over…
	commonFloor    = 20 // …once there are this many articles to tell
	relativeFloor  = 0.25
)

// fillers are the words of a question that say nothing about its matter (我想问一下…怎么…需要什么). Left
// in, they also make character pairs across word boundaries (要带, 带什 in 需要带什么) that are rare
// enough to look telling, so both the articles and the typed text lose them before they are split.
var fillers = func() *strings.Replacer {
	words := []string{"我想问一下", "想咨询一下", "可不可以", "请问一下", "咨询一下", "问一下", "怎么办", "怎么样", "为什么",
		"是不是", "能不能", "有没有", "我想", "想问", "请问", "你好", "您好", "麻烦", "谢谢", "一下", "怎么", "如何", "什么",
		"哪里", "哪些", "哪个", "多少", "可以", "需要", "应该", "还是", "就是", "这个", "那个", "这样", "一个", "已经", "现在",
		"一直", "我们", "你们", "他们", "的", "了", "吗", "呢", "吧", "啊", "呀", "我", "你", "您"}
	pairs := make([]string, 0, 2*len(words))
	for _, w := range words { // longest first: a Replacer tries them in this order
		pairs = append(pairs, w, " ")
	}
	return strings.NewReplacer(pairs...)
}()

// eachTerm calls fn with each index term of text that can tell articles apart: character pairs and
// whole words, not single characters, once the fillers are gone. The terms share text's memory.
func eachTerm(text string, fn func(term string)) {
	for t := range strings.FieldsSeq(textsearch.IndexTerms(fillers.Replace(text))) {
		if utf8.RuneCountInString(t) >= 2 {
			fn(t)
		}
	}
}

// NewIndex indexes the live versions of the published articles.
func NewIndex(live []Article) *Index {
	x := &Index{docs: live, through: make([]int32, len(live)), ids: map[string]int32{}}
	type termWeight struct {
		id int32
		w  float32
	}
	tfs := make([][]termWeight, len(live)) // each article's terms with their weighted counts
	lengths := make([]float32, len(live))
	var buf []termWeight
	total := 0.0
	for i, a := range live {
		x.through[i] = lastUsable(a.Content)
		buf = buf[:0]
		add := func(text string, w float32) {
			eachTerm(text, func(t string) {
				id, ok := x.ids[t]
				if !ok {
					id = int32(len(x.ids))
					x.ids[strings.Clone(t)] = id
				}
				buf = append(buf, termWeight{id, w})
			})
		}
		add(a.Title, headWeight)
		add(strings.Join(a.Keywords, " "), headWeight)
		add(prefixRunes(a.Answer, answerHead), 1)
		slices.SortFunc(buf, func(p, q termWeight) int { return cmp.Compare(p.id, q.id) })
		var tf []termWeight
		for _, tw := range buf {
			lengths[i] += tw.w
			if n := len(tf); n > 0 && tf[n-1].id == tw.id {
				tf[n-1].w += tw.w
			} else {
				tf = append(tf, tw)
			}
		}
		tfs[i] = tf
		total += float64(lengths[i])
	}
	df := make([]int, len(x.ids))
	for _, tf := range tfs {
		for _, tw := range tf {
			df[tw.id]++
		}
	}
	x.postings = make([][]posting, len(x.ids))
	for id, n := range df {
		x.postings[id] = make([]posting, 0, n)
	}
	avg := max(total/float64(max(len(live), 1)), 1)
	for i, tf := range tfs {
		norm := bm25K1 * (1 - bm25B + bm25B*float64(lengths[i])/avg)
		for _, tw := range tf {
			f := float64(tw.w)
			x.postings[tw.id] = append(x.postings[tw.id], posting{doc: int32(i), weight: float32(f * (bm25K1 + 1) / (f + norm))})
		}
	}
	return x
}

// lastUsable is the last day an answer may be suggested on: its review date, or the day before it
// expires, whichever comes first.
func lastUsable(c Content) int32 {
	last := int32(math.MaxInt32)
	if isSet(c.ReviewBy) {
		last = dayKey(c.ReviewBy)
	}
	if isSet(c.ExpiresOn) {
		last = min(last, dayKey(c.ExpiresOn.AddDays(-1)))
	}
	return last
}

func prefixRunes(s string, n int) string {
	for i := range s {
		if n == 0 {
			return s[:i]
		}
		n--
	}
	return s
}

// Len is the number of articles indexed.
func (x *Index) Len() int { return len(x.docs) }

// Suggestion is an article that fits the text, with why: the stretches of the text it matched.
type Suggestion struct {
	Article Article
	Score   float64
	Matched []string
}

// Suggest returns up to limit articles that fit text, best first, leaving out those expired or
// overdue for review on the given day. An article of the given category scores half as much again.
// An article must share at least two terms with the text (one, for a text that has only one), and
// score at least a quarter of the best, so that a stray common word suggests nothing.
func (x *Index) Suggest(text, category string, today calendar.Date, limit int) []Suggestion {
	var query []string
	eachTerm(prefixRunes(text, maxQueryRunes), func(t string) { query = append(query, t) })
	distinct := slices.Compact(slices.Sorted(slices.Values(query)))
	n := len(x.docs)
	if len(distinct) == 0 || n == 0 || limit <= 0 {
		return nil
	}
	scores := make([]float64, n)
	hits := make([]uint16, n)
	var touched []int32
	for _, t := range distinct {
		id, ok := x.ids[t]
		if !ok {
			continue
		}
		ps := x.postings[id]
		if n >= commonFloor && len(ps)*commonFraction > n {
			continue
		}
		idf := math.Log(1 + (float64(n)-float64(len(ps))+0.5)/(float64(len(ps))+0.5))
		for _, p := range ps {
			if hits[p.doc] == 0 {
				touched = append(touched, p.doc)
			}
			hits[p.doc]++
			scores[p.doc] += idf * float64(p.weight)
		}
	}
	need, day := uint16(min(2, len(distinct))), dayKey(today)
	type hit struct {
		doc   int32
		score float64
	}
	var found []hit
	for _, d := range touched {
		if hits[d] < need || x.through[d] < day {
			continue
		}
		s := scores[d]
		if category != "" && x.docs[d].Category == category {
			s *= categoryBoost
		}
		found = append(found, hit{d, s})
	}
	slices.SortFunc(found, func(a, b hit) int {
		if a.score != b.score {
			return cmp.Compare(b.score, a.score)
		}
		return cmp.Compare(a.doc, b.doc)
	})
	var out []Suggestion
	for _, h := range found {
		if len(out) == limit || h.score < found[0].score*relativeFloor {
			break
		}
		out = append(out, Suggestion{Article: x.docs[h.doc], Score: h.score, Matched: x.matched(query, h.doc)})
	}
	return out
}

// matched joins the query's terms that the article holds into the stretches of text they cover:
// the pairs of one run follow each other in the query, each overlapping the next by a character.
func (x *Index) matched(query []string, doc int32) []string {
	var out []string
	var cur []rune
	flush := func() {
		if s := string(cur); s != "" && !slices.Contains(out, s) {
			out = append(out, s)
		}
		cur = nil
	}
	prev := -2
	for i, t := range query {
		if !x.holds(t, doc) {
			continue
		}
		r := []rune(t)
		if i == prev+1 && len(cur) > 0 && len(r) == 2 && cur[len(cur)-1] == r[0] {
			cur = append(cur, r[1])
		} else {
			flush()
			cur = r
		}
		prev = i
	}
	flush()
	// A stretch inside a longer one says nothing more (井盖 beside 井盖丢).
	var kept []string
	for _, s := range out {
		if !slices.ContainsFunc(out, func(o string) bool { return o != s && strings.Contains(o, s) }) {
			kept = append(kept, s)
		}
	}
	return kept
}

func (x *Index) holds(term string, doc int32) bool {
	id, ok := x.ids[term]
	if !ok {
		return false
	}
	_, found := slices.BinarySearchFunc(x.postings[id], doc, func(p posting, d int32) int { return cmp.Compare(p.doc, d) })
	return found
}
