package calendar

import (
	"bufio"
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
)

// Kind says what an entry makes of its days, overriding the weekend rule (Saturday and Sunday off).
type Kind uint8

const (
	// DayOff is a statutory day off, or a weekday moved into a holiday (放假).
	DayOff Kind = iota + 1
	// WorkDay is a day worked although the weekend rule would make it a day off: a make-up day
	// (调休上班). The notices occasionally also name a weekday, which changes nothing.
	WorkDay
)

// String is the word the calendar format uses: off or work.
func (k Kind) String() string {
	switch k {
	case DayOff:
		return "off"
	case WorkDay:
		return "work"
	}
	return fmt.Sprintf("Kind(%d)", uint8(k))
}

// Entry names a run of consecutive days, First to Last inclusive (one day when they are equal).
type Entry struct {
	First, Last Date
	Kind        Kind
	// Name is the holiday the days belong to, as the notice calls it: 春节, 国庆节、中秋节.
	Name string
}

// String is the entry as a line of the calendar format: "off 2025-10-01..2025-10-08 国庆节、中秋节".
func (e Entry) String() string { return e.Kind.String() + " " + e.dates() + " " + e.Name }

// Days is how many days the entry names.
func (e Entry) Days() int { return int(e.Last.day()-e.First.day()) + 1 }

func (e Entry) dates() string {
	if e.First == e.Last {
		return e.First.String()
	}
	return e.First.String() + ".." + e.Last.String()
}

// check says what is wrong with an entry of year's arrangement, naming its dates. Entries may reach
// into the December before or the January after (2019's New Year holiday began on 2018-12-30), but
// not further: a date further away is a typing mistake.
func (e Entry) check(year int) error {
	if !e.First.valid() || !e.Last.valid() {
		return fmt.Errorf("%s: no such date", e.dates())
	}
	if e.Last.before(e.First) {
		return fmt.Errorf("%s: ends before it starts", e.dates())
	}
	if e.Kind != DayOff && e.Kind != WorkDay {
		return fmt.Errorf("%s: kind must be off or work, got %s", e.dates(), e.Kind)
	}
	if strings.TrimSpace(e.Name) == "" {
		return fmt.Errorf("%s: name is empty", e.dates())
	}
	if e.First.before(Date{year - 1, 12, 1}) || (Date{year + 1, 1, 31}).before(e.Last) {
		return fmt.Errorf("%s: not in %d nor in the month either side of it", e.dates(), year)
	}
	return nil
}

// Arrangement is one year's holiday arrangement, as the State Council's yearly notice
// (国务院办公厅关于YYYY年部分节假日安排的通知) sets it, or as a deployment adds or corrects it.
type Arrangement struct {
	Year int
	// Sources say where the facts were published, so that anyone can check them.
	Sources []string
	Entries []Entry
}

// Parse reads arrangements in the calendar format (docs/time-limits.md): a line "year 2027 [SOURCE…]"
// begins a year, and the lines after it until the next are its entries, "off DATE[..DATE] NAME" or
// "work DATE[..DATE] NAME". Blank lines and lines starting with # are ignored. Errors name the line.
func Parse(r io.Reader) ([]Arrangement, error) {
	var out []Arrangement
	began := map[int]int{}
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Fields(line)
		switch f[0] {
		case "year":
			y, err := parseYear(f)
			if err != nil {
				return nil, fmt.Errorf("line %d: %w", n, err)
			}
			if at, ok := began[y]; ok {
				return nil, fmt.Errorf("line %d: year %d already began on line %d", n, y, at)
			}
			began[y] = n
			out = append(out, Arrangement{Year: y, Sources: f[2:]})
		case DayOff.String(), WorkDay.String():
			if len(out) == 0 {
				return nil, fmt.Errorf("line %d: %q comes before the first year line", n, f[0])
			}
			e, err := parseEntry(f)
			if err == nil {
				err = e.check(out[len(out)-1].Year)
			}
			if err != nil {
				return nil, fmt.Errorf("line %d: %w", n, err)
			}
			out[len(out)-1].Entries = append(out[len(out)-1].Entries, e)
		default:
			return nil, fmt.Errorf("line %d: %q: want year, off or work", n, f[0])
		}
	}
	return out, sc.Err()
}

func parseYear(f []string) (int, error) {
	if len(f) < 2 {
		return 0, errors.New("want 'year YYYY [SOURCE…]'")
	}
	y, err := strconv.Atoi(f[1])
	if err != nil || y < 1000 || y > 9999 {
		return 0, fmt.Errorf("year %q: want four digits", f[1])
	}
	return y, nil
}

func parseEntry(f []string) (Entry, error) {
	if len(f) < 3 {
		return Entry{}, fmt.Errorf("want '%s DATE[..DATE] NAME'", f[0])
	}
	e := Entry{Kind: DayOff, Name: strings.Join(f[2:], " ")}
	if f[0] == WorkDay.String() {
		e.Kind = WorkDay
	}
	first, last, isRange := strings.Cut(f[1], "..")
	var err error
	if e.First, err = ParseDate(first); err != nil {
		return Entry{}, err
	}
	e.Last = e.First
	if isRange {
		if e.Last, err = ParseDate(last); err != nil {
			return Entry{}, err
		}
	}
	return e, nil
}

// holidaysFile holds China's arrangements 2019-2026, converted from holiday-cn (see data/README.md).
//
//go:embed data/holidays.txt
var holidaysFile []byte

// base is the embedded arrangements, parsed once.
var base = sync.OnceValues(func() ([]Arrangement, error) {
	a, err := Parse(bytes.NewReader(holidaysFile))
	if err != nil {
		return nil, fmt.Errorf("embedded data/holidays.txt: %w", err)
	}
	return a, nil
})
