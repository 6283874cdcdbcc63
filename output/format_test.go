package output

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

func compact(t testing.TB, b []byte) string {
	t.Helper()
	var buf bytes.Buffer
	if err := json.Compact(&buf, b); err != nil {
		t.Fatalf("compact %s: %v", b, err)
	}
	return buf.String()
}

// TestJSONKeepsDocumentsExactly: each element of the json output, and each
// jsonl line, is token-for-token the input document (same key order, same
// number and string text), on a terminal and piped.
func TestJSONKeepsDocumentsExactly(t *testing.T) {
	for name, docs := range goldenCases() {
		for _, opts := range []Options{{Format: "json"}, {Format: "json", TTY: true}, {Format: ""}, {Format: "jsonl"}} {
			out := render(t, docs, opts)
			var got []json.RawMessage
			if opts.Format == "jsonl" {
				for line := range strings.Lines(out) {
					got = append(got, json.RawMessage(line))
				}
			} else if err := json.Unmarshal([]byte(out), &got); err != nil {
				t.Fatalf("%s %+v: output is not a JSON array: %v\n%s", name, opts, err, out)
			}
			if len(got) != len(docs) {
				t.Fatalf("%s %+v: %d documents out, %d in", name, opts, len(got), len(docs))
			}
			for i := range docs {
				if g, w := compact(t, got[i]), compact(t, []byte(docs[i])); g != w {
					t.Errorf("%s %+v doc %d:\n got %s\nwant %s", name, opts, i, g, w)
				}
			}
		}
	}
}

// TestYAMLParsesBack reads the yaml output with go.yaml.in/yaml/v3 and
// checks every node against the JSON it came from: same structure and key
// order, strings read back as the same strings, numbers with the same text.
func TestYAMLParsesBack(t *testing.T) {
	extra := []string{
		`{"k":["", " ", "-", "- x", "? x", ":", "a:b", "~", "Null", "NO", "0x1F", "1_000", "0o17", ".inf", "+1", "1.5e3", "<<", "=", "!tag", "&a", "*a", "|", ">", "%x", "@x", "` + "`x" + `", "'q'", "\"q\"", "a\u0085b", "a\u2028b", "\ufeffx", "\u007f", "\u0001", "x\ty", "日本\n😀", "#c", "a #c", "café"]}`,
		`{"":1,"key with spaces":2,"yes":3,"1":4,"a: b":5,"` + strings.Repeat("k", 1200) + `":{"nested":[[],{}]}}`,
	}
	cases := goldenCases()
	cases["yaml-strings"] = extra
	for name, docs := range cases {
		out := render(t, docs, Options{Format: "yaml"})
		var root yaml.Node
		if err := yaml.Unmarshal([]byte(out), &root); err != nil {
			t.Fatalf("%s: yaml does not parse: %v\n%s", name, err, out)
		}
		seq := root.Content[0]
		if seq.Kind != yaml.SequenceNode || len(seq.Content) != len(docs) {
			t.Fatalf("%s: want a sequence of %d, got kind %v with %d", name, len(docs), seq.Kind, len(seq.Content))
		}
		for i, d := range docs {
			dec := json.NewDecoder(strings.NewReader(d))
			dec.UseNumber()
			checkYAMLNode(t, name, seq.Content[i], dec)
		}
	}
}

func checkYAMLNode(t *testing.T, where string, n *yaml.Node, dec *json.Decoder) {
	t.Helper()
	tok, err := dec.Token()
	if err != nil {
		t.Fatalf("%s: %v", where, err)
	}
	switch v := tok.(type) {
	case json.Delim:
		if v == '{' {
			if n.Kind != yaml.MappingNode {
				t.Fatalf("%s: want mapping, got %v %q", where, n.Kind, n.Value)
			}
			for i := 0; dec.More(); i += 2 {
				k, _ := dec.Token()
				if n.Content[i].Value != k.(string) || n.Content[i].ShortTag() != "!!str" {
					t.Fatalf("%s: key %d: got %q (%s), want %q", where, i/2, n.Content[i].Value, n.Content[i].ShortTag(), k)
				}
				checkYAMLNode(t, where+"."+k.(string), n.Content[i+1], dec)
			}
		} else {
			if n.Kind != yaml.SequenceNode {
				t.Fatalf("%s: want sequence, got %v", where, n.Kind)
			}
			for i := 0; dec.More(); i++ {
				checkYAMLNode(t, where, n.Content[i], dec)
			}
		}
		_, _ = dec.Token() // closing delimiter
	case string:
		if n.Value != v || n.ShortTag() != "!!str" {
			t.Errorf("%s: got %q (%s), want string %q", where, n.Value, n.ShortTag(), v)
		}
	case json.Number:
		if n.Value != v.String() || n.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle) != 0 {
			t.Errorf("%s: got %q style %v, want number %s", where, n.Value, n.Style, v)
		}
	case bool, nil:
		want := map[any]string{true: "!!bool", false: "!!bool", nil: "!!null"}[v]
		if n.ShortTag() != want {
			t.Errorf("%s: got %q (%s), want %v", where, n.Value, n.ShortTag(), v)
		}
	}
}

// TestDelimitedAgree parses the csv output with encoding/csv and un-escapes
// the tsv output; both must give the same records, and known cells must
// hold exactly the document's text.
func TestDelimitedAgree(t *testing.T) {
	unTSV := strings.NewReplacer(`\\`, `\`, `\t`, "\t", `\n`, "\n", `\r`, "\r")
	for name, docs := range goldenCases() {
		csvRecs, err := csv.NewReader(strings.NewReader(render(t, docs, Options{Format: "csv"}))).ReadAll()
		if err != nil {
			t.Fatalf("%s: csv does not parse: %v", name, err)
		}
		var tsvRecs [][]string
		for line := range strings.Lines(render(t, docs, Options{Format: "tsv"})) {
			var rec []string
			for _, f := range strings.Split(strings.TrimSuffix(line, "\n"), "\t") {
				rec = append(rec, unTSV.Replace(f))
			}
			tsvRecs = append(tsvRecs, rec)
		}
		if len(docs) > 0 && len(csvRecs) != len(docs)+1 {
			t.Errorf("%s: %d csv records for %d documents", name, len(csvRecs), len(docs))
		}
		if len(csvRecs) != len(tsvRecs) {
			t.Fatalf("%s: csv has %d records, tsv %d", name, len(csvRecs), len(tsvRecs))
		}
		for i := range csvRecs {
			if strings.Join(csvRecs[i], "\x00") != strings.Join(tsvRecs[i], "\x00") {
				t.Errorf("%s record %d:\ncsv %q\ntsv %q", name, i, csvRecs[i], tsvRecs[i])
			}
		}
	}
	recs, _ := csv.NewReader(strings.NewReader(render(t, goldenCases()["awkward"], Options{Format: "csv"}))).ReadAll()
	col := map[string]int{}
	for i, h := range recs[0] {
		col[h] = i
	}
	for _, tc := range []struct {
		row  int
		col  string
		want string
	}{
		{1, "id", "1"},
		{1, "n", "9223372036854775807"},
		{1, "owner", `{"name":"Ana","age":null}`},
		{1, "city", "東京"},
		{2, "id", ""}, // missing key
		{2, "price", "1.0000000000000001"},
		{2, "huge", "1e400"},
		{2, "big", "123456789012345678901234567890"},
		{2, "esc", "tab\there\nnewline \"quoted\" back\\slash"},
		{2, "u", "é日"},
		{4, "city", ""}, // null
		{3, "emptyArr", "[]"},
	} {
		if got := recs[tc.row][col[tc.col]]; got != tc.want {
			t.Errorf("row %d %s = %q, want %q", tc.row, tc.col, got, tc.want)
		}
	}
	if _, ok := col["_rid"]; ok {
		t.Errorf("csv shows system properties: %q", recs[0])
	}
	if recs[0][0] != "id" {
		t.Errorf("first column %q, want id", recs[0][0])
	}
}

// TestTableFitsTerminal: on a terminal every line fits the width; piped,
// nothing is truncated whatever the content.
func TestTableFitsTerminal(t *testing.T) {
	for name, docs := range goldenCases() {
		for _, width := range []int{20, 40, 80, 132} {
			for _, f := range []string{"table", "wide"} {
				out := render(t, docs, Options{Format: f, TTY: true, Width: width})
				for line := range strings.Lines(out) {
					if w := displayWidth([]byte(strings.TrimSuffix(line, "\n"))); w > width {
						t.Errorf("%s %s width %d: line is %d wide: %q", name, f, width, w, line)
					}
				}
			}
		}
		piped := render(t, docs, Options{Format: "table"})
		if strings.Contains(piped, "…") {
			t.Errorf("%s: piped table is truncated:\n%s", name, piped)
		}
	}
	long := goldenCases()["long"]
	var doc struct{ Text string }
	_ = json.Unmarshal([]byte(long[0]), &doc)
	if out := render(t, long, Options{Format: "table", Width: 80}); !strings.Contains(out, doc.Text) {
		t.Errorf("piped table with a Width lost text:\n%s", out)
	}
}

// TestNoANSIWithoutColor: escape codes appear only when Color is set.
func TestNoANSIWithoutColor(t *testing.T) {
	for name, docs := range goldenCases() {
		for _, f := range Formats() {
			if out := render(t, docs, Options{Format: f, TTY: true, Width: 80}); strings.Contains(out, "\x1b") {
				t.Errorf("%s %s: ANSI escape without Color", name, f)
			}
		}
	}
	docs := goldenCases()["awkward"]
	for _, f := range []string{"json", "table", "wide"} {
		if out := render(t, docs, Options{Format: f, TTY: true, Color: true}); !strings.Contains(out, "\x1b[") {
			t.Errorf("%s: no colour although Color is set", f)
		}
	}
}

func TestDefaultFormat(t *testing.T) {
	docs := []string{`{"id":"a"}`}
	if got := render(t, docs, Options{}); got != "[\n{\"id\":\"a\"}\n]\n" {
		t.Errorf("piped default = %q, want json", got)
	}
	if got := render(t, docs, Options{TTY: true}); got != "id\na\n" {
		t.Errorf("terminal default = %q, want table", got)
	}
}

// TestColumnWindow: columns come from the first ColumnWindow documents;
// keys first seen later are dropped, reported, and named under the table.
func TestColumnWindow(t *testing.T) {
	docs := make([]string, 0, ColumnWindow+3)
	docs = append(docs, `{"a":1}`)
	for range ColumnWindow - 2 {
		docs = append(docs, `{"a":2}`)
	}
	docs = append(docs, `{"b":"in window","id":"x"}`, `{"a":3,"late":"no","_rid":"sys"}`, `{"late":"again","later":1}`)
	tests := []struct {
		format      string
		wantHeader  string
		wantDropped []string
	}{
		{"table", "id  a  b", []string{"late", "later"}},
		{"wide", "id  a  b", []string{"late", "_rid", "later"}},
		{"csv", "id,a,b", []string{"late", "later"}},
		{"tsv", "id\ta\tb", []string{"late", "later"}},
	}
	for _, tc := range tests {
		var buf bytes.Buffer
		p, err := New(&buf, Options{Format: tc.format})
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range docs {
			if err := p.Print([]byte(d)); err != nil {
				t.Fatal(err)
			}
		}
		if err := p.Close(); err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
		if strings.TrimRight(lines[0], " ") != tc.wantHeader {
			t.Errorf("%s header %q, want %q", tc.format, lines[0], tc.wantHeader)
		}
		// stdout holds only the header and the rows: the caller reports
		// dropped columns on stderr.
		rows := len(docs) + 1
		if len(lines) != rows {
			t.Errorf("%s: %d lines, want %d", tc.format, len(lines), rows)
		}
		got := p.(ColumnReporter).DroppedColumns()
		if strings.Join(got, ",") != strings.Join(tc.wantDropped, ",") {
			t.Errorf("%s DroppedColumns = %q, want %q", tc.format, got, tc.wantDropped)
		}
	}
}

func TestErrors(t *testing.T) {
	_, err := New(&bytes.Buffer{}, Options{Format: "xml"})
	var fe *FormatError
	if !errors.As(err, &fe) || fe.Format != "xml" || !strings.Contains(err.Error(), "json, jsonl, table, wide, csv, tsv, yaml") {
		t.Errorf("unknown format: got %v", err)
	}
	for _, f := range Formats() {
		p, err := New(&bytes.Buffer{}, Options{Format: f})
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for _, bad := range []string{``, `{"a":`, `{"a":1}{"b":2}`, `nul`} {
			if err := p.Print([]byte(bad)); err == nil {
				t.Errorf("%s accepted invalid document %q", f, bad)
			}
		}
		// A bad document does not poison the printer.
		if err := p.Print([]byte(`{"a":1}`)); err != nil {
			t.Errorf("%s after a bad document: %v", f, err)
		}
	}
}

type failWriter struct{ err error }

func (w failWriter) Write([]byte) (int, error) { return 0, w.err }

func TestWriteErrorsSurface(t *testing.T) {
	boom := errors.New("disk full")
	for _, f := range Formats() {
		p, err := New(failWriter{boom}, Options{Format: f})
		if err != nil {
			t.Fatal(err)
		}
		err = p.Print([]byte(`{"id":"1"}`))
		if err == nil {
			err = p.Close() // tabular formats write at the end of the window
		}
		if !errors.Is(err, boom) {
			t.Errorf("%s: got %v, want the writer's error", f, err)
		}
	}
}
