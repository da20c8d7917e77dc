// Command cityline runs a city's 12345 hotline and grid governance platform from one binary.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"os/user"
	"strings"
	"syscall"

	"github.com/cityline/cityline/internal/audit"
	"github.com/cityline/cityline/internal/store"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

// command is one subcommand. run gets the arguments after the subcommand's name.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, args []string, out io.Writer) error
}

func commands() []command {
	return []command{
		{"demo", "build a fresh demo city on the embedded database, then serve it", runDemo},
		{"serve", "serve the web UI and the API", runServe},
		{"migrate", "apply database migrations and report the schema version", runMigrate},
		{"user", "create, disable, enable and reset passwords of users; set roles and scope", runUser},
		{"apikey", "create and revoke API keys for machine clients", runAPIKey},
		{"import", "import data: 'import geo FILE --level LEVEL' loads GeoJSON boundaries, 'import gazetteer FILE.csv' the address list", runImport},
		{"audit", "'audit verify' checks the tamper-evident audit chain", runAudit},
		{"category", "'category import FILE.csv' adds a level1,level2,level3 spreadsheet to the catalogue", runCategory},
		{"classify", "suggest a request's category from its text: 'classify train', 'predict', 'eval'", runClassify},
		{"calendar", "the working calendar: 'calendar add --from TIME --working-days N' prints the due instant", runCalendar},
		{"notify", "the outbox of notifications: status, dead records, retry, send a test", runNotify},
		{"measures", "'measures rebuild [--from DATE --to DATE]' recomputes the measures' rollups from the timelines", runMeasures},
		{"bench", "'bench intake' load-tests order intake; 'bench startup' times the demo's start and idle memory", runBench},
		{"version", "print the version", runVersion},
	}
}

const usageHead = `cityline — one platform for a city's 12345 hotline, grids and the work behind them.

Start here:
  cityline demo                 a live demo city on an embedded database, at http://127.0.0.1:8080
  cityline serve --db URL       serve your own city (SQLite file or PostgreSQL)

Commands:
`

const usageTail = `
Every flag has an environment equivalent: --db is CITYLINE_DB, --addr is CITYLINE_ADDR, and so on
(upper case, dashes become underscores). Databases: --db sqlite:PATH (the default,
sqlite:data/cityline.db) or --db postgres://user@host:5432/name.

Run 'cityline COMMAND --help' for a command's flags.
`

func main() {
	slog.SetDefault(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: logLevel()})))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

func run(ctx context.Context, args []string, out, errOut io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		printUsage(out)
		return 0
	}
	for _, c := range commands() {
		if c.name != args[0] {
			continue
		}
		err := c.run(ctx, args[1:], out)
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		if err != nil {
			fmt.Fprintf(errOut, "cityline %s: %v\n", c.name, err)
			return 1
		}
		return 0
	}
	fmt.Fprintf(errOut, "cityline: unknown command %q\n\n", args[0])
	printUsage(errOut)
	return 2
}

func printUsage(w io.Writer) {
	fmt.Fprint(w, usageHead)
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-9s %s\n", c.name, c.summary)
	}
	fmt.Fprint(w, usageTail)
}

func logLevel() slog.Level {
	var l slog.Level
	if err := l.UnmarshalText([]byte(os.Getenv("CITYLINE_LOG_LEVEL"))); err != nil {
		return slog.LevelInfo
	}
	return l
}

// defaultDB is the embedded database in the data directory beside where cityline is started.
const defaultDB = "sqlite:data/cityline.db"

// newFlagSet makes a subcommand's flag set whose usage text starts with a one-line description.
func newFlagSet(name, synopsis string, out io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("cityline "+name, flag.ContinueOnError)
	fs.SetOutput(out)
	fs.Usage = func() {
		fmt.Fprintf(out, "Usage: cityline %s\n\nFlags:\n", synopsis)
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses args, first filling every flag that was not given from its CITYLINE_* variable.
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		return err
	}
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	var err error
	fs.VisitAll(func(f *flag.Flag) {
		if given[f.Name] || err != nil {
			return
		}
		env := "CITYLINE_" + strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_"))
		if v, ok := os.LookupEnv(env); ok {
			if e := f.Value.Set(v); e != nil {
				err = fmt.Errorf("%s=%q: %w", env, v, e)
			}
		}
	})
	return err
}

// dbFlag adds the --db flag.
func dbFlag(fs *flag.FlagSet) *string {
	return fs.String("db", defaultDB, "database: sqlite:PATH or postgres://user@host:port/name")
}

// cliWho names the operating-system user behind a command-line change in the audit log.
func cliWho() audit.Who {
	name := "unknown"
	if u, err := user.Current(); err == nil {
		name = u.Username
	}
	return audit.Who{Actor: "cli:" + name, RemoteAddr: "local"}
}

func runVersion(_ context.Context, args []string, out io.Writer) error {
	fs := newFlagSet("version", "version", out)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	fmt.Fprintf(out, "cityline %s (schema %d)\n", version, store.LatestSchemaVersion())
	return nil
}

func runMigrate(ctx context.Context, args []string, out io.Writer) error {
	fs := newFlagSet("migrate", "migrate [--db URL]", out)
	db := dbFlag(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	return withStore(ctx, *db, func(st *store.Store) error {
		v, err := st.SchemaVersion(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "schema version %d\n", v)
		return nil
	})
}

func runAudit(ctx context.Context, args []string, out io.Writer) error {
	if len(args) == 0 || args[0] != "verify" {
		return errors.New("usage: cityline audit verify [--db URL]")
	}
	fs := newFlagSet("audit verify", "audit verify [--db URL]", out)
	db := dbFlag(fs)
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	return withStore(ctx, *db, func(st *store.Store) error {
		n, broken, err := st.VerifyAudit(ctx)
		if err != nil {
			return err
		}
		if broken != nil {
			return fmt.Errorf("%d entries intact before it; %w", n, broken)
		}
		fmt.Fprintf(out, "audit chain intact: %d entries\n", n)
		return nil
	})
}
