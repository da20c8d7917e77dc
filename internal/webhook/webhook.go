// Package webhook posts JSON to other systems' HTTP endpoints on behalf of outbox handlers (the SMS
// gateway, the 110 command centre): one request, the outbox key as Idempotency-Key so that a request
// repeated after a crash is recognised, and the reply sorted into done, retry later, or give up.
package webhook

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"

	"github.com/cityline/cityline/internal/outbox"
)

// Post sends payload as JSON to url, with "Authorization: Bearer token" when token is set and the
// idempotency key when key is set. A 2xx reply is success. A 4xx reply means the far side refuses
// this request and retrying cannot help (outbox.Permanent), except 408 and 429, which ask to come back
// later. A 5xx reply or no reply at all is an error to retry. The reply's body is not kept: systems
// often echo what they were sent, personal data included.
func Post(ctx context.Context, client *http.Client, url, token, key string, payload any) error {
	body, err := json.Marshal(payload)
	if err != nil {
		return outbox.Permanent(err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return outbox.Permanent(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	// Drain a little so that the connection can be reused.
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	switch code := resp.StatusCode; {
	case code >= 200 && code < 300:
		return nil
	case code == http.StatusRequestTimeout || code == http.StatusTooManyRequests:
		return fmt.Errorf("%s", resp.Status)
	case code >= 400 && code < 500:
		return outbox.Permanent(fmt.Errorf("%s", resp.Status))
	default:
		return fmt.Errorf("%s", resp.Status)
	}
}
