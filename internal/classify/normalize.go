package classify

import (
	"unicode"
	"unicode/utf8"
)

// Limits on how much of a request is read: a pasted document costs no more than a long message, and
// the opening of a message says what it is about.
const (
	MaxTitleRunes = 200
	MaxBodyRunes  = 2000
)

// The common CJK block, where nearly every character of a message lies; checking it first spares
// the general Unicode tables.
const (
	cjkFirst = 0x4E00
	cjkLast  = 0x9FFF
)

// simplified maps a traditional character of the common CJK block, less cjkFirst, to its
// simplified form (see tradPairs); 0 where there is none.
var simplified = func() []rune {
	table := make([]rune, cjkLast-cjkFirst+1)
	var from rune
	for i, r := range []rune(tradPairs) {
		if i%2 == 0 {
			from = r
		} else {
			table[from-cjkFirst] = r
		}
	}
	return table
}()

// normalRune folds the forms of a character that mean the same to a classifier: full-width Latin
// letters and digits to ASCII, upper to lower case, traditional to simplified characters, and every
// digit to 0 (house numbers and dates say nothing about the matter).
func normalRune(r rune) rune {
	if r >= 0xFF01 && r <= 0xFF5E {
		r -= 0xFEE0
	}
	switch {
	case r >= cjkFirst && r <= cjkLast:
		if s := simplified[r-cjkFirst]; s != 0 {
			return s
		}
		return r
	case r < utf8.RuneSelf:
		if r >= 'A' && r <= 'Z' {
			return r + 'a' - 'A'
		}
		if r >= '0' && r <= '9' {
			return '0'
		}
		return r
	case unicode.Is(unicode.Han, r):
		return r
	case unicode.IsDigit(r):
		return '0'
	}
	return unicode.ToLower(r)
}

// runeKind sorts a normalised character: Han characters make n-grams, letters and digits of other
// scripts make words, and everything else (punctuation, spaces, emoji) separates them.
type runeKind uint8

const (
	kindSeparator runeKind = iota
	kindHan
	kindWord
)

func kindOf(r rune) runeKind {
	switch {
	case r >= cjkFirst && r <= cjkLast:
		return kindHan
	case r < utf8.RuneSelf:
		if r >= 'a' && r <= 'z' || r == '0' {
			return kindWord
		}
		return kindSeparator
	case unicode.Is(unicode.Han, r):
		return kindHan
	case unicode.IsLetter(r) || unicode.IsDigit(r):
		return kindWord
	}
	return kindSeparator
}

// walk calls visit with each of the first max characters of text, folded, and its kind.
func walk(text string, max int, visit func(r rune, kind runeKind)) {
	n := 0
	for _, r := range text {
		if n == max {
			return
		}
		n++
		r = normalRune(r)
		visit(r, kindOf(r))
	}
}
