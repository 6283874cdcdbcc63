package cmd

import (
	"strings"
	"testing"
)

func TestPKTip(t *testing.T) {
	one, two := []string{"/customerId"}, []string{"/tenantId", "/userId"}
	tests := []struct {
		sql   string
		paths []string
		want  string
	}{
		{"SELECT * FROM c WHERE c.customerId = 'c1'", one, "c1"},
		{"select c.id from c where c.total > 5 and c.customerId='c1' order by c.id", one, "c1"},
		{"SELECT * FROM orders o WHERE 'c 1' = o.customerId", one, `'"c 1"'`},
		{"SELECT * FROM c WHERE c.customerId = 42", one, "42"},
		{"SELECT * FROM c WHERE c.customerId = '007'", one, `'"007"'`},
		{"SELECT * FROM c WHERE c.customerId = 'true'", one, `'"true"'`},
		{"SELECT * FROM c WHERE c.tenantId = 'contoso' AND c.userId = 'u1'", two, `'["contoso","u1"]'`},
		{"SELECT * FROM c WHERE c.tenantId = 'contoso'", two, `'["contoso"]'`},
		{"SELECT * FROM c WHERE c.userId = 'u1'", two, ""}, // not a prefix
		{"SELECT * FROM c WHERE c.customerId = 'c1' OR c.customerId = 'c2'", one, ""},
		{"SELECT * FROM c WHERE c.customerId IN ('c1')", one, ""},
		{"SELECT * FROM c WHERE c.customerIdX = 'c1'", one, ""},
		{"SELECT * FROM c WHERE x.customerId = 'c1'", one, ""},
		{"SELECT * FROM c WHERE c.customerId > 'c1'", one, ""},
		{"SELECT * FROM c", one, ""},
		{"SELECT * FROM c WHERE c.a.b = 'x'", []string{"/a/b"}, "x"},
	}
	for _, tt := range tests {
		if got := pkTip(tt.sql, tt.paths); got != tt.want {
			t.Errorf("pkTip(%q, %v) = %q, want %q", tt.sql, tt.paths, got, tt.want)
		}
	}
}

// TestQueryPKTip: on a terminal, a query whose WHERE fixes the key gets a
// one-line tip; with --pk, piped, or without such a WHERE it does not.
func TestQueryPKTip(t *testing.T) {
	e := queryStart(t)
	tests := []struct {
		name string
		tty  bool
		args []string
		want string // "" = no tip
	}{
		{"fixed key", true, []string{"query", "SELECT c.id FROM c WHERE c.customerId = 'c1'", "-d", "shop", "-c", "orders"}, "tip: the WHERE clause fixes the partition key (/customerId); add --pk c1 to query one partition instead of all\n"},
		{"hierarchical prefix", true, []string{"query", "SELECT c.id FROM c WHERE c.tenantId = 'contoso'", "-d", "shop", "-c", "events"}, `add --pk '["contoso"]'`},
		{"with --pk", true, []string{"query", "SELECT c.id FROM c WHERE c.customerId = 'c1'", "-d", "shop", "-c", "orders", "--pk", "c1"}, ""},
		{"piped", false, []string{"query", "SELECT c.id FROM c WHERE c.customerId = 'c1'", "-d", "shop", "-c", "orders"}, ""},
		{"another filter", true, []string{"query", "SELECT c.id FROM c WHERE c.total > 10", "-d", "shop", "-c", "orders"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, _, out, errOut := e.factory()
			f.IOStreams.SetStdoutTTY(tt.tty)
			f.IOStreams.SetStderrTTY(tt.tty)
			r := queryExecute(f, out, errOut, tt.args)
			if r.err != nil {
				t.Fatalf("exit %d: %s", r.code, r.stderr)
			}
			if tt.want == "" {
				if strings.Contains(r.stderr, "tip:") {
					t.Errorf("unexpected tip: %q", r.stderr)
				}
			} else if !strings.Contains(r.stderr, tt.want) {
				t.Errorf("stderr %q lacks %q", r.stderr, tt.want)
			}
		})
	}
}
