// Package locate answers "which grid holds this point, and what is above it" from an in-memory
// spatial index. The index is only a cache of the places table: every node reloads it when the
// stored places change, so an import on one node reaches the others.
package locate

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/cityline/cityline/internal/geo"
	"github.com/cityline/cityline/internal/org"
)

// ErrOutside means the point lies in no grid of the city.
var ErrOutside = errors.New("the point is outside every grid of the city")

// Source is where the places come from (the store). Version must change whenever places change.
type Source interface {
	PlacesVersion(ctx context.Context) (string, error)
	GridsAndAncestors(ctx context.Context) ([]org.Place, error)
}

// Service holds the current index and refreshes it at most once per CheckEvery.
type Service struct {
	src        Source
	checkEvery time.Duration

	mu        sync.RWMutex
	index     *geo.Index
	places    map[string]org.Place // every place without its outline, for the chain up to the city
	version   string
	checkedAt time.Time
}

// New makes a Service; the index is loaded on first use.
func New(src Source, checkEvery time.Duration) *Service {
	return &Service{src: src, checkEvery: checkEvery}
}

// Locate returns the grid holding the point followed by every place above it, up to the city.
func (s *Service) Locate(ctx context.Context, lng, lat float64) ([]org.Place, error) {
	if err := s.refresh(ctx); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	code, ok := s.index.Locate(lng, lat)
	if !ok {
		return nil, ErrOutside
	}
	var chain []org.Place
	for code != "" && len(chain) <= len(org.Levels) {
		p, ok := s.places[code]
		if !ok {
			break
		}
		chain = append(chain, p)
		code = p.ParentCode
	}
	return chain, nil
}

// refresh reloads the index when the stored places have changed since the last load.
func (s *Service) refresh(ctx context.Context) error {
	s.mu.RLock()
	fresh := s.index != nil && time.Since(s.checkedAt) < s.checkEvery
	s.mu.RUnlock()
	if fresh {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.index != nil && time.Since(s.checkedAt) < s.checkEvery {
		return nil // another request refreshed while this one waited
	}
	version, err := s.src.PlacesVersion(ctx)
	if err != nil {
		return fmt.Errorf("locate: %w", err)
	}
	if s.index != nil && version == s.version {
		s.checkedAt = time.Now()
		return nil
	}
	all, err := s.src.GridsAndAncestors(ctx)
	if err != nil {
		return fmt.Errorf("locate: %w", err)
	}
	var grids []org.Place
	places := make(map[string]org.Place, len(all))
	for _, p := range all {
		if p.Level == org.LevelGrid && len(p.Boundary) > 0 {
			grids = append(grids, p)
		}
		p.Boundary = nil
		places[p.Code] = p
	}
	index, err := geo.NewIndex(grids)
	if err != nil {
		return fmt.Errorf("locate: build index: %w", err)
	}
	s.index, s.places, s.version, s.checkedAt = index, places, version, time.Now()
	return nil
}
