package notify

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"mime"
	"net"
	"net/smtp"
	"net/textproto"
	"strconv"
	"strings"
	"time"

	"github.com/cityline/cityline/internal/outbox"
)

// DefaultSMTPTimeout bounds one whole SMTP conversation when the context sets no earlier deadline.
const DefaultSMTPTimeout = 30 * time.Second

// SMTPGateway sends e-mail through a mail server (net/smtp). It upgrades to TLS whenever the server
// offers STARTTLS, and signs in only when User is set; net/smtp refuses to send a password over an
// unencrypted connection to any host but localhost.
type SMTPGateway struct {
	Host     string
	Port     int
	From     string // bare address, e.g. 12345@wuhai.gov.cn
	User     string // empty: no sign-in
	Password string
	// TLSConfig verifies the server on STARTTLS; nil means the system's roots and ServerName = Host.
	// Set it for a mail server with a private certificate authority.
	TLSConfig *tls.Config
	Timeout   time.Duration // zero: DefaultSMTPTimeout
}

// Send delivers one e-mail. The server refusing the recipient or the message (a 5xx reply to RCPT or
// DATA) is permanent; anything else, including a refused sign-in, is retried, since it is usually
// the server or the configuration and not the message that is at fault.
func (g *SMTPGateway) Send(ctx context.Context, msg Message) error {
	if msg.Channel != ChannelEmail {
		return outbox.Permanent(fmt.Errorf("smtp: cannot send a %q message", msg.Channel))
	}
	timeout := g.Timeout
	if timeout <= 0 {
		timeout = DefaultSMTPTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", net.JoinHostPort(g.Host, strconv.Itoa(g.Port)))
	if err != nil {
		return fmt.Errorf("smtp connect: %w", err)
	}
	deadline, _ := ctx.Deadline()
	if err := conn.SetDeadline(deadline); err != nil {
		conn.Close()
		return fmt.Errorf("smtp connect: %w", err)
	}
	c, err := smtp.NewClient(conn, g.Host)
	if err != nil {
		conn.Close()
		return fmt.Errorf("smtp greeting: %w", err)
	}
	defer c.Close()
	if ok, _ := c.Extension("STARTTLS"); ok {
		cfg := g.TLSConfig
		if cfg == nil {
			cfg = &tls.Config{ServerName: g.Host, MinVersion: tls.VersionTLS12}
		}
		if err := c.StartTLS(cfg); err != nil {
			return fmt.Errorf("smtp starttls: %w", err)
		}
	}
	if g.User != "" {
		if err := c.Auth(smtp.PlainAuth("", g.User, g.Password, g.Host)); err != nil {
			return fmt.Errorf("smtp auth: %w", err)
		}
	}
	if err := c.Mail(g.From); err != nil {
		return fmt.Errorf("smtp mail from: %w", err)
	}
	if err := c.Rcpt(msg.To); err != nil {
		return refused("rcpt", err)
	}
	w, err := c.Data()
	if err != nil {
		return fmt.Errorf("smtp data: %w", err)
	}
	if _, err := w.Write(g.compose(ctx, msg)); err != nil {
		w.Close()
		return fmt.Errorf("smtp data: %w", err)
	}
	if err := w.Close(); err != nil {
		return refused("data", err)
	}
	// The server has accepted the message: a failed goodbye must not make it send again.
	_ = c.Quit()
	return nil
}

// refused reports the server refusing the recipient or the message: a 5xx reply is permanent. Only the
// reply code is kept, as the server's text often repeats the address, which is personal data.
func refused(step string, err error) error {
	var te *textproto.Error
	if !errors.As(err, &te) {
		return fmt.Errorf("smtp %s: %w", step, err)
	}
	err = fmt.Errorf("smtp %s: server replied %d", step, te.Code)
	if te.Code >= 500 {
		return outbox.Permanent(err)
	}
	return err
}

// compose renders the message as RFC 5322 text: UTF-8 headers encoded (RFC 2047), the body in base64.
// The Message-ID derives from the outbox key, so a message sent twice after a crash carries the same
// id and mail systems can recognise the repeat.
func (g *SMTPGateway) compose(ctx context.Context, msg Message) []byte {
	var b bytes.Buffer
	header := func(name, value string) { b.WriteString(name + ": " + value + "\r\n") }
	header("From", g.From)
	header("To", msg.To)
	header("Subject", mime.BEncoding.Encode("UTF-8", msg.Subject))
	header("Date", time.Now().Format(time.RFC1123Z))
	header("Message-ID", "<"+messageID(IdempotencyKey(ctx))+"@"+domainOf(g.From)+">")
	if msg.Ref != "" {
		header("X-Cityline-Ref", mime.BEncoding.Encode("UTF-8", msg.Ref))
	}
	header("MIME-Version", "1.0")
	header("Content-Type", "text/plain; charset=UTF-8")
	header("Content-Transfer-Encoding", "base64")
	b.WriteString("\r\n")
	body := base64.StdEncoding.EncodeToString([]byte(msg.Body))
	for len(body) > 76 {
		b.WriteString(body[:76] + "\r\n")
		body = body[76:]
	}
	b.WriteString(body + "\r\n")
	return b.Bytes()
}

// messageID is a hash of the key (which may name a work order, not for strangers' eyes), or random
// when there is no key.
func messageID(key string) string {
	if key == "" {
		var r [16]byte
		rand.Read(r[:])
		return hex.EncodeToString(r[:])
	}
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:16])
}

func domainOf(addr string) string {
	if _, domain, ok := strings.Cut(addr, "@"); ok && domain != "" {
		return domain
	}
	return "cityline.invalid"
}
