package cmd

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/cosmosctl/cosmosctl/internal/errs"
)

// TestOutputContract runs every command that prints data in every format
// and checks that the output parses as the format says, with single
// objects printed as objects and lists as lists.
func TestOutputContract(t *testing.T) {
	e := queryStart(t)
	e.env["COSMOSCTL_KEY"] = e.sb.AccountKey // whoami of the key, with no sign-in
	commands := []struct {
		name   string
		args   []string
		stdin  string
		single bool // one object, not a list
	}{
		{"whoami", []string{"whoami"}, "", true},
		{"version", []string{"version"}, "", true},
		{"config view", []string{"config", "view"}, "", true},
		{"container show", []string{"container", "show", "orders", "-d", "shop"}, "", true},
		{"read", []string{"read", "big-int", "--pk", "c1", "-d", "shop", "-c", "orders"}, "", true},
		{"config list", []string{"config", "list"}, "", false},
		{"db list", []string{"db", "list"}, "", false},
		{"container list", []string{"container", "list", "-d", "shop"}, "", false},
		{"query", []string{"query", "SELECT c.id, c.customerId, c.total FROM c WHERE c.customerId = 'c1'", "-d", "shop", "-c", "orders"}, "", false},
		{"read-many", []string{"read-many", "-d", "shop", "-c", "orders"}, `{"id":"big-int","pk":"c1"}` + "\n", false},
	}
	formats := []string{"", "json", "jsonl", "yaml", "csv", "tsv", "table", "wide"}
	for _, c := range commands {
		for _, format := range formats {
			name := c.name + "/" + format
			if format == "" {
				name = c.name + "/piped-default"
			}
			t.Run(name, func(t *testing.T) {
				args := c.args
				if format != "" {
					args = append(append([]string(nil), args...), "-o", format)
				}
				r := e.runIn(t, c.stdin, args...)
				if r.err != nil {
					t.Fatalf("exit %d: %s", r.code, r.stderr)
				}
				checkFormat(t, format, r.stdout, c.single)
			})
		}
	}
}

// checkFormat asserts out parses as format ("" = piped default, JSON).
func checkFormat(t *testing.T, format, out string, single bool) {
	t.Helper()
	if strings.TrimSpace(out) == "" {
		t.Fatal("no output")
	}
	switch format {
	case "", "json":
		var v any
		if err := json.Unmarshal([]byte(out), &v); err != nil {
			t.Fatalf("not JSON: %v\n%s", err, out)
		}
		if _, isObj := v.(map[string]any); isObj != single {
			t.Fatalf("single=%v but JSON is %T:\n%s", single, v, out)
		}
	case "jsonl":
		lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
		for _, l := range lines {
			var v map[string]any
			if err := json.Unmarshal([]byte(l), &v); err != nil {
				t.Fatalf("line %q is not a JSON object: %v", l, err)
			}
		}
		if single && len(lines) != 1 {
			t.Fatalf("single object on %d lines", len(lines))
		}
	case "yaml":
		var v any
		if err := yaml.Unmarshal([]byte(out), &v); err != nil {
			t.Fatalf("not YAML: %v\n%s", err, out)
		}
		if _, isMap := v.(map[string]any); isMap != single {
			t.Fatalf("single=%v but YAML is %T:\n%s", single, v, out)
		}
	case "csv", "tsv":
		rd := csv.NewReader(strings.NewReader(out))
		if format == "tsv" {
			rd.Comma, rd.LazyQuotes = '\t', true
		}
		recs, err := rd.ReadAll()
		if err != nil {
			t.Fatalf("not %s: %v\n%s", format, err, out)
		}
		if len(recs) < 2 || (single && len(recs) != 2) {
			t.Fatalf("%d records (single=%v):\n%s", len(recs), single, out)
		}
	case "table", "wide":
		if strings.HasPrefix(out, "{") || strings.HasPrefix(out, "[") || strings.Contains(out, "…") {
			t.Fatalf("table output looks like JSON or is cut:\n%s", out)
		}
	}
}

// TestSingleObjectTables: one container or item prints as a key/value
// block with nothing cut off, not a one-row table.
func TestSingleObjectTables(t *testing.T) {
	e := queryStart(t)
	e.env["COSMOSCTL_KEY"] = e.sb.AccountKey // whoami of the key, with no sign-in
	f, _, out, errOut := e.factory()
	f.IOStreams.SetStdoutTTY(true)
	f.IOStreams.SetTerminalWidth(40)
	r := queryExecute(f, out, errOut, []string{"container", "show", "orders", "-d", "shop"})
	if r.err != nil {
		t.Fatal(r.stderr)
	}
	if !strings.Contains(r.stdout, "\npartitionKey:") || !strings.Contains(r.stdout, `"paths":["/customerId"]`) || strings.Contains(r.stdout, "…") {
		t.Errorf("container show on a terminal:\n%s", r.stdout)
	}
}

// TestJQContract: --jq keeps key order, prints strings raw (--jq-json
// quotes them), never wraps a scalar in a table on a terminal, and works
// the same on single objects (whoami, version) as on query results.
func TestJQContract(t *testing.T) {
	e := queryStart(t)
	e.env["COSMOSCTL_KEY"] = e.sb.AccountKey // whoami of the key, with no sign-in
	tests := []struct {
		name string
		tty  bool
		args []string
		want string
	}{
		{"identity keeps stored key order", false, []string{"read", "key-order", "--pk", "c4", "-d", "shop", "-c", "orders", "--jq", "."}, `{"zeta":1,"id":"key-order","customerId":"c4","alpha":2,`},
		{"projection keeps key order", false, []string{"read", "key-order", "--pk", "c4", "-d", "shop", "-c", "orders", "--jq", "{alpha, id, zeta}"}, `{"zeta":1,"id":"key-order","alpha":2}` + "\n"},
		{"strings raw", false, []string{"query", "SELECT c.id FROM c WHERE c.id = 'big-int'", "-d", "shop", "-c", "orders", "--jq", ".id"}, "big-int\n"},
		{"--jq-json quotes", false, []string{"query", "SELECT c.id FROM c WHERE c.id = 'big-int'", "-d", "shop", "-c", "orders", "--jq", ".id", "--jq-json"}, "\"big-int\"\n"},
		{"no value table on a terminal", true, []string{"query", "SELECT c.id FROM c WHERE c.id = 'big-int'", "-d", "shop", "-c", "orders", "--jq", ".id"}, "big-int\n"},
		{"number on a terminal", true, []string{"read", "big-int", "--pk", "c1", "-d", "shop", "-c", "orders", "--jq", ".loyaltyPoints"}, "9223372036854775807\n"},
		{"whoami honours --jq", false, []string{"whoami", "--jq", ".method"}, "key\n"},
		{"version honours --jq", false, []string{"version", "--jq", ".commit"}, "none\n"},
		{"config get -o json", false, []string{"config", "get", "database", "-o", "json"}, "\"\"\n"},
		{"can-i answers raw by default", false, []string{"can-i", "read", "-d", "shop", "-c", "orders"}, "yes\n"},
		{"can-i -o json is an object", false, []string{"can-i", "read", "-d", "shop", "-c", "orders", "-o", "json"}, `{"action":"read","scope":`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, _, out, errOut := e.factory()
			f.IOStreams.SetStdoutTTY(tt.tty)
			f.IOStreams.SetColorDisabled(true)
			r := queryExecute(f, out, errOut, tt.args)
			if r.err != nil {
				t.Fatalf("exit %d: %s", r.code, r.stderr)
			}
			if !strings.HasPrefix(r.stdout, tt.want) {
				t.Errorf("stdout %q, want prefix %q", r.stdout, tt.want)
			}
		})
	}
	// An unknown format is a usage error everywhere, never ignored.
	for _, args := range [][]string{{"version"}, {"whoami"}, {"config", "list"}, {"config", "view"}, {"db", "list"}} {
		r := e.run(t, append(args, "-o", "xml")...)
		if r.code != errs.ExitUsage || !strings.Contains(r.stderr, "xml") {
			t.Errorf("%v -o xml: exit %d, %q", args, r.code, r.stderr)
		}
	}
}

func TestPipedWhoamiIsJSON(t *testing.T) {
	e := queryStart(t)
	e.env["COSMOSCTL_KEY"] = e.sb.AccountKey // whoami of the key, with no sign-in
	r := e.run(t, "whoami")
	var m map[string]any
	if r.err != nil || json.Unmarshal([]byte(r.stdout), &m) != nil || m["method"] != "key" {
		t.Fatalf("piped whoami: exit %d, %q", r.code, r.stdout)
	}
	if !bytes.HasPrefix([]byte(r.stdout), []byte(`{"profile":`)) {
		t.Errorf("whoami keys not in their documented order: %s", r.stdout)
	}
}
