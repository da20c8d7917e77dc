package calendar

import (
	"math/rand/v2"
	"testing"
	"time"
)

// instants are random moments of 2019 to mid-2026, for the benchmarks to start limits from.
func instants(b *testing.B) []time.Time {
	rng := rand.New(rand.NewPCG(1, 2))
	lo := time.Date(2019, 1, 1, 0, 0, 0, 0, Shanghai).UnixNano()
	hi := time.Date(2026, 6, 30, 0, 0, 0, 0, Shanghai).UnixNano()
	out := make([]time.Time, 1024)
	for i := range out {
		out[i] = time.Unix(0, lo+rng.Int64N(hi-lo))
	}
	return out
}

// deadlines runs compute once per iteration over the instants and reports deadlines per second.
func deadlines(b *testing.B, compute func(c *Calendar, from time.Time, i int) (time.Time, error)) {
	c := newCalendar(b, Config{})
	from := instants(b)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := compute(c, from[i%len(from)], i); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "ops/s")
}

// The issue asks for at least 1,000,000 deadline computations a second on one core:
// go test -run '^$' -bench . -cpu 1 ./internal/calendar/
func BenchmarkAddWorkingDays(b *testing.B) {
	deadlines(b, func(c *Calendar, from time.Time, i int) (time.Time, error) {
		return c.AddWorkingDays(from, 1+i%15)
	})
}

func BenchmarkAddWorkingHours(b *testing.B) {
	deadlines(b, func(c *Calendar, from time.Time, i int) (time.Time, error) {
		return c.AddWorkingHours(from, time.Duration(1+i%24)*time.Hour)
	})
}
