// Package classify suggests the category (or request type) of a citizen's request from its Chinese
// title and description. It learns from historical orders — character n-grams weighed by TF-IDF, one
// linear support vector machine per label — and turns scores into calibrated probabilities, so that a
// caller can let confident suggestions through and send the rest to a person. It needs no outside
// service and knows nothing of where the examples come from.
package classify

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
)

// Example is one labelled request to learn from.
type Example struct {
	Title, Body, Label string
}

// Options tune training. The zero value gives the defaults, which should rarely need changing (on
// real hotline messages, cross-validated accuracy moves by under a point between C = 1 and 3, title
// weights 0.5 to 1, and minimum counts 1 to 3).
type Options struct {
	// C is the SVMs' cost of a training error against the size of the weights: larger fits the
	// training examples more closely. Default 3.
	C float64
	// TitleWeight is how much the title counts against the description (weight 1). Default 1.
	TitleWeight float64
	// MinDocs drops n-grams seen in fewer training examples: they cannot generalise. Default 2.
	MinDocs int
	// MaxFeatures bounds the vocabulary (the most frequent n-grams are kept); the model file is
	// bounded further to about 16 MB of weights however many labels there are. Default 200,000.
	MaxFeatures int
	// CalibrationFolds is how many folds the training examples are split into to fit the
	// calibration of probabilities on out-of-fold scores; folds stop being trained once 2,000
	// examples are scored. Default 5.
	CalibrationFolds int
	// Seed makes training repeatable.
	Seed uint64
	// Thresholds decide when a prediction is confident; the zero value gives DefaultThresholds.
	Thresholds Thresholds
}

func (o Options) withDefaults() Options {
	if o.C <= 0 {
		o.C = 3
	}
	if o.TitleWeight <= 0 {
		o.TitleWeight = 1
	}
	if o.MinDocs <= 0 {
		o.MinDocs = 2
	}
	if o.MaxFeatures <= 0 {
		o.MaxFeatures = 200_000
	}
	if o.CalibrationFolds < 2 {
		o.CalibrationFolds = 5
	}
	if o.Thresholds == (Thresholds{}) {
		o.Thresholds = DefaultThresholds
	}
	return o
}

// maxWeightBytes bounds the weight table so that a model file stays well under 20 MB.
const maxWeightBytes = 16 << 20

// Thresholds decide when a suggestion may be acted on without a person.
type Thresholds struct {
	// MinConfidence is the least probability of the top label.
	MinConfidence float64
	// MinMargin is the least lead of the top label over the second.
	MinMargin float64
}

// DefaultThresholds favour being right over deciding alone: on 990 real messages in 7 classes
// (5-fold cross-validation) they let three in four suggestions through, and those are right about
// 93 times in 100 where all suggestions are right 87 times in 100.
var DefaultThresholds = Thresholds{MinConfidence: 0.8, MinMargin: 0.5}

// Confident reports whether a prediction with these top labels (best first) may be acted on.
func (t Thresholds) Confident(top []Scored) bool {
	if len(top) == 0 || top[0].Confidence < t.MinConfidence {
		return false
	}
	second := 0.0
	if len(top) > 1 {
		second = top[1].Confidence
	}
	return top[0].Confidence-second >= t.MinMargin
}

// Scored is a label with its probability.
type Scored struct {
	Label      string  `json:"label"`
	Confidence float64 `json:"confidence"`
}

// Prediction is the classifier's suggestion for one request.
type Prediction struct {
	// Top holds the three most likely labels (fewer when the model knows fewer), best first.
	Top []Scored
	// Confident is false when a person should decide: the top label is not likely enough or not far
	// enough ahead of the second, or the text held too little that the model knows.
	Confident bool
}

// Label is the top label.
func (p Prediction) Label() string {
	if len(p.Top) == 0 {
		return ""
	}
	return p.Top[0].Label
}

// fullEvidence is how many known features a request needs before its scores are trusted fully; with
// fewer, probabilities are drawn towards the labels' base rates. A six-character phrase has fifteen
// n-grams; an emoji or a sentence in English has none that the model knows.
const fullEvidence = 16

// Model is a trained classifier. It is safe for concurrent use.
type Model struct {
	labels     []string
	prior      []float64 // share of each label among the training examples
	hashes     []uint64  // the n-gram hash of each feature
	index      featureIndex
	idf        []float32
	weights    []float32 // [feature*len(labels)+label]
	bias       []float32
	titleW     float32
	scale      float64 // probabilities are softmax(scale × score)
	thresholds Thresholds
	scratch    sync.Pool
}

// Labels lists the labels the model can predict, sorted.
func (m *Model) Labels() []string { return slices.Clone(m.labels) }

// Thresholds returns the thresholds that Predict applies.
func (m *Model) Thresholds() Thresholds { return m.thresholds }

// Train learns a model from examples.
func Train(examples []Example, opts Options) (*Model, error) {
	opts = opts.withDefaults()
	labels, y, err := labelsOf(examples)
	if err != nil {
		return nil, err
	}
	m := &Model{labels: labels, titleW: float32(opts.TitleWeight), thresholds: opts.Thresholds}
	m.prior = make([]float64, len(labels))
	for _, c := range y {
		m.prior[c] += 1 / float64(len(y))
	}
	m.buildVocabulary(examples, opts)
	x := &matrix{columns: len(m.hashes), start: make([]int, 1, len(examples)+1)}
	s := m.newScratch()
	for _, ex := range examples {
		row, _ := m.vector(ex.Title, ex.Body, s)
		x.entries = append(x.entries, row...)
		x.start = append(x.start, len(x.entries))
	}
	all := make([]int, len(examples))
	for i := range all {
		all[i] = i
	}
	m.weights, m.bias = trainSVM(x, y, all, len(labels), opts.C, opts.Seed)
	m.scale = calibrate(x, y, len(labels), opts)
	return m, nil
}

// labelsOf returns the sorted distinct labels and each example's label number.
func labelsOf(examples []Example) ([]string, []int, error) {
	seen := map[string]int{}
	for i, ex := range examples {
		if strings.TrimSpace(ex.Label) == "" {
			return nil, nil, fmt.Errorf("example %d: label is empty", i+1)
		}
		if len(ex.Label) > maxLabelBytes {
			return nil, nil, fmt.Errorf("example %d: label is %d bytes long; at most %d", i+1, len(ex.Label), maxLabelBytes)
		}
		seen[ex.Label]++
	}
	if len(seen) < 2 || len(seen) > maxLabels {
		return nil, nil, fmt.Errorf("examples: want 2 to %d different labels, got %d", maxLabels, len(seen))
	}
	labels := make([]string, 0, len(seen))
	for l := range seen {
		labels = append(labels, l)
	}
	slices.Sort(labels)
	y := make([]int, len(examples))
	for i, ex := range examples {
		y[i], _ = slices.BinarySearch(labels, ex.Label)
	}
	return labels, y, nil
}

// buildVocabulary keeps the n-grams found in at least MinDocs examples, the most common first, as
// many as MaxFeatures and the weight budget allow, and sets their inverse document frequencies.
func (m *Model) buildVocabulary(examples []Example, opts Options) {
	df := map[uint64]int32{}
	var seen []uint64
	collect := func(h uint64) bool {
		seen = append(seen, h)
		return true
	}
	for _, ex := range examples {
		seen = seen[:0]
		m.fields(ex.Title, ex.Body, func(text string, max int, tag uint64, _ float32) {
			fieldTerms(text, max, tag, collect)
		})
		slices.Sort(seen)
		for _, h := range slices.Compact(seen) {
			df[h]++
		}
	}
	type term struct {
		hash uint64
		docs int32
	}
	var terms []term
	for h, n := range df {
		if int(n) >= opts.MinDocs {
			terms = append(terms, term{h, n})
		}
	}
	slices.SortFunc(terms, func(a, b term) int {
		return cmp.Or(cmp.Compare(b.docs, a.docs), cmp.Compare(a.hash, b.hash))
	})
	limit := min(opts.MaxFeatures, maxFeatures, maxWeightBytes/(4*len(m.labels)))
	terms = terms[:min(len(terms), limit)]
	m.hashes = make([]uint64, len(terms))
	m.idf = make([]float32, len(terms))
	n := float64(len(examples))
	for i, t := range terms {
		m.hashes[i] = t.hash
		m.idf[i] = float32(math.Log((1+n)/(1+float64(t.docs))) + 1)
	}
	m.buildIndex()
}

func (m *Model) buildIndex() {
	m.index = newFeatureIndex(m.hashes)
}

// scratch is the per-call memory of vector, kept in a pool so that predicting allocates little.
type scratch struct {
	counts  []float32 // by feature; zero outside touched
	touched []int32
	row     []entry
	acc     []float32 // scores as they are summed
	scores  []float64
}

func (m *Model) newScratch() *scratch {
	return &scratch{counts: make([]float32, len(m.hashes)), acc: make([]float32, len(m.labels)), scores: make([]float64, len(m.labels))}
}

// vector returns the weighted features of a request (valid until s is used again) and how many
// distinct known features it has.
func (m *Model) vector(title, body string, s *scratch) ([]entry, int) {
	s.row = s.row[:0]
	m.fields(title, body, func(text string, max int, tag uint64, weight float32) {
		s.row = m.fieldVector(text, max, tag, weight, s)
	})
	return s.row, len(s.row)
}

// fields calls do with each field of a request the model reads, with its weight.
func (m *Model) fields(title, body string, do func(text string, max int, tag uint64, weight float32)) {
	do(title, MaxTitleRunes, tagTitle, m.titleW)
	do(body, MaxBodyRunes, tagBody, 1)
}

// fieldVector appends one field's weighted features to s.row, scaled by weight.
func (m *Model) fieldVector(text string, max int, tag uint64, weight float32, s *scratch) []entry {
	s.touched = s.touched[:0]
	fieldTerms(text, max, tag, func(h uint64) bool {
		f := m.index.find(h)
		if f < 0 {
			return false
		}
		if s.counts[f] == 0 {
			s.touched = append(s.touched, f)
		}
		s.counts[f]++
		return true
	})
	from := len(s.row)
	for _, f := range s.touched {
		s.row = append(s.row, entry{f, s.counts[f]})
		s.counts[f] = 0
	}
	field := s.row[from:]
	weigh(field, m.idf)
	for i := range field {
		field[i].value *= weight
	}
	return s.row
}

// scores sets s.scores to the SVMs' decision values for row.
func (m *Model) scores(row []entry, s *scratch) []float64 {
	k := len(m.labels)
	acc := s.acc[:k]
	copy(acc, m.bias)
	for _, e := range row {
		w := m.weights[int(e.feature)*k:][:k]
		for c := range acc {
			acc[c] += w[c] * e.value
		}
	}
	for c, v := range acc {
		s.scores[c] = float64(v)
	}
	return s.scores
}

// softmax turns scores into probabilities in place.
func softmax(scores []float64, scale float64) {
	top := slices.Max(scores)
	sum := 0.0
	for i, v := range scores {
		scores[i] = math.Exp(scale * (v - top))
		sum += scores[i]
	}
	for i := range scores {
		scores[i] /= sum
	}
}

// Predict suggests labels for a request. Any text is accepted: what the model cannot read (emoji,
// other scripts, an empty text) only lowers the confidence.
func (m *Model) Predict(title, body string) Prediction {
	s, _ := m.scratch.Get().(*scratch)
	if s == nil {
		s = m.newScratch()
	}
	defer m.scratch.Put(s)
	row, evidence := m.vector(title, body, s)
	p := m.scores(row, s)
	softmax(p, m.scale)
	trust := min(1, float64(evidence)/fullEvidence)
	for i := range p {
		p[i] = trust*p[i] + (1-trust)*m.prior[i]
	}
	var top [3]Scored
	n := 0
	for i, v := range p {
		if n < len(top) {
			n++
		} else if v <= top[n-1].Confidence {
			continue
		}
		j := n - 1
		for j > 0 && top[j-1].Confidence < v {
			top[j] = top[j-1]
			j--
		}
		top[j] = Scored{m.labels[i], v}
	}
	pred := Prediction{Top: slices.Clone(top[:n])}
	pred.Confident = m.thresholds.Confident(pred.Top)
	return pred
}
