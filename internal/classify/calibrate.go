package classify

import (
	"math"
	"math/rand/v2"
)

// calibrationExamples is how many out-of-fold scores are enough to fit one number; past it, no
// further fold is trained.
const calibrationExamples = 2000

// calibrate finds the scale that turns SVM scores into probabilities that mean what they say: it
// trains on all but one fold of the examples, scores the fold left out, and picks the scale that
// gives those out-of-fold scores the least log loss (temperature scaling, a one-parameter Platt
// scaling for many classes). Scores of examples a model has seen would be overconfident.
func calibrate(x *matrix, y []int, classes int, opts Options) float64 {
	folds := stratifiedFolds(y, classes, opts.CalibrationFolds, opts.Seed)
	scores := make([][]float64, len(y))
	m := &Model{labels: make([]string, classes)}
	scored := 0
	for f := range opts.CalibrationFolds {
		if scored >= calibrationExamples {
			break
		}
		var train, test []int
		for i, fi := range folds {
			if fi == f {
				test = append(test, i)
			} else {
				train = append(train, i)
			}
		}
		if len(test) == 0 || len(train) == 0 {
			continue
		}
		m.weights, m.bias = trainSVM(x, y, train, classes, opts.C, opts.Seed+uint64(f)+1)
		s := &scratch{acc: make([]float32, classes), scores: make([]float64, classes)}
		for _, i := range test {
			scores[i] = append([]float64(nil), m.scores(x.row(i), s)...)
		}
		scored += len(test)
	}
	// Platt's targets: the true label is given probability 1 − ε rather than 1, so that scores that
	// happen to separate every out-of-fold example do not make the scale infinite.
	eps := 1 / float64(scored+2)
	loss := func(logScale float64) float64 {
		scale := math.Exp(logScale)
		total := 0.0
		p := make([]float64, classes)
		for i, s := range scores {
			if s == nil {
				continue
			}
			copy(p, s)
			softmax(p, scale)
			for c, v := range p {
				target := eps / float64(classes-1)
				if c == y[i] {
					target = 1 - eps
				}
				total -= target * math.Log(max(v, 1e-300))
			}
		}
		return total
	}
	return math.Exp(goldenMin(loss, math.Log(0.01), math.Log(1000)))
}

// goldenMin returns the x in [a, b] where f, assumed to have one minimum there, is least.
func goldenMin(f func(float64) float64, a, b float64) float64 {
	const ratio = 0.6180339887498949
	c, d := b-ratio*(b-a), a+ratio*(b-a)
	fc, fd := f(c), f(d)
	for b-a > 1e-4 {
		if fc < fd {
			b, d, fd = d, c, fc
			c = b - ratio*(b-a)
			fc = f(c)
		} else {
			a, c, fc = c, d, fd
			d = a + ratio*(b-a)
			fd = f(d)
		}
	}
	return (a + b) / 2
}

// stratifiedFolds assigns each example to one of k folds so that every label is spread evenly over
// the folds, in an order shuffled by seed.
func stratifiedFolds(y []int, classes, k int, seed uint64) []int {
	byClass := make([][]int, classes)
	for i, c := range y {
		byClass[c] = append(byClass[c], i)
	}
	rng := rand.New(rand.NewPCG(seed, 0xf01d))
	fold := make([]int, len(y))
	next := 0
	for _, members := range byClass {
		rng.Shuffle(len(members), func(a, b int) { members[a], members[b] = members[b], members[a] })
		for _, i := range members {
			fold[i] = next
			next = (next + 1) % k
		}
	}
	return fold
}
