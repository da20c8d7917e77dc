// Package hotline is the catalogue of the former hotlines that now answer through 12345. Callers still
// dial the old numbers and name the old services, so agents, statistics and routing need to know which
// former line a request belongs to. It knows nothing of storage or HTTP.
package hotline

import (
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"
)

// Line is one former hotline merged into 12345.
type Line struct {
	Code         string // stable short ASCII id, kept when names or numbers change
	Name         string // Chinese name as callers know it
	FormerNumber string // the number it had before the merger; empty for lines with only local numbers
	Description  string // what it answers, in Chinese
}

var codePattern = regexp.MustCompile(`^[a-z][a-z0-9_]{1,31}$`)

var numberPattern = regexp.MustCompile(`^[0-9]{3,12}$`)

// Validate checks one line's fields, naming the first one that is wrong.
func (l Line) Validate() error {
	switch {
	case !codePattern.MatchString(l.Code):
		return fmt.Errorf("code %q: 2-32 characters of a-z, 0-9 and '_', starting with a letter", l.Code)
	case strings.TrimSpace(l.Name) == "":
		return fmt.Errorf("name: required (line %s)", l.Code)
	case utf8.RuneCountInString(l.Name) > 50:
		return fmt.Errorf("name: at most 50 characters (line %s)", l.Code)
	case l.FormerNumber != "" && !numberPattern.MatchString(l.FormerNumber):
		return fmt.Errorf("former_number %q: digits only (line %s)", l.FormerNumber, l.Code)
	case utf8.RuneCountInString(l.Description) > 500:
		return fmt.Errorf("description: at most 500 characters (line %s)", l.Code)
	}
	return nil
}

// ValidateAll checks every line and that no code or former number is used twice, because the codes
// are keys for statistics and routing and a number can only lead to one line.
func ValidateAll(lines []Line) error {
	codes := map[string]bool{}
	numbers := map[string]string{}
	for _, l := range lines {
		if err := l.Validate(); err != nil {
			return err
		}
		if codes[l.Code] {
			return fmt.Errorf("code %q: used by two lines", l.Code)
		}
		codes[l.Code] = true
		if l.FormerNumber == "" {
			continue
		}
		if other, ok := numbers[l.FormerNumber]; ok {
			return fmt.Errorf("former_number %s: used by lines %s and %s", l.FormerNumber, other, l.Code)
		}
		numbers[l.FormerNumber] = l.Code
	}
	return nil
}

// Catalogue returns the 41 hotlines that 12345 answers for, in the order screens list them. The caller
// gets its own copy and may change it freely.
func Catalogue() []Line {
	return append([]Line(nil), catalogue...)
}
