package triage_test

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/cityline/cityline/internal/category"
	"github.com/cityline/cityline/internal/democity"
	"github.com/cityline/cityline/internal/triage"
)

// demoTexts is the demo city's generator of made-up matters.
func demoTexts(t testing.TB, seed uint64) *democity.Texts {
	t.Helper()
	city, err := democity.Build()
	if err != nil {
		t.Fatal(err)
	}
	cats, err := category.Demo()
	if err != nil {
		t.Fatal(err)
	}
	x, err := democity.NewTexts(seed, city.Places, cats)
	if err != nil {
		t.Fatal(err)
	}
	return x
}

// labelledReports makes up a month of reports in the demo city, of which some are second reports of
// an earlier matter at a place (democity.Texts.Again: same matter and spot, other words, other
// caller; two people asking the same question about their own pensions are not duplicates). It
// returns the reports, oldest first, and for each second report the index of its first.
func labelledReports(t testing.TB, n int, againShare float64) ([]triage.Report, map[int]int) {
	t.Helper()
	x := demoTexts(t, 11)
	rng := rand.New(rand.NewPCG(3, 4))
	start := time.Date(2026, 10, 1, 8, 0, 0, 0, time.UTC)
	var out []triage.Report
	firstOf := map[int]int{}
	report := func(m democity.Matter, at time.Time) triage.Report {
		in := m.Intake
		return triage.Report{ID: fmt.Sprint(len(out)), Number: fmt.Sprintf("N%06d", len(out)), Category: in.Category,
			Title: in.Title, Description: in.Description, Address: in.Address, Lng: in.Lng, Lat: in.Lat,
			PlaceCode: m.PlaceCode, CallerPhone: in.Caller.Phone, At: at}
	}
	at := start
	for len(out) < n {
		at = at.Add(time.Duration(rng.IntN(40)+1) * time.Minute)
		m := x.Matter(at)
		out = append(out, report(m, at))
		if m.Intake.Address != "" && rng.Float64() < againShare && len(out) < n {
			first := len(out) - 1
			later := at.Add(time.Duration(rng.IntN(48*60)+5) * time.Minute)
			out = append(out, report(x.Again(), later))
			firstOf[len(out)-1] = first
		}
	}
	return out, firstOf
}

// TestDuplicatePrecisionRecall measures duplicate detection on labelled pairs: every report is
// compared with the candidates production compares it with (earlier reports of the same caller in
// the last 30 days, or of the same street and category group in the last 7), and a pair counts as a true duplicate when
// one is the other's second report.
func TestDuplicatePrecisionRecall(t *testing.T) {
	reports, firstOf := labelledReports(t, 6000, 0.1)
	var tp, fp, fn, pairs int
	for i, r := range reports {
		var candidates []triage.Report
		for _, c := range reports {
			gap := r.At.Sub(c.At)
			if gap <= 0 {
				continue
			}
			sameCaller := r.CallerPhone != "" && r.CallerPhone == c.CallerPhone && gap <= triage.SameCallerWindow
			q := triage.CandidatesFor(r, 0)
			sameStreet := q.StreetCode != "" && strings.HasPrefix(c.PlaceCode, q.StreetCode) && strings.HasPrefix(c.Category, q.CategoryGroup) &&
				gap <= triage.NearbyWindow
			if sameCaller || sameStreet {
				candidates = append(candidates, c)
			}
		}
		pairs += len(candidates)
		found := triage.FindDuplicates(r, candidates)
		first, isSecond := firstOf[i]
		hit := false
		for _, d := range found {
			if isSecond && d.ID == fmt.Sprint(first) {
				tp++
				hit = true
			} else {
				fp++
			}
		}
		if isSecond && !hit {
			fn++
		}
	}
	precision := float64(tp) / float64(max(tp+fp, 1))
	recall := float64(tp) / float64(max(tp+fn, 1))
	t.Logf("%d reports, %d second reports, %d candidate pairs: precision %.3f, recall %.3f (tp %d, fp %d, fn %d)",
		len(reports), len(firstOf), pairs, precision, recall, tp, fp, fn)
	if precision < 0.9 || recall < 0.85 {
		t.Errorf("precision %.3f (want ≥ 0.90), recall %.3f (want ≥ 0.85)", precision, recall)
	}
}
