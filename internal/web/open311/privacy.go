package open311

import (
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/cityline/cityline/internal/access"
	"github.com/cityline/cityline/internal/workorder"
)

// Numbers that identify a person when they turn up in free text: mainland mobiles, landlines with
// their area code, and resident ID numbers.
var (
	mobileInText   = regexp.MustCompile(`\b1[3-9]\d{9}\b`)
	landlineInText = regexp.MustCompile(`\b0\d{2,3}-\d{7,8}\b`)
	idNumberInText = regexp.MustCompile(`\b\d{17}[\dXx]\b`)
)

// redactor hides the caller of one order in text that leaves through Open311: the caller's own
// name, phone and ID number wherever someone typed them (a reply often greets the caller by name),
// and any phone or ID number at all. Open311 answers are public; the caller never is.
func redactor(t workorder.Ticket) func(string) string {
	c := t.Caller
	var pairs []string
	for _, p := range []struct {
		value string
		mask  func(string) string
	}{{c.Phone, access.MaskPhone}, {c.IDNumber, access.MaskIDNumber}, {c.Name, access.MaskName}} {
		// A one-character name would blot out that character everywhere; it identifies nobody.
		if utf8.RuneCountInString(p.value) >= 2 {
			pairs = append(pairs, p.value, p.mask(p.value))
		}
	}
	own := strings.NewReplacer(pairs...)
	return func(s string) string {
		s = own.Replace(s)
		s = idNumberInText.ReplaceAllStringFunc(s, access.MaskIDNumber)
		s = mobileInText.ReplaceAllStringFunc(s, access.MaskPhone)
		return landlineInText.ReplaceAllStringFunc(s, access.MaskPhone)
	}
}
