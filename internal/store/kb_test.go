package store_test

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/cityline/cityline/internal/audit"
	"github.com/cityline/cityline/internal/calendar"
	"github.com/cityline/cityline/internal/category"
	"github.com/cityline/cityline/internal/kb"
	"github.com/cityline/cityline/internal/org"
	"github.com/cityline/cityline/internal/store"
	"github.com/cityline/cityline/internal/store/storetest"
)

// kbNow is the tests' clock: 2 March 2026, 10:00 in the city.
var kbNow = time.Date(2026, 3, 2, 2, 0, 0, 0, time.UTC)

func day(s string) calendar.Date {
	d, err := calendar.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

// kbStore is a store with the demo catalogue, one unit that owns answers and the clock at kbNow.
func kbStore(t *testing.T, s *store.Store) (unitID string) {
	t.Helper()
	ctx := context.Background()
	s.SetClock(func() time.Time { return kbNow })
	storetest.TinyCity(t, s)
	cats, err := category.Demo()
	if err != nil {
		t.Fatal(err)
	}
	if err := s.ImportCategories(ctx, audit.System, cats); err != nil {
		t.Fatal(err)
	}
	u, err := s.CreateUnit(ctx, audit.System, org.Unit{Code: "heat", Name: "乌海市热力公司", Kind: org.UnitUtility, PlaceCode: "150300"})
	if err != nil {
		t.Fatal(err)
	}
	return u.ID
}

func heatingArticle(unit string) kb.Content {
	return kb.Content{Category: "110402", Title: "供暖费怎么收？", Answer: "居民供暖费按建筑面积每平方米每月2.6元收取，采暖期为每年10月15日至次年4月15日。",
		Keywords: []string{"暖气费", "采暖费"}, UnitID: unit, ReviewBy: day("2026-09-30"), ExpiresOn: day("2026-10-15")}
}

func wantKBField(t *testing.T, err error, field string) {
	t.Helper()
	var fe *kb.FieldError
	if !errors.As(err, &fe) || fe.Field != field {
		t.Fatalf("err = %v, want a validation error naming %s", err, field)
	}
}

func TestArticleVersionsAndReview(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		unit := kbStore(t, s)
		agent, sup := audit.Who{Actor: "agent1"}, audit.Who{Actor: "sup1"}

		// Refusals name the field and store nothing.
		for _, c := range []struct {
			field string
			edit  func(*kb.Content)
		}{
			{"title", func(c *kb.Content) { c.Title = "" }},
			{"title", func(c *kb.Content) { c.Title = string(make([]rune, kb.MaxTitleRunes+1)) }},
			{"answer", func(c *kb.Content) { c.Answer = " 前后有空格 " }},
			{"category", func(c *kb.Content) { c.Category = "9901" }},
			{"category", func(c *kb.Content) { c.Category = "暖气" }},
			{"unit_id", func(c *kb.Content) { c.UnitID = "no-such-unit" }},
			{"keywords[1]", func(c *kb.Content) { c.Keywords = []string{"暖气费", "暖气费"} }},
			{"review_by", func(c *kb.Content) { c.ReviewBy = day("2026-03-01") }},
			{"expires_on", func(c *kb.Content) { c.ExpiresOn = day("2026-03-02") }},
			{"review_by", func(c *kb.Content) { c.ReviewBy, c.ExpiresOn = day("2026-12-01"), day("2026-11-01") }},
		} {
			bad := heatingArticle(unit)
			c.edit(&bad)
			_, err := s.CreateArticle(ctx, agent, bad, "")
			wantKBField(t, err, c.field)
		}
		if n, _ := s.KnowledgeChanges(ctx); n != 0 {
			t.Fatalf("refused articles counted %d changes", n)
		}

		a, err := s.CreateArticle(ctx, agent, heatingArticle(unit), "首稿")
		if err != nil || a.ID != "KB00001" || a.State != kb.Draft || a.Version != 1 || a.Live != 0 {
			t.Fatalf("create: %+v, %v", a, err)
		}
		if _, err := s.Article(ctx, a.ID, true); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("a draft is live: %v", err)
		}
		if _, err := s.StepArticle(ctx, sup, a.ID, kb.ActPublish, 1, ""); !errors.Is(err, kb.ErrState) {
			t.Fatalf("publish a draft: %v, want ErrState", err)
		}
		step := func(act kb.Action, seen int, note string) kb.Article {
			t.Helper()
			got, err := s.StepArticle(ctx, sup, a.ID, act, seen, note)
			if err != nil {
				t.Fatalf("%s at version %d: %v", act, seen, err)
			}
			return got
		}
		step(kb.ActSubmit, 1, "")
		if got := step(kb.ActPublish, 1, ""); got.State != kb.Published || got.Live != 1 {
			t.Fatalf("published: %+v", got)
		}

		// A new version is a draft; agents keep the published one until it is published too.
		next := heatingArticle(unit)
		next.Answer = "居民供暖费按建筑面积每平方米每月2.8元收取，采暖期为每年10月15日至次年4月15日。"
		a2, err := s.EditArticle(ctx, agent, a.ID, 1, next, "新收费标准")
		if err != nil || a2.Version != 2 || a2.State != kb.Draft || a2.Live != 1 {
			t.Fatalf("edit: %+v, %v", a2, err)
		}
		if live, err := s.Article(ctx, a.ID, true); err != nil || live.Shown != 1 || live.Answer != heatingArticle(unit).Answer {
			t.Fatalf("live while the edit waits: %+v, %v", live, err)
		}
		if latest, err := s.Article(ctx, a.ID, false); err != nil || latest.Shown != 2 || latest.Answer != next.Answer {
			t.Fatalf("latest: %+v, %v", latest, err)
		}

		// An edit from a stale page is refused and overwrites nothing.
		stale := heatingArticle(unit)
		stale.Title = "暖气费标准"
		if _, err := s.EditArticle(ctx, agent, a.ID, 1, stale, ""); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("stale edit: %v, want ErrConflict", err)
		}
		if _, err := s.StepArticle(ctx, sup, a.ID, kb.ActSubmit, 1, ""); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("stale submit: %v, want ErrConflict", err)
		}
		if _, err := s.EditArticle(ctx, agent, "KB99999", 1, stale, ""); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("edit of a missing article: %v, want ErrNotFound", err)
		}
		if same, err := s.EditArticle(ctx, agent, a.ID, 2, next, ""); err != nil || same.Version != 2 {
			t.Fatalf("an edit that changes nothing: %+v, %v; want version 2 kept", same, err)
		}

		step(kb.ActSubmit, 2, "")
		if _, err := s.StepArticle(ctx, sup, a.ID, kb.ActReturn, 2, ""); err == nil {
			t.Fatal("sent back without a note")
		} else {
			wantKBField(t, err, "note")
		}
		if got := step(kb.ActReturn, 2, "请注明政策文件"); got.State != kb.Draft || got.ReviewNote != "请注明政策文件" {
			t.Fatalf("returned: %+v", got)
		}
		a3, err := s.EditArticle(ctx, agent, a.ID, 2, next, "补充依据")
		if err != nil || a3.Version != 3 || a3.ReviewNote != "" {
			t.Fatalf("edit after a return: %+v, %v", a3, err)
		}
		step(kb.ActSubmit, 3, "")
		if got := step(kb.ActPublish, 3, ""); got.Live != 3 {
			t.Fatalf("second publication: %+v", got)
		}
		versions, err := s.ArticleVersions(ctx, a.ID)
		if err != nil || len(versions) != 3 {
			t.Fatalf("versions: %+v, %v", versions, err)
		}
		if versions[0].Number != 3 || versions[0].PublishedBy != "sup1" || versions[1].Number != 2 || !versions[1].PublishedAt.IsZero() ||
			versions[2].Note != "首稿" || versions[2].PublishedAt.IsZero() || versions[2].Answer != heatingArticle(unit).Answer ||
			!slices.Equal(versions[2].Keywords, []string{"暖气费", "采暖费"}) || versions[2].ReviewBy != day("2026-09-30") {
			t.Fatalf("versions as stored: %+v", versions)
		}

		if got := step(kb.ActRetire, 3, ""); got.State != kb.Retired || got.Live != 0 {
			t.Fatalf("retired: %+v", got)
		}
		if _, err := s.Article(ctx, a.ID, true); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("a retired article is live: %v", err)
		}
		entries, err := s.AuditEntries(ctx, "kb_article", a.ID, 50)
		if err != nil {
			t.Fatal(err)
		}
		var actions []string
		for _, e := range slices.Backward(entries) {
			actions = append(actions, e.Action)
		}
		want := []string{"kb.create", "kb.submit", "kb.publish", "kb.edit", "kb.submit", "kb.return", "kb.edit", "kb.submit", "kb.publish", "kb.retire"}
		if !slices.Equal(actions, want) {
			t.Fatalf("audit trail %v, want %v", actions, want)
		}
		if n, _ := s.KnowledgeChanges(ctx); n != int64(len(want)) {
			t.Fatalf("change count %d, want %d", n, len(want))
		}
		if b := verifyAudit(t, s); b != nil {
			t.Fatalf("audit chain broken: %+v", b)
		}
	})
}

func verifyAudit(t *testing.T, s *store.Store) *audit.Break {
	t.Helper()
	_, b, err := s.VerifyAudit(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestArticleEditRace has several editors save over the same version at once: one wins, the others
// are told, and no version is lost or written twice.
func TestArticleEditRace(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		unit := kbStore(t, s)
		a, err := s.CreateArticle(ctx, audit.Who{Actor: "agent1"}, heatingArticle(unit), "")
		if err != nil {
			t.Fatal(err)
		}
		const editors = 6
		errs := make([]error, editors)
		var wg sync.WaitGroup
		for i := range editors {
			wg.Go(func() {
				c := heatingArticle(unit)
				c.Title = "供暖费怎么收？" + string(rune('A'+i))
				_, errs[i] = s.EditArticle(ctx, audit.Who{Actor: "editor"}, a.ID, 1, c, "")
			})
		}
		wg.Wait()
		won := 0
		for _, err := range errs {
			switch {
			case err == nil:
				won++
			case !errors.Is(err, store.ErrConflict):
				t.Errorf("a losing editor was told %v, want ErrConflict", err)
			}
		}
		versions, err := s.ArticleVersions(ctx, a.ID)
		if won != 1 || err != nil || len(versions) != 2 {
			t.Fatalf("%d editors won, %d versions stored (%v); want 1 and 2", won, len(versions), err)
		}
	})
}

// publishAll writes each content as an article and publishes it.
func publishAll(t testing.TB, s *store.Store, contents ...kb.Content) []kb.Article {
	t.Helper()
	ctx := context.Background()
	var out []kb.Article
	for _, c := range contents {
		a, err := s.CreateArticle(ctx, audit.System, c, "")
		if err != nil {
			t.Fatalf("create %s: %v", c.Title, err)
		}
		for _, act := range []kb.Action{kb.ActSubmit, kb.ActPublish} {
			if a, err = s.StepArticle(ctx, audit.System, a.ID, act, 1, ""); err != nil {
				t.Fatalf("%s %s: %v", act, c.Title, err)
			}
		}
		out = append(out, a)
	}
	return out
}

func articleIDs(as []kb.Article) []string {
	out := make([]string, len(as))
	for i, a := range as {
		out[i] = a.ID
	}
	return out
}

// searchCorpus is a few articles on different matters, all published.
func searchCorpus(unit string) []kb.Content {
	c := func(cat, title, answer string, keywords ...string) kb.Content {
		return kb.Content{Category: cat, Title: title, Answer: answer, Keywords: keywords, UnitID: unit, ReviewBy: day("2026-12-31")}
	}
	return []kb.Content{
		c("120301", "外地户籍怎么办理居住证？", "在本市居住半年以上、有合法稳定住所的外地户籍人员，可持身份证和居住登记凭证到社区警务室申领居住证。", "居住证", "暂住证"),
		c("060301", "医保异地就医怎么备案？", "参保人员可通过国家医保服务平台或到医保经办窗口办理异地就医备案，备案后在就医地直接结算。", "异地就医", "备案"),
		c("110101", "小区停水了去哪里查询？", "计划停水信息在供水公司网站和公众号公布；突发停水可拨打供水公司热线查询恢复时间。", "停水", "没水"),
		c("100302", "公积金提取需要什么材料？", "提取住房公积金需携带身份证、银行卡以及购房合同或租房证明，到公积金管理中心窗口或网上办理。", "公积金", "提取"),
	}
}

func TestArticleSearch(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		unit := kbStore(t, s)
		published := publishAll(t, s, searchCorpus(unit)...)
		draft, err := s.CreateArticle(ctx, audit.System, kb.Content{Category: "120301", Title: "居住证到期怎么续签？",
			Answer: "居住证有效期一年，到期前三十日内到社区警务室签注。", UnitID: unit, ReviewBy: day("2026-12-31")}, "")
		if err != nil {
			t.Fatal(err)
		}
		list := func(f store.ArticleFilter) []string {
			t.Helper()
			items, _, err := s.Articles(ctx, f)
			if err != nil {
				t.Fatalf("search %+v: %v", f, err)
			}
			return articleIDs(items)
		}
		cases := []struct {
			name string
			f    store.ArticleFilter
			want []string
		}{
			{"agents find the published answer", store.ArticleFilter{Live: true, Query: "居住证"}, []string{published[0].ID}},
			{"editors find the draft too, better match first", store.ArticleFilter{Query: "居住证"}, []string{published[0].ID, draft.ID}},
			{"in the answer", store.ArticleFilter{Live: true, Query: "直接结算"}, []string{published[1].ID}},
			{"in the keywords", store.ArticleFilter{Live: true, Query: "暂住证"}, []string{published[0].ID}},
			{"every term must match", store.ArticleFilter{Live: true, Query: "居住证 公积金"}, nil},
			{"one character is a prefix", store.ArticleFilter{Live: true, Query: "停"}, []string{published[2].ID}},
			{"punctuation matches nothing", store.ArticleFilter{Live: true, Query: "？？"}, nil},
			{"by category", store.ArticleFilter{Live: true, Category: "100302"}, []string{published[3].ID}},
			{"by state", store.ArticleFilter{State: kb.Draft}, []string{draft.ID}},
			{"all live, by category", store.ArticleFilter{Live: true}, []string{published[1].ID, published[3].ID, published[2].ID, published[0].ID}},
		}
		for _, c := range cases {
			if got := list(c.f); !slices.Equal(got, c.want) {
				t.Errorf("%s: %v, want %v", c.name, got, c.want)
			}
		}
		page, more, err := s.Articles(ctx, store.ArticleFilter{Live: true, Limit: 3})
		if err != nil || len(page) != 3 || !more {
			t.Fatalf("first page: %d items, more %v, %v", len(page), more, err)
		}
		page, more, err = s.Articles(ctx, store.ArticleFilter{Live: true, Limit: 3, Offset: 3})
		if err != nil || len(page) != 1 || more {
			t.Fatalf("second page: %d items, more %v, %v", len(page), more, err)
		}
	})
}

// TestLiveArticlesSuggest builds the console's suggestions from what the store says is live: the
// best fit first, drafts never, and nothing past its expiry or review date.
func TestLiveArticlesSuggest(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		unit := kbStore(t, s)
		published := publishAll(t, s, append(searchCorpus(unit), heatingArticle(unit))...)
		if _, err := s.CreateArticle(ctx, audit.System, kb.Content{Category: "120301", Title: "居住证到期怎么续签？",
			Answer: "到期前三十日内到社区警务室签注。", UnitID: unit, ReviewBy: day("2026-12-31")}, ""); err != nil {
			t.Fatal(err)
		}
		live, changes, err := s.LiveArticles(ctx)
		if err != nil || len(live) != len(published) {
			t.Fatalf("live: %d articles, %v; want %d", len(live), err, len(published))
		}
		if now, _ := s.KnowledgeChanges(ctx); changes != now {
			t.Fatalf("live articles as of change %d, the store is at %d", changes, now)
		}
		index := kb.NewIndex(live)
		suggest := func(text, cat string, on calendar.Date) []string {
			var ids []string
			for _, sg := range index.Suggest(text, cat, on, 3) {
				ids = append(ids, sg.Article.ID)
			}
			return ids
		}
		today := kb.Today(kbNow)
		if got := suggest("您好，我想问一下外地人居住证怎么办，要带什么", "", today); len(got) == 0 || got[0] != published[0].ID {
			t.Errorf("居住证: %v, want %s first", got, published[0].ID)
		}
		if got := suggest("家里暖气费今年怎么收", "110402", today); len(got) == 0 || got[0] != published[4].ID {
			t.Errorf("暖气费: %v, want %s first", got, published[4].ID)
		}
		if got := suggest("家里暖气费今年怎么收", "110402", day("2026-10-15")); slices.Contains(got, published[4].ID) {
			t.Errorf("on its expiry date the heating fee is still suggested: %v", got)
		}
		if got := suggest("小区停水", "", day("2027-01-01")); len(got) != 0 {
			t.Errorf("past the review date: %v, want nothing", got)
		}
	})
}
