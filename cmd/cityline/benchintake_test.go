package main

import (
	"bytes"
	"context"
	"math"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

var benchLine = regexp.MustCompile(`^throughput=(\d+(?:\.\d{1,2})?) p50_ms=(\d+(?:\.\d{1,2})?) p99_ms=(\d+(?:\.\d{1,2})?) baseline=(\d+(?:\.\d{1,2})?) ratio=(\d+(?:\.\d{1,2})?)$`)

// runBenchLine runs `bench intake` in-process and returns the numbers of its last line.
func runBenchLine(t *testing.T, args ...string) (throughput, p50, p99, baseline, ratio float64) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var out, errOut bytes.Buffer
	if code := run(ctx, append([]string{"bench", "intake"}, args...), &out, &errOut); code != 0 {
		t.Fatalf("bench intake exited %d: %s\n%s", code, errOut.String(), out.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	last := lines[len(lines)-1]
	m := benchLine.FindStringSubmatch(last)
	if m == nil {
		t.Fatalf("last line %q does not read throughput=N p50_ms=N p99_ms=N baseline=N ratio=N; output:\n%s", last, out.String())
	}
	f := make([]float64, 5)
	for i := range f {
		f[i], _ = strconv.ParseFloat(m[i+1], 64)
	}
	t.Logf("%s", out.String())
	return f[0], f[1], f[2], f[3], f[4]
}

func TestBenchIntakeAsFastAsPossible(t *testing.T) {
	if testing.Short() {
		t.Skip("seeds a demo city and drives it for a second; skipped under -short")
	}
	throughput, p50, p99, baseline, ratio := runBenchLine(t, "--duration", "1s", "--workers", "4")
	if throughput <= 0 || baseline <= 0 {
		t.Fatalf("throughput %v, baseline %v: want both positive", throughput, baseline)
	}
	if p50 <= 0 || p99 < p50 {
		t.Errorf("p50 %v ms, p99 %v ms: want 0 < p50 <= p99", p50, p99)
	}
	if want := throughput / baseline; math.Abs(ratio-want) > 0.01+want*0.01 {
		t.Errorf("ratio %v, want throughput/baseline = %.4f", ratio, want)
	}
}

func TestBenchIntakePaced(t *testing.T) {
	if testing.Short() {
		t.Skip("seeds a demo city and drives it for two seconds; skipped under -short")
	}
	throughput, _, _, _, _ := runBenchLine(t, "--rate", "100", "--duration", "2s", "--workers", "4")
	// 200 orders paced over two seconds: the measured rate follows the schedule, not the server.
	if throughput < 80 || throughput > 110 {
		t.Errorf("throughput %v orders/s at --rate 100, want about 100", throughput)
	}
}

func TestBenchIntakeRejectsBadFlags(t *testing.T) {
	for _, args := range [][]string{{"--rate", "-1"}, {"--duration", "0s"}, {"--workers", "0"}} {
		var out, errOut bytes.Buffer
		if code := run(context.Background(), append([]string{"bench", "intake"}, args...), &out, &errOut); code != 1 {
			t.Errorf("bench intake %v exited %d, want 1", args, code)
		} else if !strings.Contains(errOut.String(), strings.TrimPrefix(args[0], "--")) {
			t.Errorf("bench intake %v: error %q does not name the flag", args, errOut.String())
		}
	}
}
