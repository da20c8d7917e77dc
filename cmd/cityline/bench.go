package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

func runBench(ctx context.Context, args []string, out io.Writer) error {
	switch {
	case len(args) > 0 && args[0] == "intake":
		return runBenchIntake(ctx, args[1:], out)
	case len(args) == 0 || args[0] != "startup":
		return errors.New("usage: cityline bench startup [--runs N] [--idle DURATION] | bench intake [--rate N] [--duration D] [--workers W] [--db URL]")
	}
	fs := newFlagSet("bench startup", "bench startup [--runs N] [--idle DURATION]", out)
	runs := fs.Int("runs", 3, "how many fresh demo starts to measure")
	idle := fs.Duration("idle", 5*time.Second, "how long the server idles before its memory is read")
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	if *runs < 1 {
		return errors.New("--runs: at least 1")
	}
	self, err := os.Executable()
	if err != nil {
		return fmt.Errorf("find own binary: %w", err)
	}
	var startups []time.Duration
	var rss []float64
	for i := 0; i < *runs; i++ {
		took, mb, err := measureDemoStart(ctx, self, *idle)
		if err != nil {
			return fmt.Errorf("run %d: %w", i+1, err)
		}
		fmt.Fprintf(out, "run %d: serving after %d ms, idle resident memory %.1f MB\n", i+1, took.Milliseconds(), mb)
		startups = append(startups, took)
		rss = append(rss, mb)
	}
	slices.Sort(startups)
	slices.Sort(rss)
	fmt.Fprintf(out, "startup_ms=%d idle_rss_mb=%.1f runs=%d\n", startups[len(startups)/2].Milliseconds(), rss[len(rss)/2], *runs)
	return nil
}

// measureDemoStart starts `cityline demo` on a fresh database and a free port, times how long it takes
// until /readyz answers, lets it idle, then reads its resident memory from /proc.
func measureDemoStart(ctx context.Context, self string, idle time.Duration) (time.Duration, float64, error) {
	dir, err := os.MkdirTemp("", "cityline-bench-")
	if err != nil {
		return 0, 0, err
	}
	defer os.RemoveAll(dir)
	// No history and no simulator: this measures the server itself, idle.
	cmd := exec.CommandContext(ctx, self, "demo", "--addr", "127.0.0.1:0", "--db", "sqlite:"+filepath.Join(dir, "demo.db"),
		"--history-days", "0", "--simulate-rate", "0", "--data-dir", dir)
	cmd.Env = append(os.Environ(), "CITYLINE_LOG_LEVEL=warn")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return 0, 0, err
	}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return 0, 0, fmt.Errorf("start demo: %w", err)
	}
	defer func() {
		cmd.Process.Kill()
		cmd.Wait()
	}()
	url, err := servingURL(stdout)
	if err != nil {
		return 0, 0, err
	}
	go io.Copy(io.Discard, stdout)
	resp, err := http.Get(url + "/readyz")
	if err != nil {
		return 0, 0, fmt.Errorf("readyz: %w", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 0, 0, fmt.Errorf("readyz: status %d", resp.StatusCode)
	}
	took := time.Since(start)
	select {
	case <-time.After(idle):
	case <-ctx.Done():
		return 0, 0, ctx.Err()
	}
	mb, err := residentMB(cmd.Process.Pid)
	return took, mb, err
}

func servingURL(stdout io.Reader) (string, error) {
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		if url, ok := strings.CutPrefix(sc.Text(), "cityline is serving at "); ok {
			return url, nil
		}
	}
	return "", errors.New("demo exited before it served")
}

// residentMB reads VmRSS of a process, in megabytes.
func residentMB(pid int) (float64, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, fmt.Errorf("read process status: %w", err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 64)
			if err != nil {
				return 0, fmt.Errorf("parse VmRSS %q: %w", rest, err)
			}
			return kb / 1024, nil
		}
	}
	return 0, errors.New("no VmRSS in process status")
}
