package store_test

import (
	"context"
	"errors"
	"reflect"
	"testing"

	"github.com/cityline/cityline/internal/audit"
	"github.com/cityline/cityline/internal/hotline"
	"github.com/cityline/cityline/internal/store"
	"github.com/cityline/cityline/internal/store/storetest"
)

func TestHotlineLines(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		if lines, err := s.HotlineLines(ctx); err != nil || len(lines) != 0 {
			t.Fatalf("fresh store: lines = %v, %v; want none", lines, err)
		}
		catalogue := hotline.Catalogue()
		if err := s.ReplaceHotlineLines(ctx, audit.System, catalogue); err != nil {
			t.Fatalf("replace: %v", err)
		}
		got, err := s.HotlineLines(ctx)
		if err != nil {
			t.Fatalf("list: %v", err)
		}
		if !reflect.DeepEqual(got, catalogue) {
			t.Fatalf("stored lines differ from the catalogue (order or content):\n got %v\nwant %v", got, catalogue)
		}
		one, err := s.HotlineLine(ctx, catalogue[3].Code)
		if err != nil || one != catalogue[3] {
			t.Fatalf("line %s = %+v, %v; want %+v", catalogue[3].Code, one, err, catalogue[3])
		}
		if _, err := s.HotlineLine(ctx, "no_such_line"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("unknown line: err = %v, want ErrNotFound", err)
		}

		// A replacement with fewer lines removes the rest and keeps the new order.
		smaller := []hotline.Line{catalogue[5], catalogue[0]}
		smaller[0].Name = "改名后的热线"
		if err := s.ReplaceHotlineLines(ctx, audit.Who{Actor: "admin", RemoteAddr: "127.0.0.1"}, smaller); err != nil {
			t.Fatalf("replace with fewer: %v", err)
		}
		got, err = s.HotlineLines(ctx)
		if err != nil || !reflect.DeepEqual(got, smaller) {
			t.Fatalf("after replace: %v, %v; want %v", got, err, smaller)
		}
		if _, err := s.HotlineLine(ctx, catalogue[1].Code); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("removed line %s: err = %v, want ErrNotFound", catalogue[1].Code, err)
		}

		// An invalid catalogue is refused whole and the stored one stays.
		bad := []hotline.Line{catalogue[2], {Code: catalogue[2].Code, Name: "重复"}}
		if err := s.ReplaceHotlineLines(ctx, audit.System, bad); err == nil {
			t.Fatal("a catalogue with a duplicate code was accepted")
		}
		if got, _ := s.HotlineLines(ctx); !reflect.DeepEqual(got, smaller) {
			t.Fatalf("a refused replacement changed the catalogue: %v", got)
		}

		entries, err := s.AuditEntries(ctx, "hotline_lines", "", 10)
		if err != nil {
			t.Fatalf("audit entries: %v", err)
		}
		if len(entries) != 2 || entries[0].Actor != "admin" || entries[0].Action != "hotline.replace" || entries[1].Actor != "system" {
			t.Fatalf("audit entries = %+v; want two hotline.replace entries, newest by admin", entries)
		}
		if n, brk, err := s.VerifyAudit(ctx); err != nil || brk != nil || n < 2 {
			t.Fatalf("audit chain: %d entries, break %v, err %v", n, brk, err)
		}
	})
}
