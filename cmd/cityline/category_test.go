package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCategoryImportAndList(t *testing.T) {
	dir := t.TempDir()
	db := "sqlite:" + filepath.Join(dir, "cityline.db")
	file := filepath.Join(dir, "taxonomy.csv")
	csv := "一级分类,二级分类,三级分类\n城乡建设,市政设施,路灯\n城乡建设,市政设施,井盖\n环境保护,噪声污染,施工噪声\n"
	if err := os.WriteFile(file, []byte(csv), 0o600); err != nil {
		t.Fatal(err)
	}
	if out := mustCLI(t, "category", "import", file, "--db", db); out != "added 7 categories; the catalogue now has 7\n" {
		t.Fatalf("first import: %q", out)
	}
	if out := mustCLI(t, "category", "import", "--db", db, file); out != "added 0 categories; the catalogue now has 7\n" {
		t.Fatalf("second import of the same file: %q", out)
	}
	want := "01       城乡建设\n" +
		"0101       市政设施\n" +
		"010101       路灯\n" +
		"010102       井盖\n" +
		"02       环境保护\n" +
		"0201       噪声污染\n" +
		"020101       施工噪声\n"
	if out := mustCLI(t, "category", "list", "--db", db); out != want {
		t.Fatalf("list:\n%s\nwant\n%s", out, want)
	}

	bad := filepath.Join(dir, "bad.csv")
	if err := os.WriteFile(bad, []byte("level1,level2,level3\n交通运输,,公交\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, errOut := cli(t, "category", "import", bad, "--db", db)
	if code != 1 || !strings.Contains(errOut, "bad.csv: line 2: level2 is empty") {
		t.Fatalf("bad file: exit %d, %q", code, errOut)
	}
	if out := mustCLI(t, "audit", "verify", "--db", db); !strings.Contains(out, "intact: 1 entries") {
		t.Fatalf("audit after one effective import: %q", out)
	}
}
