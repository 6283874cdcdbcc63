package output

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden from the current output")

// goldenCases are the awkward inputs every format is checked against.
func goldenCases() map[string][]string {
	long := strings.Repeat("Lorem ipsum dolor sit amet, é 日本 😀 ", 8)
	var wide strings.Builder
	wide.WriteString(`{"id":"w1"`)
	for i := range 1000 {
		fmt.Fprintf(&wide, `,"c%04d":%d`, i, i)
	}
	wide.WriteString("}")
	return map[string][]string{
		"awkward": {
			`{"id":"1","name":"Zoë <b>&</b>","city":"東京","tags":["a","b"],"owner":{"name":"Ana","age":null},"n":9223372036854775807,"_rid":"AAA=","_self":"dbs/x/","_etag":"\"0000\"","_attachments":"attachments/","_ts":1700000000}`,
			`{"name":"no id 🚀","n":-0.0,"price":1.0000000000000001,"huge":1e400,"big":123456789012345678901234567890,"esc":"tab\there\nnewline \"quoted\" back\\slash","u":"\u00e9\u65e5"}`,
			`{"id":"3","flag":true,"off":false,"empty":"","emptyObj":{},"emptyArr":[],"deep":{"a":{"b":{"c":[1,[2,[3]]]}}}}`,
			`{"id":"4","city":null,"yes":"yes","num":"123","colon":"a: b","hash":"x #y","lead":" space","multi":"l1\nl2"}`,
		},
		"long": {
			`{"id":"long-1","text":"` + long + `","short":"ok"}`,
			`{"id":"long-2","text":"tiny","short":"` + strings.Repeat("x", 120) + `"}`,
		},
		"columns1000": {wide.String()},
		"scalars":     {`42`, `"plain string"`, `true`, `null`, `[1,"two",{"three":3}]`, `1e400`, `{"value":"object with a value key"}`},
		"empty":       {},
	}
}

type variant struct {
	name string
	opts Options
}

// variants: every format piped, plus the terminal forms that differ.
func goldenVariants() []variant {
	var vs []variant
	for _, f := range Formats() {
		vs = append(vs, variant{f + " piped", Options{Format: f}})
	}
	for _, f := range []string{"json", "table", "wide"} {
		vs = append(vs, variant{f + " tty width=80", Options{Format: f, TTY: true, Width: 80}})
	}
	vs = append(vs,
		variant{"table tty width=0", Options{Format: "table", TTY: true}},
		variant{"json tty color", Options{Format: "json", TTY: true, Width: 80, Color: true}},
		variant{"table tty color width=80", Options{Format: "table", TTY: true, Width: 80, Color: true}},
	)
	return vs
}

func render(t testing.TB, docs []string, opts Options) string {
	t.Helper()
	var buf bytes.Buffer
	p, err := New(&buf, opts)
	if err != nil {
		t.Fatalf("New(%+v): %v", opts, err)
	}
	for _, d := range docs {
		if err := p.Print([]byte(d)); err != nil {
			t.Fatalf("Print(%s) with %+v: %v", d, opts, err)
		}
	}
	if err := p.Close(); err != nil {
		t.Fatalf("Close with %+v: %v", opts, err)
	}
	return buf.String()
}

func TestGolden(t *testing.T) {
	for name, docs := range goldenCases() {
		t.Run(name, func(t *testing.T) {
			var got strings.Builder
			for _, v := range goldenVariants() {
				fmt.Fprintf(&got, "=== %s\n%s", v.name, render(t, docs, v.opts))
			}
			path := filepath.Join("testdata", name+".golden")
			if *update {
				if err := os.WriteFile(path, []byte(got.String()), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -run TestGolden -update)", err)
			}
			if got.String() != string(want) {
				t.Errorf("output differs from %s (rerun with -update and review the diff):\n%s", path, firstDiff(string(want), got.String()))
			}
		})
	}
}

// firstDiff shows the first differing line, enough to start debugging.
func firstDiff(want, got string) string {
	wl, gl := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < len(wl) || i < len(gl); i++ {
		var w, g string
		if i < len(wl) {
			w = wl[i]
		}
		if i < len(gl) {
			g = gl[i]
		}
		if w != g {
			return fmt.Sprintf("line %d:\nwant %q\ngot  %q", i+1, w, g)
		}
	}
	return "(no line differs)"
}
