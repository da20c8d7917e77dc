package auth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
)

// MinPasswordLength is the shortest password accepted; length is what makes a typed password hard to guess.
const MinPasswordLength = 8

// maxPasswordLength bounds the work one request can ask of the hash.
const maxPasswordLength = 256

// params are the argon2id costs written into every hash, so that a stored hash can always be checked
// with the costs it was made with, even after the defaults are raised.
type params struct {
	memoryKiB uint32
	time      uint32
	threads   uint8
}

// defaultParams are the costs of new hashes: OWASP's first argon2id configuration (19 MiB, two
// passes, one lane). Each sign-in holds its memory cost for the length of the hash, and a hotline
// signs in a whole shift at once on a 2-core server that must idle under 60 MB; 64 MiB a hash made a
// burst of sign-ins cost hundreds of megabytes. Stored hashes carry their costs, so these can be
// raised later without breaking old hashes.
var defaultParams = params{memoryKiB: 19 * 1024, time: 2, threads: 1}

const (
	saltLen = 16
	keyLen  = 32
)

// Bounds on the costs read from a stored hash, so that a corrupt row cannot ask for gigabytes.
const (
	maxmemoryKiB = 1 << 20 // 1 GiB
	maxTime      = 64
)

var b64 = base64.RawStdEncoding

// HashPassword hashes a password with argon2id into the PHC string format
// ($argon2id$v=19$m=…,t=…,p=…$salt$hash). It refuses passwords shorter than MinPasswordLength.
func HashPassword(pw string) (string, error) {
	if err := checkPassword(pw); err != nil {
		return "", err
	}
	salt := make([]byte, saltLen)
	rand.Read(salt) // crypto/rand.Read never fails: it aborts the program if the system cannot supply randomness.
	p := defaultParams
	return encodeHash(p, salt, argon2.IDKey([]byte(pw), salt, p.time, p.memoryKiB, p.threads, keyLen)), nil
}

func checkPassword(pw string) error {
	n := utf8.RuneCountInString(pw)
	switch {
	case n < MinPasswordLength:
		return fmt.Errorf("password: at least %d characters", MinPasswordLength)
	case n > maxPasswordLength:
		return fmt.Errorf("password: at most %d characters", maxPasswordLength)
	}
	return nil
}

func encodeHash(p params, salt, key []byte) string {
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.memoryKiB, p.time, p.threads,
		b64.EncodeToString(salt), b64.EncodeToString(key))
}

// VerifyPassword tells whether pw matches the encoded hash, comparing in constant time. The costs are
// read from the hash itself. An error means the hash is not one this package can read.
func VerifyPassword(encoded, pw string) (bool, error) {
	p, salt, key, err := decodeHash(encoded)
	if err != nil {
		return false, err
	}
	got := argon2.IDKey([]byte(pw), salt, p.time, p.memoryKiB, p.threads, uint32(len(key)))
	return subtle.ConstantTimeCompare(got, key) == 1, nil
}

var errHashFormat = errors.New("password hash: want $argon2id$v=19$m=…,t=…,p=…$salt$hash")

// decodeHash splits a PHC argon2id string into its costs, salt and key, checking each.
func decodeHash(encoded string) (params, []byte, []byte, error) {
	var p params
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return p, nil, nil, errHashFormat
	}
	if parts[2] != "v="+strconv.Itoa(argon2.Version) {
		return p, nil, nil, fmt.Errorf("password hash: version %q: only v=%d is supported", parts[2], argon2.Version)
	}
	costs := strings.Split(parts[3], ",")
	if len(costs) != 3 {
		return p, nil, nil, errHashFormat
	}
	var vals [3]uint64
	for i, name := range []string{"m", "t", "p"} {
		v, ok := strings.CutPrefix(costs[i], name+"=")
		n, err := strconv.ParseUint(v, 10, 32)
		if !ok || err != nil || n == 0 {
			return p, nil, nil, fmt.Errorf("password hash: cost %q: want %s=<positive number>", costs[i], name)
		}
		vals[i] = n
	}
	if vals[0] > maxmemoryKiB || vals[1] > maxTime || vals[2] > 255 || vals[0] < 8*vals[2] {
		return p, nil, nil, fmt.Errorf("password hash: costs %s are out of range", parts[3])
	}
	p = params{memoryKiB: uint32(vals[0]), time: uint32(vals[1]), threads: uint8(vals[2])}
	salt, err := b64.DecodeString(parts[4])
	if err != nil || len(salt) < 8 {
		return p, nil, nil, fmt.Errorf("password hash: salt: want at least 8 bytes of unpadded base64")
	}
	key, err := b64.DecodeString(parts[5])
	if err != nil || len(key) < 16 {
		return p, nil, nil, fmt.Errorf("password hash: key: want at least 16 bytes of unpadded base64")
	}
	return p, salt, key, nil
}
