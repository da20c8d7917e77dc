package geo

import (
	"cmp"
	"fmt"
	"math"
	"slices"

	"github.com/paulmach/orb"
)

// checkShape lists what is wrong with one feature's geometry, in words for the person who made the
// file; it returns nothing for a valid shape. Coordinates come first: swapped or out-of-range values
// make every later test meaningless.
func checkShape(mp orb.MultiPolygon) []string {
	if len(mp) == 0 {
		return []string{"geometry: it holds no polygon"}
	}
	if r := checkCoordinates(mp); r != "" {
		return []string{r}
	}
	var out []string
	for pi, p := range mp {
		if len(p) == 0 {
			out = append(out, fmt.Sprintf("%s has no rings", partName(mp, pi)))
		}
		for ri, r := range p {
			switch {
			case len(r) < 4:
				out = append(out, fmt.Sprintf("%s has %d positions: a ring needs at least 4 (3 corners and the first repeated at the end)", ringName(mp, pi, ri), len(r)))
			case !r.Closed():
				out = append(out, fmt.Sprintf("%s is not closed: its last position must repeat the first", ringName(mp, pi, ri)))
			case corners(r) < 3:
				out = append(out, fmt.Sprintf("%s has fewer than 3 distinct corners", ringName(mp, pi, ri)))
			}
		}
	}
	if len(out) > 0 {
		return out
	}
	for pi := range mp {
		out = append(out, checkCrossings(mp, pi)...)
	}
	if len(out) > 0 {
		return out
	}
	for pi, p := range mp {
		for ri, r := range p {
			if ringArea(r) == 0 {
				out = append(out, fmt.Sprintf("%s encloses no area", ringName(mp, pi, ri)))
			}
		}
	}
	for pi, p := range mp {
		for ri := 1; ri < len(p); ri++ {
			in := interiorPoint(orb.MultiPolygon{{p[ri]}})
			if !ringParity(p[0], in[0], in[1]) {
				out = append(out, fmt.Sprintf("%s lies outside the outer ring", ringName(mp, pi, ri)))
			}
		}
	}
	return out
}

// checkCoordinates catches the most common mistake first: positions written (lat, lng). A latitude
// beyond ±90 whose swapped pair would be valid is taken for that; anything else out of range is
// reported as such.
func checkCoordinates(mp orb.MultiPolygon) string {
	for _, p := range mp {
		for _, r := range p {
			for _, q := range r {
				lng, lat := q[0], q[1]
				switch {
				case math.Abs(lat) > 90 && math.Abs(lat) <= 180 && math.Abs(lng) <= 90:
					return fmt.Sprintf("coordinates look swapped (lat, lng): GeoJSON wants [lng, lat]; the first is %s", pos(q))
				case math.Abs(lng) > 180 || math.Abs(lat) > 90:
					return fmt.Sprintf("coordinates out of range at %s: longitude must lie within ±180 and latitude within ±90", pos(q))
				}
			}
		}
	}
	return ""
}

// pos writes a position for people: 9 significant digits are about 0.1 m.
func pos(q orb.Point) string { return fmt.Sprintf("[%.9g, %.9g]", q[0], q[1]) }

func partName(mp orb.MultiPolygon, pi int) string {
	if len(mp) == 1 {
		return "the polygon"
	}
	return fmt.Sprintf("polygon %d", pi)
}

func ringName(mp orb.MultiPolygon, pi, ri int) string {
	name := "outer ring"
	if ri > 0 {
		name = fmt.Sprintf("hole %d", ri)
	}
	if len(mp) == 1 {
		return name
	}
	return fmt.Sprintf("%s of polygon %d", name, pi)
}

// corners counts the distinct positions of a ring.
func corners(r orb.Ring) int {
	seen := make(map[orb.Point]bool, len(r))
	for _, q := range r {
		seen[q] = true
	}
	return len(seen)
}

// distinct drops positions that repeat the one before: they add no corner and would make two
// neighbouring edges look non-adjacent.
func distinct(r orb.Ring) orb.Ring {
	out := orb.Ring{r[0]}
	for _, q := range r[1:] {
		if q != out[len(out)-1] {
			out = append(out, q)
		}
	}
	return out
}

// segment is one edge of a ring: i is its place in the ring and n the ring's edge count, so that
// neighbours (which always share a corner) can be told apart from edges that meet by mistake.
type segment struct {
	a, b       orb.Point
	ring, i, n int
	minX, maxX float64
}

// checkCrossings finds edges of one polygon that cross or touch where they should not: a ring that
// crosses or touches itself, turns back on itself, or a ring that crosses another ring. Edges are swept
// from west to east so that only edges whose x ranges overlap are compared.
func checkCrossings(mp orb.MultiPolygon, pi int) []string {
	var segs []segment
	for ri, r := range mp[pi] {
		r = distinct(r)
		n := len(r) - 1
		for i := range n {
			a, b := r[i], r[i+1]
			segs = append(segs, segment{a: a, b: b, ring: ri, i: i, n: n, minX: math.Min(a[0], b[0]), maxX: math.Max(a[0], b[0])})
		}
	}
	var out []string
	reported := map[[2]int]bool{}
	report := func(r1, r2 int, format string, args ...any) {
		key := [2]int{min(r1, r2), max(r1, r2)}
		if !reported[key] {
			reported[key] = true
			out = append(out, fmt.Sprintf(format, args...))
		}
	}
	// Neighbouring edges are consecutive here; an edge that runs back along the one before it would
	// also show up below as touching, but "turns back" says better what is wrong.
	for k := range segs {
		s := &segs[k]
		next := k + 1
		if s.i == s.n-1 {
			next = k + 1 - s.n // a ring's last edge is followed by its first
		}
		if at, ok := spike(s, &segs[next]); ok {
			report(s.ring, s.ring, "%s turns back on itself at %s", ringName(mp, pi, s.ring), pos(at))
		}
	}
	slices.SortFunc(segs, func(s, t segment) int { return cmp.Compare(s.minX, t.minX) })
	for i := range segs {
		s := &segs[i]
		for j := i + 1; j < len(segs) && segs[j].minX <= s.maxX; j++ {
			t := &segs[j]
			if math.Max(s.a[1], s.b[1]) < math.Min(t.a[1], t.b[1]) || math.Max(t.a[1], t.b[1]) < math.Min(s.a[1], s.b[1]) {
				continue
			}
			same := s.ring == t.ring
			if same && adjacent(s, t) {
				continue
			}
			kind, at := meet(s, t)
			switch {
			case kind == crossing && same:
				report(s.ring, s.ring, "%s crosses itself near %s", ringName(mp, pi, s.ring), pos(at))
			case kind == touching && same:
				report(s.ring, s.ring, "%s touches itself at %s", ringName(mp, pi, s.ring), pos(at))
			case kind == crossing:
				report(s.ring, t.ring, "%s and %s cross near %s", ringName(mp, pi, min(s.ring, t.ring)), ringName(mp, pi, max(s.ring, t.ring)), pos(at))
			}
		}
	}
	return out
}

func adjacent(s, t *segment) bool {
	d := s.i - t.i
	if d < 0 {
		d = -d
	}
	return d == 1 || d == s.n-1
}

// spike tells whether edge t, which follows s, runs back along it, and where it turns.
func spike(s, t *segment) (orb.Point, bool) {
	du, dw := sub(s.a, s.b), sub(t.b, s.b)
	return s.b, cross(du, dw) == 0 && du[0]*dw[0]+du[1]*dw[1] > 0
}

const (
	apart = iota
	touching
	crossing
)

// meet tells whether two edges are apart, touch (an end lies on the other edge) or cross properly.
func meet(s, t *segment) (int, orb.Point) {
	d1, d2 := orient(t.a, t.b, s.a), orient(t.a, t.b, s.b)
	d3, d4 := orient(s.a, s.b, t.a), orient(s.a, s.b, t.b)
	if d1*d2 < 0 && d3*d4 < 0 {
		k := d1 / (d1 - d2)
		return crossing, orb.Point{s.a[0] + k*(s.b[0]-s.a[0]), s.a[1] + k*(s.b[1]-s.a[1])}
	}
	switch {
	case d1 == 0 && within(t, s.a):
		return touching, s.a
	case d2 == 0 && within(t, s.b):
		return touching, s.b
	case d3 == 0 && within(s, t.a):
		return touching, t.a
	case d4 == 0 && within(s, t.b):
		return touching, t.b
	}
	return apart, orb.Point{}
}

// within tells whether p, known to lie on the line through s, lies on the edge itself.
func within(s *segment, p orb.Point) bool {
	return p[0] >= s.minX && p[0] <= s.maxX && p[1] >= math.Min(s.a[1], s.b[1]) && p[1] <= math.Max(s.a[1], s.b[1])
}

// ringParity reports whether a ray from (x, y) towards the east crosses the closed ring an odd number
// of times. Each edge is tested half-open ([low y, high y)) and always from its lower end, so an edge
// shared by two neighbouring shapes gives both the same answer: a point on a shared edge falls in
// exactly one of them (the one to its east, or to its north for an east-west edge).
func ringParity(r []orb.Point, x, y float64) bool {
	in := false
	for i := 0; i+1 < len(r); i++ {
		a, b := r[i], r[i+1]
		if (a[1] > y) == (b[1] > y) {
			continue
		}
		if a[1] > b[1] {
			a, b = b, a
		}
		if (b[0]-a[0])*(y-a[1])-(b[1]-a[1])*(x-a[0]) > 0 {
			in = !in
		}
	}
	return in
}
