package notify

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/cityline/cityline/internal/outbox"
)

func sms(to, body string) Message {
	return Message{Channel: ChannelSMS, To: to, Body: body, Ref: "WH20261128000123"}
}

func email(to, subject, body string) Message {
	return Message{Channel: ChannelEmail, To: to, Subject: subject, Body: body, Ref: "WH20261128000123"}
}

func TestMessageValidate(t *testing.T) {
	for _, ok := range []Message{
		sms("13812345678", "您的工单已受理"),
		email("zhang.san@example.com", "工单已办结", "您好"),
		{Channel: ChannelSMS, To: "19912345678", Body: strings.Repeat("字", 500)},
	} {
		if err := ok.Validate(); err != nil {
			t.Errorf("%+v: %v", ok, err)
		}
	}
	for _, bad := range []struct {
		msg   Message
		field string
	}{
		{Message{To: "13812345678", Body: "x"}, "channel:"},
		{Message{Channel: "fax", To: "13812345678", Body: "x"}, "channel:"},
		{sms("12812345678", "x"), "to:"},
		{sms("1381234567", "x"), "to:"},
		{sms("0473-1234567", "x"), "to:"},
		{sms("13812345678", ""), "body:"},
		{sms("13812345678", " \n"), "body:"},
		{sms("13812345678", strings.Repeat("字", 501)), "body:"},
		{sms("13812345678", "bad \xff byte"), "body:"},
		{email("张三 <zhang@example.com>", "s", "b"), "to:"},
		{email("not-an-address", "s", "b"), "to:"},
		{email("zhang@example.com\r\nBcc: all@example.com", "s", "b"), "to:"},
		{email("zhang@example.com", "", "b"), "subject:"},
		{email("zhang@example.com", "s\r\nBcc: all@example.com", "b"), "subject:"},
		{email("zhang@example.com", strings.Repeat("题", 201), "b"), "subject:"},
		{email("zhang@example.com", "s", strings.Repeat("b", 100_001)), "body:"},
		{Message{Channel: ChannelSMS, To: "13812345678", Body: "x", Ref: strings.Repeat("r", 65)}, "ref:"},
		{Message{Channel: ChannelSMS, To: "13812345678", Body: "x", Ref: "WH1\nX-Evil: 1"}, "ref:"},
	} {
		err := bad.msg.Validate()
		if err == nil || !strings.HasPrefix(err.Error(), bad.field) {
			t.Errorf("%+v: err = %v, want one starting %q", bad.msg, err, bad.field)
			continue
		}
		if bad.msg.To != "" && strings.Contains(err.Error(), bad.msg.To) {
			t.Errorf("error %q repeats the recipient", err)
		}
	}
}

func TestRecordCarriesTheMessage(t *testing.T) {
	msg := email("li@example.com", "工单已办结", "您反映的问题已处理。")
	r := Record(msg, "WH20261128000123:closed:email")
	if r.Topic != Topic || r.Key != "WH20261128000123:closed:email" || r.Validate() != nil {
		t.Fatalf("record = %+v (validate: %v)", r, r.Validate())
	}
	var back Message
	if err := json.Unmarshal(r.Payload, &back); err != nil || back != msg {
		t.Fatalf("payload decodes to %+v, %v; want %+v", back, err, msg)
	}
}

// gatewayFunc lets a test act as a gateway.
type gatewayFunc func(ctx context.Context, msg Message) error

func (f gatewayFunc) Send(ctx context.Context, msg Message) error { return f(ctx, msg) }

func TestHandler(t *testing.T) {
	var gotKey string
	var got Message
	down := errors.New("gateway down")
	fail := false
	h := Handler(gatewayFunc(func(ctx context.Context, msg Message) error {
		gotKey, got = IdempotencyKey(ctx), msg
		if fail {
			return down
		}
		return nil
	}))
	msg := sms("13812345678", "您的工单已受理")
	r := Record(msg, "k1")
	claimed := outbox.Claimed{ID: "1", Topic: r.Topic, Key: r.Key, Payload: r.Payload}
	if err := h(context.Background(), claimed); err != nil || gotKey != "k1" || got != msg {
		t.Fatalf("handler: %v; gateway saw key %q, message %+v", err, gotKey, got)
	}
	fail = true
	if err := h(context.Background(), claimed); !errors.Is(err, down) || outbox.IsPermanent(err) {
		t.Fatalf("gateway failure: %v, want it passed on for a retry", err)
	}
	got = Message{}
	for _, payload := range []string{`{"channel":"sms"`, `{"channel":"sms","to":"123","body":"x"}`} {
		err := h(context.Background(), outbox.Claimed{ID: "2", Key: "k2", Payload: []byte(payload)})
		if !outbox.IsPermanent(err) {
			t.Errorf("payload %s: %v, want a permanent failure", payload, err)
		}
	}
	if got != (Message{}) {
		t.Fatalf("a bad payload reached the gateway: %+v", got)
	}
	if IdempotencyKey(context.Background()) != "" {
		t.Fatal("a key outside the outbox")
	}
}
