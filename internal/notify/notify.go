// Package notify sends messages to citizens and staff (SMS, e-mail) through pluggable gateways.
// Messages travel through the outbox under the topic "notify.send", so a message queued with a change
// survives a restart and is retried with back-off until a gateway accepts it.
package notify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/mail"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/cityline/cityline/internal/outbox"
)

// Topic is the outbox topic whose payload is a Message.
const Topic = "notify.send"

// Channels a message can go out on.
const (
	ChannelSMS   = "sms"
	ChannelEmail = "email"
)

// Limits that keep a message deliverable: an SMS longer than a few segments is refused by carriers,
// and an e-mail body this size is already far beyond any notice.
const (
	maxSMSRunes    = 500
	maxEmailBody   = 100_000
	maxSubjectRune = 200
	maxRefLen      = 64
)

// Message is one notice to one recipient.
type Message struct {
	Channel string `json:"channel"` // ChannelSMS or ChannelEmail
	To      string `json:"to"`      // a mainland mobile number, or a bare e-mail address
	Subject string `json:"subject,omitempty"`
	Body    string `json:"body"`
	Ref     string `json:"ref,omitempty"` // what the message is about, e.g. a work-order number
}

var mobile = regexp.MustCompile(`^1[3-9][0-9]{9}$`)

// Validate checks a message before it is queued or sent; errors name the field first and never
// repeat the recipient, which is personal data.
func (m Message) Validate() error {
	fields := []struct{ name, value string }{{"to", m.To}, {"subject", m.Subject}, {"body", m.Body}, {"ref", m.Ref}}
	for _, f := range fields {
		if !utf8.ValidString(f.value) {
			return fmt.Errorf("%s: not valid UTF-8", f.name)
		}
		// Header fields must be one line, or a value could smuggle in headers of its own.
		if f.name != "body" && strings.ContainsAny(f.value, "\r\n") {
			return fmt.Errorf("%s: must be a single line", f.name)
		}
	}
	switch m.Channel {
	case ChannelSMS:
		if !mobile.MatchString(m.To) {
			return errors.New("to: not a mainland mobile number (11 digits starting with 1)")
		}
		if n := utf8.RuneCountInString(m.Body); n > maxSMSRunes {
			return fmt.Errorf("body: %d characters, an SMS takes at most %d", n, maxSMSRunes)
		}
	case ChannelEmail:
		if a, err := mail.ParseAddress(m.To); err != nil || a.Address != m.To {
			return errors.New("to: not a bare e-mail address (name@example.com)")
		}
		if strings.TrimSpace(m.Subject) == "" {
			return errors.New("subject: required for e-mail")
		}
		if len(m.Body) > maxEmailBody {
			return fmt.Errorf("body: more than %d bytes", maxEmailBody)
		}
	case "":
		return errors.New("channel: required (sms or email)")
	default:
		return fmt.Errorf("channel: %q is not sms or email", m.Channel)
	}
	switch {
	case strings.TrimSpace(m.Body) == "":
		return errors.New("body: required")
	case utf8.RuneCountInString(m.Subject) > maxSubjectRune:
		return fmt.Errorf("subject: at most %d characters", maxSubjectRune)
	case len(m.Ref) > maxRefLen:
		return fmt.Errorf("ref: at most %d bytes", maxRefLen)
	}
	return nil
}

// Record wraps msg as an outbox record under Topic. key must be unique per message meant (for example
// "WH20261128000123:accepted:sms"): enqueueing the same key twice sends once, and the gateways pass
// the key on so that the far side can drop a repeat. Record does not validate msg; call Validate first
// to refuse a bad message before the change commits, or it goes dead when the handler meets it.
func Record(msg Message, key string) outbox.Record {
	payload, _ := json.Marshal(msg) // a struct of strings always encodes
	return outbox.Record{Topic: Topic, Key: key, Payload: payload}
}

// Gateway delivers one message. An error wrapped with outbox.Permanent means retrying cannot help
// (the recipient was refused); any other error is retried with back-off. Gateways receive the outbox
// record's key through the context (IdempotencyKey) and should pass it on.
type Gateway interface {
	Send(ctx context.Context, msg Message) error
}

type keyCtx struct{}

func withIdempotencyKey(ctx context.Context, key string) context.Context {
	return context.WithValue(ctx, keyCtx{}, key)
}

// IdempotencyKey returns the key of the outbox record being delivered, or "" when Send was called
// outside the outbox.
func IdempotencyKey(ctx context.Context) string {
	k, _ := ctx.Value(keyCtx{}).(string)
	return k
}

// Handler delivers "notify.send" records through g (usually a Router). A payload that does not decode
// or validate goes dead at once: retrying would not change it.
func Handler(g Gateway) outbox.Handler {
	return func(ctx context.Context, c outbox.Claimed) error {
		var msg Message
		if err := json.Unmarshal(c.Payload, &msg); err != nil {
			return outbox.Permanent(fmt.Errorf("notify payload: %w", err))
		}
		if err := msg.Validate(); err != nil {
			return outbox.Permanent(fmt.Errorf("notify payload: %w", err))
		}
		return g.Send(withIdempotencyKey(ctx, c.Key), msg)
	}
}
