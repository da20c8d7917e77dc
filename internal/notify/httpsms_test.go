package notify

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/cityline/cityline/internal/outbox"
)

func TestHTTPSMSGatewayRequest(t *testing.T) {
	var got struct {
		method, contentType, auth, key string
		body                           smsRequest
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got.method, got.contentType, got.auth, got.key = r.Method, r.Header.Get("Content-Type"), r.Header.Get("Authorization"), r.Header.Get("Idempotency-Key")
		if err := json.NewDecoder(r.Body).Decode(&got.body); err != nil {
			t.Errorf("decode request: %v", err)
		}
		w.WriteHeader(http.StatusAccepted)
	}))
	defer srv.Close()
	g := NewHTTPSMSGateway(srv.URL, "s3cret", time.Second)
	ctx := withIdempotencyKey(context.Background(), "WH20261128000123:accepted:sms")
	if err := g.Send(ctx, sms("13812345678", "您的工单已受理")); err != nil {
		t.Fatal(err)
	}
	if got.method != http.MethodPost || got.contentType != "application/json" || got.auth != "Bearer s3cret" ||
		got.key != "WH20261128000123:accepted:sms" ||
		got.body != (smsRequest{To: "13812345678", Text: "您的工单已受理", Ref: "WH20261128000123"}) {
		t.Fatalf("request = %+v", got)
	}
	// Without a token or a key, neither header is sent.
	if err := NewHTTPSMSGateway(srv.URL, "", 0).Send(context.Background(), sms("13812345678", "x")); err != nil {
		t.Fatal(err)
	}
	if got.auth != "" || got.key != "" {
		t.Fatalf("headers without token and key: auth %q, key %q", got.auth, got.key)
	}
}

func TestHTTPSMSGatewayClassifiesReplies(t *testing.T) {
	for _, tc := range []struct {
		status    int
		ok, final bool
	}{
		{200, true, false}, {202, true, false}, {204, true, false},
		{400, false, true}, {401, false, true}, {404, false, true}, {422, false, true},
		{408, false, false}, {429, false, false},
		{500, false, false}, {502, false, false}, {503, false, false},
	} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(tc.status)
			w.Write([]byte(`{"error":"number 13812345678 rejected"}`))
		}))
		err := NewHTTPSMSGateway(srv.URL, "", time.Second).Send(context.Background(), sms("13812345678", "x"))
		srv.Close()
		if (err == nil) != tc.ok || outbox.IsPermanent(err) != tc.final {
			t.Errorf("status %d: err = %v (permanent %v); want ok=%v permanent=%v", tc.status, err, outbox.IsPermanent(err), tc.ok, tc.final)
		}
		if err != nil && strings.Contains(err.Error(), "13812345678") {
			t.Errorf("status %d: error %q repeats the number", tc.status, err)
		}
	}
}

func TestHTTPSMSGatewayRetriesWhenUnreachableOrSlow(t *testing.T) {
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(2 * time.Second):
		}
	}))
	defer slow.Close()
	err := NewHTTPSMSGateway(slow.URL, "", 50*time.Millisecond).Send(context.Background(), sms("13812345678", "x"))
	if err == nil || outbox.IsPermanent(err) {
		t.Fatalf("timeout: err = %v, want a retryable error", err)
	}
	gone := httptest.NewServer(http.NotFoundHandler())
	gone.Close()
	err = NewHTTPSMSGateway(gone.URL, "", time.Second).Send(context.Background(), sms("13812345678", "x"))
	if err == nil || outbox.IsPermanent(err) {
		t.Fatalf("unreachable: err = %v, want a retryable error", err)
	}
	err = NewHTTPSMSGateway(gone.URL, "", time.Second).Send(context.Background(), email("a@example.com", "s", "b"))
	if !outbox.IsPermanent(err) {
		t.Fatalf("an e-mail through the SMS gateway: %v, want a permanent failure", err)
	}
}
