package cmd

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/cosmosctl/cosmosctl/internal/errs"
	"github.com/cosmosctl/cosmosctl/internal/sandbox/sandboxtest"
	"github.com/cosmosctl/cosmosctl/internal/sandbox/seed"
)

// A query that fails before any result prints nothing on stdout, exits with
// the error's code and explains it in one line (plus an optional hint).
func TestQueryFailuresPrintNoResult(t *testing.T) {
	e := queryStart(t)
	tests := []struct {
		name     string
		args     []string
		wantCode int
		wantErr  string
	}{
		{"syntax error", []string{"query", "SELEC * FROM c"}, errs.ExitUsage,
			"query shop/orders: invalid query: Syntax error, incorrect syntax near 'SELEC'. (SC1001 at characters 0-5)"},
		{"unknown identifier", []string{"query", "SELECT * FROM c WHERE x.id = 1"}, errs.ExitUsage, "invalid query"},
		{"bad param json", []string{"query", "SELECT * FROM c", "--param", "@x={bad"}, errs.ExitUsage, "--param @x"},
		{"param without @", []string{"query", "SELECT * FROM c", "--param", "x=1"}, errs.ExitUsage, "--param"},
		{"missing container", []string{"query", "SELECT * FROM c", "-c", "nope"}, errs.ExitNotFound, "does not exist"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append(append([]string{}, tt.args...), "-o", "json")
			if !strings.Contains(strings.Join(args, " "), " -c ") {
				args = append(args, "-c", "orders")
			}
			args = append(args, "-d", "shop")
			r := e.run(t, args...)
			if r.code != tt.wantCode {
				t.Fatalf("exit %d, want %d; stderr %q", r.code, tt.wantCode, r.stderr)
			}
			if r.stdout != "" {
				t.Fatalf("stdout must be empty on failure, got %q", r.stdout)
			}
			if !strings.Contains(r.stderr, tt.wantErr) {
				t.Fatalf("stderr %q lacks %q", r.stderr, tt.wantErr)
			}
			if lines := strings.Count(strings.TrimSpace(r.stderr), "\n") + 1; lines > 2 {
				t.Fatalf("error takes %d lines: %q", lines, r.stderr)
			}
		})
	}
}

// -d and -c complete from the account, signed in silently.
func TestCompletionOfDatabasesAndContainers(t *testing.T) {
	e := queryStart(t)
	e.env["XDG_CACHE_HOME"] = t.TempDir() // the name cache
	cases := []struct {
		args []string
		want []string
	}{
		{[]string{"__complete", "query", "-d", "sh"}, []string{"shop"}},
		{[]string{"__complete", "query", "-d", "shop", "-c", "or"}, []string{"orders", "orders1"}},
		{[]string{"__complete", "query", "-d", "shop", "-c", "zz"}, nil},
	}
	for _, tc := range cases {
		r := e.run(t, tc.args...)
		if r.code != 0 {
			t.Fatalf("%v: exit %d %s", tc.args, r.code, r.stderr)
		}
		var got []string
		for _, line := range strings.Split(strings.TrimSpace(r.stdout), "\n") {
			if line != "" && !strings.HasPrefix(line, ":") {
				got = append(got, line)
			}
		}
		if strings.Join(got, ",") != strings.Join(tc.want, ",") {
			t.Errorf("%v: completions %q, want %q", tc.args, got, tc.want)
		}
	}
}

// Query results keep the stored bytes: azcosmos re-marshals page items,
// which would HTML-escape <, > and & and the line separators.
func TestQueryResultsKeepStoredBytes(t *testing.T) {
	s := seed.Demo()
	doc := `{"id":"html","customerId":"h1","markup":"<b>Tom & Jerry</b>","sep":"a` + "\u2028" + `b","n":1.0000000000000001}`
	for i := range s.Databases[0].Containers {
		if c := &s.Databases[0].Containers[i]; c.ID == "orders" {
			c.Items = append(c.Items, json.RawMessage(doc))
		}
	}
	e := queryStart(t, sandboxtest.WithSeed(s))
	for _, q := range []string{
		"SELECT * FROM c WHERE c.id = 'html'",                    // direct path
		"SELECT * FROM c WHERE c.id = 'html' ORDER BY c.id",      // cross-partition payload
		"SELECT VALUE c.markup FROM c WHERE c.customerId = 'h1'", // a projected string
	} {
		r := e.run(t, "query", q, "-d", "shop", "-c", "orders", "-o", "jsonl")
		if r.err != nil {
			t.Fatalf("%s: %s", q, r.stderr)
		}
		if !strings.Contains(r.stdout, "<b>Tom & Jerry</b>") || strings.Contains(r.stdout, `\u003c`) || strings.Contains(r.stdout, `\u0026`) {
			t.Errorf("%s: output not byte-faithful: %s", q, r.stdout)
		}
	}
	r := e.run(t, "query", "SELECT * FROM c WHERE c.id = 'html'", "-d", "shop", "-c", "orders", "--pk", "h1", "-o", "jsonl")
	if !strings.Contains(r.stdout, "a\u2028b") || !strings.Contains(r.stdout, `"n":1.0000000000000001`) {
		t.Errorf("single-partition output not byte-faithful: %q", r.stdout)
	}
}

// Columns first seen after the table's window are reported on stderr; stdout
// holds only the table.
func TestQueryTableReportsLateColumnsOnStderr(t *testing.T) {
	e := queryStart(t)
	r := e.run(t, "query", "SELECT * FROM c ORDER BY c.id", "-d", "shop", "-c", "orders", "-o", "table")
	if r.err != nil {
		t.Fatal(r.stderr)
	}
	if !strings.Contains(r.stderr, "note: columns first seen after the first 100 results were not shown: customer") {
		t.Fatalf("stderr %q does not report the late column", r.stderr)
	}
	if strings.Contains(r.stdout, "not shown") {
		t.Fatal("the table on stdout carries a diagnostic")
	}
	if lines := strings.Count(r.stdout, "\n"); lines != 3004+1 {
		t.Fatalf("table has %d lines, want a header and 3004 rows", lines)
	}
}
