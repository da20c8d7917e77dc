package web

import (
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/cityline/cityline/internal/access"
	"github.com/cityline/cityline/internal/attachment"
	"github.com/cityline/cityline/internal/export"
	"github.com/cityline/cityline/internal/store"
	"github.com/cityline/cityline/internal/web/httpx"
	"github.com/cityline/cityline/internal/web/ui"
)

// The export API starts order-list exports and hands out their files: the same background jobs as
// the report page's (internal/export.Jobs), worded from the same catalogues, kept in the same place,
// so a job started here can be followed on the page and the other way round.

func (s *Server) registerExportAPI(mux *http.ServeMux) {
	api := exportAPI{jobs: &export.Jobs{Store: s.st, Tickets: s.tickets, Auth: s.auth,
		Blobs: attachment.DiskBlobs(s.attachmentDir()), Labels: ui.OrderLabels}}
	mux.HandleFunc("POST /api/v1/exports", s.signedIn(api.start))
	mux.HandleFunc("GET /api/v1/exports", s.signedIn(api.list))
	mux.HandleFunc("GET /api/v1/exports/{id}", s.signedIn(api.job))
	mux.HandleFunc("GET /api/v1/exports/{id}/file", s.signedIn(api.file))
}

type exportAPI struct {
	jobs *export.Jobs
}

// exportRequest is POST /api/v1/exports: what to export, and the language of the file's headings
// and words (zh-CN by default).
type exportRequest struct {
	export.OrderQuery
	Lang string `json:"lang"`
}

type exportJobJSON struct {
	ID         string             `json:"id"`
	Kind       string             `json:"kind"`
	Status     store.ExportStatus `json:"status"`
	Query      export.OrderQuery  `json:"query"`
	Lang       string             `json:"lang"`
	Rows       int64              `json:"rows"`
	Progress   float64            `json:"progress"`
	Error      string             `json:"error,omitempty"`
	FileName   string             `json:"file_name,omitempty"`
	FileSize   int64              `json:"file_size,omitempty"`
	File       string             `json:"file,omitempty"`
	CreatedAt  time.Time          `json:"created_at"`
	FinishedAt *time.Time         `json:"finished_at,omitempty"`
}

func toExportJSON(j store.ExportJob) exportJobJSON {
	out := exportJobJSON{ID: j.ID, Kind: j.Kind, Status: j.Status, Lang: j.Lang, Rows: j.Rows, Progress: float64(j.Permille) / 1000,
		Error: j.Error, FileName: j.FileName, FileSize: j.FileSize, CreatedAt: j.CreatedAt}
	if err := json.Unmarshal(j.Params, &out.Query); err != nil {
		slog.Warn("export job params", "job", j.ID, "err", err)
	}
	if !j.FinishedAt.IsZero() {
		out.FinishedAt = &j.FinishedAt
	}
	if j.Status == store.ExportDone {
		out.File = "/api/v1/exports/" + j.ID + "/file"
	}
	return out
}

// start answers POST /api/v1/exports: 202 with the job, which runs in the background.
func (api exportAPI) start(w http.ResponseWriter, r *http.Request, a access.Actor) {
	var req exportRequest
	if _, ok := readJSON(w, r, &req); !ok {
		return
	}
	if req.Lang == "" {
		req.Lang = "zh-CN"
	}
	if req.Lang != "zh-CN" && req.Lang != "en" {
		httpx.WriteError(w, http.StatusBadRequest, "lang", "lang: want zh-CN or en")
		return
	}
	job, err := api.jobs.Start(r.Context(), a, req.Lang, req.OrderQuery)
	if err != nil {
		ticketError(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/exports/"+job.ID)
	httpx.WriteJSON(w, http.StatusAccepted, toExportJSON(job))
}

// list answers GET /api/v1/exports: the actor's latest exports, newest first.
func (api exportAPI) list(w http.ResponseWriter, r *http.Request, a access.Actor) {
	jobs, err := api.jobs.Recent(r.Context(), a, 20)
	if err != nil {
		internalError(w, r, err)
		return
	}
	out := make([]exportJobJSON, 0, len(jobs))
	for _, j := range jobs {
		out = append(out, toExportJSON(j))
	}
	httpx.WriteJSON(w, http.StatusOK, listResponse[exportJobJSON]{Items: out})
}

// job answers GET /api/v1/exports/{id}: how far one of the actor's exports got.
func (api exportAPI) job(w http.ResponseWriter, r *http.Request, a access.Actor) {
	job, err := api.jobs.Job(r.Context(), a, r.PathValue("id"))
	if err != nil {
		storeError(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, toExportJSON(job))
}

// file answers GET /api/v1/exports/{id}/file: the workbook of a finished export, 409 before then.
func (api exportAPI) file(w http.ResponseWriter, r *http.Request, a access.Actor) {
	job, f, err := api.jobs.File(r.Context(), a, r.PathValue("id"))
	switch {
	case errors.Is(err, export.ErrNotReady):
		httpx.WriteError(w, http.StatusConflict, "", "the export has not finished: "+string(job.Status))
		return
	case err != nil:
		storeError(w, r, err)
		return
	}
	defer f.Close()
	h := w.Header()
	h.Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	h.Set("Content-Disposition", contentDisposition("attachment", job.FileName))
	h.Set("Cache-Control", "no-store")
	if _, err := io.Copy(w, f); err != nil {
		slog.Warn("export download", "job", job.ID, "err", err)
	}
}
