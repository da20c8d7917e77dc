// Package audit defines the tamper-evident audit chain: each entry's hash covers its own fields and
// the previous entry's hash, so editing or deleting any entry breaks every hash after it.
package audit

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// Who is the person or client behind a change and where the request came from.
type Who struct {
	Actor      string // username, "system" or "cli:<os user>"
	RemoteAddr string
}

// System is used for changes the software makes on its own (seeding, migrations, timers).
var System = Who{Actor: "system"}

// Change is what a write records about itself.
type Change struct {
	Action     string // e.g. "user.create"
	ObjectType string
	ObjectID   string
	Detail     map[string]any // never holds passwords or full personal data
}

// Entry is one stored link of the chain.
type Entry struct {
	Seq        int64
	At         int64 // Unix milliseconds, UTC
	Actor      string
	Action     string
	ObjectType string
	ObjectID   string
	Detail     string // canonical JSON
	RemoteAddr string
	PrevHash   string
	Hash       string
}

// EncodeDetail renders detail as canonical JSON (map keys sorted by encoding/json).
func EncodeDetail(detail map[string]any) (string, error) {
	if detail == nil {
		return "{}", nil
	}
	b, err := json.Marshal(detail)
	if err != nil {
		return "", fmt.Errorf("audit detail: %w", err)
	}
	return string(b), nil
}

// ComputeHash returns the SHA-256 over the entry's fields and PrevHash, length-prefixed so that no
// two different entries can encode to the same bytes.
func (e Entry) ComputeHash() string {
	h := sha256.New()
	for _, field := range []string{strconv.FormatInt(e.Seq, 10), strconv.FormatInt(e.At, 10), e.Actor, e.Action,
		e.ObjectType, e.ObjectID, e.Detail, e.RemoteAddr, e.PrevHash} {
		h.Write([]byte(strconv.Itoa(len(field))))
		h.Write([]byte{':'})
		h.Write([]byte(field))
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Break describes the first entry at which the chain stops being intact.
type Break struct {
	Seq    int64
	Reason string
}

func (b *Break) Error() string {
	return fmt.Sprintf("audit chain broken at entry %d: %s", b.Seq, b.Reason)
}

// Verifier checks entries one at a time, in order of Seq, so that a chain of any length can be
// streamed through it.
type Verifier struct {
	prevSeq  int64
	prevHash string
	Checked  int64
}

// Check accepts the next entry or returns the Break it reveals.
func (v *Verifier) Check(e Entry) *Break {
	switch {
	case e.Seq != v.prevSeq+1:
		return &Break{Seq: v.prevSeq + 1, Reason: fmt.Sprintf("entry missing (next present is %d)", e.Seq)}
	case e.PrevHash != v.prevHash:
		return &Break{Seq: e.Seq, Reason: "does not link to the entry before it"}
	case e.ComputeHash() != e.Hash:
		return &Break{Seq: e.Seq, Reason: "contents do not match its hash (edited)"}
	}
	v.prevSeq, v.prevHash = e.Seq, e.Hash
	v.Checked++
	return nil
}

// Finish compares the end of the chain with the recorded head, which catches deleted trailing entries.
func (v *Verifier) Finish(headSeq int64, headHash string) *Break {
	if headSeq != v.prevSeq {
		return &Break{Seq: v.prevSeq + 1, Reason: fmt.Sprintf("entries after %d are missing (head says %d)", v.prevSeq, headSeq)}
	}
	if !strings.EqualFold(headHash, v.prevHash) {
		return &Break{Seq: headSeq, Reason: "last entry does not match the recorded head"}
	}
	return nil
}
