package auth_test

import (
	"context"
	"errors"
	"slices"
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

const (
	bobPassword = "bob-password-1"
	annPassword = "ann-password-1"
	addr        = "10.0.0.1:52000"
)

// world is a small city with three accounts: bob (agent, placed in district 150302), ann (admin of a
// city department, no place of her own) and bot (a machine client, no password).
type world struct {
	st    *store.Store
	svc   *auth.Service
	clock time.Time
	bob   access.User
	ann   access.User
	bot   access.User
	water org.Unit
}

func newWorld(t testing.TB, st *store.Store, opts auth.Options) *world {
	t.Helper()
	ctx := context.Background()
	w := &world{st: st, clock: time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC)}
	opts.Now = func() time.Time { return w.clock }
	w.svc = auth.New(st, opts)
	if err := st.InsertPlaces(ctx, audit.System, []org.Place{
		{Code: "150300", Name: "乌海市", Level: org.LevelCity},
		{Code: "150302", Name: "海勃湾区", Level: org.LevelDistrict, ParentCode: "150300"},
	}, "test"); err != nil {
		t.Fatal(err)
	}
	var err error
	w.water, err = st.CreateUnit(ctx, audit.System, org.Unit{Code: "water", Name: "市水务局", Kind: org.UnitCityDepartment, PlaceCode: "150300"})
	if err != nil {
		t.Fatal(err)
	}
	w.bob = w.addUser(t, access.User{Username: "bob", DisplayName: "Bob", Roles: []access.Role{access.RoleAgent}, PlaceCode: "150302"}, bobPassword)
	w.ann = w.addUser(t, access.User{Username: "ann", DisplayName: "Ann", Roles: []access.Role{access.RoleAdmin}, UnitID: w.water.ID}, annPassword)
	w.bot = w.addUser(t, access.User{Username: "bot", DisplayName: "110 link", Roles: []access.Role{access.RoleMachine}, Machine: true, UnitID: w.water.ID}, "")
	return w
}

func (w *world) addUser(t testing.TB, u access.User, password string) access.User {
	t.Helper()
	var hash string
	if password != "" {
		var err error
		if hash, err = auth.HashPassword(password); err != nil {
			t.Fatal(err)
		}
	}
	u, err := w.st.CreateUser(context.Background(), audit.System, u, hash)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func (w *world) setDisabled(t *testing.T, username string, disabled bool) {
	t.Helper()
	ctx := context.Background()
	u, err := w.st.UserByUsername(ctx, username)
	if err != nil {
		t.Fatal(err)
	}
	u.Disabled = disabled
	if _, err := w.st.UpdateUser(ctx, audit.System, u); err != nil {
		t.Fatal(err)
	}
}

func (w *world) login(t *testing.T, username, password string) auth.Session {
	t.Helper()
	s, err := w.svc.Login(context.Background(), username, password, addr, auth.WebSession)
	if err != nil {
		t.Fatalf("login %s: %v", username, err)
	}
	return s
}

func wantInvalid(t *testing.T, what string, err error) {
	t.Helper()
	if !errors.Is(err, auth.ErrInvalidCredentials) {
		t.Errorf("%s: err = %v, want ErrInvalidCredentials", what, err)
	}
}

func hasAction(t *testing.T, st *store.Store, objectType, objectID, action string) bool {
	t.Helper()
	entries, err := st.AuditEntries(context.Background(), objectType, objectID, 50)
	if err != nil {
		t.Fatal(err)
	}
	return slices.ContainsFunc(entries, func(e audit.Entry) bool { return e.Action == action })
}

func TestLoginAndAuthenticate(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		w := newWorld(t, st, auth.Options{})

		web := w.login(t, "  Bob ", bobPassword) // usernames are matched without case or spaces
		if web.Token == "" || web.CSRF == "" || web.Token == web.CSRF {
			t.Fatalf("web session: token %q, csrf %q", web.Token, web.CSRF)
		}
		if !web.ExpiresAt.Equal(w.clock.Add(12 * time.Hour)) {
			t.Errorf("web session expires %v, want 12h after %v", web.ExpiresAt, w.clock)
		}
		if web.User.ID != w.bob.ID {
			t.Errorf("session user = %q, want bob", web.User.Username)
		}
		actor, csrf, err := w.svc.Authenticate(ctx, web.Token)
		if err != nil {
			t.Fatal(err)
		}
		if actor.UserID != w.bob.ID || actor.Username != "bob" || actor.ScopeCode != "150302" || !actor.Has(access.RoleAgent) || csrf != web.CSRF {
			t.Errorf("Authenticate = %+v, csrf %q; want bob scoped to 150302 with the session's CSRF", actor, csrf)
		}
		if !hasAction(t, st, "user", w.bob.ID, "auth.login") {
			t.Error("the sign-in is not in the audit log")
		}

		api, err := w.svc.Login(ctx, "ann", annPassword, addr, auth.APISession)
		if err != nil {
			t.Fatal(err)
		}
		if api.CSRF != "" || !api.ExpiresAt.Equal(w.clock.Add(24*time.Hour)) {
			t.Errorf("api session: csrf %q, expires %v; want no CSRF and 24h", api.CSRF, api.ExpiresAt)
		}
		actor, csrf, err = w.svc.Authenticate(ctx, api.Token)
		if err != nil {
			t.Fatal(err)
		}
		// Ann has no place: her scope is her unit's, and a city department serves the whole city.
		if actor.ScopeCode != "1503" || actor.UnitID != w.water.ID || csrf != "" {
			t.Errorf("ann: scope %q, unit %q, csrf %q; want 1503, the water unit, none", actor.ScopeCode, actor.UnitID, csrf)
		}

		if _, err := w.svc.Login(ctx, "bob", bobPassword, addr, auth.SessionKind("cookie")); err == nil || !strings.HasPrefix(err.Error(), "kind: ") {
			t.Errorf("unknown session kind: err = %v", err)
		}
		_, _, err = w.svc.Authenticate(ctx, "")
		wantInvalid(t, "empty token", err)
		_, _, err = w.svc.Authenticate(ctx, web.Token+"x")
		wantInvalid(t, "altered token", err)
	})
}

func TestLoginRefusalsLookAlike(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		w := newWorld(t, st, auth.Options{})
		w.addUser(t, access.User{Username: "dora", DisplayName: "Dora", Roles: []access.Role{access.RoleAgent}, Disabled: true}, "dora-password")
		var messages []string
		for _, c := range []struct{ name, username, password string }{
			{"wrong password", "bob", "not-bobs-password"},
			{"unknown user", "nobody", bobPassword},
			{"disabled user with the right password", "dora", "dora-password"},
			{"machine user", "bot", ""},
		} {
			_, err := w.svc.Login(context.Background(), c.username, c.password, addr, auth.WebSession)
			wantInvalid(t, c.name, err)
			if err != nil {
				messages = append(messages, err.Error())
			}
		}
		if len(messages) != 4 || len(slices.Compact(slices.Clone(messages))) != 1 {
			t.Errorf("refusals must read the same, got %q", messages)
		}
	})
}

func TestDisablingEndsSessions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		w := newWorld(t, st, auth.Options{})
		old := w.login(t, "bob", bobPassword)
		w.setDisabled(t, "bob", true)
		_, _, err := w.svc.Authenticate(ctx, old.Token)
		wantInvalid(t, "session of a disabled user", err)
		w.setDisabled(t, "bob", false)
		_, _, err = w.svc.Authenticate(ctx, old.Token)
		wantInvalid(t, "session revoked by disabling, after re-enabling", err)
		fresh := w.login(t, "bob", bobPassword)
		if _, _, err := w.svc.Authenticate(ctx, fresh.Token); err != nil {
			t.Errorf("new session after re-enabling: %v", err)
		}
	})
}

func TestSessionExpiry(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		w := newWorld(t, st, auth.Options{SessionTTL: time.Hour})
		s := w.login(t, "bob", bobPassword)
		w.clock = w.clock.Add(time.Hour - time.Millisecond)
		if _, _, err := w.svc.Authenticate(ctx, s.Token); err != nil {
			t.Errorf("just before expiry: %v", err)
		}
		w.clock = w.clock.Add(time.Millisecond)
		_, _, err := w.svc.Authenticate(ctx, s.Token)
		wantInvalid(t, "at expiry", err)
	})
}

func TestLogout(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		w := newWorld(t, st, auth.Options{})
		s := w.login(t, "bob", bobPassword)
		if err := w.svc.Logout(ctx, s.Token); err != nil {
			t.Fatal(err)
		}
		_, _, err := w.svc.Authenticate(ctx, s.Token)
		wantInvalid(t, "after logout", err)
		if err := w.svc.Logout(ctx, s.Token); err != nil {
			t.Errorf("second logout: %v", err)
		}
		wantInvalid(t, "logout of an unknown token", w.svc.Logout(ctx, "no-such-token"))
		if !hasAction(t, st, "user", w.bob.ID, "auth.logout") {
			t.Error("the sign-out is not in the audit log")
		}
	})
}

func TestLockout(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		w := newWorld(t, st, auth.Options{})
		fail := func(username string) error {
			_, err := w.svc.Login(ctx, username, "wrong-password", addr, auth.WebSession)
			return err
		}
		for i := 1; i < 5; i++ {
			wantInvalid(t, "failure before the limit", fail("bob"))
		}
		err := fail("bob")
		if !errors.Is(err, auth.ErrLockedOut) {
			t.Fatalf("5th failure: err = %v, want ErrLockedOut", err)
		}
		if _, err := w.svc.Login(ctx, "bob", bobPassword, addr, auth.WebSession); !errors.Is(err, auth.ErrLockedOut) {
			t.Errorf("right password while locked: err = %v, want ErrLockedOut", err)
		}
		if !hasAction(t, st, "login_throttle", "user:bob", "auth.lockout") {
			t.Error("the lockout is not in the audit log")
		}
		// A name that does not exist locks the same way, with the same words.
		for i := 1; i < 5; i++ {
			wantInvalid(t, "unknown name before the limit", fail("ghost"))
		}
		if ghost := fail("ghost"); !errors.Is(ghost, auth.ErrLockedOut) || ghost.Error() != err.Error() {
			t.Errorf("unknown name locked: err = %v, want %v", ghost, err)
		}

		w.clock = w.clock.Add(15 * time.Minute)
		w.login(t, "bob", bobPassword)

		// Success cleared the count: four more failures do not lock.
		for i := 1; i < 5; i++ {
			wantInvalid(t, "failure after a success", fail("bob"))
		}
		w.login(t, "bob", bobPassword)
	})
}

func TestFailuresOutsideTheWindowDoNotAddUp(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		w := newWorld(t, st, auth.Options{MaxFailures: 2})
		for i := 0; i < 3; i++ {
			_, err := w.svc.Login(context.Background(), "bob", "wrong-password", addr, auth.WebSession)
			wantInvalid(t, "one failure per window", err)
			w.clock = w.clock.Add(16 * time.Minute)
		}
	})
}

func TestLockoutByAddress(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		w := newWorld(t, st, auth.Options{MaxFailuresPerIP: 3})
		var err error
		for _, name := range []string{"amy", "ben", "cat"} {
			_, err = w.svc.Login(ctx, name, "guess-guess", "10.0.0.9:1000", auth.WebSession)
		}
		if !errors.Is(err, auth.ErrLockedOut) {
			t.Fatalf("3rd failure from one address: err = %v, want ErrLockedOut", err)
		}
		if _, err := w.svc.Login(ctx, "bob", bobPassword, "10.0.0.9:2000", auth.WebSession); !errors.Is(err, auth.ErrLockedOut) {
			t.Errorf("same address, other port: err = %v, want ErrLockedOut", err)
		}
		if _, err := w.svc.Login(ctx, "bob", bobPassword, "10.0.0.10:2000", auth.WebSession); err != nil {
			t.Errorf("another address: %v", err)
		}
	})
}

func TestAPIKeys(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		w := newWorld(t, st, auth.Options{})
		who := audit.Who{Actor: "ann"}
		key, info, err := w.svc.CreateAPIKey(ctx, who, "bot", "110 link")
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(key, "clk_"+info.Prefix+"_") || len(info.Prefix) != 8 || len(key) < 4+8+1+26 {
			t.Errorf("key %q with prefix %q: want clk_<8-char public id>_<secret>", key, info.Prefix)
		}
		actor, err := w.svc.AuthenticateAPIKey(ctx, key)
		if err != nil {
			t.Fatal(err)
		}
		if actor.UserID != w.bot.ID || !actor.Has(access.RoleMachine) || actor.ScopeCode != "1503" {
			t.Errorf("actor = %+v, want bot scoped to the city", actor)
		}

		lastUsed := func() time.Time {
			keys, err := w.svc.APIKeys(ctx, "bot")
			if err != nil || len(keys) != 1 {
				t.Fatalf("APIKeys = %v, %v", keys, err)
			}
			return keys[0].LastUsedAt
		}
		first := w.clock
		if !lastUsed().Equal(first) {
			t.Errorf("last used %v, want %v", lastUsed(), first)
		}
		w.clock = w.clock.Add(50 * time.Second)
		if _, err := w.svc.AuthenticateAPIKey(ctx, key); err != nil {
			t.Fatal(err)
		}
		if !lastUsed().Equal(first) {
			t.Errorf("last used rewritten within the minute: %v", lastUsed())
		}
		w.clock = w.clock.Add(20 * time.Second)
		if _, err := w.svc.AuthenticateAPIKey(ctx, key); err != nil {
			t.Fatal(err)
		}
		if !lastUsed().Equal(w.clock) {
			t.Errorf("last used %v, want %v after a minute", lastUsed(), w.clock)
		}

		_, err = w.svc.AuthenticateAPIKey(ctx, "clk_"+info.Prefix+"_"+strings.Repeat("A", 26))
		wantInvalid(t, "unknown secret", err)
		_, err = w.svc.AuthenticateAPIKey(ctx, "Bearer "+key)
		wantInvalid(t, "malformed key", err)

		w.setDisabled(t, "bot", true)
		_, err = w.svc.AuthenticateAPIKey(ctx, key)
		wantInvalid(t, "key of a disabled user", err)
		if _, _, err := w.svc.CreateAPIKey(ctx, who, "bot", "another"); err == nil || !strings.HasPrefix(err.Error(), "username: ") {
			t.Errorf("key for a disabled user: err = %v", err)
		}
		w.setDisabled(t, "bot", false)

		if err := w.svc.RevokeAPIKey(ctx, who, info.ID); err != nil {
			t.Fatal(err)
		}
		_, err = w.svc.AuthenticateAPIKey(ctx, key)
		wantInvalid(t, "revoked key", err)
		if err := w.svc.RevokeAPIKey(ctx, who, info.ID); !errors.Is(err, store.ErrConflict) {
			t.Errorf("revoke twice: err = %v, want ErrConflict", err)
		}
		if err := w.svc.RevokeAPIKey(ctx, who, "no-such-id"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("revoke unknown: err = %v, want ErrNotFound", err)
		}
		if !hasAction(t, st, "api_key", info.ID, "apikey.create") || !hasAction(t, st, "api_key", info.ID, "apikey.revoke") {
			t.Error("creating and revoking the key are not both in the audit log")
		}

		if _, _, err := w.svc.CreateAPIKey(ctx, who, "nobody", "x"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("key for an unknown user: err = %v, want ErrNotFound", err)
		}
		if _, _, err := w.svc.CreateAPIKey(ctx, who, "bot", "  "); err == nil || !strings.HasPrefix(err.Error(), "name: ") {
			t.Errorf("key without a name: err = %v", err)
		}
	})
}

// BenchmarkAuthenticate measures the per-request cost of recognising a session cookie (SQLite).
func BenchmarkAuthenticate(b *testing.B) {
	w := newWorld(b, storetest.SQLite(b), auth.Options{})
	s, err := w.svc.Login(context.Background(), "bob", bobPassword, addr, auth.WebSession)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, _, err := w.svc.Authenticate(context.Background(), s.Token); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAuthenticateAPIKey measures the per-request cost of recognising an API key (SQLite).
func BenchmarkAuthenticateAPIKey(b *testing.B) {
	w := newWorld(b, storetest.SQLite(b), auth.Options{})
	key, _, err := w.svc.CreateAPIKey(context.Background(), audit.System, "bot", "bench")
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := w.svc.AuthenticateAPIKey(context.Background(), key); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLogin measures a whole sign-in: throttle check, argon2 and the session write (SQLite).
func BenchmarkLogin(b *testing.B) {
	w := newWorld(b, storetest.SQLite(b), auth.Options{})
	for b.Loop() {
		if _, err := w.svc.Login(context.Background(), "bob", bobPassword, addr, auth.WebSession); err != nil {
			b.Fatal(err)
		}
	}
}
