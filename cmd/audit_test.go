package cmd

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/cosmosctl/cosmosctl/internal/audit"
	"github.com/cosmosctl/cosmosctl/internal/cmdutil"
	"github.com/cosmosctl/cosmosctl/internal/cosmos"
	"github.com/cosmosctl/cosmosctl/internal/errs"
	"github.com/cosmosctl/cosmosctl/internal/sandbox/sandboxtest"
	"github.com/cosmosctl/cosmosctl/internal/sandbox/seed"
)

// wireLog records, for one invocation, the activity id the gateway echoed
// on each response (it echoes the one it received) and every secret that
// crossed the wire: bearer tokens sent, and the tokens Entra answered with.
type wireLog struct {
	next http.RoundTripper
	mu   sync.Mutex
	ids  []string
	// secrets seen on the wire, never to appear in an audit file
	secrets []string
}

func (w *wireLog) RoundTrip(r *http.Request) (*http.Response, error) {
	if a := r.Header.Get("Authorization"); a != "" {
		_, tok, _ := strings.Cut(a, "sig=")
		w.add("", tok)
	}
	resp, err := w.next.RoundTrip(r)
	if resp == nil {
		return resp, err
	}
	if id := resp.Header.Get("x-ms-activity-id"); id != "" {
		w.mu.Lock()
		w.ids = append(w.ids, id)
		w.mu.Unlock()
	}
	if strings.HasSuffix(r.URL.Path, "/token") {
		body, rerr := io.ReadAll(resp.Body)
		resp.Body.Close()
		if rerr != nil {
			return nil, rerr
		}
		var tr map[string]any
		if json.Unmarshal(body, &tr) == nil {
			for _, k := range []string{"access_token", "refresh_token", "id_token"} {
				if s, ok := tr[k].(string); ok {
					w.add("", s)
				}
			}
		}
		resp.Body = io.NopCloser(bytes.NewReader(body))
	}
	return resp, err
}

func (w *wireLog) add(_ string, s string) {
	if len(s) < 16 {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.secrets = append(w.secrets, s)
}

// tapWire puts a wireLog on the invocation's HTTP client.
func tapWire(f *cmdutil.Factory) *wireLog {
	w := &wireLog{}
	build := f.HTTPClient
	f.HTTPClient = sync.OnceValues(func() (*http.Client, error) {
		hc, err := build()
		if err != nil {
			return nil, err
		}
		next := hc.Transport
		if next == nil {
			next = http.DefaultTransport
		}
		w.next = next
		c := *hc
		c.Transport = w
		return &c, nil
	})
	return w
}

// auditLines reads an audit file's records.
func auditLines(t *testing.T, path string) []audit.Record {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []audit.Record
	for _, line := range bytes.Split(bytes.TrimSpace(b), []byte("\n")) {
		var r audit.Record
		if err := json.Unmarshal(line, &r); err != nil {
			t.Fatalf("line %q: %v", line, err)
		}
		out = append(out, r)
	}
	return out
}

func auditVerifyOK(t *testing.T, e *queryEnv, path string, want int) {
	t.Helper()
	r := e.run(t, "audit", "verify", path)
	if r.err != nil || r.stdout != fmt.Sprintf("%d records, chain intact\n", want) {
		t.Fatalf("audit verify: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
}

func TestAuditDataCommands(t *testing.T) {
	e := queryStart(t)
	const sql = "SELECT c.id FROM c WHERE c.customerId = @cust AND c.id != 'Qz-literal-in-query'"
	tests := []struct {
		name      string
		args      []string
		stdin     string
		command   string
		operation string
		db, coll  string
		items     int
		reqOps    []string // operations every one of which must appear among the request records
		queryHash string
		params    []string
		pkHash    string
		clear     []string // values that must not appear in the file
	}{
		{name: "query across partitions", args: []string{"query", sql, "--param", "@cust=c1", "-d", "shop", "-c", "orders"},
			command: "cosmosctl query", operation: "query", db: "shop", coll: "orders", items: -1, reqOps: []string{"query", "metadata"},
			queryHash: audit.HashText(sql), params: []string{"@cust"}, clear: []string{"Qz-literal-in-query", `"c1"`}},
		{name: "query in one partition", args: []string{"query", "SELECT * FROM c", "--pk", "c2-Xy", "-d", "shop", "-c", "orders"},
			command: "cosmosctl query", operation: "query", db: "shop", coll: "orders", items: 0, reqOps: []string{"query"},
			queryHash: audit.HashText("SELECT * FROM c"), pkHash: pkHash(t, "c2-Xy"), clear: []string{"c2-Xy", "SELECT"}},
		{name: "read", args: []string{"read", "big-int", "--pk", "c1", "-d", "shop", "-c", "orders"},
			command: "cosmosctl read", operation: "read", db: "shop", coll: "orders", items: 1, reqOps: []string{"read"},
			pkHash: pkHash(t, "c1"), clear: []string{`"c1"`, "9223372036854775807"}},
		{name: "read-many", args: []string{"read-many", "-d", "shop", "-c", "orders"}, stdin: `{"id":"big-int","pk":"c1"}` + "\n" + `{"id":"precise-decimal","pk":"c2"}` + "\n",
			command: "cosmosctl read-many", operation: "read-many", db: "shop", coll: "orders", items: 2,
			pkHash: audit.HashText("[" + pkJSON(t, "c1") + "," + pkJSON(t, "c2") + "]"), clear: []string{`"c2"`, "9223372036854775807"}},
		{name: "db list", args: []string{"db", "list"}, command: "cosmosctl db list", operation: "list", items: -1, reqOps: []string{"list"}},
		{name: "container list", args: []string{"container", "list", "-d", "shop"}, command: "cosmosctl container list", operation: "list", db: "shop", items: -1, reqOps: []string{"list"}},
		{name: "container show", args: []string{"container", "show", "orders", "-d", "shop"}, command: "cosmosctl container show", operation: "describe", db: "shop", coll: "orders", items: -1, reqOps: []string{"describe"}},
		{name: "can-i", args: []string{"can-i", "read", "/dbs/shop/colls/orders"}, command: "cosmosctl can-i", operation: "can-i probe", db: "shop", coll: "orders", items: -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "audit.jsonl")
			f, in, out, errOut := e.factory()
			in.WriteString(tt.stdin)
			wire := tapWire(f)
			r := queryExecute(f, out, errOut, append(tt.args, "--audit-log", path, "-o", "json"))
			if r.code != 0 && tt.operation != "can-i probe" {
				t.Fatalf("exit %d: %s", r.code, r.stderr)
			}
			st, err := os.Stat(path)
			if err != nil || st.Mode().Perm() != 0o600 {
				t.Fatalf("audit file: %v %v", st, err)
			}
			recs := auditLines(t, path)
			auditVerifyOK(t, e, path, len(recs))
			cmdRec := recs[len(recs)-1]
			c0 := cmdRec
			if c0.Invocation == "" {
				t.Error("no invocation id")
			}
			reqs := recs[:len(recs)-1]
			// can-i with the account key sends no probe: keys bypass RBAC.
			if (len(reqs) == 0 && tt.operation != "can-i probe") || len(reqs) != len(wire.ids) {
				t.Fatalf("%d request records for %d responses", len(reqs), len(wire.ids))
			}
			var got, sent []string
			charge := 0.0
			ops := map[string]bool{}
			for _, rq := range reqs {
				if rq.Kind != audit.KindRequest || rq.Invocation != c0.Invocation || rq.Status == 0 || rq.Method == "" || !strings.HasPrefix(rq.Resource, "/") || rq.Time == "" {
					t.Errorf("request record %+v", rq)
				}
				got = append(got, rq.ActivityID)
				charge += rq.RequestCharge
				ops[rq.Operation] = true
			}
			sent = append(sent, wire.ids...)
			slices.Sort(got)
			slices.Sort(sent)
			if !slices.Equal(got, sent) || len(slices.Compact(slices.Clone(got))) != len(got) {
				t.Errorf("activity ids %v, gateway echoed %v", got, sent)
			}
			for _, op := range tt.reqOps {
				if !ops[op] {
					t.Errorf("no %q request among %v", op, ops)
				}
			}
			c := cmdRec
			if c.Kind != audit.KindCommand || c.Command != tt.command || c.Operation != tt.operation || c.Database != tt.db || c.Container != tt.coll ||
				c.ExitCode == nil || *c.ExitCode != r.code || c.Version != "test" || strings.TrimRight(c.Endpoint, "/") != strings.TrimRight(e.sb.Endpoint, "/") || c.SignIn != "key" || c.Host == "" || c.Profile == "" {
				t.Errorf("command record %+v", c)
			}
			if tt.items >= 0 && c.ItemCount != tt.items {
				t.Errorf("items %d, want %d", c.ItemCount, tt.items)
			}
			if diff := c.RequestCharge - charge; diff > 1e-9 || diff < -1e-9 {
				t.Errorf("command charge %v, requests sum to %v", c.RequestCharge, charge)
			}
			if c.QueryHash != tt.queryHash || c.QueryText != "" || !slices.Equal(c.ParamNames, tt.params) || c.PartitionHash != tt.pkHash {
				t.Errorf("hashes: query %q text %q params %v %q pk %q", c.QueryHash, c.QueryText, c.ParamNames, c.ParamsHash, c.PartitionHash)
			}
			if len(tt.params) > 0 && c.ParamsHash != audit.HashText(`["c1"]`) {
				t.Errorf("params hash %q", c.ParamsHash)
			}
			b, _ := os.ReadFile(path)
			for _, s := range append(tt.clear, e.sb.AccountKey) {
				if bytes.Contains(b, []byte(s)) {
					t.Errorf("audit file holds %q in clear", s)
				}
			}
		})
	}
}

// --audit-query-text is the one way the text gets in; values still not.
func TestAuditQueryText(t *testing.T) {
	e := queryStart(t)
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	sql := "SELECT VALUE COUNT(1) FROM c WHERE c.customerId = @cust"
	r := e.run(t, "query", sql, "--param", "@cust=Secret-Cust-7", "-d", "shop", "-c", "orders", "--audit-log", path, "--audit-query-text", "-o", "json")
	if r.err != nil {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	recs := auditLines(t, path)
	c := recs[len(recs)-1]
	if c.QueryText != sql || c.QueryHash != audit.HashText(sql) {
		t.Errorf("query text %q hash %q", c.QueryText, c.QueryHash)
	}
	if b, _ := os.ReadFile(path); bytes.Contains(b, []byte("Secret-Cust-7")) {
		t.Error("a parameter value is in clear")
	}
}

// The log's location: --audit-log, else COSMOSCTL_AUDIT_LOG, else the
// profile's audit-log.
func TestAuditLogPrecedence(t *testing.T) {
	e := queryStart(t)
	dir := t.TempDir()
	flag, env, prof := filepath.Join(dir, "flag.jsonl"), filepath.Join(dir, "env.jsonl"), filepath.Join(dir, "profile.jsonl")
	if r := e.run(t, "config", "set", "audit-log", prof); r.err != nil {
		t.Fatalf("config set: %s", r.stderr)
	}
	tests := []struct {
		name string
		env  string
		args []string
		want string
	}{
		{"profile", "", nil, prof},
		{"env over profile", env, nil, env},
		{"flag over env", env, []string{"--audit-log", flag}, flag},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e.env["COSMOSCTL_AUDIT_LOG"] = tt.env
			defer delete(e.env, "COSMOSCTL_AUDIT_LOG")
			before := map[string]int{}
			for _, p := range []string{flag, env, prof} {
				before[p] = countLines(p)
			}
			r := e.run(t, append([]string{"db", "list", "-o", "json"}, tt.args...)...)
			if r.err != nil {
				t.Fatalf("exit %d: %s", r.code, r.stderr)
			}
			for _, p := range []string{flag, env, prof} {
				grew := countLines(p) > before[p]
				if grew != (p == tt.want) {
					t.Errorf("%s grew %v", filepath.Base(p), grew)
				}
			}
		})
	}
}

func pkJSON(t *testing.T, v string) string {
	t.Helper()
	pk, err := cosmos.ParsePartitionKey(v)
	if err != nil {
		t.Fatal(err)
	}
	return pk.JSON()
}

func pkHash(t *testing.T, v string) string { return audit.HashText(pkJSON(t, v)) }

func mkfifo(path string) error { return syscall.Mkfifo(path, 0o600) }

func countLines(path string) int {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	return bytes.Count(b, []byte("\n"))
}

// An audit log that cannot be written stops the command before any
// request: exit 1, the file named, the gateway untouched.
func TestAuditUnwritableStopsBeforeRequests(t *testing.T) {
	e := queryStart(t)
	dir := t.TempDir()
	roDir := filepath.Join(dir, "ro")
	if err := os.Mkdir(roDir, 0o500); err != nil {
		t.Fatal(err)
	}
	fifo := filepath.Join(dir, "fifo")
	if err := mkfifo(fifo); err != nil {
		t.Fatal(err)
	}
	tests := []struct{ name, path string }{
		{"missing directory", filepath.Join(dir, "nope", "audit.jsonl")},
		{"a directory", dir},
		{"a FIFO", fifo},
	}
	if os.Geteuid() != 0 { // root writes anywhere
		tests = append(tests, struct{ name, path string }{"read-only directory", filepath.Join(roDir, "audit.jsonl")})
	}
	for _, tt := range tests {
		for _, args := range [][]string{
			{"query", "SELECT * FROM c", "-d", "shop", "-c", "orders"},
			{"read", "big-int", "--pk", "c1", "-d", "shop", "-c", "orders"},
			{"db", "list"},
			{"can-i", "read"},
		} {
			t.Run(tt.name+"/"+args[0], func(t *testing.T) {
				before := e.sb.Gateway.Stats().Total
				r := e.run(t, append(args, "--audit-log", tt.path, "-o", "json")...)
				if r.code != errs.ExitGeneric || !strings.Contains(r.stderr, tt.path) || !strings.Contains(r.stderr, "audit log") || r.stdout != "" {
					t.Errorf("exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
				}
				if n := e.sb.Gateway.Stats().Total - before; n != 0 {
					t.Errorf("%d requests reached the gateway", n)
				}
			})
		}
	}
}

// Concurrent invocations (separate factories, like processes) append whole
// lines and keep one chain.
func TestAuditConcurrentAppends(t *testing.T) {
	e := queryStart(t)
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	const n = 8
	var wg sync.WaitGroup
	codes := make([]int, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			f, _, out, errOut := e.factory()
			r := queryExecute(f, out, errOut, []string{"query", "SELECT c.id FROM c", "-d", "shop", "-c", "orders", "-o", "json", "--audit-log", path})
			codes[i] = r.code
		}()
	}
	wg.Wait()
	for i, c := range codes {
		if c != 0 {
			t.Fatalf("run %d: exit %d", i, c)
		}
	}
	recs := auditLines(t, path)
	commands := 0
	for _, r := range recs {
		if r.Kind == audit.KindCommand {
			commands++
		}
	}
	if commands != n {
		t.Errorf("%d command records, want %d", commands, n)
	}
	perInvocation := map[string]int{}
	for _, r := range recs {
		perInvocation[r.Invocation]++
	}
	if len(perInvocation) != n {
		t.Errorf("%d invocation ids, want %d", len(perInvocation), n)
	}
	auditVerifyOK(t, e, path, len(recs))
}

// Signed in with Entra ID: the command record names the principal from
// the token's claims, and no token, refresh token, key or client secret
// reaches the file.
func TestAuditEntraIdentityAndNoSecrets(t *testing.T) {
	le := loginSandbox(t, sandboxtest.WithAutoApprove("alice"))
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	var secrets []string
	run := func(env map[string]string, args ...string) {
		t.Helper()
		for k, v := range env {
			le.env[k] = v
		}
		defer func() {
			for k := range env {
				delete(le.env, k)
			}
		}()
		f, _, out, errOut := le.factory()
		wire := tapWire(f)
		r := queryExecute(f, out, errOut, append(args, "--audit-log", path))
		if r.err != nil {
			t.Fatalf("%v: exit %d: %s", args, r.code, r.stderr)
		}
		secrets = append(secrets, wire.secrets...)
	}
	// ci from the environment (no login), then alice signed in.
	sp, err := sandboxtest.ServicePrincipalEnv(le.sb, "ci")
	if err != nil {
		t.Fatal(err)
	}
	run(sp, "db", "list", "-o", "json")
	run(nil, "login")
	run(nil, "query", "SELECT VALUE COUNT(1) FROM c", "-d", "shop", "-c", "orders", "-o", "json")

	recs := auditLines(t, path)
	var cmds []audit.Record
	for _, r := range recs {
		if r.Kind == audit.KindCommand {
			cmds = append(cmds, r)
		}
	}
	if len(cmds) != 2 {
		t.Fatalf("%d command records (login is not a data command): %+v", len(cmds), cmds)
	}
	ci, alice := cmds[0], cmds[1]
	if alice.Principal != "alice@contoso.test" || alice.PrincipalID != seed.DemoAliceOID || alice.TenantID != le.sb.Tenant ||
		alice.SignIn != "devicecode" || alice.Audience == "" || alice.Profile != "sandbox" {
		t.Errorf("alice's record %+v", alice)
	}
	if ci.Principal != seed.DemoCIClientID || ci.PrincipalID != seed.DemoCIOID || ci.Profile != "sandbox" || ci.SignIn != "env" || ci.Audience == "" {
		t.Errorf("ci's record %+v", ci)
	}
	if len(secrets) < 3 {
		t.Fatalf("only %d secrets seen on the wire", len(secrets))
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range append(secrets, le.sb.AccountKey, seed.DemoCIClientSecret) {
		if bytes.Contains(b, []byte(s)) {
			t.Errorf("the audit file holds a secret (%d bytes)", len(s))
		}
	}
	if bytes.Contains(b, []byte("eyJ")) {
		t.Error("the audit file holds something shaped like a JWT")
	}
}

// verify names the first broken line of an edited, a deleted and a
// reordered trail.
func TestAuditVerifyTampering(t *testing.T) {
	e := queryStart(t)
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	for range 2 {
		if r := e.run(t, "db", "list", "-o", "json", "--audit-log", path); r.err != nil {
			t.Fatal(r.stderr)
		}
	}
	orig, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := bytes.SplitAfter(orig, []byte("\n"))
	lines = lines[:len(lines)-1]
	if len(lines) < 4 {
		t.Fatalf("%d lines", len(lines))
	}
	join := func(ls ...[]byte) []byte { return bytes.Join(ls, nil) }
	edited := slices.Clone(lines)
	edited[1] = bytes.Replace(lines[1], []byte(`"status":200`), []byte(`"status":201`), 1)
	tests := []struct {
		name     string
		content  []byte
		wantLine int
	}{
		{"edited", join(edited...), 2},
		{"deleted", join(append([][]byte{lines[0]}, lines[2:]...)...), 2},
		{"reordered", join(append([][]byte{lines[1], lines[0]}, lines[2:]...)...), 1},
		{"first line deleted", join(lines[1:]...), 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "t.jsonl")
			if err := os.WriteFile(p, tt.content, 0o600); err != nil {
				t.Fatal(err)
			}
			r := e.run(t, "audit", "verify", p)
			if r.code != 1 || !strings.Contains(r.stderr, fmt.Sprintf("line %d:", tt.wantLine)) || r.stdout != "" {
				t.Errorf("exit %d, stderr %q", r.code, r.stderr)
			}
		})
	}
	auditVerifyOK(t, e, path, len(lines))
}

func TestAuditShow(t *testing.T) {
	e := queryStart(t)
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	l, err := audit.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	old := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	zero := 0
	for _, r := range []audit.Record{
		{Time: audit.Stamp(old), Kind: audit.KindRequest, Operation: "query", Database: "shop", Container: "orders", Status: 200, RequestCharge: 2.5, ItemCount: 3, ActivityID: "act-old"},
		{Time: audit.Stamp(time.Now()), Kind: audit.KindRequest, Operation: "read", Database: "shop", Container: "events", Status: 403, SubStatus: "5301", ActivityID: "act-403"},
		{Time: audit.Stamp(time.Now()), Kind: audit.KindCommand, Command: "cosmosctl read", Principal: "bob@contoso.test", Database: "shop", Container: "events", Status: 403, ExitCode: &zero, ActivityID: ""},
	} {
		if err := l.Append(r); err != nil {
			t.Fatal(err)
		}
	}
	ids := func(out string) []string {
		var got []string
		for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
			var r audit.Record
			if line == "" {
				continue
			}
			if err := json.Unmarshal([]byte(line), &r); err != nil {
				t.Fatalf("%q: %v", line, err)
			}
			got = append(got, r.Time[:4]+":"+r.Kind+":"+r.Operation+r.Command)
		}
		return got
	}
	now := time.Now().Year()
	tests := []struct {
		name string
		args []string
		want []string
	}{
		{"all", nil, []string{"2020:request:query", fmt.Sprint(now, ":request:read"), fmt.Sprint(now, ":command:cosmosctl read")}},
		{"since duration", []string{"--since", "1h"}, []string{fmt.Sprint(now, ":request:read"), fmt.Sprint(now, ":command:cosmosctl read")}},
		{"since time", []string{"--since", "2019-06-01T00:00:00Z", "--status", "200"}, []string{"2020:request:query"}},
		{"principal", []string{"--principal", "bob@contoso.test"}, []string{fmt.Sprint(now, ":command:cosmosctl read")}},
		{"container", []string{"-c", "orders"}, []string{"2020:request:query"}},
		{"database/container", []string{"-d", "shop", "-c", "events", "--status", "403"}, []string{fmt.Sprint(now, ":request:read"), fmt.Sprint(now, ":command:cosmosctl read")}},
		{"none", []string{"--status", "500"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.run(t, append([]string{"audit", "show", path, "-o", "jsonl"}, tt.args...)...)
			if r.err != nil {
				t.Fatalf("exit %d: %s", r.code, r.stderr)
			}
			if got := ids(r.stdout); !slices.Equal(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}

	t.Run("table", func(t *testing.T) {
		r := e.run(t, "audit", "show", path, "-o", "table", "--since", "1h")
		if r.err != nil {
			t.Fatalf("exit %d: %s", r.code, r.stderr)
		}
		for _, want := range []string{"time", "principal", "activityId", "request read", "shop/events", "403/5301", "act-403", "bob@contoso.test", "read", "403 exit 0"} {
			if !strings.Contains(r.stdout, want) {
				t.Errorf("table lacks %q:\n%s", want, r.stdout)
			}
		}
		if strings.Contains(r.stdout, "act-old") {
			t.Errorf("--since kept an old record:\n%s", r.stdout)
		}
	})
	t.Run("default file is the configured log", func(t *testing.T) {
		e.env["COSMOSCTL_AUDIT_LOG"] = path
		defer delete(e.env, "COSMOSCTL_AUDIT_LOG")
		r := e.run(t, "audit", "show", "-o", "json", "--status", "200")
		if r.err != nil || !strings.Contains(r.stdout, "act-old") || strings.Contains(r.stdout, "act-403") {
			t.Errorf("exit %d: %s %s", r.code, r.stdout, r.stderr)
		}
	})
	t.Run("errors", func(t *testing.T) {
		for _, args := range [][]string{
			{"audit", "show"},
			{"audit", "show", path, "--since", "yesterday"},
			{"audit", "show", filepath.Join(t.TempDir(), "missing")},
		} {
			if r := e.run(t, args...); r.code != errs.ExitUsage {
				t.Errorf("%v: exit %d, %s", args, r.code, r.stderr)
			}
		}
	})
}

// BenchmarkAuditOverhead runs the same query as a fresh invocation with
// and without --audit-log, for the per-call cost of auditing:
//
//	go test ./cmd -run '^$' -bench AuditOverhead -count 7
func BenchmarkAuditOverhead(b *testing.B) {
	dir := b.TempDir()
	sb := sandboxtest.Start(b, sandboxtest.WithConfigDir(dir), sandboxtest.WithSeed(seed.Demo()))
	e := &queryEnv{sb: sb, configDir: dir, env: map[string]string{}}
	path := filepath.Join(b.TempDir(), "audit.jsonl")
	args := []string{"query", "SELECT c.id, c.total FROM c WHERE c.status = 'open'", "-d", "shop", "-c", "orders", "-o", "json"}
	for _, bc := range []struct {
		name  string
		extra []string
	}{
		{"plain", nil},
		{"audited", []string{"--audit-log", path}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				f, _, out, errOut := e.factory()
				if r := queryExecute(f, out, errOut, append(slices.Clone(args), bc.extra...)); r.err != nil {
					b.Fatalf("exit %d: %s", r.code, r.stderr)
				}
			}
		})
	}
}
