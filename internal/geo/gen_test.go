package geo

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"github.com/paulmach/orb"

	"github.com/cityline/cityline/internal/org"
)

// lattice is a generated tiling of irregular cells, like a city's grids: a lattice whose corners are
// jittered and whose edges wiggle through 2-4 extra points, so that each cell has 12-20 corners. An
// edge is built once and used by both cells beside it, so shared edges are identical.
type lattice struct {
	origin     orb.Point
	size       float64 // nominal cell width in degrees
	cols, rows int
	cells      []orb.Polygon // column-major: cell (i, j) is cells[i*rows+j]
	outline    orb.Ring      // the outer boundary, made of the border cells' own edges
}

// Corners move at most 0.1 of a cell and wiggles at most 0.06, so the point at a cell's nominal centre
// lies at least 0.34 of a cell from its edges: a ground truth that needs no point-in-polygon test.
const (
	cornerJitter = 0.1
	wiggle       = 0.06
)

func newLattice(cols, rows int, seed uint64) *lattice {
	rng := rand.New(rand.NewPCG(seed, 1))
	l := &lattice{origin: orb.Point{106.6, 39.2}, size: 0.005, cols: cols, rows: rows}
	corner := make([][]orb.Point, cols+1)
	for i := range corner {
		corner[i] = make([]orb.Point, rows+1)
		for j := range corner[i] {
			corner[i][j] = orb.Point{
				l.origin[0] + (float64(i)+cornerJitter*(2*rng.Float64()-1))*l.size,
				l.origin[1] + (float64(j)+cornerJitter*(2*rng.Float64()-1))*l.size,
			}
		}
	}
	edge := func(a, b orb.Point) []orb.Point {
		k := 2 + rng.IntN(3)
		out := []orb.Point{a}
		d := sub(b, a)
		for m := range k {
			t := (float64(m)+1)/float64(k+1) + 0.05*(2*rng.Float64()-1)
			off := wiggle * (2*rng.Float64() - 1) * l.size
			n := orb.Point{-d[1], d[0]}
			norm := off / math.Hypot(n[0], n[1])
			out = append(out, orb.Point{a[0] + t*d[0] + norm*n[0], a[1] + t*d[1] + norm*n[1]})
		}
		return append(out, b)
	}
	horizontal := make([][][]orb.Point, cols) // from corner (i, j) to (i+1, j)
	for i := range horizontal {
		horizontal[i] = make([][]orb.Point, rows+1)
		for j := range horizontal[i] {
			horizontal[i][j] = edge(corner[i][j], corner[i+1][j])
		}
	}
	vertical := make([][][]orb.Point, cols+1) // from corner (i, j) to (i, j+1)
	for i := range vertical {
		vertical[i] = make([][]orb.Point, rows)
		for j := range vertical[i] {
			vertical[i][j] = edge(corner[i][j], corner[i][j+1])
		}
	}
	for i := range cols {
		for j := range rows {
			var r orb.Ring
			r = append(r, horizontal[i][j]...)
			r = append(r, vertical[i+1][j][1:]...)
			r = append(r, reversed(horizontal[i][j+1])[1:]...)
			r = append(r, reversed(vertical[i][j])[1:]...)
			l.cells = append(l.cells, orb.Polygon{r})
		}
	}
	for i := range cols {
		l.outline = append(l.outline, horizontal[i][0][1:]...)
	}
	for j := range rows {
		l.outline = append(l.outline, vertical[cols][j][1:]...)
	}
	for i := cols - 1; i >= 0; i-- {
		l.outline = append(l.outline, reversed(horizontal[i][rows])[1:]...)
	}
	for j := rows - 1; j >= 0; j-- {
		l.outline = append(l.outline, reversed(vertical[0][j])[1:]...)
	}
	l.outline = append(orb.Ring{l.outline[len(l.outline)-1]}, l.outline...)
	return l
}

func reversed(ps []orb.Point) []orb.Point {
	out := make([]orb.Point, len(ps))
	for i, p := range ps {
		out[len(ps)-1-i] = p
	}
	return out
}

// centre is the nominal centre of cell (i, j), always inside it.
func (l *lattice) centre(i, j int) orb.Point {
	return orb.Point{l.origin[0] + (float64(i)+0.5)*l.size, l.origin[1] + (float64(j)+0.5)*l.size}
}

// places turns the first n cells into places whose codes are their positions in l.cells.
func (l *lattice) places(n int) []org.Place {
	out := make([]org.Place, n)
	for k := range n {
		b, err := encode(l.cells[k])
		if err != nil {
			panic(err)
		}
		out[k] = org.Place{Code: strconv.Itoa(k), Level: org.LevelGrid, Boundary: b}
	}
	return out
}

// geojson renders the cells as a file of grids 150302001001001, 002, … under community 150302001001.
func (l *lattice) geojson(t testing.TB) []byte {
	t.Helper()
	var fs []string
	for k, c := range l.cells {
		b, err := encode(c)
		if err != nil {
			t.Fatal(err)
		}
		fs = append(fs, fmt.Sprintf(`{"type":"Feature","properties":{"code":"150302001001%03d","name":"网格%d"},"geometry":%s}`, k+1, k+1, b))
	}
	return []byte(`{"type":"FeatureCollection","features":[` + strings.Join(fs, ",") + `]}`)
}

func TestLatticeCellsHave12To20Corners(t *testing.T) {
	l := newLattice(10, 10, 1)
	for k, c := range l.cells {
		if n := len(c[0]) - 1; n < 12 || n > 20 {
			t.Fatalf("cell %d has %d corners, want 12-20", k, n)
		}
	}
}
