package notify

import (
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/cityline/cityline/internal/outbox"
)

func TestNewRouterDefaultsToTheLogFile(t *testing.T) {
	r, err := NewRouter(Config{})
	if err != nil {
		t.Fatal(err)
	}
	for _, ch := range []string{ChannelSMS, ChannelEmail} {
		if g, ok := r.byChannel[ch].(*LogGateway); !ok || g.path != DefaultLogFile {
			t.Errorf("%s goes to %#v, want the log gateway on %s", ch, r.byChannel[ch], DefaultLogFile)
		}
	}
}

func TestRouterSendsByChannel(t *testing.T) {
	var smsCalls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { smsCalls.Add(1) }))
	defer srv.Close()
	logFile := filepath.Join(t.TempDir(), "n.log")
	r, err := NewRouter(Config{LogFile: logFile, SMSURL: srv.URL, SMSToken: "t"})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Send(context.Background(), sms("13812345678", "x")); err != nil || smsCalls.Load() != 1 {
		t.Fatalf("sms: %v, %d calls to the SMS gateway", err, smsCalls.Load())
	}
	if err := r.Send(context.Background(), email("li@example.com", "s", "b")); err != nil {
		t.Fatal(err)
	}
	if lines := readLog(t, logFile); len(lines) != 1 || lines[0].Channel != ChannelEmail {
		t.Fatalf("log file = %+v, want the e-mail only", lines)
	}
	if err := r.Send(context.Background(), Message{Channel: "fax"}); !outbox.IsPermanent(err) {
		t.Fatalf("unknown channel: %v, want a permanent failure", err)
	}

	r, err = NewRouter(Config{SMTPHost: "mail.example.com", SMTPFrom: "12345@example.com", SMTPUser: "u", SMTPPassword: "p"})
	if err != nil {
		t.Fatal(err)
	}
	if g, ok := r.byChannel[ChannelEmail].(*SMTPGateway); !ok || g.Port != DefaultSMTPPort || g.User != "u" {
		t.Fatalf("email goes to %#v, want SMTP on port %d", r.byChannel[ChannelEmail], DefaultSMTPPort)
	}
}

func TestNewRouterNamesTheBadField(t *testing.T) {
	for _, tc := range []struct {
		cfg   Config
		field string
	}{
		{Config{SMTPHost: "mail.example.com"}, "SMTPFrom:"},
		{Config{SMTPHost: "mail.example.com", SMTPFrom: "热线 <12345@example.com>"}, "SMTPFrom:"},
		{Config{SMTPHost: "mail.example.com", SMTPFrom: "a@example.com", SMTPPort: 70000}, "SMTPPort:"},
		{Config{SMTPHost: "mail.example.com", SMTPFrom: "a@example.com", SMTPPassword: "p"}, "SMTPPassword:"},
		{Config{SMTPFrom: "a@example.com"}, "SMTPHost:"},
		{Config{SMTPPort: 25}, "SMTPHost:"},
		{Config{SMSURL: "sms.example.com/send"}, "SMSURL:"},
		{Config{SMSURL: "ftp://sms.example.com/send"}, "SMSURL:"},
		{Config{SMSURL: "https://sms.example.com/send", SMSTimeout: -1}, "SMSTimeout:"},
		{Config{SMSToken: "t"}, "SMSURL:"},
	} {
		if _, err := NewRouter(tc.cfg); err == nil || !strings.HasPrefix(err.Error(), tc.field) {
			t.Errorf("%+v: err = %v, want one starting %q", tc.cfg, err, tc.field)
		}
	}
}
