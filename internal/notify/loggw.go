package notify

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/cityline/cityline/internal/access"
)

// DefaultLogFile is where the log gateway writes when no file is configured: beside the demo's
// embedded database, so the demo needs nothing outside to "send" its notices.
const DefaultLogFile = "data/notifications.log"

// LogGateway stands in for real gateways: it appends one JSON line per message to a file, with the
// recipient masked. Each line is synced before Send returns, so a message the outbox marks done is on
// disk.
type LogGateway struct {
	path string
	mu   sync.Mutex
}

// NewLogGateway writes to path (DefaultLogFile when empty); the file and its folder are created on
// the first message.
func NewLogGateway(path string) *LogGateway {
	if path == "" {
		path = DefaultLogFile
	}
	return &LogGateway{path: path}
}

// logLine is one line of the log file.
type logLine struct {
	At      string `json:"at"`
	Channel string `json:"channel"`
	To      string `json:"to"`
	Subject string `json:"subject,omitempty"`
	Body    string `json:"body"`
	Ref     string `json:"ref,omitempty"`
	Key     string `json:"key,omitempty"`
}

// Send appends msg to the file.
func (g *LogGateway) Send(ctx context.Context, msg Message) error {
	to := maskEmail(msg.To)
	if msg.Channel == ChannelSMS {
		to = access.MaskPhone(msg.To)
	}
	line, err := json.Marshal(logLine{At: time.Now().UTC().Format(time.RFC3339Nano), Channel: msg.Channel, To: to,
		Subject: msg.Subject, Body: msg.Body, Ref: msg.Ref, Key: IdempotencyKey(ctx)})
	if err != nil {
		return fmt.Errorf("notification log: %w", err)
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if err := os.MkdirAll(filepath.Dir(g.path), 0o750); err != nil {
		return fmt.Errorf("notification log: %w", err)
	}
	f, err := os.OpenFile(g.path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o640)
	if err != nil {
		return fmt.Errorf("notification log: %w", err)
	}
	if _, err := f.Write(append(line, '\n')); err != nil {
		f.Close()
		return fmt.Errorf("notification log: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("notification log: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("notification log: %w", err)
	}
	return nil
}

// maskEmail keeps the first character of the mailbox and the whole domain: z*******@example.com.
func maskEmail(addr string) string {
	local, domain, ok := strings.Cut(addr, "@")
	if !ok {
		return access.MaskPhone(addr) // not an address: keep only the last characters
	}
	r := []rune(local)
	if len(r) <= 1 {
		return "*@" + domain
	}
	return string(r[:1]) + strings.Repeat("*", len(r)-1) + "@" + domain
}
