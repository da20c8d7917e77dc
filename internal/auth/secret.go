package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"strings"
)

// Session tokens, CSRF tokens and API key secrets come from crypto/rand.Text: at least 128 random
// bits in base32. They are stored only as their SHA-256, which is enough for secrets this long (no
// one can guess them, so there is nothing for a slow hash to protect) and costs microseconds per
// request where argon2 would cost tens of milliseconds.

// apiKeyPrefix makes a key recognisable in configuration files, logs and secret scanners.
const apiKeyPrefix = "clk_"

// publicIDLen is the length of the part of an API key that is stored in clear, so that people can
// tell their keys apart in a list.
const publicIDLen = 8

// minSecretLen is the length of rand.Text's output: 128 bits in base32.
const minSecretLen = 26

// GeneratePassword returns a random password (at least 128 bits) for an account whose owner will be
// told it once and should change it.
func GeneratePassword() string { return rand.Text() }

// hashSecret is how tokens and keys are stored and looked up.
func hashSecret(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// newAPIKey returns a key of the form clk_<public id>_<secret> and its public id.
func newAPIKey() (key, publicID string) {
	publicID = rand.Text()[:publicIDLen]
	return apiKeyPrefix + publicID + "_" + rand.Text(), publicID
}

// wellFormedAPIKey tells whether key has the shape clk_<public id>_<secret>, so that junk is turned
// away without touching the database.
func wellFormedAPIKey(key string) bool {
	rest, ok := strings.CutPrefix(key, apiKeyPrefix)
	return ok && len(rest) >= publicIDLen+1+minSecretLen && rest[publicIDLen] == '_'
}
