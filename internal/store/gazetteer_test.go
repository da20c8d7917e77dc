package store_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/cityline/cityline/internal/audit"
	"github.com/cityline/cityline/internal/gazetteer"
	"github.com/cityline/cityline/internal/store"
	"github.com/cityline/cityline/internal/store/storetest"
)

// tinyGazetteer lists a compound in each grid of storetest.TinyCity's 150302, with n buildings each.
func tinyGazetteer(n int) []gazetteer.Entry {
	var out []gazetteer.Entry
	for g, name := range []string{"康乐小区", "阳光家园"} {
		grid := fmt.Sprintf("150302001001%03d", g+1)
		lng := 106.25 + 0.5*float64(g)
		prefix := "区150302街道150302社区150302"
		out = append(out, gazetteer.Entry{Kind: gazetteer.KindCompound, Name: name, Aliases: []string{name[:6] + "花园"},
			Address: prefix + name, Grid: grid, Lng: lng, Lat: 39.5})
		for b := 1; b <= n; b++ {
			out = append(out, gazetteer.Entry{Kind: gazetteer.KindBuilding, Name: fmt.Sprintf("%d号楼", b),
				Address: fmt.Sprintf("%s%s%d号楼", prefix, name, b), Grid: grid, Lng: lng, Lat: 39.5 + 0.001*float64(b)})
		}
	}
	return out
}

func TestGazetteer(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		who := audit.Who{Actor: "cli:test", RemoteAddr: "local"}
		storetest.TinyCity(t, s)
		if got, err := s.GazetteerEntries(ctx); err != nil || len(got) != 0 {
			t.Fatalf("fresh store: %d entries, %v; want none", len(got), err)
		}
		v0, err := s.GazetteerVersion(ctx)
		if err != nil {
			t.Fatal(err)
		}

		// 250 buildings each: more than one batch of inserts.
		list := tinyGazetteer(250)
		if err := s.ReplaceGazetteer(ctx, who, list, "test list"); err != nil {
			t.Fatalf("replace: %v", err)
		}
		got, err := s.GazetteerEntries(ctx)
		if err != nil || !reflect.DeepEqual(got, list) {
			t.Fatalf("stored %d entries (%v), want the %d given, in order", len(got), err, len(list))
		}
		v1, _ := s.GazetteerVersion(ctx)
		if v1 == v0 {
			t.Errorf("version %q did not move with the import", v1)
		}

		// Adding appends; the same address written another way (3栋 for 3号楼) is a duplicate.
		extra := gazetteer.Entry{Kind: gazetteer.KindPOI, Name: "市人民医院", Address: "区150303市人民医院", Grid: "150303001001002", Lng: 107.75, Lat: 39.5}
		if err := s.AddGazetteer(ctx, who, []gazetteer.Entry{extra}, "one more"); err != nil {
			t.Fatalf("add: %v", err)
		}
		dup := list[3]
		dup.Address = strings.Replace(dup.Address, "3号楼", "三栋", 1)
		fresh := extra
		fresh.Address, fresh.Name = "区150303市中医医院", "市中医医院"
		if err := s.AddGazetteer(ctx, who, []gazetteer.Entry{fresh, dup}, "dup"); !errors.Is(err, store.ErrConflict) {
			t.Errorf("adding %s again: err = %v, want ErrConflict", dup.Address, err)
		}
		v2, _ := s.GazetteerVersion(ctx)

		// Refused lists change nothing, and their errors name the field.
		unknownGrid := extra
		unknownGrid.Address, unknownGrid.Grid = "区150303某处", "150303001001009"
		noName := extra
		noName.Address, noName.Name = "区150303某处", " "
		twice := []gazetteer.Entry{extra, extra}
		twice[1].Address = "区150303 市人民医院"
		for _, c := range []struct {
			entries []gazetteer.Entry
			want    string
		}{
			{[]gazetteer.Entry{unknownGrid}, "grid: 150303001001009 is not a grid of the city"},
			{[]gazetteer.Entry{noName}, "name: required"},
			{twice, "entry 2: address"},
		} {
			if err := s.ReplaceGazetteer(ctx, who, c.entries, "bad"); err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("replace with %v: err = %v, want it to say %q", c.entries, err, c.want)
			}
		}
		if got, _ := s.GazetteerEntries(ctx); len(got) != len(list)+1 || got[len(got)-1].Address != extra.Address {
			t.Errorf("after refused writes: %d entries, want the %d stored before", len(got), len(list)+1)
		}
		if v, _ := s.GazetteerVersion(ctx); v != v2 || v2 == v1 {
			t.Errorf("versions %q → %q → %q: refused writes must not move it, the add must", v1, v2, v)
		}

		// Replacing drops what the new list does not hold.
		if err := s.ReplaceGazetteer(ctx, who, list[:1], "small"); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.GazetteerEntries(ctx); len(got) != 1 || got[0].Address != list[0].Address || got[0].Aliases[0] != "康乐花园" {
			t.Errorf("after replacing with one entry: %+v", got)
		}
		entries, err := s.AuditEntries(ctx, "gazetteer", "", 10)
		if err != nil || len(entries) != 3 || entries[0].Action != "gazetteer.replace" || entries[1].Action != "gazetteer.add" {
			t.Errorf("audit: %+v (%v); want replace, add, replace", entries, err)
		}
		if n, broken, err := s.VerifyAudit(ctx); err != nil || broken != nil || n == 0 {
			t.Errorf("audit chain: %d, %v, %v", n, broken, err)
		}
	})
}

// The store is what a node's matcher reads; a list imported after the matcher was built is matched at
// its next use (here with no maximum age).
var _ gazetteer.Source = (*store.Store)(nil)

func TestGazetteerCacheSeesImports(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		storetest.TinyCity(t, s)
		cache := gazetteer.NewCache(s, 0)
		if got, err := cache.Match(ctx, "阳光家园3号楼"); err != nil || got.Score != 0 {
			t.Fatalf("empty list: %+v, %v; want no match", got, err)
		}
		if err := s.ReplaceGazetteer(ctx, audit.System, tinyGazetteer(5), "test"); err != nil {
			t.Fatal(err)
		}
		got, err := cache.Match(ctx, "阳光家园3号楼")
		if err != nil || !got.Confident || got.Grid != "150302001001002" || got.Entry.Address != "区150302街道150302社区150302阳光家园3号楼" {
			t.Errorf("after the import: %+v, %v; want building 3 of 阳光家园 in grid 150302001001002", got, err)
		}
	})
}
