package ui_test

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cityline/cityline/internal/audit"
	"github.com/cityline/cityline/internal/kb"
)

// articles are the knowledge-base fixture, made once: a published answer about missing manhole
// covers and a draft nobody but editors may see.
var articles struct {
	once             sync.Once
	err              error
	published, draft kb.Article
}

func coverAnswer() kb.Content {
	return kb.Content{Category: orders.leaf.Code, Title: "井盖丢了怎么办？",
		Answer:   "井盖缺失容易伤人伤车，请提醒来电人远离。城区道路上的井盖由养护单位在两小时内到场处置。",
		Keywords: []string{"井盖", "窨井"}, UnitID: site.units["HBW-HOUSING"].ID, ReviewBy: kb.Today(time.Now()).AddDays(180)}
}

func articleFixture(t *testing.T) {
	t.Helper()
	orderFixture(t)
	articles.once.Do(func() {
		ctx := context.Background()
		st := site.st
		a, err := st.CreateArticle(ctx, audit.System, coverAnswer(), "")
		for _, act := range []kb.Action{kb.ActSubmit, kb.ActPublish} {
			if err == nil {
				a, err = st.StepArticle(ctx, audit.System, a.ID, act, 1, "")
			}
		}
		articles.published, articles.err = a, err
		if err == nil {
			draft := coverAnswer()
			draft.Title, draft.Category = "路面塌陷了找谁？", orders.other.Code
			articles.draft, articles.err = st.CreateArticle(ctx, audit.System, draft, "")
		}
	})
	if articles.err != nil {
		t.Fatalf("knowledge-base fixture: %v", articles.err)
	}
}

func TestKnowledgeBasePagesByWho(t *testing.T) {
	articleFixture(t)
	pub, draft := "/kb/"+articles.published.ID, "/kb/"+articles.draft.ID
	clients := checkPages(t, []pageCase{
		{"agent1", "/kb", 200},
		{"agent1", "/kb?q=井盖&state=draft&live=1", 200},
		{"agent1", pub, 200},
		{"agent1", draft, 200},
		{"agent1", "/kb/new", 200},
		{"agent1", draft + "/edit", 200},
		{"agent1", "/kb/KB99999", 404},
		{"agent1", "/kb/KB99999/edit", 404},
		{"agent1", "/desk/intake/kb?title=井盖丢了", 200},
		{"desk-supervisor", draft, 200},
		{"hbw-staff", "/kb", 200},
		{"hbw-staff", pub, 200},
		{"hbw-staff", draft, 404},
		{"hbw-staff", "/kb/new", 404},
		{"hbw-staff", pub + "/edit", 404},
		{"hbw-staff", "/desk/intake/kb?title=井盖", 404},
		{"hbw-admin", "/kb/new", 404}, // a district's administrator does not write the city's knowledge base
	})
	_, body := get(t, clients["hbw-staff"], "/kb")
	if !strings.Contains(body, articles.published.ID) || strings.Contains(body, articles.draft.ID) || strings.Contains(body, `id="kb-new"`) {
		t.Error("a reader's list must show the published article only, and no way to write one")
	}
	_, body = get(t, clients["agent1"], "/kb?state=draft")
	if !strings.Contains(body, articles.draft.ID) || strings.Contains(body, articles.published.ID) {
		t.Error("the editors' list filtered to drafts shows the wrong articles")
	}
	_, body = get(t, clients["agent1"], pub)
	if !strings.Contains(body, "两小时内到场处置") || !strings.Contains(body, `id="kb-edit"`) {
		t.Error("an agent's article page lacks the answer or the way to edit it")
	}
	if strings.Contains(body, `id="kb-retire"`) {
		t.Error("an agent is offered to retire an article: that is a reviewer's step")
	}
}

var kbCreated = regexp.MustCompile(`^/kb/(KB\d{5,})\?notice=created$`)

// TestKnowledgeBaseFormsAndReview writes an article through the pages: refusals name the field and
// keep what was typed, a stale edit overwrites nothing, and the review steps follow the roles.
func TestKnowledgeBaseFormsAndReview(t *testing.T) {
	articleFixture(t)
	agent, sup := signedIn(t, "agent1"), signedIn(t, "desk-supervisor")
	token, supToken := csrf(t, agent), csrf(t, sup)
	review := kb.Today(time.Now()).AddDays(90).String()
	form := url.Values{"csrf_token": {token}, "category": {orders.leaf.Code}, "title": {""}, "answer": {"雨水井盖由排水公司负责。"},
		"keywords": {"雨水井，排水"}, "unit_id": {site.units["HBW-HOUSING"].ID}, "review_by": {review}}
	res, body := post(t, agent, "/kb", form)
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `data-field="title"`) || !strings.Contains(body, "雨水井盖由排水公司负责") {
		t.Fatalf("no title: %d, want 422 naming the title and keeping the answer", res.StatusCode)
	}
	form.Set("title", "雨水井盖归谁管？")
	form.Set("expires_on", "2026-13-01")
	if res, body := post(t, agent, "/kb", form); res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `data-field="expires_on"`) {
		t.Fatalf("a date that is not one: %d, want 422 naming expires_on", res.StatusCode)
	}
	form.Del("expires_on")
	res, _ = post(t, agent, "/kb", form)
	m := kbCreated.FindStringSubmatch(res.Header.Get("Location"))
	if res.StatusCode != http.StatusSeeOther || m == nil {
		t.Fatalf("create: %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
	id := m[1]
	stored, err := site.st.Article(context.Background(), id, false)
	if err != nil || stored.Title != "雨水井盖归谁管？" || strings.Join(stored.Keywords, "/") != "雨水井/排水" || stored.CreatedBy != "agent1" {
		t.Fatalf("stored: %+v, %v", stored, err)
	}

	edit := func(c *http.Client, tok string, version int, title string) (*http.Response, string) {
		f := url.Values{"csrf_token": {tok}, "version": {fmt.Sprint(version)}, "category": {orders.leaf.Code}, "title": {title},
			"answer": {"雨水井盖由排水公司负责，报修后当天处置。"}, "unit_id": {site.units["HBW-HOUSING"].ID}, "review_by": {review}}
		return post(t, c, "/kb/"+id, f)
	}
	if res, _ := edit(agent, token, 1, "雨水井盖归谁管？"); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("edit: %d", res.StatusCode)
	}
	res, body = edit(sup, supToken, 1, "雨水井盖由谁维护？")
	if res.StatusCode != http.StatusConflict || !strings.Contains(body, `id="conflict"`) || !strings.Contains(body, "雨水井盖由谁维护？") {
		t.Fatalf("stale edit: %d, want 409 keeping what was typed", res.StatusCode)
	}
	if a, _ := site.st.Article(context.Background(), id, false); a.Version != 2 || a.Title != "雨水井盖归谁管？" {
		t.Fatalf("the stale edit overwrote the article: %+v", a)
	}

	step := func(c *http.Client, tok, act string, version int, note string) (*http.Response, string) {
		return post(t, c, "/kb/"+id+"/act/"+act, url.Values{"csrf_token": {tok}, "version": {fmt.Sprint(version)}, "note": {note}})
	}
	if res, _ := step(agent, token, "publish", 2, ""); res.StatusCode != http.StatusNotFound {
		t.Errorf("an agent publishing: %d, want 404", res.StatusCode)
	}
	if res, body := step(sup, supToken, "publish", 2, ""); res.StatusCode != http.StatusConflict || !strings.Contains(body, `id="kb-problem"`) {
		t.Errorf("publishing a draft: %d, want 409 with the problem shown", res.StatusCode)
	}
	if res, _ := step(agent, token, "submit", 2, ""); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("submit: %d", res.StatusCode)
	}
	if res, body := step(sup, supToken, "return", 2, ""); res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `data-field="note"`) {
		t.Errorf("sending back without a note: %d, want 422 naming the note", res.StatusCode)
	}
	if res, _ := step(sup, supToken, "return", 2, "请写明报修电话"); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("send back: %d", res.StatusCode)
	}
	_, body = get(t, agent, "/kb/"+id)
	if !strings.Contains(body, `id="kb-review-note"`) || !strings.Contains(body, "请写明报修电话") || !strings.Contains(body, `id="kb-submit"`) {
		t.Error("the article sent back does not show why, or cannot be submitted again")
	}
	step(agent, token, "submit", 2, "")
	if res, _ := step(sup, supToken, "publish", 2, ""); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("publish: %d", res.StatusCode)
	}
	_, body = get(t, signedIn(t, "hbw-staff"), "/kb/"+id)
	if !strings.Contains(body, html.EscapeString("报修后当天处置")) || !strings.Contains(body, "desk-supervisor") {
		t.Error("a reader does not see the published version and who published it")
	}
}

// TestConsoleSuggestsAndAnswersWithAnArticle: the console's panel suggests the published article for
// what is typed, and choosing it takes in the order with its answer form filled from the article.
func TestConsoleSuggestsAndAnswersWithAnArticle(t *testing.T) {
	articleFixture(t)
	c := signedIn(t, "agent1")
	id := articles.published.ID
	_, body := get(t, c, "/desk/intake/kb?"+url.Values{"title": {"路口井盖丢了"}, "description": {"晚上很危险"}, "category": {orders.leaf.Code}}.Encode())
	for _, want := range []string{`data-id="` + id + `"`, `id="kb-use-` + id + `"`, `form="intake-form"`, "<mark>井盖丢</mark>"} {
		if !strings.Contains(body, want) {
			t.Errorf("the suggestions lack %s: %s", want, body)
		}
	}
	if strings.Contains(body, articles.draft.ID) {
		t.Error("a draft is suggested")
	}
	if _, body := get(t, c, "/desk/intake/kb?title=你好"); !strings.Contains(body, `id="kb-suggest-none"`) {
		t.Error("a greeting suggests something")
	}
	if _, body := get(t, c, "/desk/intake/kb"); !strings.Contains(body, `id="kb-suggest-hint"`) {
		t.Error("an empty form does not say what the panel is for")
	}
	if _, body := get(t, c, "/desk/intake"); !strings.Contains(body, `hx-get="/desk/intake/kb"`) {
		t.Error("the console has no suggestion panel")
	}

	form := intakeForm(csrf(t, c), "key-kb-1", "井盖丢了想问找谁")
	form.Set("type", "enquiry")
	form.Set("kb_article", id)
	res, _ := post(t, c, "/desk/intake", form)
	loc := res.Header.Get("Location")
	if res.StatusCode != http.StatusSeeOther || !strings.HasSuffix(loc, "?kb="+id) {
		t.Fatalf("intake with an article: %d to %q", res.StatusCode, loc)
	}
	_, body = get(t, c, loc)
	if !strings.Contains(body, `value="`+id+`"`) || !strings.Contains(body, "两小时内到场处置。</textarea>") || !strings.Contains(body, `id="act-answer" open`) {
		t.Fatalf("the new order's answer form is not filled from the article: %s", body)
	}
	number := strings.TrimSuffix(strings.TrimPrefix(loc, "/desk/intake/"), "?kb="+id)
	tk := stored(t, number)
	res, _ = post(t, c, "/tickets/"+number+"/act/answer", url.Values{"csrf_token": {csrf(t, c)}, "version": {fmt.Sprint(tk.Version)},
		"comment": {articles.published.Answer}, "kb_article": {id}, "only": {"answer"}, "bare": {"1"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("answer: %d", res.StatusCode)
	}
	if got := stored(t, number); got.KBArticle != id {
		t.Errorf("the closed order records %q, want %s", got.KBArticle, id)
	}
	_, body = get(t, c, "/tickets/"+number)
	if !strings.Contains(body, id+" 井盖丢了怎么办？") || !strings.Contains(body, `href="/kb/`+id+`"`) {
		t.Error("the order's page does not show the article's title on its timeline or link to it")
	}
	res, body = post(t, c, "/tickets/"+newOrder(t, "井盖又丢").Number+"/act/answer", url.Values{"csrf_token": {csrf(t, c)}, "version": {"1"},
		"comment": {"已答复"}, "kb_article": {articles.draft.ID}})
	if res.StatusCode == http.StatusSeeOther || !strings.Contains(body, `data-field="kb_article"`) {
		t.Errorf("answering with a draft: %d, want the form back with the article refused", res.StatusCode)
	}
}
