package output

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// TestJQIdentityKeepsKeyOrder: `--jq .` reproduces each document byte for
// byte (compact), including nested objects whose keys also appear, in
// another order, elsewhere in the document.
func TestJQIdentityKeepsKeyOrder(t *testing.T) {
	docs := []string{
		`{"zeta":1,"id":"a","nested":{"id":2,"zeta":[{"y":1,"b":2}]},"alpha":{"b":1,"y":2},"n":1.10,"big":123456789012345678901234567890}`,
		`{"b":true,"a":null,"s":"Zoë <b> & 😀"}`,
		`[{"q":1,"p":2},"x",3]`,
	}
	for _, doc := range docs {
		for _, opts := range []Options{{Format: "jsonl", JQ: "."}, {Format: "json", JQ: "."}, {Format: "jsonl", JQ: ".", JQSlurp: true}} {
			got := render(t, []string{doc}, opts)
			want := doc + "\n"
			if opts.JQSlurp {
				want = "[" + doc + "]\n"
			}
			if got != want {
				t.Errorf("%+v on %s:\n got %q\nwant %q", opts, doc, got, want)
			}
		}
	}
}

func TestPrintOne(t *testing.T) {
	doc := `{"id":"c1","partitionKey":{"kind":"Hash","paths":["/customerId"]},"total":163993.17,"note":"a\tb","_rid":"x"}`
	tests := []struct {
		name string
		opts Options
		want string
	}{
		{"json piped", Options{}, doc + "\n"},
		{"json explicit", Options{Format: "json", TTY: true}, "{\n  \"id\": \"c1\",\n  \"partitionKey\": {\n    \"kind\": \"Hash\",\n    \"paths\": [\n      \"/customerId\"\n    ]\n  },\n  \"total\": 163993.17,\n  \"note\": \"a\\tb\",\n  \"_rid\": \"x\"\n}\n"},
		{"jsonl", Options{Format: "jsonl"}, doc + "\n"},
		{"yaml is a mapping", Options{Format: "yaml"}, "id: c1\npartitionKey:\n  kind: Hash\n  paths:\n    - /customerId\ntotal: 163993.17\nnote: \"a\\tb\"\n_rid: x\n"},
		{"table is a key/value block", Options{TTY: true, Width: 20}, "id:            c1\npartitionKey:  {\"kind\":\"Hash\",\"paths\":[\"/customerId\"]}\ntotal:         163993.17\nnote:          a\\tb\n"},
		{"wide shows system properties", Options{Format: "wide"}, "id:            c1\npartitionKey:  {\"kind\":\"Hash\",\"paths\":[\"/customerId\"]}\ntotal:         163993.17\nnote:          a\\tb\n_rid:          x\n"},
		{"csv", Options{Format: "csv"}, "id,partitionKey,total,note\nc1,\"{\"\"kind\"\":\"\"Hash\"\",\"\"paths\"\":[\"\"/customerId\"\"]}\",163993.17,a\tb\n"},
		{"jq string raw", Options{Format: "table", JQ: ".partitionKey.paths[0]"}, "/customerId\n"},
		{"jq object in yaml", Options{Format: "yaml", JQ: ".partitionKey"}, "kind: Hash\npaths:\n  - /customerId\n"},
		{"jq number on a terminal", Options{TTY: true, JQ: ".total"}, "163993.17\n"},
	}
	for _, tc := range tests {
		var buf bytes.Buffer
		if err := PrintOne(&buf, json.RawMessage(doc), tc.opts); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if buf.String() != tc.want {
			t.Errorf("%s:\n got %q\nwant %q", tc.name, buf.String(), tc.want)
		}
	}
	var m map[string]any
	var buf bytes.Buffer
	if err := PrintOne(&buf, json.RawMessage(doc), Options{Format: "yaml"}); err != nil || yaml.Unmarshal(buf.Bytes(), &m) != nil || m["id"] != "c1" {
		t.Errorf("yaml does not parse back to the object: %v %q", err, buf.String())
	}
	if err := PrintOne(&bytes.Buffer{}, json.RawMessage(doc), Options{Format: "xml"}); err == nil || !strings.Contains(err.Error(), "xml") {
		t.Errorf("unknown format: %v", err)
	}
}
