package ticketing_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/cityline/cityline/internal/audit"
	"github.com/cityline/cityline/internal/calendar"
	"github.com/cityline/cityline/internal/kb"
	"github.com/cityline/cityline/internal/store"
	"github.com/cityline/cityline/internal/store/storetest"
	"github.com/cityline/cityline/internal/ticketing"
	"github.com/cityline/cityline/internal/workorder"
)

// lampArticle is an answer about street lights, owned by the lighting unit, valid until expires.
func (w *world) lampArticle(t *testing.T, title string, expires calendar.Date, publish bool) kb.Article {
	t.Helper()
	ctx := context.Background()
	a, err := w.st.CreateArticle(ctx, audit.System, kb.Content{Category: "0101", Title: title,
		Answer: "路灯由市路灯所维护，报修后一般三个工作日内修复。", Keywords: []string{"路灯"}, UnitID: w.units["LIGHT"].ID,
		ReviewBy: kb.Today(time.Now()).AddDays(1), ExpiresOn: expires}, "")
	if err != nil {
		t.Fatal(err)
	}
	if publish {
		for _, act := range []kb.Action{kb.ActSubmit, kb.ActPublish} {
			if a, err = w.st.StepArticle(ctx, audit.System, a.ID, act, 1, ""); err != nil {
				t.Fatal(err)
			}
		}
	}
	return a
}

func TestAnswerNamesAPublishedArticle(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		w := newWorld(t, st)
		ctx := context.Background()
		today := kb.Today(time.Now())
		published := w.lampArticle(t, "路灯坏了找谁修？", today.AddDays(60), true)
		draft := w.lampArticle(t, "路灯何时亮灯？", calendar.Date{}, false)
		soon := w.lampArticle(t, "节日景观灯开放时间", today.AddDays(2), true)

		answer := func(kbArticle string) (workorder.Ticket, error) {
			tk, _, err := w.svc.Create(ctx, w.actor["agent"], intake("路灯咨询"), ticketing.Idempotency{})
			if err != nil {
				t.Fatal(err)
			}
			return w.svc.Act(ctx, w.actor["agent"], tk.Number, workorder.Command{Action: workorder.ActAnswer,
				Comment: "已告知市民报修方式。", KBArticle: kbArticle, Version: tk.Version})
		}
		for _, c := range []struct{ name, id string }{{"unknown", "KB09999"}, {"draft", draft.ID}} {
			var fe *workorder.FieldError
			if _, err := answer(c.id); !errors.As(err, &fe) || fe.Field != "kb_article" {
				t.Errorf("answer naming a %s article: %v, want an error on kb_article", c.name, err)
			}
		}
		w.svc.SetClock(func() time.Time { return time.Now().Add(3 * 24 * time.Hour) })
		var fe *workorder.FieldError
		if _, err := answer(soon.ID); !errors.As(err, &fe) || fe.Field != "kb_article" {
			t.Errorf("answer naming an expired article: %v, want an error on kb_article", err)
		}
		w.svc.SetClock(time.Now)

		closed, err := answer(" kb" + published.ID[2:] + " ")
		if err != nil || closed.Status != workorder.StatusClosed || closed.KBArticle != published.ID {
			t.Fatalf("answer naming %s: %+v, %v", published.ID, closed, err)
		}
		_, evs, err := w.svc.Timeline(ctx, w.actor["agent"], closed.Number)
		if err != nil {
			t.Fatal(err)
		}
		last := evs[len(evs)-1]
		if last.Data["kb_article"] != published.ID || last.Data["kb_title"] != "路灯坏了找谁修？" {
			t.Errorf("the answer's step records %v, want the article and its title", last.Data)
		}
		if plain, err := answer(""); err != nil || plain.KBArticle != "" {
			t.Errorf("an answer without an article: %+v, %v", plain, err)
		}
	})
}

func TestSuggestionsFollowPublication(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		w := newWorld(t, st)
		ctx := context.Background()
		text := "我家门口的路灯坏了好几天了，找谁修"
		if got, err := w.svc.SuggestArticles(ctx, text, "0101", 5); err != nil || len(got) != 0 {
			t.Fatalf("empty knowledge base: %v, %v", got, err)
		}
		a := w.lampArticle(t, "路灯坏了找谁修？", calendar.Date{}, true)
		w.svc.RefreshKnowledge() // as the edges do after a change on this node
		got, err := w.svc.SuggestArticles(ctx, text, "0101", 5)
		if err != nil || len(got) != 1 || got[0].Article.ID != a.ID {
			t.Fatalf("after a refresh: %+v, %v; want %s", got, err, a.ID)
		}
		if len(got[0].Matched) == 0 || got[0].Matched[0] != "路灯坏" {
			t.Errorf("matched %q, want the stretch 路灯坏 (了 says nothing) first", got[0].Matched)
		}
		if _, err := w.st.StepArticle(ctx, audit.System, a.ID, kb.ActRetire, 1, ""); err != nil {
			t.Fatal(err)
		}
		w.svc.RefreshKnowledge()
		if got, _ := w.svc.SuggestArticles(ctx, text, "0101", 5); len(got) != 0 {
			t.Errorf("a retired article is suggested: %v", got)
		}
	})
}
