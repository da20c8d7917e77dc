// Package web is the HTTP edge: it authenticates requests, applies the cross-cutting middleware and
// mounts the JSON API, the Open311 endpoints and the server-rendered UI on one mux.
package web

import (
	"context"
	"log/slog"
	"net/http"
	"net/netip"
	"time"

	"github.com/cityline/cityline/internal/attachment"
	"github.com/cityline/cityline/internal/auth"
	"github.com/cityline/cityline/internal/locate"
	"github.com/cityline/cityline/internal/store"
	"github.com/cityline/cityline/internal/ticketing"
	"github.com/cityline/cityline/internal/web/open311"
	"github.com/cityline/cityline/internal/web/ui"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Config is what the server needs to know about its surroundings.
type Config struct {
	// SecureCookies marks cookies HTTPS-only; turn it on whenever users reach the server over TLS.
	SecureCookies bool
	// Version is reported by /healthz.
	Version string
	// DataDir holds files that live beside the database (attachments). Nodes sharing one PostgreSQL
	// database must share this directory too (e.g. a network mount).
	DataDir string
	// NumberPrefix starts every work-order number, e.g. "WH" for 乌海.
	NumberPrefix string
	// PortalLimit is how many orders one address may submit through the citizen portal in an hour
	// (0: ticketing.DefaultPortalLimit).
	PortalLimit int
	// TrustedProxies are the reverse proxies whose X-Forwarded-For names the real client; requests
	// from anywhere else are taken at their own address, so a client cannot forge one.
	TrustedProxies []netip.Prefix
}

// Server is the whole HTTP surface of one node. It keeps no state that other nodes need: sessions,
// throttling and the audit chain live in the database.
type Server struct {
	cfg     Config
	st      *store.Store
	auth    *auth.Service
	locator *locate.Service
	tickets *ticketing.Service
	metrics *metrics
	handler http.Handler
}

// New assembles the server.
func New(cfg Config, st *store.Store, au *auth.Service) (*Server, error) {
	s := &Server{cfg: cfg, st: st, auth: au, locator: locate.New(st, 5*time.Second)}
	s.tickets = ticketing.New(st, s.locator, ticketing.Config{NumberPrefix: cfg.NumberPrefix, PortalLimit: cfg.PortalLimit})
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	s.metrics = newMetrics(reg)
	registerOutboxGauges(reg, st)

	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", s.healthz)
	mux.HandleFunc("GET /readyz", s.readyz)
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	if err := s.registerAPI(mux); err != nil {
		return nil, err
	}
	s.registerKBAPI(mux)
	open311.New(open311.Deps{Store: st, Auth: au, Tickets: s.tickets}).Register(mux)
	pages, err := ui.New(ui.Config{SecureCookies: cfg.SecureCookies}, ui.Deps{Store: st, Auth: au, Tickets: s.tickets,
		Blobs: attachment.DiskBlobs(s.attachmentDir())})
	if err != nil {
		return nil, err
	}
	pages.Register(mux)

	s.handler = recoverPanics(realClient(cfg.TrustedProxies, securityHeaders(s.metrics.instrument(mux, s.authenticate(checkCSRF(mux))))))
	return s, nil
}

// ServeHTTP makes the Server an http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// ListenAndServe serves on addr until ctx ends, then drains in-flight requests for up to 10 s.
// ready, if not nil, is called once the socket is listening.
func (s *Server) ListenAndServe(ctx context.Context, addr string, ready func(addr string)) error {
	srv := &http.Server{Addr: addr, Handler: s, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 60 * time.Second,
		WriteTimeout: 60 * time.Second, IdleTimeout: 120 * time.Second, ErrorLog: slog.NewLogLogger(slog.Default().Handler(), slog.LevelWarn)}
	ln, err := listen(addr)
	if err != nil {
		return err
	}
	if ready != nil {
		ready(ln.Addr().String())
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
		shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		return srv.Shutdown(shutdownCtx)
	}
}

func (s *Server) healthz(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Write([]byte("ok " + s.cfg.Version + "\n"))
}

// readyz answers 200 only while the database answers, so a load balancer stops sending work to a
// node that lost it.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if err := s.st.Ping(ctx); err != nil {
		slog.Warn("readiness check failed", "err", err)
		w.WriteHeader(http.StatusServiceUnavailable)
		w.Write([]byte("database unavailable\n"))
		return
	}
	w.Write([]byte("ready\n"))
}
