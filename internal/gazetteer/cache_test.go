package gazetteer

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/cityline/cityline/internal/org"
)

// fakeSource counts what the cache reads.
type fakeSource struct {
	version          string
	entries          []Entry
	versions, loads  int
	failVersion      error
	failEntriesAfter int // loads after which GazetteerEntries fails; 0 never
}

func (f *fakeSource) GazetteerVersion(context.Context) (string, error) {
	f.versions++
	return f.version, f.failVersion
}

func (f *fakeSource) GazetteerEntries(context.Context) ([]Entry, error) {
	f.loads++
	if f.failEntriesAfter > 0 && f.loads > f.failEntriesAfter {
		return nil, errors.New("database gone")
	}
	return f.entries, nil
}

func (f *fakeSource) GridsAndAncestors(context.Context) ([]org.Place, error) {
	return testPlaces(), nil
}

func TestCacheReloadsWhenTheVersionMoves(t *testing.T) {
	ctx := context.Background()
	src := &fakeSource{version: "1", entries: testEntries()[:2]}
	c := NewCache(src, 0) // no maximum age: every use asks for the version
	for range 3 {
		m, err := c.Matcher(ctx)
		if err != nil || m.Len() != 2 {
			t.Fatalf("matcher of %d entries, %v; want 2", m.Len(), err)
		}
	}
	if src.loads != 1 || src.versions != 3 {
		t.Errorf("%d loads and %d version checks, want 1 and 3: an unchanged version reuses the matcher", src.loads, src.versions)
	}

	// An import elsewhere: the next use sees the new list.
	src.version, src.entries = "2", testEntries()
	got, err := c.Match(ctx, "海勃湾区康乐小区3号楼")
	if err != nil || got.Entry.Address != "海勃湾区滨河街道长青社区康乐小区3号楼" || src.loads != 2 {
		t.Errorf("after the version moved: %q (%v), %d loads; want the building from the new list", got.Entry.Address, err, src.loads)
	}

	// A failing reload keeps the matcher read before.
	src.version, src.failEntriesAfter = "3", 2
	if m, err := c.Matcher(ctx); err != nil || m.Len() != len(testEntries()) {
		t.Errorf("failed reload: %v; want the previous matcher kept", err)
	}
}

func TestCacheWaitsForItsAge(t *testing.T) {
	ctx := context.Background()
	src := &fakeSource{version: "1", entries: testEntries()}
	c := NewCache(src, time.Hour)
	c.Matcher(ctx)
	c.Matcher(ctx)
	if src.versions != 1 {
		t.Errorf("%d version checks within the maximum age, want 1", src.versions)
	}
	c.Expire()
	c.Matcher(ctx)
	if src.versions != 2 || src.loads != 1 {
		t.Errorf("after Expire: %d version checks and %d loads, want 2 and 1", src.versions, src.loads)
	}

	broken := NewCache(&fakeSource{failVersion: errors.New("no database")}, time.Hour)
	if _, err := broken.Match(ctx, "康乐小区"); err == nil {
		t.Error("a cache that never loaded answered without an error")
	}
}
