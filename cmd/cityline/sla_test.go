package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCalendarImport(t *testing.T) {
	dir := t.TempDir()
	db := "sqlite:" + filepath.Join(dir, "cityline.db")
	write := func(name, text string) string {
		t.Helper()
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	y2027 := write("2027.txt", "year 2027 https://example.org\noff 2027-01-01 元旦\noff 2027-02-06..2027-02-12 春节\nwork 2027-02-20 春节\n")
	if out := mustCLI(t, "calendar", "import", y2027, "--db", db); out != "imported 2027: 3 entries naming 9 days\nthe database holds the arrangements of 2027\n" {
		t.Errorf("import: %q", out)
	}
	y2028 := write("2028.txt", "year 2028\noff 2028-01-01 元旦\n")
	if out := mustCLI(t, "calendar", "import", "--db", db, y2028); !strings.HasSuffix(out, "the database holds the arrangements of 2027, 2028\n") {
		t.Errorf("second import: %q", out)
	}
	for name, tc := range map[string]struct{ text, want string }{
		"contradiction":  {"year 2029\noff 2029-01-01 元旦\nwork 2029-01-01 元旦\n", "2029-01-01"},
		"gap":            {"year 2031\noff 2031-01-01 元旦\n", "year 2029: no arrangement"},
		"no such date":   {"year 2029\noff 2029-02-29 春节\n", "line 2"},
		"not the format": {"year 2029\nholiday 2029-01-01\n", `line 2: "holiday"`},
	} {
		code, out, errOut := cli(t, "calendar", "import", write(name+".txt", tc.text), "--db", db)
		if code != 1 || out != "" || !strings.Contains(errOut, tc.want) {
			t.Errorf("%s: exit %d, %q, %q; want an error mentioning %q", name, code, out, errOut, tc.want)
		}
	}
}
