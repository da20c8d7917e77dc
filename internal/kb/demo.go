package kb

import (
	"bufio"
	"bytes"
	_ "embed"
	"fmt"
	"strconv"
	"strings"

	"github.com/cityline/cityline/internal/calendar"
)

// The demo knowledge base is kept as text that a Chinese-speaking editor can read and correct; its
// head says how an article is written down.
//
//go:embed data/demo.txt
var demoText []byte

// DemoArticle is an article of the demo city: its content, the code of the demo unit that owns it
// (ids are only given when units are stored), and where the demo leaves it in review.
type DemoArticle struct {
	Content
	UnitCode string
	State    State // Published, Draft or InReview
}

// Demo returns the demo knowledge base as written on the given day: review dates spread over the
// next months, so that they fall due one by one, and time-limited answers expiring the number of
// days their entry says.
func Demo(today calendar.Date) ([]DemoArticle, error) {
	var out []DemoArticle
	var cur *DemoArticle
	var body []string
	finish := func() {
		if cur != nil {
			cur.Answer = strings.TrimSpace(strings.Join(body, "\n"))
			out = append(out, *cur)
		}
	}
	sc := bufio.NewScanner(bytes.NewReader(demoText))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		switch {
		case strings.HasPrefix(line, "#") && cur == nil, line == "" && cur == nil:
			continue
		case strings.HasPrefix(line, "== "):
			finish()
			a, err := demoHead(strings.Fields(line)[1:], today, len(out))
			if err != nil {
				return nil, fmt.Errorf("demo.txt line %d: %w", n, err)
			}
			cur, body = &a, nil
		case cur == nil:
			return nil, fmt.Errorf("demo.txt line %d: text before the first article", n)
		case cur.Title == "":
			cur.Title = line
		case cur.Keywords == nil && strings.HasPrefix(line, "关键词："):
			cur.Keywords = strings.Split(strings.TrimPrefix(line, "关键词："), "、")
		default:
			body = append(body, line)
		}
	}
	finish()
	return out, sc.Err()
}

// demoHead reads "分类编码 单位编码 [标记…]" for the i-th article.
func demoHead(fields []string, today calendar.Date, i int) (DemoArticle, error) {
	if len(fields) < 2 {
		return DemoArticle{}, fmt.Errorf("want a category code and a unit code after ==")
	}
	a := DemoArticle{Content: Content{Category: fields[0], ReviewBy: today.AddDays(60 + i*37%300)}, UnitCode: fields[1], State: Published}
	for _, mark := range fields[2:] {
		switch {
		case mark == "草稿":
			a.State = Draft
		case mark == "待审":
			a.State = InReview
		case strings.HasPrefix(mark, "时效:"):
			days, err := strconv.Atoi(strings.TrimPrefix(mark, "时效:"))
			if err != nil || days < 2 {
				return a, fmt.Errorf("%q: want 时效:days, at least 2", mark)
			}
			a.ExpiresOn = today.AddDays(days)
			if !before(a.ReviewBy, a.ExpiresOn) {
				a.ReviewBy = a.ExpiresOn.AddDays(-1)
			}
		default:
			return a, fmt.Errorf("unknown mark %q", mark)
		}
	}
	return a, nil
}
