package police110_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cityline/cityline/internal/outbox"
	"github.com/cityline/cityline/internal/police110"
	"github.com/cityline/cityline/internal/workorder"
)

func order(anonymous bool) workorder.Ticket {
	return workorder.Ticket{Number: "WH20261128000123", Title: "楼下有人打架", Description: "两人正在打架，已经见血",
		Caller:   workorder.Caller{Name: "张三", Phone: "13812345678", Anonymous: anonymous},
		Location: workorder.Location{Address: "海勃湾区滨河小区", Lng: 106.8, Lat: 39.6, PlaceCode: "150302001001001"}}
}

func claimed(r outbox.Record) outbox.Claimed {
	return outbox.Claimed{ID: "1", Topic: r.Topic, Key: r.Key, Payload: r.Payload, Attempts: 1}
}

func TestTransferReachesThe110Centre(t *testing.T) {
	at := time.Date(2026, 11, 28, 9, 30, 0, 0, time.UTC)
	rec := police110.Record(order(false), "涉及治安警情", at)
	if rec.Topic != police110.Topic || rec.Key != "transfer/WH20261128000123" || rec.Validate() != nil {
		t.Fatalf("record: %+v (%v)", rec, rec.Validate())
	}
	var status atomic.Int32
	status.Store(http.StatusAccepted)
	var got police110.Transfer
	var key, auth string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		json.Unmarshal(body, &got)
		key, auth = r.Header.Get("Idempotency-Key"), r.Header.Get("Authorization")
		w.WriteHeader(int(status.Load()))
	}))
	defer srv.Close()
	h := police110.Handler(srv.URL, "secret", time.Second)
	ctx := context.Background()
	if err := h(ctx, claimed(rec)); err != nil {
		t.Fatalf("accepted transfer: %v", err)
	}
	if got.Number != "WH20261128000123" || got.CallerPhone != "13812345678" || got.Reason != "涉及治安警情" || !got.At.Equal(at) {
		t.Errorf("the centre received %+v", got)
	}
	if key != rec.Key || auth != "Bearer secret" {
		t.Errorf("headers: Idempotency-Key %q, Authorization %q", key, auth)
	}
	status.Store(http.StatusServiceUnavailable)
	if err := h(ctx, claimed(rec)); err == nil || outbox.IsPermanent(err) {
		t.Errorf("a 503 must be retried: %v", err)
	}
	status.Store(http.StatusBadRequest)
	if err := h(ctx, claimed(rec)); !outbox.IsPermanent(err) {
		t.Errorf("a 400 must not be retried: %v", err)
	}
	if err := police110.Handler("", "", 0)(ctx, claimed(rec)); err != nil {
		t.Errorf("without a connector the transfer is only recorded: %v", err)
	}
	if err := h(ctx, outbox.Claimed{Topic: police110.Topic, Key: "k", Payload: []byte("not json")}); !outbox.IsPermanent(err) {
		t.Errorf("a broken payload: %v", err)
	}
	var anon police110.Transfer
	json.Unmarshal(police110.Record(order(true), "", at).Payload, &anon)
	if anon.CallerName != "" || anon.CallerPhone != "" {
		t.Errorf("an anonymous caller's details left for 110: %+v", anon)
	}
}
