package web_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/textproto"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/cityline/cityline/internal/store"
	"github.com/cityline/cityline/internal/store/storetest"
	"github.com/cityline/cityline/internal/web"
)

// attachmentSite is a server on the fixture's database whose data directory the test can inspect.
type attachmentSite struct {
	*fixture
	url, dir string
}

func newAttachmentSite(t *testing.T, st *store.Store) attachmentSite {
	t.Helper()
	f := newFixture(t, st)
	dir := t.TempDir()
	srv, err := web.New(web.Config{Version: "test", DataDir: dir}, st, f.auth)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	return attachmentSite{fixture: f, url: ts.URL, dir: dir}
}

func testImage() image.Image {
	img := image.NewRGBA(image.Rect(0, 0, 24, 16))
	for x := range 24 {
		for y := range 16 {
			img.Set(x, y, color.RGBA{R: uint8(x * 10), G: uint8(y * 15), B: 90, A: 255})
		}
	}
	return img
}

func encodePNG(t *testing.T) []byte {
	var b bytes.Buffer
	if err := png.Encode(&b, testImage()); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func encodeJPEG(t *testing.T) []byte {
	var b bytes.Buffer
	if err := jpeg.Encode(&b, testImage(), &jpeg.Options{Quality: 80}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// multipartBody holds one file part (with the given name and declared type) after any extra fields.
func multipartBody(t *testing.T, fileName, contentType string, data []byte, fields map[string]string) (*bytes.Buffer, string) {
	t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	for k, v := range fields {
		if err := mw.WriteField(k, v); err != nil {
			t.Fatal(err)
		}
	}
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", `form-data; name="file"; filename="`+strings.ReplaceAll(fileName, `"`, `\"`)+`"`)
	if contentType != "" {
		h.Set("Content-Type", contentType)
	}
	part, err := mw.CreatePart(h)
	if err != nil {
		t.Fatal(err)
	}
	part.Write(data)
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	return &b, mw.FormDataContentType()
}

type uploaded struct {
	ID          string `json:"id"`
	FileName    string `json:"file_name"`
	ContentType string `json:"content_type"`
	Size        int64  `json:"size"`
	SHA256      string `json:"sha256"`
}

func (s attachmentSite) upload(t *testing.T, token, fileName, contentType string, data []byte) (int, string, uploaded) {
	t.Helper()
	body, ct := multipartBody(t, fileName, contentType, data, nil)
	req, _ := http.NewRequest("POST", s.url+"/api/v1/attachments", body)
	req.Header.Set("Content-Type", ct)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var u uploaded
	if resp.StatusCode == http.StatusCreated {
		if err := json.Unmarshal(raw, &u); err != nil {
			t.Fatalf("upload answer %s: %v", raw, err)
		}
		if loc := resp.Header.Get("Location"); loc != "/api/v1/attachments/"+u.ID {
			t.Errorf("Location = %q", loc)
		}
	}
	return resp.StatusCode, string(raw), u
}

func (s attachmentSite) download(t *testing.T, token, id string) (*http.Response, []byte) {
	t.Helper()
	req, _ := http.NewRequest("GET", s.url+"/api/v1/attachments/"+id, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

func (s attachmentSite) blobCount(t *testing.T) int {
	t.Helper()
	n := 0
	err := filepath.WalkDir(filepath.Join(s.dir, "attachments"), func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && d.Name() == "tmp" {
			return filepath.SkipDir
		}
		if !d.IsDir() {
			n++
		}
		return nil
	})
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	return n
}

func TestAttachmentUploadAndDownload(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		s := newAttachmentSite(t, st)
		agent, handler := s.login(t, "agent"), s.login(t, "handler-hn")
		pngData, jpegData := encodePNG(t), encodeJPEG(t)
		pdfData := []byte("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n")
		textData := []byte("市民来电称：小区门口路灯不亮。<b>不是网页</b>\n")

		for _, tc := range []struct {
			name, fileName, declared string
			data                     []byte
			contentType, stored      string
			disposition              string
		}{
			{"jpeg", "现场照片.jpg", "image/jpeg", jpegData, "image/jpeg", "现场照片.jpg",
				`inline; filename="____.jpg"; filename*=UTF-8''%E7%8E%B0%E5%9C%BA%E7%85%A7%E7%89%87.jpg`},
			{"png", `C:\fakepath\路灯 "坏了".png`, "image/png", pngData, "image/png", `路灯 "坏了".png`,
				`inline; filename="__ ____.png"; filename*=UTF-8''%E8%B7%AF%E7%81%AF%20%22%E5%9D%8F%E4%BA%86%22.png`},
			{"pdf", "reply; v2.pdf", "application/pdf", pdfData, "application/pdf", "reply; v2.pdf",
				`inline; filename="reply; v2.pdf"; filename*=UTF-8''reply%3B%20v2.pdf`},
			{"text is a download", "说明.txt", "text/plain", textData, "text/plain; charset=utf-8", "说明.txt",
				`attachment; filename="__.txt"; filename*=UTF-8''%E8%AF%B4%E6%98%8E.txt`},
		} {
			t.Run(tc.name, func(t *testing.T) {
				status, body, u := s.upload(t, agent, tc.fileName, tc.declared, tc.data)
				if status != http.StatusCreated {
					t.Fatalf("upload: %d %s", status, body)
				}
				if u.FileName != tc.stored || u.ContentType != tc.contentType || u.Size != int64(len(tc.data)) || len(u.SHA256) != 64 || u.ID == "" {
					t.Errorf("upload answer %+v", u)
				}
				resp, got := s.download(t, agent, u.ID)
				if resp.StatusCode != http.StatusOK || !bytes.Equal(got, tc.data) {
					t.Fatalf("uploader's download: %d, %d bytes, want %d bytes back", resp.StatusCode, len(got), len(tc.data))
				}
				for header, want := range map[string]string{
					"Content-Type":           tc.contentType,
					"Content-Disposition":    tc.disposition,
					"X-Content-Type-Options": "nosniff",
					"Content-Length":         fmt.Sprint(len(tc.data)),
				} {
					if v := resp.Header.Get(header); v != want {
						t.Errorf("%s = %q, want %q", header, v, want)
					}
				}
				_, params, err := mime.ParseMediaType(resp.Header.Get("Content-Disposition"))
				if err != nil || params["filename"] != tc.stored {
					t.Errorf("a client decoding Content-Disposition gets %q (%v), want %q", params["filename"], err, tc.stored)
				}
				if resp, _ := s.download(t, handler, u.ID); resp.StatusCode != http.StatusNotFound {
					t.Errorf("another user's download: %d, want 404", resp.StatusCode)
				}
			})
		}
		if resp, _ := s.download(t, agent, "0190aaaa-0000-7000-8000-000000000000"); resp.StatusCode != http.StatusNotFound {
			t.Errorf("unknown id: %d, want 404", resp.StatusCode)
		}
		req, _ := http.NewRequest("GET", s.url+"/api/v1/attachments/x", nil)
		if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("anonymous download: %v %v, want 401", resp.StatusCode, err)
		}
	})
}

func TestAttachmentUploadRefusals(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		s := newAttachmentSite(t, st)
		agent := s.login(t, "agent")
		pngData := encodePNG(t)
		before, _, err := st.VerifyAudit(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		exe := append([]byte("MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00\xb8"), make([]byte, 300)...)
		oversized := append(append([]byte{}, pngData...), make([]byte, 10<<20+1-len(pngData))...)
		for _, tc := range []struct {
			name, fileName, declared string
			data                     []byte
			says                     string
		}{
			{"png named pdf", "scan.pdf", "application/pdf", pngData, "ends in .pdf but the content is PNG"},
			{"exe renamed jpg", "photo.jpg", "image/jpeg", exe, "not JPEG, PNG"},
			{"html declared png", "photo.png", "image/png", []byte("<html><body><script>alert(document.cookie)</script></body></html>"), "HTML"},
			{"oversized", "big.png", "image/png", oversized, "larger than 10 MiB"},
			{"empty", "empty.png", "image/png", nil, "empty"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				status, body, _ := s.upload(t, agent, tc.fileName, tc.declared, tc.data)
				var e struct{ Error, Field string }
				json.Unmarshal([]byte(body), &e)
				if status != http.StatusBadRequest || e.Field != "file" || !strings.HasPrefix(e.Error, "file: ") || !strings.Contains(e.Error, tc.says) {
					t.Errorf("%d %s: want 400 naming the field file and saying %q", status, body, tc.says)
				}
			})
		}
		if n := s.blobCount(t); n != 0 {
			t.Errorf("refused uploads left %d files on disk", n)
		}
		if after, _, err := st.VerifyAudit(t.Context()); err != nil || after != before {
			t.Errorf("refused uploads were recorded: %d audit entries, want %d (%v)", after, before, err)
		}

		for _, tc := range []struct {
			name, contentType, body string
			says                    string
		}{
			{"not multipart", "application/json", `{"file":"x"}`, "multipart/form-data"},
			{"no file field", "multipart/form-data; boundary=xx", "--xx\r\nContent-Disposition: form-data; name=\"other\"\r\n\r\nv\r\n--xx--\r\n", "required"},
		} {
			req, _ := http.NewRequest("POST", s.url+"/api/v1/attachments", strings.NewReader(tc.body))
			req.Header.Set("Content-Type", tc.contentType)
			req.Header.Set("Authorization", "Bearer "+agent)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(b), `"field":"file"`) || !strings.Contains(string(b), tc.says) {
				t.Errorf("%s: %d %s", tc.name, resp.StatusCode, b)
			}
		}
		if status, _, _ := s.upload(t, "", "a.png", "image/png", pngData); status != http.StatusUnauthorized {
			t.Errorf("anonymous upload: %d, want 401", status)
		}
	})
}

func TestIdenticalUploadsShareOneBlob(t *testing.T) {
	s := newAttachmentSite(t, storetest.SQLite(t))
	agent, handler := s.login(t, "agent"), s.login(t, "handler-hn")
	data := encodePNG(t)
	_, _, first := s.upload(t, agent, "第一次.png", "image/png", data)
	_, _, second := s.upload(t, handler, "第二次.png", "image/png", data)
	if first.ID == "" || second.ID == "" || first.ID == second.ID || first.SHA256 != second.SHA256 {
		t.Fatalf("uploads %+v and %+v: want two records of one content", first, second)
	}
	if n := s.blobCount(t); n != 1 {
		t.Errorf("%d files on disk, want 1", n)
	}
	if resp, got := s.download(t, handler, second.ID); resp.StatusCode != http.StatusOK || !bytes.Equal(got, data) ||
		!strings.Contains(resp.Header.Get("Content-Disposition"), "%E7%AC%AC%E4%BA%8C%E6%AC%A1.png") {
		t.Errorf("second uploader's download: %d %q", resp.StatusCode, resp.Header.Get("Content-Disposition"))
	}
}

// TestAttachmentUploadFromABrowserSession sends the CSRF token both ways a browser can: in the
// header (htmx, fetch) and as a form field before the file (a plain form).
func TestAttachmentUploadFromABrowserSession(t *testing.T) {
	s := newAttachmentSite(t, storetest.SQLite(t))
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	resp, err := c.PostForm(s.url+"/login", url.Values{"username": {"agent"}, "password": {fixturePassword}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	resp, err = c.Get(s.url + "/")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := regexp.MustCompile(`name="csrf_token" value="([^"]+)"`).FindSubmatch(page)
	if m == nil {
		t.Fatalf("no CSRF token on the home page after signing in (%d)", resp.StatusCode)
	}
	token := string(m[1])
	data := encodePNG(t)
	for _, tc := range []struct {
		name   string
		header string
		fields map[string]string
		status int
	}{
		{"token in the header", token, nil, http.StatusCreated},
		{"token in a form field", "", map[string]string{"csrf_token": token}, http.StatusCreated},
		{"no token", "", nil, http.StatusForbidden},
	} {
		body, ct := multipartBody(t, "门牌.png", "image/png", data, tc.fields)
		req, _ := http.NewRequest("POST", s.url+"/api/v1/attachments", body)
		req.Header.Set("Content-Type", ct)
		if tc.header != "" {
			req.Header.Set("X-CSRF-Token", tc.header)
		}
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tc.status {
			t.Errorf("%s: %d %s, want %d", tc.name, resp.StatusCode, b, tc.status)
		} else if tc.status == http.StatusCreated && !strings.Contains(string(b), `"file_name":"门牌.png"`) {
			t.Errorf("%s: %s", tc.name, b)
		}
	}
}

func TestPurgeAttachments(t *testing.T) {
	st := storetest.SQLite(t)
	s := newAttachmentSite(t, st)
	agent := s.login(t, "agent")
	_, _, u := s.upload(t, agent, "a.png", "image/png", encodePNG(t))
	srv, err := web.New(web.Config{Version: "test", DataDir: s.dir}, st, s.auth)
	if err != nil {
		t.Fatal(err)
	}
	if n, err := srv.PurgeAttachments(t.Context(), time.Now().Add(-time.Hour)); err != nil || n != 0 {
		t.Fatalf("purge of a fresh upload: %d %v", n, err)
	}
	if s.blobCount(t) != 1 {
		t.Fatal("a fresh upload lost its file")
	}
	blob := filepath.Join(s.dir, "attachments", u.SHA256[:2], u.SHA256[2:4], u.SHA256)
	old := time.Now().Add(-48 * time.Hour)
	if err := os.Chtimes(blob, old, old); err != nil {
		t.Fatal(err)
	}
	if n, err := srv.PurgeAttachments(t.Context(), time.Now().Add(time.Minute)); err != nil || n != 1 {
		t.Fatalf("purge of an abandoned upload: removed %d files, %v; want 1", n, err)
	}
	if s.blobCount(t) != 0 {
		t.Error("the abandoned upload's file is still on disk")
	}
	if resp, _ := s.download(t, agent, u.ID); resp.StatusCode != http.StatusNotFound {
		t.Errorf("download after purge: %d, want 404", resp.StatusCode)
	}
}

// TestAttachmentBodyCap covers the two ways a body can outgrow the cap before the file itself does:
// a declared length that is too large (refused unread) and a chunked body padded with other fields.
func TestAttachmentBodyCap(t *testing.T) {
	s := newAttachmentSite(t, storetest.SQLite(t))
	agent := s.login(t, "agent")
	pngData := encodePNG(t)
	huge, ct := multipartBody(t, "huge.png", "image/png", append(pngData, make([]byte, 11<<20)...), nil)
	padded, ct2 := multipartBody(t, "padded.png", "image/png", append(pngData, make([]byte, 10<<20-len(pngData))...),
		map[string]string{"note": strings.Repeat("x", 200<<10)})
	junkFirst, ct3 := multipartBody(t, "small.png", "image/png", pngData, map[string]string{"note": strings.Repeat("x", 11<<20)})
	for _, tc := range []struct {
		name, contentType string
		body              io.Reader
	}{
		{"declared length over the cap", ct, huge},
		{"chunked body over the cap", ct2, io.MultiReader(padded)},
		{"chunked body over the cap before the file", ct3, io.MultiReader(junkFirst)},
	} {
		req, _ := http.NewRequest("POST", s.url+"/api/v1/attachments", tc.body)
		req.Header.Set("Content-Type", tc.contentType)
		req.Header.Set("Authorization", "Bearer "+agent)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(b), `"error":"file: larger than 10 MiB","field":"file"`) {
			t.Errorf("%s: %d %s", tc.name, resp.StatusCode, b)
		}
	}
	if n := s.blobCount(t); n != 0 {
		t.Errorf("%d files on disk after refusals", n)
	}
}
