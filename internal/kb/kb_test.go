package kb_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cityline/cityline/internal/calendar"
	"github.com/cityline/cityline/internal/category"
	"github.com/cityline/cityline/internal/kb"
)

func date(s string) calendar.Date {
	d, err := calendar.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

func TestTodayIsTheCitysDay(t *testing.T) {
	// 23:30 UTC on 1 March is 07:30 on 2 March in the city.
	if got := kb.Today(time.Date(2026, 3, 1, 23, 30, 0, 0, time.UTC)); got != date("2026-03-02") {
		t.Errorf("Today = %s, want 2026-03-02", got)
	}
}

func TestExpiryAndReviewDays(t *testing.T) {
	c := kb.Content{ReviewBy: date("2026-06-30"), ExpiresOn: date("2026-10-15")}
	cases := []struct {
		day                      string
		expired, overdue, usable bool
	}{
		{"2026-06-30", false, false, true}, // the review date itself is still in time
		{"2026-07-01", false, true, false},
		{"2026-10-14", false, true, false},
		{"2026-10-15", true, true, false}, // the expiry date is the first day without the answer
	}
	for _, tc := range cases {
		d := date(tc.day)
		if c.Expired(d) != tc.expired || c.ReviewOverdue(d) != tc.overdue || c.Usable(d) != tc.usable {
			t.Errorf("%s: expired %v, overdue %v, usable %v; want %v %v %v", tc.day, c.Expired(d), c.ReviewOverdue(d), c.Usable(d),
				tc.expired, tc.overdue, tc.usable)
		}
	}
	if (kb.Content{}).Expired(date("2099-01-01")) {
		t.Error("an answer without an expiry date expired")
	}
}

func validContent() kb.Content {
	return kb.Content{Category: "110401", Title: "暖气不热怎么办？", Answer: "请先检查阀门。\n仍不热的，热力公司上门测温。",
		Keywords: []string{"暖气"}, UnitID: "u1", ReviewBy: date("2026-09-30"), ExpiresOn: date("2026-10-15")}
}

func TestValidateNamesTheField(t *testing.T) {
	today := date("2026-03-02")
	if err := validContent().Validate(today); err != nil {
		t.Fatalf("valid content refused: %v", err)
	}
	cases := []struct {
		field string
		edit  func(c *kb.Content)
	}{
		{"category", func(c *kb.Content) { c.Category = "" }},
		{"category", func(c *kb.Content) { c.Category = "1104010" }},
		{"title", func(c *kb.Content) { c.Title = "" }},
		{"title", func(c *kb.Content) { c.Title = strings.Repeat("暖", kb.MaxTitleRunes+1) }},
		{"title", func(c *kb.Content) { c.Title = "暖气\n不热" }},
		{"title", func(c *kb.Content) { c.Title = "暖气不热 " }},
		{"answer", func(c *kb.Content) { c.Answer = "" }},
		{"answer", func(c *kb.Content) { c.Answer = strings.Repeat("热", kb.MaxAnswerRunes+1) }},
		{"answer", func(c *kb.Content) { c.Answer = "响铃\a" }},
		{"answer", func(c *kb.Content) { c.Answer = "\xff" }},
		{"keywords", func(c *kb.Content) { c.Keywords = make([]string, kb.MaxKeywords+1) }},
		{"keywords[0]", func(c *kb.Content) { c.Keywords = []string{""} }},
		{"keywords[0]", func(c *kb.Content) { c.Keywords = []string{"暖气,供暖"} }},
		{"keywords[1]", func(c *kb.Content) { c.Keywords = []string{"暖气", "暖气"} }},
		{"unit_id", func(c *kb.Content) { c.UnitID = "" }},
		{"review_by", func(c *kb.Content) { c.ReviewBy = calendar.Date{} }},
		{"review_by", func(c *kb.Content) { c.ReviewBy = date("2026-03-01") }},
		{"review_by", func(c *kb.Content) { c.ReviewBy = date("2026-10-15") }},
		{"expires_on", func(c *kb.Content) { c.ExpiresOn = date("2026-03-02") }},
	}
	for _, tc := range cases {
		c := validContent()
		tc.edit(&c)
		var fe *kb.FieldError
		if err := c.Validate(today); !errors.As(err, &fe) || fe.Field != tc.field {
			t.Errorf("%+v: err = %v, want a refusal naming %s", c, err, tc.field)
		}
	}
	if err := kb.CheckNote(strings.Repeat("注", kb.MaxNoteRunes+1)); err == nil {
		t.Error("an overlong note was accepted")
	}
}

// TestReviewSteps walks every step from every state: a step is allowed only from the states the
// workflow names, and never on a version the actor did not see.
func TestReviewSteps(t *testing.T) {
	now := time.Date(2026, 3, 2, 2, 0, 0, 0, time.UTC)
	allowed := map[kb.Action][]kb.State{
		kb.ActSubmit:  {kb.Draft},
		kb.ActPublish: {kb.InReview},
		kb.ActReturn:  {kb.InReview},
		kb.ActRetire:  {kb.Draft, kb.InReview, kb.Published},
	}
	for _, act := range kb.Actions {
		for _, from := range kb.States {
			a := kb.Article{ID: "KB00001", State: from, Version: 3, Live: 2, Content: validContent()}
			got, err := a.Step(act, 3, "请补充依据", "sup", now)
			if ok := slices.Contains(allowed[act], from); ok != (err == nil) {
				t.Errorf("%s from %s: err = %v, want allowed = %v", act, from, err, ok)
				continue
			}
			if err != nil {
				if !errors.Is(err, kb.ErrState) {
					t.Errorf("%s from %s: %v does not wrap ErrState", act, from, err)
				}
				continue
			}
			want := map[kb.Action]struct {
				state kb.State
				live  int
			}{kb.ActSubmit: {kb.InReview, 2}, kb.ActPublish: {kb.Published, 3}, kb.ActReturn: {kb.Draft, 2}, kb.ActRetire: {kb.Retired, 0}}[act]
			if got.State != want.state || got.Live != want.live || got.UpdatedBy != "sup" || !got.UpdatedAt.Equal(now) {
				t.Errorf("%s from %s: %+v, want state %s, live %d", act, from, got, want.state, want.live)
			}
		}
	}
	a := kb.Article{ID: "KB00001", State: kb.InReview, Version: 3, Content: validContent()}
	if _, err := a.Step(kb.ActPublish, 2, "", "sup", now); !errors.Is(err, kb.ErrStale) {
		t.Errorf("publishing a version not seen: %v, want ErrStale", err)
	}
	if _, err := a.Step(kb.ActReturn, 3, "", "sup", now); err == nil {
		t.Error("sent back without saying why")
	}
	late := now.AddDate(0, 8, 0) // past the review date: the version cannot go live as it is
	var fe *kb.FieldError
	if _, err := a.Step(kb.ActPublish, 3, "", "sup", late); !errors.As(err, &fe) || fe.Field != "review_by" {
		t.Errorf("publishing after the review date: %v, want a refusal naming review_by", err)
	}
	edited := kb.Article{ID: "KB00001", State: kb.Published, Version: 3, Live: 3, ReviewNote: "旧意见"}.Edited("agent", now)
	if edited.Version != 4 || edited.Shown != 4 || edited.State != kb.Draft || edited.Live != 3 || edited.ReviewNote != "" {
		t.Errorf("edited: %+v", edited)
	}
}

func TestDemoKnowledgeBase(t *testing.T) {
	today := date("2026-03-02")
	demo, err := kb.Demo(today)
	if err != nil {
		t.Fatal(err)
	}
	if len(demo) < 60 {
		t.Fatalf("%d demo articles, want about 60 or more", len(demo))
	}
	cats, err := category.Demo()
	if err != nil {
		t.Fatal(err)
	}
	tree := category.NewTree(cats)
	states := map[kb.State]int{}
	titles := map[string]bool{}
	for _, a := range demo {
		c := a.Content
		c.UnitID = a.UnitCode
		if err := c.Validate(today); err != nil {
			t.Errorf("%s: %v", a.Title, err)
		}
		if _, inUse := tree.InUse(a.Category); !inUse || len(tree.Children(a.Category)) > 0 {
			t.Errorf("%s: category %s is not a leaf in use of the demo catalogue", a.Title, a.Category)
		}
		if len(a.Keywords) == 0 || titles[a.Title] {
			t.Errorf("%s: no keywords, or the title is used twice", a.Title)
		}
		titles[a.Title] = true
		states[a.State]++
	}
	if states[kb.Draft] == 0 || states[kb.InReview] == 0 || states[kb.Published] < 60 {
		t.Errorf("demo states %v: want some of each, most published", states)
	}
}
