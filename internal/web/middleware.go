package web

import (
	"context"
	"crypto/subtle"
	"errors"
	"log/slog"
	"math"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/cityline/cityline/internal/access"
	"github.com/cityline/cityline/internal/attachment"
	"github.com/cityline/cityline/internal/auth"
	"github.com/cityline/cityline/internal/store"
	"github.com/cityline/cityline/internal/web/httpx"
	"github.com/prometheus/client_golang/prometheus"
)

func listen(addr string) (net.Listener, error) { return net.Listen("tcp", addr) }

// authenticate resolves the caller from, in order: a bearer token (an API session or an API key)
// or the browser session cookie. A request with credentials that do not check out is refused with
// 401 before any handler sees it; a request with none goes on as anonymous.
func (s *Server) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token, fromCookie := credentials(r)
		if token == "" {
			next.ServeHTTP(w, r)
			return
		}
		var actor access.Actor
		var csrf string
		var err error
		if fromCookie {
			actor, csrf, err = s.auth.Authenticate(r.Context(), token)
			if err == nil && csrf == "" {
				err = auth.ErrInvalidCredentials // an API token planted in a cookie would dodge the CSRF check
			}
		} else {
			actor, _, err = s.auth.Authenticate(r.Context(), token)
			if errors.Is(err, auth.ErrInvalidCredentials) {
				actor, err = s.auth.AuthenticateAPIKey(r.Context(), token)
			}
		}
		if err != nil {
			if !errors.Is(err, auth.ErrInvalidCredentials) {
				slog.Error("authenticate", "err", err)
				httpx.WriteError(w, http.StatusInternalServerError, "", "internal error")
				return
			}
			if fromCookie {
				// A stale cookie is not an attack: forget it and carry on as anonymous (the page
				// will ask to sign in).
				httpx.ClearSessionCookie(w, s.cfg.SecureCookies)
				next.ServeHTTP(w, r)
				return
			}
			w.Header().Set("WWW-Authenticate", `Bearer realm="cityline"`)
			httpx.WriteError(w, http.StatusUnauthorized, "", "unauthorized")
			return
		}
		actor.RemoteAddr = httpx.ClientAddr(r)
		next.ServeHTTP(w, r.WithContext(httpx.WithActor(r.Context(), actor, csrf)))
	})
}

// credentials returns the secret the request carries and whether it came from the session cookie.
// The Open311 api_key parameter is read by the Open311 handlers themselves.
func credentials(r *http.Request) (string, bool) {
	if h := r.Header.Get("Authorization"); h != "" {
		if t, ok := strings.CutPrefix(h, "Bearer "); ok {
			return strings.TrimSpace(t), false
		}
	}
	if k := r.Header.Get("X-API-Key"); k != "" {
		return k, false
	}
	if c, err := r.Cookie(httpx.SessionCookie); err == nil && c.Value != "" {
		return c.Value, true
	}
	return "", false
}

// checkCSRF refuses unsafe requests from a browser session unless they carry the session's CSRF
// token, and any unsafe request whose Origin is another site. Bearer-token clients are not
// exposed to CSRF (browsers never attach the token on their own) and pass.
func checkCSRF(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet || r.Method == http.MethodHead || r.Method == http.MethodOptions {
			next.ServeHTTP(w, r)
			return
		}
		if origin := r.Header.Get("Origin"); origin != "" {
			if u, err := url.Parse(origin); err != nil || u.Host != r.Host {
				httpx.WriteError(w, http.StatusForbidden, "", "cross-site request refused")
				return
			}
		}
		want := httpx.CSRFFrom(r.Context())
		if want == "" {
			next.ServeHTTP(w, r)
			return
		}
		got := r.Header.Get(httpx.CSRFHeader)
		if got == "" {
			// A plain form carries the token as a field: cap the body before parsing it, so that
			// the check itself cannot be made to read an unbounded upload.
			r.Body = http.MaxBytesReader(w, r.Body, formBodyLimit(r))
			got = r.PostFormValue(httpx.CSRFField)
		}
		if subtle.ConstantTimeCompare([]byte(got), []byte(want)) != 1 {
			httpx.WriteError(w, http.StatusForbidden, httpx.CSRFField, "missing or wrong CSRF token; reload the page")
			return
		}
		next.ServeHTTP(w, r)
	})
}

// formBodyLimit bounds a form the CSRF check reads: a file upload may be as large as an attachment
// (plus its multipart framing), anything else 1 MiB.
func formBodyLimit(r *http.Request) int64 {
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		return attachment.DefaultMaxSize + 1<<20
	}
	return 1 << 20
}

// securityHeaders sets the headers every answer carries. Scripts and styles come only from this
// server, so an injected <script> in user text cannot run.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; script-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'self'")
		next.ServeHTTP(w, r)
	})
}

func recoverPanics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				slog.Error("panic serving request", "method", r.Method, "path", r.URL.Path, "panic", v, "stack", string(debug.Stack()))
				httpx.WriteError(w, http.StatusInternalServerError, "", "internal error")
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// metrics counts requests and their durations by route pattern (never by raw path, which would
// grow without bound).
type metrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "cityline_http_requests_total",
			Help: "HTTP requests by route pattern and status code."}, []string{"route", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "cityline_http_request_duration_seconds",
			Help: "HTTP request duration by route pattern.", Buckets: prometheus.DefBuckets}, []string{"route"}),
	}
	reg.MustRegister(m.requests, m.duration)
	return m
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	return s.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the real writer (flushing for server-sent events).
func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// instrument wraps the whole chain; it asks mux for the route pattern because the request that
// reaches mux is a copy (it carries the actor) whose Pattern this wrapper cannot see.
func (m *metrics) instrument(mux *http.ServeMux, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w}
		next.ServeHTTP(rec, r)
		if rec.status == 0 {
			rec.status = http.StatusOK
		}
		_, route := mux.Handler(r)
		if route == "" {
			route = "unmatched"
		}
		elapsed := time.Since(start)
		m.requests.WithLabelValues(route, strconv.Itoa(rec.status)).Inc()
		m.duration.WithLabelValues(route).Observe(elapsed.Seconds())
		if rec.status >= 500 {
			slog.Warn("request failed", "method", r.Method, "route", route, "status", rec.status, "ms", elapsed.Milliseconds())
		} else {
			slog.Debug("request", "method", r.Method, "route", route, "status", rec.status, "ms", elapsed.Milliseconds())
		}
	})
}

// registerOutboxGauges reports how much follow-up work waits and how much has given up, read from the
// database at scrape time so that every node reports the same truth.
func registerOutboxGauges(reg prometheus.Registerer, st *store.Store) {
	read := func(dead bool) func() float64 {
		return func() float64 {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			pending, deadN, err := st.OutboxStats(ctx)
			if err != nil {
				slog.Warn("outbox stats", "err", err)
				return math.NaN()
			}
			if dead {
				return float64(deadN)
			}
			return float64(pending)
		}
	}
	reg.MustRegister(
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "cityline_outbox_pending", Help: "Outbox records waiting to be handled (notifications and other follow-ups)."}, read(false)),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "cityline_outbox_dead", Help: "Outbox records that gave up after their last attempt; see 'cityline notify dead'."}, read(true)),
	)
}

// realClient replaces the request's remote address with the client's own when the request came
// through one of the trusted reverse proxies, so that throttling, the portal's limit and the audit
// log see citizens rather than the proxy. The rightmost address in X-Forwarded-For that is not itself
// a trusted proxy is the client: everything left of it could have been written by the client.
func realClient(trusted []netip.Prefix, next http.Handler) http.Handler {
	if len(trusted) == 0 {
		return next
	}
	isTrusted := func(s string) bool {
		addr, err := netip.ParseAddr(strings.TrimSpace(s))
		if err != nil {
			return false
		}
		for _, p := range trusted {
			if p.Contains(addr.Unmap()) {
				return true
			}
		}
		return false
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host, _, err := net.SplitHostPort(r.RemoteAddr)
		if err != nil || !isTrusted(host) {
			next.ServeHTTP(w, r)
			return
		}
		hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
		for i := len(hops) - 1; i >= 0; i-- {
			hop := strings.TrimSpace(hops[i])
			if hop == "" || isTrusted(hop) {
				continue
			}
			if addr, err := netip.ParseAddr(hop); err == nil {
				r2 := r.Clone(r.Context())
				r2.RemoteAddr = netip.AddrPortFrom(addr, 0).String()
				next.ServeHTTP(w, r2)
				return
			}
			break
		}
		next.ServeHTTP(w, r)
	})
}
