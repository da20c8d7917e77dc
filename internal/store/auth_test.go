package store_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/cityline/cityline/internal/access"
	"github.com/cityline/cityline/internal/audit"
	"github.com/cityline/cityline/internal/auth"
	"github.com/cityline/cityline/internal/org"
	"github.com/cityline/cityline/internal/store"
	"github.com/cityline/cityline/internal/store/storetest"
)

func sha256Hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

func createTestUser(t *testing.T, st *store.Store, username, password string) access.User {
	t.Helper()
	hash, err := auth.HashPassword(password)
	if err != nil {
		t.Fatal(err)
	}
	u, err := st.CreateUser(context.Background(), audit.System,
		access.User{Username: username, DisplayName: username, Roles: []access.Role{access.RoleAgent}}, hash)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// TestSecretsAreStoredOnlyAsHashes reads the tables behind a real sign-in and a real API key: the
// secrets handed out must appear nowhere, only their SHA-256.
func TestSecretsAreStoredOnlyAsHashes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		createTestUser(t, st, "bob", "bob-password-1")
		svc := auth.New(st, auth.Options{})

		sess, err := svc.Login(ctx, "bob", "bob-password-1", "10.0.0.1:4000", auth.APISession)
		if err != nil {
			t.Fatal(err)
		}
		var tokenHash, kind, remote string
		if err := st.QueryRowForTest(ctx, `SELECT token_hash, kind, remote_addr FROM sessions`).Scan(&tokenHash, &kind, &remote); err != nil {
			t.Fatal(err)
		}
		if tokenHash != sha256Hex(sess.Token) || strings.Contains(tokenHash+kind+remote, sess.Token) {
			t.Errorf("sessions row (%q, %q, %q) must hold the token's SHA-256 and never the token %q", tokenHash, kind, remote, sess.Token)
		}
		if remote != "10.0.0.1" {
			t.Errorf("remote_addr = %q, want the address without its port", remote)
		}

		key, info, err := svc.CreateAPIKey(ctx, audit.System, "bob", "script")
		if err != nil {
			t.Fatal(err)
		}
		secret := key[strings.LastIndex(key, "_")+1:]
		var keyHash, prefix, name string
		if err := st.QueryRowForTest(ctx, `SELECT key_hash, key_prefix, name FROM api_keys WHERE id = $1`, info.ID).Scan(&keyHash, &prefix, &name); err != nil {
			t.Fatal(err)
		}
		if keyHash != sha256Hex(key) || strings.Contains(keyHash+prefix+name, secret) {
			t.Errorf("api_keys row (%q, %q, %q) must hold the key's SHA-256 and never its secret", keyHash, prefix, name)
		}
		if prefix != key[4:12] {
			t.Errorf("key_prefix = %q, want the public id of %q", prefix, key)
		}
	})
}

func TestSessionStore(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		u := createTestUser(t, st, "bob", "bob-password-1")
		at := time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC)
		want := store.Session{TokenHash: sha256Hex("t1"), UserID: u.ID, Kind: "web", CSRF: "c1", RemoteAddr: "10.0.0.1",
			CreatedAt: at, ExpiresAt: at.Add(time.Hour)}
		if _, err := st.RecordLoginFailure(ctx, audit.System, store.LoginFailure{At: at, Window: time.Minute, LockFor: time.Minute,
			Counters: []store.LoginCounter{{Key: "user:bob", Limit: 1}}}); err != nil {
			t.Fatal(err)
		}
		if err := st.CreateSession(ctx, audit.Who{Actor: "bob"}, want, "user:bob"); err != nil {
			t.Fatal(err)
		}
		if until, err := st.LockedUntil(ctx, at, "user:bob"); err != nil || !until.IsZero() {
			t.Errorf("a new session must clear the named counters: locked until %v, %v", until, err)
		}
		got, err := st.Session(ctx, want.TokenHash)
		if err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("Session = %+v, want %+v", got, want)
		}
		if _, err := st.Session(ctx, sha256Hex("t2")); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("unknown session: err = %v, want ErrNotFound", err)
		}
		if err := st.RevokeSession(ctx, audit.Who{Actor: "bob"}, want.TokenHash); err != nil {
			t.Fatal(err)
		}
		if got, _ := st.Session(ctx, want.TokenHash); got.RevokedAt.IsZero() {
			t.Error("revoked session has no revoked_at")
		}
		if err := st.RevokeSession(ctx, audit.Who{Actor: "bob"}, want.TokenHash); err != nil {
			t.Errorf("revoking twice: %v", err)
		}
		if err := st.RevokeSession(ctx, audit.Who{Actor: "bob"}, sha256Hex("t2")); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("revoking an unknown session: err = %v, want ErrNotFound", err)
		}
		entries, err := st.AuditEntries(ctx, "user", u.ID, 10)
		if err != nil {
			t.Fatal(err)
		}
		var actions []string
		for _, e := range entries {
			actions = append(actions, e.Action)
		}
		if strings.Join(actions, ",") != "auth.logout,auth.login,user.create" {
			t.Errorf("audit actions (newest first) = %v: want one login and one logout", actions)
		}
	})
}

func TestAPIKeyStore(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		u := createTestUser(t, st, "bot", "bot-password-1")
		a, err := st.CreateAPIKey(ctx, audit.System, store.APIKey{UserID: u.ID, Name: "first", Prefix: "AAAAAAAA"}, sha256Hex("k1"))
		if err != nil {
			t.Fatal(err)
		}
		b, err := st.CreateAPIKey(ctx, audit.System, store.APIKey{UserID: u.ID, Name: "second", Prefix: "BBBBBBBB"}, sha256Hex("k2"))
		if err != nil {
			t.Fatal(err)
		}
		if a.ID == "" || a.CreatedAt.IsZero() {
			t.Errorf("created key lacks id or time: %+v", a)
		}
		got, err := st.APIKeyByHash(ctx, sha256Hex("k2"))
		if err != nil || got != b {
			t.Errorf("APIKeyByHash = %+v, %v; want %+v", got, err, b)
		}
		if _, err := st.APIKeyByHash(ctx, sha256Hex("k3")); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("unknown hash: err = %v, want ErrNotFound", err)
		}
		used := time.Date(2025, 3, 3, 9, 30, 0, 0, time.UTC)
		if err := st.TouchAPIKey(ctx, a.ID, used); err != nil {
			t.Fatal(err)
		}
		if err := st.RevokeAPIKey(ctx, audit.System, b.ID); err != nil {
			t.Fatal(err)
		}
		keys, err := st.APIKeys(ctx, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(keys) != 2 || keys[0].ID != a.ID || !keys[0].LastUsedAt.Equal(used) || !keys[0].RevokedAt.IsZero() ||
			keys[1].ID != b.ID || keys[1].RevokedAt.IsZero() || !keys[1].LastUsedAt.IsZero() {
			t.Errorf("APIKeys = %+v: want first (used at %v, live), then second (never used, revoked)", keys, used)
		}
		if err := st.RevokeAPIKey(ctx, audit.System, b.ID); !errors.Is(err, store.ErrConflict) {
			t.Errorf("revoke twice: err = %v, want ErrConflict", err)
		}
		if err := st.RevokeAPIKey(ctx, audit.System, "nope"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("revoke unknown: err = %v, want ErrNotFound", err)
		}
	})
}

func TestLoginThrottle(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		at := time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC)
		fail := func(at time.Time) time.Time {
			t.Helper()
			until, err := st.RecordLoginFailure(ctx, audit.Who{Actor: "anonymous", RemoteAddr: "10.0.0.1"}, store.LoginFailure{
				At: at, Window: 10 * time.Minute, LockFor: 5 * time.Minute,
				Counters: []store.LoginCounter{{Key: "user:amy", Limit: 3}, {Key: "ip:10.0.0.1", Limit: 3}},
			})
			if err != nil {
				t.Fatal(err)
			}
			return until
		}
		// Two failures, then a third after the window: the window restarts, nothing locks.
		for _, d := range []time.Duration{0, time.Minute, 11 * time.Minute} {
			if until := fail(at.Add(d)); !until.IsZero() {
				t.Fatalf("failure at +%v locked until %v", d, until)
			}
		}
		// Two more within the new window reach the limit of 3 on both counters.
		fail(at.Add(12 * time.Minute))
		lockedAt := at.Add(13 * time.Minute)
		if until := fail(lockedAt); !until.Equal(lockedAt.Add(5 * time.Minute)) {
			t.Fatalf("third failure in the window: locked until %v, want %v", until, lockedAt.Add(5*time.Minute))
		}
		for _, c := range []struct {
			now  time.Time
			keys []string
			want time.Time
		}{
			{lockedAt.Add(time.Minute), []string{"user:amy"}, lockedAt.Add(5 * time.Minute)},
			{lockedAt.Add(time.Minute), []string{"user:other", "ip:10.0.0.1"}, lockedAt.Add(5 * time.Minute)},
			{lockedAt.Add(time.Minute), []string{"user:other"}, time.Time{}},
			{lockedAt.Add(5 * time.Minute), []string{"user:amy", "ip:10.0.0.1"}, time.Time{}},
		} {
			if got, err := st.LockedUntil(ctx, c.now, c.keys...); err != nil || !got.Equal(c.want) {
				t.Errorf("LockedUntil(%v, %v) = %v, %v; want %v", c.now, c.keys, got, err, c.want)
			}
		}
		// The lock started the counter afresh: one failure after it does not lock again.
		if until := fail(lockedAt.Add(6 * time.Minute)); !until.IsZero() {
			t.Errorf("first failure after the lock locked again until %v", until)
		}
		entries, err := st.AuditEntries(ctx, "login_throttle", "user:amy", 10)
		if err != nil || len(entries) != 1 || entries[0].Action != "auth.lockout" {
			t.Errorf("audit for user:amy = %+v, %v; want one lockout", entries, err)
		}
	})
}

func TestPurgeExpired(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		u, err := s.CreateUser(ctx, audit.System, access.User{Username: "purge", DisplayName: "P", Roles: []access.Role{access.RoleAgent}}, "h")
		if err != nil {
			t.Fatal(err)
		}
		base := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
		for i, exp := range []time.Time{base.Add(-time.Hour), base.Add(time.Hour)} {
			sess := store.Session{TokenHash: fmt.Sprintf("hash-%d", i), UserID: u.ID, Kind: "api", CreatedAt: base.Add(-2 * time.Hour), ExpiresAt: exp}
			if err := s.CreateSession(ctx, audit.System, sess); err != nil {
				t.Fatal(err)
			}
		}
		n, err := s.PurgeExpired(ctx, base)
		if err != nil || n != 1 {
			t.Fatalf("purged %d, %v; want 1", n, err)
		}
		if _, err := s.Session(ctx, "hash-0"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("expired session still there: %v", err)
		}
		if _, err := s.Session(ctx, "hash-1"); err != nil {
			t.Fatalf("live session purged: %v", err)
		}
	})
}

// TestSessionHolder reads a session with its user, the user's roles and the place of the user's unit
// in one query, as every authenticated request does.
func TestSessionHolder(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		storetest.TinyCity(t, st)
		unit, err := st.CreateUnit(ctx, audit.System, org.Unit{Code: "HBW-URBAN", Name: "区城管局", Kind: org.UnitDistrictDepartment, PlaceCode: "150302"})
		if err != nil {
			t.Fatal(err)
		}
		u, err := st.CreateUser(ctx, audit.System, access.User{Username: "carol", DisplayName: "Carol", UnitID: unit.ID,
			Roles: []access.Role{access.RoleUnitLead, access.RoleHandler}}, "")
		if err != nil {
			t.Fatal(err)
		}
		at := time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC)
		sess := store.Session{TokenHash: sha256Hex("c1"), UserID: u.ID, Kind: "api", RemoteAddr: "10.0.0.2", CreatedAt: at, ExpiresAt: at.Add(time.Hour)}
		if err := st.CreateSession(ctx, audit.Who{Actor: "carol"}, sess); err != nil {
			t.Fatal(err)
		}
		h, err := st.SessionHolder(ctx, sess.TokenHash)
		if err != nil {
			t.Fatal(err)
		}
		if h.Session != sess {
			t.Errorf("session = %+v, want %+v", h.Session, sess)
		}
		want, err := st.User(ctx, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(h.User) != fmt.Sprint(want) || len(h.User.Roles) != 2 {
			t.Errorf("user = %+v, want %+v with both roles", h.User, want)
		}
		if h.UnitPlace != "150302" {
			t.Errorf("unit place = %q, want 150302", h.UnitPlace)
		}
		if _, err := st.SessionHolder(ctx, sha256Hex("nobody")); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("unknown session: err = %v, want ErrNotFound", err)
		}
	})
}
