package notify

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

func readLog(t *testing.T, path string) []logLine {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []logLine
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var l logLine
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatalf("line %q: %v", sc.Text(), err)
		}
		out = append(out, l)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestLogGatewayMasksRecipients(t *testing.T) {
	path := filepath.Join(t.TempDir(), "data", "notifications.log")
	g := NewLogGateway(path)
	ctx := withIdempotencyKey(context.Background(), "WH20261128000123:accepted:sms")
	if err := g.Send(ctx, sms("13812345678", "您的工单已受理")); err != nil {
		t.Fatal(err)
	}
	if err := g.Send(context.Background(), email("zhangsan@example.com", "工单已办结", "您好")); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(raw), "13812345678") || strings.Contains(string(raw), "zhangsan") {
		t.Fatalf("the log holds a recipient in full:\n%s", raw)
	}
	lines := readLog(t, path)
	if len(lines) != 2 {
		t.Fatalf("%d lines, want 2", len(lines))
	}
	if l := lines[0]; l.Channel != "sms" || l.To != "138****5678" || l.Body != "您的工单已受理" ||
		l.Ref != "WH20261128000123" || l.Key != "WH20261128000123:accepted:sms" || l.At == "" {
		t.Fatalf("sms line = %+v", l)
	}
	if l := lines[1]; l.Channel != "email" || l.To != "z*******@example.com" || l.Subject != "工单已办结" || l.Key != "" {
		t.Fatalf("email line = %+v", l)
	}
	if info, err := os.Stat(path); err != nil || info.Mode().Perm()&0o007 != 0 {
		t.Fatalf("log file mode %v, %v: others must not read it", info.Mode(), err)
	}
}

func TestLogGatewayKeepsLinesWholeUnderConcurrency(t *testing.T) {
	path := filepath.Join(t.TempDir(), "n.log")
	g := NewLogGateway(path)
	var wg sync.WaitGroup
	for i := range 40 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			body := strings.Repeat(fmt.Sprintf("第%d条", i), 50)
			if err := g.Send(context.Background(), sms("13812345678", body)); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if lines := readLog(t, path); len(lines) != 40 {
		t.Fatalf("%d lines, want 40", len(lines))
	}
}

func TestLogGatewayReportsAnUnwritableFile(t *testing.T) {
	dir := t.TempDir()
	blocker := filepath.Join(dir, "file")
	if err := os.WriteFile(blocker, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	g := NewLogGateway(filepath.Join(blocker, "n.log")) // a folder that is a file
	if err := g.Send(context.Background(), sms("13812345678", "x")); err == nil {
		t.Fatal("writing under a regular file succeeded")
	}
	if NewLogGateway("").path != DefaultLogFile {
		t.Fatal("empty path does not default to DefaultLogFile")
	}
}
