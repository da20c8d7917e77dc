package web

import (
	_ "embed"
	"net/http"
)

// openAPIDocument describes /api/v1. A test checks that every API route registered on the mux is
// described here and that nothing described is missing from the mux.
//
//go:embed openapi.json
var openAPIDocument []byte

func serveOpenAPI(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	w.Write(openAPIDocument)
}
