package democity

import (
	"context"
	"testing"
	"time"

	"github.com/cityline/cityline/internal/kb"
	"github.com/cityline/cityline/internal/store"
	"github.com/cityline/cityline/internal/store/storetest"
)

// TestSeedKnowledge: the demo city answers from its knowledge base at once, every article owned by
// the unit its entry names, with a few left in review for the supervisor.
func TestSeedKnowledge(t *testing.T) {
	c := demoCity(t)
	st := storetest.SQLite(t)
	ctx := context.Background()
	if _, err := Seed(ctx, st, c, testOptions); err != nil {
		t.Fatal(err)
	}
	demo, err := kb.Demo(kb.Today(time.Now()))
	if err != nil {
		t.Fatal(err)
	}
	all, _, err := st.Articles(ctx, store.ArticleFilter{Limit: 200})
	if err != nil || len(all) != len(demo) {
		t.Fatalf("%d articles stored (%v), want %d", len(all), err, len(demo))
	}
	units, err := st.Units(ctx, store.UnitFilter{})
	if err != nil {
		t.Fatal(err)
	}
	codeOf := map[string]string{}
	for _, u := range units {
		codeOf[u.ID] = u.Code
	}
	byTitle := map[string]kb.Article{}
	for _, a := range all {
		byTitle[a.Title] = a
	}
	for _, d := range demo {
		a := byTitle[d.Title]
		if a.State != d.State || codeOf[a.UnitID] != d.UnitCode || a.Category != d.Category {
			t.Errorf("%q: stored %+v owned by %s, want %s in %s owned by %s", d.Title, a, codeOf[a.UnitID], d.State, d.Category, d.UnitCode)
		}
	}
	live, _, err := st.LiveArticles(ctx)
	if err != nil {
		t.Fatal(err)
	}
	got := kb.NewIndex(live).Suggest("您好，请问外地人办居住证要带什么", "", kb.Today(time.Now()), 1)
	if len(got) != 1 || got[0].Article.Title != "外地户籍人员怎么申领居住证？" {
		t.Errorf("the seeded knowledge base suggests %+v for 居住证", got)
	}
}
