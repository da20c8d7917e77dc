package democity_test

import (
	"math/rand/v2"
	"testing"

	"github.com/cityline/cityline/internal/democity"
	"github.com/cityline/cityline/internal/geo"
	"github.com/cityline/cityline/internal/org"
)

// BenchmarkLocateDemoCity measures point → grid lookups over the demo city's 786 real-shaped grids,
// at random points across the city's extent (some fall outside every grid, as real input does).
// Target: ≥ 500,000 lookups/s on one core (go test -bench LocateDemoCity -cpu 1 ./internal/democity/).
func BenchmarkLocateDemoCity(b *testing.B) {
	city, err := democity.Build()
	if err != nil {
		b.Fatal(err)
	}
	var grids []org.Place
	minLng, minLat, maxLng, maxLat := 180.0, 90.0, -180.0, -90.0
	for _, p := range city.Places {
		if p.Level != org.LevelGrid {
			continue
		}
		grids = append(grids, p)
		minLng, maxLng = min(minLng, p.CenterLng), max(maxLng, p.CenterLng)
		minLat, maxLat = min(minLat, p.CenterLat), max(maxLat, p.CenterLat)
	}
	ix, err := geo.NewIndex(grids)
	if err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	points := make([][2]float64, 4096)
	for i := range points {
		points[i] = [2]float64{minLng + rng.Float64()*(maxLng-minLng), minLat + rng.Float64()*(maxLat-minLat)}
	}
	found := 0
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		p := points[i%len(points)]
		if _, ok := ix.Locate(p[0], p[1]); ok {
			found++
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "lookups/s")
	if b.N >= len(points) && found == 0 {
		b.Fatal("no point fell in any grid: the benchmark measures nothing useful")
	}
}

// TestEveryGridCentreLocatesToItsGrid ties the demo city and the index together.
func TestEveryGridCentreLocatesToItsGrid(t *testing.T) {
	city, err := democity.Build()
	if err != nil {
		t.Fatal(err)
	}
	var grids []org.Place
	for _, p := range city.Places {
		if p.Level == org.LevelGrid {
			grids = append(grids, p)
		}
	}
	ix, err := geo.NewIndex(grids)
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range grids {
		if code, ok := ix.Locate(g.CenterLng, g.CenterLat); !ok || code != g.Code {
			t.Errorf("centre of %s located to %q (ok=%v)", g.Code, code, ok)
		}
	}
}
