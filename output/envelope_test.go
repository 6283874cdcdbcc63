package output

import (
	"bytes"
	"encoding/json"
	"io"
	"testing"
)

func TestEnvelopePrinter(t *testing.T) {
	meta := map[string]any{"continuation": nil, "requestCharge": 2.5, "note": "<&>"}
	docs := []json.RawMessage{
		json.RawMessage(`{"id":"1","n":9223372036854775807,"s":"<b>"}`),
		json.RawMessage(`{"id":"2","nested":{"a":[1,{"b":null}]},"e":[]}`),
	}
	tests := []struct {
		name string
		docs []json.RawMessage
		want string // compact output
	}{
		{"no items", nil, `{"items":[],"continuation":null,"note":"<&>","requestCharge":2.5}` + "\n"},
		{"items", docs, `{"items":[{"id":"1","n":9223372036854775807,"s":"<b>"},{"id":"2","nested":{"a":[1,{"b":null}]},"e":[]}],"continuation":null,"note":"<&>","requestCharge":2.5}` + "\n"},
	}
	for _, tt := range tests {
		for _, tty := range []bool{false, true} {
			var out bytes.Buffer
			p, err := NewEnvelope(&out, Options{TTY: tty})
			if err != nil {
				t.Fatal(err)
			}
			for _, d := range tt.docs {
				if err := p.Print(d); err != nil {
					t.Fatal(err)
				}
			}
			if err := p.Finish(meta); err != nil {
				t.Fatal(err)
			}
			want := tt.want
			if tty {
				// On a terminal: the same tokens, indented by two spaces.
				var ind bytes.Buffer
				if err := json.Indent(&ind, []byte(tt.want), "", "  "); err != nil {
					t.Fatal(err)
				}
				want = ind.String()
			}
			if out.String() != want {
				t.Errorf("%s (tty %v):\n got %s\nwant %s", tt.name, tty, out.String(), want)
			}
		}
	}
}

func TestEnvelopePrinterJQ(t *testing.T) {
	var out bytes.Buffer
	p, err := NewEnvelope(&out, Options{JQ: "{n: (.items | length), c: .continuation}"})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{`{"id":"1"}`, `{"id":"2"}`} {
		if err := p.Print(json.RawMessage(d)); err != nil {
			t.Fatal(err)
		}
	}
	if err := p.Finish(map[string]any{"continuation": "tok"}); err != nil {
		t.Fatal(err)
	}
	if got, want := out.String(), `{"c":"tok","n":2}`+"\n"; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
	if _, err := NewEnvelope(io.Discard, Options{JQ: ".["}); err == nil {
		t.Fatal("a jq expression that does not parse was accepted")
	}
}

// Streaming documents into the envelope does not allocate per document.
func TestEnvelopePrinterFlatMemory(t *testing.T) {
	p, err := NewEnvelope(io.Discard, Options{})
	if err != nil {
		t.Fatal(err)
	}
	doc := json.RawMessage(`{"id":"x","n":1.0000000000000001,"tags":["a","b"]}`)
	_ = p.Print(doc)
	if a := testing.AllocsPerRun(1000, func() { _ = p.Print(doc) }); a > 0 {
		t.Fatalf("%.1f allocations per document", a)
	}
}
