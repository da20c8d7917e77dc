package main

import (
	"context"
	"encoding/json"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestDemoComesAlive starts a demo with a short history and a fast simulator and reads the orders
// they made through the API, as the dispatcher.
func TestDemoComesAlive(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	out := &syncBuffer{}
	done := make(chan int, 1)
	db := filepath.Join(t.TempDir(), "demo.db")
	go func() {
		done <- run(ctx, []string{"demo", "--addr", "127.0.0.1:0", "--db", "sqlite:" + db, "--history-days", "2",
			"--history-per-day", "40", "--simulate-rate", "3600", "--data-dir", filepath.Dir(db)}, out, out)
	}()
	defer func() {
		cancel()
		if code := <-done; code != 0 {
			t.Errorf("demo exited with %d: %s", code, out.String())
		}
	}()
	written := regexp.MustCompile(`History: (\d+) orders over 2 days written in \S+; the database holds \d+ MB\.`)
	for deadline := time.Now().Add(60 * time.Second); !written.MatchString(out.String()); time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the demo did not report its history:\n%s", out.String())
		}
	}
	url := regexp.MustCompile(`cityline is serving at (http://\S+)`).FindStringSubmatch(out.String())[1]
	resp, err := http.Post(url+"/api/v1/login", "application/json", strings.NewReader(`{"username":"dispatcher","password":"demo-1234"}`))
	if err != nil {
		t.Fatal(err)
	}
	var login struct{ Token string }
	json.NewDecoder(resp.Body).Decode(&login)
	resp.Body.Close()
	// The history's last day is today up to now, which just after midnight in Shanghai holds few
	// orders: the simulator, at one order a second, makes up the rest while the test waits.
	statuses := map[string]int{}
	var orders int
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(time.Second) {
		orders, statuses = demoOrders(t, url, login.Token)
		if orders >= 40 && statuses["closed"] > 0 && len(statuses) >= 3 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d orders in statuses %v", orders, statuses)
		}
	}
}

// demoOrders lists the demo's orders as the dispatcher sees them and counts them by status.
func demoOrders(t *testing.T, url, token string) (int, map[string]int) {
	t.Helper()
	req, _ := http.NewRequest("GET", url+"/api/v1/tickets?limit=500", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var page struct {
		Items []struct{ Number, Status string }
	}
	if err := json.NewDecoder(resp.Body).Decode(&page); err != nil || resp.StatusCode != 200 {
		t.Fatalf("list orders: %d %v", resp.StatusCode, err)
	}
	statuses := map[string]int{}
	for _, o := range page.Items {
		statuses[o.Status]++
	}
	return len(page.Items), statuses
}

func TestDemoRefusesNegativeLife(t *testing.T) {
	for _, args := range [][]string{{"--history-days", "-1"}, {"--simulate-rate", "-5"}, {"--history-per-day", "0"}} {
		out := &syncBuffer{}
		if code := run(context.Background(), append([]string{"demo", "--db", "sqlite:" + filepath.Join(t.TempDir(), "d.db")}, args...), out, out); code != 1 ||
			!strings.Contains(out.String(), args[0]) {
			t.Errorf("demo %v: exit %d, %s", args, code, out.String())
		}
	}
}
