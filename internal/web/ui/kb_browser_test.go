package ui_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/cityline/cityline/internal/workorder"
)

// TestBrowserConsoleSuggestsArticles types a call into the console: the knowledge-base panel
// suggests the published article as the matter is typed, shows why and its answer, and one click
// takes the call in and opens the answer form filled from the article, which closes the order.
func TestBrowserConsoleSuggestsArticles(t *testing.T) {
	articleFixture(t)
	id := articles.published.ID
	ctx := tab(t)
	login(t, ctx, "agent1")
	do(t, ctx, "open the call desk", chromedp.Navigate(site.URL+"/desk/intake"), chromedp.WaitVisible(chromedp.ID("kb-suggest-hint")))
	do(t, ctx, "type the caller and the matter",
		chromedp.SendKeys(chromedp.ID("f-caller_phone"), "13900008888"),
		chromedp.SendKeys(chromedp.ID("f-caller_name"), "赵六"),
		chromedp.Click(chromedp.ID("f-type-enquiry")),
		chromedp.SendKeys(chromedp.ID("f-category_q"), "窨井"),
		chromedp.WaitVisible(chromedp.CSS(`#tk-cat-results input[value="`+orders.leaf.Code+`"]`)),
		chromedp.SendKeys(chromedp.ID("f-category_q"), kb.Enter),
		chromedp.SendKeys(chromedp.ID("f-title"), "路口的井盖丢了"),
		chromedp.SendKeys(chromedp.ID("f-description"), "新华路口的井盖不见了，晚上很危险，想问找谁处理"),
		chromedp.WaitVisible(chromedp.CSS(`#kb-suggest-list li[data-id="`+id+`"]`)))
	if got := text(t, ctx, `#kb-suggest-list li[data-id="`+id+`"] .kb-why`); !strings.Contains(got, "井盖") {
		t.Errorf("the suggestion says %q, want why it fits (井盖)", got)
	}
	if n := eval[int](t, ctx, `document.querySelectorAll('#kb-suggest-list li').length`); n < 1 || n > 4 {
		t.Errorf("%d suggestions, want one to four", n)
	}
	do(t, ctx, "read the answer in the panel",
		chromedp.Click(chromedp.CSS(`#kb-suggest-list li[data-id="`+id+`"] summary`)),
		chromedp.WaitVisible(chromedp.CSS(`#kb-suggest-list li[data-id="`+id+`"] .kb-answer`)))
	screenshot(t, ctx, "kb-console")
	do(t, ctx, "answer with the article",
		chromedp.Click(chromedp.ID("kb-use-"+id)),
		chromedp.WaitVisible(chromedp.ID("tk-readback")),
		chromedp.WaitVisible(chromedp.ID("f-answer-comment")))
	if got := eval[string](t, ctx, `document.getElementById('f-answer-kb').value`); got != id {
		t.Errorf("the answer form names %q, want %s", got, id)
	}
	if got := eval[string](t, ctx, `document.getElementById('f-answer-comment').value`); got != articles.published.Answer {
		t.Errorf("the answer form holds %q, want the article's answer", got)
	}
	screenshot(t, ctx, "kb-console-answer")
	number := text(t, ctx, "#tk-number")
	do(t, ctx, "close the order on the phone",
		chromedp.Click(chromedp.ID("do-answer")),
		chromedp.WaitVisible(chromedp.ID("tk-notice")))
	if got := stored(t, number); got.Status != workorder.StatusClosed || got.KBArticle != id || got.Type != workorder.TypeEnquiry {
		t.Errorf("answered order: %s, article %q, type %s; want closed with %s", got.Status, got.KBArticle, got.Type, id)
	}
	do(t, ctx, "open the article from the knowledge base",
		chromedp.Navigate(site.URL+"/kb?q="+"井盖"),
		chromedp.WaitVisible(chromedp.CSS(`#kb-results tr[data-id="`+id+`"]`)))
	screenshot(t, ctx, "kb-list")
	do(t, ctx, "open the article", chromedp.Click(chromedp.CSS(`#kb-results tr[data-id="`+id+`"] a`)), chromedp.WaitVisible(chromedp.ID("kb-answer")))
	screenshot(t, ctx, "kb-article")
}
