package cmd

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/cosmosctl/cosmosctl/internal/cosmos"
	"github.com/cosmosctl/cosmosctl/internal/errs"
	"github.com/cosmosctl/cosmosctl/internal/sandbox/sandboxtest"
	"github.com/cosmosctl/cosmosctl/internal/sandbox/seed"
)

// readKeysSeed adds a container whose items have every kind of key.
func readKeysSeed(t *testing.T) sandboxtest.Option {
	s := queryTestSeed(t)
	s.Databases = append(s.Databases, seed.Database{ID: "keys", Containers: []seed.Container{{
		ID: "mixed", PartitionKey: seed.PartitionKey{Paths: []string{"/k"}, Kind: "Hash"}, PhysicalPartitions: 3,
		Items: []json.RawMessage{
			json.RawMessage(`{"id":"s","k":"a b","v":1}`),
			json.RawMessage(`{"id":"s5","k":"5","v":2}`),
			json.RawMessage(`{"id":"n","k":42,"v":3}`),
			json.RawMessage(`{"id":"f","k":1.5,"v":4}`),
			json.RawMessage(`{"id":"b","k":true,"v":5}`),
			json.RawMessage(`{"id":"z","k":null,"v":6}`),
			json.RawMessage(`{"id":"u","k":"Zoë 東京","v":7}`),
		},
	}}})
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	return sandboxtest.WithSeed(s)
}

func TestReadPointReads(t *testing.T) {
	e := queryStart(t, readKeysSeed(t))
	tests := []struct {
		name, db, coll, id, pk string
		want                   string // substring of stdout (exact bytes)
	}{
		{"string key", "keys", "mixed", "s", "a b", `{"id":"s","k":"a b","v":1`},
		{"quoted numeric string", "keys", "mixed", "s5", `"5"`, `"v":2`},
		{"number", "keys", "mixed", "n", "42", `"v":3`},
		{"float", "keys", "mixed", "f", "1.5", `"v":4`},
		{"bool", "keys", "mixed", "b", "true", `"v":5`},
		{"null", "keys", "mixed", "z", "null", `"v":6`},
		{"unicode", "keys", "mixed", "u", "Zoë 東京", `"v":7`},
		{"hierarchical", "shop", "events", "evt-1", "", `"id":"evt-1"`},
		{"key order and big numbers kept", "shop", "orders", "key-order", "c4", `{"zeta":1,"id":"key-order","customerId":"c4","alpha":2,`},
		{"big int exact", "shop", "orders", "big-int", "c1", `"loyaltyPoints":9223372036854775807,`},
		{"decimal exact", "shop", "orders", "precise-decimal", "c2", `"total":1.0000000000000001,`},
		{"unicode escapes exact", "shop", "orders", "unicode", "c3", `"nickname":"\u00e9t\u00e9 \ud83d\ude80"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pk := tt.pk
			if tt.name == "hierarchical" {
				// Look the key up through a query, then point-read it.
				rows := e.mustJSON(t, "query", "SELECT VALUE [c.tenantId, c.userId] FROM c WHERE c.id = 'evt-1'", "-d", "shop", "-c", "events")
				if len(rows) != 1 {
					t.Fatalf("lookup: %d rows", len(rows))
				}
				pk = string(rows[0])
			}
			r := e.run(t, "read", tt.id, "--pk", pk, "-d", tt.db, "-c", tt.coll, "-o", "json")
			if r.err != nil {
				t.Fatalf("exit %d: %s", r.code, r.stderr)
			}
			if !strings.HasPrefix(r.stdout, "{") || !strings.Contains(r.stdout, tt.want) {
				t.Fatalf("stdout %q lacks %q", r.stdout, tt.want)
			}
		})
	}
}

func TestReadErrors(t *testing.T) {
	e := queryStart(t, readKeysSeed(t))
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"missing item", []string{"read", "nope", "--pk", "c1", "-d", "shop", "-c", "orders"}, errs.ExitNotFound, `item "nope" not found in shop/orders (partition key "c1")`},
		{"wrong partition key", []string{"read", "big-int", "--pk", "c2", "-d", "shop", "-c", "orders"}, errs.ExitNotFound, `item "big-int" not found`},
		{"no pk", []string{"read", "x", "-d", "shop", "-c", "orders"}, errs.ExitUsage, "--pk is required"},
		{"astral plane", []string{"read", "x", "--pk", "😀", "-d", "shop", "-c", "orders"}, errs.ExitUsage, "outside the Basic Multilingual Plane"},
		{"control character", []string{"read", "x", "--pk", "a\x01b", "-d", "shop", "-c", "orders"}, errs.ExitUsage, "control characters"},
		{"object key", []string{"read", "x", "--pk", `{"a":1}`, "-d", "shop", "-c", "orders"}, errs.ExitUsage, "--pk"},
		{"missing container", []string{"read", "x", "--pk", "c1", "-d", "shop", "-c", "nope"}, errs.ExitNotFound, "does not exist"},
		{"no database", []string{"read", "x", "--pk", "c1"}, errs.ExitUsage, "no database"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.run(t, tt.args...)
			if r.code != tt.code || !strings.Contains(r.stderr, tt.want) {
				t.Fatalf("exit %d, stderr %q; want exit %d with %q", r.code, r.stderr, tt.code, tt.want)
			}
			if strings.Contains(r.stderr, "RESPONSE") || strings.Contains(r.stderr, "ActivityId") {
				t.Errorf("raw SDK error leaked: %q", r.stderr)
			}
		})
	}
}

func TestReadWithMeta(t *testing.T) {
	e := queryStart(t)
	r := e.run(t, "read", "key-order", "--pk", "c4", "-d", "shop", "-c", "orders", "-o", "json", "--with-meta")
	if r.err != nil {
		t.Fatal(r.stderr)
	}
	var env struct {
		Item json.RawMessage `json:"item"`
		ETag string          `json:"etag"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &env); err != nil || env.ETag == "" || !strings.HasPrefix(string(env.Item), `{"zeta":1,"id":"key-order"`) {
		t.Fatalf("envelope %q (%v)", r.stdout, err)
	}
}

func TestReadMany(t *testing.T) {
	e := queryStart(t, readKeysSeed(t))
	in := `{"id":"big-int","pk":"c1"}
{"id":"nope","pk":"c1"}

{"id":"precise-decimal","pk":"c2"}
`
	r := e.runIn(t, in, "read-many", "-d", "shop", "-c", "orders", "-o", "jsonl")
	if r.err != nil {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if len(lines) != 2 || !strings.Contains(lines[0], `"id":"big-int"`) || !strings.Contains(lines[1], `"id":"precise-decimal"`) {
		t.Fatalf("stdout %q", r.stdout)
	}
	if !strings.Contains(r.stderr, `not found: item "nope" (partition key "c1")`) {
		t.Errorf("stderr %q does not report the missing item", r.stderr)
	}

	mixed := `{"id":"n","pk":42}
{"id":"z","pk":null}
{"id":"b","pk":true}
`
	r = e.runIn(t, mixed, "read-many", "-d", "keys", "-c", "mixed", "-o", "jsonl")
	if r.err != nil || strings.Count(r.stdout, "\n") != 3 {
		t.Fatalf("mixed keys: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}

	tests := []struct {
		name, in string
		code     int
		want     string
	}{
		{"none found", `{"id":"nope","pk":"c1"}`, errs.ExitNotFound, "none of the 1 items was found"},
		{"bad line", `{"id":1}`, errs.ExitUsage, "stdin:1"},
		{"missing pk", `{"id":"x"}`, errs.ExitUsage, `missing "pk"`},
		{"empty", "", errs.ExitUsage, "no items to read"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.runIn(t, tt.in, "read-many", "-d", "shop", "-c", "orders")
			if r.code != tt.code || !strings.Contains(r.stderr, tt.want) {
				t.Fatalf("exit %d, stderr %q; want %d with %q", r.code, r.stderr, tt.code, tt.want)
			}
		})
	}
}

// read-many prints the stored bytes: azcosmos re-marshals its items,
// which HTML-escapes <, > and & and the line separators.
func TestReadManyKeepsStoredBytes(t *testing.T) {
	s := queryTestSeed(t)
	doc := `{"id":"html","k":"h","markup":"<b>Tom & Jerry</b>","sep":"a` + "\u2028" + `b","n":1.0000000000000001}`
	s.Databases = append(s.Databases, seed.Database{ID: "keys", Containers: []seed.Container{{
		ID: "html", PartitionKey: seed.PartitionKey{Paths: []string{"/k"}, Kind: "Hash"},
		Items: []json.RawMessage{json.RawMessage(doc)},
	}}})
	e := queryStart(t, sandboxtest.WithSeed(s))
	r := e.runIn(t, `{"id":"html","pk":"h"}`, "read-many", "-d", "keys", "-c", "html", "-o", "jsonl")
	if r.err != nil {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	// The stored document, followed by the system properties.
	if want := strings.TrimSuffix(doc, "}") + `,"_rid":`; !strings.HasPrefix(r.stdout, want) {
		t.Errorf("read-many output not byte-faithful:\n got %q\nwant %q…", r.stdout, want)
	}
}

func TestListings(t *testing.T) {
	e := queryStart(t)
	dbs := e.mustJSON(t, "db", "list")
	if !strings.Contains(string(mustMarshal(dbs)), `"id":"shop"`) {
		t.Errorf("db list: %s", mustMarshal(dbs))
	}
	cs := e.mustJSON(t, "container", "list", "-d", "shop")
	got := string(mustMarshal(cs))
	for _, want := range []string{`{"id":"orders","partitionKey":"/customerId","kind":"Hash"}`, `"partitionKey":"/tenantId,/userId","kind":"MultiHash"`} {
		if !strings.Contains(got, want) {
			t.Errorf("container list lacks %s: %s", want, got)
		}
	}
	r := e.run(t, "container", "show", "orders", "-d", "shop", "-o", "json")
	if r.err != nil {
		t.Fatal(r.stderr)
	}
	var show struct {
		ID                 string `json:"id"`
		PhysicalPartitions int    `json:"physicalPartitions"`
		PartitionKey       struct {
			Paths []string `json:"paths"`
			Kind  string   `json:"kind"`
		} `json:"partitionKey"`
		Throughput string `json:"throughput"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &show); err != nil {
		t.Fatalf("%v: %s", err, r.stdout)
	}
	if show.ID != "orders" || show.PhysicalPartitions != 4 || show.PartitionKey.Paths[0] != "/customerId" || show.PartitionKey.Kind != "Hash" {
		t.Errorf("container show: %+v", show)
	}
	// A listing that fails prints nothing on stdout, not an empty "[]".
	if r := e.run(t, "container", "list", "-d", "nope", "-o", "json"); r.code != errs.ExitNotFound || r.stdout != "" {
		t.Errorf("container list of a missing database: exit %d, stdout %q; want exit %d and no output", r.code, r.stdout, errs.ExitNotFound)
	}
	r = e.run(t, "container", "show", "nope", "-d", "shop")
	if r.code != errs.ExitNotFound || !strings.Contains(r.stderr, `container "nope" not found in database "shop"`) {
		t.Errorf("missing container: exit %d, %q", r.code, r.stderr)
	}
}

func mustMarshal(v any) []byte {
	b, _ := json.Marshal(v)
	return b
}

func TestQueryUsageErrors(t *testing.T) {
	e := queryStart(t)
	dir := t.TempDir()
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no query", []string{"query", "-d", "shop", "-c", "orders"}, "no query"},
		{"arg and file", []string{"query", "SELECT 1", "-f", "x.sql", "-d", "shop", "-c", "orders"}, "not both"},
		{"missing file", []string{"query", "-f", dir + "/none.sql", "-d", "shop", "-c", "orders"}, "-f/--file"},
		{"bad param", []string{"query", "SELECT 1", "--param", `@x={oops`, "-d", "shop", "-c", "orders"}, "--param @x"},
		{"bad param file", []string{"query", "SELECT 1", "--param-file", dir + "/none.json", "-d", "shop", "-c", "orders"}, "--param-file"},
		{"with-meta needs json", []string{"query", "SELECT 1", "--with-meta", "-o", "csv", "-d", "shop", "-c", "orders"}, "--with-meta needs -o json"},
		{"syntax error", []string{"query", "SELECT * FORM c", "-d", "shop", "-c", "orders"}, "query shop/orders"},
		{"bad output", []string{"query", "SELECT 1", "-o", "xml", "-d", "shop", "-c", "orders"}, "xml"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.run(t, tt.args...)
			if r.code != errs.ExitUsage || !strings.Contains(r.stderr, tt.want) {
				t.Fatalf("exit %d, stderr %q; want exit 2 with %q", r.code, r.stderr, tt.want)
			}
		})
	}
	r := e.runIn(t, "SELECT VALUE COUNT(1) FROM c", "query", "-", "-d", "shop", "-c", "orders")
	if r.err != nil || strings.TrimSpace(r.stdout) == "" {
		t.Fatalf("query from stdin: exit %d %q %q", r.code, r.stdout, r.stderr)
	}
}

// TestQueryInterruptAndTimeout: a cancelled context ends with exit 130, a
// --timeout with exit 6, both promptly (latency faults keep requests slow).
func TestQueryInterruptAndTimeout(t *testing.T) {
	e := queryStart(t, sandboxtest.WithFaults("latency=300ms"))
	f, _, _, _ := e.factory()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- Execute(ctx, f, []string{"query", "SELECT * FROM c ORDER BY c.total", "-d", "shop", "-c", "orders", "-o", "jsonl"})
	}()
	time.Sleep(100 * time.Millisecond)
	cancel()
	select {
	case err := <-done:
		if code := errs.ExitCode(err); code != errs.ExitInterrupted {
			t.Errorf("cancelled: exit %d (%v), want 130", code, err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the query did not stop after cancellation")
	}
	r := e.run(t, "query", "SELECT * FROM c ORDER BY c.total", "-d", "shop", "-c", "orders", "--timeout", "200ms")
	if r.code != errs.ExitUnavailable || !strings.Contains(r.stderr, "timed out") {
		t.Errorf("timeout: exit %d, stderr %q", r.code, r.stderr)
	}
}

// TestQueryPersistentThrottling: when retries give up mid-stream, exit 6
// says how many results were already written.
func TestQueryPersistentThrottling(t *testing.T) {
	e := queryStart(t, sandboxtest.WithFaults("throttle=0.85", "retryafter=1ms", "seed=3"))
	r := e.run(t, "query", "SELECT c.id FROM c WHERE c.total > 10", "-d", "shop", "-c", "orders", "--page-size", "5", "-o", "jsonl")
	if r.err == nil {
		t.Skip("the seeded fault sequence let every request through")
	}
	var ce *errs.Error
	if r.code != errs.ExitUnavailable || !errors.As(r.err, &ce) || !strings.Contains(r.stderr, "throttled") {
		t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
	}
	if n := strings.Count(r.stdout, "\n"); n > 0 && !strings.Contains(r.stderr, "already written") {
		t.Errorf("%d rows written but stderr %q does not say so", n, r.stderr)
	}
}

// TestQueryEntraIdentities runs the commands with real Entra tokens (MSAL
// device code through the sandbox) and checks the RBAC explanations.
func TestQueryEntraIdentities(t *testing.T) {
	e := queryStart(t)
	asUser := func(name string, args ...string) queryResult {
		t.Helper()
		cred := sandboxtest.Credential(t, e.sb, name)
		f, _, out, errOut := e.factory()
		f.Credentials = func(ctx context.Context) (*cosmos.Credentials, error) {
			return &cosmos.Credentials{Method: "devicecode", Token: cred}, nil
		}
		return queryExecute(f, out, errOut, args)
	}
	r := asUser("alice", "query", "SELECT c.status, COUNT(1) AS n FROM c GROUP BY c.status", "-d", "shop", "-c", "orders", "-o", "json")
	if r.err != nil || !strings.Contains(r.stdout, `"status"`) {
		t.Fatalf("alice: exit %d: %s %s", r.code, r.stdout, r.stderr)
	}
	r = asUser("alice", "container", "show", "orders", "-d", "shop", "-o", "json")
	if r.err != nil || !strings.Contains(r.stdout, "not available to Entra ID tokens") {
		t.Fatalf("alice container show: exit %d: %s %s", r.code, r.stdout, r.stderr)
	}
	tests := []struct {
		user string
		args []string
		want []string
	}{
		// The fix is scoped to what the query addressed, the narrowest scope that serves it.
		{"bob", []string{"query", "SELECT * FROM c", "-d", "shop", "-c", "orders"}, []string{"no data-plane role", seed.DemoBobOID, "az cosmosdb sql role assignment create", `--scope "/dbs/shop/colls/orders"`}},
		{"dave", []string{"query", "SELECT * FROM c", "-d", "shop", "-c", "orders"}, []string{"executeQuery", "dbs/shop/colls/orders", `--scope "/dbs/shop/colls/orders"`}},
		{"carol", []string{"read", "p1", "--pk", "x", "-d", "shop", "-c", "products"}, []string{"items/read"}},
	}
	for _, tt := range tests {
		t.Run(tt.user, func(t *testing.T) {
			r := asUser(tt.user, tt.args...)
			if r.code != errs.ExitForbidden {
				t.Fatalf("exit %d, want 4: %s", r.code, r.stderr)
			}
			t.Logf("%s: %s", tt.user, r.stderr)
			for _, w := range tt.want {
				if !strings.Contains(r.stderr, w) {
					t.Errorf("stderr lacks %q:\n%s", w, r.stderr)
				}
			}
		})
	}
	// dave's point read works: his role has items/read but not executeQuery.
	r = asUser("dave", "read", "big-int", "--pk", "c1", "-d", "shop", "-c", "orders", "-o", "json")
	if r.err != nil || !strings.Contains(r.stdout, `"id":"big-int"`) {
		t.Fatalf("dave read: exit %d: %s", r.code, r.stderr)
	}
}

// TestQuerySinglePartition: --pk scopes a query to one logical partition,
// hierarchical keys included; results equal the cross-partition filter.
func TestQuerySinglePartition(t *testing.T) {
	e := queryStart(t)
	tests := []struct {
		name, coll, pk, filter string
	}{
		{"hash", "orders", "c7", "c.customerId = 'c7'"},
		{"hierarchical", "events", `["t1","u1"]`, "c.tenantId = 't1' AND c.userId = 'u1'"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pinned := queryCanonSort(t, queryNormalize(t, e.mustJSON(t, "query", "SELECT * FROM c", "-d", "shop", "-c", tt.coll, "--pk", tt.pk)))
			filtered := queryCanonSort(t, queryNormalize(t, e.mustJSON(t, "query", "SELECT * FROM c WHERE "+tt.filter, "-d", "shop", "-c", tt.coll)))
			if len(pinned) == 0 || strings.Join(pinned, "\n") != strings.Join(filtered, "\n") {
				t.Fatalf("--pk %s gave %d rows, the filter %d", tt.pk, len(pinned), len(filtered))
			}
			agg := e.mustJSON(t, "query", "SELECT VALUE COUNT(1) FROM c", "-d", "shop", "-c", tt.coll, "--pk", tt.pk)
			if len(agg) != 1 || string(agg[0]) != fmt.Sprint(len(pinned)) {
				t.Fatalf("COUNT in the partition = %s, want %d", agg, len(pinned))
			}
		})
	}
}
