package geo

import (
	"math"
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"

	"github.com/cityline/cityline/internal/org"
)

func latticeIndex(t testing.TB, l *lattice, n int) *Index {
	t.Helper()
	ix, err := NewIndex(l.places(n))
	if err != nil {
		t.Fatal(err)
	}
	return ix
}

func TestIndexFindsEveryCell(t *testing.T) {
	l := newLattice(20, 15, 3)
	ix := latticeIndex(t, l, len(l.cells))
	rng := rand.New(rand.NewPCG(3, 3))
	for i := range l.cols {
		for j := range l.rows {
			want := strconv.Itoa(i*l.rows + j)
			// The nominal centre, and points around it, lie at least 0.34 of a cell inside the cell.
			c := l.centre(i, j)
			for k := range 20 {
				p := c
				if k > 0 {
					p = orb.Point{c[0] + 0.3*l.size*(2*rng.Float64()-1), c[1] + 0.3*l.size*(2*rng.Float64()-1)}
				}
				if got, ok := ix.Locate(p[0], p[1]); !ok || got != want {
					t.Fatalf("cell (%d, %d): Locate(%v) = %q, %v; want %q", i, j, p, got, ok, want)
				}
			}
		}
	}
}

func TestIndexAgreesWithOrb(t *testing.T) {
	l := newLattice(20, 15, 4)
	ix := latticeIndex(t, l, len(l.cells))
	rng := rand.New(rand.NewPCG(4, 4))
	b := orb.Polygon{l.outline}.Bound().Pad(l.size)
	inside := 0
	for range 4000 {
		p := orb.Point{b.Min[0] + rng.Float64()*(b.Max[0]-b.Min[0]), b.Min[1] + rng.Float64()*(b.Max[1]-b.Min[1])}
		var holders []string
		for k, c := range l.cells {
			if planar.PolygonContains(c, p) {
				holders = append(holders, strconv.Itoa(k))
			}
		}
		got, ok := ix.Locate(p[0], p[1])
		switch len(holders) {
		case 0:
			if ok {
				t.Fatalf("Locate(%v) = %q, but no cell holds the point", p, got)
			}
		case 1:
			inside++
			if !ok || got != holders[0] {
				t.Fatalf("Locate(%v) = %q, %v; want %q", p, got, ok, holders[0])
			}
		default:
			t.Fatalf("the generated cells overlap at %v: %v", p, holders)
		}
	}
	if inside < 2000 {
		t.Errorf("only %d of 4000 random points fell in a cell: the test covers too little", inside)
	}
}

// Every corner of the tiling lies on the edges of two to four cells; inside the tiling each must go to
// exactly one of them, and the index must name that one.
func TestIndexSharedEdgesGoToOneCell(t *testing.T) {
	l := newLattice(12, 10, 5)
	ix := latticeIndex(t, l, len(l.cells))
	border := map[orb.Point]bool{}
	for _, p := range l.outline {
		border[p] = true
	}
	checked := 0
	for _, c := range l.cells {
		for k := 0; k+1 < len(c[0]); k++ {
			a, b := c[0][k], c[0][k+1]
			for _, p := range []orb.Point{a, {(a[0] + b[0]) / 2, (a[1] + b[1]) / 2}} {
				if border[a] && border[b] || border[p] {
					continue
				}
				var holders []string
				for n, cell := range l.cells {
					if ringParity(cell[0], p[0], p[1]) {
						holders = append(holders, strconv.Itoa(n))
					}
				}
				got, ok := ix.Locate(p[0], p[1])
				if len(holders) != 1 || !ok || got != holders[0] {
					t.Fatalf("point %v on a shared edge: held by %v, Locate = %q, %v; want exactly one holder, found by Locate", p, holders, got, ok)
				}
				n, _ := strconv.Atoi(got)
				if !planar.PolygonContains(l.cells[n], p) {
					t.Fatalf("point %v went to cell %s, which does not touch it", p, got)
				}
				checked++
			}
		}
	}
	if checked < 1000 {
		t.Errorf("only %d points checked", checked)
	}
}

func TestIndexOutsideAndEmpty(t *testing.T) {
	l := newLattice(5, 5, 6)
	ix := latticeIndex(t, l, len(l.cells))
	b := orb.Polygon{l.outline}.Bound()
	for _, p := range []orb.Point{
		{b.Min[0] - 0.001, (b.Min[1] + b.Max[1]) / 2},
		{(b.Min[0] + b.Max[0]) / 2, b.Max[1] + 0.001},
		{116.4, 39.9},
		{0, 0},
	} {
		if code, ok := ix.Locate(p[0], p[1]); ok {
			t.Errorf("Locate(%v) = %q, want nothing outside the tiling", p, code)
		}
	}
	empty, err := NewIndex([]org.Place{{Code: "150302001001001", Level: org.LevelGrid}})
	if err != nil {
		t.Fatal(err)
	}
	if code, ok := empty.Locate(106.8, 39.6); ok {
		t.Errorf("an index without outlines found %q", code)
	}
	if _, err := NewIndex([]org.Place{{Code: "x", Boundary: []byte(`{"type":"Point","coordinates":[1,2]}`)}}); err == nil {
		t.Error("NewIndex accepted a Point outline")
	}
}

func TestIndexRespectsHoles(t *testing.T) {
	places := parseFixture(t, "tiling_hole.geojson")
	ring, centre := places[0].Code, places[1].Code
	both, err := NewIndex(places)
	if err != nil {
		t.Fatal(err)
	}
	ringOnly, err := NewIndex(places[:1])
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		ix   *Index
		p    orb.Point
		want string // "" for none
	}{
		{both, orb.Point{106.81, 39.61}, centre},
		{both, orb.Point{106.802, 39.61}, ring},
		{both, orb.Point{106.818, 39.618}, ring},
		{ringOnly, orb.Point{106.81, 39.61}, ""},
		{ringOnly, orb.Point{106.802, 39.61}, ring},
	}
	for _, c := range cases {
		got, ok := c.ix.Locate(c.p[0], c.p[1])
		if got != c.want || ok != (c.want != "") {
			t.Errorf("Locate(%v) = %q, %v; want %q", c.p, got, ok, c.want)
		}
	}
}

func TestLocateDoesNotAllocate(t *testing.T) {
	l := newLattice(10, 10, 8)
	ix := latticeIndex(t, l, len(l.cells))
	c := l.centre(4, 4)
	if n := testing.AllocsPerRun(1000, func() { ix.Locate(c[0], c[1]) }); n != 0 {
		t.Errorf("Locate allocates %v times per call, want 0", n)
	}
}

func TestArea(t *testing.T) {
	// A cell of 0.01° × 0.01° at 39.6° N, against the area of a spherical quadrangle.
	const r = 6378137.0 // orb/geo's earth radius, in metres
	rad := math.Pi / 180
	want := r * r * (0.01 * rad) * (math.Sin(39.61*rad) - math.Sin(39.6*rad))
	got, err := Area(swGrid)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(got-want) > want*1e-6 {
		t.Errorf("Area = %.1f m², want %.1f m²", got, want)
	}
	if _, err := Area([]byte(`{"type":"LineString","coordinates":[[1,2],[3,4]]}`)); err == nil {
		t.Error("Area accepted a LineString")
	}
}

// benchmarkLocate measures lookups of random points over the first n cells of a generated city.
func benchmarkLocate(b *testing.B, n int) {
	side := int(math.Ceil(math.Sqrt(float64(n))))
	l := newLattice(side, side, 42)
	ix := latticeIndex(b, l, n)
	box := orb.Polygon{l.outline}.Bound()
	rng := rand.New(rand.NewPCG(42, 42))
	points := make([]orb.Point, 1<<14)
	for i := range points {
		points[i] = orb.Point{box.Min[0] + rng.Float64()*(box.Max[0]-box.Min[0]), box.Min[1] + rng.Float64()*(box.Max[1]-box.Min[1])}
	}
	found := 0
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		p := points[i&(len(points)-1)]
		if _, ok := ix.Locate(p[0], p[1]); ok {
			found++
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "lookups/s")
	if found == 0 {
		b.Fatal("no point was found in any cell")
	}
}

// BenchmarkLocate786 is a city the size of Wuhai: 786 grids.
func BenchmarkLocate786(b *testing.B) { benchmarkLocate(b, 786) }

// BenchmarkLocate100k is a big city: 100,000 grids.
func BenchmarkLocate100k(b *testing.B) { benchmarkLocate(b, 100_000) }
