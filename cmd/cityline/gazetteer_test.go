package main

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/cityline/cityline/internal/store"
	"github.com/cityline/cityline/internal/store/storetest"
)

// gazetteerDB makes a database holding storetest.TinyCity and returns its URL.
func gazetteerDB(t *testing.T) string {
	t.Helper()
	db := "sqlite:" + filepath.Join(t.TempDir(), "cityline.db")
	st, err := store.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	storetest.TinyCity(t, st)
	return db
}

func writeCSV(t *testing.T, name, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// gazetteerAddresses lists the stored entries as address@grid.
func gazetteerAddresses(t *testing.T, db string) []string {
	t.Helper()
	var out []string
	if err := withStore(context.Background(), db, func(st *store.Store) error {
		entries, err := st.GazetteerEntries(context.Background())
		for _, e := range entries {
			out = append(out, e.Address+"@"+e.Grid)
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestImportGazetteer(t *testing.T) {
	db := gazetteerDB(t)
	// TinyCity: 150302 spans lng 106-107, its grid 001 the western half; 150303 spans lng 107-108.
	good := writeCSV(t, "list.csv", "kind,name,aliases,address,lng,lat,grid\n"+
		"compound,康乐小区,康乐花园,区150302康乐小区,106.2,39.5,\n"+
		"building,3号楼,,区150302康乐小区3号楼,106.21,39.5,\n"+
		"poi,市人民医院,,区150303市人民医院,107.8,39.5,150303001001002\n")
	if code, out, errOut := cli(t, "import", "gazetteer", good, "--db", db); code != 0 || out != "added 3 entries; the gazetteer now has 3\n" {
		t.Fatalf("import: exit %d, out %q, err %q", code, out, errOut)
	}
	want := []string{"区150302康乐小区@150302001001001", "区150302康乐小区3号楼@150302001001001", "区150303市人民医院@150303001001002"}
	if got := gazetteerAddresses(t, db); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("stored %v, want %v (the grid from the point where the file gives none)", got, want)
	}

	bad := writeCSV(t, "bad.csv", "kind,name,aliases,address,lng,lat,grid\n"+
		"compound,阳光家园,,区150302阳光家园,106.7,39.5,\n"+ // line 2: fine
		"house,甲,,区150302甲,106.7,39.5,\n"+
		"compound,,,区150302乙,106.7,39.5,\n"+
		"compound,丙,,北京市丙,116.4,39.9,\n"+
		"compound,丁,,区150302丁,106.7,39.5,150302001001009\n"+
		"compound,阳光家园,,区150302 阳光家园,106.7,39.5,\n"+
		"compound,康乐小区,,区150302康乐小区,106.2,39.5,\n")
	code, out, errOut := cli(t, "import", "gazetteer", bad, "--db", db)
	if code == 0 || out != "" {
		t.Fatalf("bad file: exit %d, out %q; want a refusal", code, out)
	}
	lines := strings.Split(strings.TrimSpace(errOut), "\n")
	if !strings.HasSuffix(lines[0], "bad.csv: the file was refused, 6 problems:") || !slices.Equal(lines[1:], []string{
		"  line 3, kind: unknown kind \"house\": want road, community, compound, building or poi (道路, 社区, 小区, 楼栋, 场所)",
		"  line 4, name: required",
		"  line 5, lng/lat: the point (116.4, 39.9) is outside every grid of the city",
		"  line 6, grid: 150302001001009 is not a grid of the city",
		"  line 7, address: 区150302 阳光家园 is the address of line 2 too",
		"  line 8, address: 区150302康乐小区 is already in the list",
	}) {
		t.Errorf("stderr: every bad row, one a line, and nothing else; got\n%s", errOut)
	}
	if got := gazetteerAddresses(t, db); len(got) != 3 {
		t.Fatalf("%d entries after a refused file, want still 3", len(got))
	}

	// The same file again adds nothing: every address is listed; with --replace it becomes the list.
	if code, _, errOut := cli(t, "import", "gazetteer", good, "--db", db); code == 0 || !strings.Contains(errOut, "is already in the list") {
		t.Errorf("importing twice: exit %d, err %q", code, errOut)
	}
	small := writeCSV(t, "small.csv", "类型,名称,别名,地址,经度,纬度\n道路,人民路,,区150302人民路,106.8,39.5\n")
	if code, out, errOut := cli(t, "import", "gazetteer", "--replace", "--db", db, small); code != 0 || out != "the gazetteer now has the file's 1 entries (3 before)\n" {
		t.Fatalf("replace: exit %d, out %q, err %q", code, out, errOut)
	}
	if got := gazetteerAddresses(t, db); len(got) != 1 || got[0] != "区150302人民路@150302001001002" {
		t.Errorf("after --replace: %v", got)
	}
	if code, out, errOut := cli(t, "audit", "verify", "--db", db); code != 0 || !strings.Contains(out, "intact") {
		t.Errorf("audit verify: exit %d, out %q, err %q", code, out, errOut)
	}
}

func TestImportGazetteerUsage(t *testing.T) {
	db := gazetteerDB(t)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"import", "gazetteer", "--db", db}, "want FILE.csv"},
		{[]string{"import", "gazetteer", filepath.Join(t.TempDir(), "missing.csv"), "--db", db}, "no such file"},
		{[]string{"import", "gazetteer", writeCSV(t, "empty.csv", ""), "--db", db}, "the file is empty"},
		{[]string{"import"}, "cityline import gazetteer FILE.csv"},
	} {
		if code, _, errOut := cli(t, c.args...); code == 0 || !strings.Contains(errOut, c.want) {
			t.Errorf("%v: exit %d, err %q; want a failure saying %q", c.args, code, errOut, c.want)
		}
	}
	if code, out, _ := cli(t, "import", "gazetteer", "--help"); code != 0 || !strings.Contains(out, "--replace") || !strings.Contains(out, "标准地址库") {
		t.Errorf("--help: exit %d, out %q", code, out)
	}
	if code, out, _ := cli(t, "import", "--help"); code != 0 || !strings.Contains(out, "import gazetteer FILE.csv") {
		t.Errorf("import --help: exit %d, out %q", code, out)
	}
}
