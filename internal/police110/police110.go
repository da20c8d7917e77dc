// Package police110 is the connector to the city's 110 command centre (公安110指挥中心): an order the
// call-taker transfers (transfer-110) leaves as an outbox record under Topic, durable and retried
// until the centre's endpoint takes it. Transfers from 110 come the other way as orders on the
// police110 channel through the ordinary intake API, with an idempotency key.
package police110

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/cityline/cityline/internal/outbox"
	"github.com/cityline/cityline/internal/webhook"
	"github.com/cityline/cityline/internal/workorder"
)

// Topic is the outbox topic of transfers to 110.
const Topic = "police110.transfer"

// Transfer is what the 110 centre receives: the matter, where it is, who called, and why 12345 hands
// it over. The caller's name and number go in full: the police need them to call back.
type Transfer struct {
	Number      string    `json:"number"`
	Title       string    `json:"title"`
	Description string    `json:"description"`
	Address     string    `json:"address,omitempty"`
	Lng         float64   `json:"lng,omitempty"`
	Lat         float64   `json:"lat,omitempty"`
	PlaceCode   string    `json:"place_code,omitempty"`
	CallerName  string    `json:"caller_name,omitempty"`
	CallerPhone string    `json:"caller_phone,omitempty"`
	Reason      string    `json:"reason"`
	At          time.Time `json:"transferred_at"`
}

// Record is the outbox record that carries t's transfer to 110; the order number keys it, so that an
// order is transferred once however often the record is handled.
func Record(t workorder.Ticket, reason string, at time.Time) outbox.Record {
	tr := Transfer{Number: t.Number, Title: t.Title, Description: t.Description, Address: t.Location.Address,
		Lng: t.Location.Lng, Lat: t.Location.Lat, PlaceCode: t.Location.PlaceCode, Reason: reason, At: at.UTC()}
	if !t.Caller.Anonymous {
		tr.CallerName, tr.CallerPhone = t.Caller.Name, t.Caller.Phone
	}
	payload, _ := json.Marshal(tr) // a struct of strings, numbers and a time always encodes
	return outbox.Record{Topic: Topic, Key: "transfer/" + t.Number, Payload: payload}
}

// DefaultTimeout bounds one request to the 110 centre.
const DefaultTimeout = 10 * time.Second

// Handler posts each transfer to url with the record's key as Idempotency-Key. With no url (a city
// not yet connected, or the demo), a transfer is only logged by number and the record kept as done:
// the call-taker also phones 110, as the transfer step's script says.
func Handler(url, token string, timeout time.Duration) outbox.Handler {
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	client := &http.Client{Timeout: timeout}
	return func(ctx context.Context, c outbox.Claimed) error {
		var t Transfer
		if err := json.Unmarshal(c.Payload, &t); err != nil {
			return outbox.Permanent(fmt.Errorf("110 transfer %s: %w", c.Key, err))
		}
		if url == "" {
			slog.Info("110 transfer recorded; no 110 connector is configured", "order", t.Number)
			return nil
		}
		if err := webhook.Post(ctx, client, url, token, c.Key, t); err != nil {
			return fmt.Errorf("110 transfer of %s: %w", t.Number, err)
		}
		return nil
	}
}
