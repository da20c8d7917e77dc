package web

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"net/http"
	"sort"
)

// The OpenAPI document of /api/v1 is kept in pieces: openapi/base.json holds the document's frame,
// and every other file in openapi/ adds the paths and schemas of one part of the API, so that each
// feature describes its own endpoints beside its handlers. A test checks that every route registered
// on the mux is described and that nothing described is missing from the mux.
//
//go:embed openapi/*.json
var openAPIFiles embed.FS

// openAPIFragment is one feature's share of the document.
type openAPIFragment struct {
	Paths   map[string]json.RawMessage `json:"paths"`
	Schemas map[string]json.RawMessage `json:"schemas"`
}

// buildOpenAPI merges the fragments into the base document, refusing a path or schema named twice.
func buildOpenAPI() ([]byte, error) {
	raw, err := openAPIFiles.ReadFile("openapi/base.json")
	if err != nil {
		return nil, err
	}
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		return nil, fmt.Errorf("openapi/base.json: %w", err)
	}
	paths := doc["paths"].(map[string]any)
	schemas := doc["components"].(map[string]any)["schemas"].(map[string]any)
	names, err := fs.Glob(openAPIFiles, "openapi/*.json")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	for _, name := range names {
		if name == "openapi/base.json" {
			continue
		}
		data, err := openAPIFiles.ReadFile(name)
		if err != nil {
			return nil, err
		}
		var frag openAPIFragment
		if err := json.Unmarshal(data, &frag); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		for _, m := range []struct {
			into map[string]any
			from map[string]json.RawMessage
			what string
		}{{paths, frag.Paths, "path"}, {schemas, frag.Schemas, "schema"}} {
			for k, v := range m.from {
				if _, dup := m.into[k]; dup {
					return nil, fmt.Errorf("%s: %s %s is already described elsewhere", name, m.what, k)
				}
				m.into[k] = v
			}
		}
	}
	return json.MarshalIndent(doc, "", " ")
}

func serveOpenAPI(doc []byte) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.Header().Set("Cache-Control", "no-cache")
		w.Write(doc)
	}
}
