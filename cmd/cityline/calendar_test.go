package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCalendarAdd(t *testing.T) {
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"--from", "2025-09-30T10:00:00+08:00", "--working-days", "15"}, "2025-10-28T18:00:00+08:00\n"},
		{[]string{"--from", "2025-09-30T02:00:00Z", "--working-days", "1"}, "2025-10-09T18:00:00+08:00\n"},
		{[]string{"--working-days", "1", "--from", "2025-12-31 10:00"}, "2026-01-04T18:00:00+08:00\n"},
		{[]string{"--from", "2025-09-30 17:00", "--working-hours", "2"}, "2025-10-09T09:30:00+08:00\n"},
		{[]string{"--from", "2025-12-31T17:45", "--working-hours", "30m"}, "2026-01-04T08:45:00+08:00\n"},
		{[]string{"--from", "2025-09-30 16:00", "--working-hours", "2", "--office-hours", "09:00-17:00"}, "2025-10-09T10:00:00+08:00\n"},
	}
	for _, tc := range cases {
		if out := mustCLI(t, append([]string{"calendar", "add"}, tc.args...)...); out != tc.want {
			t.Errorf("%v: got %q, want %q", tc.args, out, tc.want)
		}
	}
}

func TestCalendarAddBadInputNamesTheFlag(t *testing.T) {
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"--working-days", "2"}, "--from: required"},
		{[]string{"--from", "yesterday", "--working-days", "2"}, `--from: "yesterday": want RFC 3339`},
		{[]string{"--from", "2025-09-30 10:00"}, "--working-days or --working-hours: give one of them"},
		{[]string{"--from", "2025-09-30 10:00", "--working-days", "2", "--working-hours", "2"}, "--working-days or --working-hours: give one of them"},
		{[]string{"--from", "2025-09-30 10:00", "--working-days", "0"}, `--working-days: "0": want a whole number of at least 1`},
		{[]string{"--from", "2025-09-30 10:00", "--working-days", "two"}, `--working-days: "two"`},
		{[]string{"--from", "2025-09-30 10:00", "--working-hours", "-1"}, `--working-hours: "-1"`},
		{[]string{"--from", "2025-09-30 10:00", "--working-hours", "0s"}, `--working-hours: "0s"`},
		{[]string{"--from", "2025-09-30 10:00", "--working-days", "2", "--office-hours", "18:00-08:00"}, "--office-hours: 18:00-08:00: ends before it starts"},
		{[]string{"--from", "2026-12-29 10:00", "--working-days", "5"}, "outside the years the calendar knows, 2019 to 2026"},
	}
	for _, tc := range cases {
		code, out, errOut := cli(t, append([]string{"calendar", "add"}, tc.args...)...)
		if code != 1 || out != "" || !strings.Contains(errOut, tc.want) {
			t.Errorf("%v: exit %d, %q, %q; want %q", tc.args, code, out, errOut, tc.want)
		}
	}
}

func TestCalendarShow(t *testing.T) {
	out := mustCLI(t, "calendar", "show", "--year", "2026")
	for _, want := range []string{
		"  off  2026-01-01 Thu..2026-01-03 Sat  3 days   元旦\n  work 2026-01-04 Sun                           元旦\n",
		"  off  2026-02-15 Sun..2026-02-23 Mon  9 days   春节\n",
		"  work 2026-10-10 Sat",
		"248 working days, working hours 08:30-12:00,14:30-18:00\n",
		"source: https://www.gov.cn/zhengce/zhengceku/202511/content_7047091.htm\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("show 2026:\n%s\nlacks %q", out, want)
		}
	}
	if n := strings.Count(out, "\n  "); n != 13 {
		t.Errorf("%d entries listed, want 13", n)
	}
	code, _, errOut := cli(t, "calendar", "show", "--year", "2030")
	if code != 1 || !strings.Contains(errOut, "--year: 2030: outside the years the calendar knows") {
		t.Errorf("show 2030: exit %d, %q", code, errOut)
	}
}

// A deployment's own holidays: a new year added from a file, and the errors in such a file.
func TestCalendarHolidaysFile(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "2027.txt")
	text := "year 2027 https://example.org/2027\noff 2027-01-01 元旦\nwork 2027-02-20 春节\n"
	if err := os.WriteFile(file, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	if out := mustCLI(t, "calendar", "add", "--from", "2026-12-31 10:00", "--working-days", "1", "--holidays", file); out != "2027-01-04T18:00:00+08:00\n" {
		t.Errorf("add into 2027: %q", out)
	}
	out := mustCLI(t, "calendar", "show", "--year", "2027", "--holidays", file)
	if !strings.Contains(out, "  work 2027-02-20 Sat") || !strings.Contains(out, "source: https://example.org/2027\n") {
		t.Errorf("show 2027:\n%s", out)
	}

	bad := filepath.Join(dir, "bad.txt")
	if err := os.WriteFile(bad, []byte("year 2027\noff 2027-10-01..2027-10-07 国庆节\nwork 2027-10-03 国庆节\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, errOut := cli(t, "calendar", "show", "--year", "2027", "--holidays", bad)
	if code != 1 || !strings.Contains(errOut, "2027-10-03: off (国庆节) in one entry and work (国庆节) in another") {
		t.Errorf("contradictory file: exit %d, %q", code, errOut)
	}
	code, _, errOut = cli(t, "calendar", "show", "--year", "2027", "--holidays", filepath.Join(dir, "absent.txt"))
	if code != 1 || !strings.Contains(errOut, "--holidays: ") {
		t.Errorf("absent file: exit %d, %q", code, errOut)
	}
}
