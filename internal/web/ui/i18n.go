package ui

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"path"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/cityline/cityline/internal/access"
	"github.com/cityline/cityline/internal/org"
)

//go:embed i18n/*.json
var catalogueFS embed.FS

// The UI speaks Simplified Chinese unless the user picks English; both catalogues must hold the same
// keys, which New checks.
const (
	defaultLang = "zh-CN"
	langCookie  = "lang"
)

var languages = []string{defaultLang, "en"}

// catalogue maps a message key to its text in one language. Texts with arguments use fmt verbs.
type catalogue map[string]string

// loadCatalogues reads i18n/LANG.json and every i18n/AREA.LANG.json (one file per screen area, so
// that areas can be worked on apart), merging each language's files and refusing a key defined twice.
func loadCatalogues() (map[string]catalogue, error) {
	cats := map[string]catalogue{}
	for _, lang := range languages {
		cats[lang] = catalogue{}
	}
	names, err := fs.Glob(catalogueFS, "i18n/*.json")
	if err != nil {
		return nil, err
	}
	for _, name := range names {
		base := strings.TrimSuffix(path.Base(name), ".json")
		lang := base[strings.LastIndex(base, ".")+1:]
		c, ok := cats[lang]
		if !ok {
			return nil, fmt.Errorf("ui catalogue %s: unknown language %q", name, lang)
		}
		b, err := catalogueFS.ReadFile(name)
		if err != nil {
			return nil, fmt.Errorf("ui catalogue %s: %w", name, err)
		}
		var part catalogue
		if err := json.Unmarshal(b, &part); err != nil {
			return nil, fmt.Errorf("ui catalogue %s: %w", name, err)
		}
		for k, v := range part {
			if _, dup := c[k]; dup {
				return nil, fmt.Errorf("ui catalogue %s: key %q is defined twice", name, k)
			}
			c[k] = v
		}
	}
	if missing := catalogueGaps(cats); len(missing) > 0 {
		return nil, fmt.Errorf("ui catalogues differ: %v", missing)
	}
	return cats, nil
}

// catalogueGaps lists "lang:key" for every key that one catalogue has and another lacks.
func catalogueGaps(cats map[string]catalogue) []string {
	var out []string
	for lang, c := range cats {
		for other, oc := range cats {
			for key := range oc {
				if _, ok := c[key]; !ok {
					out = append(out, fmt.Sprintf("%s lacks %s (in %s)", lang, key, other))
				}
			}
		}
	}
	sort.Strings(out)
	return slices.Compact(out)
}

// langOf picks the request's language from the lang cookie, falling back to Chinese.
func langOf(r *http.Request) string {
	if c, err := r.Cookie(langCookie); err == nil && slices.Contains(languages, c.Value) {
		return c.Value
	}
	return defaultLang
}

// tr translates for one request. Templates call its methods: {{.T "key"}}.
type tr struct {
	lang string
	cat  catalogue
}

func (u *UI) translator(lang string) tr { return tr{lang: lang, cat: u.cats[lang]} }

// T returns the text for key, formatted with args when there are any. A missing key shows as itself
// (and is logged) rather than breaking the page; the catalogue tests keep that from shipping. The
// zero tr and the empty key, met only by the start-up check of empty pages, pass quietly.
func (t tr) T(key string, args ...any) string {
	s, ok := t.cat[key]
	if !ok {
		if t.cat != nil && key != "" {
			slog.Warn("ui: missing message", "lang", t.lang, "key", key)
		}
		return key
	}
	if len(args) > 0 {
		return fmt.Sprintf(s, args...)
	}
	return s
}

// RoleName is a role as people call it.
func (t tr) RoleName(r access.Role) string { return t.T("role." + string(r)) }

// GridRoleName is a grid role as people call it.
func (t tr) GridRoleName(g access.GridRole) string { return t.T("gridrole." + string(g)) }

// LevelName is a level of the tree as people call it.
func (t tr) LevelName(l org.Level) string { return t.T("level." + string(l)) }

// KindName is a unit kind as people call it.
func (t tr) KindName(k org.UnitKind) string { return t.T("kind." + string(k)) }

// FieldError is a form error that names the field in the user's language: "用户名：必填".
func (t tr) FieldError(field, msgKey string, args ...any) string {
	return t.T("form.error", t.T("field."+field), t.T(msgKey, args...))
}

// shanghai is the zone people in the city read times in (China keeps no daylight saving time).
var shanghai = time.FixedZone("CST", 8*3600)

// Greeting picks 早上好 / 下午好 / 晚上好 by the hour in the city.
func (t tr) Greeting(now time.Time) string {
	switch h := now.In(shanghai).Hour(); {
	case h < 5 || h >= 18:
		return t.T("home.greeting.evening")
	case h < 12:
		return t.T("home.greeting.morning")
	default:
		return t.T("home.greeting.afternoon")
	}
}
