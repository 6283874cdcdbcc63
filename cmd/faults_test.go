package cmd

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/cosmosctl/cosmosctl/internal/sandbox/sandboxtest"
)

// Every request kind is retried: under each fault mix (fixed seed), every
// command of several shapes gives exactly the fault-free result. Query
// pages are POSTs, which the SDK's own policy does not retry on 503.
func TestEveryRequestKindRetriedUnderFaults(t *testing.T) {
	if testing.Short() {
		t.Skip("fault runs take a few seconds")
	}
	clean := queryStart(t)
	// A few (id, customerId) pairs for the point reads.
	var pairs []struct {
		ID         string `json:"id"`
		CustomerID string `json:"customerId"`
	}
	for _, raw := range clean.mustJSON(t, "query", "SELECT TOP 3 c.id, c.customerId FROM c ORDER BY c.id", "-d", "shop", "-c", "orders") {
		var p struct {
			ID         string `json:"id"`
			CustomerID string `json:"customerId"`
		}
		if err := json.Unmarshal(raw, &p); err != nil || p.ID == "" || p.CustomerID == "" {
			t.Fatalf("pair %s: %v", raw, err)
		}
		pairs = append(pairs, p)
	}
	var many strings.Builder
	for _, p := range pairs {
		fmt.Fprintf(&many, "{\"id\":%q,\"pk\":%q}\n", p.ID, p.CustomerID)
	}
	type command struct {
		args    []string
		stdin   string
		ordered bool // the order of the rows is part of the result
	}
	q := func(c, query string, ordered bool) command {
		return command{args: []string{"query", query, "-d", "shop", "-c", c, "--page-size", "50"}, ordered: ordered}
	}
	commands := []command{
		q("orders", "SELECT c.id, c.total FROM c ORDER BY c.total DESC, c.id", true),
		q("orders", "SELECT c.customerId, COUNT(1) AS n, SUM(c.total) AS total FROM c GROUP BY c.customerId", false),
		q("orders", "SELECT VALUE AVG(c.total) FROM c", false),
		q("orders", "SELECT VALUE COUNT(1) FROM c", false),
		q("orders", "SELECT c.id FROM c WHERE c.total > 200", false),
		q("orders", "SELECT DISTINCT VALUE c.status FROM c", false),
		q("orders", "SELECT TOP 5 c.id FROM c ORDER BY c.id", true),
		q("orders", "SELECT * FROM c OFFSET 3 LIMIT 4", false),
		q("products", "SELECT * FROM c", false),
		q("events", "SELECT VALUE COUNT(1) FROM c", false),
		{args: []string{"query", "SELECT * FROM c", "-d", "shop", "-c", "orders", "--pk", pairs[0].CustomerID}},
		{args: []string{"read", pairs[0].ID, "--pk", pairs[0].CustomerID, "-d", "shop", "-c", "orders"}},
		{args: []string{"read-many", "-d", "shop", "-c", "orders"}, stdin: many.String()},
		{args: []string{"db", "list"}},
		{args: []string{"container", "list", "-d", "shop"}},
		{args: []string{"container", "show", "orders", "-d", "shop"}},
	}
	run := func(e *queryEnv, c command) (any, queryResult) {
		r := e.runIn(t, c.stdin, append(c.args, "-o", "json")...)
		if r.err != nil {
			return nil, r
		}
		var v any
		if err := json.Unmarshal([]byte(r.stdout), &v); err != nil {
			t.Fatalf("cosmosctl %s: stdout is not JSON: %v\n%s", strings.Join(c.args, " "), err, r.stdout)
		}
		// Two sandboxes differ in resource ids and times only.
		dropSystem(v)
		if rows, ok := v.([]any); ok && !c.ordered {
			raws := make([]json.RawMessage, len(rows))
			for i, row := range rows {
				raws[i], _ = json.Marshal(row)
			}
			return queryCanonSort(t, queryNormalize(t, raws)), r
		}
		return v, r
	}
	want := make([]any, len(commands))
	for i, c := range commands {
		v, r := run(clean, c)
		if r.err != nil {
			t.Fatalf("fault-free cosmosctl %s: exit %d: %s", strings.Join(c.args, " "), r.code, r.stderr)
		}
		want[i] = v
	}
	for _, faults := range []string{"unavailable=0.1", "reset=0.05", "throttle=0.3", "unavailable=0.1,reset=0.05,throttle=0.3"} {
		t.Run(faults, func(t *testing.T) {
			faulty := queryStart(t, sandboxtest.WithFaults(faults, "retryafter=20ms", "seed=11"))
			failed := 0
			for i, c := range commands {
				got, r := run(faulty, c)
				switch {
				case r.err != nil:
					failed++
					t.Errorf("cosmosctl %s: exit %d: %s", strings.Join(c.args, " "), r.code, r.stderr)
				case !reflect.DeepEqual(got, want[i]):
					failed++
					t.Errorf("cosmosctl %s: the result differs from the fault-free one", strings.Join(c.args, " "))
				}
			}
			t.Logf("%s: %d of %d commands identical to the fault-free run", faults, len(commands)-failed, len(commands))
		})
	}
}

// dropSystem removes the system properties of every object in v.
func dropSystem(v any) {
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			if k == "_rid" || k == "_self" || k == "_etag" || k == "_ts" || k == "_attachments" || k == "lastModified" {
				delete(v, k)
				continue
			}
			dropSystem(x)
		}
	case []any:
		for _, x := range v {
			dropSystem(x)
		}
	}
}
