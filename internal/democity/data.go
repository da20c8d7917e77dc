package democity

import (
	"bytes"
	"embed"
	"encoding/csv"
	"encoding/json"
	"fmt"

	"github.com/cityline/cityline/internal/org"
	"github.com/paulmach/orb"
)

// The real outlines and codes the demo starts from, converted from public sources (see data/README.md)
// so that the demo runs without any download.
//
//go:embed data/districts.geojson data/streets.csv
var dataFiles embed.FS

// area is the city or one of its districts as the embedded data describes it.
type area struct {
	Code   string
	Name   string
	Center orb.Point
	Shape  orb.MultiPolygon // nil for the city, whose outline the demo does not need
}

// division is a street or town: a code and a name.
type division struct {
	Code string
	Name string
}

// multiPolygonJSON is a GeoJSON MultiPolygon geometry. orb's own geojson package would pull in a
// BSON library the project does not carry, and plain encoding/json is enough for one geometry type.
type multiPolygonJSON struct {
	Type        string           `json:"type"`
	Coordinates orb.MultiPolygon `json:"coordinates"`
}

type areaProperties struct {
	Code   string    `json:"code"`
	Name   string    `json:"name"`
	Center orb.Point `json:"center"`
}

type areaFeature struct {
	Type       string            `json:"type"`
	Properties areaProperties    `json:"properties"`
	Geometry   *multiPolygonJSON `json:"geometry"`
}

type areaCollection struct {
	Type     string        `json:"type"`
	Features []areaFeature `json:"features"`
}

// encodeBoundary renders a shape as a GeoJSON MultiPolygon geometry, the form org.Place keeps.
func encodeBoundary(mp orb.MultiPolygon) ([]byte, error) {
	return json.Marshal(multiPolygonJSON{Type: "MultiPolygon", Coordinates: mp})
}

// decodeBoundary reads a GeoJSON MultiPolygon geometry written by encodeBoundary.
func decodeBoundary(b []byte) (orb.MultiPolygon, error) {
	var g multiPolygonJSON
	if err := json.Unmarshal(b, &g); err != nil {
		return nil, fmt.Errorf("boundary: %w", err)
	}
	if g.Type != "MultiPolygon" {
		return nil, fmt.Errorf("boundary: type %q, want MultiPolygon", g.Type)
	}
	return g.Coordinates, nil
}

// parseAreas reads districts.geojson: the city first (no geometry), then its districts.
func parseAreas(data []byte) (city area, districts []area, err error) {
	var fc areaCollection
	if err := json.Unmarshal(data, &fc); err != nil {
		return city, nil, fmt.Errorf("districts.geojson: %w", err)
	}
	if fc.Type != "FeatureCollection" {
		return city, nil, fmt.Errorf("districts.geojson: type %q, want FeatureCollection", fc.Type)
	}
	for i, f := range fc.Features {
		a := area{Code: f.Properties.Code, Name: f.Properties.Name, Center: f.Properties.Center}
		level := org.LevelDistrict
		if i == 0 {
			level = org.LevelCity
		}
		if err := org.ValidateCode(a.Code, level); err != nil {
			return city, nil, fmt.Errorf("districts.geojson feature %d: %w", i, err)
		}
		if level == org.LevelCity {
			city = a
			continue
		}
		if f.Geometry == nil || f.Geometry.Type != "MultiPolygon" || len(f.Geometry.Coordinates) == 0 {
			return city, nil, fmt.Errorf("districts.geojson feature %d (%s): want a MultiPolygon geometry", i, a.Code)
		}
		if org.ParentCodeOf(a.Code, org.LevelDistrict) != city.Code {
			return city, nil, fmt.Errorf("districts.geojson feature %d: district %s is not in city %s", i, a.Code, city.Code)
		}
		a.Shape = f.Geometry.Coordinates
		districts = append(districts, a)
	}
	if city.Code == "" || len(districts) == 0 {
		return city, nil, fmt.Errorf("districts.geojson: want the city and at least one district")
	}
	return city, districts, nil
}

// parseDivisions reads streets.csv: a header "code,name" then one street or town a line.
func parseDivisions(data []byte) ([]division, error) {
	records, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
	if err != nil {
		return nil, fmt.Errorf("streets.csv: %w", err)
	}
	if len(records) < 2 || len(records[0]) != 2 || records[0][0] != "code" || records[0][1] != "name" {
		return nil, fmt.Errorf("streets.csv: want a header code,name and at least one row")
	}
	out := make([]division, 0, len(records)-1)
	for i, r := range records[1:] {
		if err := org.ValidateCode(r[0], org.LevelStreet); err != nil {
			return nil, fmt.Errorf("streets.csv line %d: %w", i+2, err)
		}
		out = append(out, division{Code: r[0], Name: r[1]})
	}
	return out, nil
}

// loadData reads the embedded outlines and divisions.
func loadData() (city area, districts []area, streets []division, err error) {
	geo, err := dataFiles.ReadFile("data/districts.geojson")
	if err != nil {
		return city, nil, nil, err
	}
	if city, districts, err = parseAreas(geo); err != nil {
		return city, nil, nil, err
	}
	csvData, err := dataFiles.ReadFile("data/streets.csv")
	if err != nil {
		return city, nil, nil, err
	}
	streets, err = parseDivisions(csvData)
	return city, districts, streets, err
}
