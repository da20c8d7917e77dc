package open311

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"log/slog"
	"net/http"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/cityline/cityline/internal/workorder"
)

// format is the encoding the client asked for with the file extension.
type format int

const (
	formatJSON format = iota
	formatXML
)

// splitFile reads "requests.xml" as ("requests", XML). Any other extension is no Open311 URL; the
// refusal is then written in JSON.
func splitFile(file string) (string, format, bool) {
	name, ext, _ := strings.Cut(file, ".")
	switch ext {
	case "json":
		return name, formatJSON, true
	case "xml":
		return name, formatXML, true
	}
	return name, formatJSON, false
}

// formatOf guesses the format of a URL that matched no endpoint, to refuse it in the client's format.
func formatOf(urlPath string) format {
	_, f, _ := splitFile(path.Base(urlPath))
	return f
}

// writeList writes items as a JSON array, or in XML as <root><item>…</item>…</root>, the shape every
// Open311 list takes.
func writeList[T any](w http.ResponseWriter, f format, status int, items []T, root, item string) {
	if f == formatJSON {
		if items == nil {
			items = []T{}
		}
		writeJSON(w, status, items)
		return
	}
	var buf bytes.Buffer
	enc := xml.NewEncoder(&buf)
	start := xml.StartElement{Name: xml.Name{Local: root}}
	err := enc.EncodeToken(start)
	for _, it := range items {
		if err == nil {
			err = enc.EncodeElement(it, xml.StartElement{Name: xml.Name{Local: item}})
		}
	}
	if err == nil {
		err = enc.EncodeToken(start.End())
	}
	if err == nil {
		err = enc.Flush()
	}
	writeXML(w, status, buf.Bytes(), err)
}

// writeOne writes one document: a JSON object, or in XML the element root.
func writeOne(w http.ResponseWriter, f format, status int, v any, root string) {
	if f == formatJSON {
		writeJSON(w, status, v)
		return
	}
	var buf bytes.Buffer
	err := xml.NewEncoder(&buf).EncodeElement(v, xml.StartElement{Name: xml.Name{Local: root}})
	writeXML(w, status, buf.Bytes(), err)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		slog.Error("open311: encode json", "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	w.Write(body)
}

func writeXML(w http.ResponseWriter, status int, body []byte, err error) {
	if err != nil {
		slog.Error("open311: encode xml", "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/xml; charset=utf-8")
	w.WriteHeader(status)
	w.Write([]byte(xml.Header))
	w.Write(body)
}

// apiError is one entry of the spec's error list.
type apiError struct {
	Code        int    `json:"code" xml:"code"`
	Description string `json:"description" xml:"description"`
}

// writeError answers in the spec's error format: [{"code":…,"description":…}] or
// <errors><error><code>…</code><description>…</description></error></errors>.
func writeError(w http.ResponseWriter, f format, status int, description string) {
	writeList(w, f, status, []apiError{{Code: status, Description: description}}, "errors", "error")
}

// text is an optional string: null in JSON when empty (the schemas allow it), an empty element in XML.
type text string

func (t text) MarshalJSON() ([]byte, error) {
	if t == "" {
		return []byte("null"), nil
	}
	return json.Marshal(string(t))
}

// coord is an optional coordinate.
type coord struct {
	v  float64
	ok bool
}

func (c coord) MarshalJSON() ([]byte, error) {
	if !c.ok {
		return []byte("null"), nil
	}
	return c.MarshalText()
}

func (c coord) MarshalText() ([]byte, error) {
	if !c.ok {
		return nil, nil
	}
	return strconv.AppendFloat(nil, c.v, 'f', -1, 64), nil
}

// stamp is an optional instant, written as a W3C datetime in the city's own zone (+08:00).
type stamp time.Time

func (s stamp) MarshalJSON() ([]byte, error) {
	if time.Time(s).IsZero() {
		return []byte("null"), nil
	}
	b, _ := s.MarshalText()
	return json.Marshal(string(b))
}

func (s stamp) MarshalText() ([]byte, error) {
	t := time.Time(s)
	if t.IsZero() {
		return nil, nil
	}
	return []byte(t.In(workorder.Shanghai).Format(time.RFC3339)), nil
}

// parseW3C reads a W3C datetime (a profile of ISO 8601) as clients send it: with or without
// seconds, fractions and zone, or only a date. A time without a zone is taken in the city's zone.
func parseW3C(s string) (time.Time, bool) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04Z07:00"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	for _, layout := range []string{"2006-01-02T15:04:05.999999999", "2006-01-02T15:04", "2006-01-02", "2006-01", "2006"} {
		if t, err := time.ParseInLocation(layout, s, workorder.Shanghai); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}
