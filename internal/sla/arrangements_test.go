package sla_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/cityline/cityline/internal/calendar"
	"github.com/cityline/cityline/internal/sla"
	"github.com/cityline/cityline/internal/workorder"
)

const year2027 = `year 2027 https://example.org/2027
off  2027-01-01             元旦
off  2027-02-06..2027-02-12 春节
work 2027-02-20             春节
`

func parse(t *testing.T, text string) []calendar.Arrangement {
	t.Helper()
	a, err := calendar.Parse(strings.NewReader(text))
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestFormatArrangementRoundTrips(t *testing.T) {
	in := parse(t, year2027)
	text := sla.FormatArrangement(in[0])
	if !strings.HasPrefix(text, "year 2027 https://example.org/2027\n") || !strings.Contains(text, "off 2027-02-06..2027-02-12 春节\n") {
		t.Errorf("formatted:\n%s", text)
	}
	if back := parse(t, text); !reflect.DeepEqual(back, in) {
		t.Errorf("round trip: %+v, want %+v", back, in)
	}
}

func TestMergeArrangements(t *testing.T) {
	stored := parse(t, year2027)
	fix := parse(t, "year 2027\noff 2027-01-01 元旦\noff 2027-01-04 地方节日\n")
	merged, err := sla.MergeArrangements(stored, fix)
	if err != nil {
		t.Fatal(err)
	}
	if len(merged) != 1 || len(merged[0].Entries) != 2 {
		t.Errorf("an imported year replaces the stored one whole: %+v", merged)
	}
	next := parse(t, "year 2028\noff 2028-01-01 元旦\n")
	merged, err = sla.MergeArrangements(stored, next)
	if err != nil || len(merged) != 2 || merged[0].Year != 2027 || merged[1].Year != 2028 {
		t.Errorf("adding 2028 after 2027: %v %+v", err, merged)
	}
	for name, tc := range map[string]struct {
		stored, incoming []calendar.Arrangement
		says             string
	}{
		"gap":           {nil, next, "year 2027: no arrangement"},
		"contradiction": {nil, parse(t, "year 2025\noff 2025-10-01 国庆节\nwork 2025-10-01 国庆节\n"), "2025-10-01"},
		"empty file":    {stored, nil, "no year"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := sla.MergeArrangements(tc.stored, tc.incoming)
			var fe *workorder.FieldError
			if !errors.As(err, &fe) || !strings.Contains(fe.Reason, tc.says) {
				t.Errorf("got %v, want a refusal mentioning %q", err, tc.says)
			}
		})
	}
}
