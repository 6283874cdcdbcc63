package output

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

func TestWriteJSON(t *testing.T) {
	type who struct {
		Name  string      `json:"name"`
		OID   string      `json:"oid"`
		Roles []string    `json:"roles"`
		Big   json.Number `json:"big"`
	}
	v := who{Name: "Zoë <admin> & co", OID: "abc", Roles: []string{"r1"}, Big: "123456789012345678901234567890"}
	tests := []struct {
		name string
		opts Options
		want string
	}{
		{"piped compact", Options{}, `{"name":"Zoë <admin> & co","oid":"abc","roles":["r1"],"big":123456789012345678901234567890}` + "\n"},
		{"terminal indented", Options{TTY: true}, "{\n  \"name\": \"Zoë <admin> & co\",\n  \"oid\": \"abc\",\n  \"roles\": [\n    \"r1\"\n  ],\n  \"big\": 123456789012345678901234567890\n}\n"},
		{"coloured", Options{TTY: true, Color: true, JQ: ".oid", JQJSON: true}, "\x1b[32m\"abc\"\x1b[0m\n"},
		{"jq several results", Options{JQ: ".oid, .roles, .big"}, "abc\n[\"r1\"]\n123456789012345678901234567890\n"},
		{"format ignored", Options{Format: "table"}, `{"name":"Zoë <admin> & co","oid":"abc","roles":["r1"],"big":123456789012345678901234567890}` + "\n"},
	}
	for _, tc := range tests {
		var buf bytes.Buffer
		if err := WriteJSON(&buf, v, tc.opts); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if buf.String() != tc.want {
			t.Errorf("%s:\n got %q\nwant %q", tc.name, buf.String(), tc.want)
		}
	}
	if err := WriteJSON(&bytes.Buffer{}, v, Options{JQ: ".["}); err == nil {
		t.Error("bad jq accepted")
	}
	if err := WriteJSON(&bytes.Buffer{}, func() {}, Options{}); err == nil {
		t.Error("unencodable value accepted")
	}
}

func TestPrintRecords(t *testing.T) {
	headers := []string{"name", "method", "note"}
	rows := [][]string{{"default", "devicecode", "a, \"b\"\ttab"}, {"ci", "serviceprincipal"}}
	tests := []struct {
		opts Options
		want string
	}{
		{Options{Format: "table"}, "name     method            note\ndefault  devicecode        a, \"b\"\\ttab\nci       serviceprincipal\n"},
		{Options{TTY: true, Width: 30}, "name     method      note\ndefault  devicecode  a, \"b\"\\t…\nci       servicepr…\n"},
		{Options{Format: "csv"}, "name,method,note\ndefault,devicecode,\"a, \"\"b\"\"\ttab\"\nci,serviceprincipal,\n"},
		{Options{Format: "tsv"}, "name\tmethod\tnote\ndefault\tdevicecode\ta, \"b\"\\ttab\nci\tserviceprincipal\t\n"},
		{Options{Format: "jsonl"}, "{\"name\":\"default\",\"method\":\"devicecode\",\"note\":\"a, \\\"b\\\"\\ttab\"}\n{\"name\":\"ci\",\"method\":\"serviceprincipal\",\"note\":\"\"}\n"},
		{Options{Format: "json", JQ: ".name"}, "default\nci\n"},
		{Options{Format: "json", JQ: ".name", JQJSON: true}, "\"default\"\n\"ci\"\n"},
		{Options{Format: "table", JQ: "{method}"}, "method\ndevicecode\nserviceprincipal\n"},
		{Options{Format: "yaml"}, "- name: default\n  method: devicecode\n  note: \"a, \\\"b\\\"\\ttab\"\n- name: ci\n  method: serviceprincipal\n  note: \"\"\n"},
	}
	for _, tc := range tests {
		var buf bytes.Buffer
		if err := PrintRecords(&buf, headers, rows, tc.opts); err != nil {
			t.Fatalf("%+v: %v", tc.opts, err)
		}
		if buf.String() != tc.want {
			t.Errorf("%+v:\n got %q\nwant %q", tc.opts, buf.String(), tc.want)
		}
	}
	for _, f := range []string{"table", "csv", "tsv", "jsonl"} {
		var buf bytes.Buffer
		if err := PrintRecords(&buf, headers, nil, Options{Format: f}); err != nil || buf.Len() != 0 {
			t.Errorf("%s with no rows: %q, %v", f, buf.String(), err)
		}
	}
	if err := PrintRecords(&bytes.Buffer{}, headers, rows, Options{Format: "html"}); err == nil || !strings.Contains(err.Error(), "html") {
		t.Errorf("unknown format: %v", err)
	}
}

func TestFitWidths(t *testing.T) {
	tests := []struct {
		natural    []int
		total      int
		want       []int
		wantHidden bool
	}{
		{[]int{2, 10, 5}, 80, []int{2, 10, 5}, false},             // fits
		{[]int{2, 100, 5}, 40, []int{2, 29, 5}, false},            // only the wide column shrinks
		{[]int{50, 50}, 40, []int{19, 19}, false},                 // shared equally
		{[]int{50, 50, 1}, 41, []int{18, 18, 1}, false},           // the narrow column keeps its width
		{[]int{10, 10, 10, 10, 10, 10}, 30, []int{8, 8, 7}, true}, // prefix + "…" column; remainder to the first
		{[]int{100}, 5, []int{5}, false},
		{[]int{100, 100}, 3, []int{1}, true}, // degenerate: always keep one column
	}
	for _, tc := range tests {
		got, hidden := fitWidths(tc.natural, tc.total)
		if !equalInts(got, tc.want) || hidden != tc.wantHidden {
			t.Errorf("fitWidths(%v, %d) = %v, %v; want %v, %v", tc.natural, tc.total, got, hidden, tc.want, tc.wantHidden)
		}
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestTruncateCell(t *testing.T) {
	tests := []struct {
		in    string
		width int
		want  string
	}{
		{"abcdef", 4, "abc…"},
		{"日本語テキスト", 5, "日本…"}, // wide runes count two cells
		{"日本語", 4, "日…"},
		{"😀😀😀", 3, "😀…"},
		{"e\u0301e\u0301e\u0301xyz", 4, "e\u0301e\u0301e\u0301…"}, // combining marks are free
		{"abc", 1, "…"},
	}
	for _, tc := range tests {
		got := string(truncateCell([]byte(tc.in), tc.width))
		if got != tc.want || displayWidth([]byte(got)) > tc.width {
			t.Errorf("truncateCell(%q, %d) = %q, want %q", tc.in, tc.width, got, tc.want)
		}
	}
}
