package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/cityline/cityline/internal/access"
	"github.com/cityline/cityline/internal/auth"
	"github.com/cityline/cityline/internal/category"
	"github.com/cityline/cityline/internal/geo"
	"github.com/cityline/cityline/internal/hotline"
	"github.com/cityline/cityline/internal/org"
	"github.com/cityline/cityline/internal/store"
	"github.com/cityline/cityline/internal/web"
	"github.com/cityline/cityline/internal/workorder"
	"github.com/google/uuid"
)

// The bench city's passwords: the bench signs in itself, nobody else reaches its temporary server.
const (
	benchAdminPassword = "cityline-demo"
	benchDemoPassword  = "demo-1234"
)

func runBenchIntake(ctx context.Context, args []string, out io.Writer) error {
	fs := newFlagSet("bench intake", "bench intake [--rate N] [--duration D] [--workers W] [--db URL]", out)
	rate := fs.Float64("rate", 0, "orders per second, paced open-loop (latency counts from each order's scheduled time); 0 sends as fast as the workers can")
	duration := fs.Duration("duration", 10*time.Second, "how long to drive intake, and then the raw-insert baseline")
	workers := fs.Int("workers", 0, "concurrent HTTP clients, and goroutines of the baseline (default 64 — a call centre's agents and machine clients, enough to keep the server busy — or 256 with --rate, so that the clients never hold back the schedule)")
	db := fs.String("db", "", "an empty database for the bench city (default: a temporary embedded database, removed afterwards)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	workersGiven := false
	fs.Visit(func(f *flag.Flag) { workersGiven = workersGiven || f.Name == "workers" })
	switch {
	case *rate < 0:
		return errors.New("--rate: must not be negative")
	case *duration <= 0:
		return errors.New("--duration: must be positive")
	case workersGiven && *workers < 1:
		return errors.New("--workers: at least 1")
	case !workersGiven && *rate > 0:
		*workers = 256
	case !workersGiven:
		*workers = 64
	}
	city, err := startBenchCity(ctx, *db)
	if err != nil {
		return err
	}
	defer city.close()
	orders, err := newOrderMaker(ctx, city.st)
	if err != nil {
		return err
	}
	pace := "as fast as they can"
	if *rate > 0 {
		pace = fmt.Sprintf("paced at %s orders/s", num(*rate))
	}
	fmt.Fprintf(out, "bench intake: demo city ready on %s in %d ms; %d workers %s for %s\n",
		city.st.Dialect(), city.setup.Milliseconds(), *workers, pace, *duration)

	cpu0 := cpuTime()
	res, err := driveIntake(ctx, city.url, city.token, orders, *rate, *duration, *workers)
	if err != nil {
		return err
	}
	cpuPerOrder := 0.0
	if res.done > 0 {
		cpuPerOrder = float64(cpuTime()-cpu0) / float64(time.Millisecond) / float64(res.done)
	}
	fmt.Fprintf(out, "intake:   %d orders in %.2f s: %s orders/s; latency ms p50 %s, p90 %s, p99 %s, max %s; CPU %s ms an order (server and clients)\n",
		res.done, res.elapsed.Seconds(), num(res.throughput()), ms(res.percentile(0.50)), ms(res.percentile(0.90)),
		ms(res.percentile(0.99)), ms(res.percentile(1)), num(cpuPerOrder))
	if res.failed > 0 {
		return fmt.Errorf("%d of %d orders were refused or failed; the first: %s", res.failed, res.failed+res.done, res.firstErr)
	}

	baseline, rows, err := measureBaseline(ctx, city.st, *workers, *duration)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "baseline: %d plain single-row inserts of the same rows, one transaction each, from %d goroutines: %s rows/s\n",
		rows, *workers, num(baseline))
	fmt.Fprintf(out, "throughput=%s p50_ms=%s p99_ms=%s baseline=%s ratio=%s\n", num(res.throughput()),
		ms(res.percentile(0.50)), ms(res.percentile(0.99)), num(baseline), num(res.throughput()/baseline))
	return nil
}

// cpuTime is the processor time this process has used, user and system: on a machine shared with
// other work, CPU per order says more about the code than orders per second.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// num prints a measurement with at most two decimals.
func num(f float64) string { return strconv.FormatFloat(f, 'f', 2, 64) }

func ms(d time.Duration) string { return num(float64(d) / float64(time.Millisecond)) }

// benchCity is a seeded demo city behind a real HTTP server of this process, and an agent signed in.
type benchCity struct {
	st    *store.Store
	url   string
	token string
	setup time.Duration
	close func()
}

// startBenchCity seeds the demo city into dbURL, or into a temporary embedded database when dbURL is
// empty, serves it on a free port and signs in an agent.
func startBenchCity(ctx context.Context, dbURL string) (*benchCity, error) {
	start := time.Now()
	dir, err := os.MkdirTemp("", "cityline-bench-intake-")
	if err != nil {
		return nil, err
	}
	if dbURL == "" {
		dbURL = "sqlite:" + filepath.Join(dir, "bench.db")
	}
	var cleanups []func()
	c := &benchCity{close: func() {
		for i := len(cleanups) - 1; i >= 0; i-- {
			cleanups[i]()
		}
	}}
	cleanups = append(cleanups, func() { os.RemoveAll(dir) })
	fail := func(err error) (*benchCity, error) {
		c.close()
		return nil, err
	}
	c.st, err = store.Open(ctx, dbURL)
	if err != nil {
		return fail(err)
	}
	cleanups = append(cleanups, func() { c.st.Close() })
	logins, _, err := seedDemo(ctx, c.st, benchAdminPassword, benchDemoPassword)
	if err != nil {
		return fail(err)
	}
	agent := ""
	for _, l := range logins {
		if slices.Contains(l.Roles, access.RoleAgent) {
			agent = l.Username
			break
		}
	}
	if agent == "" {
		return fail(errors.New("the demo city has no agent to sign in as"))
	}
	srv, err := web.New(web.Config{Version: version, DataDir: filepath.Join(dir, "files")}, c.st, auth.New(c.st, auth.Options{}))
	if err != nil {
		return fail(err)
	}
	serveCtx, stop := context.WithCancel(ctx)
	listening := make(chan string, 1)
	served := make(chan error, 1)
	go func() {
		served <- srv.ListenAndServe(serveCtx, "127.0.0.1:0", func(addr string) { listening <- addr })
	}()
	cleanups = append(cleanups, func() {
		stop()
		<-served
	})
	select {
	case addr := <-listening:
		c.url = "http://" + addr
	case err := <-served:
		return fail(fmt.Errorf("serve: %w", err))
	}
	c.token, err = signIn(ctx, c.url, agent, benchDemoPassword)
	if err != nil {
		return fail(err)
	}
	c.setup = time.Since(start)
	return c, nil
}

// signIn opens an API session through POST /api/v1/login.
func signIn(ctx context.Context, baseURL, username, password string) (string, error) {
	body, _ := json.Marshal(map[string]string{"username": username, "password": password})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, baseURL+"/api/v1/login", bytes.NewReader(body))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", fmt.Errorf("sign in as %s: %w", username, err)
	}
	defer resp.Body.Close()
	var got struct {
		Token string `json:"token"`
	}
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 500))
		return "", fmt.Errorf("sign in as %s: status %d: %s", username, resp.StatusCode, msg)
	}
	if err := json.NewDecoder(resp.Body).Decode(&got); err != nil || got.Token == "" {
		return "", fmt.Errorf("sign in as %s: no token in the answer (%v)", username, err)
	}
	return got.Token, nil
}

// orderMaker hands out realistic intake bodies: Chinese text about real categories of the demo
// catalogue, points near grid centres (checked to lie in their grid), addresses from the place
// tree, callers with mobile numbers. A fixed pool is made up front so that making orders costs the
// bench's clients almost nothing while they measure.
type orderMaker struct {
	bodies [][]byte
	next   atomic.Int64
	run    string // makes idempotency keys unique across runs on one database
}

// orderPool is how many distinct bodies the bench cycles through.
const orderPool = 4096

func newOrderMaker(ctx context.Context, st *store.Store) (*orderMaker, error) {
	places, err := st.GridsAndAncestors(ctx)
	if err != nil {
		return nil, err
	}
	index, err := geo.NewIndex(places)
	if err != nil {
		return nil, err
	}
	known := geo.Known(places)
	var grids []org.Place
	for _, p := range places {
		if p.Level == org.LevelGrid {
			grids = append(grids, p)
		}
	}
	cats, err := category.Demo()
	if err != nil {
		return nil, err
	}
	parents := map[string]bool{}
	for _, c := range cats {
		parents[c.ParentCode] = true
	}
	var leaves []category.Category
	for _, c := range cats {
		if c.Active && !parents[c.Code] {
			leaves = append(leaves, c)
		}
	}
	if len(grids) == 0 || len(leaves) == 0 {
		return nil, fmt.Errorf("the bench city has %d grids and %d categories; want some of each", len(grids), len(leaves))
	}
	lines := hotline.Catalogue()
	rng := rand.New(rand.NewPCG(12345, 67890))
	m := &orderMaker{run: uuid.NewString()[:8]}
	for range orderPool {
		body, err := json.Marshal(makeOrder(rng, grids[rng.IntN(len(grids))], known, index, leaves[rng.IntN(len(leaves))], lines))
		if err != nil {
			return nil, err
		}
		m.bodies = append(m.bodies, body)
	}
	return m, nil
}

// take returns the next body and a fresh idempotency key for it.
func (m *orderMaker) take() ([]byte, string) {
	n := m.next.Add(1)
	return m.bodies[int(n)%len(m.bodies)], "bench-" + m.run + "-" + strconv.FormatInt(n, 10)
}

// benchOrder is the JSON body of POST /api/v1/tickets.
type benchOrder struct {
	Channel     string      `json:"channel"`
	Line        string      `json:"line,omitempty"`
	Type        string      `json:"type"`
	Category    string      `json:"category"`
	Title       string      `json:"title"`
	Description string      `json:"description"`
	Caller      benchCaller `json:"caller"`
	Address     string      `json:"address"`
	Lat         float64     `json:"lat"`
	Lng         float64     `json:"lng"`
	Urgency     string      `json:"urgency"`
}

type benchCaller struct {
	Name         string `json:"name,omitempty"`
	Phone        string `json:"phone,omitempty"`
	Confidential bool   `json:"confidential"`
	Anonymous    bool   `json:"anonymous"`
}

var (
	benchSurnames = []rune("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾萧田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢")
	benchTitles   = []string{"%s附近%s", "反映%s%s问题", "%s%s，请尽快处理", "关于%s%s的诉求"}
	benchBodies   = []string{
		"市民来电反映：%s%s，已经持续%d天，影响周边居民出行和生活，希望相关部门尽快到现场查看处理。",
		"来电人称%s一带出现%s的情况，已向物业和社区反映%d次未果，请求有关部门协调解决并回复处理结果。",
		"群众反映%s%s问题较为突出，近%d天来尤为明显，老人和孩子出入不便，希望加强管理、尽快整改。",
		"来电人表示%s存在%s，此前第%d次来电仍未解决，情绪较为激动，要求相关单位给出明确答复。",
	}
	benchTypes = []workorder.RequestType{workorder.TypeComplaint, workorder.TypeComplaint, workorder.TypeHelp,
		workorder.TypeHelp, workorder.TypeEnquiry, workorder.TypeReport, workorder.TypeSuggestion, workorder.TypePraise}
)

func makeOrder(rng *rand.Rand, grid org.Place, known geo.KnownPlaces, index *geo.Index, c category.Category, lines []hotline.Line) benchOrder {
	lng, lat := grid.CenterLng, grid.CenterLat
	for range 5 { // a point near the centre, inside the same grid
		x, y := lng+(rng.Float64()-0.5)*0.004, lat+(rng.Float64()-0.5)*0.004
		if code, ok := index.Locate(x, y); ok && code == grid.Code {
			lng, lat = x, y
			break
		}
	}
	community := known[grid.ParentCode]
	street := known[community.ParentCode]
	district := known[street.ParentCode]
	address := fmt.Sprintf("%s%s%s%d号楼%d单元", district.Name, street.Name, community.Name, 1+rng.IntN(40), 1+rng.IntN(6))
	what := c.Name
	if len(c.Keywords) > 0 {
		what = c.Keywords[rng.IntN(len(c.Keywords))]
	}
	o := benchOrder{Channel: string(workorder.ChannelPhone), Type: string(benchTypes[rng.IntN(len(benchTypes))]),
		Category: c.Code, Address: address, Lat: lat, Lng: lng, Urgency: string(workorder.UrgencyNormal),
		Title:       fmt.Sprintf(benchTitles[rng.IntN(len(benchTitles))], community.Name, what),
		Description: fmt.Sprintf(benchBodies[rng.IntN(len(benchBodies))], address, c.Name+"（"+what+"）", 1+rng.IntN(30))}
	if rng.IntN(10) == 0 {
		o.Line = lines[rng.IntN(len(lines))].Code
	}
	if rng.IntN(20) == 0 {
		o.Urgency = string(workorder.UrgencyUrgent)
	}
	switch n := rng.IntN(20); {
	case n == 0:
		o.Caller = benchCaller{Anonymous: true}
	default:
		title := "先生"
		if rng.IntN(2) == 0 {
			title = "女士"
		}
		o.Caller = benchCaller{Name: string(benchSurnames[rng.IntN(len(benchSurnames))]) + title,
			Phone: fmt.Sprintf("1%d%09d", 3+rng.IntN(7), rng.IntN(1_000_000_000)), Confidential: n == 1}
	}
	return o
}

// intakeResult is what the clients saw.
type intakeResult struct {
	done, failed int
	firstErr     string
	elapsed      time.Duration
	latencies    []time.Duration // sorted
}

func (r intakeResult) throughput() float64 {
	if r.elapsed <= 0 {
		return 0
	}
	return float64(r.done) / r.elapsed.Seconds()
}

// percentile returns the latency below which the fraction q of the orders stayed (nearest rank).
func (r intakeResult) percentile(q float64) time.Duration {
	if len(r.latencies) == 0 {
		return 0
	}
	i := int(q*float64(len(r.latencies))+0.999999) - 1
	return r.latencies[max(0, min(i, len(r.latencies)-1))]
}

// driveIntake posts orders for the given duration. With rate 0 each worker sends its next order as
// soon as the last one is answered; otherwise a ticker schedules orders at the rate and workers take
// them in turn, and each latency counts from the order's scheduled time, so that a server that falls
// behind shows its queue in the numbers instead of slowing the clients down (coordinated omission).
func driveIntake(ctx context.Context, baseURL, token string, orders *orderMaker, rate float64, duration time.Duration, workers int) (intakeResult, error) {
	client := &http.Client{Timeout: time.Minute, Transport: &http.Transport{MaxIdleConns: workers,
		MaxIdleConnsPerHost: workers, DisableCompression: true}}
	defer client.CloseIdleConnections()
	post := func(body []byte, key string) error {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, baseURL+"/api/v1/tickets", bytes.NewReader(body))
		if err != nil {
			return err
		}
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Idempotency-Key", key)
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusCreated {
			msg, _ := io.ReadAll(io.LimitReader(resp.Body, 500))
			return fmt.Errorf("status %d: %s", resp.StatusCode, bytes.TrimSpace(msg))
		}
		_, err = io.Copy(io.Discard, resp.Body)
		return err
	}

	var mu sync.Mutex
	var res intakeResult
	var wg sync.WaitGroup
	start := time.Now()
	var last atomic.Int64 // nanoseconds after start of the last answer
	worker := func(next func() (time.Time, bool)) {
		defer wg.Done()
		var lat []time.Duration
		var failed int
		var firstErr string
		for {
			sent, ok := next()
			if !ok {
				break
			}
			body, key := orders.take()
			err := post(body, key)
			now := time.Now()
			if err != nil {
				if failed == 0 {
					firstErr = err.Error()
				}
				failed++
				continue
			}
			lat = append(lat, now.Sub(sent))
			for {
				old, at := last.Load(), int64(now.Sub(start))
				if at <= old || last.CompareAndSwap(old, at) {
					break
				}
			}
		}
		mu.Lock()
		defer mu.Unlock()
		res.latencies = append(res.latencies, lat...)
		res.done += len(lat)
		if res.failed == 0 && failed > 0 {
			res.firstErr = firstErr
		}
		res.failed += failed
	}

	if rate == 0 {
		deadline := start.Add(duration)
		next := func() (time.Time, bool) {
			now := time.Now()
			return now, now.Before(deadline) && ctx.Err() == nil
		}
		for range workers {
			wg.Add(1)
			go worker(next)
		}
	} else {
		total := int(rate * duration.Seconds())
		interval := time.Duration(float64(time.Second) / rate)
		due := make(chan time.Time, workers)
		next := func() (time.Time, bool) {
			t, ok := <-due
			return t, ok
		}
		for range workers {
			wg.Add(1)
			go worker(next)
		}
		go func() {
			defer close(due)
			tick := time.NewTicker(max(interval, time.Millisecond))
			defer tick.Stop()
			for i := 0; i < total; {
				select {
				case <-ctx.Done():
					return
				case now := <-tick.C:
					for ; i < total; i++ {
						at := start.Add(time.Duration(i) * interval)
						if at.After(now) {
							break
						}
						due <- at
					}
				}
			}
		}()
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return res, err
	}
	res.elapsed = time.Duration(last.Load())
	slices.Sort(res.latencies)
	return res, nil
}

// measureBaseline inserts copies of stored orders' rows (same columns, same values but a new id and
// number) into an empty table shaped like tickets, one transaction each, from workers goroutines
// for the given duration, and returns rows per second.
func measureBaseline(ctx context.Context, st *store.Store, workers int, duration time.Duration) (float64, int64, error) {
	page, err := st.Tickets(ctx, store.TicketFilter{Scope: store.TicketScope{Unrestricted: true}, Limit: 500})
	if err != nil {
		return 0, 0, err
	}
	if len(page.Items) == 0 {
		return 0, 0, errors.New("baseline: no stored orders to copy")
	}
	raw, err := st.CreateRawTicketTable(ctx)
	if err != nil {
		return 0, 0, err
	}
	defer raw.Drop(context.WithoutCancel(ctx))
	var rows, numbers atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	start := time.Now()
	deadline := start.Add(duration)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; time.Now().Before(deadline); i++ {
				t := page.Items[(w+i*workers)%len(page.Items)]
				t.ID = uuid.Must(uuid.NewV7()).String()
				t.Number = fmt.Sprintf("RAW%013d", numbers.Add(1)) // as long as a real number
				if err := raw.Insert(ctx, t); err != nil {
					errs <- err
					return
				}
				rows.Add(1)
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	close(errs)
	if err := <-errs; err != nil {
		return 0, 0, fmt.Errorf("baseline: %w", err)
	}
	return float64(rows.Load()) / elapsed.Seconds(), rows.Load(), nil
}
