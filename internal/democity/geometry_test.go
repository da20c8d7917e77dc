package democity

import (
	"math"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
)

// uShape is a U standing on the x axis: 3 wide, 3 high, with a 1-wide notch from above in the middle.
var uShape = orb.MultiPolygon{{{{0, 0}, {3, 0}, {3, 3}, {2, 3}, {2, 1}, {1, 1}, {1, 3}, {0, 3}, {0, 0}}}}

func TestClipPieceSplitsWhereTheCutFallsApart(t *testing.T) {
	// Across both arms of the U: two separate squares, which a plain clip joins with a bridge along y = 2.
	rect := orb.Bound{Min: orb.Point{-1, 2}, Max: orb.Point{4, 4}}
	got, err := clipPiece(uShape, rect)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("clipPiece gave %d polygons, want 2: %v", len(got), got)
	}
	for _, p := range got {
		if a := planar.Area(p); math.Abs(a-1) > 1e-12 {
			t.Errorf("piece %v has area %g, want 1", p, a)
		}
		if b := p.Bound(); b.Min[1] != 2 || b.Max[1] != 3 || b.Max[0]-b.Min[0] != 1 {
			t.Errorf("piece %v: bound %v, want a unit square between y=2 and y=3", p, b)
		}
	}
	if uShape[0][0][4] != (orb.Point{2, 1}) {
		t.Error("clipPiece changed its input")
	}
}

func TestClipPieceKeepsConnectedPiecesWhole(t *testing.T) {
	rect := orb.Bound{Min: orb.Point{-1, -1}, Max: orb.Point{4, 2}}
	got, err := clipPiece(uShape, rect)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || math.Abs(planar.Area(got)-(3*2-1)) > 1e-12 {
		t.Fatalf("clipPiece = %v (area %g), want one polygon of area 5", got, planar.Area(got))
	}
}

func TestPartitionSharesAreaByWeight(t *testing.T) {
	weights := []float64{1, 2, 3, 4}
	rects := partition(uShape, uShape.Bound(), weights)
	if len(rects) != len(weights) {
		t.Fatalf("%d rectangles for %d weights", len(rects), len(weights))
	}
	total := planar.Area(uShape)
	var sum float64
	for i, r := range rects {
		piece, err := clipPiece(uShape, r)
		if err != nil {
			t.Fatal(err)
		}
		a := planar.Area(piece)
		sum += a
		if want := total * weights[i] / 10; math.Abs(a-want) > 1e-9 {
			t.Errorf("piece %d has area %g, want %g", i, a, want)
		}
	}
	if math.Abs(sum-total) > 1e-9 {
		t.Errorf("pieces add up to %g, want %g", sum, total)
	}
}

func TestPointInsideAConcaveShape(t *testing.T) {
	// The bound's centre (1.5, 1.5) lies in the notch, outside the U.
	p, err := pointInside(uShape)
	if err != nil {
		t.Fatal(err)
	}
	if !planar.MultiPolygonContains(uShape, p) || p == uShape.Bound().Center() {
		t.Fatalf("pointInside = %v, want a point inside the U", p)
	}
	if _, err := pointInside(orb.MultiPolygon{}); err == nil {
		t.Fatal("a shape without area must give an error")
	}
}
