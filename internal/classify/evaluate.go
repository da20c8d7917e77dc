package classify

import (
	"fmt"
	"slices"
)

// ClassReport is how well one label is predicted.
type ClassReport struct {
	Label                 string
	Support               int // examples with this label
	Precision, Recall, F1 float64
}

// Report sums up an evaluation.
type Report struct {
	Examples int
	Accuracy float64
	// MacroF1 is the mean F1 of the labels that occur (as the truth or as a prediction), so that
	// rare labels count as much as common ones.
	MacroF1 float64
	Classes []ClassReport
	// Labels names the rows and columns of Confusion, sorted.
	Labels []string
	// Confusion[i][j] counts examples of label i predicted as label j.
	Confusion [][]int
	// Confident counts the predictions that passed the thresholds, and ConfidentCorrect those of
	// them that were right: what acting on confident suggestions alone would give.
	Confident, ConfidentCorrect int
	// MeanConfidence is the mean probability of the top label; with calibrated probabilities it is
	// close to Accuracy.
	MeanConfidence float64
}

// CrossValidate estimates how well a model trained on examples predicts unseen ones: it splits them
// into folds (each label spread evenly), trains on all folds but one with opts and tests on the one
// left out, in turn.
func CrossValidate(examples []Example, folds int, opts Options) (Report, error) {
	if folds < 2 || folds > len(examples) {
		return Report{}, fmt.Errorf("folds: want 2 to %d (the number of examples), got %d", len(examples), folds)
	}
	labels, y, err := labelsOf(examples)
	if err != nil {
		return Report{}, err
	}
	assigned := stratifiedFolds(y, len(labels), folds, opts.Seed)
	ev := newEvaluation(labels)
	for f := range folds {
		var train, test []Example
		for i, ex := range examples {
			if assigned[i] == f {
				test = append(test, ex)
			} else {
				train = append(train, ex)
			}
		}
		m, err := Train(train, opts)
		if err != nil {
			return Report{}, fmt.Errorf("fold %d: %w", f+1, err)
		}
		for _, ex := range test {
			ev.add(ex.Label, m.Predict(ex.Title, ex.Body))
		}
	}
	return ev.report(), nil
}

// Evaluate tests a trained model on labelled examples it has not seen.
func (m *Model) Evaluate(examples []Example) (Report, error) {
	if len(examples) == 0 {
		return Report{}, fmt.Errorf("no examples to test on")
	}
	labels := m.Labels()
	for _, ex := range examples {
		if !slices.Contains(labels, ex.Label) {
			labels = append(labels, ex.Label)
		}
	}
	slices.Sort(labels)
	ev := newEvaluation(labels)
	for _, ex := range examples {
		ev.add(ex.Label, m.Predict(ex.Title, ex.Body))
	}
	return ev.report(), nil
}

// evaluation gathers predictions against the truth.
type evaluation struct {
	r     Report
	label map[string]int
	conf  float64
}

func newEvaluation(labels []string) *evaluation {
	ev := &evaluation{r: Report{Labels: labels, Confusion: make([][]int, len(labels))}, label: map[string]int{}}
	for i, l := range labels {
		ev.label[l] = i
		ev.r.Confusion[i] = make([]int, len(labels))
	}
	return ev
}

func (ev *evaluation) add(truth string, p Prediction) {
	ev.r.Examples++
	ev.conf += p.Top[0].Confidence
	ev.r.Confusion[ev.label[truth]][ev.label[p.Label()]]++
	if p.Confident {
		ev.r.Confident++
		if p.Label() == truth {
			ev.r.ConfidentCorrect++
		}
	}
}

func (ev *evaluation) report() Report {
	r := ev.r
	correct, present := 0, 0
	for i, l := range r.Labels {
		c := ClassReport{Label: l}
		predicted := 0
		for j := range r.Labels {
			c.Support += r.Confusion[i][j]
			predicted += r.Confusion[j][i]
		}
		hit := r.Confusion[i][i]
		correct += hit
		c.Precision, c.Recall = ratio(hit, predicted), ratio(hit, c.Support)
		if c.Precision+c.Recall > 0 {
			c.F1 = 2 * c.Precision * c.Recall / (c.Precision + c.Recall)
		}
		if c.Support+predicted > 0 {
			r.MacroF1 += c.F1
			present++
		}
		r.Classes = append(r.Classes, c)
	}
	r.MacroF1 /= float64(max(present, 1))
	r.Accuracy = ratio(correct, r.Examples)
	r.MeanConfidence = ev.conf / float64(max(r.Examples, 1))
	return r
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}
