package store

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"

	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
)

// Migrations shared by both dialects live in migrations/common; a version that must differ is written
// once per dialect under migrations/sqlite and migrations/postgres, with the same version number.
//
//go:embed migrations
var migrationFiles embed.FS

// ErrSchemaTooNew means the database was migrated by a newer binary; running on would risk its data.
var ErrSchemaTooNew = errors.New("database schema is newer than this binary")

// Migrate applies every pending migration, each in its own transaction.
func (s *Store) Migrate(ctx context.Context) error {
	p, err := s.migrationProvider()
	if err != nil {
		return err
	}
	current, err := p.GetDBVersion(ctx)
	if err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	if known := LatestSchemaVersion(); current > known {
		return fmt.Errorf("%w: database is at version %d, this binary knows up to %d; run a newer cityline", ErrSchemaTooNew, current, known)
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	return nil
}

// SchemaVersion reports the version the database is at.
func (s *Store) SchemaVersion(ctx context.Context) (int64, error) {
	p, err := s.migrationProvider()
	if err != nil {
		return 0, err
	}
	return p.GetDBVersion(ctx)
}

// LatestSchemaVersion is the newest migration this binary carries.
func LatestSchemaVersion() int64 {
	var latest int64
	for _, name := range migrationNames(Postgres) {
		v, err := goose.NumericComponent(name)
		if err == nil && v > latest {
			latest = v
		}
	}
	return latest
}

func (s *Store) migrationProvider() (*goose.Provider, error) {
	opts := []goose.ProviderOption{goose.WithDisableGlobalRegistry(true)}
	dialect := goose.DialectSQLite3
	if s.dialect == Postgres {
		dialect = goose.DialectPostgres
		// Several nodes may start at once: an advisory lock lets one migrate while the others wait.
		locker, err := lock.NewPostgresSessionLocker()
		if err != nil {
			return nil, fmt.Errorf("migration lock: %w", err)
		}
		opts = append(opts, goose.WithSessionLocker(locker))
	}
	p, err := goose.NewProvider(dialect, s.w, dialectMigrations{s.dialect}, opts...)
	if err != nil {
		return nil, fmt.Errorf("load migrations: %w", err)
	}
	return p, nil
}

// dialectMigrations presents migrations/common plus one dialect's folder as a single flat folder.
type dialectMigrations struct{ dialect Dialect }

func migrationNames(d Dialect) []string {
	seen := map[string]bool{}
	for _, dir := range []string{"migrations/common", "migrations/" + string(d)} {
		entries, err := fs.ReadDir(migrationFiles, dir)
		if err != nil {
			continue // a dialect may have no files of its own yet
		}
		for _, e := range entries {
			seen[e.Name()] = true
		}
	}
	names := make([]string, 0, len(seen))
	for n := range seen {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

func (m dialectMigrations) Open(name string) (fs.File, error) {
	if name == "." {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrInvalid}
	}
	if f, err := migrationFiles.Open(path.Join("migrations", string(m.dialect), name)); err == nil {
		return f, nil
	}
	return migrationFiles.Open(path.Join("migrations/common", name))
}

func (m dialectMigrations) ReadDir(name string) ([]fs.DirEntry, error) {
	if name != "." {
		return nil, &fs.PathError{Op: "readdir", Path: name, Err: fs.ErrNotExist}
	}
	var out []fs.DirEntry
	for _, n := range migrationNames(m.dialect) {
		f, err := m.Open(n)
		if err != nil {
			return nil, err
		}
		info, err := f.Stat()
		f.Close()
		if err != nil {
			return nil, err
		}
		out = append(out, fs.FileInfoToDirEntry(info))
	}
	return out, nil
}

func (m dialectMigrations) Glob(pattern string) ([]string, error) {
	var out []string
	for _, n := range migrationNames(m.dialect) {
		if ok, err := path.Match(pattern, n); err != nil {
			return nil, err
		} else if ok {
			out = append(out, n)
		}
	}
	return out, nil
}
