package store_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/cityline/cityline/internal/store"
	"github.com/cityline/cityline/internal/store/storetest"
)

func TestSubmissionSlots(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		start := time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)
		take := func(key string, at time.Time) bool {
			t.Helper()
			ok, err := st.TakeSubmissionSlot(ctx, key, at, time.Hour, 3)
			if err != nil {
				t.Fatal(err)
			}
			return ok
		}
		for i := range 3 {
			if !take("portal:a", start.Add(time.Duration(i)*time.Minute)) {
				t.Fatalf("submission %d of 3 was refused", i+1)
			}
		}
		if take("portal:a", start.Add(10*time.Minute)) {
			t.Fatal("a fourth submission within the hour was let through")
		}
		if !take("portal:b", start.Add(10*time.Minute)) {
			t.Fatal("another address was refused because of the first one")
		}
		if err := st.ReturnSubmissionSlot(ctx, "portal:a"); err != nil {
			t.Fatal(err)
		}
		if !take("portal:a", start.Add(11*time.Minute)) {
			t.Fatal("a returned slot could not be used again")
		}
		if take("portal:a", start.Add(59*time.Minute)) {
			t.Fatal("the window ended before its hour was over")
		}
		// The window started at 09:00; at 10:00 it is over and the count starts again.
		if !take("portal:a", start.Add(time.Hour)) {
			t.Fatal("the window did not start afresh after an hour")
		}
		if !take("portal:a", start.Add(time.Hour+time.Minute)) || !take("portal:a", start.Add(time.Hour+2*time.Minute)) {
			t.Fatal("the new window does not allow its full count")
		}
		if take("portal:a", start.Add(time.Hour+3*time.Minute)) {
			t.Fatal("the new window allowed more than its count")
		}
		if err := st.ReturnSubmissionSlot(ctx, "portal:never-seen"); err != nil {
			t.Fatalf("returning a slot of an unknown key: %v", err)
		}
		if ok, err := st.TakeSubmissionSlot(ctx, "portal:c", start, time.Hour, 0); ok || err != nil {
			t.Fatalf("a limit of 0 let a submission through (%v, %v)", ok, err)
		}
		// Stale counters go with the janitor's purge, like stale login counters.
		if _, err := st.PurgeExpired(ctx, start.Add(3*time.Hour)); err != nil {
			t.Fatal(err)
		}
		if !take("portal:a", start.Add(time.Hour+4*time.Minute)) {
			t.Fatal("the purged counter still refuses")
		}
	})
}

func TestSubmissionSlotsUnderConcurrency(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		at := time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)
		var wg sync.WaitGroup
		var mu sync.Mutex
		granted := 0
		for range 12 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				ok, err := st.TakeSubmissionSlot(ctx, "portal:busy", at, time.Hour, 5)
				if err != nil {
					t.Error(err)
					return
				}
				if ok {
					mu.Lock()
					granted++
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		if granted != 5 {
			t.Fatalf("%d of 12 concurrent submissions got a slot, want exactly the limit of 5", granted)
		}
	})
}
