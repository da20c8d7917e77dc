package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cityline/cityline/internal/store"
)

// square is a GeoJSON Polygon over [x0, x1] × [y0, y1].
func square(x0, y0, x1, y1 float64) string {
	return fmt.Sprintf(`{"type":"Polygon","coordinates":[[[%g,%g],[%g,%g],[%g,%g],[%g,%g],[%g,%g]]]}`, x0, y0, x1, y0, x1, y1, x0, y1, x0, y0)
}

// collection writes a FeatureCollection of (code, name, geometry) triples into dir and returns its path.
func collection(t *testing.T, dir, name string, features ...[3]string) string {
	t.Helper()
	var fs []string
	for _, f := range features {
		fs = append(fs, fmt.Sprintf(`{"type":"Feature","properties":{"code":%q,"name":%q},"geometry":%s}`, f[0], f[1], f[2]))
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(`{"type":"FeatureCollection","features":[`+strings.Join(fs, ",\n")+`]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// placeCount counts the stored places by opening the database the command wrote to.
func placeCount(t *testing.T, db string) int {
	t.Helper()
	st, err := store.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	counts, err := st.CountPlaces(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, c := range counts {
		n += c
	}
	return n
}

func TestImportGeo(t *testing.T) {
	dir := t.TempDir()
	db := "sqlite:" + filepath.Join(dir, "cityline.db")
	city := collection(t, dir, "city.geojson", [3]string{"150300", "乌海市", square(106.7, 39.5, 106.9, 39.7)})
	districts := collection(t, dir, "districts.geojson",
		[3]string{"150302", "海勃湾区", square(106.7, 39.5, 106.8, 39.7)},
		[3]string{"150303", "海南区", square(106.8, 39.5, 106.9, 39.7)})

	// Flags come after the file here, before it below.
	if code, out, errOut := cli(t, "import", "geo", city, "--level", "city", "--db", db); code != 0 || out != "imported 1 city places\n" {
		t.Fatalf("city import: exit %d, out %q, err %q", code, out, errOut)
	}
	if code, out, errOut := cli(t, "import", "geo", "--level", "district", "--db", db, districts); code != 0 || out != "imported 2 district places\n" {
		t.Fatalf("district import: exit %d, out %q, err %q", code, out, errOut)
	}
	if n := placeCount(t, db); n != 3 {
		t.Fatalf("%d places stored, want 3", n)
	}

	// A file with a good street and two bad ones: nothing of it is stored, and every problem has its line.
	streets := collection(t, dir, "streets.geojson",
		[3]string{"150302001", "凤凰岭街道", square(106.7, 39.5, 106.8, 39.7)},
		[3]string{"150302002", "", square(106.75, 39.5, 106.8, 39.6)},
		[3]string{"150309001", "无主街道", square(106.8, 39.5, 106.9, 39.7)})
	code, out, errOut := cli(t, "import", "geo", streets, "--level=street", "--db="+db)
	if code == 0 || out != "" {
		t.Fatalf("bad street import: exit %d, out %q; want a failure and no output", code, out)
	}
	for _, want := range []string{
		"\n  feature 1 (code 150302002): name: required\n",
		"\n  feature 1 (code 150302002): overlaps feature 0 (code 150302001)",
		"\n  feature 2 (code 150309001): parent 150309 is unknown: import the district first",
	} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}
	if n := placeCount(t, db); n != 3 {
		t.Fatalf("%d places stored after a refused file, want still 3", n)
	}

	// Districts again: their codes are stored already.
	if code, _, errOut := cli(t, "import", "geo", districts, "--level", "district", "--db", db); code == 0 || !strings.Contains(errOut, "code 150302 is already stored") {
		t.Errorf("repeated import: exit %d, err %q; want a refusal naming the stored code", code, errOut)
	}

	// New outlines for the stored districts: a north and a south half instead of west and east.
	redrawn := collection(t, dir, "redrawn.geojson",
		[3]string{"150302", "海勃湾区", square(106.7, 39.6, 106.9, 39.7)},
		[3]string{"150303", "海南区", square(106.7, 39.5, 106.9, 39.6)})
	if code, out, errOut := cli(t, "import", "geo", redrawn, "--level", "district", "--replace-boundaries", "--db", db); code != 0 || out != "imported 2 district places (outlines replaced)\n" {
		t.Fatalf("boundary replacement: exit %d, out %q, err %q", code, out, errOut)
	}
	st, err := store.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	p, err := st.Place(context.Background(), "150302")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(p.Boundary), "[106.7,39.6]") || p.CenterLat <= 39.6 {
		t.Errorf("150302 after replacement: boundary %s, centre lat %g; want the northern half", p.Boundary, p.CenterLat)
	}
	if n, broken, err := st.VerifyAudit(context.Background()); err != nil || broken != nil || n < 3 {
		t.Errorf("audit chain: %d entries, broken %v, err %v; want the three imports recorded intact", n, broken, err)
	}
}

func TestImportGeoUsage(t *testing.T) {
	dir := t.TempDir()
	db := "sqlite:" + filepath.Join(dir, "cityline.db")
	file := collection(t, dir, "city.geojson", [3]string{"150300", "乌海市", square(106.7, 39.5, 106.9, 39.7)})
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"import"}, "usage: cityline import geo FILE"},
		{[]string{"import", "shapes", file}, "usage: cityline import geo FILE"},
		{[]string{"import", "geo", "--level", "city", "--db", db}, "want FILE, got []"},
		{[]string{"import", "geo", file, file, "--level", "city", "--db", db}, "want FILE, got ["},
		{[]string{"import", "geo", file, "--db", db}, `--level: unknown level ""`},
		{[]string{"import", "geo", file, "--level", "block", "--db", db}, `--level: unknown level "block"`},
		{[]string{"import", "geo", filepath.Join(dir, "missing.geojson"), "--level", "city", "--db", db}, "no such file"},
	}
	for _, c := range cases {
		if code, _, errOut := cli(t, c.args...); code == 0 || !strings.Contains(errOut, c.want) {
			t.Errorf("%v: exit %d, err %q; want a failure saying %q", c.args, code, errOut, c.want)
		}
	}
	if code, out, _ := cli(t, "import", "geo", "--help"); code != 0 || !strings.Contains(out, "--replace-boundaries") {
		t.Errorf("--help: exit %d, out %q; want the flags and exit 0", code, out)
	}
	// "--" ends the flags: a file named like a flag can still be imported.
	collection(t, dir, "--level", [3]string{"150300", "乌海市", square(106.7, 39.5, 106.9, 39.7)})
	t.Chdir(dir)
	if code, out, errOut := cli(t, "import", "geo", "--level", "city", "--db", db, "--", "--level"); code != 0 || out != "imported 1 city places\n" {
		t.Errorf("file after --: exit %d, out %q, err %q", code, out, errOut)
	}
}
