package notify

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"net/url"
	"time"

	"github.com/cityline/cityline/internal/outbox"
)

// Config chooses the gateways. A channel without its own gateway configured goes to the log file, so
// a fresh install (and the demo) sends nothing outside until told where to.
type Config struct {
	LogFile string // DefaultLogFile when empty

	SMTPHost     string // empty: e-mail goes to the log file
	SMTPPort     int    // 587 when zero
	SMTPFrom     string
	SMTPUser     string // empty: no sign-in
	SMTPPassword string

	SMSURL     string // empty: SMS goes to the log file
	SMSToken   string
	SMSTimeout time.Duration // DefaultSMSTimeout when zero
}

// DefaultSMTPPort is the mail submission port.
const DefaultSMTPPort = 587

// Router sends each message through the gateway for its channel.
type Router struct {
	byChannel map[string]Gateway
}

// NewRouter checks cfg and builds the gateways; an error names the Config field at fault.
func NewRouter(cfg Config) (*Router, error) {
	logGW := NewLogGateway(cfg.LogFile)
	r := &Router{byChannel: map[string]Gateway{ChannelEmail: logGW, ChannelSMS: logGW}}

	if cfg.SMTPHost != "" {
		port := cfg.SMTPPort
		if port == 0 {
			port = DefaultSMTPPort
		}
		if port < 1 || port > 65535 {
			return nil, fmt.Errorf("SMTPPort: %d is not a port number", cfg.SMTPPort)
		}
		if a, err := mail.ParseAddress(cfg.SMTPFrom); err != nil || a.Address != cfg.SMTPFrom {
			return nil, errors.New("SMTPFrom: a bare e-mail address is required when SMTPHost is set")
		}
		if cfg.SMTPUser == "" && cfg.SMTPPassword != "" {
			return nil, errors.New("SMTPPassword: set without SMTPUser")
		}
		r.byChannel[ChannelEmail] = &SMTPGateway{Host: cfg.SMTPHost, Port: port, From: cfg.SMTPFrom,
			User: cfg.SMTPUser, Password: cfg.SMTPPassword}
	} else if cfg.SMTPFrom != "" || cfg.SMTPUser != "" || cfg.SMTPPassword != "" || cfg.SMTPPort != 0 {
		return nil, errors.New("SMTPHost: required when other SMTP settings are given")
	}

	if cfg.SMSURL != "" {
		u, err := url.Parse(cfg.SMSURL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return nil, errors.New("SMSURL: an absolute http:// or https:// URL is required")
		}
		if cfg.SMSTimeout < 0 {
			return nil, errors.New("SMSTimeout: must not be negative")
		}
		r.byChannel[ChannelSMS] = NewHTTPSMSGateway(cfg.SMSURL, cfg.SMSToken, cfg.SMSTimeout)
	} else if cfg.SMSToken != "" || cfg.SMSTimeout != 0 {
		return nil, errors.New("SMSURL: required when other SMS settings are given")
	}
	return r, nil
}

// Send delivers msg through the gateway for its channel.
func (r *Router) Send(ctx context.Context, msg Message) error {
	g, ok := r.byChannel[msg.Channel]
	if !ok {
		return outbox.Permanent(fmt.Errorf("channel: no gateway for %q", msg.Channel))
	}
	return g.Send(ctx, msg)
}
