package classify

import (
	"math"
)

// maxGram is the longest character n-gram. Chinese has no spaces between words, and most words
// are one to three characters long, so n-grams of 1 to 3 characters stand in for words without a
// dictionary.
const maxGram = 3

// Feature hashes carry the field they come from, so that a word in the title and the same word in
// the description can weigh differently.
const (
	tagBody uint64 = iota + 1
	tagTitle
	tagWord = 1 << 8
)

const (
	fnvOffset uint64 = 14695981039346656037
	fnvPrime  uint64 = 1099511628211
)

func mix(h uint64, r rune) uint64 { return (h ^ uint64(r)) * fnvPrime }

// fieldTerms calls emit with the hash of every n-gram of 1..maxGram Han characters (never across a
// separator or a word) and of every word of other scripts in the first max characters of text. The
// n-grams that end at a character come shortest first, and when emit returns false the longer ones
// are skipped: an n-gram that the vocabulary lacks cannot be the end of a longer one it has, since
// every example that holds the longer one holds its end too. (Where MaxFeatures cuts between
// n-grams seen equally often, a longer one may be kept without its end; it is then never counted,
// in training and prediction alike.)
func fieldTerms(text string, max int, tag uint64, emit func(h uint64) bool) {
	var win [maxGram]rune
	n := 0 // Han characters in win, the newest last
	word, inWord := uint64(0), false
	walk(text, max, func(r rune, kind runeKind) {
		if kind != kindWord && inWord {
			emit(word)
			inWord = false
		}
		switch kind {
		case kindHan:
			if n == maxGram {
				copy(win[:], win[1:])
				n--
			}
			win[n] = r
			n++
			for start := n - 1; start >= 0; start-- {
				h := mix(fnvOffset, rune(tag))
				for _, c := range win[start:n] {
					h = mix(h, c)
				}
				if !emit(h) {
					break
				}
			}
			return
		case kindWord:
			if !inWord {
				word, inWord = mix(fnvOffset, rune(tag|tagWord)), true
			}
			word = mix(word, r)
		}
		n = 0
	})
	if inWord {
		emit(word)
	}
}

// entry is one non-zero feature of a request's vector.
type entry struct {
	feature int32
	value   float32
}

// weigh turns term counts into the vector the classifier sees: a sublinear term frequency
// (1 + ln tf, so that a word repeated ten times is not ten times the evidence) times the inverse
// document frequency, scaled to unit length so that long and short messages compare.
func weigh(entries []entry, idf []float32) {
	var norm float64
	for i, e := range entries {
		v := idf[e.feature]
		if e.value > 1 {
			v *= 1 + float32(math.Log(float64(e.value)))
		}
		entries[i].value = v
		norm += float64(v) * float64(v)
	}
	if norm == 0 {
		return
	}
	inv := float32(1 / math.Sqrt(norm))
	for i := range entries {
		entries[i].value *= inv
	}
}
