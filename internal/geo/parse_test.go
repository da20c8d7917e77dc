package geo

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"

	"github.com/cityline/cityline/internal/org"
)

const community = "150302001001"

// communityOutline is the square that the fixtures' grids split in four.
var communityOutline = []byte(`{"type":"Polygon","coordinates":[[[106.8,39.6],[106.82,39.6],[106.82,39.62],[106.8,39.62],[106.8,39.6]]]}`)

// swGrid is the outline of the first fixture grid, the south-west quarter.
var swGrid = []byte(`{"type":"Polygon","coordinates":[[[106.8,39.6],[106.81,39.6],[106.81,39.61],[106.8,39.61],[106.8,39.6]]]}`)

// stored is the tree the fixtures are imported into: a city, a district, a street and two communities,
// the first with an outline, plus any extra places a case needs.
func stored(extra ...org.Place) KnownPlaces {
	places := []org.Place{
		{Code: "150300", Name: "乌海市", Level: org.LevelCity},
		{Code: "150302", Name: "海勃湾区", Level: org.LevelDistrict, ParentCode: "150300"},
		{Code: "150302001", Name: "凤凰岭街道", Level: org.LevelStreet, ParentCode: "150302"},
		{Code: community, Name: "试点社区", Level: org.LevelCommunity, ParentCode: "150302001", Boundary: communityOutline},
		{Code: "150302001002", Name: "无边界社区", Level: org.LevelCommunity, ParentCode: "150302001"},
	}
	return Known(append(places, extra...))
}

func fixture(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// parseFixture parses a fixture of grids that must pass.
func parseFixture(t *testing.T, name string) []org.Place {
	t.Helper()
	places, err := ParseFeatures(fixture(t, name), org.LevelGrid, stored())
	if err != nil {
		t.Fatal(err)
	}
	return places
}

func shapeOf(t *testing.T, p org.Place) orb.MultiPolygon {
	t.Helper()
	mp, err := decode(p.Boundary)
	if err != nil {
		t.Fatalf("place %s: %v", p.Code, err)
	}
	return mp
}

func TestParseFeaturesRefusesTheWholeFile(t *testing.T) {
	storedSW := org.Place{Code: community + "001", Name: "西南网格", Level: org.LevelGrid, ParentCode: community, Boundary: swGrid}
	cases := []struct {
		file  string
		known KnownPlaces
		want  []Problem // Reason holds a part of the expected reason
	}{
		{"not_collection.geojson", stored(), []Problem{{-1, "", `not a GeoJSON FeatureCollection: its type is "Feature"`}}},
		{"bad_json.geojson", stored(), []Problem{{-1, "", "not a GeoJSON FeatureCollection: invalid character"}}},
		{"ring_not_closed.geojson", stored(), []Problem{{1, community + "002", "outer ring is not closed"}}},
		{"ring_short.geojson", stored(), []Problem{{1, community + "002", "outer ring has 3 positions: a ring needs at least 4"}}},
		{"self_crossing.geojson", stored(), []Problem{{1, community + "002", "outer ring crosses itself near [106.815, 39.605]"}}},
		{"swapped.geojson", stored(), []Problem{{1, community + "002", "coordinates look swapped (lat, lng): GeoJSON wants [lng, lat]"}}},
		{"out_of_range.geojson", stored(), []Problem{{1, community + "002", "coordinates out of range at [306.81, 39.6]"}}},
		{"bad_code.geojson", stored(), []Problem{
			{1, "15030200100100A", "only digits are allowed"},
			{2, community, "a grid code has 15 digits"},
		}},
		{"duplicate_code.geojson", stored(), []Problem{{3, community + "003", "appears more than once in the file (first as feature 2)"}}},
		{"tiling.geojson", stored(storedSW), []Problem{{0, community + "001", "is already stored (grid 西南网格)"}}},
		{"unknown_parent.geojson", stored(), []Problem{{0, "150302001009001", "parent 150302001009 is unknown: import the community first"}}},
		{"parent_level.geojson", stored(), []Problem{
			{0, community + "001", "parent 150302001 is a street, but a grid's parent must be a community"},
			{1, community + "002", "parent 150302002001: the code does not lie under it"},
		}},
		{"overlap.geojson", stored(), []Problem{{1, community + "002", "overlaps feature 0 (code 150302001001001): they share 16.7% of this outline"}}},
		{"overlap_stored.geojson", stored(storedSW), []Problem{{0, community + "002", "overlaps the stored grid 150302001001001 (西南网格)"}}},
		{"gap.geojson", stored(), []Problem{{-1, community, "试点社区: the grid places under it cover only 75.00% of its outline; 25.00% lies in none of them"}}},
		{"outside.geojson", stored(), []Problem{{3, community + "004", "reaches outside its parent 150302001001: 33.33% of its area lies outside"}}},
		{"many_problems.geojson", stored(), []Problem{
			{0, community + "001", `a Polygon or MultiPolygon is required, not "Point"`},
			{1, community + "002", "name: required"},
			{2, community + "003", "outer ring is not closed"},
			{3, community + "004", "coordinates look swapped"},
		}},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			places, err := ParseFeatures(fixture(t, c.file), org.LevelGrid, c.known)
			if places != nil {
				t.Errorf("got %d places from a refused file, want none", len(places))
			}
			var verr *ValidationError
			if !errors.As(err, &verr) {
				t.Fatalf("err = %v, want a *ValidationError", err)
			}
			if len(verr.Problems) != len(c.want) {
				t.Fatalf("got %d problems, want %d:\n%v", len(verr.Problems), len(c.want), err)
			}
			for i, w := range c.want {
				got := verr.Problems[i]
				if got.Index != w.Index || got.Code != w.Code || !strings.Contains(got.Reason, w.Reason) {
					t.Errorf("problem %d = %+v, want index %d, code %q and a reason containing %q", i, got, w.Index, w.Code, w.Reason)
				}
				if !strings.Contains(err.Error(), "\n  "+got.String()) {
					t.Errorf("the error text does not give problem %d a line of its own:\n%s", i, err)
				}
			}
		})
	}
}

func TestParseFeaturesAcceptsAnExactTiling(t *testing.T) {
	places := parseFixture(t, "tiling.geojson")
	quarters := []orb.Bound{
		{Min: orb.Point{106.8, 39.6}, Max: orb.Point{106.81, 39.61}},
		{Min: orb.Point{106.81, 39.6}, Max: orb.Point{106.82, 39.61}},
		{Min: orb.Point{106.8, 39.61}, Max: orb.Point{106.81, 39.62}},
		{Min: orb.Point{106.81, 39.61}, Max: orb.Point{106.82, 39.62}},
	}
	if len(places) != len(quarters) {
		t.Fatalf("got %d places, want %d", len(places), len(quarters))
	}
	wantTypes := []string{"Polygon", "Polygon", "Polygon", "MultiPolygon"}
	for i, p := range places {
		if want := community + "00" + string(rune('1'+i)); p.Code != want || p.Level != org.LevelGrid || p.ParentCode != community || p.Name == "" {
			t.Errorf("place %d = %s %q level %s parent %s, want code %s, a name, level grid, parent %s", i, p.Code, p.Name, p.Level, p.ParentCode, want, community)
		}
		q := quarters[i]
		if c := (orb.Point{p.CenterLng, p.CenterLat}); !(c[0] > q.Min[0] && c[0] < q.Max[0] && c[1] > q.Min[1] && c[1] < q.Max[1]) {
			t.Errorf("place %s: centre %v is not inside its quarter %v", p.Code, c, q)
		}
		g, err := decodeGeometry(p.Boundary)
		if err != nil {
			t.Fatalf("place %s: boundary %s: %v", p.Code, p.Boundary, err)
		}
		if g.GeoJSONType() != wantTypes[i] || !parts(g).Bound().Equal(q) {
			t.Errorf("place %s: boundary is a %s over %v, want a %s over %v", p.Code, g.GeoJSONType(), parts(g).Bound(), wantTypes[i], q)
		}
	}
}

func TestParseFeaturesAcceptsAHoleFilledByASibling(t *testing.T) {
	places := parseFixture(t, "tiling_hole.geojson")
	ring := shapeOf(t, places[0])
	c := orb.Point{places[0].CenterLng, places[0].CenterLat}
	if !planar.PolygonContains(ring[0], c) {
		t.Errorf("the centre %v of the grid with a hole lies in its hole or outside it", c)
	}
}

func TestParseFeaturesAcceptsAGeneratedIrregularTiling(t *testing.T) {
	l := newLattice(12, 9, 7)
	outline, err := encode(orb.Polygon{l.outline})
	if err != nil {
		t.Fatal(err)
	}
	known := stored()
	c := known[community]
	c.Boundary = outline
	known[community] = c
	places, err := ParseFeatures(l.geojson(t), org.LevelGrid, known)
	if err != nil {
		t.Fatal(err)
	}
	if len(places) != len(l.cells) {
		t.Fatalf("got %d places, want %d", len(places), len(l.cells))
	}

	// Without one cell the community is no longer covered: 1 of 108 cells is about 0.9%.
	fc := strings.Replace(string(l.geojson(t)), `"code":"150302001001050"`, `"code":"150302001001050","skip":true`, 1)
	places, err = ParseFeatures([]byte(dropFeature(t, fc, `"skip":true`)), org.LevelGrid, known)
	var verr *ValidationError
	if !errors.As(err, &verr) || len(verr.Problems) != 1 || verr.Problems[0].Code != community || !strings.Contains(verr.Problems[0].Reason, "lies in none of them") {
		t.Fatalf("with a cell missing: places %d, err %v; want one gap problem for %s", len(places), err, community)
	}
}

// dropFeature removes from a generated file the one feature whose text holds marker.
func dropFeature(t *testing.T, fc, marker string) string {
	t.Helper()
	at := strings.Index(fc, marker)
	start := strings.LastIndex(fc[:at], `{"type":"Feature"`)
	end := at + strings.Index(fc[at:], `}},`) + 3
	if at < 0 || start < 0 || end < at {
		t.Fatalf("marker %q not found", marker)
	}
	return fc[:start] + fc[end:]
}

func TestParseFeaturesCentreOfAConcaveShapeIsInside(t *testing.T) {
	places := parseFixture(t, "concave.geojson")
	mp := shapeOf(t, places[0])
	centroid, _ := planar.CentroidArea(mp)
	if planar.MultiPolygonContains(mp, centroid) {
		t.Fatalf("fixture: the centroid %v lies inside the C, so this test proves nothing", centroid)
	}
	if c := (orb.Point{places[0].CenterLng, places[0].CenterLat}); !planar.MultiPolygonContains(mp, c) {
		t.Errorf("centre %v lies outside the C-shaped grid", c)
	}
}

func TestParseFeaturesReadsDataVProperties(t *testing.T) {
	places, err := ParseFeatures(fixture(t, "datav.geojson"), org.LevelDistrict, Known([]org.Place{{Code: "150300", Name: "乌海市", Level: org.LevelCity}}))
	if err != nil {
		t.Fatal(err)
	}
	if len(places) != 2 || places[0].Code != "150302" || places[1].Code != "150303" || places[0].ParentCode != "150300" || places[1].Name != "海南区" {
		t.Errorf("got %+v, want 150302 and 150303 (海南区) under 150300", places)
	}
}

func TestParseFeaturesACityNeedsNoParent(t *testing.T) {
	fc := `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"adcode":150300,"name":"乌海市","parent":{"adcode":150000}},
		"geometry":{"type":"Polygon","coordinates":[[[106.7,39.5],[106.9,39.5],[106.9,39.7],[106.7,39.7],[106.7,39.5]]]}}]}`
	places, err := ParseFeatures([]byte(fc), org.LevelCity, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(places) != 1 || places[0].Code != "150300" || places[0].ParentCode != "" || places[0].Level != org.LevelCity {
		t.Errorf("got %+v, want the city 150300 without a parent", places)
	}
}

func TestParseBoundaryUpdatesReplacesStoredOutlines(t *testing.T) {
	// The four stored quarters are redrawn as four strips: they would overlap the stored quarters,
	// but the stored outlines give way to the file's.
	var known []org.Place
	var features []string
	for i := range 4 {
		code := community + "00" + string(rune('1'+i))
		quarter, err := encode(orb.Polygon{orb.Bound{Min: orb.Point{106.8 + 0.01*float64(i%2), 39.6 + 0.01*float64(i/2)}, Max: orb.Point{106.81 + 0.01*float64(i%2), 39.61 + 0.01*float64(i/2)}}.ToRing()})
		if err != nil {
			t.Fatal(err)
		}
		known = append(known, org.Place{Code: code, Name: "网格", Level: org.LevelGrid, ParentCode: community, Boundary: quarter})
		strip, err := encode(orb.Polygon{orb.Bound{Min: orb.Point{106.8 + 0.005*float64(i), 39.6}, Max: orb.Point{106.805 + 0.005*float64(i), 39.62}}.ToRing()})
		if err != nil {
			t.Fatal(err)
		}
		features = append(features, `{"type":"Feature","properties":{"code":"`+code+`"},"geometry":`+string(strip)+`}`)
	}
	fc := `{"type":"FeatureCollection","features":[` + strings.Join(features, ",") + `]}`
	places, err := ParseBoundaryUpdates([]byte(fc), org.LevelGrid, stored(known...))
	if err != nil {
		t.Fatal(err)
	}
	if len(places) != 4 || places[2].Name != "网格" || places[2].ParentCode != community || places[2].CenterLng <= 106.81 || places[2].CenterLng >= 106.815 {
		t.Errorf("got %+v, want the four grids with their stored names and parent, the third centred in its strip", places)
	}

	// Only three strips replaced: the fourth stored quarter now overlaps the third strip.
	fc = `{"type":"FeatureCollection","features":[` + strings.Join(features[:3], ",") + `]}`
	_, err = ParseBoundaryUpdates([]byte(fc), org.LevelGrid, stored(known...))
	var verr *ValidationError
	if !errors.As(err, &verr) || len(verr.Problems) == 0 || !strings.Contains(verr.Problems[0].Reason, "overlaps the stored grid 150302001001004") {
		t.Errorf("err = %v, want an overlap with the stored grid 150302001001004", err)
	}

	// Inserting them instead is refused: they are already stored.
	fc = `{"type":"FeatureCollection","features":[` + strings.Join(features, ",") + `]}`
	if _, err := ParseFeatures([]byte(fc), org.LevelGrid, stored(known...)); err == nil || !strings.Contains(err.Error(), "is already stored") {
		t.Errorf("insert of stored codes: err = %v, want 'is already stored'", err)
	}

	// Replacing places that are not stored is refused.
	if _, err := ParseBoundaryUpdates(fixture(t, "tiling.geojson"), org.LevelGrid, stored()); err == nil || !strings.Contains(err.Error(), "is not stored, so it has no outline to replace") {
		t.Errorf("replace of unknown codes: err = %v, want 'is not stored'", err)
	}
}

func TestCheckShape(t *testing.T) {
	ring := func(pts ...float64) orb.Ring {
		var r orb.Ring
		for i := 0; i+1 < len(pts); i += 2 {
			r = append(r, orb.Point{pts[i], pts[i+1]})
		}
		return r
	}
	square := ring(0, 0, 4, 0, 4, 4, 0, 4, 0, 0)
	cases := []struct {
		name  string
		shape orb.MultiPolygon
		want  string // "" for a valid shape
	}{
		{"square", orb.MultiPolygon{{square}}, ""},
		{"square with a hole", orb.MultiPolygon{{square, ring(1, 1, 1, 2, 2, 2, 2, 1, 1, 1)}}, ""},
		{"hole touching the outer ring at a corner", orb.MultiPolygon{{square, ring(0, 0, 1, 2, 2, 1, 0, 0)}}, ""},
		{"repeated position", orb.MultiPolygon{{ring(0, 0, 4, 0, 4, 0, 4, 4, 0, 4, 0, 0)}}, ""},
		{"bow tie", orb.MultiPolygon{{ring(0, 0, 4, 4, 4, 0, 0, 4, 0, 0)}}, "outer ring crosses itself near [2, 2]"},
		{"figure eight touching at a corner", orb.MultiPolygon{{ring(0, 0, 2, 2, 4, 0, 4, 4, 2, 2, 0, 4, 0, 0)}}, "outer ring touches itself at [2, 2]"},
		{"spike", orb.MultiPolygon{{ring(0, 0, 4, 0, 6, 0, 4, 0, 4, 4, 0, 4, 0, 0)}}, "outer ring turns back on itself at [6, 0]"},
		{"all on one line", orb.MultiPolygon{{ring(0, 0, 1, 1, 2, 2, 0, 0)}}, "outer ring turns back on itself at [2, 2]"},
		{"two corners", orb.MultiPolygon{{ring(0, 0, 1, 1, 0, 0, 1, 1, 0, 0)}}, "fewer than 3 distinct corners"},
		{"hole outside", orb.MultiPolygon{{square, ring(5, 5, 6, 5, 6, 6, 5, 5)}}, "hole 1 lies outside the outer ring"},
		{"hole crossing the outer ring", orb.MultiPolygon{{square, ring(3, 1, 5, 1, 5, 2, 3, 2, 3, 1)}}, "outer ring and hole 1 cross"},
		{"second part open", orb.MultiPolygon{{square}, {ring(5, 5, 6, 5, 6, 6)}}, "outer ring of polygon 1 has 3 positions"},
		{"no rings", orb.MultiPolygon{{}}, "the polygon has no rings"},
	}
	for _, c := range cases {
		got := strings.Join(checkShape(c.shape), "; ")
		if (c.want == "") != (got == "") || !strings.Contains(got, c.want) {
			t.Errorf("%s: got %q, want %q", c.name, got, c.want)
		}
	}
}

func TestParseFeaturesRejectsBadInput(t *testing.T) {
	if _, err := ParseFeatures(fixture(t, "tiling.geojson"), org.Level("block"), stored()); err == nil {
		t.Error("an unknown level was accepted")
	}
	_, err := ParseFeatures([]byte(`{"type":"FeatureCollection","features":[]}`), org.LevelGrid, stored())
	if err == nil || !strings.Contains(err.Error(), "the file holds no features") {
		t.Errorf("empty collection: err = %v", err)
	}
	_, err = ParseFeatures([]byte(`{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"code":150302001001001.5,"name":"x"},"geometry":{"type":"Polygon","coordinates":[[[106.8,39.6],[106.81],[106.81,39.61],[106.8,39.6]]]}}]}`), org.LevelGrid, stored())
	for _, want := range []string{"code: code 1.503020010010015e+14 is not a whole number", "ring 0, position 1 has 1 numbers"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("err = %v, want %q", err, want)
		}
	}
}

// repoRoot walks up from the test's directory to the folder that holds go.mod.
func repoRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("go.mod not found above the test directory")
		}
		dir = parent
	}
}

func TestParseFeaturesWuhaiDistricts(t *testing.T) {
	path := filepath.Join(repoRoot(t), "..", "shared", "data", "geo", "150300_full.json")
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		t.Skipf("%s is absent: the real Wuhai outlines are not tested (see ../shared/data/README.md)", path)
	}
	if err != nil {
		t.Fatal(err)
	}
	places, err := ParseFeatures(data, org.LevelDistrict, Known([]org.Place{{Code: "150300", Name: "乌海市", Level: org.LevelCity}}))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"150302": "海勃湾区", "150303": "海南区", "150304": "乌达区"}
	if len(places) != len(want) {
		t.Fatalf("got %d districts, want %d", len(places), len(want))
	}
	for _, p := range places {
		mp := shapeOf(t, p)
		if want[p.Code] != p.Name || p.ParentCode != "150300" || !planar.MultiPolygonContains(mp, orb.Point{p.CenterLng, p.CenterLat}) {
			t.Errorf("district %s %s under %s, centre [%g, %g]: want %s under 150300 with its centre inside", p.Code, p.Name, p.ParentCode, p.CenterLng, p.CenterLat, want[p.Code])
		}
	}
}
