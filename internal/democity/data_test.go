package democity

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"testing"

	"github.com/paulmach/orb"
)

var update = flag.Bool("update", false, "rewrite data/districts.geojson and data/streets.csv from ../shared/data")

// sharedData finds ../shared/data beside the repository root (this package is two levels below the
// root), or skips the test when it is absent.
func sharedData(t *testing.T) string {
	t.Helper()
	shared := filepath.Join("..", "..", "..", "shared", "data")
	if _, err := os.Stat(shared); errors.Is(err, fs.ErrNotExist) {
		t.Skipf("%s is absent: cannot compare the embedded demo data with its sources", shared)
	}
	return shared
}

// dataVFeature is the part of a DataV.GeoAtlas feature the conversion reads.
type dataVFeature struct {
	Properties struct {
		Adcode int       `json:"adcode"`
		Name   string    `json:"name"`
		Center orb.Point `json:"center"`
	} `json:"properties"`
	Geometry *multiPolygonJSON `json:"geometry"`
}

func readDataV(path string) ([]dataVFeature, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var fc struct {
		Features []dataVFeature `json:"features"`
	}
	if err := json.Unmarshal(raw, &fc); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return fc.Features, nil
}

func round6(p orb.Point) orb.Point {
	return orb.Point{math.Round(p[0]*1e6) / 1e6, math.Round(p[1]*1e6) / 1e6}
}

// convertAreas turns DataV's province file (for the city's name and centre) and city file (for the
// districts) into districts.geojson: properties code, name and centre, coordinates rounded to 6 decimals.
func convertAreas(shared string) ([]byte, error) {
	province, err := readDataV(filepath.Join(shared, "geo", "150000_full.json"))
	if err != nil {
		return nil, err
	}
	districts, err := readDataV(filepath.Join(shared, "geo", "150300_full.json"))
	if err != nil {
		return nil, err
	}
	var features []areaFeature
	for _, f := range province {
		if f.Properties.Adcode == 150300 {
			features = append(features, areaFeature{Type: "Feature", Properties: areaProperties{
				Code: "150300", Name: f.Properties.Name, Center: round6(f.Properties.Center)}})
		}
	}
	if len(features) != 1 {
		return nil, fmt.Errorf("150000_full.json: want one feature for 150300, found %d", len(features))
	}
	for _, f := range districts {
		if f.Geometry == nil || f.Geometry.Type != "MultiPolygon" {
			return nil, fmt.Errorf("150300_full.json: %s has no MultiPolygon", f.Properties.Name)
		}
		shape := f.Geometry.Coordinates
		for _, poly := range shape {
			for _, ring := range poly {
				for i := range ring {
					ring[i] = round6(ring[i])
				}
			}
		}
		features = append(features, areaFeature{Type: "Feature",
			Properties: areaProperties{Code: strconv.Itoa(f.Properties.Adcode), Name: f.Properties.Name, Center: round6(f.Properties.Center)},
			Geometry:   &multiPolygonJSON{Type: "MultiPolygon", Coordinates: shape}})
	}
	var buf bytes.Buffer
	buf.WriteString(`{"type":"FeatureCollection","features":[` + "\n")
	for i, f := range features {
		b, err := json.Marshal(f)
		if err != nil {
			return nil, err
		}
		buf.Write(b)
		if i < len(features)-1 {
			buf.WriteByte(',')
		}
		buf.WriteByte('\n')
	}
	buf.WriteString("]}\n")
	return buf.Bytes(), nil
}

// convertStreets keeps the code and name columns of the statistics bureau's street list.
func convertStreets(shared string) ([]byte, error) {
	raw, err := os.ReadFile(filepath.Join(shared, "admin-divisions", "wuhai_150300_streets.csv"))
	if err != nil {
		return nil, err
	}
	records, err := csv.NewReader(bytes.NewReader(raw)).ReadAll()
	if err != nil {
		return nil, err
	}
	if len(records) == 0 || records[0][0] != "code" || records[0][1] != "name" {
		return nil, fmt.Errorf("wuhai_150300_streets.csv: want columns code,name first")
	}
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	for _, r := range records {
		if err := w.Write(r[:2]); err != nil {
			return nil, err
		}
	}
	w.Flush()
	return buf.Bytes(), w.Error()
}

func TestEmbeddedDataMatchesSources(t *testing.T) {
	shared := sharedData(t)
	for _, c := range []struct {
		file    string
		convert func(string) ([]byte, error)
	}{{"districts.geojson", convertAreas}, {"streets.csv", convertStreets}} {
		want, err := c.convert(shared)
		if err != nil {
			t.Fatalf("convert %s: %v", c.file, err)
		}
		path := filepath.Join("data", c.file)
		if *update {
			if err := os.WriteFile(path, want, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		got, err := dataFiles.ReadFile("data/" + c.file)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("data/%s differs from what its sources convert to; run go test -run TestEmbeddedDataMatchesSources -update", c.file)
		}
	}

	// Names and codes, compared on their own so that a failure says what changed.
	_, districts, streets, err := loadData()
	if err != nil {
		t.Fatal(err)
	}
	source, err := readDataV(filepath.Join(shared, "geo", "150300_full.json"))
	if err != nil {
		t.Fatal(err)
	}
	var wantDistricts, gotDistricts []string
	for _, f := range source {
		wantDistricts = append(wantDistricts, strconv.Itoa(f.Properties.Adcode)+" "+f.Properties.Name)
	}
	for _, d := range districts {
		gotDistricts = append(gotDistricts, d.Code+" "+d.Name)
	}
	if !reflect.DeepEqual(gotDistricts, wantDistricts) {
		t.Errorf("districts: embedded %v, source %v", gotDistricts, wantDistricts)
	}
	raw, err := os.ReadFile(filepath.Join(shared, "admin-divisions", "wuhai_150300_streets.csv"))
	if err != nil {
		t.Fatal(err)
	}
	records, err := csv.NewReader(bytes.NewReader(raw)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var wantStreets, gotStreets []string
	for _, r := range records[1:] {
		wantStreets = append(wantStreets, r[0]+" "+r[1])
	}
	for _, s := range streets {
		gotStreets = append(gotStreets, s.Code+" "+s.Name)
	}
	if !reflect.DeepEqual(gotStreets, wantStreets) {
		t.Errorf("streets: embedded %v, source %v", gotStreets, wantStreets)
	}
}
