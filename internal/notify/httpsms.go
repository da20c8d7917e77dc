package notify

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/cityline/cityline/internal/outbox"
	"github.com/cityline/cityline/internal/webhook"
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
	if err := webhook.Post(ctx, g.client, g.url, g.token, IdempotencyKey(ctx), smsRequest{To: msg.To, Text: msg.Body, Ref: msg.Ref}); err != nil {
		return fmt.Errorf("sms gateway: %w", err)
	}
	return nil
}
