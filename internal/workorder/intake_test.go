package workorder

import (
	"strings"
	"testing"
)

func goodIntake() Intake {
	return Intake{Channel: ChannelPhone, Type: TypeComplaint, Category: "0101", Title: "路灯不亮",
		Description: "滨河小区门口路灯坏了一周", Caller: Caller{Name: "张三", Phone: "13812345678"}, Lng: 106.8, Lat: 39.6}
}

func TestIntakeValidation(t *testing.T) {
	in, err := goodIntake().Validate()
	if err != nil {
		t.Fatal(err)
	}
	if in.LineCode != MainLine || in.Urgency != UrgencyNormal {
		t.Fatalf("defaults not applied: %+v", in)
	}
	for _, tc := range []struct {
		field  string
		mutate func(*Intake)
	}{
		{"channel", func(in *Intake) { in.Channel = "pigeon" }},
		{"type", func(in *Intake) { in.Type = "" }},
		{"urgency", func(in *Intake) { in.Urgency = "whenever" }},
		{"category", func(in *Intake) { in.Category = " " }},
		{"title", func(in *Intake) { in.Title = "" }},
		{"title", func(in *Intake) { in.Title = strings.Repeat("长", MaxTitle+1) }},
		{"title", func(in *Intake) { in.Title = "bad\xffutf8" }},
		{"description", func(in *Intake) { in.Description = "a\x00b" }},
		{"description", func(in *Intake) { in.Description = strings.Repeat("字", MaxDescription+1) }},
		{"caller.phone", func(in *Intake) { in.Caller.Phone = "12345" }},
		{"caller.phone", func(in *Intake) { in.Caller.Phone = "1381234567a" }},
		{"caller.id_number", func(in *Intake) { in.Caller.IDNumber = "150302199001011234" }},
		{"lat", func(in *Intake) { in.Lat = 106.8 }},
		{"attachments", func(in *Intake) { in.Attachments = make([]string, MaxAttachments+1) }},
	} {
		in := goodIntake()
		tc.mutate(&in)
		if _, err := in.Validate(); fieldOf(err) != tc.field {
			t.Errorf("want a %s error, got %v", tc.field, err)
		}
	}
	html := goodIntake()
	html.Title = "<script>alert(1)</script>"
	if in, err := html.Validate(); err != nil || in.Title != "<script>alert(1)</script>" {
		t.Errorf("HTML must be kept as text: %q, %v", in.Title, err)
	}
	anon := goodIntake()
	anon.Caller = Caller{Anonymous: true, Name: "李四", Phone: "13900000000"}
	if in, err := anon.Validate(); err != nil || in.Caller.Name != "" || in.Caller.Phone != "" {
		t.Errorf("an anonymous caller kept details: %+v, %v", in.Caller, err)
	}
}

func TestIDNumberChecksum(t *testing.T) {
	for id, ok := range map[string]bool{
		"11010519491231002X": true, "110105194912310021": false, "11010519491231002": false, "1101051949123100XX": false,
	} {
		if ValidIDNumber(id) != ok {
			t.Errorf("ValidIDNumber(%s) = %v", id, !ok)
		}
	}
}

func TestNumbersAndQueryCodes(t *testing.T) {
	if n := FormatNumber("WH", NumberDay(now), 123); n != "WH20261128000123" {
		t.Errorf("number = %s", n)
	}
	// 16:30 UTC on the 27th is already the 28th in Shanghai.
	if d := NumberDay(now.Add(-9*3600e9 - 30*60e9)); d != "20261127" && d != "20261128" {
		t.Errorf("day = %s", d)
	}
	seen := map[string]bool{}
	for i := 0; i < 1000; i++ {
		c := NewQueryCode()
		if len(c) != 8 || strings.ContainsAny(c, "01ILO") || seen[c] {
			t.Fatalf("query code %q (repeat: %v)", c, seen[c])
		}
		seen[c] = true
	}
}
