package ui

import (
	"bytes"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"slices"

	"github.com/cityline/cityline/internal/access"
	"github.com/cityline/cityline/internal/org"
	"github.com/cityline/cityline/internal/store"
)

// orgData is the tree page: the tree opened down to the selected place, the way back up, and the
// selected place's children (which the map draws).
type orgData struct {
	Selected org.Place
	Chain    []org.Place // from the top down to the selected place
	Tree     treeData
	Children []org.Place
}

// TitleKey names the page.
func (orgData) TitleKey() string { return "org.title" }

// treeData is one level of the tree; htmx fetches it when a node is opened.
type treeData struct {
	tr
	Nodes []treeNode
}

type treeNode struct {
	Place    org.Place
	Leaf     bool // a grid: nothing below it
	Open     bool // its children are already in the page
	Selected bool
	Kids     treeData
}

// orgPage shows the tree and the map of the selected place (?code=…, the top of the tree by default).
func (u *UI) orgPage(w http.ResponseWriter, r *http.Request, a access.Actor) {
	if access.Allow(a, access.ActionViewOrg, access.Target{}) != nil {
		u.notFound(w, r)
		return
	}
	ctx := r.Context()
	roots, err := u.st.Places(ctx, store.PlaceFilter{Level: org.LevelCity})
	if err == nil && len(roots) == 0 {
		roots, err = u.st.Places(ctx, store.PlaceFilter{Level: org.LevelDistrict})
	}
	if err != nil {
		u.failed(w, r, err)
		return
	}
	t := u.translator(langOf(r))
	d := orgData{Tree: treeData{tr: t}}
	code := r.URL.Query().Get("code")
	if code == "" && len(roots) > 0 {
		code = roots[0].Code
	}
	if code != "" {
		chain, err := u.st.PlaceChain(ctx, code)
		if errors.Is(err, store.ErrNotFound) {
			u.notFound(w, r)
			return
		}
		if err != nil {
			u.failed(w, r, err)
			return
		}
		slices.Reverse(chain)
		d.Chain, d.Selected = chain, chain[len(chain)-1]
		if d.Children, err = u.st.Places(ctx, store.PlaceFilter{ParentCode: code}); err != nil {
			u.failed(w, r, err)
			return
		}
	}
	open := map[string]bool{}
	for _, p := range d.Chain {
		open[p.Code] = true
	}
	if d.Tree.Nodes, err = u.treeNodes(r, t, roots, open, d.Selected.Code); err != nil {
		u.failed(w, r, err)
		return
	}
	u.render(w, r, http.StatusOK, "org.html", d)
}

// treeNodes builds nodes for places, loading the children of those on the open path.
func (u *UI) treeNodes(r *http.Request, t tr, places []org.Place, open map[string]bool, selected string) ([]treeNode, error) {
	nodes := make([]treeNode, 0, len(places))
	for _, p := range places {
		n := treeNode{Place: p, Leaf: p.Level == org.LevelGrid, Selected: p.Code == selected, Kids: treeData{tr: t}}
		if open[p.Code] && !n.Leaf {
			kids, err := u.st.Places(r.Context(), store.PlaceFilter{ParentCode: p.Code})
			if err != nil {
				return nil, err
			}
			if n.Kids.Nodes, err = u.treeNodes(r, t, kids, open, selected); err != nil {
				return nil, err
			}
			n.Open = true
		}
		nodes = append(nodes, n)
	}
	return nodes, nil
}

// treeFragment is the list of a place's children, for htmx to put under the node that was opened.
func (u *UI) treeFragment(w http.ResponseWriter, r *http.Request, a access.Actor) {
	if access.Allow(a, access.ActionViewOrg, access.Target{}) != nil {
		u.notFound(w, r)
		return
	}
	code := r.PathValue("code")
	if _, err := u.st.Place(r.Context(), code); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			http.NotFound(w, r)
			return
		}
		u.failed(w, r, err)
		return
	}
	kids, err := u.st.Places(r.Context(), store.PlaceFilter{ParentCode: code})
	if err != nil {
		u.failed(w, r, err)
		return
	}
	t := u.translator(langOf(r))
	d := treeData{tr: t}
	if d.Nodes, err = u.treeNodes(r, t, kids, nil, ""); err != nil {
		u.failed(w, r, err)
		return
	}
	var buf bytes.Buffer
	if err := u.partial.ExecuteTemplate(&buf, "tree", d); err != nil {
		u.failed(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Write(buf.Bytes())
}

// feature is a GeoJSON Feature as ECharts reads it: the code names the region, the name labels it.
type feature struct {
	Type       string          `json:"type"`
	Properties featureProps    `json:"properties"`
	Geometry   json.RawMessage `json:"geometry"`
}

type featureProps struct {
	Code  string    `json:"code"`
	Name  string    `json:"name"`
	Level org.Level `json:"level"`
}

type featureCollection struct {
	Type     string    `json:"type"`
	Features []feature `json:"features"`
}

// geo serves the outlines of a place's children as a FeatureCollection for the map; a place with no
// children (a grid) is drawn alone. Places without an outline are left out. Outlines are large and
// change rarely, so the answer carries an ETag that follows the stored tree.
func (u *UI) geo(w http.ResponseWriter, r *http.Request, a access.Actor) {
	if access.Allow(a, access.ActionViewOrg, access.Target{}) != nil {
		http.NotFound(w, r)
		return
	}
	ctx := r.Context()
	code := r.PathValue("code")
	version, err := u.st.PlacesVersion(ctx)
	if err != nil {
		u.failed(w, r, err)
		return
	}
	etag := `"` + version + "-" + code + `"`
	w.Header().Set("ETag", etag)
	w.Header().Set("Cache-Control", "private, no-cache")
	if r.Header.Get("If-None-Match") == etag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	self, err := u.st.Place(ctx, code)
	if errors.Is(err, store.ErrNotFound) {
		http.NotFound(w, r)
		return
	}
	if err != nil {
		u.failed(w, r, err)
		return
	}
	places, err := u.st.Places(ctx, store.PlaceFilter{ParentCode: code, WithBoundary: true})
	if err != nil {
		u.failed(w, r, err)
		return
	}
	if len(places) == 0 {
		places = []org.Place{self}
	}
	fc := featureCollection{Type: "FeatureCollection", Features: []feature{}}
	for _, p := range places {
		if len(p.Boundary) == 0 {
			continue
		}
		if !json.Valid(p.Boundary) {
			slog.Warn("ui: place outline is not valid JSON", "code", p.Code)
			continue
		}
		fc.Features = append(fc.Features, feature{Type: "Feature", Geometry: p.Boundary,
			Properties: featureProps{Code: p.Code, Name: p.Name, Level: p.Level}})
	}
	w.Header().Set("Content-Type", "application/geo+json")
	if err := json.NewEncoder(w).Encode(fc); err != nil {
		slog.Debug("ui: write geo", "err", err)
	}
}
