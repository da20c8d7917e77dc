package geo

import (
	"encoding/json"
	"fmt"

	"github.com/paulmach/orb"
)

// The GeoJSON documents are read with encoding/json into orb's types: orb's own geojson package would
// pull in a BSON library the project does not carry. Positions are read as plain numbers first so that
// a position with one number is refused rather than silently read as latitude 0.

type collectionDoc struct {
	Type     string            `json:"type"`
	Features []json.RawMessage `json:"features"`
}

type featureDoc struct {
	Type       string          `json:"type"`
	Properties map[string]any  `json:"properties"`
	Geometry   json.RawMessage `json:"geometry"`
}

type geometryDoc struct {
	Type        string          `json:"type"`
	Coordinates json.RawMessage `json:"coordinates"`
}

// readCollection checks the outer shape of the file and hands back its features undecoded, so that a
// bad feature is reported as that feature's problem.
func readCollection(data []byte) ([]json.RawMessage, error) {
	var doc collectionDoc
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("not a GeoJSON FeatureCollection: %w", err)
	}
	if doc.Type != "FeatureCollection" {
		return nil, fmt.Errorf("not a GeoJSON FeatureCollection: its type is %q", doc.Type)
	}
	return doc.Features, nil
}

func readFeature(raw json.RawMessage) (featureDoc, error) {
	var f featureDoc
	if err := json.Unmarshal(raw, &f); err != nil {
		return f, fmt.Errorf("not a GeoJSON Feature: %w", err)
	}
	if f.Type != "Feature" {
		return f, fmt.Errorf("not a GeoJSON Feature: its type is %q", f.Type)
	}
	return f, nil
}

// decode reads an outline: a GeoJSON Polygon or MultiPolygon geometry.
func decode(raw []byte) (orb.MultiPolygon, error) {
	g, err := decodeGeometry(raw)
	if err != nil {
		return nil, err
	}
	return parts(g), nil
}

// parts returns the polygons of a geometry that decodeGeometry returned.
func parts(g orb.Geometry) orb.MultiPolygon {
	if p, ok := g.(orb.Polygon); ok {
		return orb.MultiPolygon{p}
	}
	return g.(orb.MultiPolygon)
}

// decodeGeometry reads a GeoJSON Polygon or MultiPolygon geometry into the orb type of the same name.
func decodeGeometry(raw []byte) (orb.Geometry, error) {
	var g geometryDoc
	if len(raw) == 0 || string(raw) == "null" {
		return nil, fmt.Errorf("geometry: missing")
	}
	if err := json.Unmarshal(raw, &g); err != nil {
		return nil, fmt.Errorf("geometry: %w", err)
	}
	switch g.Type {
	case "Polygon":
		var c [][][]float64
		if err := json.Unmarshal(g.Coordinates, &c); err != nil {
			return nil, fmt.Errorf("geometry: Polygon coordinates: %w", err)
		}
		p, err := polygon(c)
		if err != nil {
			return nil, fmt.Errorf("geometry: %w", err)
		}
		return p, nil
	case "MultiPolygon":
		var c [][][][]float64
		if err := json.Unmarshal(g.Coordinates, &c); err != nil {
			return nil, fmt.Errorf("geometry: MultiPolygon coordinates: %w", err)
		}
		mp := make(orb.MultiPolygon, len(c))
		for i, pc := range c {
			p, err := polygon(pc)
			if err != nil {
				return nil, fmt.Errorf("geometry: polygon %d: %w", i, err)
			}
			mp[i] = p
		}
		return mp, nil
	}
	return nil, fmt.Errorf("geometry: a Polygon or MultiPolygon is required, not %q", g.Type)
}

func polygon(c [][][]float64) (orb.Polygon, error) {
	p := make(orb.Polygon, len(c))
	for ri, rc := range c {
		r := make(orb.Ring, len(rc))
		for k, q := range rc {
			if len(q) < 2 || len(q) > 3 {
				return nil, fmt.Errorf("ring %d, position %d has %d numbers: a position is [lng, lat]", ri, k, len(q))
			}
			r[k] = orb.Point{q[0], q[1]}
		}
		p[ri] = r
	}
	return p, nil
}

// encode renders a Polygon or MultiPolygon as the GeoJSON geometry a place keeps.
func encode(g orb.Geometry) ([]byte, error) {
	return json.Marshal(struct {
		Type        string       `json:"type"`
		Coordinates orb.Geometry `json:"coordinates"`
	}{g.GeoJSONType(), g})
}
