package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/cityline/cityline/internal/outbox"
)

// DefaultSMSTimeout bounds one request to the SMS gateway when none is configured.
const DefaultSMSTimeout = 10 * time.Second

// HTTPSMSGateway hands text messages to an SMS provider's HTTP API (or a small adapter in front of
// one): it POSTs {"to", "text", "ref"} as JSON, with the outbox key in an Idempotency-Key header so
// that a message retried after a crash is sent once.
type HTTPSMSGateway struct {
	url    string
	token  string
	client *http.Client
}

// NewHTTPSMSGateway posts to url, with "Authorization: Bearer token" when token is set; each request
// gives up after timeout (DefaultSMSTimeout when zero).
func NewHTTPSMSGateway(url, token string, timeout time.Duration) *HTTPSMSGateway {
	if timeout <= 0 {
		timeout = DefaultSMSTimeout
	}
	return &HTTPSMSGateway{url: url, token: token, client: &http.Client{Timeout: timeout}}
}

type smsRequest struct {
	To   string `json:"to"`
	Text string `json:"text"`
	Ref  string `json:"ref,omitempty"`
}

// Send posts one message. A 2xx reply means sent. A 4xx reply means the provider refuses this message
// and retrying cannot help (permanent), except 408 and 429, which ask to come back later. A 5xx reply
// or no reply at all is retried.
func (g *HTTPSMSGateway) Send(ctx context.Context, msg Message) error {
	if msg.Channel != ChannelSMS {
		return outbox.Permanent(fmt.Errorf("sms gateway: cannot send a %q message", msg.Channel))
	}
	body, err := json.Marshal(smsRequest{To: msg.To, Text: msg.Body, Ref: msg.Ref})
	if err != nil {
		return outbox.Permanent(fmt.Errorf("sms gateway: %w", err))
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, g.url, bytes.NewReader(body))
	if err != nil {
		return outbox.Permanent(fmt.Errorf("sms gateway: %w", err))
	}
	req.Header.Set("Content-Type", "application/json")
	if g.token != "" {
		req.Header.Set("Authorization", "Bearer "+g.token)
	}
	if key := IdempotencyKey(ctx); key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	resp, err := g.client.Do(req)
	if err != nil {
		return fmt.Errorf("sms gateway: %w", err)
	}
	// Drain a little so the connection can be reused; the reply's text is not kept, since providers
	// often echo the number.
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	switch code := resp.StatusCode; {
	case code >= 200 && code < 300:
		return nil
	case code == http.StatusRequestTimeout || code == http.StatusTooManyRequests:
		return fmt.Errorf("sms gateway: %s", resp.Status)
	case code >= 400 && code < 500:
		return outbox.Permanent(fmt.Errorf("sms gateway: %s", resp.Status))
	default:
		return fmt.Errorf("sms gateway: %s", resp.Status)
	}
}
