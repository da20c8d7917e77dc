package attachment_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/iotest"
	"unicode/utf8"

	"github.com/cityline/cityline/internal/attachment"
)

func picture() image.Image {
	img := image.NewRGBA(image.Rect(0, 0, 16, 12))
	for x := range 16 {
		img.Set(x, x%12, color.RGBA{R: 200, G: uint8(x * 10), B: 40, A: 255})
	}
	return img
}

func pngBytes(t testing.TB) []byte {
	var b bytes.Buffer
	if err := png.Encode(&b, picture()); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func jpegBytes(t testing.TB) []byte {
	var b bytes.Buffer
	if err := jpeg.Encode(&b, picture(), nil); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func gifBytes(t testing.TB) []byte {
	var b bytes.Buffer
	if err := gif.Encode(&b, picture(), nil); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// webpBytes is a RIFF container holding a (tiny, not decodable) VP8L chunk: enough to be recognised.
func webpBytes() []byte {
	return []byte("RIFF\x1a\x00\x00\x00WEBPVP8L\x0d\x00\x00\x00\x2f\x00\x00\x00\x10\x07\x10\x11\x11\x88\x88\xfe\x07\x00")
}

// heifBytes starts like a phone's photo: an ftyp box with the given major brand.
func heifBytes(brand string) []byte {
	return append([]byte("\x00\x00\x00\x18ftyp"+brand+"\x00\x00\x00\x00mif1heic"), bytes.Repeat([]byte{0, 1, 2, 3}, 40)...)
}

func pdfBytes() []byte {
	return []byte("%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n%%EOF\n")
}

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// blobFiles lists the stored blobs (not the temporary directory).
func blobFiles(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && d.Name() == "tmp" {
			return filepath.SkipDir
		}
		if !d.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, rel)
		}
		return nil
	})
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		t.Fatal(err)
	}
	return out
}

func tmpFiles(t *testing.T, dir string) []os.DirEntry {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join(dir, "tmp"))
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		t.Fatal(err)
	}
	return entries
}

func TestSaveAcceptsWhatTheContentIs(t *testing.T) {
	long := strings.Repeat("很长的文件名", 40) + ".jpg"
	tests := []struct {
		name, fileName, declared string
		content                  []byte
		wantType, wantName       string
	}{
		{"jpeg", "现场照片.jpg", "image/jpeg", jpegBytes(t), "image/jpeg", "现场照片.jpg"},
		{"jpeg upper-case extension", "IMG_0001.JPEG", "image/jpeg", jpegBytes(t), "image/jpeg", "IMG_0001.JPEG"},
		{"png", "路灯.png", "image/png", pngBytes(t), "image/png", "路灯.png"},
		{"gif", "a.gif", "image/gif", gifBytes(t), "image/gif", "a.gif"},
		{"webp", "a.webp", "image/webp", webpBytes(), "image/webp", "a.webp"},
		{"heic", "IMG_2040.HEIC", "image/heic", heifBytes("heic"), "image/heic", "IMG_2040.HEIC"},
		{"heix", "IMG_2041.heic", "image/heif", heifBytes("heix"), "image/heic", "IMG_2041.heic"},
		{"mif1", "photo.heif", "", heifBytes("mif1"), "image/heic", "photo.heif"},
		{"pdf", "答复函.pdf", "application/pdf", pdfBytes(), "application/pdf", "答复函.pdf"},
		{"text", "情况说明.txt", "text/plain; charset=utf-8", []byte("小区门口路灯不亮已经三天。\r\nTab\there.\n"), attachment.TextPlain, "情况说明.txt"},
		{"csv as text", "名单.csv", "text/csv", []byte("姓名,电话\n张三,138\n"), attachment.TextPlain, "名单.csv"},
		{"octet-stream claims nothing", "scan.pdf", "application/octet-stream", pdfBytes(), "application/pdf", "scan.pdf"},
		{"no extension gets one", "photo", "", pngBytes(t), "image/png", "photo.png"},
		{"number after the dot is no extension", "收据 2024.11", "", jpegBytes(t), "image/jpeg", "收据 2024.11.jpg"},
		{"windows path", `C:\Users\张三\Desktop\现场.png`, "", pngBytes(t), "image/png", "现场.png"},
		{"unix path", "../../etc/现场.png", "", pngBytes(t), "image/png", "现场.png"},
		{"control characters", "bad\x00na\x1bme\n.png", "", pngBytes(t), "image/png", "badname.png"},
		{"right-to-left override", "photo\u202egnp.png", "", pngBytes(t), "image/png", "photognp.png"},
		{"nothing left of the name", "...", "", pngBytes(t), "image/png", "upload.png"},
		{"long name keeps its extension", long, "", jpegBytes(t), "image/jpeg", string([]rune(long)[:196]) + ".jpg"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			f, err := attachment.Policy{}.Save(context.Background(), attachment.DiskBlobs(dir), tc.fileName, tc.declared, bytes.NewReader(tc.content))
			if err != nil {
				t.Fatalf("refused: %v", err)
			}
			want := attachment.File{SHA256: sha(tc.content), Size: int64(len(tc.content)), ContentType: tc.wantType, FileName: tc.wantName}
			if f != want {
				t.Errorf("got %+v\nwant %+v", f, want)
			}
			if n := utf8.RuneCountInString(f.FileName); n > attachment.MaxNameLength {
				t.Errorf("name has %d characters", n)
			}
			stored, err := os.ReadFile(filepath.Join(dir, f.SHA256[:2], f.SHA256[2:4], f.SHA256))
			if err != nil || !bytes.Equal(stored, tc.content) {
				t.Errorf("stored file differs from the upload: %v", err)
			}
		})
	}
}

func TestSaveRefusesFilesThatLie(t *testing.T) {
	exe := append([]byte("MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00"), bytes.Repeat([]byte{0}, 200)...)
	textThenBinary := append(bytes.Repeat([]byte("正常的文字开头。"), 100), 0x00, 0x01, 0x02)
	tests := []struct {
		name, fileName, declared string
		content                  []byte
		reason                   string
	}{
		{"png named pdf", "report.pdf", "application/pdf", pngBytes(t), "ends in .pdf but the content is PNG"},
		{"png named pdf, declared png", "report.pdf", "image/png", pngBytes(t), "ends in .pdf"},
		{"exe renamed jpg", "photo.jpg", "image/jpeg", exe, "not JPEG, PNG"},
		{"exe as exe", "setup.exe", "", exe, "not JPEG, PNG"},
		{"html declared png", "x.png", "image/png", []byte("<!DOCTYPE html><html><script>alert(1)</script></html>"), "HTML"},
		{"html as text", "notes.txt", "text/plain", []byte("  <script>alert(1)</script>"), "HTML"},
		{"svg as text", "logo.txt", "", []byte(`<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>`), "XML"},
		{"text declared png", "x.png", "image/png", []byte("just words"), ".png but the content is plain text"},
		{"text named txt declared png", "x.txt", "image/png", []byte("just words"), "declared as image/png"},
		{"jpeg declared png", "x", "image/png", jpegBytes(t), "declared as image/png but the content is JPEG"},
		{"jpeg named png", "x.png", "", jpegBytes(t), "ends in .png"},
		{"pdf with double extension", "invoice.pdf.exe", "", pdfBytes(), "ends in .exe"},
		{"malformed declared type", "a.png", "image/", pngBytes(t), "malformed"},
		{"binary after a text start", "log.txt", "text/plain", textThenBinary, "not UTF-8 plain text"},
		{"invalid utf-8", "gbk.txt", "text/plain", []byte("\xc4\xe3\xba\xc3 GBK text"), "UTF-8 plain text"},
		{"cut inside a character", "cut.txt", "", []byte("路灯\xe4\xb8"), "not UTF-8"},
		{"empty", "empty.png", "image/png", nil, "empty"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			_, err := attachment.Policy{}.Save(context.Background(), attachment.DiskBlobs(dir), tc.fileName, tc.declared, bytes.NewReader(tc.content))
			var inv *attachment.InvalidError
			if !errors.As(err, &inv) {
				t.Fatalf("got %v, want an InvalidError", err)
			}
			if !strings.HasPrefix(err.Error(), "file: ") || !strings.Contains(err.Error(), tc.reason) {
				t.Errorf("error %q: want it to start with \"file: \" and say %q", err, tc.reason)
			}
			if files := blobFiles(t, dir); len(files) != 0 {
				t.Errorf("a refused file was stored: %v", files)
			}
			if left := tmpFiles(t, dir); len(left) != 0 {
				t.Errorf("a refused file left %d temporary files", len(left))
			}
		})
	}
}

func TestSaveChecksTextAcrossReads(t *testing.T) {
	// One byte per read cuts every Chinese character in pieces; the check must carry them over.
	text := []byte(strings.Repeat("市民反映：小区路灯不亮。\n", 100))
	f, err := attachment.Policy{}.Save(context.Background(), attachment.DiskBlobs(t.TempDir()), "a.txt", "", iotest.OneByteReader(bytes.NewReader(text)))
	if err != nil || f.Size != int64(len(text)) {
		t.Fatalf("one byte at a time: %+v %v", f, err)
	}
	bad := append(append([]byte{}, text...), 0x07)
	if _, err := (attachment.Policy{}).Save(context.Background(), attachment.DiskBlobs(t.TempDir()), "a.txt", "", iotest.OneByteReader(bytes.NewReader(bad))); err == nil {
		t.Error("a bell character at the very end was accepted")
	}
}

func TestSaveEnforcesTheSizeLimit(t *testing.T) {
	img := pngBytes(t)
	for _, tc := range []struct {
		name  string
		limit int64
		size  int
		ok    bool
		msg   string
	}{
		{"exactly the limit", 4096, 4096, true, ""},
		{"one byte over", 4096, 4097, false, "file: larger than 4 KiB"},
		{"far over", 4096, 100000, false, "file: larger than 4 KiB"},
		{"limit below the sniffed head", 100, 300, false, "file: larger than 100 bytes"},
		{"default limit", 0, 10<<20 + 1, false, "file: larger than 10 MiB"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			content := append(append([]byte{}, img...), make([]byte, tc.size-len(img))...)
			dir := t.TempDir()
			f, err := attachment.Policy{MaxSize: tc.limit}.Save(context.Background(), attachment.DiskBlobs(dir), "big.png", "image/png", bytes.NewReader(content))
			if tc.ok {
				if err != nil || f.Size != int64(tc.size) {
					t.Fatalf("%+v %v", f, err)
				}
				return
			}
			var inv *attachment.InvalidError
			if !errors.As(err, &inv) || err.Error() != tc.msg {
				t.Fatalf("got %v, want %q", err, tc.msg)
			}
			if files, left := blobFiles(t, dir), tmpFiles(t, dir); len(files)+len(left) != 0 {
				t.Errorf("an oversized file left %v and %d temporary files", files, len(left))
			}
		})
	}
}

func TestSavePassesReadErrorsThrough(t *testing.T) {
	broken := errors.New("connection reset")
	r := io.MultiReader(bytes.NewReader(pngBytes(t)), iotest.ErrReader(broken))
	dir := t.TempDir()
	_, err := attachment.Policy{}.Save(context.Background(), attachment.DiskBlobs(dir), "a.png", "", r)
	var inv *attachment.InvalidError
	if !errors.Is(err, broken) || errors.As(err, &inv) {
		t.Fatalf("got %v, want the read error (not a refusal)", err)
	}
	if files, left := blobFiles(t, dir), tmpFiles(t, dir); len(files)+len(left) != 0 {
		t.Errorf("a broken upload left %v and %d temporary files", files, len(left))
	}
}

func TestCleanFileName(t *testing.T) {
	for in, want := range map[string]string{
		"现场照片.jpg":              "现场照片.jpg",
		"  报告 .pdf  ":           "报告 .pdf",
		"a/b/c.txt":             "c.txt",
		`..\..\windows\x.txt`:   "x.txt",
		"..":                    "",
		"\u3000全角空格\u3000":      "全角空格",
		"zero\u200bwidth.png":   "zerowidth.png",
		"bad\xffutf8.png":       "badutf8.png",
		"tab\tand\u0085nel.txt": "tabandnel.txt",
	} {
		if got := attachment.CleanFileName(in); got != want {
			t.Errorf("CleanFileName(%q) = %q, want %q", in, got, want)
		}
	}
	long := strings.Repeat("长", 300) + ".pdf"
	got := attachment.CleanFileName(long)
	if utf8.RuneCountInString(got) != attachment.MaxNameLength || !strings.HasSuffix(got, "长.pdf") {
		t.Errorf("long name cleaned to %d characters %q…", utf8.RuneCountInString(got), got[len(got)-10:])
	}
}

// BenchmarkSave measures checking and storing a phone-sized photo (4 MiB), fsync included.
func BenchmarkSave(b *testing.B) {
	photo := append(jpegBytes(b), make([]byte, 4<<20)...)
	d := attachment.DiskBlobs(b.TempDir())
	b.SetBytes(int64(len(photo)))
	for i := 0; b.Loop(); i++ {
		photo[len(photo)-1] = byte(i) // a new content each time, as real uploads are
		photo[len(photo)-2] = byte(i >> 8)
		if _, err := (attachment.Policy{}).Save(context.Background(), d, "photo.jpg", "image/jpeg", bytes.NewReader(photo)); err != nil {
			b.Fatal(err)
		}
	}
}
