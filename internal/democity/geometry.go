package democity

import (
	"errors"
	"math"
	"slices"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/clip"
	"github.com/paulmach/orb/planar"
)

// The demo's streets, communities and grids are made by cutting a real district outline with
// axis-aligned rectangles. Every piece at every level is the district clipped by a rectangle, and the
// rectangles of siblings tile their parent's rectangle, so pieces share edges exactly and tile their
// parent with no gap and no overlap.

// partition cuts rect into one rectangle per weight so that shape's area inside each rectangle is
// shape's area inside rect shared out in proportion to the weights. It cuts recursively across the
// longer side, placing each cut by bisection on the clipped area.
func partition(shape orb.MultiPolygon, rect orb.Bound, weights []float64) []orb.Bound {
	if len(weights) == 1 {
		return []orb.Bound{rect}
	}
	piece := clip.MultiPolygon(rect, shape.Clone())
	// No part of the shape lies outside the piece's bound, so cutting the bound instead of rect
	// loses nothing and puts the cuts where the shape is.
	rect = piece.Bound()
	k := balancedSplit(weights)
	target := planar.Area(piece) * sum(weights[:k]) / sum(weights)
	axis := 1
	if (rect.Max[0]-rect.Min[0])*math.Cos(rect.Center()[1]*math.Pi/180) >= rect.Max[1]-rect.Min[1] {
		axis = 0
	}
	lo, hi := rect.Min[axis], rect.Max[axis]
	for i := 0; i < 60 && hi-lo > 1e-12; i++ {
		mid := (lo + hi) / 2
		left := rect
		left.Max[axis] = mid
		if planar.Area(clip.MultiPolygon(left, piece.Clone())) < target {
			lo = mid
		} else {
			hi = mid
		}
	}
	first, second := rect, rect
	first.Max[axis] = (lo + hi) / 2
	second.Min[axis] = first.Max[axis]
	return append(partition(piece, first, weights[:k]), partition(piece, second, weights[k:])...)
}

// balancedSplit returns k so that weights[:k] and weights[k:] are both non-empty and their sums as
// close to equal as a contiguous split allows; keeping neighbours in order keeps codes near each other.
func balancedSplit(weights []float64) int {
	total, run := sum(weights), 0.0
	best, bestGap := 1, math.Inf(1)
	for k := 1; k < len(weights); k++ {
		run += weights[k-1]
		if gap := math.Abs(total/2 - run); gap < bestGap {
			best, bestGap = k, gap
		}
	}
	return best
}

func sum(xs []float64) float64 {
	var s float64
	for _, x := range xs {
		s += x
	}
	return s
}

// clipPiece returns the part of shape inside rect as proper polygons. Clipping a concave outline
// against a rectangle leaves zero-width "bridges" along the rectangle's sides where the part falls
// apart into several pieces; clipPiece removes them so that maps draw no stray lines and every ring
// is a real outline.
func clipPiece(shape orb.MultiPolygon, rect orb.Bound) (orb.MultiPolygon, error) {
	var out orb.MultiPolygon
	for _, poly := range clip.MultiPolygon(rect, shape.Clone()) {
		if len(poly) != 1 {
			return nil, errors.New("clip: outlines with holes are not supported")
		}
		rings, err := removeBridges(poly[0], rect)
		if err != nil {
			return nil, err
		}
		for _, r := range rings {
			out = append(out, orb.Polygon{r})
		}
	}
	return out, nil
}

type edge struct{ from, to orb.Point }

// removeBridges splits a clipped ring into the rings it really consists of: edges that run along one
// of rect's sides in opposite directions over the same stretch cancel out, and the remaining edges
// are chained into closed rings again.
func removeBridges(ring orb.Ring, rect orb.Bound) ([]orb.Ring, error) {
	sign := math.Copysign(1, ringSignedArea(ring))
	var kept []edge
	// onSide[i] collects the edges lying on rect's side i: x = minX, x = maxX, y = minY, y = maxY, and
	// cuts[i] the positions along that side of every ring point on it, where edges may have to be cut.
	var onSide [4][]edge
	var cuts [4][]float64
	sides := [4]struct {
		axis  int
		value float64
	}{{0, rect.Min[0]}, {0, rect.Max[0]}, {1, rect.Min[1]}, {1, rect.Max[1]}}
	for _, p := range ring {
		for s, sd := range sides {
			if p[sd.axis] == sd.value {
				cuts[s] = append(cuts[s], p[1-sd.axis])
			}
		}
	}
	for i := 0; i+1 < len(ring); i++ {
		e := edge{ring[i], ring[i+1]}
		if e.from == e.to {
			continue
		}
		side := -1
		for s, sd := range sides {
			if e.from[sd.axis] == sd.value && e.to[sd.axis] == sd.value {
				side = s
				break
			}
		}
		if side < 0 {
			kept = append(kept, e)
			continue
		}
		onSide[side] = append(onSide[side], e)
	}
	for s, edges := range onSide {
		kept = append(kept, cancelOpposite(edges, 1-sides[s].axis, cuts[s])...)
	}
	rings, err := chainRings(kept)
	if err != nil {
		return nil, err
	}
	whole := math.Abs(ringSignedArea(ring))
	var out []orb.Ring
	for _, r := range rings {
		a := ringSignedArea(r)
		if math.Abs(a) <= 1e-12*whole {
			continue // a flat leftover of the cancelling: no area, nothing to draw
		}
		if len(r) < 4 || math.Copysign(1, a) != sign {
			return nil, errors.New("clip: a clipped outline could not be rebuilt")
		}
		out = append(out, r)
	}
	return out, nil
}

// cancelOpposite takes edges on one straight line (varying along axis), cuts them at the given
// positions (which include every edge's ends), and keeps, for each stretch, only what remains after
// forward and backward runs cancel in pairs.
func cancelOpposite(edges []edge, axis int, cuts []float64) []edge {
	if len(edges) == 0 {
		return nil
	}
	slices.Sort(cuts)
	cuts = slices.Compact(cuts)
	point := func(template orb.Point, v float64) orb.Point {
		template[axis] = v
		return template
	}
	net := make([]int, len(cuts)-1)
	for _, e := range edges {
		a, _ := slices.BinarySearch(cuts, e.from[axis])
		b, _ := slices.BinarySearch(cuts, e.to[axis])
		step := 1
		if b < a {
			a, b, step = b, a, -1
		}
		for i := a; i < b; i++ {
			net[i] += step
		}
	}
	var out []edge
	for i, n := range net {
		lo, hi := point(edges[0].from, cuts[i]), point(edges[0].from, cuts[i+1])
		for ; n > 0; n-- {
			out = append(out, edge{lo, hi})
		}
		for ; n < 0; n++ {
			out = append(out, edge{hi, lo})
		}
	}
	return out
}

// chainRings links directed edges end to start into closed rings. Every point should have as many
// edges leaving as arriving, so that each walk comes back to where it began.
func chainRings(edges []edge) ([]orb.Ring, error) {
	leaving := map[orb.Point][]int{}
	for i, e := range edges {
		leaving[e.from] = append(leaving[e.from], i)
	}
	used := make([]bool, len(edges))
	var rings []orb.Ring
	for start := range edges {
		if used[start] {
			continue
		}
		ring := orb.Ring{edges[start].from}
		for i := start; ; {
			used[i] = true
			at := edges[i].to
			ring = append(ring, at)
			if at == edges[start].from {
				break
			}
			next := -1
			for _, j := range leaving[at] {
				if !used[j] {
					next = j
					break
				}
			}
			if next < 0 {
				return nil, errors.New("clip: a clipped outline does not close")
			}
			i = next
		}
		rings = append(rings, dropCollinear(ring))
	}
	return rings, nil
}

// dropCollinear removes points in the middle of straight axis-aligned runs, which the cutting of
// edges at every endpoint leaves behind. ring is closed (first point == last point).
func dropCollinear(ring orb.Ring) orb.Ring {
	if len(ring) < 5 {
		return ring
	}
	pts := ring[:len(ring)-1]
	n := len(pts)
	var out orb.Ring
	for i, p := range pts {
		prev, next := pts[(i+n-1)%n], pts[(i+1)%n]
		if (prev[0] == p[0] && p[0] == next[0]) || (prev[1] == p[1] && p[1] == next[1]) {
			continue
		}
		out = append(out, p)
	}
	if len(out) < 3 {
		return ring // flat: removeBridges drops it
	}
	return append(out, out[0])
}

// ringSignedArea is positive for counter-clockwise rings.
func ringSignedArea(r orb.Ring) float64 {
	var a float64
	for i := 0; i+1 < len(r); i++ {
		a += r[i][0]*r[i+1][1] - r[i+1][0]*r[i][1]
	}
	return a / 2
}

// pointInside returns a point inside the shape, for labels and map pins: the centre of its bound if
// that is inside, else the middle of the widest stretch of a horizontal line across its largest part.
func pointInside(shape orb.MultiPolygon) (orb.Point, error) {
	if c := shape.Bound().Center(); planar.MultiPolygonContains(shape, c) {
		return c, nil
	}
	largest, largestArea := orb.Polygon(nil), 0.0
	for _, p := range shape {
		if a := planar.Area(p); a > largestArea {
			largest, largestArea = p, a
		}
	}
	if largest == nil {
		return orb.Point{}, errors.New("point inside: the shape has no area")
	}
	b := largest.Bound()
	for _, f := range []float64{0.5, 0.25, 0.75, 0.375, 0.625, 0.125, 0.875} {
		y := b.Min[1] + f*(b.Max[1]-b.Min[1])
		var xs []float64
		for _, r := range largest {
			for i := 0; i+1 < len(r); i++ {
				p, q := r[i], r[i+1]
				if (p[1] <= y) != (q[1] <= y) {
					xs = append(xs, p[0]+(y-p[1])*(q[0]-p[0])/(q[1]-p[1]))
				}
			}
		}
		slices.Sort(xs)
		best, width := orb.Point{}, 0.0
		for i := 0; i+1 < len(xs); i += 2 {
			if w := xs[i+1] - xs[i]; w > width {
				best, width = orb.Point{(xs[i] + xs[i+1]) / 2, y}, w
			}
		}
		if width > 0 && planar.MultiPolygonContains(shape, best) {
			return best, nil
		}
	}
	return orb.Point{}, errors.New("point inside: no inner point found")
}
