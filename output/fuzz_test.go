package output

import (
	"encoding/csv"
	"encoding/json"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// FuzzPrinters feeds arbitrary valid JSON documents to every format and
// checks the invariants: json/jsonl keep the document token for token,
// yaml reads back as the same data, csv parses, terminal tables fit.
// Plain `go test` runs the seeds; `go test -fuzz FuzzPrinters` explores.
func FuzzPrinters(f *testing.F) {
	for _, docs := range goldenCases() {
		for _, d := range docs {
			f.Add(d)
		}
	}
	for _, s := range []string{`"\u2028"`, `{"a\"b":{"":[[]]}}`, `-1.5E-7`, `"\ud83d\ude00"`, `{"k":"\u0000\u001b"}`, `[" - ", "? ", "a\r\nb"]`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, doc string) {
		if !json.Valid([]byte(doc)) || strings.TrimSpace(doc) == "" {
			t.Skip()
		}
		docs := []string{doc, doc}
		for _, opts := range []Options{{Format: "json"}, {Format: "json", TTY: true, Color: true}, {Format: "jsonl"}} {
			out := render(t, docs, opts)
			if opts.Color {
				continue
			}
			var got []json.RawMessage
			if opts.Format == "jsonl" {
				for line := range strings.Lines(out) {
					got = append(got, json.RawMessage(line))
				}
			} else if err := json.Unmarshal([]byte(out), &got); err != nil {
				t.Fatalf("%+v: invalid output %q: %v", opts, out, err)
			}
			if len(got) != 2 || compact(t, got[0]) != compact(t, []byte(doc)) {
				t.Fatalf("%+v: got %q for %q", opts, out, doc)
			}
		}

		out := render(t, docs, Options{Format: "yaml"})
		var root yaml.Node
		if err := yaml.Unmarshal([]byte(out), &root); err != nil {
			t.Fatalf("yaml does not parse: %v\n%s", err, out)
		}
		dec := json.NewDecoder(strings.NewReader(doc))
		dec.UseNumber()
		checkYAMLNode(t, "fuzz", root.Content[0].Content[0], dec)

		recs, err := csv.NewReader(strings.NewReader(render(t, docs, Options{Format: "csv"}))).ReadAll()
		if err != nil {
			t.Fatalf("csv does not parse: %v", err)
		}
		if len(recs) != 0 && len(recs) != 3 {
			t.Fatalf("csv: %d records for 2 documents", len(recs))
		}
		_ = render(t, docs, Options{Format: "tsv"})
		for _, f := range []string{"table", "wide"} {
			for line := range strings.Lines(render(t, docs, Options{Format: f, TTY: true, Width: 40})) {
				if w := displayWidth([]byte(strings.TrimSuffix(line, "\n"))); w > 40 {
					t.Fatalf("%s line %d wide: %q", f, w, line)
				}
			}
		}
	})
}
