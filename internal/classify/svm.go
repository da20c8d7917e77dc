package classify

import (
	"math"
	"math/rand/v2"
)

// matrix holds training vectors row by row (compressed sparse rows).
type matrix struct {
	start   []int // row i is entries[start[i]:start[i+1]]
	entries []entry
	columns int
}

func (m *matrix) row(i int) []entry { return m.entries[m.start[i]:m.start[i+1]] }

// maxNegatives bounds how many examples of other labels each label's SVM is trained against. With
// many labels, each one's SVM would otherwise visit every example many times; instead it sees
// every example of its own label and an even sample of each other label, weighted up to stand for
// all of that label (an unbiased estimate of the full loss). Below the bound nothing is sampled.
const maxNegatives = 2000

// svmExample is one row in one label's training set.
type svmExample struct {
	row    int
	y      float64 // +1 for the label, -1 for the others
	weight float64
}

// trainSVM fits one linear support vector machine per class (that class against the rest) on the
// given rows, with the squared hinge loss and L2 regularisation, by dual coordinate descent (Hsieh
// et al. 2008, as in LIBLINEAR): no learning rate to tune. It returns weights laid out feature by
// feature ([feature*classes+class]), so that scoring a sparse vector reads memory in order, and a
// bias per class.
func trainSVM(x *matrix, y []int, rows []int, classes int, c float64, seed uint64) (w, bias []float32) {
	rng := rand.New(rand.NewPCG(seed, 0x5eed))
	byClass := make([][]int, classes)
	for _, i := range rows {
		byClass[y[i]] = append(byClass[y[i]], i)
	}
	quota := (maxNegatives + classes - 2) / max(classes-1, 1)
	w = make([]float32, x.columns*classes)
	bias = make([]float32, classes)
	wk := make([]float64, x.columns)
	var set []svmExample
	for class := range classes {
		set = set[:0]
		for other, members := range byClass {
			switch {
			case other == class:
				for _, i := range members {
					set = append(set, svmExample{i, 1, 1})
				}
			case len(members) <= quota:
				for _, i := range members {
					set = append(set, svmExample{i, -1, 1})
				}
			default:
				weight := float64(len(members)) / float64(quota)
				for _, k := range rng.Perm(len(members))[:quota] {
					set = append(set, svmExample{members[k], -1, weight})
				}
			}
		}
		clear(wk)
		b := solveDual(x, set, c, wk, rng)
		for f, v := range wk {
			w[f*classes+class] = float32(v)
		}
		bias[class] = float32(b)
	}
	return w, bias
}

// solveDual minimises ½‖w‖² + Σ C·weightᵢ·max(0, 1 − yᵢ(w·xᵢ + b))² over w (left in w) and b
// (returned), the bias being the weight of a constant input 1.
func solveDual(x *matrix, set []svmExample, c float64, w []float64, rng *rand.Rand) float64 {
	const (
		maxPasses = 50
		tolerance = 0.1 // on the projected gradient, LIBLINEAR's default
	)
	diag := make([]float64, len(set)) // 1 / (2 C weightᵢ)
	qd := make([]float64, len(set))
	for k, ex := range set {
		diag[k] = 1 / (2 * c * ex.weight)
		qd[k] = diag[k] + 1
		for _, e := range x.row(ex.row) {
			qd[k] += float64(e.value) * float64(e.value)
		}
	}
	alpha := make([]float64, len(set))
	order := rng.Perm(len(set))
	b := 0.0
	for range maxPasses {
		rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		maxPG, minPG := math.Inf(-1), math.Inf(1)
		for _, k := range order {
			ex := set[k]
			row := x.row(ex.row)
			dot := b
			for _, e := range row {
				dot += w[e.feature] * float64(e.value)
			}
			g := ex.y*dot - 1 + diag[k]*alpha[k]
			pg := g
			if alpha[k] == 0 && g > 0 {
				pg = 0
			}
			maxPG, minPG = max(maxPG, pg), min(minPG, pg)
			if pg == 0 {
				continue
			}
			old := alpha[k]
			alpha[k] = max(old-g/qd[k], 0)
			d := (alpha[k] - old) * ex.y
			for _, e := range row {
				w[e.feature] += d * float64(e.value)
			}
			b += d
		}
		if maxPG-minPG < tolerance {
			break
		}
	}
	return b
}
