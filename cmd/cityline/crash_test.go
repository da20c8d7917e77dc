package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cityline/cityline/internal/category"
	"github.com/cityline/cityline/internal/store"
)

// cityline is a server process the test started.
type cityline struct {
	cmd    *exec.Cmd
	url    string
	exited chan struct{} // closed once the process is gone; err then says how it ended
	err    error
	stderr *syncBuffer
}

// startCityline runs the binary in dir (so that its data directory lands there) and waits until it
// serves.
func startCityline(t *testing.T, bin, dir string, args ...string) *cityline {
	t.Helper()
	out, in := io.Pipe()
	c := &cityline{cmd: exec.Command(bin, args...), exited: make(chan struct{}), stderr: &syncBuffer{}}
	c.cmd.Dir = dir
	c.cmd.Env = append(os.Environ(), "CITYLINE_LOG_LEVEL=warn")
	c.cmd.Stdout, c.cmd.Stderr = in, c.stderr
	if err := c.cmd.Start(); err != nil {
		t.Fatalf("start %v: %v", args, err)
	}
	go func() {
		c.err = c.cmd.Wait()
		in.Close()
		close(c.exited)
	}()
	found := make(chan string, 1)
	go func() {
		url, _ := servingURL(out)
		found <- url
		io.Copy(io.Discard, out)
	}()
	select {
	case c.url = <-found:
		if c.url == "" {
			t.Fatalf("cityline %v exited before it served:\n%s", args, c.stderr.String())
		}
	case <-time.After(time.Minute):
		c.cmd.Process.Kill()
		t.Fatalf("cityline %v did not serve within a minute:\n%s", args, c.stderr.String())
	}
	t.Cleanup(func() {
		c.cmd.Process.Kill()
		<-c.exited
	})
	return c
}

// crashOrder is a valid intake body: the point is left out (an address is enough), the category
// comes from the demo catalogue.
func crashOrder(i int, categoryCode string) []byte {
	body, _ := json.Marshal(map[string]any{"channel": "phone", "type": "complaint", "category": categoryCode,
		"title":       fmt.Sprintf("断电测试第%d单：小区路灯不亮", i),
		"description": "来电人反映小区门口路灯连续多日不亮，夜间出行不便，希望尽快修复。",
		"address":     "海勃湾区新华街道", "caller": map[string]any{"name": "王先生", "phone": fmt.Sprintf("139%08d", i)}})
	return body
}

// TestAcknowledgedOrdersSurviveKill seeds the demo city, drives intake against a real `cityline
// serve` process, kills it with SIGKILL in the middle of the load, starts it again on the same
// database and checks that every order whose 201 reached the client is there with its number, and
// that the audit chain is intact.
func TestAcknowledgedOrdersSurviveKill(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and kills a live server under load; skipped under -short")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "cityline")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	cats, err := category.Demo()
	if err != nil {
		t.Fatal(err)
	}
	leaf := ""
	for _, c := range cats { // 路灯不亮, as the orders say; any category does
		if leaf == "" || c.Name == "路灯不亮" {
			leaf = c.Code
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	db := "sqlite:" + filepath.Join(dir, "city.db")
	st, err := store.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := seedDemo(ctx, st, "cityline-demo", "demo-1234"); err != nil {
		t.Fatal(err)
	}
	st.Close()
	srv := startCityline(t, bin, dir, "serve", "--addr", "127.0.0.1:0", "--db", db)
	token, err := signIn(ctx, srv.url, "agent1", "demo-1234")
	if err != nil {
		t.Fatal(err)
	}

	client := &http.Client{Timeout: 10 * time.Second}
	var mu sync.Mutex
	acked := map[string]string{} // id → number
	var killed atomic.Bool
	var sent atomic.Int64
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; !killed.Load(); i += 8 {
				req, _ := http.NewRequestWithContext(ctx, http.MethodPost, srv.url+"/api/v1/tickets", bytes.NewReader(crashOrder(i, leaf)))
				req.Header.Set("Authorization", "Bearer "+token)
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Idempotency-Key", fmt.Sprintf("crash-%d", i))
				sent.Add(1)
				resp, err := client.Do(req)
				if err != nil {
					if !killed.Load() {
						t.Errorf("intake before the kill: %v", err)
					}
					return
				}
				var got struct{ ID, Number string }
				decodeErr := json.NewDecoder(resp.Body).Decode(&got)
				resp.Body.Close()
				if resp.StatusCode != http.StatusCreated || decodeErr != nil {
					if !killed.Load() {
						t.Errorf("intake before the kill: status %d (%v)", resp.StatusCode, decodeErr)
					}
					return
				}
				mu.Lock()
				acked[got.ID] = got.Number
				mu.Unlock()
			}
		}()
	}
	// Kill once the load is well under way: a second in and some hundreds of orders taken.
	start := time.Now()
	for time.Since(start) < time.Second || sent.Load() < 300 {
		if time.Since(start) > 15*time.Second || t.Failed() {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	killed.Store(true)
	if err := srv.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-srv.exited
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	mu.Lock()
	defer mu.Unlock()
	if len(acked) == 0 {
		t.Fatal("no order was acknowledged before the kill")
	}
	t.Logf("%d orders acknowledged, %d sent, when the server was killed", len(acked), sent.Load())

	again := startCityline(t, bin, dir, "serve", "--addr", "127.0.0.1:0", "--db", db)
	token, err = signIn(ctx, again.url, "agent1", "demo-1234")
	if err != nil {
		t.Fatal(err)
	}
	ids := make(chan string)
	var missing atomic.Int64
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for id := range ids {
				req, _ := http.NewRequestWithContext(ctx, http.MethodGet, again.url+"/api/v1/tickets/"+id, nil)
				req.Header.Set("Authorization", "Bearer "+token)
				resp, err := client.Do(req)
				if err != nil {
					t.Errorf("get %s: %v", id, err)
					continue
				}
				var got struct{ Number string }
				json.NewDecoder(resp.Body).Decode(&got)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK || got.Number != acked[id] {
					if missing.Add(1) <= 5 {
						t.Errorf("acknowledged order %s (%s): status %d, number %q after the restart", id, acked[id], resp.StatusCode, got.Number)
					}
				}
			}
		}()
	}
	for id := range acked {
		ids <- id
	}
	close(ids)
	wg.Wait()
	if n := missing.Load(); n > 0 {
		t.Fatalf("%d of %d acknowledged orders lost", n, len(acked))
	}

	if err := again.cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	<-again.exited
	if again.err != nil {
		t.Fatalf("serve after the restart: %v\n%s", again.err, again.stderr.String())
	}
	out, err := exec.Command(bin, "audit", "verify", "--db", db).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "audit chain intact") {
		t.Fatalf("audit verify after the kill: %v\n%s", err, out)
	}
}
