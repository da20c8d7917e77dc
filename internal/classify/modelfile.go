package classify

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"io"
	"math"
	"slices"
)

// A model file is the magic, the format version, then the model's numbers in little-endian
// order (see header and the arrays after it), and last a CRC-32 of all that precedes it, so that a
// damaged file is refused rather than predicting nonsense.
var magic = [8]byte{'C', 'L', 'C', 'L', 'S', 'F', 'Y', 0}

// formatVersion changes whenever the layout or the meaning of a model file changes.
const formatVersion = 1

// Bounds that a model file must respect: they keep a foreign or damaged file from asking for
// gigabytes before its checksum is reached.
const (
	maxLabels     = 10_000
	maxLabelBytes = 1_000
	maxFeatures   = 4 << 20
)

// header holds the fixed-size part of a model file after the magic.
type header struct {
	Version       uint32
	Labels        uint32
	Features      uint32
	TitleWeight   float32
	Scale         float64
	MinConfidence float64
	MinMargin     float64
}

// WriteTo writes the model in its file format.
func (m *Model) WriteTo(w io.Writer) (int64, error) {
	cw := &countingWriter{w: bufio.NewWriter(w), crc: crc32.NewIEEE()}
	h := header{Version: formatVersion, Labels: uint32(len(m.labels)), Features: uint32(len(m.hashes)),
		TitleWeight: m.titleW, Scale: m.scale, MinConfidence: m.thresholds.MinConfidence, MinMargin: m.thresholds.MinMargin}
	parts := []any{magic, h}
	for _, l := range m.labels {
		parts = append(parts, uint32(len(l)), []byte(l))
	}
	parts = append(parts, m.prior, m.hashes, m.idf, m.weights, m.bias)
	for _, p := range parts {
		if err := binary.Write(cw, binary.LittleEndian, p); err != nil {
			return cw.n, err
		}
	}
	if err := binary.Write(cw.w, binary.LittleEndian, cw.crc.Sum32()); err != nil {
		return cw.n, err
	}
	return cw.n + 4, cw.w.Flush()
}

type countingWriter struct {
	w   *bufio.Writer
	crc hash.Hash32
	n   int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	c.crc.Write(p)
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// ReadModel reads a model written by WriteTo. A file that is not a model, was written by another
// format version, is cut short or is damaged gives an error that says which.
func ReadModel(r io.Reader) (*Model, error) {
	crc := crc32.NewIEEE()
	br := bufio.NewReader(r)
	in := io.TeeReader(br, crc)
	read := func(what string, v any) error {
		if err := binary.Read(in, binary.LittleEndian, v); err != nil {
			if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
				return fmt.Errorf("model file is truncated (in the %s)", what)
			}
			return fmt.Errorf("model file: reading the %s: %w", what, err)
		}
		return nil
	}
	var mg [8]byte
	if _, err := io.ReadFull(in, mg[:]); err != nil || mg != magic {
		return nil, errors.New("not a cityline classifier model (the file does not start with its signature)")
	}
	var h header
	if err := read("header", &h); err != nil {
		return nil, err
	}
	if h.Version != formatVersion {
		return nil, fmt.Errorf("model file has format version %d; this cityline reads version %d (train the model again)", h.Version, formatVersion)
	}
	if h.Labels < 2 || h.Labels > maxLabels || h.Features > maxFeatures || uint64(h.Labels)*uint64(h.Features)*4 > 2*maxWeightBytes {
		return nil, fmt.Errorf("model file is damaged: %d labels and %d features are out of bounds", h.Labels, h.Features)
	}
	m := &Model{titleW: h.TitleWeight, scale: h.Scale, thresholds: Thresholds{h.MinConfidence, h.MinMargin}}
	for i := range h.Labels {
		var n uint32
		if err := read("labels", &n); err != nil {
			return nil, err
		}
		if n == 0 || n > maxLabelBytes {
			return nil, fmt.Errorf("model file is damaged: label %d is %d bytes long", i+1, n)
		}
		b := make([]byte, n)
		if err := read("labels", b); err != nil {
			return nil, err
		}
		m.labels = append(m.labels, string(b))
	}
	k, f := int(h.Labels), int(h.Features)
	m.prior, m.hashes, m.idf = make([]float64, k), make([]uint64, f), make([]float32, f)
	m.weights, m.bias = make([]float32, f*k), make([]float32, k)
	for _, part := range []struct {
		what string
		v    any
	}{{"label priors", m.prior}, {"features", m.hashes}, {"feature weights", m.idf}, {"label weights", m.weights}, {"label biases", m.bias}} {
		if err := read(part.what, part.v); err != nil {
			return nil, err
		}
	}
	want := crc.Sum32()
	var got uint32
	if err := binary.Read(br, binary.LittleEndian, &got); err != nil {
		return nil, errors.New("model file is truncated (its checksum is missing)")
	}
	if got != want {
		return nil, errors.New("model file is damaged: its checksum does not match its contents")
	}
	if _, err := br.ReadByte(); err != io.EOF {
		return nil, errors.New("model file is damaged: there is data after its checksum")
	}
	if err := m.check(); err != nil {
		return nil, fmt.Errorf("model file is damaged: %w", err)
	}
	return m, nil
}

// check verifies what a checksum cannot, that the numbers make a usable model, and indexes the
// features.
func (m *Model) check() error {
	if !slices.IsSorted(m.labels) || len(slices.Compact(slices.Clone(m.labels))) != len(m.labels) {
		return errors.New("labels are not sorted and distinct")
	}
	if !(m.scale > 0) || math.IsInf(m.scale, 0) || !(m.titleW > 0) {
		return errors.New("scale or title weight is not a positive number")
	}
	finite := func(vs []float32) bool {
		return !slices.ContainsFunc(vs, func(v float32) bool { return math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) })
	}
	if !finite(m.idf) || !finite(m.weights) || !finite(m.bias) {
		return errors.New("weights are not all finite")
	}
	sum := 0.0
	for _, p := range m.prior {
		if !(p >= 0) {
			return errors.New("a label's prior is not a probability")
		}
		sum += p
	}
	if math.Abs(sum-1) > 1e-6 {
		return errors.New("the labels' priors do not add up to 1")
	}
	m.buildIndex()
	for f, h := range m.hashes {
		if m.index.find(h) != int32(f) {
			return errors.New("a feature is listed twice")
		}
	}
	return nil
}
