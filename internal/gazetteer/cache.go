package gazetteer

import (
	"context"
	"fmt"
	"time"

	"github.com/cityline/cityline/internal/org"
	"github.com/cityline/cityline/internal/snapshot"
)

// Source is where a node reads the address list and the city's tree: the store.
type Source interface {
	// GazetteerVersion must change whenever the list or the places change.
	GazetteerVersion(ctx context.Context) (string, error)
	GazetteerEntries(ctx context.Context) ([]Entry, error)
	GridsAndAncestors(ctx context.Context) ([]org.Place, error)
}

// Cache is a node's matcher over the stored list. Every maxAge it asks the source for the version, and
// builds a new matcher only when the version moved, so an import on any node reaches every node within
// maxAge, and at once on the node that imported (Expire). It is safe for concurrent use.
type Cache struct {
	snap *snapshot.Of[versioned]
}

type versioned struct {
	version string
	matcher *Matcher
}

// NewCache makes a cache that reads src; the matcher is built on first use.
func NewCache(src Source, maxAge time.Duration) *Cache {
	var last versioned // read and written by one load at a time: the snapshot serialises them
	return &Cache{snap: snapshot.New("gazetteer", maxAge, func(ctx context.Context) (versioned, error) {
		version, err := src.GazetteerVersion(ctx)
		if err != nil {
			return versioned{}, fmt.Errorf("gazetteer: %w", err)
		}
		if last.matcher != nil && version == last.version {
			return last, nil
		}
		entries, err := src.GazetteerEntries(ctx)
		if err != nil {
			return versioned{}, fmt.Errorf("gazetteer: %w", err)
		}
		places, err := src.GridsAndAncestors(ctx)
		if err != nil {
			return versioned{}, fmt.Errorf("gazetteer: %w", err)
		}
		last = versioned{version, NewMatcher(entries, places)}
		return last, nil
	})}
}

// Matcher returns the current matcher.
func (c *Cache) Matcher(ctx context.Context) (*Matcher, error) {
	v, err := c.snap.Get(ctx)
	return v.matcher, err
}

// Match matches text with the current matcher.
func (c *Cache) Match(ctx context.Context, text string) (Match, error) {
	m, err := c.Matcher(ctx)
	if err != nil {
		return Match{}, err
	}
	return m.Match(text), nil
}

// Expire makes the next use check the version at once: this node has just imported.
func (c *Cache) Expire() { c.snap.Expire() }
