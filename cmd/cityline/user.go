package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/cityline/cityline/internal/access"
	"github.com/cityline/cityline/internal/auth"
	"github.com/cityline/cityline/internal/store"
)

// subcommand is one verb of a command group such as `cityline user`.
type subcommand struct {
	name    string
	summary string
	run     func(ctx context.Context, args []string, out io.Writer) error
}

// runGroup runs the subcommand named by args[0], or lists the subcommands.
func runGroup(ctx context.Context, group string, subs []subcommand, args []string, out io.Writer) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprintf(out, "Usage: cityline %s COMMAND [ARGS] [flags]\n\nCommands:\n", group)
		for _, s := range subs {
			fmt.Fprintf(out, "  %-15s %s\n", s.name, s.summary)
		}
		fmt.Fprintf(out, "\nRun 'cityline %s COMMAND --help' for what a command does and its flags.\n", group)
		if len(args) == 0 {
			return fmt.Errorf("which %s command? see the list above", group)
		}
		return flag.ErrHelp
	}
	var names []string
	for _, s := range subs {
		if s.name == args[0] {
			return s.run(ctx, args[1:], out)
		}
		names = append(names, s.name)
	}
	return fmt.Errorf("unknown command %q: want one of %s", args[0], strings.Join(names, ", "))
}

// helpFlagSet is newFlagSet with a paragraph that explains the command to someone new to it.
func helpFlagSet(name, synopsis, about string, out io.Writer) *flag.FlagSet {
	fs := newFlagSet(name, synopsis, out)
	fs.Usage = func() {
		fmt.Fprintf(out, "Usage: cityline %s\n\n%s\n\nFlags:\n", synopsis, strings.TrimSpace(about))
		fs.PrintDefaults()
	}
	return fs
}

// parseArgs parses flags given before, between or after the positional arguments
// (`user disable bob --db URL` as well as `user disable --db URL bob`) and returns the positional
// ones, of which there must be exactly len(names).
func parseArgs(fs *flag.FlagSet, args []string, names ...string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			break
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
	if err := parseFlags(fs, nil); err != nil {
		return nil, err
	}
	if len(pos) != len(names) {
		want := "no arguments besides flags"
		if len(names) > 0 {
			want = strings.Join(names, " ")
		}
		return nil, fmt.Errorf("want %s, got %q (see --help)", want, pos)
	}
	return pos, nil
}

// openFileArg parses flags around exactly one FILE argument (named name in errors) and opens it.
func openFileArg(fs *flag.FlagSet, args []string, name string) (*os.File, error) {
	files, err := parseArgs(fs, args, name)
	if err != nil {
		return nil, err
	}
	return os.Open(files[0])
}

// withStore opens the database for one command and closes it afterwards.
func withStore(ctx context.Context, dbURL string, fn func(st *store.Store) error) error {
	st, err := store.Open(ctx, dbURL)
	if err != nil {
		return err
	}
	defer st.Close()
	return fn(st)
}

// withUser is withStore for a command about one existing account.
func withUser(ctx context.Context, dbURL, username string, fn func(st *store.Store, u access.User) error) error {
	return withStore(ctx, dbURL, func(st *store.Store) error {
		u, err := st.UserByUsername(ctx, username)
		if err != nil {
			return err
		}
		return fn(st, u)
	})
}

func runUser(ctx context.Context, args []string, out io.Writer) error {
	return runGroup(ctx, "user", []subcommand{
		{"create", "create a person's account, or a machine client's", userCreate},
		{"list", "list accounts with their roles and scope", userList},
		{"disable", "stop an account from signing in and end its sessions", userSetDisabled(true)},
		{"enable", "let a disabled account sign in again", userSetDisabled(false)},
		{"reset-password", "give an account a new password and end its sessions", userResetPassword},
		{"set-roles", "change an account's roles, unit, place or grid role", userSetRoles},
	}, args, out)
}

var rolesHelp = joinRoles(access.AllRoles, ", ")

// accountFlags are the flags that say what an account may do and where.
type accountFlags struct {
	roles, unit, place, gridRole *string
}

func addAccountFlags(fs *flag.FlagSet) accountFlags {
	return accountFlags{
		roles:    fs.String("roles", "", "comma-separated roles, e.g. agent,dispatcher; one or more of: "+rolesHelp),
		unit:     fs.String("unit", "", "code of the unit (department, utility, street office) the account works for"),
		place:    fs.String("place", "", "official code of the place the account covers, e.g. 150302 (a district) or a grid's 15 digits"),
		gridRole: fs.String("grid-role", "", "for grid workers: leader, police, specialist or part_time"),
	}
}

// apply writes the flags onto u, resolving unit and place codes. --roles is required; any other flag
// that was not given leaves u as it is, and given as "" it clears the field.
func (f accountFlags) apply(ctx context.Context, st *store.Store, fs *flag.FlagSet, u *access.User) error {
	given := map[string]bool{}
	fs.Visit(func(fl *flag.Flag) { given[fl.Name] = true })
	set := func(name, value string) bool { return given[name] || value != "" }
	roles, err := access.ParseRoles(*f.roles)
	if err != nil {
		return fmt.Errorf("--roles: %w", err)
	}
	if len(roles) == 0 {
		return fmt.Errorf("--roles: required, one or more of %s", rolesHelp)
	}
	u.Roles = roles
	if set("unit", *f.unit) {
		u.UnitID, err = resolveCode("--unit", *f.unit, "no unit has this code", func(code string) (string, error) {
			unit, err := st.UnitByCode(ctx, code)
			return unit.ID, err
		})
		if err != nil {
			return err
		}
	}
	if set("place", *f.place) {
		u.PlaceCode, err = resolveCode("--place", *f.place, "no such place (places come from 'cityline import geo')", func(code string) (string, error) {
			p, err := st.Place(ctx, code)
			return p.Code, err
		})
		if err != nil {
			return err
		}
	}
	if set("grid-role", *f.gridRole) {
		gr, err := access.ParseGridRole(*f.gridRole)
		if err != nil {
			return fmt.Errorf("--grid-role: %w", err)
		}
		u.GridRole = gr
	}
	return nil
}

// resolveCode turns a code given in a flag into what is stored (find's answer), "" into "", and a code
// that matches nothing into an error that names the flag.
func resolveCode(flagName, code, missing string, find func(code string) (string, error)) (string, error) {
	if code == "" {
		return "", nil
	}
	v, err := find(code)
	if errors.Is(err, store.ErrNotFound) {
		return "", fmt.Errorf("%s %s: %s", flagName, code, missing)
	}
	return v, err
}

func userCreate(ctx context.Context, args []string, out io.Writer) error {
	fs := helpFlagSet("user create", "user create --username NAME --name DISPLAY --roles ROLES [flags]", `
Creates an account. Roles say what the account may do; --unit and --place say where: an account
sees and acts on records of its unit, or of places whose code starts with its place's code.

A person's account gets a random password, printed once on the last line: pass it on safely and
ask the person to change it. With --password-stdin the first line of standard input is the
password instead (at least 8 characters), e.g.  printf '%s\n' "$PW" | cityline user create … --password-stdin

A machine client (--machine: another system, such as 110's) has no password; it signs in with an
API key, made with 'cityline apikey create'.`, out)
	db := dbFlag(fs)
	username := fs.String("username", "", "sign-in name: 2-64 characters of a-z, 0-9, '.', '_', '-'")
	name := fs.String("name", "", "the name colleagues see, e.g. 张三 or 110 联动接口")
	account := addAccountFlags(fs)
	phone := fs.String("phone", "", "mobile (11 digits) or landline with area code; shown masked")
	machine := fs.Bool("machine", false, "a system client that signs in only with API keys")
	pwStdin := fs.Bool("password-stdin", false, "read the password from standard input instead of generating one")
	if _, err := parseArgs(fs, args); err != nil {
		return err
	}
	if *machine && *pwStdin {
		return errors.New("--password-stdin: a machine client has no password")
	}
	return withStore(ctx, *db, func(st *store.Store) error {
		u := access.User{Username: *username, DisplayName: *name, Phone: *phone, Machine: *machine}
		if err := account.apply(ctx, st, fs, &u); err != nil {
			return err
		}
		var password, hash string
		var err error
		if !*machine {
			if password, hash, err = newPassword(*pwStdin); err != nil {
				return err
			}
		}
		if u, err = st.CreateUser(ctx, cliWho(), u, hash); err != nil {
			return err
		}
		fmt.Fprintf(out, "created %s\n", describeUser(ctx, st, u))
		switch {
		case *machine:
			fmt.Fprintf(out, "it signs in with API keys: cityline apikey create --user %s --name LABEL\n", u.Username)
		case !*pwStdin:
			fmt.Fprintf(out, "password, shown only now:\n%s\n", password)
		}
		return nil
	})
}

// newPassword reads a password from standard input, or makes one up, and hashes it.
func newPassword(fromStdin bool) (password, hash string, err error) {
	if fromStdin {
		line, err := bufio.NewReader(os.Stdin).ReadString('\n')
		if err != nil && (!errors.Is(err, io.EOF) || line == "") {
			return "", "", fmt.Errorf("--password-stdin: no password on standard input (%w)", err)
		}
		password = strings.TrimRight(line, "\r\n")
	} else {
		password = auth.GeneratePassword()
	}
	hash, err = auth.HashPassword(password)
	return password, hash, err
}

// describeUser is a one-line summary of an account for command output.
func describeUser(ctx context.Context, st *store.Store, u access.User) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s (%s", u.Username, joinRoles(u.Roles, ","))
	if u.UnitID != "" {
		if unit, err := st.Unit(ctx, u.UnitID); err == nil {
			fmt.Fprintf(&b, "; unit %s", unit.Code)
		}
	}
	if u.PlaceCode != "" {
		fmt.Fprintf(&b, "; place %s", u.PlaceCode)
	}
	if u.GridRole != "" {
		fmt.Fprintf(&b, "; grid role %s", u.GridRole)
	}
	b.WriteString(")")
	return b.String()
}

func joinRoles(roles []access.Role, sep string) string {
	names := make([]string, len(roles))
	for i, r := range roles {
		names[i] = string(r)
	}
	return strings.Join(names, sep)
}

func userList(ctx context.Context, args []string, out io.Writer) error {
	fs := helpFlagSet("user list", "user list [--role ROLE] [--db URL]", `
Lists every account with its roles, unit, place and status. Phone numbers are shown masked.`, out)
	db := dbFlag(fs)
	role := fs.String("role", "", "only accounts with this role, one of: "+rolesHelp)
	if _, err := parseArgs(fs, args); err != nil {
		return err
	}
	var filter store.UserFilter
	if *role != "" {
		r, err := access.ParseRole(*role)
		if err != nil {
			return fmt.Errorf("--role: %w", err)
		}
		filter.Role = r
	}
	return withStore(ctx, *db, func(st *store.Store) error {
		users, err := st.Users(ctx, filter)
		if err != nil {
			return err
		}
		units, err := st.Units(ctx, store.UnitFilter{})
		if err != nil {
			return err
		}
		unitCode := map[string]string{"": "-"}
		for _, u := range units {
			unitCode[u.ID] = u.Code
		}
		tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "USERNAME\tNAME\tROLES\tUNIT\tPLACE\tPHONE\tSTATUS")
		for _, u := range users {
			status := "active"
			if u.Disabled {
				status = "disabled"
			}
			if u.Machine {
				status += ", machine"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", u.Username, u.DisplayName, joinRoles(u.Roles, ","), unitCode[u.UnitID],
				orDash(u.PlaceCode), orDash(access.MaskPhone(u.Phone)), status)
		}
		return tw.Flush()
	})
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func userSetDisabled(disabled bool) func(ctx context.Context, args []string, out io.Writer) error {
	verb, about := "enable", `
Lets a disabled account sign in again. Its old sessions stay ended; it signs in afresh.`
	if disabled {
		verb, about = "disable", `
Stops an account from signing in: its sessions end at once and its API keys stop working. Nothing is
deleted, so its history stays readable; 'cityline user enable' undoes it.`
	}
	return func(ctx context.Context, args []string, out io.Writer) error {
		fs := helpFlagSet("user "+verb, "user "+verb+" USERNAME [--db URL]", about, out)
		db := dbFlag(fs)
		pos, err := parseArgs(fs, args, "USERNAME")
		if err != nil {
			return err
		}
		return withUser(ctx, *db, pos[0], func(st *store.Store, u access.User) error {
			if u.Disabled == disabled {
				fmt.Fprintf(out, "%s is already %sd\n", u.Username, verb)
				return nil
			}
			u.Disabled = disabled
			if _, err := st.UpdateUser(ctx, cliWho(), u); err != nil {
				return err
			}
			fmt.Fprintf(out, "%sd %s\n", verb, u.Username)
			return nil
		})
	}
}

func userResetPassword(ctx context.Context, args []string, out io.Writer) error {
	fs := helpFlagSet("user reset-password", "user reset-password USERNAME [--password-stdin] [--db URL]", `
Gives an account a new password and ends all its sessions. Without --password-stdin a random password
is made and printed once, on the last line.`, out)
	db := dbFlag(fs)
	pwStdin := fs.Bool("password-stdin", false, "read the new password from standard input instead of generating one")
	pos, err := parseArgs(fs, args, "USERNAME")
	if err != nil {
		return err
	}
	return withUser(ctx, *db, pos[0], func(st *store.Store, u access.User) error {
		if u.Machine {
			return fmt.Errorf("%s is a machine client: it has no password; see 'cityline apikey'", u.Username)
		}
		password, hash, err := newPassword(*pwStdin)
		if err != nil {
			return err
		}
		if err := st.SetPasswordHash(ctx, cliWho(), u.ID, hash); err != nil {
			return err
		}
		fmt.Fprintf(out, "password of %s replaced; its sessions have ended\n", u.Username)
		if !*pwStdin {
			fmt.Fprintf(out, "new password, shown only now:\n%s\n", password)
		}
		return nil
	})
}

func userSetRoles(ctx context.Context, args []string, out io.Writer) error {
	fs := helpFlagSet("user set-roles", "user set-roles USERNAME --roles ROLES [--unit CODE] [--place CODE] [--grid-role ROLE] [--db URL]", `
Replaces an account's roles, and its unit, place or grid role when those flags are given
(give one as "" to clear it). The account's sessions go on with the new rights.`, out)
	db := dbFlag(fs)
	account := addAccountFlags(fs)
	pos, err := parseArgs(fs, args, "USERNAME")
	if err != nil {
		return err
	}
	return withUser(ctx, *db, pos[0], func(st *store.Store, u access.User) error {
		if err := account.apply(ctx, st, fs, &u); err != nil {
			return err
		}
		u, err := st.UpdateUser(ctx, cliWho(), u)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "updated %s\n", describeUser(ctx, st, u))
		return nil
	})
}
