package web

import (
	"net/http"
	"net/http/httptest"
	"net/netip"
	"testing"
)

func TestRealClientBelievesOnlyTrustedProxies(t *testing.T) {
	trusted := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("192.168.1.5/32")}
	var seen string
	h := realClient(trusted, http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) { seen = r.RemoteAddr }))
	for _, tc := range []struct {
		name, remote, xff, want string
	}{
		{"direct client, no header", "203.0.113.9:5555", "", "203.0.113.9:5555"},
		{"direct client forging the header", "203.0.113.9:5555", "1.2.3.4", "203.0.113.9:5555"},
		{"through a trusted proxy", "10.1.2.3:443", "198.51.100.7", "198.51.100.7:0"},
		{"client-written hops left of the real one are ignored", "10.1.2.3:443", "1.2.3.4, 198.51.100.7", "198.51.100.7:0"},
		{"two trusted proxies", "192.168.1.5:80", "198.51.100.7, 10.9.9.9", "198.51.100.7:0"},
		{"garbage header", "10.1.2.3:443", "not-an-ip", "10.1.2.3:443"},
		{"IPv6 client", "10.1.2.3:443", "2001:db8::1", "[2001:db8::1]:0"},
	} {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = tc.remote
		if tc.xff != "" {
			r.Header.Set("X-Forwarded-For", tc.xff)
		}
		h.ServeHTTP(httptest.NewRecorder(), r)
		if seen != tc.want {
			t.Errorf("%s: remote = %q, want %q", tc.name, seen, tc.want)
		}
	}
}
