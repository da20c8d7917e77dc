package notify

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"io"
	"math/big"
	"mime"
	"net"
	"net/mail"
	"net/textproto"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cityline/cityline/internal/outbox"
)

// fakeSMTP is the least of a mail server: it speaks enough SMTP for net/smtp (EHLO, STARTTLS,
// AUTH PLAIN, MAIL, RCPT, DATA, QUIT) and records what it was given.
type fakeSMTP struct {
	addr      string
	tls       *tls.Config // offer STARTTLS when set
	user      string      // offer AUTH PLAIN when set; the password is "pw"
	rejectRcp string      // refuse this recipient with 550

	mu    sync.Mutex
	mails []fakeMail
}

type fakeMail struct {
	from, to, authUser string
	overTLS            bool
	data               []byte
}

func startFakeSMTP(t *testing.T, f *fakeSMTP) *fakeSMTP {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	f.addr = ln.Addr().String()
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go f.serve(conn)
		}
	}()
	return f
}

func (f *fakeSMTP) serve(conn net.Conn) {
	defer func() { conn.Close() }()
	tp := textproto.NewConn(conn)
	var m fakeMail
	tp.PrintfLine("220 fake ESMTP")
	for {
		line, err := tp.ReadLine()
		if err != nil {
			return
		}
		verb, arg, _ := strings.Cut(line, " ")
		switch strings.ToUpper(verb) {
		case "EHLO":
			ext := []string{"250-fake greets you"}
			if f.tls != nil && !m.overTLS {
				ext = append(ext, "250-STARTTLS")
			}
			if f.user != "" {
				ext = append(ext, "250-AUTH PLAIN")
			}
			ext = append(ext, "250 8BITMIME")
			tp.PrintfLine("%s", strings.Join(ext, "\r\n"))
		case "STARTTLS":
			tp.PrintfLine("220 go ahead")
			tc := tls.Server(conn, f.tls)
			if err := tc.Handshake(); err != nil {
				return
			}
			conn, tp, m.overTLS = tc, textproto.NewConn(tc), true
		case "AUTH":
			creds, _ := base64.StdEncoding.DecodeString(strings.TrimPrefix(arg, "PLAIN "))
			parts := strings.Split(string(creds), "\x00")
			if len(parts) == 3 && parts[1] == f.user && parts[2] == "pw" {
				m.authUser = parts[1]
				tp.PrintfLine("235 2.7.0 accepted")
			} else {
				tp.PrintfLine("535 5.7.8 bad credentials")
			}
		case "MAIL":
			m.from = angle(arg)
			tp.PrintfLine("250 ok")
		case "RCPT":
			m.to = angle(arg)
			if m.to == f.rejectRcp {
				tp.PrintfLine("550 5.1.1 <%s>: no such user", m.to)
				continue
			}
			tp.PrintfLine("250 ok")
		case "DATA":
			tp.PrintfLine("354 end with .")
			data, err := tp.ReadDotBytes()
			if err != nil {
				return
			}
			m.data = data
			f.mu.Lock()
			f.mails = append(f.mails, m)
			f.mu.Unlock()
			tp.PrintfLine("250 queued")
		case "QUIT":
			tp.PrintfLine("221 bye")
			return
		default:
			tp.PrintfLine("250 ok")
		}
	}
}

// angle returns the address between < and > in "FROM:<a@b> BODY=8BITMIME".
func angle(arg string) string {
	_, rest, _ := strings.Cut(arg, "<")
	addr, _, _ := strings.Cut(rest, ">")
	return addr
}

func (f *fakeSMTP) received() []fakeMail {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]fakeMail(nil), f.mails...)
}

func (f *fakeSMTP) gateway(t *testing.T) *SMTPGateway {
	t.Helper()
	host, port, _ := net.SplitHostPort(f.addr)
	p, err := strconv.Atoi(port)
	if err != nil {
		t.Fatal(err)
	}
	return &SMTPGateway{Host: host, Port: p, From: "12345@wuhai.example", Timeout: 5 * time.Second}
}

// selfSigned makes a certificate for 127.0.0.1 and a client config that trusts it.
func selfSigned(t *testing.T) (server, client *tls.Config) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, BasicConstraintsValid: true, IsCA: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AddCert(cert)
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}},
		&tls.Config{RootCAs: roots, ServerName: "127.0.0.1"}
}

func TestSMTPGatewayPlain(t *testing.T) {
	f := startFakeSMTP(t, &fakeSMTP{})
	g := f.gateway(t)
	msg := email("li.si@example.com", "工单 WH20261128000123 已办结", strings.Repeat("您反映的问题已处理完毕，感谢您的监督。", 10))
	ctx := withIdempotencyKey(context.Background(), "WH20261128000123:closed:email")
	if err := g.Send(ctx, msg); err != nil {
		t.Fatal(err)
	}
	mails := f.received()
	if len(mails) != 1 {
		t.Fatalf("server received %d mails", len(mails))
	}
	m := mails[0]
	if m.from != "12345@wuhai.example" || m.to != "li.si@example.com" || m.overTLS || m.authUser != "" {
		t.Fatalf("envelope: from %q, to %q, TLS %v, user %q", m.from, m.to, m.overTLS, m.authUser)
	}
	parsed, err := mail.ReadMessage(bytes.NewReader(m.data))
	if err != nil {
		t.Fatal(err)
	}
	var dec mime.WordDecoder
	subject, err := dec.DecodeHeader(parsed.Header.Get("Subject"))
	if err != nil || subject != msg.Subject {
		t.Fatalf("Subject = %q, %v", subject, err)
	}
	ref, _ := dec.DecodeHeader(parsed.Header.Get("X-Cityline-Ref"))
	sum := sha256.Sum256([]byte("WH20261128000123:closed:email"))
	if parsed.Header.Get("To") != msg.To || ref != msg.Ref ||
		parsed.Header.Get("Message-ID") != "<"+hex.EncodeToString(sum[:16])+"@wuhai.example>" ||
		!strings.HasPrefix(parsed.Header.Get("Content-Type"), "text/plain; charset=UTF-8") {
		t.Fatalf("headers = %v", parsed.Header)
	}
	if _, err := parsed.Header.Date(); err != nil {
		t.Fatalf("Date: %v", err)
	}
	raw, _ := io.ReadAll(parsed.Body)
	// The server's dot-reader has turned CRLF into LF.
	for _, line := range strings.Split(strings.TrimRight(string(raw), "\n"), "\n") {
		if len(line) > 76 {
			t.Fatalf("body line of %d characters", len(line))
		}
	}
	body, err := base64.StdEncoding.DecodeString(strings.ReplaceAll(string(raw), "\n", ""))
	if err != nil || string(body) != msg.Body {
		t.Fatalf("body = %q, %v", body, err)
	}
}

func TestSMTPGatewaySTARTTLSAndAuth(t *testing.T) {
	serverTLS, clientTLS := selfSigned(t)
	f := startFakeSMTP(t, &fakeSMTP{tls: serverTLS, user: "hotline"})
	g := f.gateway(t)
	g.User, g.Password, g.TLSConfig = "hotline", "pw", clientTLS
	if err := g.Send(context.Background(), email("li@example.com", "s", "b")); err != nil {
		t.Fatal(err)
	}
	if mails := f.received(); len(mails) != 1 || !mails[0].overTLS || mails[0].authUser != "hotline" {
		t.Fatalf("received %+v, want one mail over TLS from hotline", mails)
	}
	// A refused sign-in is retried (the configuration is at fault, not the message).
	g.Password = "wrong"
	if err := g.Send(context.Background(), email("li@example.com", "s", "b")); err == nil || outbox.IsPermanent(err) {
		t.Fatalf("bad password: %v, want a retryable error", err)
	}
	// A certificate the client does not trust stops the conversation before the password is sent.
	g.Password, g.TLSConfig = "pw", nil
	if err := g.Send(context.Background(), email("li@example.com", "s", "b")); err == nil || !strings.Contains(err.Error(), "starttls") {
		t.Fatalf("untrusted certificate: %v", err)
	}
	if n := len(f.received()); n != 1 {
		t.Fatalf("server received %d mails, want still 1", n)
	}
}

func TestSMTPGatewayFailures(t *testing.T) {
	f := startFakeSMTP(t, &fakeSMTP{rejectRcp: "nobody@example.com"})
	g := f.gateway(t)
	err := g.Send(context.Background(), email("nobody@example.com", "s", "b"))
	if !outbox.IsPermanent(err) || strings.Contains(err.Error(), "nobody") {
		t.Fatalf("refused recipient: %v, want a permanent error without the address", err)
	}
	if err := g.Send(context.Background(), sms("13812345678", "x")); !outbox.IsPermanent(err) {
		t.Fatalf("an SMS through SMTP: %v, want a permanent failure", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln.Close()
	down := &SMTPGateway{Host: "127.0.0.1", Port: ln.Addr().(*net.TCPAddr).Port, From: "a@example.com"}
	if err := down.Send(context.Background(), email("li@example.com", "s", "b")); err == nil || outbox.IsPermanent(err) {
		t.Fatalf("server down: %v, want a retryable error", err)
	}
}
