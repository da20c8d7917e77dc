package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/cityline/cityline/internal/auth"
	"github.com/cityline/cityline/internal/store"
	"github.com/cityline/cityline/internal/web"
)

// serveFlags are the flags serve and demo share.
type serveFlags struct {
	addr          *string
	secureCookies *bool
}

func addServeFlags(fs *flag.FlagSet) serveFlags {
	return serveFlags{
		addr:          fs.String("addr", "127.0.0.1:8080", "HOST:PORT to listen on (0.0.0.0:8080 to accept other machines)"),
		secureCookies: fs.Bool("secure-cookies", false, "mark session cookies HTTPS-only; turn on whenever users reach cityline over TLS"),
	}
}

func runServe(ctx context.Context, args []string, out io.Writer) error {
	fs := newFlagSet("serve", "serve [--addr HOST:PORT] [--db URL]", out)
	db := dbFlag(fs)
	sf := addServeFlags(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	return withStore(ctx, *db, func(st *store.Store) error {
		return serve(ctx, st, sf, out, nil)
	})
}

// serve runs the HTTP server on an open store until ctx ends. announce, if given, prints extra lines
// once the server listens (the demo's logins).
func serve(ctx context.Context, st *store.Store, sf serveFlags, out io.Writer, announce func(url string)) error {
	go purgeExpired(ctx, st)
	srv, err := web.New(web.Config{SecureCookies: *sf.secureCookies, Version: version}, st, auth.New(st, auth.Options{}))
	if err != nil {
		return err
	}
	return srv.ListenAndServe(ctx, *sf.addr, func(addr string) {
		url := "http://" + addr
		slog.Info("cityline serving", "url", url, "db", string(st.Dialect()))
		fmt.Fprintf(out, "cityline is serving at %s\n", url)
		if announce != nil {
			announce(url)
		}
	})
}

// purgeExpired removes dead sessions and stale login counters once an hour, a day after they stop
// mattering, for as long as the server runs.
func purgeExpired(ctx context.Context, st *store.Store) {
	tick := time.NewTicker(time.Hour)
	defer tick.Stop()
	for {
		if n, err := st.PurgeExpired(ctx, time.Now().Add(-24*time.Hour)); err != nil {
			slog.Warn("purge expired sessions", "err", err)
		} else if n > 0 {
			slog.Info("purged expired sessions and login counters", "rows", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}
