package cmd

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/cosmosctl/cosmosctl/internal/audit"
	"github.com/cosmosctl/cosmosctl/internal/cmdutil"
	"github.com/cosmosctl/cosmosctl/internal/sandbox/sandboxtest"
	"github.com/cosmosctl/cosmosctl/internal/sandbox/seed"
)

// mcpAuthCounter counts the data-plane requests by how they are signed,
// from the HTTP client the command's Cosmos client uses.
type mcpAuthCounter struct {
	base http.RoundTripper
	host string
	mu   sync.Mutex
	key  int // master-key signatures
	aad  int // Entra ID tokens
}

func (c *mcpAuthCounter) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.URL.Host == c.host {
		a, _ := url.QueryUnescape(r.Header.Get("Authorization"))
		c.mu.Lock()
		switch {
		case strings.Contains(a, "type=master"):
			c.key++
		case strings.Contains(a, "type=aad"):
			c.aad++
		}
		c.mu.Unlock()
	}
	return c.base.RoundTrip(r)
}

func (c *mcpAuthCounter) counts() (key, aad int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.key, c.aad
}

// mcpSyncBuffer is stderr written by the server goroutine and read by the test.
type mcpSyncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *mcpSyncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *mcpSyncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// mcpStdio serves over the command's stdin and stdout and connects the
// SDK's client to them.
func mcpStdio(t *testing.T, e *loginEnv, args ...string) (*mcp.ClientSession, *mcpAuthCounter) {
	t.Helper()
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	counter, stderr, done, stop := mcpServe(t, e, func(f *cmdutil.Factory) { f.IOStreams.In, f.IOStreams.Out = inR, outW }, args...)
	go func() {
		<-done
		outW.Close()
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cs, err := mcp.NewClient(&mcp.Implementation{Name: "cmd-test", Version: "1"}, nil).Connect(ctx, &mcp.IOTransport{Reader: outR, Writer: inW}, nil)
	if err != nil {
		stop()
		t.Fatalf("connect over stdio: %v\nstderr: %s", err, stderr)
	}
	t.Cleanup(func() {
		cs.Close()
		stop()
	})
	return cs, counter
}

// mcpServe runs `cosmosctl --profile sandbox mcp ARGS` in-process as a
// new process of e would, with the factory edited first, counting how
// its data-plane requests are signed. stop ends it; done gives its error.
func mcpServe(t *testing.T, e *loginEnv, edit func(*cmdutil.Factory), args ...string) (*mcpAuthCounter, *mcpSyncBuffer, chan error, func()) {
	t.Helper()
	f, _, _, _ := e.factory()
	u, _ := url.Parse(e.sb.Endpoint)
	counter := &mcpAuthCounter{host: u.Host}
	orig := f.HTTPClient
	var once sync.Once
	var hc *http.Client
	var herr error
	f.HTTPClient = func() (*http.Client, error) {
		once.Do(func() {
			c, err := orig()
			if err != nil {
				herr = err
				return
			}
			cc := *c
			counter.base = c.Transport
			if counter.base == nil {
				counter.base = http.DefaultTransport
			}
			cc.Transport = counter
			hc = &cc
		})
		return hc, herr
	}
	stderr := &mcpSyncBuffer{}
	f.IOStreams.ErrOut = stderr
	if edit != nil {
		edit(f)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	done := make(chan error, 1)
	go func() { done <- Execute(ctx, f, append([]string{"--profile", "sandbox", "mcp"}, args...)) }()
	return counter, stderr, done, cancel
}

// mcpCall calls a tool; it returns the structured result as JSON, the
// text content, and whether it was a tool error.
func mcpCall(t *testing.T, cs *mcp.ClientSession, name string, args map[string]any) (structured []byte, text string, isErr bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: name, Arguments: args})
	if err != nil {
		t.Fatalf("%s: protocol error: %v", name, err)
	}
	var b strings.Builder
	for _, c := range res.Content {
		if tc, ok := c.(*mcp.TextContent); ok {
			b.WriteString(tc.Text)
		}
	}
	structured, _ = json.Marshal(res.StructuredContent)
	return structured, b.String(), res.IsError
}

var mcpTools = []string{"can_i", "describe_container", "explain", "list_containers", "list_databases", "query", "read_item", "whoami"}

// TestMCPAlice: over stdio, as alice (Data Reader on the account), the
// tools list with schemas and each tool answers.
func TestMCPAlice(t *testing.T) {
	e := loginSandbox(t, sandboxtest.WithAutoApprove("alice"))
	e.mustRun(t, "--profile", "sandbox", "login", "--no-browser")
	cs, counter := mcpStdio(t, e)

	ctx := context.Background()
	if got := cs.InitializeResult().ServerInfo.Name; got != "cosmosctl" {
		t.Errorf("server name %q", got)
	}
	lt, err := cs.ListTools(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, tool := range lt.Tools {
		names = append(names, tool.Name)
		if tool.InputSchema == nil || tool.OutputSchema == nil || tool.Description == "" {
			t.Errorf("%s: input schema %v, output schema %v, description %q", tool.Name, tool.InputSchema != nil, tool.OutputSchema != nil, tool.Description)
		}
		if tool.Annotations == nil || !tool.Annotations.ReadOnlyHint {
			t.Errorf("%s is not annotated read-only", tool.Name)
		}
	}
	sort.Strings(names)
	if strings.Join(names, ",") != strings.Join(mcpTools, ",") {
		t.Errorf("tools %v, want %v", names, mcpTools)
	}

	tests := []struct {
		tool  string
		args  map[string]any
		check func(t *testing.T, structured []byte, text string)
	}{
		{"whoami", nil, func(t *testing.T, s []byte, _ string) {
			var w struct{ UPN, Method string }
			json.Unmarshal(s, &w)
			if w.UPN != "alice@contoso.test" || w.Method != "devicecode" {
				t.Errorf("whoami %s", s)
			}
		}},
		{"list_databases", nil, func(t *testing.T, s []byte, _ string) {
			if !strings.Contains(string(s), `"id":"shop"`) {
				t.Errorf("list_databases %s", s)
			}
		}},
		{"list_containers", map[string]any{"database": "shop"}, func(t *testing.T, s []byte, _ string) {
			for _, c := range []string{"orders", "products", "events"} {
				if !strings.Contains(string(s), `"id":"`+c+`"`) {
					t.Errorf("list_containers lacks %s: %s", c, s)
				}
			}
		}},
		{"describe_container", map[string]any{"database": "shop", "container": "orders"}, func(t *testing.T, s []byte, _ string) {
			var d struct {
				PartitionKey struct{ Paths []string } `json:"partition_key"`
				Physical     int                      `json:"physical_partitions"`
				Indexing     any                      `json:"indexing_policy"`
				Schema       struct {
					SampleSize int `json:"sample_size"`
					Fields     []struct {
						Path    string
						Types   []string
						Present int
					}
				}
			}
			json.Unmarshal(s, &d)
			fields := map[string]int{}
			for _, f := range d.Schema.Fields {
				fields[f.Path] = f.Present
			}
			if strings.Join(d.PartitionKey.Paths, ",") != "/customerId" || d.Physical != 4 || d.Indexing == nil ||
				d.Schema.SampleSize != 20 || fields["customerId"] != 20 || fields["items[].sku"] == 0 || fields["_rid"] != 0 {
				t.Errorf("describe_container %s", s)
			}
		}},
		{"query", map[string]any{"database": "shop", "container": "orders", "sql": "SELECT c.customerId, COUNT(1) AS n FROM c GROUP BY c.customerId", "max_items": 1000},
			func(t *testing.T, s []byte, _ string) {
				var q struct {
					Items []struct {
						CustomerID string `json:"customerId"`
						N          int    `json:"n"`
					}
					Count        int
					Continuation string
					Charge       float64 `json:"request_charge"`
				}
				json.Unmarshal(s, &q)
				sum := 0
				for _, it := range q.Items {
					sum += it.N
				}
				if q.Count != seed.DemoCustomers || sum != seed.DemoOrders+4 || q.Continuation != "" || q.Charge <= 0 {
					t.Errorf("GROUP BY: %d groups of %d orders, continuation %q, charge %v", q.Count, sum, q.Continuation, q.Charge)
				}
			}},
		{"read_item", map[string]any{"database": "shop", "container": "orders", "id": "big-int", "partition_key": "c1"}, func(t *testing.T, _ []byte, text string) {
			if !strings.Contains(text, "9223372036854775807") {
				t.Errorf("read_item lost the exact integer: %s", text)
			}
		}},
		{"can_i", map[string]any{"action": "query", "scope": "/dbs/shop/colls/orders"}, func(t *testing.T, s []byte, _ string) {
			if !strings.Contains(string(s), `"answer":"yes"`) {
				t.Errorf("can_i %s", s)
			}
		}},
		{"explain", map[string]any{"database": "shop", "container": "orders", "sql": "SELECT c.status, COUNT(1) AS n FROM c GROUP BY c.status"}, func(t *testing.T, s []byte, _ string) {
			if !strings.Contains(string(s), `"groupByExpressions"`) {
				t.Errorf("explain %s", s)
			}
		}},
		{"explain", map[string]any{"database": "shop", "container": "orders", "sql": "SELECT * FROM c WHERE c.status = 'open'", "partition_key": "c1"}, func(t *testing.T, s []byte, _ string) {
			if !strings.Contains(string(s), `"plan"`) || !strings.Contains(string(s), `"request_charge"`) {
				t.Errorf("explain with a partition key %s", s)
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.tool, func(t *testing.T) {
			s, text, isErr := mcpCall(t, cs, tc.tool, tc.args)
			if isErr {
				t.Fatalf("%s: tool error: %s", tc.tool, text)
			}
			tc.check(t, s, text)
		})
	}
	if key, aad := counter.counts(); key != 0 || aad == 0 {
		t.Errorf("requests: %d key-signed, %d with a token; want none with a key", key, aad)
	}
}

// TestMCPBobDenied: bob has no role: the tool error is the CLI's
// explanation of the 403 with its fix, and no request is ever signed
// with the account key.
func TestMCPBobDenied(t *testing.T) {
	e := loginSandbox(t, sandboxtest.WithAutoApprove("bob"))
	e.mustRun(t, "--profile", "sandbox", "login", "--no-browser")
	cs, counter := mcpStdio(t, e)
	tests := []struct {
		tool string
		args map[string]any
	}{
		{"query", map[string]any{"database": "shop", "container": "orders", "sql": "SELECT * FROM c"}},
		{"read_item", map[string]any{"database": "shop", "container": "orders", "id": "order-0001", "partition_key": "c1"}},
		{"list_databases", nil},
	}
	for _, tc := range tests {
		t.Run(tc.tool, func(t *testing.T) {
			_, text, isErr := mcpCall(t, cs, tc.tool, tc.args)
			if !isErr {
				t.Fatalf("%s succeeded as bob: %s", tc.tool, text)
			}
			t.Logf("%s as bob: %s", tc.tool, text)
			if !strings.HasPrefix(text, "error: ") || !strings.Contains(text, "(403/5301)") || !strings.Contains(text, "\nhint: ") {
				t.Errorf("%s: error %q, want the explained 403 with a hint", tc.tool, text)
			}
			for _, leak := range []string{"eyJ", "RESPONSE", "goroutine", "ERROR CODE"} {
				if strings.Contains(text, leak) {
					t.Errorf("%s: error shows %q: %s", tc.tool, leak, text)
				}
			}
		})
	}
	_, text, _ := mcpCall(t, cs, "can_i", map[string]any{"action": "read", "scope": "/dbs/shop/colls/orders"})
	if !strings.Contains(text, `"answer":"no"`) || !strings.Contains(text, "az cosmosdb sql role assignment create") {
		t.Errorf("can_i as bob: %s", text)
	}
	if key, aad := counter.counts(); key != 0 || aad == 0 {
		t.Errorf("requests: %d key-signed, %d with a token; want none with a key", key, aad)
	}
}

// TestMCPKeyProfile: a profile that signs in with the account key is
// refused at start, unless --allow-key.
func TestMCPKeyProfile(t *testing.T) {
	e := loginSandbox(t)
	e.env = map[string]string{"COSMOSCTL_KEY": e.sb.AccountKey}
	e.mustRun(t, "--profile", "sandbox", "login", "--key")
	r := e.run(t, "--profile", "sandbox", "mcp")
	if r.code != 2 || !strings.Contains(r.stderr, "signs in with an account key") || !strings.Contains(r.stderr, "--allow-key") {
		t.Errorf("mcp with a key profile: exit %d, stderr %q", r.code, r.stderr)
	}
	cs, counter := mcpStdio(t, e, "--allow-key")
	if _, text, isErr := mcpCall(t, cs, "list_databases", nil); isErr || !strings.Contains(text, "shop") {
		t.Errorf("list_databases with --allow-key: %s", text)
	}
	if key, _ := counter.counts(); key == 0 {
		t.Error("--allow-key: no request was signed with the key")
	}
}

// TestMCPHTTP: --listen serves Streamable HTTP on loopback with the
// printed bearer secret; a wrong secret and a foreign Origin are refused;
// a non-loopback address is refused at start.
func TestMCPHTTP(t *testing.T) {
	e := loginSandbox(t, sandboxtest.WithAutoApprove("alice"))
	e.mustRun(t, "--profile", "sandbox", "login", "--no-browser")

	if r := e.run(t, "--profile", "sandbox", "mcp", "--listen", "0.0.0.0:0"); r.code != 2 || !strings.Contains(r.stderr, "loopback only") {
		t.Errorf("--listen 0.0.0.0:0: exit %d %q", r.code, r.stderr)
	}

	_, stderr, done, stop := mcpServe(t, e, nil, "--listen", "127.0.0.1:0")
	defer func() {
		stop()
		if err := <-done; err != nil {
			t.Errorf("mcp --listen: %v", err)
		}
	}()
	re := regexp.MustCompile(`serving on (http://127\.0\.0\.1:\d+/mcp)\n.*: ([0-9a-f]{64})\n`)
	var m []string
	for deadline := time.Now().Add(30 * time.Second); m == nil; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("no address and secret on stderr: %q", stderr)
		}
		m = re.FindStringSubmatch(stderr.String())
	}
	endpoint, secret := m[1], m[2]

	init := `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"x","version":"1"}}}`
	refusals := []struct {
		name   string
		header map[string]string
		status int
	}{
		{"wrong secret", map[string]string{"Authorization": "Bearer " + strings.Repeat("0", 64)}, http.StatusUnauthorized},
		{"no secret", nil, http.StatusUnauthorized},
		{"foreign origin", map[string]string{"Authorization": "Bearer " + secret, "Origin": "https://attacker.example"}, http.StatusForbidden},
	}
	for _, tc := range refusals {
		req, _ := http.NewRequest(http.MethodPost, endpoint, strings.NewReader(init))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json, text/event-stream")
		for k, v := range tc.header {
			req.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tc.status {
			t.Errorf("%s: status %d, want %d", tc.name, resp.StatusCode, tc.status)
		}
	}

	hc := &http.Client{Transport: mcpBearer{secret: secret}}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cs, err := mcp.NewClient(&mcp.Implementation{Name: "http-test", Version: "1"}, nil).Connect(ctx,
		&mcp.StreamableClientTransport{Endpoint: endpoint, HTTPClient: hc, DisableStandaloneSSE: true, MaxRetries: -1}, nil)
	if err != nil {
		t.Fatalf("connect over HTTP: %v", err)
	}
	defer cs.Close()
	s, text, isErr := mcpCall(t, cs, "query", map[string]any{"database": "shop", "container": "orders", "sql": "SELECT VALUE COUNT(1) FROM c"})
	if isErr || !strings.Contains(string(s), `"items":[3004]`) {
		t.Errorf("query over HTTP: %s %s", s, text)
	}
}

type mcpBearer struct{ secret string }

func (b mcpBearer) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+b.secret)
	return http.DefaultTransport.RoundTrip(r)
}

// TestMCPAuditLog: every tool call lands in the audit log as a tool
// record with who served it and which client called, beside the requests
// it sent, and the chain verifies.
func TestMCPAuditLog(t *testing.T) {
	e := loginSandbox(t, sandboxtest.WithAutoApprove("alice"))
	e.mustRun(t, "--profile", "sandbox", "login", "--no-browser")
	logPath := filepath.Join(t.TempDir(), "audit.jsonl")
	cs, _ := mcpStdio(t, e, "--audit-log", logPath)
	mcpCall(t, cs, "list_databases", nil)
	mcpCall(t, cs, "query", map[string]any{"database": "shop", "container": "orders", "sql": "SELECT c.customerId, COUNT(1) AS n FROM c GROUP BY c.customerId"})
	cs.Close()
	f, err := os.Open(logPath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var tools []audit.Record
	requests := 0
	if err := audit.Read(f, audit.Filter{}, func(r audit.Record, _ []byte) error {
		switch r.Kind {
		case audit.KindTool:
			tools = append(tools, r)
		case audit.KindRequest:
			requests++
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(tools) != 2 || requests == 0 {
		t.Fatalf("%d tool records, %d request records", len(tools), requests)
	}
	for _, r := range tools {
		if r.Principal != "alice@contoso.test" || r.PrincipalID == "" || r.Profile != "sandbox" || !strings.HasPrefix(r.Client, "cmd-test") || r.QueryText != "" {
			t.Errorf("tool record %+v", r)
		}
	}
	if _, err := f.Seek(0, 0); err != nil {
		t.Fatal(err)
	}
	if n, err := audit.Verify(f); err != nil || n < 3 {
		t.Fatalf("verify: %d records, %v", n, err)
	}
}
