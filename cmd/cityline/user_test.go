package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/cityline/cityline/internal/access"
	"github.com/cityline/cityline/internal/audit"
	"github.com/cityline/cityline/internal/auth"
	"github.com/cityline/cityline/internal/org"
	"github.com/cityline/cityline/internal/store"
)

// cliDB makes a fresh SQLite database holding a city, one district and one unit, and returns its
// --db URL. The test runs in a temporary directory, so a --db that went unread could not touch the
// default database of a real checkout.
func cliDB(t *testing.T) string {
	t.Helper()
	t.Chdir(t.TempDir())
	dbURL := "sqlite:" + filepath.Join(t.TempDir(), "cli.db")
	ctx := context.Background()
	st, err := store.Open(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.InsertPlaces(ctx, audit.System, []org.Place{
		{Code: "150300", Name: "乌海市", Level: org.LevelCity},
		{Code: "150302", Name: "海勃湾区", Level: org.LevelDistrict, ParentCode: "150300"},
	}, "test"); err != nil {
		t.Fatal(err)
	}
	if _, err := st.CreateUnit(ctx, audit.System, org.Unit{Code: "water", Name: "市水务局", Kind: org.UnitCityDepartment, PlaceCode: "150300"}); err != nil {
		t.Fatal(err)
	}
	return dbURL
}

// cli runs one command line and returns its exit code, standard output and standard error.
func cli(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(context.Background(), args, &out, &errOut)
	return code, out.String(), errOut.String()
}

// mustCLI runs a command line that must succeed and returns its output.
func mustCLI(t *testing.T, args ...string) string {
	t.Helper()
	code, out, errOut := cli(t, args...)
	if code != 0 {
		t.Fatalf("cityline %s: exit %d: %s", strings.Join(args, " "), code, errOut)
	}
	return out
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return lines[len(lines)-1]
}

// withStdin makes the next reads of standard input return text.
func withStdin(t *testing.T, text string) {
	t.Helper()
	f, err := os.CreateTemp(t.TempDir(), "stdin")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString(text); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Seek(0, 0); err != nil {
		t.Fatal(err)
	}
	old := os.Stdin
	os.Stdin = f
	t.Cleanup(func() { os.Stdin = old; f.Close() })
}

// withService opens the database behind the commands, for checking what they did.
func withService(t *testing.T, dbURL string, fn func(st *store.Store, svc *auth.Service)) {
	t.Helper()
	st, err := store.Open(context.Background(), dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	fn(st, auth.New(st, auth.Options{}))
}

func canSignIn(t *testing.T, dbURL, username, password string) bool {
	t.Helper()
	var err error
	withService(t, dbURL, func(_ *store.Store, svc *auth.Service) {
		_, err = svc.Login(context.Background(), username, password, "", auth.WebSession)
	})
	if err != nil && !errors.Is(err, auth.ErrInvalidCredentials) {
		t.Fatalf("sign in as %s: %v", username, err)
	}
	return err == nil
}

func TestUserCreate(t *testing.T) {
	db := cliDB(t)
	out := mustCLI(t, "user", "create", "--db", db, "--username", "bob", "--name", "张三", "--roles", "agent,dispatcher",
		"--unit", "water", "--place", "150302", "--phone", "13812345678")
	if !strings.Contains(out, "created bob (agent,dispatcher; unit water; place 150302)") {
		t.Errorf("create output:\n%s", out)
	}
	password := lastLine(out)
	if len(password) < 16 || !canSignIn(t, db, "bob", password) {
		t.Fatalf("the printed password %q does not sign bob in", password)
	}
	withService(t, db, func(st *store.Store, _ *auth.Service) {
		u, err := st.UserByUsername(context.Background(), "bob")
		if err != nil {
			t.Fatal(err)
		}
		water, _ := st.UnitByCode(context.Background(), "water")
		if !slices.Equal(u.Roles, []access.Role{access.RoleAgent, access.RoleDispatcher}) || u.UnitID != water.ID || u.PlaceCode != "150302" || u.DisplayName != "张三" {
			t.Errorf("stored user = %+v", u)
		}
	})

	withStdin(t, "ann-chosen-pw\n")
	out = mustCLI(t, "user", "create", "--db", db, "--username", "ann", "--name", "Ann", "--roles", "admin", "--password-stdin")
	if strings.Contains(out, "ann-chosen-pw") || !canSignIn(t, db, "ann", "ann-chosen-pw") {
		t.Errorf("--password-stdin: output %q, or the password from standard input does not work", out)
	}

	out = mustCLI(t, "user", "create", "--db", db, "--username", "bot", "--name", "110 link", "--roles", "machine", "--machine")
	if !strings.Contains(out, "apikey create --user bot") {
		t.Errorf("machine create output:\n%s", out)
	}
}

func TestUserCreateRefusals(t *testing.T) {
	db := cliDB(t)
	base := []string{"user", "create", "--db", db, "--username", "eve", "--name", "Eve"}
	for _, c := range []struct {
		name  string
		args  []string
		stdin string
		want  string
	}{
		{"unknown unit", []string{"--roles", "handler", "--unit", "gas"}, "", "--unit gas: no unit"},
		{"unknown place", []string{"--roles", "handler", "--place", "150399"}, "", "--place 150399: no such place"},
		{"unknown role", []string{"--roles", "agent,boss"}, "", "--roles: unknown role"},
		{"no roles", nil, "", "--roles: required"},
		{"bad grid role", []string{"--roles", "grid_worker", "--grid-role", "chief"}, "", "--grid-role: unknown grid role"},
		{"grid worker without grid role", []string{"--roles", "grid_worker"}, "", "grid_role: a grid worker needs a grid role"},
		{"short password", []string{"--roles", "agent", "--password-stdin"}, "short\n", "password: at least 8 characters"},
		{"empty standard input", []string{"--roles", "agent", "--password-stdin"}, "", "--password-stdin: no password"},
		{"machine with password", []string{"--roles", "machine", "--machine", "--password-stdin"}, "", "--password-stdin: a machine client has no password"},
		{"stray argument", []string{"--roles", "agent", "extra"}, "", "want no arguments besides flags"},
	} {
		withStdin(t, c.stdin)
		code, _, errOut := cli(t, append(slices.Clone(base), c.args...)...)
		if code != 1 || !strings.Contains(errOut, c.want) {
			t.Errorf("%s: exit %d, stderr %q; want 1 and %q", c.name, code, errOut, c.want)
		}
	}
	if code, out, _ := cli(t, "user", "list", "--db", db); code != 0 || strings.Contains(out, "eve") {
		t.Errorf("a refused create left an account behind:\n%s", out)
	}
	mustCLI(t, "user", "create", "--db", db, "--username", "gus", "--name", "Gus", "--roles", "agent")
	if code, _, errOut := cli(t, "user", "create", "--db", db, "--username", "gus", "--name", "Gus", "--roles", "agent"); code != 1 || !strings.Contains(errOut, "username: ") {
		t.Errorf("duplicate username: exit %d, stderr %q", code, errOut)
	}
}

func TestUserListDisableEnable(t *testing.T) {
	db := cliDB(t)
	password := lastLine(mustCLI(t, "user", "create", "--db", db, "--username", "bob", "--name", "Bob", "--roles", "agent", "--phone", "13812345678", "--unit", "water"))
	mustCLI(t, "user", "create", "--db", db, "--username", "lily", "--name", "Lily", "--roles", "leader")

	out := mustCLI(t, "user", "list", "--db", db)
	if !strings.Contains(out, "138****5678") || strings.Contains(out, "13812345678") {
		t.Errorf("list must show the phone masked:\n%s", out)
	}
	if !strings.Contains(out, "bob") || !strings.Contains(out, "water") || !strings.Contains(out, "lily") {
		t.Errorf("list lacks an account or its unit:\n%s", out)
	}
	out = mustCLI(t, "user", "list", "--role", "leader", "--db", db)
	if !strings.Contains(out, "lily") || strings.Contains(out, "bob") {
		t.Errorf("list --role leader:\n%s", out)
	}

	// Flags after the username, and no CITYLINE_DB to fall back on.
	mustCLI(t, "user", "disable", "bob", "--db", db)
	if canSignIn(t, db, "bob", password) {
		t.Error("a disabled user signed in")
	}
	if out := mustCLI(t, "user", "list", "--db", db); !strings.Contains(out, "disabled") {
		t.Errorf("list does not show bob disabled:\n%s", out)
	}
	if out := mustCLI(t, "user", "disable", "--db", db, "bob"); !strings.Contains(out, "already disabled") {
		t.Errorf("second disable: %q", out)
	}
	mustCLI(t, "user", "enable", "bob", "--db", db)
	if !canSignIn(t, db, "bob", password) {
		t.Error("an enabled user cannot sign in")
	}
	if code, _, errOut := cli(t, "user", "disable", "nobody", "--db", db); code != 1 || !strings.Contains(errOut, "not found") {
		t.Errorf("disable an unknown user: exit %d, %q", code, errOut)
	}
	if code, _, errOut := cli(t, "user", "disable", "--db", db); code != 1 || !strings.Contains(errOut, "want USERNAME") {
		t.Errorf("disable without a username: exit %d, %q", code, errOut)
	}
}

func TestUserResetPassword(t *testing.T) {
	db := cliDB(t)
	t.Setenv("CITYLINE_DB", db)
	old := lastLine(mustCLI(t, "user", "create", "--username", "bob", "--name", "Bob", "--roles", "agent"))
	fresh := lastLine(mustCLI(t, "user", "reset-password", "bob"))
	if fresh == old || canSignIn(t, db, "bob", old) || !canSignIn(t, db, "bob", fresh) {
		t.Errorf("after reset, the old password must fail and the new one %q work", fresh)
	}
	withStdin(t, "chosen-by-bob\n")
	mustCLI(t, "user", "reset-password", "bob", "--password-stdin")
	if !canSignIn(t, db, "bob", "chosen-by-bob") {
		t.Error("password from standard input does not work")
	}
	mustCLI(t, "user", "create", "--username", "bot", "--name", "Bot", "--roles", "machine", "--machine")
	if code, _, errOut := cli(t, "user", "reset-password", "bot"); code != 1 || !strings.Contains(errOut, "machine client") {
		t.Errorf("reset a machine's password: exit %d, %q", code, errOut)
	}
}

func TestUserSetRoles(t *testing.T) {
	db := cliDB(t)
	t.Setenv("CITYLINE_DB", db)
	mustCLI(t, "user", "create", "--username", "bob", "--name", "Bob", "--roles", "agent", "--place", "150302")
	out := mustCLI(t, "user", "set-roles", "bob", "--roles", "grid_worker,handler", "--grid-role", "leader", "--unit", "water")
	if !strings.Contains(out, "updated bob (grid_worker,handler; unit water; place 150302; grid role leader)") {
		t.Errorf("set-roles output: %q", out)
	}
	out = mustCLI(t, "user", "set-roles", "bob", "--roles", "handler", "--grid-role", "", "--place", "")
	if !strings.Contains(out, "updated bob (handler; unit water)") {
		t.Errorf("clearing place and grid role: %q", out)
	}
	withService(t, db, func(st *store.Store, _ *auth.Service) {
		u, err := st.UserByUsername(context.Background(), "bob")
		if err != nil || u.PlaceCode != "" || u.GridRole != "" || !slices.Equal(u.Roles, []access.Role{access.RoleHandler}) {
			t.Errorf("stored user = %+v, %v", u, err)
		}
	})
	if code, _, errOut := cli(t, "user", "set-roles", "bob", "--roles", "handler", "--place", "150303"); code != 1 || !strings.Contains(errOut, "--place 150303") {
		t.Errorf("unknown place: exit %d, %q", code, errOut)
	}
	if code, _, errOut := cli(t, "user", "set-roles", "bob"); code != 1 || !strings.Contains(errOut, "--roles: required") {
		t.Errorf("set-roles without roles: exit %d, %q", code, errOut)
	}
}

func TestAPIKeyCommands(t *testing.T) {
	db := cliDB(t)
	t.Setenv("CITYLINE_DB", db)
	mustCLI(t, "user", "create", "--username", "bot", "--name", "110 link", "--roles", "machine", "--machine", "--unit", "water")
	key := lastLine(mustCLI(t, "apikey", "create", "--user", "bot", "--name", "110 link, server A"))
	if !strings.HasPrefix(key, "clk_") || strings.ContainsAny(key, " \t") {
		t.Fatalf("last line %q is not the key alone", key)
	}
	var keyID string
	withService(t, db, func(_ *store.Store, svc *auth.Service) {
		actor, err := svc.AuthenticateAPIKey(context.Background(), key)
		if err != nil || actor.Username != "bot" {
			t.Fatalf("the printed key does not work: %+v, %v", actor, err)
		}
		keys, err := svc.APIKeys(context.Background(), "bot")
		if err != nil || len(keys) != 1 {
			t.Fatalf("keys = %v, %v", keys, err)
		}
		keyID = keys[0].ID
	})

	out := mustCLI(t, "apikey", "list", "--user", "bot")
	if !strings.Contains(out, keyID) || !strings.Contains(out, key[4:12]) || strings.Contains(out, key) || !strings.Contains(out, "active") {
		t.Errorf("list must show the id and prefix, never the key:\n%s", out)
	}
	mustCLI(t, "apikey", "revoke", keyID)
	withService(t, db, func(_ *store.Store, svc *auth.Service) {
		if _, err := svc.AuthenticateAPIKey(context.Background(), key); !errors.Is(err, auth.ErrInvalidCredentials) {
			t.Errorf("revoked key: err = %v", err)
		}
	})
	if out := mustCLI(t, "apikey", "list", "--user", "bot"); !strings.Contains(out, "revoked") {
		t.Errorf("list does not show the key revoked:\n%s", out)
	}
	if code, _, errOut := cli(t, "apikey", "revoke", keyID); code != 1 || !strings.Contains(errOut, "already revoked") {
		t.Errorf("revoke twice: exit %d, %q", code, errOut)
	}
	if code, _, errOut := cli(t, "apikey", "create", "--name", "x"); code != 1 || !strings.Contains(errOut, "--user: required") {
		t.Errorf("create without --user: exit %d, %q", code, errOut)
	}
	if code, _, errOut := cli(t, "apikey", "create", "--user", "nobody", "--name", "x"); code != 1 || !strings.Contains(errOut, "not found") {
		t.Errorf("create for an unknown user: exit %d, %q", code, errOut)
	}
}

func TestUserAndAPIKeyHelp(t *testing.T) {
	for _, c := range []struct {
		args []string
		want []string
	}{
		{[]string{"user", "--help"}, []string{"create", "reset-password", "set-roles"}},
		{[]string{"apikey", "help"}, []string{"create", "list", "revoke"}},
		{[]string{"user", "create", "--help"}, []string{"random password", "-password-stdin", "-grid-role", "-machine"}},
		{[]string{"user", "disable", "--help"}, []string{"sessions end", "USERNAME"}},
		{[]string{"apikey", "create", "--help"}, []string{"tail -1", "-user", "-name"}},
	} {
		code, out, _ := cli(t, c.args...)
		if code != 0 {
			t.Errorf("%v: exit %d", c.args, code)
		}
		for _, w := range c.want {
			if !strings.Contains(out, w) {
				t.Errorf("%v: help lacks %q:\n%s", c.args, w, out)
			}
		}
	}
	if code, _, errOut := cli(t, "user", "remove", "bob"); code != 1 || !strings.Contains(errOut, `unknown command "remove"`) {
		t.Errorf("unknown subcommand: exit %d, %q", code, errOut)
	}
	if code, _, _ := cli(t, "user"); code != 1 {
		t.Errorf("user without a command: exit %d, want 1", code)
	}
}
