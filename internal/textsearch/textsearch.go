// Package textsearch turns Chinese and mixed text into index terms that both SQLite FTS5 and
// PostgreSQL full-text search can match with a plain whitespace tokenizer. Chinese has no spaces
// between words, so each run of Han characters is indexed as its overlapping character pairs
// (bigrams) plus its last character: any query of two or more characters becomes the AND of its
// bigrams, and a one-character query is a prefix match on the terms that start with it.
package textsearch

import (
	"strings"
	"unicode"
)

// MaxQueryTerms bounds a query so that a pasted essay cannot make a search slow.
const MaxQueryTerms = 16

func isHan(r rune) bool { return unicode.Is(unicode.Han, r) }

func isWordRune(r rune) bool {
	return (unicode.IsLetter(r) || unicode.IsDigit(r)) && !isHan(r)
}

// runs splits text into Han runs and word runs (letters and digits of other scripts, lower-cased);
// everything else separates them.
func runs(text string, emit func(han bool, run []rune)) {
	var cur []rune
	curHan := false
	flush := func() {
		if len(cur) > 0 {
			emit(curHan, cur)
			cur = cur[:0]
		}
	}
	for _, r := range text {
		switch {
		case isHan(r):
			if !curHan {
				flush()
			}
			curHan = true
			cur = append(cur, r)
		case isWordRune(r):
			if curHan {
				flush()
			}
			curHan = false
			cur = append(cur, unicode.ToLower(r))
		default:
			flush()
		}
	}
	flush()
}

// IndexTerms returns the space-separated terms to index for text.
func IndexTerms(text string) string {
	var b strings.Builder
	add := func(term []rune) {
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(string(term))
	}
	runs(text, func(han bool, run []rune) {
		if !han {
			add(run)
			return
		}
		for i := 0; i+1 < len(run); i++ {
			add(run[i : i+2])
		}
		add(run[len(run)-1:])
	})
	return b.String()
}

// Term is one query term; Prefix asks for every indexed term that starts with it.
type Term struct {
	Text   string
	Prefix bool
}

// QueryTerms returns the terms all of which a matching text must contain, at most MaxQueryTerms.
// Word runs match as prefixes, so "wuh" finds "wuhai".
func QueryTerms(query string) []Term {
	var out []Term
	seen := map[Term]bool{}
	add := func(t Term) {
		if !seen[t] && len(out) < MaxQueryTerms {
			seen[t] = true
			out = append(out, t)
		}
	}
	runs(query, func(han bool, run []rune) {
		switch {
		case !han:
			add(Term{Text: string(run), Prefix: true})
		case len(run) == 1:
			add(Term{Text: string(run), Prefix: true})
		default:
			for i := 0; i+1 < len(run); i++ {
				add(Term{Text: string(run[i : i+2])})
			}
		}
	})
	return out
}
