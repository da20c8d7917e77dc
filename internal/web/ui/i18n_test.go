package ui

import (
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/cityline/cityline/internal/access"
	"github.com/cityline/cityline/internal/org"
	"github.com/cityline/cityline/internal/store"
)

var verbPattern = regexp.MustCompile(`%[a-z]`)

func TestCataloguesHaveTheSameKeysAndPlaceholders(t *testing.T) {
	cats, err := loadCatalogues()
	if err != nil {
		t.Fatal(err)
	}
	zh, en := cats["zh-CN"], cats["en"]
	if len(zh) == 0 || len(zh) != len(en) {
		t.Fatalf("zh-CN has %d keys, en %d", len(zh), len(en))
	}
	for key, z := range zh {
		e, ok := en[key]
		if !ok {
			t.Errorf("en lacks %s", key)
			continue
		}
		if strings.TrimSpace(z) == "" || strings.TrimSpace(e) == "" {
			t.Errorf("%s is empty in a catalogue", key)
		}
		if zv, ev := verbPattern.FindAllString(z, -1), verbPattern.FindAllString(e, -1); strings.Join(zv, "") != strings.Join(ev, "") {
			t.Errorf("%s: zh-CN has placeholders %v, en %v", key, zv, ev)
		}
	}
}

func TestCatalogueGapsAreReported(t *testing.T) {
	gaps := catalogueGaps(map[string]catalogue{"zh-CN": {"a": "甲", "b": "乙"}, "en": {"a": "A"}})
	if len(gaps) != 1 || !strings.Contains(gaps[0], "en lacks b") {
		t.Errorf("gaps = %v, want en lacking b", gaps)
	}
}

var (
	templateKey   = regexp.MustCompile(`\.T\s+"([^"]+)"`)
	templateField = regexp.MustCompile(`\((?:field|choose)\s+\S+\s+"([a-z_]+)"`)
	goFieldError  = regexp.MustCompile(`FieldError\("([a-z_]+)"`)
	// goKey matches the string literals in Go code that are catalogue keys (page file names aside).
	goKey = regexp.MustCompile(`^(?:app|list|nav|login|field|form|err|home|org|users|msg|action|password|units|error|cat|tk|pt|rp|kb|triage)\.[a-z0-9_.]+$`)
)

// usedKeys collects every catalogue key the package refers to: in templates, in Go string literals,
// through form field names, and through the role, grid role, level and unit kind names.
func usedKeys(t *testing.T) map[string]string {
	t.Helper()
	used := map[string]string{}
	err := fs.WalkDir(templateFS, "templates", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := templateFS.ReadFile(p)
		if err != nil {
			return err
		}
		for _, m := range templateKey.FindAllStringSubmatch(string(b), -1) {
			used[m[1]] = p
		}
		for _, m := range templateField.FindAllStringSubmatch(string(b), -1) {
			used["field."+m[1]] = p
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	for _, e := range entries {
		name := e.Name()
		if !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
			continue
		}
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range goFieldError.FindAllStringSubmatch(string(src), -1) {
			used["field."+m[1]] = name
		}
		f, err := parser.ParseFile(fset, name, src, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			if lit, ok := n.(*ast.BasicLit); ok && lit.Kind == token.STRING {
				if s, err := strconv.Unquote(lit.Value); err == nil && goKey.MatchString(s) && !strings.HasSuffix(s, ".html") {
					used[s] = name
				}
			}
			return true
		})
	}
	for field := range userRules {
		used["field."+field] = "userRules"
	}
	for field := range unitRules {
		used["field."+field] = "unitRules"
	}
	for _, r := range access.AllRoles {
		used["role."+string(r)] = "access.AllRoles"
	}
	for _, g := range access.GridRoles {
		used["gridrole."+string(g)] = "access.GridRoles"
	}
	for _, l := range org.Levels {
		used["level."+string(l)] = "org.Levels"
	}
	for _, k := range org.UnitKinds {
		used["kind."+string(k)] = "org.UnitKinds"
	}
	return used
}

func TestEveryKeyUsedIsInTheCatalogues(t *testing.T) {
	cats, err := loadCatalogues()
	if err != nil {
		t.Fatal(err)
	}
	used := usedKeys(t)
	if len(used) < 100 {
		t.Fatalf("found only %d keys in use: the scan is broken", len(used))
	}
	for key, where := range used {
		for lang, c := range cats {
			if _, ok := c[key]; !ok {
				t.Errorf("%s (used in %s) is missing from %s", key, where, lang)
			}
		}
	}
	var unused []string
	for key := range cats[defaultLang] {
		if _, ok := used[key]; !ok {
			unused = append(unused, key)
		}
	}
	sort.Strings(unused)
	if len(unused) > 0 {
		t.Errorf("catalogue keys nothing uses: %v", unused)
	}
}

func TestLocalPath(t *testing.T) {
	for in, want := range map[string]string{
		"/":                    "/",
		"/org?code=150302":     "/org?code=150302",
		"/admin/users/abc":     "/admin/users/abc",
		"":                     "/",
		"org":                  "/",
		"//evil.example":       "/",
		"///evil.example":      "/",
		`/\evil.example`:       "/",
		"/a\\b":                "/",
		"https://evil.example": "/",
		"/login":               "/",
		"/login?next=/x":       "/",
		"/logout":              "/",
		"/ok\r\nSet-Cookie: x": "/",
	} {
		if got := localPath(in); got != want {
			t.Errorf("localPath(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestExplainNamesTheField(t *testing.T) {
	cats, err := loadCatalogues()
	if err != nil {
		t.Fatal(err)
	}
	tzh := tr{lang: "zh-CN", cat: cats["zh-CN"]}
	ten := tr{lang: "en", cat: cats["en"]}
	tests := []struct {
		t     tr
		err   error
		field string
		want  string
	}{
		{tzh, errors.New("display_name: required, at most 50 characters"), "display_name", "姓名：必填，最多 50 个字"},
		{ten, errors.New("display_name: required, at most 50 characters"), "display_name", "Name: required, at most 50 characters"},
		{tzh, fmt.Errorf("username: %w: bob is taken", store.ErrConflict), "username", "用户名：已被使用，请换一个"},
		{ten, fmt.Errorf("code: %w: a unit with code X already exists", store.ErrConflict), "code", "Unit code: already in use; choose another"},
	}
	for _, tc := range tests {
		errs := formErrors{}
		rules := map[string]string{"display_name": "err.user.display_name", "username": "err.user.username", "code": "err.unit.code"}
		if !errs.explain(tc.t, tc.err, rules) || errs[tc.field] != tc.want {
			t.Errorf("explain(%v) = %v, want %s: %q", tc.err, errs, tc.field, tc.want)
		}
	}
	for _, err := range []error{
		fmt.Errorf("unit 0190: %w: it was changed by someone else", store.ErrConflict),
		errors.New("password: too short"),
	} {
		errs := formErrors{}
		if errs.explain(tzh, err, userRules) {
			t.Errorf("explain(%v) claimed a field of the user form: %v", err, errs)
		}
	}
}
