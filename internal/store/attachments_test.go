package store_test

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/cityline/cityline/internal/audit"
	"github.com/cityline/cityline/internal/store"
	"github.com/cityline/cityline/internal/store/storetest"
)

func upload(t *testing.T, st *store.Store, by, sha string) store.Attachment {
	t.Helper()
	a, err := st.CreateAttachment(context.Background(), audit.Who{Actor: "tester"}, store.Attachment{
		SHA256: sha, Size: 1234, ContentType: "image/png", FileName: "现场照片.png", UploadedBy: by})
	if err != nil {
		t.Fatalf("create attachment: %v", err)
	}
	return a
}

func link(st *store.Store, by string, ids []string, ticketID, eventID string) error {
	return st.InTxForTest(context.Background(), func(tx *sql.Tx) error {
		return st.LinkAttachments(context.Background(), tx, by, ids, ticketID, eventID)
	})
}

func TestAttachmentCreateAndRead(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		at := time.Date(2026, 11, 28, 9, 30, 0, 0, time.UTC)
		st.SetClock(func() time.Time { return at })
		alice := createTestUser(t, st, "alice", "alice-password-1")
		a := upload(t, st, alice.ID, strings.Repeat("ab", 32))
		if len(a.ID) != 36 || a.ID[14] != '7' {
			t.Errorf("id %q is not a UUIDv7", a.ID)
		}
		got, err := st.Attachment(ctx, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		want := store.Attachment{ID: a.ID, SHA256: strings.Repeat("ab", 32), Size: 1234, ContentType: "image/png",
			FileName: "现场照片.png", UploadedBy: alice.ID, UploadedAt: at}
		if got != want {
			t.Errorf("read back %+v, want %+v", got, want)
		}
		if _, err := st.Attachment(ctx, "0190aaaa-0000-7000-8000-000000000000"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("unknown id: %v, want ErrNotFound", err)
		}
		var action, detail string
		if err := st.QueryRowForTest(ctx, `SELECT action, detail FROM audit_log WHERE object_id = $1`, a.ID).Scan(&action, &detail); err != nil {
			t.Fatalf("audit entry: %v", err)
		}
		if action != "attachment.upload" || strings.Contains(detail, "现场照片") || !strings.Contains(detail, `"size":1234`) {
			t.Errorf("audit %s %s: want the upload recorded without its file name", action, detail)
		}
	})
}

func TestLinkAttachments(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		alice := createTestUser(t, st, "alice", "alice-password-1")
		bob := createTestUser(t, st, "bob", "bob-password-1")
		a1 := upload(t, st, alice.ID, strings.Repeat("01", 32))
		a2 := upload(t, st, alice.ID, strings.Repeat("02", 32))
		b1 := upload(t, st, bob.ID, strings.Repeat("03", 32))

		for _, tc := range []struct {
			name   string
			ids    []string
			bad    string
			reason string
		}{
			{"unknown id", []string{a1.ID, "no-such-id"}, "no-such-id", "no such upload"},
			{"someone else's upload", []string{a2.ID, b1.ID}, b1.ID, "another user"},
		} {
			err := link(st, alice.ID, tc.ids, "ticket-1", "event-1")
			var le *store.AttachmentLinkError
			if !errors.As(err, &le) || le.ID != tc.bad || !strings.Contains(err.Error(), tc.reason) || !strings.HasPrefix(err.Error(), "attachments: ") {
				t.Errorf("%s: %v, want an AttachmentLinkError naming %s", tc.name, err, tc.bad)
			}
		}
		if got, err := st.Attachment(ctx, a1.ID); err != nil || got.TicketID != "" {
			t.Errorf("a refused link must link nothing: %+v %v", got, err)
		}

		if err := link(st, alice.ID, []string{a1.ID, a2.ID, a1.ID}, "ticket-1", "event-1"); err != nil {
			t.Fatalf("link: %v", err)
		}
		if err := link(st, alice.ID, []string{a1.ID}, "ticket-1", "event-2"); err != nil {
			t.Errorf("linking again to the same order (a retry): %v", err)
		}
		err := link(st, alice.ID, []string{a2.ID}, "ticket-2", "")
		var le *store.AttachmentLinkError
		if !errors.As(err, &le) || le.ID != a2.ID || !strings.Contains(le.Reason, "another work order") {
			t.Errorf("linking to a second order: %v", err)
		}
		if err := link(st, bob.ID, []string{b1.ID}, "ticket-2", ""); err != nil {
			t.Fatalf("link without event: %v", err)
		}

		got, err := st.AttachmentsOf(ctx, "ticket-1")
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 || got[0].ID != a1.ID || got[1].ID != a2.ID {
			t.Fatalf("attachments of ticket-1: %+v, want a1 then a2", got)
		}
		for _, a := range got {
			if a.TicketID != "ticket-1" || a.EventID != "event-1" {
				t.Errorf("%s linked to (%q, %q), want (ticket-1, event-1)", a.ID, a.TicketID, a.EventID)
			}
		}
		if got, err := st.AttachmentsOf(ctx, "ticket-2"); err != nil || len(got) != 1 || got[0].ID != b1.ID || got[0].EventID != "" {
			t.Errorf("attachments of ticket-2: %+v %v", got, err)
		}
		if err := link(st, alice.ID, []string{a1.ID}, "", ""); err == nil {
			t.Error("an empty work order id was accepted")
		}
	})
}

func TestLinkAttachmentsRollsBackWithTheCaller(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		alice := createTestUser(t, st, "alice", "alice-password-1")
		a := upload(t, st, alice.ID, strings.Repeat("0f", 32))
		failed := errors.New("the order could not be saved")
		err := st.InTxForTest(ctx, func(tx *sql.Tx) error {
			if err := st.LinkAttachments(ctx, tx, alice.ID, []string{a.ID}, "ticket-1", ""); err != nil {
				return err
			}
			return failed
		})
		if !errors.Is(err, failed) {
			t.Fatalf("transaction: %v", err)
		}
		if got, err := st.Attachment(ctx, a.ID); err != nil || got.TicketID != "" {
			t.Errorf("after rollback: %+v %v, want the upload still unlinked", got, err)
		}
	})
}

func TestPurgeOrphanAttachments(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		day1 := time.Date(2026, 11, 1, 8, 0, 0, 0, time.UTC)
		st.SetClock(func() time.Time { return day1 })
		alice := createTestUser(t, st, "alice", "alice-password-1")
		shared, alone, linked := strings.Repeat("aa", 32), strings.Repeat("bb", 32), strings.Repeat("cc", 32)
		oldShared := upload(t, st, alice.ID, shared)
		oldAlone := upload(t, st, alice.ID, alone)
		oldLinked := upload(t, st, alice.ID, linked)
		if err := link(st, alice.ID, []string{oldLinked.ID}, "ticket-1", ""); err != nil {
			t.Fatal(err)
		}
		st.SetClock(func() time.Time { return day1.Add(30 * time.Hour) })
		fresh := upload(t, st, alice.ID, shared) // the same content sent again today

		unused, err := st.PurgeOrphans(ctx, day1.Add(6*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		if len(unused) != 1 || unused[0] != alone {
			t.Errorf("unused contents %v, want only %s (the shared one is still used today)", unused, alone)
		}
		for id, want := range map[string]bool{oldShared.ID: false, oldAlone.ID: false, oldLinked.ID: true, fresh.ID: true} {
			_, err := st.Attachment(ctx, id)
			if kept := err == nil; kept != want {
				t.Errorf("attachment %s kept = %v, want %v (%v)", id, kept, want, err)
			}
		}
		if again, err := st.PurgeOrphans(ctx, day1.Add(6*time.Hour)); err != nil || len(again) != 0 {
			t.Errorf("second purge: %v %v, want nothing", again, err)
		}
		if n, brk, err := st.VerifyAudit(ctx); err != nil || brk != nil {
			t.Errorf("audit chain after purge (%d entries): %v %v", n, brk, err)
		}
	})
}
