package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/netip"
	"net/url"
	"path/filepath"
	"strings"
	"time"

	"github.com/cityline/cityline/internal/auth"
	"github.com/cityline/cityline/internal/locate"
	"github.com/cityline/cityline/internal/notify"
	"github.com/cityline/cityline/internal/outbox"
	"github.com/cityline/cityline/internal/police110"
	"github.com/cityline/cityline/internal/store"
	"github.com/cityline/cityline/internal/ticketing"
	"github.com/cityline/cityline/internal/web"
)

// serveFlags are the flags serve and demo share.
type serveFlags struct {
	addr          *string
	secureCookies *bool
	dataDir       *string
	numberPrefix  *string
	portalLimit   *int
	proxies       *string
	notify        notify.Config
	policeURL     *string
	policeToken   *string
}

func addServeFlags(fs *flag.FlagSet) *serveFlags {
	sf := &serveFlags{
		addr:          fs.String("addr", "127.0.0.1:8080", "HOST:PORT to listen on (0.0.0.0:8080 to accept other machines)"),
		secureCookies: fs.Bool("secure-cookies", false, "mark session cookies HTTPS-only; turn on whenever users reach cityline over TLS"),
		dataDir:       fs.String("data-dir", "data", "folder for attachments and the notification log; nodes sharing a database must share it"),
		numberPrefix:  fs.String("number-prefix", "WH", "letters that start every work-order number (WH20261128000123)"),
		portalLimit:   fs.Int("portal-limit", 10, "orders one address may submit through the citizen portal per hour"),
		proxies:       fs.String("trusted-proxies", "", "comma-separated addresses or CIDR ranges of reverse proxies whose X-Forwarded-For is believed"),
		policeURL:     fs.String("police-url", "", "the 110 command centre's endpoint that receives transfers as POST JSON; empty only records them"),
		policeToken:   fs.String("police-token", "", "bearer token for the 110 endpoint (prefer CITYLINE_POLICE_TOKEN)"),
	}
	n := &sf.notify
	fs.StringVar(&n.LogFile, "notify-log", "", "file that receives every message no gateway is configured for (default DATA-DIR/notifications.log)")
	fs.StringVar(&n.SMTPHost, "smtp-host", "", "SMTP server for e-mail; empty writes e-mail to the notification log")
	fs.IntVar(&n.SMTPPort, "smtp-port", 0, "SMTP port (default 587)")
	fs.StringVar(&n.SMTPFrom, "smtp-from", "", "sender address of e-mail")
	fs.StringVar(&n.SMTPUser, "smtp-user", "", "SMTP user name; empty sends without signing in")
	fs.StringVar(&n.SMTPPassword, "smtp-password", "", "SMTP password (prefer CITYLINE_SMTP_PASSWORD)")
	fs.StringVar(&n.SMSURL, "sms-url", "", "HTTP SMS gateway that receives POST {to, text, ref}; empty writes SMS to the notification log")
	fs.StringVar(&n.SMSToken, "sms-token", "", "bearer token for the SMS gateway (prefer CITYLINE_SMS_TOKEN)")
	return sf
}

func runServe(ctx context.Context, args []string, out io.Writer) error {
	fs := newFlagSet("serve", "serve [--addr HOST:PORT] [--db URL] [--data-dir DIR]", out)
	db := dbFlag(fs)
	sf := addServeFlags(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	return withStore(ctx, *db, func(st *store.Store) error {
		return serve(ctx, st, sf, out, nil)
	})
}

// serve runs the HTTP server, the outbox worker, the time-limit sweeper and the janitor on an open
// store until ctx ends.
// announce, if given, prints extra lines once the server listens (the demo's logins).
func serve(ctx context.Context, st *store.Store, sf *serveFlags, out io.Writer, announce func(url string)) error {
	if sf.notify.LogFile == "" {
		sf.notify.LogFile = filepath.Join(*sf.dataDir, "notifications.log")
	}
	router, err := notify.NewRouter(sf.notify)
	if err != nil {
		return err
	}
	proxies, err := parseProxies(*sf.proxies)
	if err != nil {
		return err
	}
	if *sf.portalLimit < 1 {
		return fmt.Errorf("--portal-limit: at least 1")
	}
	srv, err := web.New(web.Config{SecureCookies: *sf.secureCookies, Version: version, DataDir: *sf.dataDir,
		NumberPrefix: *sf.numberPrefix, PortalLimit: *sf.portalLimit, TrustedProxies: proxies}, st, auth.New(st, auth.Options{}))
	if err != nil {
		return err
	}
	if u, err := url.Parse(*sf.policeURL); *sf.policeURL != "" && (err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "") {
		return fmt.Errorf("--police-url: an absolute http:// or https:// URL is required")
	}
	tickets := ticketing.New(st, locate.New(st, 5*time.Second), ticketing.Config{NumberPrefix: *sf.numberPrefix})
	runner := &outbox.Runner{Store: st, Poll: time.Second, Handlers: map[string]outbox.Handler{
		notify.Topic: notify.Handler(router), ticketing.TriageTopic: tickets.TriageHandler(),
		police110.Topic: police110.Handler(*sf.policeURL, *sf.policeToken, 0)}}
	go func() {
		if err := runner.Run(ctx); err != nil {
			slog.Error("outbox worker stopped", "err", err)
		}
	}()
	sweeper := &ticketing.Sweeper{Store: st, Fired: func(int) { runner.Notify() }}
	go func() {
		if err := sweeper.Run(ctx); err != nil {
			slog.Error("time-limit sweeper stopped", "err", err)
		}
	}()
	go janitor(ctx, st, srv)
	return srv.ListenAndServe(ctx, *sf.addr, func(addr string) {
		url := "http://" + addr
		slog.Info("cityline serving", "url", url, "db", string(st.Dialect()))
		fmt.Fprintf(out, "cityline is serving at %s\n", url)
		if announce != nil {
			announce(url)
		}
	})
}

// janitor removes what stopped mattering a day ago — dead sessions, stale login counters, uploads
// never attached to an order — once an hour, for as long as the server runs. Several nodes doing it
// at once is harmless.
func janitor(ctx context.Context, st *store.Store, srv *web.Server) {
	tick := time.NewTicker(time.Hour)
	defer tick.Stop()
	for {
		cutoff := time.Now().Add(-24 * time.Hour)
		if n, err := st.PurgeExpired(ctx, cutoff); err != nil {
			slog.Warn("purge expired sessions", "err", err)
		} else if n > 0 {
			slog.Info("purged expired sessions and login counters", "rows", n)
		}
		if n, err := srv.PurgeAttachments(ctx, cutoff); err != nil {
			slog.Warn("purge orphan attachments", "err", err)
		} else if n > 0 {
			slog.Info("purged attachments never linked to an order", "files", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// parseProxies reads --trusted-proxies: addresses ("10.0.0.5") or ranges ("10.0.0.0/8").
func parseProxies(list string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, item := range strings.Split(list, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		if p, err := netip.ParsePrefix(item); err == nil {
			out = append(out, p.Masked())
			continue
		}
		addr, err := netip.ParseAddr(item)
		if err != nil {
			return nil, fmt.Errorf("--trusted-proxies: %q is neither an address nor a CIDR range", item)
		}
		out = append(out, netip.PrefixFrom(addr, addr.BitLen()))
	}
	return out, nil
}
