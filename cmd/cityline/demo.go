package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strings"
	"text/tabwriter"

	"github.com/cityline/cityline/internal/audit"
	"github.com/cityline/cityline/internal/auth"
	"github.com/cityline/cityline/internal/democity"
	"github.com/cityline/cityline/internal/store"
)

// demoDB is where the demo keeps its embedded database; it is rebuilt at every start.
const demoDB = "sqlite:data/demo.db"

func runDemo(ctx context.Context, args []string, out io.Writer) error {
	fs := newFlagSet("demo", "demo [--addr HOST:PORT] [--admin-password PW] [--db sqlite:PATH]", out)
	db := fs.String("db", demoDB, "where the demo database goes; an existing SQLite file there is replaced")
	adminPassword := fs.String("admin-password", "cityline-demo", "password of the administrator 'admin'")
	demoPassword := fs.String("demo-password", "demo-1234", "password of every other demo user")
	sf := addServeFlags(fs)
	if err := parseFlags(fs, args); err != nil {
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
	return serve(ctx, st, sf, out, func(url string) {
		printLogins(out, url, logins, *adminPassword, *demoPassword, key)
	})
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
	fmt.Fprintf(out, "\nDemo city 乌海市 is ready. Open %s and sign in as one of:\n\n", url)
	tw := tabwriter.NewWriter(out, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "  USERNAME\tPASSWORD\tROLES\tSCOPE")
	for _, l := range logins {
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
	if key != "" {
		fmt.Fprintf(out, "\nAPI key of open311-client (Authorization: Bearer …):\n  %s\n", key)
	}
	fmt.Fprintln(out)
}
