package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer lets the test read what the running command has printed so far.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TestDemoServesALiveCity starts `cityline demo` as a user would and walks the city through the API.
func TestDemoServesALiveCity(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	out := &syncBuffer{}
	done := make(chan int, 1)
	db := filepath.Join(t.TempDir(), "demo.db")
	go func() {
		done <- run(ctx, []string{"demo", "--addr", "127.0.0.1:0", "--db", "sqlite:" + db, "--admin-password", "s3cret-admin",
			"--history-days", "0", "--data-dir", filepath.Dir(db)}, out, out)
	}()
	t.Cleanup(func() {
		cancel()
		if code := <-done; code != 0 {
			t.Errorf("demo exited with %d: %s", code, out.String())
		}
	})
	keyRe := regexp.MustCompile(`(?m)^\s+(\S+)\n\n?$`)
	urlRe := regexp.MustCompile(`cityline is serving at (http://\S+)`)
	var url, key string
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		text := out.String()
		if m := urlRe.FindStringSubmatch(text); m != nil && strings.Contains(text, "API key of open311-client") {
			url = m[1]
			if k := keyRe.FindStringSubmatch(text); k != nil {
				key = k[1]
			}
			break
		}
	}
	if url == "" || key == "" {
		t.Fatalf("demo did not announce its address and API key:\n%s", out.String())
	}
	for _, want := range []string{"admin", "s3cret-admin", "grid_worker", "dispatcher", "open311-client"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the demo's welcome text lacks %q", want)
		}
	}

	get := func(path, token string, v any) int {
		t.Helper()
		req, _ := http.NewRequest("GET", url+path, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		if v != nil && resp.StatusCode == 200 {
			if err := json.Unmarshal(body, v); err != nil {
				t.Fatalf("%s: %v: %s", path, err, body)
			}
		}
		return resp.StatusCode
	}
	type place struct {
		Code, Name, Level, Parent string
		Center                    struct{ Lat, Lng float64 }
	}
	var grids struct{ Items []place }
	if status := get("/api/v1/org/units?level=grid", key, &grids); status != 200 || len(grids.Items) != 786 {
		t.Fatalf("grids: status %d, %d items; want 786", status, len(grids.Items))
	}
	var streets struct{ Items []place }
	if get("/api/v1/org/units?level=street", key, &streets); len(streets.Items) != 22 {
		t.Fatalf("streets: %d, want 22", len(streets.Items))
	}
	// Every 50th grid's centre locates back to that grid, with a chain of five up to the city.
	for i := 0; i < len(grids.Items); i += 50 {
		g := grids.Items[i]
		var loc struct {
			Grid  place
			Chain []place
		}
		path := "/api/v1/org/locate?lat=" + jsonNumber(g.Center.Lat) + "&lng=" + jsonNumber(g.Center.Lng)
		if status := get(path, key, &loc); status != 200 || loc.Grid.Code != g.Code || len(loc.Chain) != 5 || loc.Chain[4].Code != "150300" {
			t.Fatalf("locate centre of %s: status %d, got %+v", g.Code, status, loc)
		}
	}

	resp, err := http.Post(url+"/api/v1/login", "application/json", strings.NewReader(`{"username":"admin","password":"s3cret-admin"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("admin login with --admin-password: %d", resp.StatusCode)
	}
}

func jsonNumber(f float64) string {
	b, _ := json.Marshal(f)
	return string(b)
}
