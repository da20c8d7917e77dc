// Package auth signs people and machine clients in: password checks, sessions, API keys and the
// login throttle. It knows nothing of SQL or HTTP: it works through the Store interface and hands
// the web layer an access.Actor.
package auth

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"runtime"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/cityline/cityline/internal/access"
	"github.com/cityline/cityline/internal/audit"
	"github.com/cityline/cityline/internal/org"
	"github.com/cityline/cityline/internal/store"
)

// SessionKind tells a browser session (cookie plus CSRF token) from an API bearer token.
type SessionKind string

const (
	WebSession SessionKind = "web"
	APISession SessionKind = "api"
)

// ErrInvalidCredentials is the one answer to every failed sign-in or unusable token, so that a caller
// cannot learn which usernames exist or why a credential was refused.
var ErrInvalidCredentials = errors.New("invalid credentials")

// ErrLockedOut is returned while a username or an address is throttled. Its wording is the same for
// every username, existing or not.
var ErrLockedOut = errors.New("too many failed sign-ins: try again later")

// Session is what a successful sign-in hands back. Token (and CSRF) are shown here once and never
// stored in clear.
type Session struct {
	Token     string
	CSRF      string // web sessions only
	ExpiresAt time.Time
	User      access.User
}

// APIKey describes a stored key without its secret.
type APIKey = store.APIKey

// Store is what auth needs from the database; *store.Store satisfies it.
type Store interface {
	PasswordHash(ctx context.Context, username string) (access.User, string, error)
	User(ctx context.Context, id string) (access.User, error)
	UserByUsername(ctx context.Context, username string) (access.User, error)
	Unit(ctx context.Context, id string) (org.Unit, error)
	LockedUntil(ctx context.Context, now time.Time, keys ...string) (time.Time, error)
	RecordLoginFailure(ctx context.Context, who audit.Who, f store.LoginFailure) (time.Time, error)
	CreateSession(ctx context.Context, who audit.Who, sess store.Session, clearKeys ...string) error
	Session(ctx context.Context, tokenHash string) (store.Session, error)
	SessionHolder(ctx context.Context, tokenHash string) (store.SessionHolder, error)
	RevokeSession(ctx context.Context, who audit.Who, tokenHash string) error
	CreateAPIKey(ctx context.Context, who audit.Who, k store.APIKey, keyHash string) (store.APIKey, error)
	APIKeyByHash(ctx context.Context, keyHash string) (store.APIKey, error)
	APIKeys(ctx context.Context, userID string) ([]store.APIKey, error)
	RevokeAPIKey(ctx context.Context, who audit.Who, id string) error
	TouchAPIKey(ctx context.Context, id string, at time.Time) error
}

// Options tune the service; zero fields take the defaults named on each.
type Options struct {
	SessionTTL       time.Duration    // browser sessions; 12h, one working day
	APITokenTTL      time.Duration    // bearer tokens from a sign-in; 24h
	MaxFailures      int              // failed sign-ins per username within FailureWindow; 5
	MaxFailuresPerIP int              // failed sign-ins per address within FailureWindow; 20
	FailureWindow    time.Duration    // 15 min
	LockoutFor       time.Duration    // how long a throttled username or address waits; 15 min
	Now              func() time.Time // time.Now; tests move it
}

// apiKeyTouchEvery limits last_used_at writes to one a minute per key instead of one per request.
const apiKeyTouchEvery = time.Minute

// maxNameInKey bounds what a throttle key stores of a typed username or address.
const maxNameInKey = 64

// dummyHash is checked when the username is unknown, so that a wrong name costs the same time as a
// wrong password. Its key never matches: it only carries the current costs.
var dummyHash = encodeHash(defaultParams, make([]byte, saltLen), make([]byte, keyLen))

// Service signs people in and recognises their sessions and keys afterwards.
type Service struct {
	st   Store
	opts Options
	// hashSlots bounds concurrent argon2 checks to the number of cores: more would not finish sooner,
	// and each holds 64 MiB, so a burst of sign-ins cannot exhaust memory.
	hashSlots chan struct{}
}

// New returns a service over st, filling unset options with their defaults.
func New(st Store, opts Options) *Service {
	defaultDuration(&opts.SessionTTL, 12*time.Hour)
	defaultDuration(&opts.APITokenTTL, 24*time.Hour)
	defaultDuration(&opts.FailureWindow, 15*time.Minute)
	defaultDuration(&opts.LockoutFor, 15*time.Minute)
	if opts.MaxFailures <= 0 {
		opts.MaxFailures = 5
	}
	if opts.MaxFailuresPerIP <= 0 {
		opts.MaxFailuresPerIP = 20
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Service{st: st, opts: opts, hashSlots: make(chan struct{}, runtime.GOMAXPROCS(0))}
}

func defaultDuration(d *time.Duration, def time.Duration) {
	if *d <= 0 {
		*d = def
	}
}

// Login checks a username and password and opens a session of the given kind. Unknown users, wrong
// passwords, disabled users and machine users all get ErrInvalidCredentials after the same amount of
// work; a username or address with too many recent failures gets ErrLockedOut.
func (s *Service) Login(ctx context.Context, username, password, remoteAddr string, kind SessionKind) (Session, error) {
	ttl := s.opts.SessionTTL
	switch kind {
	case WebSession:
	case APISession:
		ttl = s.opts.APITokenTTL
	default:
		return Session{}, fmt.Errorf("kind: unknown session kind %q", kind)
	}
	now := s.opts.Now()
	name := clip(strings.ToLower(strings.TrimSpace(username)))
	addr := hostOf(remoteAddr)
	counters := []store.LoginCounter{{Key: "user:" + name, Limit: s.opts.MaxFailures}}
	keys := []string{counters[0].Key}
	if addr != "" {
		counters = append(counters, store.LoginCounter{Key: "ip:" + addr, Limit: s.opts.MaxFailuresPerIP})
		keys = append(keys, counters[1].Key)
	}
	until, err := s.st.LockedUntil(ctx, now, keys...)
	if err != nil {
		return Session{}, err
	}
	if !until.IsZero() {
		return Session{}, ErrLockedOut
	}

	u, hash, err := s.st.PasswordHash(ctx, name)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return Session{}, err
	}
	ok, err := s.checkPassword(ctx, hash, password)
	if err != nil {
		return Session{}, fmt.Errorf("sign-in of %s: %w", name, err)
	}
	if !ok || u.Disabled || u.Machine {
		return Session{}, s.countFailure(ctx, now, addr, counters)
	}

	sess := Session{Token: rand.Text(), ExpiresAt: now.Add(ttl), User: u}
	if kind == WebSession {
		sess.CSRF = rand.Text()
	}
	err = s.st.CreateSession(ctx, audit.Who{Actor: u.Username, RemoteAddr: addr}, store.Session{
		TokenHash: hashSecret(sess.Token), UserID: u.ID, Kind: string(kind), CSRF: sess.CSRF, RemoteAddr: addr,
		CreatedAt: now, ExpiresAt: sess.ExpiresAt,
	}, counters[0].Key)
	if err != nil {
		return Session{}, err
	}
	return sess, nil
}

// checkPassword verifies pw against hash, or against dummyHash when there is none (unknown user,
// machine user) so that the time spent does not tell the cases apart.
func (s *Service) checkPassword(ctx context.Context, hash, pw string) (bool, error) {
	select {
	case s.hashSlots <- struct{}{}:
	case <-ctx.Done():
		return false, ctx.Err()
	}
	defer func() { <-s.hashSlots }()
	if hash == "" {
		_, err := VerifyPassword(dummyHash, pw)
		return false, err
	}
	return VerifyPassword(hash, pw)
}

func (s *Service) countFailure(ctx context.Context, now time.Time, addr string, counters []store.LoginCounter) error {
	until, err := s.st.RecordLoginFailure(ctx, audit.Who{Actor: "anonymous", RemoteAddr: addr}, store.LoginFailure{
		At: now, Window: s.opts.FailureWindow, LockFor: s.opts.LockoutFor, Counters: counters,
	})
	if err != nil {
		return err
	}
	if !until.IsZero() {
		slog.Warn("sign-in locked after repeated failures", "until", until)
		return ErrLockedOut
	}
	return ErrInvalidCredentials
}

// Authenticate recognises a session token (browser cookie or API bearer token) and returns who is
// acting and, for browser sessions, the CSRF token the request must carry.
func (s *Service) Authenticate(ctx context.Context, token string) (access.Actor, string, error) {
	if token == "" {
		return access.Actor{}, "", ErrInvalidCredentials
	}
	h, err := s.st.SessionHolder(ctx, hashSecret(token))
	if err != nil {
		return access.Actor{}, "", missingIsInvalid(err)
	}
	switch rec := h.Session; {
	case !rec.RevokedAt.IsZero():
		return access.Actor{}, "", fmt.Errorf("session ended: %w", ErrInvalidCredentials)
	case !s.opts.Now().Before(rec.ExpiresAt):
		return access.Actor{}, "", fmt.Errorf("session expired: %w", ErrInvalidCredentials)
	case h.User.Disabled:
		return access.Actor{}, "", fmt.Errorf("user disabled: %w", ErrInvalidCredentials)
	}
	a, err := actorAt(h.User, h.UnitPlace)
	return a, h.Session.CSRF, err
}

// AuthenticateAPIKey recognises an API key and returns the machine client (or person) behind it.
func (s *Service) AuthenticateAPIKey(ctx context.Context, key string) (access.Actor, error) {
	if !wellFormedAPIKey(key) {
		return access.Actor{}, fmt.Errorf("malformed api key: %w", ErrInvalidCredentials)
	}
	k, err := s.st.APIKeyByHash(ctx, hashSecret(key))
	if err != nil {
		return access.Actor{}, missingIsInvalid(err)
	}
	if !k.RevokedAt.IsZero() {
		return access.Actor{}, fmt.Errorf("api key revoked: %w", ErrInvalidCredentials)
	}
	a, err := s.actorOf(ctx, k.UserID)
	if err != nil {
		return a, err
	}
	if now := s.opts.Now(); now.Sub(k.LastUsedAt) >= apiKeyTouchEvery {
		// Bookkeeping only: a failed write must not refuse a valid key.
		if err := s.st.TouchAPIKey(ctx, k.ID, now); err != nil {
			slog.Warn("record api key use", "key", k.Prefix, "err", err)
		}
	}
	return a, nil
}

// missingIsInvalid turns "no such session, key or user" into ErrInvalidCredentials and lets real
// failures (the database is down) through as they are.
func missingIsInvalid(err error) error {
	if errors.Is(err, store.ErrNotFound) {
		return ErrInvalidCredentials
	}
	return err
}

func (s *Service) actorOf(ctx context.Context, userID string) (access.Actor, error) {
	u, err := s.st.User(ctx, userID)
	if err != nil {
		return access.Actor{}, missingIsInvalid(err)
	}
	if u.Disabled {
		return access.Actor{}, fmt.Errorf("user disabled: %w", ErrInvalidCredentials)
	}
	return s.ActorFor(ctx, u)
}

// Logout ends the session of token. Ending a session that already ended is not an error; an unknown
// token is ErrInvalidCredentials.
func (s *Service) Logout(ctx context.Context, token string) error {
	hash := hashSecret(token)
	rec, err := s.st.Session(ctx, hash)
	if err != nil {
		return missingIsInvalid(err)
	}
	u, err := s.st.User(ctx, rec.UserID)
	if err != nil {
		return err
	}
	return s.st.RevokeSession(ctx, audit.Who{Actor: u.Username}, hash)
}

// CreateAPIKey makes a new key for the user. The key is returned here once; only its hash is kept.
func (s *Service) CreateAPIKey(ctx context.Context, who audit.Who, username, name string) (string, APIKey, error) {
	name = strings.TrimSpace(name)
	if name == "" || utf8.RuneCountInString(name) > 100 {
		return "", APIKey{}, errors.New("name: required, at most 100 characters")
	}
	u, err := s.st.UserByUsername(ctx, username)
	if err != nil {
		return "", APIKey{}, fmt.Errorf("username: %w", err)
	}
	if u.Disabled {
		return "", APIKey{}, fmt.Errorf("username: %s is disabled", u.Username)
	}
	key, publicID := newAPIKey()
	info, err := s.st.CreateAPIKey(ctx, who, store.APIKey{UserID: u.ID, Name: name, Prefix: publicID}, hashSecret(key))
	if err != nil {
		return "", APIKey{}, err
	}
	return key, info, nil
}

// RevokeAPIKey stops the key with this id from working.
func (s *Service) RevokeAPIKey(ctx context.Context, who audit.Who, id string) error {
	return s.st.RevokeAPIKey(ctx, who, id)
}

// APIKeys lists a user's keys, revoked ones included.
func (s *Service) APIKeys(ctx context.Context, username string) ([]APIKey, error) {
	u, err := s.st.UserByUsername(ctx, username)
	if err != nil {
		return nil, fmt.Errorf("username: %w", err)
	}
	return s.st.APIKeys(ctx, u.ID)
}

// ActorFor builds the Actor that the policy judges. Its scope is the prefix of the user's own place,
// or, for a user without one, of the place its unit serves: a city department serves the whole city,
// a district department its district.
func (s *Service) ActorFor(ctx context.Context, u access.User) (access.Actor, error) {
	unitPlace := ""
	if u.PlaceCode == "" && u.UnitID != "" {
		unit, err := s.st.Unit(ctx, u.UnitID)
		if err != nil {
			return access.Actor{UserID: u.ID, Username: u.Username}, fmt.Errorf("scope of %s: %w", u.Username, err)
		}
		unitPlace = unit.PlaceCode
	}
	return actorAt(u, unitPlace)
}

// actorAt is the actor u acts as, scoped to u's own place or else to unitPlace, the place of u's unit.
func actorAt(u access.User, unitPlace string) (access.Actor, error) {
	a := access.Actor{UserID: u.ID, Username: u.Username, Roles: u.Roles, UnitID: u.UnitID, GridRole: u.GridRole}
	place := u.PlaceCode
	if place == "" {
		place = unitPlace
	}
	if place != "" {
		level, err := org.LevelOfCode(place)
		if err != nil {
			return a, fmt.Errorf("scope of %s: %w", u.Username, err)
		}
		a.ScopeCode = org.ScopePrefix(place, level)
	}
	return a, nil
}

// hostOf drops the port from a remote address so that one machine counts as one address.
func hostOf(remoteAddr string) string {
	if host, _, err := net.SplitHostPort(remoteAddr); err == nil {
		return clip(host)
	}
	return clip(strings.TrimSpace(remoteAddr))
}

// clip makes typed input safe to keep in a throttle key on either database: valid UTF-8 without NUL
// (PostgreSQL refuses both), at most maxNameInKey characters.
func clip(s string) string {
	s = strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "\uFFFD")
	if r := []rune(s); len(r) > maxNameInKey {
		return string(r[:maxNameInKey])
	}
	return s
}
