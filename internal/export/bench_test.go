package export_test

import (
	"context"
	"testing"
	"time"

	"github.com/cityline/cityline/internal/export"
	"github.com/cityline/cityline/internal/measure"
	"github.com/cityline/cityline/internal/store"
	"github.com/cityline/cityline/internal/store/storetest"
)

// BenchmarkOrderExport100k exports an order list of 100,000 orders (one day's intake of a big city,
// imported in bulk) from start to downloadable file, as the background job does it.
func BenchmarkOrderExport100k(b *testing.B) {
	if testing.Short() {
		b.Skip("-short: 100,000 orders take a while to write; run without -short to measure")
	}
	const n = 100_000
	st := storetest.SQLite(b)
	c := newCity(b, st)
	day := measure.DayOf(time.Now()).AddDays(-1)
	history(b, st, day, n)
	j := c.jobs(b)
	q := export.OrderQuery{From: day.String(), To: day.String()}
	ctx := context.Background()
	b.ResetTimer()
	for range b.N {
		job, err := j.Start(ctx, c.actors["leader"], "zh-CN", q)
		if err != nil {
			b.Fatal(err)
		}
		for job.Status != store.ExportDone {
			if job.Status == store.ExportFailed {
				b.Fatalf("export failed: %s", job.Error)
			}
			time.Sleep(50 * time.Millisecond)
			if job, err = j.Job(ctx, c.actors["leader"], job.ID); err != nil {
				b.Fatal(err)
			}
		}
		if job.Rows != n {
			b.Fatalf("%d rows, want %d", job.Rows, n)
		}
		b.ReportMetric(float64(job.FileSize)/1e6, "MB")
	}
}
