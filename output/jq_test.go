package output

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

func TestJQ(t *testing.T) {
	docs := []string{
		`{"id":"1","n":9223372036854775807,"d":1.0000000000000001,"big":123456789012345678901234567890,"tags":["a","b"],"name":"Zoë <b>"}`,
		`{"id":"2","n":1,"d":2.5,"tags":[],"name":"日本 😀"}`,
	}
	tests := []struct {
		name string
		opts Options
		want string
	}{
		{"field, strings raw", Options{Format: "jsonl", JQ: ".id"}, "1\n2\n"},
		{"field, --jq-json", Options{Format: "jsonl", JQ: ".id", JQJSON: true}, "\"1\"\n\"2\"\n"},
		{"raw string keeps its bytes", Options{Format: "json", JQ: ".name"}, "Zoë <b>\n日本 😀\n"},
		{"numbers kept exactly", Options{Format: "jsonl", JQ: ".n, .d, .big"}, "9223372036854775807\n1.0000000000000001\n123456789012345678901234567890\n1\n2.5\nnull\n"},
		{"object keys in input order", Options{Format: "jsonl", JQ: "{name, id}"}, "{\"id\":\"1\",\"name\":\"Zoë <b>\"}\n{\"id\":\"2\",\"name\":\"日本 😀\"}\n"},
		{"new keys after the input's", Options{Format: "jsonl", JQ: "{z: 1, name, a: 2, id}"}, "{\"id\":\"1\",\"name\":\"Zoë <b>\",\"a\":2,\"z\":1}\n{\"id\":\"2\",\"name\":\"日本 😀\",\"a\":2,\"z\":1}\n"},
		{"several outputs per doc", Options{Format: "jsonl", JQ: ".tags[]", JQJSON: true}, "\"a\"\n\"b\"\n"},
		{"select drops docs", Options{Format: "json", JQ: "select(.n == 1) | .id", JQJSON: true}, "\"2\"\n"},
		{"json: one value per line, like jq", Options{Format: "json", JQ: "{id}"}, "{\"id\":\"1\"}\n{\"id\":\"2\"}\n"},
		{"json on a terminal: indented values", Options{TTY: true, Format: "json", JQ: "{id}, .n"}, "{\n  \"id\": \"1\"\n}\n9223372036854775807\n{\n  \"id\": \"2\"\n}\n1\n"},
		{"table: scalars are not wrapped in a value table", Options{Format: "table", JQ: ".n"}, "9223372036854775807\n1\n"},
		{"terminal default: a string is raw", Options{TTY: true, Format: "table", JQ: ".id"}, "1\n2\n"},
		{"no output at all", Options{Format: "json", JQ: "empty"}, ""},
		{"arithmetic", Options{Format: "jsonl", JQ: ".n + 1"}, "9223372036854775808\n2\n"},
		{"into a table", Options{Format: "table", JQ: "{id, count: (.tags | length)}"}, "id  count\n1   2\n2   0\n"},
		{"into csv", Options{Format: "csv", JQ: "{id, name}"}, "id,name\n1,Zoë <b>\n2,日本 😀\n"},
		{"into yaml", Options{Format: "yaml", JQ: ".tags"}, "- - a\n  - b\n- []\n"},
		{"slurp", Options{Format: "jsonl", JQ: "map(.id)", JQSlurp: true}, "[\"1\",\"2\"]\n"},
		{"slurp length", Options{Format: "json", JQ: "length", JQSlurp: true}, "2\n"},
		{"slurp split back", Options{Format: "jsonl", JQ: "sort_by(.d) | reverse | .[].id", JQSlurp: true}, "2\n1\n"},
		{"halt stops quietly", Options{Format: "jsonl", JQ: ".id, halt"}, "1\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := render(t, docs, tc.opts); got != tc.want {
				t.Errorf("got\n%q\nwant\n%q", got, tc.want)
			}
		})
	}
	if got := render(t, nil, Options{Format: "json", JQ: "length", JQSlurp: true}); got != "0\n" {
		t.Errorf("slurp over no documents = %q, want 0", got)
	}
}

func TestJQErrors(t *testing.T) {
	for _, expr := range []string{".[", "nosuchfunc(1)", "{a"} {
		_, err := New(&bytes.Buffer{}, Options{Format: "json", JQ: expr})
		var je *JQError
		if !errors.As(err, &je) || je.Runtime || je.Expr != expr || !strings.Contains(err.Error(), expr) {
			t.Errorf("%q: got %v, want a compile *JQError naming the expression", expr, err)
		}
	}
	tests := []struct {
		opts    Options
		wantMsg string
	}{
		{Options{Format: "json", JQ: ".id.x"}, "expected an object but got: string"},
		{Options{Format: "json", JQ: `error("custom")`}, "custom"},
		{Options{Format: "json", JQ: ".[0]", JQSlurp: true}, ""}, // fine: no error
		{Options{Format: "json", JQ: ".id + 1", JQSlurp: true}, "expected an object but got: array"},
	}
	for _, tc := range tests {
		var buf bytes.Buffer
		p, err := New(&buf, tc.opts)
		if err != nil {
			t.Fatal(err)
		}
		err = p.Print([]byte(`{"id":"1"}`))
		if err == nil {
			err = p.Close()
		}
		if tc.wantMsg == "" {
			if err != nil {
				t.Errorf("%q: unexpected %v", tc.opts.JQ, err)
			}
			continue
		}
		var je *JQError
		if !errors.As(err, &je) || !je.Runtime || je.Expr != tc.opts.JQ || !strings.Contains(err.Error(), tc.wantMsg) {
			t.Errorf("%q: got %v, want a runtime *JQError naming the expression and %q", tc.opts.JQ, err, tc.wantMsg)
		}
	}
}

func TestJQSeesEnvironment(t *testing.T) {
	t.Setenv("COSMOSCTL_OUTPUT_TEST", "from-env")
	if got := render(t, []string{`{}`}, Options{Format: "jsonl", JQ: "$ENV.COSMOSCTL_OUTPUT_TEST, env.COSMOSCTL_OUTPUT_TEST"}); got != "from-env\nfrom-env\n" {
		t.Errorf("got %q", got)
	}
}

// A cancelled context (Ctrl-C, --timeout) stops a jq program instead of
// letting it run on: nothing more is printed and the error says why.
func TestJQStopsWhenCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	doc := []byte(`{"id":"1"}`)
	tests := []struct {
		name string
		run  func(w *bytes.Buffer) error
	}{
		{"streaming", func(w *bytes.Buffer) error {
			p, err := New(w, Options{Format: "jsonl", JQ: "range(3)", Context: ctx})
			if err != nil {
				return err
			}
			return p.Print(doc)
		}},
		{"single value", func(w *bytes.Buffer) error {
			return WriteJSON(w, json.RawMessage(doc), Options{JQ: "range(3)", Context: ctx})
		}},
	}
	for _, tt := range tests {
		var out bytes.Buffer
		err := tt.run(&out)
		if !errors.Is(err, context.Canceled) || out.Len() != 0 {
			t.Errorf("%s: err %v, output %q; want context.Canceled and no output", tt.name, err, out.String())
		}
	}
}
