package auth_test

import (
	"encoding/base64"
	"fmt"
	"strings"
	"testing"

	"github.com/cityline/cityline/internal/auth"
	"golang.org/x/crypto/argon2"
)

func TestHashPasswordRoundTrip(t *testing.T) {
	h, err := auth.HashPassword("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Errorf("hash %q is not a PHC argon2id string with the default costs", h)
	}
	if ok, err := auth.VerifyPassword(h, "correct horse battery"); !ok || err != nil {
		t.Errorf("right password: ok = %v, err = %v", ok, err)
	}
	if ok, err := auth.VerifyPassword(h, "correct horse batterY"); ok || err != nil {
		t.Errorf("wrong password: ok = %v, err = %v", ok, err)
	}
	h2, err := auth.HashPassword("correct horse battery")
	if err != nil || h2 == h {
		t.Errorf("two hashes of one password must differ by their salt: %q, %q (%v)", h, h2, err)
	}
}

func TestHashPasswordLength(t *testing.T) {
	for _, c := range []struct {
		pw string
		ok bool
	}{
		{"1234567", false},
		{"12345678", true},
		{"密码密码密码密码", true}, // eight characters, counted as characters rather than bytes
		{"密码密码密码密", false},
		{strings.Repeat("x", 257), false},
	} {
		_, err := auth.HashPassword(c.pw)
		if (err == nil) != c.ok {
			t.Errorf("HashPassword(%q): err = %v, want ok = %v", c.pw, err, c.ok)
		}
		if err != nil && !strings.HasPrefix(err.Error(), "password: ") {
			t.Errorf("HashPassword(%q): error %q does not name the field first", c.pw, err)
		}
	}
}

// TestVerifyReadsCostsFromTheHash proves that a hash made with other costs (older, cheaper ones) is
// still checked correctly: the costs come from the string, not from today's defaults.
func TestVerifyReadsCostsFromTheHash(t *testing.T) {
	salt := []byte("0123456789abcdef")
	key := argon2.IDKey([]byte("old password"), salt, 1, 8*1024, 1, 32)
	enc := base64.RawStdEncoding
	old := fmt.Sprintf("$argon2id$v=19$m=%d,t=1,p=1$%s$%s", 8*1024, enc.EncodeToString(salt), enc.EncodeToString(key))
	if ok, err := auth.VerifyPassword(old, "old password"); !ok || err != nil {
		t.Errorf("hash with m=8192,t=1,p=1: ok = %v, err = %v", ok, err)
	}
	if ok, err := auth.VerifyPassword(old, "new password"); ok || err != nil {
		t.Errorf("wrong password against old costs: ok = %v, err = %v", ok, err)
	}
	// The same salt and key read with other costs must not match.
	changed := strings.Replace(old, "t=1", "t=2", 1)
	if ok, err := auth.VerifyPassword(changed, "old password"); ok || err != nil {
		t.Errorf("costs edited in the string: ok = %v, err = %v", ok, err)
	}
}

func TestVerifyRejectsMalformedHashes(t *testing.T) {
	salt := base64.RawStdEncoding.EncodeToString([]byte("0123456789abcdef"))
	key := base64.RawStdEncoding.EncodeToString(make([]byte, 32))
	for _, bad := range []string{
		"",
		"plaintext",
		"$argon2i$v=19$m=65536,t=2,p=2$" + salt + "$" + key,
		"$argon2id$v=16$m=65536,t=2,p=2$" + salt + "$" + key,
		"$argon2id$v=19$m=65536,t=2$" + salt + "$" + key,
		"$argon2id$v=19$t=2,m=65536,p=2$" + salt + "$" + key,
		"$argon2id$v=19$m=0,t=2,p=2$" + salt + "$" + key,
		"$argon2id$v=19$m=65536,t=x,p=2$" + salt + "$" + key,
		"$argon2id$v=19$m=4294967295,t=2,p=2$" + salt + "$" + key,
		"$argon2id$v=19$m=65536,t=2,p=300$" + salt + "$" + key,
		"$argon2id$v=19$m=19456,t=2,p=1$" + salt + "==$" + key,
		"$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$" + key,
		"$argon2id$v=19$m=19456,t=2,p=1$" + salt + "$",
		"$argon2id$v=19$m=19456,t=2,p=1$" + salt + "$" + key + "$extra",
	} {
		if ok, err := auth.VerifyPassword(bad, "whatever1"); ok || err == nil {
			t.Errorf("VerifyPassword(%q) = %v, %v; want an error", bad, ok, err)
		}
	}
}

func BenchmarkHashPassword(b *testing.B) {
	for b.Loop() {
		if _, err := auth.HashPassword("correct horse battery"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerifyPassword(b *testing.B) {
	h, err := auth.HashPassword("correct horse battery")
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if ok, err := auth.VerifyPassword(h, "correct horse battery"); !ok || err != nil {
			b.Fatal(ok, err)
		}
	}
}
