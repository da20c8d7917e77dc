package main

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/cityline/cityline/internal/auth"
	"github.com/cityline/cityline/internal/store"
)

func runAPIKey(ctx context.Context, args []string, out io.Writer) error {
	return runGroup(ctx, "apikey", []subcommand{
		{"create", "make a new API key for an account; the key is printed once", apiKeyCreate},
		{"list", "list an account's keys (without their secrets)", apiKeyList},
		{"revoke", "stop a key from working, for good", apiKeyRevoke},
	}, args, out)
}

// withAuth opens the store and an auth service over it for one command.
func withAuth(ctx context.Context, dbURL string, fn func(svc *auth.Service) error) error {
	return withStore(ctx, dbURL, func(st *store.Store) error { return fn(auth.New(st, auth.Options{})) })
}

func apiKeyCreate(ctx context.Context, args []string, out io.Writer) error {
	fs := helpFlagSet("apikey create", "apikey create --user USERNAME --name LABEL [--db URL]", `
Makes a new API key for an account, usually a machine client (see 'cityline user create --machine').
The client sends it with its API requests and acts with the account's roles and scope.

The key is printed once, alone on the last line, so that scripts can take it with 'tail -1'. Only its
hash is stored: a lost key cannot be shown again; revoke it and make a new one.`, out)
	db := dbFlag(fs)
	username := fs.String("user", "", "username of the account the key signs in as")
	name := fs.String("name", "", "a label that says where the key is used, e.g. \"110 link, server A\"")
	if _, err := parseArgs(fs, args); err != nil {
		return err
	}
	if *username == "" {
		return fmt.Errorf("--user: required")
	}
	return withAuth(ctx, *db, func(svc *auth.Service) error {
		key, info, err := svc.CreateAPIKey(ctx, cliWho(), *username, *name)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "created API key %s (%s) for %s: %q\nkeep it now, it is shown only once:\n%s\n", info.ID, info.Prefix, *username, info.Name, key)
		return nil
	})
}

func apiKeyList(ctx context.Context, args []string, out io.Writer) error {
	fs := helpFlagSet("apikey list", "apikey list --user USERNAME [--db URL]", `
Lists an account's API keys, revoked ones included. PREFIX is the part after "clk_" that a key
starts with, so you can tell which key a client holds; the rest of the key is never stored.`, out)
	db := dbFlag(fs)
	username := fs.String("user", "", "username of the account")
	if _, err := parseArgs(fs, args); err != nil {
		return err
	}
	if *username == "" {
		return fmt.Errorf("--user: required")
	}
	return withAuth(ctx, *db, func(svc *auth.Service) error {
		keys, err := svc.APIKeys(ctx, *username)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tPREFIX\tNAME\tCREATED\tLAST USED\tSTATUS")
		for _, k := range keys {
			status := "active"
			if !k.RevokedAt.IsZero() {
				status = "revoked " + clock(k.RevokedAt)
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", k.ID, k.Prefix, k.Name, clock(k.CreatedAt), clock(k.LastUsedAt), status)
		}
		return tw.Flush()
	})
}

// clock shows an instant in the server's local time, or "-" for never.
func clock(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.Local().Format("2006-01-02 15:04")
}

func apiKeyRevoke(ctx context.Context, args []string, out io.Writer) error {
	fs := helpFlagSet("apikey revoke", "apikey revoke ID [--db URL]", `
Stops the key with this ID (see 'cityline apikey list') from working, at once and for good.`, out)
	db := dbFlag(fs)
	pos, err := parseArgs(fs, args, "ID")
	if err != nil {
		return err
	}
	return withAuth(ctx, *db, func(svc *auth.Service) error {
		if err := svc.RevokeAPIKey(ctx, cliWho(), pos[0]); err != nil {
			return err
		}
		fmt.Fprintf(out, "revoked API key %s\n", pos[0])
		return nil
	})
}
