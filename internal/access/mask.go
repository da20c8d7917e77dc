package access

import "strings"

// Phone numbers, ID numbers and names are personal data: every view and export shows them masked
// unless the policy lets the viewer see them in full.

// PersonalView returns value in full when the actor may see personal data (ActionViewPersonalData),
// and mask(value) otherwise. It judges against the zero Target, so only actors whose scope is the
// whole city (the 12345 centre) see values in full here; a view that knows the record's place should
// call Allow with that Target instead.
func PersonalView(a Actor, value string, mask func(string) string) string {
	if Allow(a, ActionViewPersonalData, Target{}) == nil {
		return value
	}
	return mask(value)
}

// MaskPhone keeps what helps a person recognise a number without revealing it: a mobile number's
// first 3 and last 4 digits (138****5678), a landline's area code and last 4 digits (0473-***4567).
// Anything else keeps only its last 4 characters.
func MaskPhone(phone string) string {
	phone = strings.TrimSpace(phone)
	switch {
	case len(phone) == 11 && phone[0] == '1' && allDigits(phone):
		return keepEnds(phone, 3, 4)
	case strings.HasPrefix(phone, "0"):
		if area, number, ok := strings.Cut(phone, "-"); ok {
			return area + "-" + keepEnds(number, 0, 4)
		}
		if allDigits(phone) && len(phone) > 7 {
			// Beijing (010) and the big cities (020-029) have 3-digit area codes, the rest 4.
			n := 4
			if phone[1] == '1' || phone[1] == '2' {
				n = 3
			}
			return phone[:n] + keepEnds(phone[n:], 0, 4)
		}
	}
	return keepEnds(phone, 0, 4)
}

// MaskIDNumber keeps the first 6 characters (the region of issue) and the last 4 of an ID number.
func MaskIDNumber(id string) string {
	return keepEnds(strings.TrimSpace(id), 6, 4)
}

// MaskName keeps the family name and, for names of three characters or more, the last character:
// 张三丰 → 张*丰, 张三 → 张*.
func MaskName(name string) string {
	name = strings.TrimSpace(name)
	if len([]rune(name)) <= 2 {
		return keepEnds(name, 1, 0)
	}
	return keepEnds(name, 1, 1)
}

// keepEnds replaces every character but the first head and the last tail with '*'. A value too short
// to keep anything is masked entirely.
func keepEnds(s string, head, tail int) string {
	r := []rune(s)
	if len(r) <= head+tail {
		return strings.Repeat("*", len(r))
	}
	return string(r[:head]) + strings.Repeat("*", len(r)-head-tail) + string(r[len(r)-tail:])
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}
