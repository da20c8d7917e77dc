package ticketing_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/cityline/cityline/internal/store"
	"github.com/cityline/cityline/internal/store/storetest"
	"github.com/cityline/cityline/internal/ticketing"
)

func TestQueuesListTheOldestFirstAndPageOn(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		w := newWorld(t, st)
		ctx := context.Background()
		at := time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)
		var made []string
		for i, title := range []string{"第一单", "第二单", "第三单"} {
			w.svc.SetClock(func() time.Time { return at.Add(time.Duration(i) * time.Minute) })
			tk, _, err := w.svc.Create(ctx, w.actor["agent"], intake(title), ticketing.Idempotency{})
			if err != nil {
				t.Fatal(err)
			}
			made = append(made, tk.Number)
		}
		var seen []string
		f := store.TicketFilter{OldestFirst: true, Limit: 2}
		for page := 0; page < 3; page++ {
			got, err := w.svc.List(ctx, w.actor["dispatcher"], f)
			if err != nil {
				t.Fatal(err)
			}
			for _, tk := range got.Items {
				seen = append(seen, tk.Number)
			}
			if got.NextCursor == "" {
				break
			}
			f.Cursor = got.NextCursor
		}
		if !slices.Equal(seen, made) {
			t.Errorf("oldest first, two a page: %v, want %v", seen, made)
		}
		newest, err := w.svc.List(ctx, w.actor["dispatcher"], store.TicketFilter{Limit: 1})
		if err != nil || len(newest.Items) != 1 || newest.Items[0].Number != made[2] {
			t.Errorf("default order starts with %v (%v), want the newest %s", newest.Items, err, made[2])
		}
	})
}
