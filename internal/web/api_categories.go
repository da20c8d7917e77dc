package web

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/cityline/cityline/internal/access"
	"github.com/cityline/cityline/internal/audit"
	"github.com/cityline/cityline/internal/category"
	"github.com/cityline/cityline/internal/store"
	"github.com/cityline/cityline/internal/web/httpx"
)

// registerCategoryAPI mounts the category catalogue: everyone signed in reads it (agents and citizens'
// forms pick from it), city-wide administrators edit it. Nothing is ever deleted, so there is no DELETE:
// PATCH {"active": false} retires a category.
func (s *Server) registerCategoryAPI(mux *http.ServeMux) {
	mux.HandleFunc("GET /api/v1/categories", s.signedIn(s.apiCategories))
	mux.HandleFunc("GET /api/v1/categories/{code}", s.signedIn(s.apiCategory))
	mux.HandleFunc("POST /api/v1/categories", s.signedIn(s.apiCreateCategory))
	mux.HandleFunc("PATCH /api/v1/categories/{code}", s.signedIn(s.apiUpdateCategory))
}

// categoryJSON is a category as the API shows it, with its path of names from the top.
type categoryJSON struct {
	Code        string               `json:"code"`
	Name        string               `json:"name"`
	Parent      string               `json:"parent,omitempty"`
	Level       int                  `json:"level"`
	Path        string               `json:"path"`
	Description string               `json:"description"`
	Keywords    []string             `json:"keywords"`
	Group       string               `json:"group"`
	Active      bool                 `json:"active"`
	SortOrder   int                  `json:"sort_order"`
	Attributes  []category.Attribute `json:"attributes"`
	Version     int                  `json:"version"`
}

func toCategoryJSON(c category.Category, tree *category.Tree) categoryJSON {
	out := categoryJSON{Code: c.Code, Name: c.Name, Parent: c.ParentCode, Level: c.Level, Path: tree.PathName(c.Code),
		Description: c.Description, Keywords: c.Keywords, Group: c.Group, Active: c.Active, SortOrder: c.SortOrder,
		Attributes: c.Attributes, Version: c.Version}
	if out.Keywords == nil {
		out.Keywords = []string{}
	}
	if out.Attributes == nil {
		out.Attributes = []category.Attribute{}
	}
	return out
}

// categoryTree loads the whole catalogue, which paths and display order need; it is small.
func (s *Server) categoryTree(r *http.Request) (*category.Tree, error) {
	all, err := s.st.Categories(r.Context(), store.CategoryFilter{})
	if err != nil {
		return nil, err
	}
	return category.NewTree(all), nil
}

// categoryError answers a failed category write: 400 naming the field for bad input, else by the
// store's sentinel errors (404, 409).
func categoryError(w http.ResponseWriter, r *http.Request, err error) {
	var fe *category.FieldError
	if errors.As(err, &fe) {
		httpx.WriteError(w, http.StatusBadRequest, fe.Field, fe.Error())
		return
	}
	storeError(w, r, err)
}

// apiCategories lists the catalogue depth first in display order, optionally narrowed to what a
// picker may offer (?active=true), to one parent's children or to one level.
func (s *Server) apiCategories(w http.ResponseWriter, r *http.Request, a access.Actor) {
	if err := access.Allow(a, access.ActionViewOrg, access.Target{}); err != nil {
		storeError(w, r, err)
		return
	}
	q := r.URL.Query()
	var f store.CategoryFilter
	if v := q.Get("active"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			httpx.WriteError(w, http.StatusBadRequest, "active", "active: want true or false")
			return
		}
		f.ActiveOnly = b
	}
	if p := q.Get("parent"); p != "" {
		if !category.ValidCode(p) {
			httpx.WriteError(w, http.StatusBadRequest, "parent", "parent: want a category code such as 01 or 0103")
			return
		}
		f.ParentCode = p
	}
	if lv := q.Get("level"); lv != "" {
		n, err := strconv.Atoi(lv)
		if err != nil || n < 1 || n > category.MaxLevel {
			httpx.WriteError(w, http.StatusBadRequest, "level", "level: want 1 to "+strconv.Itoa(category.MaxLevel))
			return
		}
		f.Level = n
	}
	tree, err := s.categoryTree(r)
	if err != nil {
		internalError(w, r, err)
		return
	}
	selected, err := s.st.Categories(r.Context(), f)
	if err != nil {
		internalError(w, r, err)
		return
	}
	keep := make(map[string]bool, len(selected))
	for _, c := range selected {
		keep[c.Code] = true
	}
	items := make([]categoryJSON, 0, len(selected))
	for _, c := range tree.Flatten() {
		if keep[c.Code] {
			items = append(items, toCategoryJSON(c, tree))
		}
	}
	httpx.WriteJSON(w, http.StatusOK, listResponse[categoryJSON]{Items: items})
}

// apiCategory returns one category, retired or not: old orders still link to it.
func (s *Server) apiCategory(w http.ResponseWriter, r *http.Request, a access.Actor) {
	if err := access.Allow(a, access.ActionViewOrg, access.Target{}); err != nil {
		storeError(w, r, err)
		return
	}
	c, err := s.st.Category(r.Context(), r.PathValue("code"))
	if err != nil {
		storeError(w, r, err)
		return
	}
	s.writeCategory(w, r, http.StatusOK, c)
}

func (s *Server) writeCategory(w http.ResponseWriter, r *http.Request, status int, c category.Category) {
	tree, err := s.categoryTree(r)
	if err != nil {
		internalError(w, r, err)
		return
	}
	httpx.WriteJSON(w, status, toCategoryJSON(c, tree))
}

// categoryFields are the editable fields; a field left out of the body is left as it is.
type categoryFields struct {
	Parent      *string               `json:"parent"`
	Name        *string               `json:"name"`
	Description *string               `json:"description"`
	Keywords    *[]string             `json:"keywords"`
	Group       *string               `json:"group"`
	Active      *bool                 `json:"active"`
	SortOrder   *int                  `json:"sort_order"`
	Attributes  *[]category.Attribute `json:"attributes"`
}

// applyTo copies the given fields onto c, trimming the spaces people paste around text.
func (f categoryFields) applyTo(c *category.Category) {
	text := func(dst *string, src *string) {
		if src != nil {
			*dst = strings.TrimSpace(*src)
		}
	}
	text(&c.ParentCode, f.Parent)
	text(&c.Name, f.Name)
	text(&c.Description, f.Description)
	text(&c.Group, f.Group)
	if f.Keywords != nil {
		c.Keywords = nil
		for _, k := range *f.Keywords {
			c.Keywords = append(c.Keywords, strings.TrimSpace(k))
		}
	}
	if f.Active != nil {
		c.Active = *f.Active
	}
	if f.SortOrder != nil {
		c.SortOrder = *f.SortOrder
	}
	if f.Attributes != nil {
		c.Attributes = *f.Attributes
	}
}

// categoryCreateRequest may leave the code out: the store then numbers the category under its parent.
type categoryCreateRequest struct {
	Code string `json:"code"`
	categoryFields
}

type categoryPatchRequest struct {
	Version *int `json:"version"`
	categoryFields
}

func actorWho(a access.Actor) audit.Who {
	return audit.Who{Actor: a.Username, RemoteAddr: a.RemoteAddr}
}

// readCategoryEdit lets only city-wide administrators through, before their body is even read, and
// decodes it into req.
func readCategoryEdit(w http.ResponseWriter, r *http.Request, a access.Actor, req any) bool {
	if err := access.Allow(a, access.ActionManageOrg, access.Target{}); err != nil {
		storeError(w, r, err)
		return false
	}
	_, ok := readJSON(w, r, req)
	return ok
}

func (s *Server) apiCreateCategory(w http.ResponseWriter, r *http.Request, a access.Actor) {
	var req categoryCreateRequest
	if !readCategoryEdit(w, r, a, &req) {
		return
	}
	c := category.Category{Code: strings.TrimSpace(req.Code), Active: true}
	if c.Code != "" {
		c.Level, c.ParentCode = category.LevelOf(c.Code), category.ParentOf(c.Code)
	}
	req.applyTo(&c)
	created, err := s.st.CreateCategory(r.Context(), actorWho(a), c)
	s.tickets.RefreshCatalogue()
	if err != nil {
		categoryError(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/categories/"+created.Code)
	s.writeCategory(w, r, http.StatusCreated, created)
}

// apiUpdateCategory changes the fields the body names. The body must carry the version the editor
// read, so that two administrators editing at once cannot overwrite each other (409).
func (s *Server) apiUpdateCategory(w http.ResponseWriter, r *http.Request, a access.Actor) {
	var req categoryPatchRequest
	if !readCategoryEdit(w, r, a, &req) {
		return
	}
	if req.Version == nil {
		httpx.WriteError(w, http.StatusBadRequest, "version", "version: required (the version you read)")
		return
	}
	c, err := s.st.Category(r.Context(), r.PathValue("code"))
	if err != nil {
		storeError(w, r, err)
		return
	}
	req.applyTo(&c)
	c.Version = *req.Version
	updated, err := s.st.UpdateCategory(r.Context(), actorWho(a), c)
	s.tickets.RefreshCatalogue()
	if err != nil {
		categoryError(w, r, err)
		return
	}
	s.writeCategory(w, r, http.StatusOK, updated)
}
