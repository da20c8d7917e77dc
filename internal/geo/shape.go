package geo

import (
	"math"
	"slices"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/clip"
	"github.com/paulmach/orb/geo"
	"github.com/paulmach/orb/planar"
)

// Area is the surface of an outline in square metres (on the sphere), for screens and statistics.
func Area(boundary []byte) (float64, error) {
	mp, err := decode(boundary)
	if err != nil {
		return 0, err
	}
	return geo.Area(mp), nil
}

// oriented returns a copy of mp with outer rings counter-clockwise and holes clockwise, so that the
// signed areas of its rings add up to the area of the shape and the overlap arithmetic holds.
func oriented(mp orb.MultiPolygon) orb.MultiPolygon {
	out := mp.Clone()
	for _, p := range out {
		for i, r := range p {
			if o := r.Orientation(); (i == 0 && o == orb.CW) || (i > 0 && o == orb.CCW) {
				r.Reverse()
			}
		}
	}
	return out
}

// signedArea is the planar area of an oriented shape, in square degrees: only ratios between shapes
// close to each other are taken from it.
func signedArea(mp orb.MultiPolygon) float64 {
	var sum float64
	for _, p := range mp {
		for _, r := range p {
			sum += ringArea(r)
		}
	}
	return sum
}

func ringArea(r orb.Ring) float64 {
	if len(r) < 3 {
		return 0
	}
	o := r[0]
	var twice float64
	for i := 1; i+1 < len(r); i++ {
		twice += cross(sub(r[i], o), sub(r[i+1], o))
	}
	return twice / 2
}

func sub(a, b orb.Point) orb.Point { return orb.Point{a[0] - b[0], a[1] - b[1]} }

func cross(a, b orb.Point) float64 { return a[0]*b[1] - a[1]*b[0] }

// orient is positive when c lies left of the line a→b, negative when right, zero when on it.
func orient(a, b, c orb.Point) float64 { return cross(sub(b, a), sub(c, a)) }

// overlapArea returns the planar area that two oriented shapes share.
//
// A shape's indicator function is the signed sum of the triangles that join a fixed origin to each of
// its edges, so area(A∩B) = Σa Σb sign(a)·sign(b)·area(Ta ∩ Tb), and each Ta ∩ Tb is a convex clip of
// two triangles. Shared edges and touching corners add nothing, so exact tilings come out at zero
// without special cases. Both shapes are first clipped to the box they share, which leaves only the
// edges near the common part.
func overlapArea(a, b orb.MultiPolygon) float64 {
	ba, bb := a.Bound(), b.Bound()
	box := orb.Bound{
		Min: orb.Point{math.Max(ba.Min[0], bb.Min[0]), math.Max(ba.Min[1], bb.Min[1])},
		Max: orb.Point{math.Min(ba.Max[0], bb.Max[0]), math.Min(ba.Max[1], bb.Max[1])},
	}
	if box.Min[0] >= box.Max[0] || box.Min[1] >= box.Max[1] {
		return 0
	}
	o := box.Center()
	ta := fan(clip.MultiPolygon(box, a.Clone()), o)
	tb := fan(clip.MultiPolygon(box, b.Clone()), o)
	var sum float64
	for _, x := range ta {
		for _, y := range tb {
			sum += x.sign * y.sign * triangleOverlap(x, y)
		}
	}
	return sum
}

// triangle is the counter-clockwise triangle (origin, p, q) with the sign of the edge it came from.
type triangle struct {
	p, q orb.Point
	sign float64
}

func fan(mp orb.MultiPolygon, o orb.Point) []triangle {
	var out []triangle
	for _, poly := range mp {
		for _, r := range poly {
			for i := 0; i+1 < len(r); i++ {
				p, q := sub(r[i], o), sub(r[i+1], o)
				switch c := cross(p, q); {
				case c > 0:
					out = append(out, triangle{p, q, 1})
				case c < 0:
					out = append(out, triangle{q, p, -1})
				}
			}
		}
	}
	return out
}

// triangleOverlap clips triangle a by the three sides of triangle b (Sutherland–Hodgman, both convex)
// and returns the area left. Fixed-size buffers keep it free of allocations.
func triangleOverlap(a, b triangle) float64 {
	var buf [2][9]orb.Point
	in := buf[0][:0]
	in = append(in, orb.Point{}, a.p, a.q)
	corners := [3]orb.Point{{}, b.p, b.q}
	for k := range 3 {
		s, e := corners[k], corners[(k+1)%3]
		out := buf[(k+1)%2][:0]
		for i := range in {
			cur, next := in[i], in[(i+1)%len(in)]
			dc, dn := orient(s, e, cur), orient(s, e, next)
			if dc >= 0 {
				out = append(out, cur)
			}
			if (dc > 0 && dn < 0) || (dc < 0 && dn > 0) {
				t := dc / (dc - dn)
				out = append(out, orb.Point{cur[0] + t*(next[0]-cur[0]), cur[1] + t*(next[1]-cur[1])})
			}
		}
		if len(out) < 3 {
			return 0
		}
		in = out
	}
	var twice float64
	for i := 1; i+1 < len(in); i++ {
		twice += cross(sub(in[i], in[0]), sub(in[i+1], in[0]))
	}
	return twice / 2
}

// interiorPoint returns a point strictly inside the largest part of the shape: the centroid when it
// lies inside, otherwise the middle of the widest inside stretch of a horizontal line through it.
// (The centroid of a concave shape such as a crescent can fall outside.)
func interiorPoint(mp orb.MultiPolygon) orb.Point {
	var best orb.Polygon
	bestArea := -1.0
	for _, p := range mp {
		if a := math.Abs(planar.Area(p)); a > bestArea {
			best, bestArea = p, a
		}
	}
	c, _ := planar.CentroidArea(best)
	y := scanY(best, c[1])
	var xs []float64
	for _, r := range best {
		for i := 0; i+1 < len(r); i++ {
			a, b := r[i], r[i+1]
			if (a[1] > y) != (b[1] > y) {
				xs = append(xs, a[0]+(y-a[1])*(b[0]-a[0])/(b[1]-a[1]))
			}
		}
	}
	slices.Sort(xs)
	mid, widest := c, -1.0
	for i := 0; i+1 < len(xs); i += 2 {
		if y == c[1] && xs[i] < c[0] && c[0] < xs[i+1] {
			return c
		}
		if w := xs[i+1] - xs[i]; w > widest {
			mid, widest = orb.Point{(xs[i] + xs[i+1]) / 2, y}, w
		}
	}
	return mid
}

// scanY returns y unless a corner of p lies at that height, in which case it returns the height halfway
// to the next corner above, so that the scan line meets only the insides of edges.
func scanY(p orb.Polygon, y float64) float64 {
	var ys []float64
	for _, r := range p {
		for _, q := range r {
			ys = append(ys, q[1])
		}
	}
	slices.Sort(ys)
	i, found := slices.BinarySearch(ys, y)
	if !found {
		return y
	}
	for i < len(ys) && ys[i] == y {
		i++
	}
	if i == len(ys) {
		// y is the top corner: look halfway down to the next lower height instead.
		j := slices.Index(ys, y)
		if j == 0 {
			return y
		}
		return (y + ys[j-1]) / 2
	}
	return (y + ys[i]) / 2
}
