package calendar

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Period is one stretch of working time in a day, from Start up to but not including End, both
// measured from midnight in Asia/Shanghai: 08:30-12:00 is {8h30m, 12h}.
type Period struct {
	Start, End time.Duration
}

func (p Period) String() string { return clockTime(p.Start) + "-" + clockTime(p.End) }

// Hours are the periods a working day is worked, in order. The same hours apply to every working
// day, make-up Saturdays and Sundays included.
type Hours []Period

// DefaultHours are the office hours of a government hotline's units: 08:30-12:00 and 14:30-18:00,
// seven working hours a day. Deployments with other hours (summer hours, 09:00-17:00) set their own.
func DefaultHours() Hours {
	return Hours{{8*time.Hour + 30*time.Minute, 12 * time.Hour}, {14*time.Hour + 30*time.Minute, 18 * time.Hour}}
}

// ParseHours reads hours written as in String: "08:30-12:00,14:30-18:00".
func ParseHours(s string) (Hours, error) {
	var h Hours
	for _, part := range strings.Split(s, ",") {
		from, to, ok := strings.Cut(strings.TrimSpace(part), "-")
		start, err1 := parseClock(from)
		end, err2 := parseClock(to)
		if !ok || err1 != nil || err2 != nil {
			return nil, fmt.Errorf("%q: want periods such as 08:30-12:00,14:30-18:00", part)
		}
		h = append(h, Period{start, end})
	}
	return h, h.check()
}

// String writes the hours as ParseHours reads them.
func (h Hours) String() string {
	parts := make([]string, len(h))
	for i, p := range h {
		parts[i] = p.String()
	}
	return strings.Join(parts, ",")
}

// check refuses hours the calculator cannot reason with: none at all, a period that ends before it
// starts or outside the day, periods out of order or overlapping.
func (h Hours) check() error {
	if len(h) == 0 {
		return errors.New("no working periods")
	}
	for i, p := range h {
		switch {
		case p.Start < 0 || p.End > 24*time.Hour:
			return fmt.Errorf("%s: outside 00:00-24:00", p)
		case p.End <= p.Start:
			return fmt.Errorf("%s: ends before it starts", p)
		case i > 0 && p.Start < h[i-1].End:
			return fmt.Errorf("%s: starts before %s ends", p, h[i-1])
		}
	}
	return nil
}

// total is the working time of one working day.
func (h Hours) total() time.Duration {
	var sum time.Duration
	for _, p := range h {
		sum += p.End - p.Start
	}
	return sum
}

// worked is the working time of a working day between midnight and time of day tod.
func (h Hours) worked(tod time.Duration) time.Duration {
	var sum time.Duration
	for _, p := range h {
		if tod <= p.Start {
			break
		}
		sum += min(tod, p.End) - p.Start
	}
	return sum
}

// reach is the earliest time of day by which a working day has worked w (0 < w <= total): the
// inverse of worked, choosing the end of a period (12:00) over the start of the next (14:30).
func (h Hours) reach(w time.Duration) time.Duration {
	for _, p := range h {
		if length := p.End - p.Start; w > length {
			w -= length
			continue
		}
		return p.Start + w
	}
	return h[len(h)-1].End
}

func parseClock(s string) (time.Duration, error) {
	if s == "24:00" {
		return 24 * time.Hour, nil
	}
	t, err := time.Parse("15:04", s)
	if err != nil {
		return 0, err
	}
	return time.Duration(t.Hour())*time.Hour + time.Duration(t.Minute())*time.Minute, nil
}

func clockTime(d time.Duration) string {
	return fmt.Sprintf("%02d:%02d", int(d/time.Hour), int(d%time.Hour/time.Minute))
}
