package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime/debug"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/cityline/cityline/internal/audit"
	"github.com/cityline/cityline/internal/auth"
	"github.com/cityline/cityline/internal/democity"
	"github.com/cityline/cityline/internal/locate"
	"github.com/cityline/cityline/internal/store"
	"github.com/cityline/cityline/internal/ticketing"
)

// demoDB is where the demo keeps its embedded database; it is rebuilt at every start.
const demoDB = "sqlite:data/demo.db"

func runDemo(ctx context.Context, args []string, out io.Writer) error {
	fs := newFlagSet("demo", "demo [--addr HOST:PORT] [--admin-password PW] [--db sqlite:PATH] [--history-days N] [--simulate-rate N]", out)
	db := fs.String("db", demoDB, "where the demo database goes; an existing SQLite file there is replaced")
	adminPassword := fs.String("admin-password", "cityline-demo", "password of the administrator 'admin'")
	demoPassword := fs.String("demo-password", "demo-1234", "password of every other demo user")
	var live liveFlags
	fs.IntVar(&live.historyDays, "history-days", 90, "days of past orders, filled in the background once the demo serves (0: none)")
	fs.IntVar(&live.perDay, "history-per-day", democity.ReferencePace, "average orders a day in the history")
	fs.Float64Var(&live.rate, "simulate-rate", democity.ReferencePace/24.0,
		"orders an hour the simulator takes in while the demo runs, moving open orders along as it goes (0: off)")
	sf := addServeFlags(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := live.check(); err != nil {
		return err
	}
	if err := removeSQLiteFiles(*db); err != nil {
		return err
	}
	st, err := store.Open(ctx, *db)
	if err != nil {
		return err
	}
	defer st.Close()
	logins, key, err := seedDemo(ctx, st, *adminPassword, *demoPassword)
	if err != nil {
		return err
	}
	// Building and seeding the city is a one-off burst (geometry, password hashes); hand that memory
	// back now rather than keep it resident for the whole life of the server.
	debug.FreeOSMemory()
	bgCtx, stop := context.WithCancel(ctx)
	var bg sync.WaitGroup
	err = serve(ctx, st, sf, out, func(url string) {
		printLogins(out, url, logins, *adminPassword, *demoPassword, key)
		bg.Go(func() { live.run(bgCtx, st, out, *db) })
	})
	stop()
	bg.Wait() // the store closes only after the history and the simulator have let go of it
	return err
}

// liveFlags say how the demo city comes alive: months of history and a simulator.
type liveFlags struct {
	historyDays, perDay int
	rate                float64
}

func (f liveFlags) check() error {
	switch {
	case f.historyDays < 0:
		return errors.New("--history-days: want 0 or more")
	case f.perDay < 1:
		return errors.New("--history-per-day: want 1 or more")
	case f.rate < 0:
		return errors.New("--simulate-rate: want 0 or more")
	}
	return nil
}

// demoTrainingOrders is how many made-up orders the demo's classifiers learn from: enough for every
// category of the demo catalogue, trained in seconds beside the server.
const demoTrainingOrders = 5000

// demoSeed fixes the made-up orders, so that every demo tells the same stories (on its own dates).
const demoSeed = 150300

// run fills the history, oldest day first, while the simulator keeps the present moving; both run
// beside the server and stop with ctx. Users can work meanwhile: each day of history is one
// transaction, and the database is free between days.
func (f liveFlags) run(ctx context.Context, st *store.Store, out io.Writer, dbURL string) {
	var wg sync.WaitGroup
	wg.Go(func() {
		start := time.Now()
		if err := democity.TrainClassifiers(ctx, st, demoSeed, demoTrainingOrders); err != nil {
			if ctx.Err() == nil {
				slog.Error("demo classifiers", "err", err)
			}
			return
		}
		slog.Info("demo classifiers trained", "orders", demoTrainingOrders, "took", time.Since(start).Round(100*time.Millisecond))
	})
	if f.rate > 0 {
		wg.Go(func() {
			svc := ticketing.New(st, locate.New(st, 5*time.Second), ticketing.Config{})
			sim, err := democity.NewSimulator(ctx, st, svc, democity.SimOptions{Rate: f.rate, Seed: demoSeed})
			if err != nil {
				slog.Error("demo simulator", "err", err)
				return
			}
			slog.Info("demo simulator running", "orders_per_hour", f.rate)
			if err := sim.Run(ctx); err != nil {
				slog.Error("demo simulator", "err", err)
			}
		})
	}
	if f.historyDays > 0 {
		start := time.Now()
		slog.Info("demo history: filling in the background", "days", f.historyDays, "orders_per_day", f.perDay)
		stats, err := democity.FillHistory(ctx, st, democity.HistoryOptions{Days: f.historyDays, PerDay: f.perDay, End: start,
			Seed: demoSeed, Progress: func(day string, n int) { logHistoryDay(day, n, start) }})
		switch {
		case ctx.Err() != nil:
		case err != nil:
			slog.Error("demo history", "err", err)
		default:
			took := time.Since(start).Round(100 * time.Millisecond)
			slog.Info("demo history written", "days", stats.Days, "orders", stats.Orders, "events", stats.Events, "took", took)
			fmt.Fprintf(out, "History: %d orders over %d days written in %s%s.\n", stats.Orders, stats.Days, took, databaseSize(dbURL))
			debug.FreeOSMemory()
		}
	}
	wg.Wait()
}

// logHistoryDay reports progress every tenth day, and every day at debug level.
func logHistoryDay(day string, orders int, start time.Time) {
	level := slog.LevelDebug
	if strings.HasSuffix(day, "0") {
		level = slog.LevelInfo
	}
	slog.Log(context.Background(), level, "demo history: day written", "day", day, "orders", orders,
		"elapsed", time.Since(start).Round(time.Second))
}

// databaseSize describes the size of an SQLite database with its write-ahead log, or nothing.
func databaseSize(dbURL string) string {
	path, ok := strings.CutPrefix(dbURL, "sqlite:")
	if !ok {
		return ""
	}
	var total int64
	for _, f := range []string{path, path + "-wal"} {
		if fi, err := os.Stat(f); err == nil {
			total += fi.Size()
		}
	}
	return fmt.Sprintf("; the database holds %.0f MB", float64(total)/(1<<20))
}

// removeSQLiteFiles deletes the demo's database file and its WAL companions so that every demo
// starts from the same city. A PostgreSQL URL is left alone: seeding refuses a non-empty database.
func removeSQLiteFiles(dbURL string) error {
	path, ok := strings.CutPrefix(dbURL, "sqlite:")
	if !ok {
		return nil
	}
	for _, f := range []string{path, path + "-wal", path + "-shm"} {
		if err := os.Remove(f); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("remove old demo database: %w", err)
		}
	}
	return nil
}

// seedDemo writes the demo city and creates an API key for its Open311 client.
func seedDemo(ctx context.Context, st *store.Store, adminPassword, demoPassword string) (democity.Logins, string, error) {
	city, err := democity.Build()
	if err != nil {
		return nil, "", err
	}
	adminHash, err := auth.HashPassword(adminPassword)
	if err != nil {
		return nil, "", fmt.Errorf("--admin-password: %w", err)
	}
	demoHash, err := auth.HashPassword(demoPassword)
	if err != nil {
		return nil, "", fmt.Errorf("--demo-password: %w", err)
	}
	logins, err := democity.Seed(ctx, st, city, democity.SeedOptions{AdminPasswordHash: adminHash, DemoPasswordHash: demoHash})
	if err != nil {
		return nil, "", err
	}
	var key string
	for _, l := range logins {
		if l.Password == democity.PasswordNone {
			key, _, err = auth.New(st, auth.Options{}).CreateAPIKey(ctx, audit.System, l.Username, "demo")
			if err != nil {
				return nil, "", fmt.Errorf("demo API key: %w", err)
			}
			break
		}
	}
	return logins, key, nil
}

func printLogins(out io.Writer, url string, logins democity.Logins, adminPassword, demoPassword, key string) {
	fmt.Fprintf(out, "\nDemo city 乌海市 is ready. Citizens submit and follow requests at %s/portal.\nStaff open %s and sign in as one of:\n\n", url, url)
	tw := tabwriter.NewWriter(out, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "  USERNAME\tPASSWORD\tROLES\tSCOPE")
	unitHandlers := 0
	for _, l := range logins {
		if strings.HasPrefix(l.Username, democity.UnitHandlerPrefix) {
			unitHandlers++
			continue
		}
		pw := demoPassword
		switch l.Password {
		case democity.PasswordAdmin:
			pw = adminPassword
		case democity.PasswordNone:
			pw = "(API key below)"
		}
		roles := make([]string, len(l.Roles))
		for i, r := range l.Roles {
			roles[i] = string(r)
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", l.Username, pw, strings.Join(roles, ","), l.Scope)
	}
	tw.Flush()
	if unitHandlers > 0 {
		fmt.Fprintf(out, "\nEvery other unit has a handler too: %s<unit code> (e.g. %sstreet-150302001), password %s — %d in all.\n",
			democity.UnitHandlerPrefix, democity.UnitHandlerPrefix, demoPassword, unitHandlers)
	}
	if key != "" {
		fmt.Fprintf(out, "\nAPI key of open311-client (Authorization: Bearer …):\n  %s\n", key)
	}
	fmt.Fprintln(out)
}
