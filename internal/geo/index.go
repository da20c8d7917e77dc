package geo

import (
	"fmt"

	"github.com/paulmach/orb"
	"github.com/tidwall/rtree"

	"github.com/cityline/cityline/internal/org"
)

// Index finds the place whose outline holds a point: an R-tree over bounding boxes picks the few
// candidates, then an exact point-in-polygon test decides. It is built once from the stored grids and
// only read afterwards, so many goroutines may use it at once.
type Index struct {
	tree   rtree.RTreeG[int32]
	shapes []indexed
}

type indexed struct {
	code  string
	rings []orb.Ring // every ring of every part, closed; holes count by parity
}

// NewIndex indexes the places that have an outline; places without one are left out.
func NewIndex(places []org.Place) (*Index, error) {
	ix := &Index{}
	for _, p := range places {
		if len(p.Boundary) == 0 {
			continue
		}
		mp, err := decode(p.Boundary)
		if err != nil {
			return nil, fmt.Errorf("place %s: %w", p.Code, err)
		}
		var rings []orb.Ring
		for _, poly := range mp {
			for _, r := range poly {
				if len(r) == 0 {
					continue
				}
				if !r.Closed() {
					r = append(r.Clone(), r[0])
				}
				rings = append(rings, r)
			}
		}
		if len(rings) == 0 {
			continue
		}
		b := mp.Bound()
		ix.tree.Insert(b.Min, b.Max, int32(len(ix.shapes)))
		ix.shapes = append(ix.shapes, indexed{code: p.Code, rings: rings})
	}
	return ix, nil
}

// Locate returns the code of the place that holds the point. A point on an edge shared by two places
// goes to one of them, always the same (see ringParity); ok is false outside every place.
func (ix *Index) Locate(lng, lat float64) (code string, ok bool) {
	pt := [2]float64{lng, lat}
	ix.tree.Search(pt, pt, func(_, _ [2]float64, i int32) bool {
		s := &ix.shapes[i]
		in := false
		for _, r := range s.rings {
			if ringParity(r, lng, lat) {
				in = !in
			}
		}
		if in {
			code, ok = s.code, true
		}
		return !in
	})
	return code, ok
}
