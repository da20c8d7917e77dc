package web

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/cityline/cityline/internal/access"
	"github.com/cityline/cityline/internal/attachment"
	"github.com/cityline/cityline/internal/audit"
	"github.com/cityline/cityline/internal/store"
	"github.com/cityline/cityline/internal/web/httpx"
)

// multipartSlack is what an upload's body may carry beyond the file itself: part headers, the
// boundary lines and a CSRF field.
const multipartSlack = 64 << 10

// attachmentAPI serves uploads and downloads; the blobs live in the server's data directory.
type attachmentAPI struct {
	s      *Server
	blobs  attachment.Blobs
	policy attachment.Policy
}

func (s *Server) attachmentDir() string { return filepath.Join(s.cfg.DataDir, "attachments") }

func (s *Server) registerAttachmentAPI(mux *http.ServeMux) {
	api := &attachmentAPI{s: s, blobs: attachment.DiskBlobs(s.attachmentDir())}
	mux.HandleFunc("POST /api/v1/attachments", s.signedIn(api.upload))
	mux.HandleFunc("GET /api/v1/attachments/{id}", s.signedIn(api.download))
}

type attachmentJSON struct {
	ID          string `json:"id"`
	FileName    string `json:"file_name"`
	ContentType string `json:"content_type"`
	Size        int64  `json:"size"`
	SHA256      string `json:"sha256"`
}

// upload takes one file from a multipart/form-data body, field "file", and keeps it for a later
// work order or action to reference by id. The body is capped before a byte is read.
func (api *attachmentAPI) upload(w http.ResponseWriter, r *http.Request, a access.Actor) {
	limit := api.policy.Limit()
	tooLarge := attachment.TooLarge(limit).Error()
	if r.ContentLength > limit+multipartSlack {
		httpx.WriteError(w, http.StatusBadRequest, "file", tooLarge)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, limit+multipartSlack)
	name, declared, body, err := uploadedFile(r)
	var f attachment.File
	if err == nil {
		defer body.Close()
		f, err = api.policy.Save(r.Context(), api.blobs, name, declared, body)
	}
	var refused *attachment.InvalidError
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		httpx.WriteError(w, http.StatusBadRequest, "file", tooLarge)
		return
	case errors.As(err, &refused):
		httpx.WriteError(w, http.StatusBadRequest, "file", refused.Error())
		return
	case err != nil:
		internalError(w, r, err)
		return
	}
	rec, err := api.s.st.CreateAttachment(r.Context(), audit.Who{Actor: a.Username, RemoteAddr: a.RemoteAddr}, store.Attachment{
		SHA256: f.SHA256, Size: f.Size, ContentType: f.ContentType, FileName: f.FileName, UploadedBy: a.UserID})
	if err != nil {
		internalError(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/attachments/"+rec.ID)
	httpx.WriteJSON(w, http.StatusCreated, attachmentJSON{ID: rec.ID, FileName: rec.FileName, ContentType: rec.ContentType, Size: rec.Size, SHA256: rec.SHA256})
}

// uploadedFile finds the part named "file" and returns its name, declared type and content. It reads
// the body as a stream; only when the CSRF check had to parse a browser's form already (no CSRF
// header, the token in a field) does it take the file from the parsed form.
func uploadedFile(r *http.Request) (string, string, io.ReadCloser, error) {
	missing := &attachment.InvalidError{Reason: "required: send one file in the multipart/form-data field named file"}
	if r.MultipartForm != nil {
		fhs := r.MultipartForm.File["file"]
		if len(fhs) == 0 {
			return "", "", nil, missing
		}
		f, err := fhs[0].Open()
		if err != nil {
			return "", "", nil, fmt.Errorf("open parsed upload: %w", err)
		}
		return fhs[0].Filename, fhs[0].Header.Get("Content-Type"), f, nil
	}
	mr, err := r.MultipartReader()
	if err != nil {
		return "", "", nil, missing
	}
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return "", "", nil, missing
		}
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return "", "", nil, err
		}
		if err != nil {
			return "", "", nil, &attachment.InvalidError{Reason: "malformed multipart body: " + err.Error()}
		}
		if part.FormName() == "file" {
			return part.FileName(), part.Header.Get("Content-Type"), part, nil
		}
		part.Close()
	}
}

// download streams a file to the uploader, or to anyone who may view the work order it belongs to.
// Everyone else gets 404, so that ids cannot be probed. Only images and PDFs are shown in the browser;
// everything else is offered as a download, and nosniff stops the browser from second-guessing the type.
func (api *attachmentAPI) download(w http.ResponseWriter, r *http.Request, a access.Actor) {
	rec, err := api.s.st.Attachment(r.Context(), r.PathValue("id"))
	if err != nil {
		storeError(w, r, err)
		return
	}
	ok, err := api.s.mayDownload(r.Context(), a, rec)
	if err != nil {
		internalError(w, r, err)
		return
	}
	if !ok {
		httpx.WriteError(w, http.StatusNotFound, "", "not found")
		return
	}
	content, err := api.blobs.Open(rec.SHA256)
	if err != nil {
		internalError(w, r, fmt.Errorf("attachment %s: %w", rec.ID, err))
		return
	}
	defer content.Close()
	disposition := "attachment"
	if strings.HasPrefix(rec.ContentType, "image/") || rec.ContentType == "application/pdf" {
		disposition = "inline"
	}
	h := w.Header()
	h.Set("Content-Type", rec.ContentType)
	h.Set("Content-Length", strconv.FormatInt(rec.Size, 10))
	h.Set("Content-Disposition", contentDisposition(disposition, rec.FileName))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "private, max-age=3600")
	h.Set("Last-Modified", rec.UploadedAt.UTC().Format(http.TimeFormat))
	if _, err := io.Copy(w, content); err != nil {
		slog.Debug("attachment download cut short", "id", rec.ID, "err", err)
	}
}

func (s *Server) mayDownload(ctx context.Context, a access.Actor, rec store.Attachment) (bool, error) {
	if rec.UploadedBy == a.UserID {
		return true, nil
	}
	if rec.TicketID == "" {
		return false, nil
	}
	return s.mayViewTicket(ctx, a, rec.TicketID)
}

// contentDisposition builds the header as RFC 6266 asks: an ASCII-only filename for old clients and
// filename* with the real (often Chinese) name in UTF-8 for the rest.
func contentDisposition(kind, name string) string {
	var fallback, encoded strings.Builder
	for _, c := range name {
		switch {
		case c < 0x20 || c > 0x7e || c == '"' || c == '\\' || c == '%':
			fallback.WriteByte('_')
		default:
			fallback.WriteRune(c)
		}
	}
	for _, b := range []byte(name) {
		if isAttrChar(b) {
			encoded.WriteByte(b)
		} else {
			fmt.Fprintf(&encoded, "%%%02X", b)
		}
	}
	return fmt.Sprintf(`%s; filename="%s"; filename*=UTF-8''%s`, kind, fallback.String(), encoded.String())
}

// isAttrChar tells whether b may appear unencoded in an RFC 8187 ext-value.
func isAttrChar(b byte) bool {
	switch {
	case b >= 'a' && b <= 'z', b >= 'A' && b <= 'Z', b >= '0' && b <= '9':
		return true
	}
	return strings.IndexByte("!#$&+-.^_`|~", b) >= 0
}

// PurgeAttachments deletes uploads made before cutoff that no work order ever took up, then the
// stored contents no upload uses any more, and the temporary files that crashed uploads left behind.
// The server's periodic housekeeping calls it with a cutoff a day back.
func (s *Server) PurgeAttachments(ctx context.Context, cutoff time.Time) (int, error) {
	unused, err := s.st.PurgeOrphans(ctx, cutoff)
	if err != nil {
		return 0, err
	}
	blobs := attachment.DiskBlobs(s.attachmentDir())
	removed := 0
	for _, sha := range unused {
		ok, err := blobs.Remove(sha, cutoff)
		if err != nil {
			return removed, err
		}
		if ok {
			removed++
		}
	}
	if _, err := blobs.RemoveStaleTemp(cutoff); err != nil {
		return removed, err
	}
	return removed, nil
}
