package kb_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/cityline/cityline/internal/calendar"
	"github.com/cityline/cityline/internal/kb"
)

var suggestDay = date("2026-03-02")

// demoIndex indexes the published demo articles, numbered in order as the store would number them.
func demoIndex(t testing.TB) (*kb.Index, map[string]kb.Article) {
	t.Helper()
	demo, err := kb.Demo(suggestDay)
	if err != nil {
		t.Fatal(err)
	}
	var live []kb.Article
	byTitle := map[string]kb.Article{}
	for i, d := range demo {
		if d.State != kb.Published {
			continue
		}
		a := kb.Article{ID: fmt.Sprintf("KB%05d", i+1), State: kb.Published, Version: 1, Live: 1, Shown: 1, Content: d.Content}
		live = append(live, a)
		byTitle[a.Title] = a
	}
	return kb.NewIndex(live), byTitle
}

func titles(ss []kb.Suggestion) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = s.Article.Title
	}
	return out
}

// TestSuggestFindsTheAnswerForWhatCallersSay types what callers say, the way agents note it down,
// and wants the demo article that answers it first.
func TestSuggestFindsTheAnswerForWhatCallersSay(t *testing.T) {
	index, _ := demoIndex(t)
	cases := []struct{ text, category, want string }{
		{"我想问一下外地人居住证怎么办理，需要带什么材料", "", "外地户籍人员怎么申领居住证？"},
		{"家里暖气一直不热，屋里温度很低", "110401", "暖气不热，室温多少算达标？"},
		{"要去外地看病，医保怎么备案", "", "医保异地就医怎么备案？"},
		{"小区停水了，想知道什么时候来水", "", "停水了怎么查询什么时候来水？"},
		{"租房能不能把公积金取出来付房租", "", "住房公积金可以怎么提取？"},
		{"厨房里闻到一股煤气味", "", "闻到燃气味该怎么办？"},
		{"楼下有人把装修垃圾乱倒在绿地上", "", "装修垃圾应该怎么处理？"},
		{"今年的暖气费每平米多少钱", "110402", "本供暖季的居民采暖费怎么收？"},
		{"电梯坏了，有人被困在里面", "", "电梯困人怎么办？"},
		{"网购的衣服不合适能退货吗", "", "网购商品能七天无理由退货吗？"},
	}
	for _, c := range cases {
		got := index.Suggest(c.text, c.category, suggestDay, 3)
		if len(got) == 0 || got[0].Article.Title != c.want {
			t.Errorf("%q: %q, want %q first", c.text, titles(got), c.want)
		}
	}
}

func TestSuggestPrefersTheOrdersCategory(t *testing.T) {
	index, byTitle := demoIndex(t)
	// Both heating articles speak of 暖气 and 采暖费; the category chosen on the order decides.
	text := "暖气的事想咨询一下，采暖费"
	for _, cat := range []string{"110401", "110402"} {
		got := index.Suggest(text, cat, suggestDay, 3)
		if len(got) == 0 || got[0].Article.Category != cat {
			t.Errorf("category %s: %q, want an article of %s first", cat, titles(got), cat)
		}
	}
	got := index.Suggest("闻到燃气味", "", suggestDay, 1)
	if len(got) != 1 || got[0].Article.ID != byTitle["闻到燃气味该怎么办？"].ID || strings.Join(got[0].Matched, "/") != "闻到燃气味" {
		t.Errorf("闻到燃气味: %+v, want the gas article matched on the whole phrase", got)
	}
	got = index.Suggest("楼道里燃气味很大，一进门就闻到燃气味", "", suggestDay, 1)
	if len(got) != 1 || strings.Join(got[0].Matched, "/") != "闻到燃气味" {
		t.Errorf("a stretch inside a longer one is shown again: %+v", got)
	}
}

// TestSuggestBadInput: nothing odd typed on the console may fail, and nothing that says little may
// suggest anything.
func TestSuggestBadInput(t *testing.T) {
	index, _ := demoIndex(t)
	for _, text := range []string{"", "   ", "😀😀😀", "？？！！", "你好", "喂", "ok", "\xff\xfe"} {
		if got := index.Suggest(text, "", suggestDay, 5); len(got) != 0 {
			t.Errorf("%q suggested %q", text, titles(got))
		}
	}
	long := strings.Repeat("我想问一下居住证怎么办理。", 2000)
	if got := index.Suggest(long, "", suggestDay, 5); len(got) == 0 || got[0].Article.Title != "外地户籍人员怎么申领居住证？" {
		t.Errorf("a very long text: %q", titles(got))
	}
	if got := index.Suggest("居住證怎麼辦理 residence permit", "", suggestDay, 5); len(got) > 5 {
		t.Errorf("mixed script: %d suggestions for a limit of 5", len(got))
	}
	if got := index.Suggest("居住证", "", suggestDay, 0); got != nil {
		t.Errorf("limit 0: %q", titles(got))
	}
	if got := kb.NewIndex(nil).Suggest("居住证怎么办", "", suggestDay, 5); got != nil {
		t.Errorf("empty index: %q", titles(got))
	}
}

func TestSuggestLeavesOutExpiredAndOverdue(t *testing.T) {
	article := func(id, title string, review, expires calendar.Date) kb.Article {
		return kb.Article{ID: id, State: kb.Published, Live: 1, Shown: 1, Content: kb.Content{Category: "110402", Title: title,
			Answer: "按建筑面积计收采暖费。", ReviewBy: review, ExpiresOn: expires}}
	}
	index := kb.NewIndex([]kb.Article{
		article("KB00001", "本供暖季采暖费标准", date("2026-09-30"), date("2026-10-15")),
		article("KB00002", "上个供暖季采暖费标准", date("2026-09-30"), date("2026-03-02")),
		article("KB00003", "采暖费标准（待复核）", date("2026-03-01"), calendar.Date{}),
	})
	ids := func(day string) string {
		var out []string
		for _, s := range index.Suggest("采暖费标准是多少", "", date(day), 5) {
			out = append(out, s.Article.ID)
		}
		slices.Sort(out)
		return strings.Join(out, " ")
	}
	if got := ids("2026-03-01"); got != "KB00001 KB00002 KB00003" {
		t.Errorf("on 1 March: %q, want every article", got)
	}
	if got := ids("2026-03-02"); got != "KB00001" {
		t.Errorf("on 2 March: %q, want only KB00001 (KB00002 expired, KB00003 overdue for review)", got)
	}
	if got := ids("2026-10-15"); got != "" {
		t.Errorf("on 15 October: %q, want nothing", got)
	}
}

// benchCorpus makes n articles from the demo ones: each takes a demo article's title and category,
// names a district or a season, and mixes its answer's sentences with a few from other articles, so
// that common and rare character pairs spread as they do in a real knowledge base.
func benchCorpus(b *testing.B, n int) []kb.Article {
	demo, err := kb.Demo(suggestDay)
	if err != nil {
		b.Fatal(err)
	}
	var sentences []string
	for _, d := range demo {
		sentences = append(sentences, strings.Split(d.Answer, "。")...)
	}
	places := []string{"海勃湾区", "乌达区", "海南区", "滨河新区", "新华街道", "拉僧庙镇", "千里山镇", "凤凰岭街道"}
	rng := rand.New(rand.NewPCG(12345, 42))
	out := make([]kb.Article, n)
	for i := range out {
		d := demo[i%len(demo)]
		c := d.Content
		c.Title = places[rng.IntN(len(places))] + d.Title
		parts := strings.Split(d.Answer, "。")
		for range 1 + rng.IntN(3) {
			parts = append(parts, sentences[rng.IntN(len(sentences))])
		}
		rng.Shuffle(len(parts), func(a, b int) { parts[a], parts[b] = parts[b], parts[a] })
		c.Answer = strings.Join(parts, "。")
		out[i] = kb.Article{ID: fmt.Sprintf("KB%05d", i+1), State: kb.Published, Version: 1, Live: 1, Shown: 1, Content: c}
	}
	return out
}

// BenchmarkSuggest10k is one suggestion as the agent types, over 10,000 published articles (the
// target is a few milliseconds).
//
//	go test -run '^$' -bench Suggest10k -benchmem ./internal/kb/
func BenchmarkSuggest10k(b *testing.B) {
	index := kb.NewIndex(benchCorpus(b, 10_000))
	texts := []string{
		"我想问一下外地人居住证怎么办理，需要带什么材料，在哪里办",
		"家里暖气一直不热，屋里温度很低，已经好几天了，请热力公司来看看",
		"小区停水了，想知道什么时候来水",
		"楼下饭店的油烟太大了，窗户都不敢开",
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		if len(index.Suggest(texts[i%len(texts)], "", suggestDay, 5)) == 0 {
			b.Fatal("no suggestion")
		}
	}
}

// BenchmarkIndex10k is what a node pays to read the published articles into its copy after a change.
//
//	go test -run '^$' -bench Index10k -benchmem ./internal/kb/
func BenchmarkIndex10k(b *testing.B) {
	articles := benchCorpus(b, 10_000)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if kb.NewIndex(articles).Len() != len(articles) {
			b.Fatal("articles missing from the index")
		}
	}
}
