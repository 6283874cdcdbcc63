package mcpserver_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/cosmosctl/cosmosctl/auth"
	"github.com/cosmosctl/cosmosctl/internal/audit"
	"github.com/cosmosctl/cosmosctl/internal/cosmos"
	"github.com/cosmosctl/cosmosctl/internal/mcpserver"
	"github.com/cosmosctl/cosmosctl/internal/sandbox"
	"github.com/cosmosctl/cosmosctl/internal/sandbox/sandboxtest"
)

// env is one sandbox with alice (Data Reader on the account) signed in.
type env struct {
	sb     *sandbox.Sandbox
	client *cosmos.Client
}

func newEnv(t *testing.T) *env {
	t.Helper()
	sb := sandboxtest.Start(t)
	cred := sandboxtest.Credential(t, sb, "alice")
	c, err := cosmos.NewClient(sb.Endpoint, cosmos.Credentials{Method: auth.MethodDeviceCode, Token: cred}, &cosmos.Options{HTTPClient: sandboxtest.HTTPClient(sb)})
	if err != nil {
		t.Fatal(err)
	}
	return &env{sb: sb, client: c}
}

// connect builds a server with o (the env's client and a fixed identity)
// and connects the SDK's client to it in memory.
func (e *env) connect(t *testing.T, o mcpserver.Options) *mcp.ClientSession {
	t.Helper()
	o.Client = func(context.Context) (*cosmos.Client, error) { return e.client, nil }
	o.Whoami = func(context.Context) (*auth.Identity, error) {
		return &auth.Identity{UPN: "alice@contoso.test", ObjectID: "a1", TenantID: "t1", Method: auth.MethodDeviceCode, Endpoint: e.sb.Endpoint}, nil
	}
	srv, err := mcpserver.New(o)
	if err != nil {
		t.Fatal(err)
	}
	st, ct := mcp.NewInMemoryTransports()
	ctx := context.Background()
	ss, err := srv.MCP().Connect(ctx, st, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ss.Close() })
	cs, err := mcp.NewClient(&mcp.Implementation{Name: "test-agent", Version: "0.1"}, nil).Connect(ctx, ct, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cs.Close() })
	return cs
}

// callTool calls a tool and decodes its structured result into out (when
// it succeeded); it returns the error text of a tool error.
func callTool(t *testing.T, cs *mcp.ClientSession, name string, args map[string]any, out any) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: name, Arguments: args})
	if err != nil {
		t.Fatalf("%s: protocol error: %v", name, err)
	}
	if res.IsError {
		var b strings.Builder
		for _, c := range res.Content {
			if tc, ok := c.(*mcp.TextContent); ok {
				b.WriteString(tc.Text)
			}
		}
		return b.String()
	}
	raw, err := json.Marshal(res.StructuredContent)
	if err != nil {
		t.Fatal(err)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			t.Fatalf("%s: decode %s: %v", name, raw, err)
		}
	}
	return ""
}

type queryResult struct {
	Items         []map[string]any `json:"items"`
	Count         int              `json:"count"`
	Continuation  string           `json:"continuation"`
	StoppedBy     string           `json:"stopped_by"`
	RequestCharge float64          `json:"request_charge"`
}

// pages runs sql to the end, one call per page, and returns the ids.
func pages(t *testing.T, cs *mcp.ClientSession, args map[string]any) (ids []string, calls int, stops map[string]int) {
	t.Helper()
	stops = map[string]int{}
	for calls = 1; ; calls++ {
		if calls > 200 {
			t.Fatal("no end after 200 pages")
		}
		var r queryResult
		if msg := callTool(t, cs, "query", args, &r); msg != "" {
			t.Fatalf("query page %d: %s", calls, msg)
		}
		for _, it := range r.Items {
			ids = append(ids, it["id"].(string))
		}
		if r.Continuation == "" {
			return ids, calls, stops
		}
		stops[r.StoppedBy]++
		args["continuation"] = r.Continuation
	}
}

// TestCapsResume: the item and byte caps end a page with a continuation,
// and following it returns every item once.
func TestCapsResume(t *testing.T) {
	e := newEnv(t)
	full := e.connect(t, mcpserver.Options{})
	sql := "SELECT c.id FROM c WHERE c.customerId = 'c1' OR c.customerId = 'c2' ORDER BY c.id"
	want, _, _ := pages(t, full, map[string]any{"database": "shop", "container": "orders", "sql": sql, "max_items": 1000})
	if len(want) < 5 {
		t.Fatalf("only %d orders of c1 and c2", len(want))
	}
	tests := []struct {
		name     string
		opts     mcpserver.Options
		maxItems int
		stop     string
	}{
		{"agent's max_items", mcpserver.Options{}, 2, "max_items"},
		{"--max-items caps max_items", mcpserver.Options{MaxItems: 3}, 50, "max_items"},
		{"--max-bytes", mcpserver.Options{MaxBytes: 40}, 50, "max_bytes"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cs := e.connect(t, tc.opts)
			got, calls, stops := pages(t, cs, map[string]any{"database": "shop", "container": "orders", "sql": sql, "max_items": tc.maxItems})
			if strings.Join(got, ",") != strings.Join(want, ",") {
				t.Fatalf("resumed ids\n got %v\nwant %v", got, want)
			}
			if calls < 2 || stops[tc.stop] != calls-1 {
				t.Errorf("%d calls, stops %v; want every page but the last stopped by %s", calls, stops, tc.stop)
			}
		})
	}
}

// TestBudgets: RU budgets stop a call and refuse the next ones, and say
// so; so does the call timeout.
func TestBudgets(t *testing.T) {
	e := newEnv(t)
	sql := map[string]any{"database": "shop", "container": "orders", "sql": "SELECT c.customerId, COUNT(1) AS n FROM c GROUP BY c.customerId"}
	tests := []struct {
		name  string
		opts  mcpserver.Options
		calls int    // calls that succeed before the refusal
		want  string // in the refusal
	}{
		{"per call", mcpserver.Options{MaxRUPerCall: 0.5}, 0, "over --max-ru-per-call 0.5"},
		{"total", mcpserver.Options{MaxRUTotal: 200}, 1, "--max-ru-total 200"},
		{"generous", mcpserver.Options{MaxRUPerCall: 10000, MaxRUTotal: 100000}, 3, ""},
		{"call timeout", mcpserver.Options{CallTimeout: time.Nanosecond}, 0, "query stopped after --call-timeout 1ns"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cs := e.connect(t, tc.opts)
			for i := 0; i < 3; i++ {
				var r queryResult
				msg := callTool(t, cs, "query", sql, &r)
				if i < tc.calls {
					t.Logf("call %d: %.2f RU", i, r.RequestCharge)
					if msg != "" || r.RequestCharge <= 0 {
						t.Fatalf("call %d: %q, charge %v", i, msg, r.RequestCharge)
					}
					continue
				}
				if !strings.Contains(msg, tc.want) || !strings.Contains(msg, "hint:") {
					t.Fatalf("call %d: error %q, want %q and a hint", i, msg, tc.want)
				}
			}
		})
	}
}

// TestAllowAndRedact: --allow hides databases and containers from the
// listings and refuses them by name; --redact masks fields in items and
// refuses queries that name them.
func TestAllowAndRedact(t *testing.T) {
	e := newEnv(t)
	cs := e.connect(t, mcpserver.Options{Allow: []mcpserver.Allow{{Database: "shop", Container: "orders"}}, Redact: []string{"city", "customer.name"}})
	var cl struct {
		Containers []struct{ ID string } `json:"containers"`
	}
	if msg := callTool(t, cs, "list_containers", map[string]any{"database": "shop"}, &cl); msg != "" || len(cl.Containers) != 1 || cl.Containers[0].ID != "orders" {
		t.Fatalf("list_containers: %q %+v, want orders only", msg, cl)
	}
	var item struct {
		Item map[string]any `json:"item"`
	}
	if msg := callTool(t, cs, "read_item", map[string]any{"database": "shop", "container": "orders", "id": "unicode", "partition_key": "c3"}, &item); msg != "" {
		t.Fatal(msg)
	}
	if item.Item["city"] != "[REDACTED]" || item.Item["customer"].(map[string]any)["name"] != "[REDACTED]" || item.Item["status"] != "shipped" {
		t.Errorf("read_item not redacted: %v", item.Item)
	}
	var q queryResult
	if msg := callTool(t, cs, "query", map[string]any{"database": "shop", "container": "orders", "sql": "SELECT * FROM c WHERE c.customerId = 'c3'"}, &q); msg != "" || q.Count == 0 {
		t.Fatalf("query: %q %+v", msg, q)
	}
	for _, it := range q.Items {
		if it["city"] != "[REDACTED]" {
			t.Errorf("query item %v: city not redacted", it["id"])
		}
	}
	// Reaching through a parent to a field that is not redacted is fine.
	if msg := callTool(t, cs, "query", map[string]any{"database": "shop", "container": "orders", "sql": "SELECT c.customer.nickname FROM c WHERE c.id = 'unicode'"}, &q); msg != "" || q.Count != 1 {
		t.Errorf("query through a parent: %q %+v", msg, q)
	}
	refusals := []struct {
		tool string
		args map[string]any
		want string
	}{
		{"list_containers", map[string]any{"database": "other"}, `database "other" is not exposed by this server (--allow)`},
		{"query", map[string]any{"database": "shop", "container": "products", "sql": "SELECT * FROM c"}, "container shop/products is not exposed"},
		{"read_item", map[string]any{"database": "shop", "container": "events", "id": "x", "partition_key": []any{"a", "b"}}, "container shop/events is not exposed"},
		{"describe_container", map[string]any{"database": "shop", "container": "products"}, "not exposed"},
		{"can_i", map[string]any{"action": "read"}, "the account scope / is not exposed"},
		{"query", map[string]any{"database": "shop", "container": "orders", "sql": "SELECT c.city FROM c"}, "the query names city, which this server redacts"},
		{"query", map[string]any{"database": "shop", "container": "orders", "sql": "SELECT VALUE c.customer FROM c"}, "takes customer whole"},
		{"query", map[string]any{"database": "shop", "container": "orders", "sql": `SELECT c.id FROM c WHERE c["city"] = 'Paris'`}, "the query names city"},
	}
	for _, r := range refusals {
		if msg := callTool(t, cs, r.tool, r.args, nil); !strings.Contains(msg, r.want) {
			t.Errorf("%s %v: %q, want %q", r.tool, r.args, msg, r.want)
		}
	}
}

// TestAuditRecords: one record per tool call, with the client's name from
// the handshake, the status, the charge and the item count.
func TestAuditRecords(t *testing.T) {
	e := newEnv(t)
	var mu sync.Mutex
	var recs []audit.Record
	cs := e.connect(t, mcpserver.Options{Version: "1.2.3", Audit: func(_ context.Context, r audit.Record) error {
		mu.Lock()
		defer mu.Unlock()
		recs = append(recs, r)
		return nil
	}})
	callTool(t, cs, "query", map[string]any{"database": "shop", "container": "orders", "sql": "SELECT * FROM c", "max_items": 3}, nil)
	callTool(t, cs, "read_item", map[string]any{"database": "shop", "container": "orders", "id": "nope", "partition_key": "c1"}, nil)
	mu.Lock()
	defer mu.Unlock()
	if len(recs) != 2 {
		t.Fatalf("%d records, want 2: %+v", len(recs), recs)
	}
	q, r := recs[0], recs[1]
	if q.Kind != audit.KindTool || q.Command != "query" || q.Client != "test-agent/0.1" || q.Status != 200 || q.ItemCount != 3 ||
		q.RequestCharge <= 0 || q.Database != "shop" || q.Container != "orders" || q.QueryHash == "" || q.QueryText != "" {
		t.Errorf("query record: %+v", q)
	}
	if r.Command != "read_item" || r.Status != 404 || r.Error == "" || *r.ExitCode == 0 || r.PartitionHash == "" {
		t.Errorf("read_item record: %+v", r)
	}
}

// TestHTTPGuards: the HTTP handler wants the bearer secret and refuses a
// foreign Origin; with both right, an SDK client gets the tools.
func TestHTTPGuards(t *testing.T) {
	e := newEnv(t)
	srv, err := mcpserver.New(mcpserver.Options{
		Client: func(context.Context) (*cosmos.Client, error) { return e.client, nil },
		Whoami: func(context.Context) (*auth.Identity, error) { return &auth.Identity{}, nil },
	})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.HTTPHandler("s3cret"))
	defer hs.Close()
	init := `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"x","version":"1"}}}`
	tests := []struct {
		name   string
		header map[string]string
		status int
	}{
		{"no secret", nil, http.StatusUnauthorized},
		{"wrong secret", map[string]string{"Authorization": "Bearer nope"}, http.StatusUnauthorized},
		{"foreign origin", map[string]string{"Authorization": "Bearer s3cret", "Origin": "https://evil.example"}, http.StatusForbidden},
		{"loopback origin", map[string]string{"Authorization": "Bearer s3cret", "Origin": "http://127.0.0.1:3000"}, http.StatusOK},
		{"right secret", map[string]string{"Authorization": "Bearer s3cret"}, http.StatusOK},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodPost, hs.URL, strings.NewReader(init))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Accept", "application/json, text/event-stream")
			for k, v := range tc.header {
				req.Header.Set(k, v)
			}
			resp, err := hs.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tc.status {
				t.Errorf("status %d, want %d", resp.StatusCode, tc.status)
			}
		})
	}
}

func TestParseAllowAndListen(t *testing.T) {
	allow := []struct {
		in   string
		want mcpserver.Allow
		err  bool
	}{
		{"shop", mcpserver.Allow{Database: "shop"}, false},
		{"shop/orders", mcpserver.Allow{Database: "shop", Container: "orders"}, false},
		{"shop/", mcpserver.Allow{}, true},
		{"/orders", mcpserver.Allow{}, true},
		{"a/b/c", mcpserver.Allow{}, true},
	}
	for _, tc := range allow {
		got, err := mcpserver.ParseAllow(tc.in)
		if (err != nil) != tc.err || got != tc.want {
			t.Errorf("ParseAllow(%q) = %+v, %v", tc.in, got, err)
		}
	}
	listen := []struct {
		in string
		ok bool
	}{
		{"127.0.0.1:8931", true}, {"localhost:0", true}, {"[::1]:80", true},
		{"0.0.0.0:8931", false}, {":8931", false}, {"10.0.0.1:80", false}, {"127.0.0.1", false},
	}
	for _, tc := range listen {
		if err := mcpserver.CheckListen(tc.in); (err == nil) != tc.ok {
			t.Errorf("CheckListen(%q) = %v, want ok=%v", tc.in, err, tc.ok)
		}
	}
}
