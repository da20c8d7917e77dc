package democity

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cityline/cityline/internal/category"
	"github.com/cityline/cityline/internal/gazetteer"
	"github.com/cityline/cityline/internal/geo"
	"github.com/cityline/cityline/internal/org"
	"github.com/cityline/cityline/internal/store/storetest"
	"github.com/cityline/cityline/internal/workorder"
)

func TestGazetteerEntries(t *testing.T) {
	c := demoCity(t)
	if len(c.Gazetteer) < 5000 {
		t.Fatalf("%d entries, want thousands", len(c.Gazetteer))
	}
	var grids []org.Place
	known := map[string]bool{}
	for _, p := range c.Places {
		if p.Level == org.LevelGrid {
			grids = append(grids, p)
			known[p.Code] = true
		}
	}
	index, err := geo.NewIndex(grids)
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[gazetteer.Kind]int{}
	keys := map[string]bool{}
	withEntries := map[string]bool{}
	for _, e := range c.Gazetteer {
		if err := e.Validate(); err != nil {
			t.Fatalf("%s: %v", e.Address, err)
		}
		if keys[gazetteer.Key(e.Address)] {
			t.Fatalf("%s: listed twice", e.Address)
		}
		keys[gazetteer.Key(e.Address)] = true
		if grid, ok := index.Locate(e.Lng, e.Lat); !ok || grid != e.Grid {
			t.Fatalf("%s: point (%v, %v) lies in %q, not its grid %s", e.Address, e.Lng, e.Lat, grid, e.Grid)
		}
		kinds[e.Kind]++
		withEntries[e.Grid] = true
	}
	for _, k := range gazetteer.Kinds {
		if kinds[k] == 0 {
			t.Errorf("no %s entries", k)
		}
	}
	if len(withEntries) != len(known) {
		t.Errorf("%d of %d grids have entries, want every one", len(withEntries), len(known))
	}
	t.Logf("%d entries: %v", len(c.Gazetteer), kinds)

	again, err := Gazetteer(c.Places)
	if err != nil || !slices.EqualFunc(again, c.Gazetteer, sameEntry) {
		t.Errorf("a second build made another list (%v)", err)
	}
}

func sameEntry(a, b gazetteer.Entry) bool {
	return a.Kind == b.Kind && a.Name == b.Name && a.Address == b.Address && a.Grid == b.Grid &&
		a.Lng == b.Lng && a.Lat == b.Lat && slices.Equal(a.Aliases, b.Aliases)
}

// The share of the demo's order addresses that the matcher puts in the grid they were made up in: the
// demo's generator and its gazetteer are meant to agree, so that triage can be shown on the demo.
// Run with -v for the numbers.
func TestGazetteerMatchesDemoAddresses(t *testing.T) {
	c := demoCity(t)
	cats, err := category.Demo()
	if err != nil {
		t.Fatal(err)
	}
	x, err := NewTexts(20261128, c.Places, cats)
	if err != nil {
		t.Fatal(err)
	}
	m := gazetteer.NewMatcher(c.Gazetteer, c.Places)
	at := time.Date(2026, 11, 28, 10, 0, 0, 0, workorder.Shanghai)
	var total, exact, inside, confident, confidentExact, confidentWrong int
	byMode := map[string][2]int{}
	var wrong []string
	for total < 5000 {
		matter := x.Matter(at)
		if matter.Intake.Address == "" {
			continue
		}
		total++
		got := m.Match(matter.Intake.Address)
		mode := string(x.leaf.mode)
		counts := byMode[mode]
		counts[1]++
		if got.Place == matter.PlaceCode {
			exact++
			counts[0]++
		}
		byMode[mode] = counts
		if got.Place != "" && strings.HasPrefix(matter.PlaceCode, got.Place) {
			inside++
		}
		if got.Confident {
			confident++
			switch {
			case got.Place == matter.PlaceCode:
				confidentExact++
			case !strings.HasPrefix(matter.PlaceCode, got.Place):
				confidentWrong++
				if len(wrong) < 5 {
					wrong = append(wrong, fmt.Sprintf("%s → %s (%s, score %.2f), made in %s", matter.Intake.Address, got.Entry.Address, got.Place, got.Score, matter.PlaceCode))
				}
			}
		}
	}
	share := func(n int) float64 { return float64(n) / float64(total) }
	t.Logf("%d demo addresses: %.1f%% matched to the grid they were made in, %.1f%% to a place that holds it; %.1f%% confident (%.1f%% confident and in the grid), %.2f%% confident and wrong",
		total, 100*share(exact), 100*share(inside), 100*share(confident), 100*share(confidentExact), 100*share(confidentWrong))
	for mode, counts := range byMode {
		t.Logf("  %-5s %5d addresses, %.1f%% to their grid", mode, counts[1], 100*float64(counts[0])/float64(counts[1]))
	}
	if share(exact) < 0.75 || share(inside) < 0.97 {
		t.Errorf("%.3f of the addresses matched their grid and %.3f a place holding it; want at least 0.75 and 0.97", share(exact), share(inside))
	}
	if share(confidentWrong) > 0.005 {
		t.Errorf("%.3f of the addresses matched confidently to the wrong place, want at most 0.005: %v", share(confidentWrong), wrong)
	}
}

// The text generator, built from the stored places as the demo's history builds it, draws from the
// same book as the seeded list.
func TestSeededGazetteerIsTheGeneratorsBook(t *testing.T) {
	c := demoCity(t)
	st := storetest.SQLite(t)
	ctx := context.Background()
	if _, err := Seed(ctx, st, c, testOptions); err != nil {
		t.Fatal(err)
	}
	places, err := st.GridsAndAncestors(ctx)
	if err != nil {
		t.Fatal(err)
	}
	book, err := newAddressBook(places)
	if err != nil {
		t.Fatal(err)
	}
	stored, err := st.GazetteerEntries(ctx)
	if err != nil {
		t.Fatal(err)
	}
	byKey := map[string]gazetteer.Entry{}
	for _, e := range stored {
		byKey[gazetteer.Key(e.Address)] = e
	}
	if len(stored) != len(book.entries) {
		t.Fatalf("%d entries stored, the book from the stored places has %d", len(stored), len(book.entries))
	}
	for _, e := range book.entries {
		if s, ok := byKey[gazetteer.Key(e.Address)]; !ok || !sameEntry(s, e) {
			t.Fatalf("%s: stored as %+v, the book has %+v", e.Address, s, e)
		}
	}
}
