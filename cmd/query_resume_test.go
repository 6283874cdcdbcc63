package cmd

import (
	"slices"
	"strings"
	"testing"

	"github.com/cosmosctl/cosmosctl/internal/errs"
)

// TestQueryResumesAfterPartialFailure: a query whose pages start failing
// after some results were written exits 6, prints a continuation token, and
// the run resumed from it writes exactly the rest of the fault-free result.
func TestQueryResumesAfterPartialFailure(t *testing.T) {
	if testing.Short() {
		t.Skip("runs every shape three times")
	}
	e := queryStart(t)
	tests := []struct {
		name    string
		query   string
		after   int  // query pages served before every page fails
		ordered bool // the order of the rows is part of the result
		drained bool // nothing is written before every page was read
	}{
		{"passthrough", "SELECT c.id, c.total FROM c", 5, false, false},
		{"order by", "SELECT c.id, c.total FROM c ORDER BY c.total DESC, c.id", 9, true, false},
		{"distinct", "SELECT DISTINCT VALUE c.total FROM c", 7, false, false},
		{"top", "SELECT TOP 900 c.id FROM c", 6, false, false},
		{"top order by", "SELECT TOP 700 c.id FROM c ORDER BY c.createdAt, c.id", 10, true, false},
		{"offset limit", "SELECT c.id FROM c OFFSET 120 LIMIT 1000", 10, false, false},
		{"group by", "SELECT c.customerId, COUNT(1) AS n FROM c GROUP BY c.customerId", 2, false, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			args := []string{"query", tc.query, "-d", "shop", "-c", "orders", "--page-size", "50", "-o", "jsonl"}
			full := e.run(t, args...)
			if full.err != nil {
				t.Fatalf("fault-free run: exit %d\n%s", full.code, full.stderr)
			}
			want := jsonLines(full.stdout)

			stop := e.sb.Gateway.FailQueryPagesAfter(tc.after)
			first := e.run(t, args...)
			stop()
			if first.code != errs.ExitUnavailable {
				t.Fatalf("faulty run: exit %d, want %d\n%s", first.code, errs.ExitUnavailable, first.stderr)
			}
			got := jsonLines(first.stdout)
			tok := first.continuation()
			if tc.drained {
				// Nothing written: the rerun is the whole query.
				if len(got) != 0 || tok != "" {
					t.Fatalf("a drained shape wrote %d rows, token %q\n%s", len(got), tok, first.stderr)
				}
				return
			}
			if len(got) == 0 || len(got) >= len(want) {
				t.Fatalf("the fault left %d of %d rows written: pick another page count\n%s", len(got), len(want), first.stderr)
			}
			if tok == "" || !strings.Contains(first.stderr, "already written; the rest: rerun with --continuation TOKEN") {
				t.Fatalf("no continuation after %d rows:\n%s", len(got), first.stderr)
			}
			rest := e.run(t, append(args, "--continuation", tok)...)
			if rest.err != nil {
				t.Fatalf("resumed run: exit %d\n%s", rest.code, rest.stderr)
			}
			all := append(got, jsonLines(rest.stdout)...)
			if !tc.ordered {
				slices.Sort(all)
				slices.Sort(want)
			}
			if !slices.Equal(all, want) {
				t.Errorf("first %d + resumed %d rows differ from the %d fault-free rows", len(got), len(all)-len(got), len(want))
			}
			t.Logf("%d rows before the failure, %d after resuming", len(got), len(all)-len(got))
		})
	}
}

// jsonLines splits -o jsonl output into its rows.
func jsonLines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l != "" {
			out = append(out, l)
		}
	}
	return out
}
