package sla

import (
	"fmt"
	"slices"
	"strings"

	"github.com/cityline/cityline/internal/calendar"
)

// FormatArrangement writes one year's arrangement in the calendar format (docs/time-limits.md), the
// form a deployment's own years are stored and shown in: calendar.Parse reads it back unchanged.
func FormatArrangement(a calendar.Arrangement) string {
	var b strings.Builder
	b.WriteString("year " + fmt.Sprint(a.Year))
	for _, s := range a.Sources {
		b.WriteString(" " + s)
	}
	b.WriteString("\n")
	for _, e := range a.Entries {
		b.WriteString(e.String() + "\n")
	}
	return b.String()
}

// MergeArrangements lays incoming years over a deployment's stored ones — an imported year replaces
// the stored arrangement of that year whole — and checks that the result builds a calendar with the
// embedded years: a contradictory entry, or a gap between the years known, is refused with the reason
// and nothing changes. It returns the merged years, oldest first.
func MergeArrangements(stored, incoming []calendar.Arrangement) ([]calendar.Arrangement, error) {
	if len(incoming) == 0 {
		return nil, fieldErr("calendar", "no year in the file: want lines such as 'year 2027' followed by 'off' and 'work' entries")
	}
	byYear := map[int]calendar.Arrangement{}
	for _, a := range stored {
		byYear[a.Year] = a
	}
	for _, a := range incoming {
		byYear[a.Year] = a
	}
	merged := make([]calendar.Arrangement, 0, len(byYear))
	for _, a := range byYear {
		merged = append(merged, a)
	}
	slices.SortFunc(merged, func(a, b calendar.Arrangement) int { return a.Year - b.Year })
	if _, err := calendar.New(calendar.Config{Extra: merged}); err != nil {
		return nil, fieldErr("calendar", "%v", err)
	}
	return merged, nil
}
