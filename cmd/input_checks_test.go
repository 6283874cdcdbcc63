package cmd

import (
	"strings"
	"testing"

	"github.com/cosmosctl/cosmosctl/internal/errs"
)

// TestInputCheckedBeforeSending: malformed input exits 2 with a message
// naming the flag (or the fix) and the command's own usage line, and
// prints nothing on stdout.
func TestInputCheckedBeforeSending(t *testing.T) {
	e := queryStart(t)
	q := []string{"query", "SELECT * FROM c", "-d", "shop", "-c", "orders"}
	tests := []struct {
		name string
		args []string
		want []string
	}{
		{"malformed array pk", append(q, "--pk", "[1,"), []string{"--pk [1,: not valid JSON", "usage: cosmosctl query"}},
		{"unterminated string pk", append(q, "--pk", `"c1`), []string{`--pk "c1: not valid JSON`}},
		{"malformed pk on read", []string{"read", "x", "--pk", "[1,", "-d", "shop", "-c", "orders"}, []string{"--pk [1,: not valid JSON", "usage: cosmosctl read ID --pk VALUE"}},
		{"single level on a hierarchical point read", []string{"read", "evt-1", "--pk", "contoso", "-d", "shop", "-c", "events"}, []string{"--pk", "2 levels (/tenantId, /userId)"}},
		{"too many levels for a query", append(q, "--pk", `["c1","x"]`), []string{"--pk", "1 level (/customerId)"}},
		{"too many levels for a hierarchical query", []string{"query", "SELECT * FROM c", "-d", "shop", "-c", "events", "--pk", `["a","b","c"]`}, []string{"--pk", "give 1 to 2 values"}},
		{"page size 0", append(q, "--page-size", "0"), []string{"--page-size 0"}},
		{"page size negative", append(q, "--page-size", "-5"), []string{"--page-size -5"}},
		{"max concurrency 0", append(q, "--max-concurrency", "0"), []string{"--max-concurrency 0"}},
		{"max items 0", append(q, "--max-items", "0"), []string{"--max-items 0"}},
		{"max items negative", append(q, "--max-items", "-1"), []string{"--max-items -1"}},
		{"unquoted SQL", []string{"query", "SELECT", "c.id", "FROM", "c", "-d", "shop", "-c", "orders"},
			[]string{"query takes the SQL as one argument, got 4", "cosmosctl query 'SELECT c.id FROM c'", "usage: cosmosctl query [SQL | -f FILE | -]"}},
		{"unknown subcommand", []string{"db", "lst"}, []string{`unknown command "lst" for "cosmosctl db"`, `did you mean "list"?`, "usage: cosmosctl db <command>"}},
		{"unknown command", []string{"qurey"}, []string{`unknown command "qurey"`, `did you mean "query"?`}},
		{"missing argument", []string{"config", "get"}, []string{"accepts 1 arg", "usage: cosmosctl config get KEY"}},
		{"unknown flag", []string{"read", "x", "--bogus"}, []string{"unknown flag: --bogus", "usage: cosmosctl read ID --pk VALUE"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.run(t, tt.args...)
			if r.code != errs.ExitUsage {
				t.Fatalf("exit %d, want 2; stderr %q", r.code, r.stderr)
			}
			for _, w := range tt.want {
				if !strings.Contains(r.stderr, w) {
					t.Errorf("stderr %q lacks %q", r.stderr, w)
				}
			}
			if r.stdout != "" {
				t.Errorf("stdout %q, want nothing", r.stdout)
			}
			if n := strings.Count(strings.TrimSpace(r.stderr), "\n"); n > 1 {
				t.Errorf("more than an error and a hint: %q", r.stderr)
			}
		})
	}
}
