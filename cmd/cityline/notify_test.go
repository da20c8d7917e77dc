package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/cityline/cityline/internal/notify"
	"github.com/cityline/cityline/internal/store"
)

func TestNotifyCommands(t *testing.T) {
	db := cliDB(t)
	if out := mustCLI(t, "notify", "status", "--db", db); out != "pending 0, dead 0\n" {
		t.Fatalf("status of an empty outbox: %q", out)
	}
	out := mustCLI(t, "notify", "send", "--to", "13812345678", "--body", "测试短信", "--db", db)
	if !strings.HasPrefix(out, "queued cli:") {
		t.Fatalf("send: %q", out)
	}
	if code, _, errOut := cli(t, "notify", "send", "--channel", "email", "--to", "a@example.com", "--body", "b", "--db", db); code == 0 || !strings.Contains(errOut, "--subject:") {
		t.Fatalf("e-mail without a subject: exit %d, %q", code, errOut)
	}
	if out := mustCLI(t, "notify", "status", "--db", db); out != "pending 1, dead 0\n" {
		t.Fatalf("status after send: %q", out)
	}

	// Let the queued message die, as a gateway refusing it would.
	ctx := context.Background()
	st, err := store.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	claimed, err := st.Claim(ctx, "test", []string{notify.Topic}, 1, time.Minute)
	if err != nil || len(claimed) != 1 {
		t.Fatalf("claim: %+v, %v", claimed, err)
	}
	if err := st.Fail(ctx, claimed[0].ID, "test", "sms gateway: 400 Bad Request", time.Now(), true); err != nil {
		t.Fatal(err)
	}
	st.Close()

	out = mustCLI(t, "notify", "dead", "--db", db)
	if !strings.Contains(out, claimed[0].ID) || !strings.Contains(out, "400 Bad Request") || strings.Contains(out, "13812345678") {
		t.Fatalf("dead list: %q", out)
	}
	mustCLI(t, "notify", "retry", claimed[0].ID, "--db", db)
	if out := mustCLI(t, "notify", "status", "--db", db); out != "pending 1, dead 0\n" {
		t.Fatalf("status after retry: %q", out)
	}
	if code, _, errOut := cli(t, "notify", "retry", "no-such-id", "--db", db); code == 0 || !strings.Contains(errOut, "not found") {
		t.Fatalf("retry of an unknown record: exit %d, %q", code, errOut)
	}
}

func TestServeRefusesABad110Endpoint(t *testing.T) {
	db := cliDB(t)
	for _, bad := range []string{"ftp://110.example/transfers", "not a url", "http://"} {
		code, _, errOut := cli(t, "serve", "--db", db, "--addr", "127.0.0.1:0", "--police-url", bad)
		if code == 0 || !strings.Contains(errOut, "--police-url") {
			t.Errorf("--police-url %q: exit %d, %q", bad, code, errOut)
		}
	}
}
