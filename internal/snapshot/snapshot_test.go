package snapshot

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestGetReloadsOnlyWhenOldOrExpired(t *testing.T) {
	var loads atomic.Int32
	s := New("numbers", time.Hour, func(context.Context) (int32, error) { return loads.Add(1), nil })
	ctx := context.Background()
	for range 3 {
		if v, err := s.Get(ctx); err != nil || v != 1 {
			t.Fatalf("Get = %d, %v; want the first load, 1", v, err)
		}
	}
	s.Expire()
	if v, _ := s.Get(ctx); v != 2 {
		t.Fatalf("after Expire: %d, want a second load", v)
	}
	young := New("numbers", 0, func(context.Context) (int32, error) { return loads.Add(1), nil })
	a, _ := young.Get(ctx)
	b, _ := young.Get(ctx)
	if a == b {
		t.Fatalf("with no maximum age every Get must reload: %d then %d", a, b)
	}
}

func TestFailedReloadKeepsTheOldCopy(t *testing.T) {
	fail := errors.New("database down")
	var broken atomic.Bool
	s := New("rules", 0, func(context.Context) (string, error) {
		if broken.Load() {
			return "", fail
		}
		return "v1", nil
	})
	ctx := context.Background()
	broken.Store(true)
	if _, err := s.Get(ctx); !errors.Is(err, fail) {
		t.Fatalf("nothing read yet: err = %v, want the load's error", err)
	}
	broken.Store(false)
	if v, err := s.Get(ctx); err != nil || v != "v1" {
		t.Fatalf("Get = %q, %v", v, err)
	}
	broken.Store(true)
	if v, err := s.Get(ctx); err != nil || v != "v1" {
		t.Fatalf("a failed reload must keep the old copy: %q, %v", v, err)
	}
}

func TestConcurrentCallersShareOneLoad(t *testing.T) {
	var loads atomic.Int32
	release := make(chan struct{})
	s := New("slow", time.Hour, func(context.Context) (int32, error) {
		<-release
		return loads.Add(1), nil
	})
	var wg sync.WaitGroup
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := s.Get(context.Background()); err != nil {
				t.Error(err)
			}
		}()
	}
	time.Sleep(20 * time.Millisecond)
	close(release)
	wg.Wait()
	if n := loads.Load(); n != 1 {
		t.Fatalf("20 concurrent callers made %d loads, want 1", n)
	}
}
