// Package outbox carries out what follows a change, durably. A change writes an outbox record in the
// same transaction as the change itself; a Runner on any node later claims the record, runs the
// handler for its topic and marks it done. A crash loses nothing: an unfinished claim expires and
// another worker takes the record up again.
//
// Because a record can be handled more than once (a worker may die after its handler acted but before
// the record was marked done), handlers must be idempotent. Every record has a Key, unique within its
// topic, that travels with it to the handler: pass it outward (an Idempotency-Key header, a
// Message-ID) so that the far side can recognise a repeat.
package outbox

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"
	"unicode/utf8"
)

// Record is one piece of work to be done after the transaction that enqueues it commits.
type Record struct {
	Topic string // which handler runs it, e.g. "notify.send"
	// Key makes enqueueing idempotent: a second record with the same Topic and Key is not stored.
	// Handlers receive it and pass it on to the systems they call.
	Key       string
	Payload   []byte    // JSON; it may hold personal data, so it is never logged
	NotBefore time.Time // the record is not handled before this instant; zero means at once
}

// Limits on a record's names, so that a runaway caller cannot fill the queue with huge keys.
const (
	maxTopicLen = 100
	maxKeyLen   = 200
)

// Validate checks a record before it is stored; errors name the field first.
func (r Record) Validate() error {
	switch {
	case r.Topic == "":
		return errors.New("topic: required")
	case len(r.Topic) > maxTopicLen || !utf8.ValidString(r.Topic):
		return fmt.Errorf("topic: at most %d bytes of UTF-8", maxTopicLen)
	case r.Key == "":
		return errors.New("key: required (it makes enqueueing and handling idempotent)")
	case len(r.Key) > maxKeyLen || !utf8.ValidString(r.Key):
		return fmt.Errorf("key: at most %d bytes of UTF-8", maxKeyLen)
	case !json.Valid(r.Payload):
		return errors.New("payload: not valid JSON")
	}
	return nil
}

// Claimed is a record a worker has taken on: until LeaseUntil no other worker will take it.
type Claimed struct {
	ID         string
	Topic      string
	Key        string
	Payload    []byte
	Attempts   int // including the current one
	CreatedAt  time.Time
	LeaseUntil time.Time
}

// DeadRecord is a record that will not be tried again until someone retries it by hand; it is kept
// so that the failure can be inspected.
type DeadRecord struct {
	ID        string
	Topic     string
	Key       string
	Payload   []byte
	Attempts  int
	LastError string
	CreatedAt time.Time
	FailedAt  time.Time
}

// Handler does the work of one record. A nil error marks it done; an error schedules a retry with
// back-off, unless it is wrapped with Permanent. Handlers must be idempotent (see the package doc).
type Handler func(ctx context.Context, c Claimed) error

// ErrLeaseLost means the worker no longer holds the claim: its lease ran out and another worker took
// the record. The newer claim decides the record's fate.
var ErrLeaseLost = errors.New("outbox claim is held by another worker")

type permanentError struct{ err error }

func (p *permanentError) Error() string { return p.err.Error() }
func (p *permanentError) Unwrap() error { return p.err }

// Permanent marks a handler error that retrying cannot cure (a malformed payload, a recipient the
// gateway rejects): the record goes dead at once instead of being retried.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return &permanentError{err: err}
}

// IsPermanent tells whether err, or an error it wraps, was marked with Permanent.
func IsPermanent(err error) bool {
	var p *permanentError
	return errors.As(err, &p)
}
