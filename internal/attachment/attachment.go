// Package attachment decides which uploaded files a work order may carry and keeps them on disk.
// A file is judged by its bytes, never by the name or type the sender claims: a name or declared type
// that disagrees with the content is refused, because a file that lies about its type is how HTML
// and programs get smuggled onto an officer's screen.
package attachment

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// DefaultMaxSize is the largest file accepted when a Policy sets no limit: a phone photo is 2-6 MiB.
const DefaultMaxSize = 10 << 20

// MaxNameLength bounds a cleaned file name, in characters.
const MaxNameLength = 200

// sniffLen is how much of the content is read before deciding its type.
const sniffLen = 512

// TextPlain is the content type every accepted text file is stored and served as.
const TextPlain = "text/plain; charset=utf-8"

// InvalidError is a file refused for what it is (type, size, name). Its message names the field
// "file" first, as every validation error does; anything else Save returns is an I/O failure.
type InvalidError struct{ Reason string }

func (e *InvalidError) Error() string { return "file: " + e.Reason }

func invalid(format string, args ...any) error {
	return &InvalidError{Reason: fmt.Sprintf(format, args...)}
}

// fileType is one kind of content accepted, with the names and declared types that may go with it.
type fileType struct {
	label       string   // for messages
	contentType string   // stored and served
	exts        []string // lower case, with the dot; the first is added to names that have none
	declared    []string // media types a sender may claim for it
	text        bool
}

var (
	typeJPEG = fileType{"JPEG", "image/jpeg", []string{".jpg", ".jpeg", ".jfif"}, []string{"image/jpeg", "image/jpg", "image/pjpeg"}, false}
	typePNG  = fileType{"PNG", "image/png", []string{".png"}, []string{"image/png"}, false}
	typeGIF  = fileType{"GIF", "image/gif", []string{".gif"}, []string{"image/gif"}, false}
	typeWebP = fileType{"WebP", "image/webp", []string{".webp"}, []string{"image/webp"}, false}
	typeHEIC = fileType{"HEIC", "image/heic", []string{".heic", ".heif"}, []string{"image/heic", "image/heif", "image/heic-sequence", "image/heif-sequence"}, false}
	typePDF  = fileType{"PDF", "application/pdf", []string{".pdf"}, []string{"application/pdf", "application/x-pdf"}, false}
	typeText = fileType{"plain text", TextPlain, []string{".txt", ".text", ".log", ".csv", ".md"}, []string{"text/plain", "text/csv", "text/markdown"}, true}
)

// heicBrands are the ftyp major brands of the still photos phones take (HEIC proper, its 10-bit
// variant, and the generic HEIF image brand some phones write).
var heicBrands = []string{"heic", "heix", "mif1"}

// detect names the accepted type of content whose first bytes are head, or refuses it.
func detect(head []byte) (fileType, error) {
	switch {
	case bytes.HasPrefix(head, []byte{0xFF, 0xD8, 0xFF}):
		return typeJPEG, nil
	case bytes.HasPrefix(head, []byte("\x89PNG\r\n\x1a\n")):
		return typePNG, nil
	case bytes.HasPrefix(head, []byte("GIF87a")), bytes.HasPrefix(head, []byte("GIF89a")):
		return typeGIF, nil
	case len(head) >= 12 && string(head[:4]) == "RIFF" && string(head[8:12]) == "WEBP":
		return typeWebP, nil
	case len(head) >= 12 && string(head[4:8]) == "ftyp" && slices.Contains(heicBrands, string(head[8:12])):
		return typeHEIC, nil
	case bytes.HasPrefix(head, []byte("%PDF-")):
		return typePDF, nil
	}
	var sc textScanner
	if sc.feed(head) != nil {
		return fileType{}, invalid("the content is not JPEG, PNG, GIF, WebP, HEIC, PDF or UTF-8 plain text")
	}
	// Markup passed off as text is refused outright: no viewer downstream should ever be tempted to render it.
	if sniffed := http.DetectContentType(head); strings.HasPrefix(sniffed, "text/html") || strings.HasPrefix(sniffed, "text/xml") {
		return fileType{}, invalid("the content is HTML or XML markup, not plain text")
	}
	return typeText, nil
}

// CleanFileName makes a sender's file name safe to store and to offer back on download: only the
// last element of any path, no control or invisible formatting characters (a right-to-left override
// can make "gpj.exe" look like "exe.jpg"), no surrounding spaces or dots, at most MaxNameLength
// characters with the extension kept. Chinese and other letters are kept as they are. It may return "".
func CleanFileName(name string) string {
	name = strings.ToValidUTF8(name, "")
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
			return -1
		}
		return r
	}, name)
	name = strings.Trim(name, " .\u3000")
	if utf8.RuneCountInString(name) <= MaxNameLength {
		return name
	}
	ext := extension(name)
	stem := []rune(strings.TrimSuffix(name, ext))
	return strings.TrimRight(string(stem[:MaxNameLength-utf8.RuneCountInString(ext)]), " .") + ext
}

// extension returns a name's extension in lower case, or "" when the name has none. A dot followed by
// something that is not a short alphanumeric word with a letter ("收据 2024.11") is not an extension.
func extension(name string) string {
	i := strings.LastIndexByte(name, '.')
	if i <= 0 || len(name)-i > 6 {
		return ""
	}
	ext := strings.ToLower(name[i:])
	letter := false
	for _, c := range ext[1:] {
		switch {
		case c >= 'a' && c <= 'z':
			letter = true
		case c >= '0' && c <= '9':
		default:
			return ""
		}
	}
	if !letter {
		return ""
	}
	return ext
}

// fileName cleans name and checks it against the content's type; a name without an extension gets
// the type's usual one so that the file opens properly when downloaded.
func fileName(name string, t fileType) (string, error) {
	clean := CleanFileName(name)
	ext := extension(clean)
	switch {
	case clean == "":
		return "upload" + t.exts[0], nil
	case ext == "":
		if utf8.RuneCountInString(clean)+len(t.exts[0]) > MaxNameLength {
			clean = string([]rune(clean)[:MaxNameLength-len(t.exts[0])])
		}
		return clean + t.exts[0], nil
	case !slices.Contains(t.exts, ext):
		return "", invalid("the name ends in %s but the content is %s", ext, t.label)
	}
	return clean, nil
}

// checkDeclared compares the sender's Content-Type with the content. Browsers declare
// application/octet-stream for types they do not know, which claims nothing.
func checkDeclared(declared string, t fileType) error {
	if strings.TrimSpace(declared) == "" {
		return nil
	}
	mt, _, err := mime.ParseMediaType(declared)
	if err != nil {
		return invalid("the declared content type %q is malformed", declared)
	}
	if mt == "application/octet-stream" || mt == "binary/octet-stream" || slices.Contains(t.declared, mt) {
		return nil
	}
	return invalid("declared as %s but the content is %s", mt, t.label)
}

// File is an accepted, stored file.
type File struct {
	SHA256      string
	Size        int64
	ContentType string
	FileName    string
}

// Policy is what a deployment decides about uploads.
type Policy struct {
	// MaxSize is the largest file accepted, in bytes; zero means DefaultMaxSize.
	MaxSize int64
}

// Limit is the largest file the policy accepts.
func (p Policy) Limit() int64 {
	if p.MaxSize <= 0 {
		return DefaultMaxSize
	}
	return p.MaxSize
}

// Save checks the file named name, declared as declared by its sender, whose content r yields, and
// stores it in b. The content is checked as it streams, so a file that turns out too large or not
// text after all is refused without a trace in b. Refusals are *InvalidError.
func (p Policy) Save(ctx context.Context, b Blobs, name, declared string, r io.Reader) (File, error) {
	head := make([]byte, sniffLen)
	n, err := io.ReadFull(r, head)
	switch {
	case errors.Is(err, io.EOF):
		return File{}, invalid("the file is empty")
	case err != nil && !errors.Is(err, io.ErrUnexpectedEOF):
		return File{}, fmt.Errorf("read upload: %w", err)
	}
	head = head[:n]
	t, err := detect(head)
	if err != nil {
		return File{}, err
	}
	clean, err := fileName(name, t)
	if err != nil {
		return File{}, err
	}
	if err := checkDeclared(declared, t); err != nil {
		return File{}, err
	}
	body := io.MultiReader(bytes.NewReader(head), r)
	if t.text {
		body = &textReader{r: body}
	}
	sum, size, err := b.Put(ctx, &cappedReader{r: body, max: p.Limit()})
	var refused *InvalidError
	if errors.As(err, &refused) {
		return File{}, refused
	}
	if err != nil {
		return File{}, err
	}
	return File{SHA256: sum, Size: size, ContentType: t.contentType, FileName: clean}, nil
}

// cappedReader fails once more than max bytes have come through.
type cappedReader struct {
	r      io.Reader
	max, n int64
}

func (c *cappedReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	if c.n > c.max {
		return 0, TooLarge(c.max)
	}
	return n, err
}

// TooLarge is the refusal of a file larger than limit bytes. The HTTP edge uses it too, when the
// body as a whole goes over the cap before the file's own count does.
func TooLarge(limit int64) *InvalidError {
	return &InvalidError{Reason: "larger than " + humanSize(limit)}
}

func humanSize(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

// textScanner checks that a byte stream fed to it in pieces is UTF-8 text without control characters
// other than tab, line feed, carriage return and form feed. A character cut between two pieces is
// carried over to the next.
type textScanner struct{ carry []byte }

var errNotText = invalid("the content is not UTF-8 plain text")

func (s *textScanner) feed(p []byte) error {
	buf := p
	if len(s.carry) > 0 {
		buf = append(s.carry, p...)
		s.carry = nil
	}
	for len(buf) > 0 {
		r, size := utf8.DecodeRune(buf)
		if r == utf8.RuneError && size <= 1 {
			if !utf8.FullRune(buf) {
				s.carry = append([]byte(nil), buf...)
				return nil
			}
			return errNotText
		}
		if unicode.IsControl(r) && r != '\t' && r != '\n' && r != '\r' && r != '\f' {
			return errNotText
		}
		buf = buf[size:]
	}
	return nil
}

// end reports whether the stream stopped inside a character.
func (s *textScanner) end() error {
	if len(s.carry) > 0 {
		return errNotText
	}
	return nil
}

// textReader passes r through while checking that all of it is plain text.
type textReader struct {
	r  io.Reader
	sc textScanner
}

func (t *textReader) Read(p []byte) (int, error) {
	n, err := t.r.Read(p)
	if n > 0 {
		if bad := t.sc.feed(p[:n]); bad != nil {
			return 0, bad
		}
	}
	if errors.Is(err, io.EOF) {
		if bad := t.sc.end(); bad != nil {
			return 0, bad
		}
	}
	return n, err
}
