package jsclient_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"sort"
	"testing"
	"time"

	"github.com/cosmosctl/cosmosctl/cmd"
	"github.com/cosmosctl/cosmosctl/internal/cmdtest"
	"github.com/cosmosctl/cosmosctl/internal/errs"
	"github.com/cosmosctl/cosmosctl/internal/sandbox"
	"github.com/cosmosctl/cosmosctl/internal/sandbox/sandboxtest"
	"github.com/cosmosctl/cosmosctl/internal/sandbox/seed"
)

// jsSeed is the demo seed plus a small database whose items have every
// partition key type, spread over three physical partitions.
func jsSeed(t *testing.T) *seed.Seed {
	t.Helper()
	sd := seed.Demo()
	var items []json.RawMessage
	pks := []string{`"a"`, `"b"`, `"c"`, `7`, `2.5`, `true`, `false`, `null`}
	for i := range 24 {
		items = append(items, json.RawMessage(fmt.Sprintf(`{"id":"i%02d","pk":%s,"k":"k%d","n":%d,"x":%d}`, i, pks[i%len(pks)], i%5, 100-i*3, i%4)))
	}
	items = append(items, json.RawMessage(`{"id":"last","pk":"z","k":"k0","n":-50,"x":1}`))
	sd.Databases = append(sd.Databases, seed.Database{ID: "js", Containers: []seed.Container{
		{ID: "items", PartitionKey: seed.PartitionKey{Paths: []string{"/pk"}, Kind: "Hash"}, PhysicalPartitions: 3, Items: items},
		{ID: "hier", PartitionKey: seed.PartitionKey{Paths: []string{"/t", "/u"}, Kind: "MultiHash"}, PhysicalPartitions: 2, Items: []json.RawMessage{
			json.RawMessage(`{"id":"h1","t":"acme","u":"alice","v":1}`),
			json.RawMessage(`{"id":"h2","t":"acme","u":"bob","v":2}`),
		}},
	}})
	if err := sd.Validate(); err != nil {
		t.Fatal(err)
	}
	return sd
}

// query is one plan shape, run by both clients; unordered results are
// compared as sorted lists.
type query struct {
	Name      string `json:"name"`
	Container string `json:"container"`
	Query     string `json:"query"`
	unordered bool
}

type read struct {
	Name      string `json:"name"`
	Container string `json:"container"`
	ID        string `json:"id"`
	PK        any    `json:"pk"`
}

type jsOutput struct {
	User       string                       `json:"user"`
	Queries    map[string][]json.RawMessage `json:"queries"`
	Reads      map[string]json.RawMessage   `json:"reads"`
	ChangeFeed []string                     `json:"changeFeed"`
}

func TestJavaScriptClients(t *testing.T) {
	node, npm := tools(t)
	dir := installModules(t, npm)

	cfgDir := t.TempDir()
	sb := sandboxtest.Start(t, sandboxtest.WithSeed(jsSeed(t)), sandboxtest.WithAutoApprove("alice"), sandboxtest.WithConfigDir(cfgDir))

	queries := []query{
		{Name: "order by", Container: "items", Query: "SELECT c.id, c.n FROM c ORDER BY c.n DESC"},
		{Name: "order by two keys", Container: "items", Query: "SELECT VALUE c.id FROM c ORDER BY c.x, c.id DESC"},
		{Name: "group by", Container: "items", Query: "SELECT VALUE COUNT(1) FROM c GROUP BY c.k", unordered: true},
		{Name: "group by with keys", Container: "items", Query: "SELECT c.k, SUM(c.n) AS total FROM c GROUP BY c.k", unordered: true},
		{Name: "distinct", Container: "items", Query: "SELECT DISTINCT VALUE c.k FROM c", unordered: true},
		// Strings, not c.x: @azure/cosmos 4.9's ordered DISTINCT drops
		// falsy values (`if (item)`), so a VALUE 0 would go missing there.
		{Name: "distinct ordered", Container: "items", Query: "SELECT DISTINCT VALUE c.k FROM c ORDER BY c.k DESC"},
		{Name: "top", Container: "items", Query: "SELECT TOP 4 c.id FROM c ORDER BY c.n"},
		{Name: "offset limit", Container: "items", Query: "SELECT VALUE c.id FROM c ORDER BY c.n OFFSET 3 LIMIT 5"},
		{Name: "count", Container: "items", Query: "SELECT VALUE COUNT(1) FROM c"},
		{Name: "sum", Container: "items", Query: "SELECT VALUE SUM(c.n) FROM c"},
		{Name: "avg", Container: "items", Query: "SELECT VALUE AVG(c.n) FROM c"},
		{Name: "min max", Container: "items", Query: "SELECT MIN(c.n) AS lo, MAX(c.n) AS hi FROM c"},
		{Name: "filter", Container: "items", Query: "SELECT VALUE c.id FROM c WHERE c.x = 2", unordered: true},
	}
	reads := []read{
		{"string key", "items", "i00", "a"},
		{"number key", "items", "i03", 7},
		{"fractional key", "items", "i04", 2.5},
		{"true key", "items", "i05", true},
		{"false key", "items", "i06", false},
		{"null key", "items", "i07", nil},
		{"hierarchical key", "hier", "h2", []string{"acme", "bob"}},
	}
	spec := map[string]any{
		"database": "js", "queries": queries, "reads": reads,
		"changeFeed": map[string]any{"container": "items", "expect": 25},
	}
	in, err := json.Marshal(spec)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c := exec.CommandContext(ctx, node, filepath.Join(dir, "client.mjs"))
	c.Dir = dir
	c.Stdin = bytes.NewReader(in)
	// Only what node needs: the sandbox CA and where sandbox.json is; no
	// proxy settings, so nothing leaves the machine.
	c.Env = []string{
		"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir(),
		"NODE_EXTRA_CA_CERTS=" + sb.CAFile,
		"SANDBOX_JSON=" + filepath.Join(sb.Dir, sandbox.InfoFile),
	}
	var stdout, stderr bytes.Buffer
	c.Stdout, c.Stderr = &stdout, &stderr
	if err := c.Run(); err != nil {
		t.Fatalf("node client.mjs: %v\n%s", err, stderr.String())
	}
	var got jsOutput
	if err := json.Unmarshal(stdout.Bytes(), &got); err != nil {
		t.Fatalf("client output: %v\n%s", err, stdout.String())
	}
	if got.User != "alice@contoso.test" {
		t.Errorf("msal-node signed in as %q", got.User)
	}

	for _, q := range queries {
		t.Run("query "+q.Name, func(t *testing.T) {
			want := cosmosctlQuery(t, sb, cfgDir, q)
			js := normalise(t, got.Queries[q.Name], q.unordered)
			if len(want) == 0 || !reflect.DeepEqual(js, want) {
				t.Errorf("%s\n@azure/cosmos: %v\ncosmosctl:     %v", q.Query, js, want)
			}
		})
	}
	for _, r := range reads {
		var item struct {
			ID string `json:"id"`
		}
		if err := json.Unmarshal(got.Reads[r.Name], &item); err != nil || item.ID != r.ID {
			t.Errorf("read %s: %s (%v), want id %s", r.Name, got.Reads[r.Name], err, r.ID)
		}
	}
	sort.Strings(got.ChangeFeed)
	if len(got.ChangeFeed) != 25 || got.ChangeFeed[0] != "i00" || got.ChangeFeed[24] != "last" {
		t.Errorf("change feed ids = %v, want the 25 items", got.ChangeFeed)
	}
}

// cosmosctlQuery runs `cosmosctl query -o json` with the account key.
func cosmosctlQuery(t *testing.T, sb *sandbox.Sandbox, cfgDir string, q query) []any {
	t.Helper()
	f, _, out, errOut := cmdtest.NewFactory(cfgDir, map[string]string{"COSMOSCTL_KEY": sb.AccountKey})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	err := cmd.Execute(ctx, f, []string{"--profile", sandbox.ProfileName, "query", q.Query, "-d", "js", "-c", q.Container, "-o", "json"})
	if err != nil {
		errs.Print(errOut, err, false)
		t.Fatalf("cosmosctl query: %v\n%s", err, errOut)
	}
	var rows []json.RawMessage
	if err := json.Unmarshal(out.Bytes(), &rows); err != nil {
		t.Fatalf("cosmosctl output: %v\n%s", err, out)
	}
	return normalise(t, rows, q.unordered)
}

// normalise decodes rows (numbers as float64, as both clients' JSON
// means them) and sorts them when their order is unspecified.
func normalise(t *testing.T, rows []json.RawMessage, unordered bool) []any {
	t.Helper()
	out := make([]any, 0, len(rows))
	for _, r := range rows {
		var v any
		if err := json.Unmarshal(r, &v); err != nil {
			t.Fatalf("result %s: %v", r, err)
		}
		out = append(out, v)
	}
	if unordered {
		sort.Slice(out, func(i, j int) bool { return fmt.Sprint(out[i]) < fmt.Sprint(out[j]) })
	}
	return out
}

// tools finds node and npm: without them the test skips, except in CI,
// where it is required.
func tools(t *testing.T) (node, npm string) {
	t.Helper()
	node, err1 := exec.LookPath("node")
	npm, err2 := exec.LookPath("npm")
	if err := errors.Join(err1, err2); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("CI requires node and npm for the JavaScript client test: %v", err)
		}
		t.Skipf("skipping the JavaScript client test: node and npm are needed (%v)", err)
	}
	return node, npm
}

// installModules runs `npm ci` once per package-lock.json into a cache
// directory and puts client.mjs next to its node_modules.
func installModules(t *testing.T, npm string) string {
	t.Helper()
	lock, err := os.ReadFile("package-lock.json")
	if err != nil {
		t.Fatal(err)
	}
	pkg, err := os.ReadFile("package.json")
	if err != nil {
		t.Fatal(err)
	}
	script, err := os.ReadFile("client.mjs")
	if err != nil {
		t.Fatal(err)
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		t.Fatalf("no cache directory for the npm modules: %v", err)
	}
	sum := sha256.Sum256(append(append([]byte{}, pkg...), lock...))
	dir := filepath.Join(cache, "cosmosctl", "jsclient-"+hex.EncodeToString(sum[:8]))
	if _, err := os.Stat(filepath.Join(dir, "node_modules", ".package-lock.json")); err != nil {
		// Install beside the final place, then rename: a concurrent or
		// interrupted run never sees a half-installed tree.
		if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
			t.Fatal(err)
		}
		tmp, err := os.MkdirTemp(filepath.Dir(dir), "jsclient-install-")
		if err != nil {
			t.Fatal(err)
		}
		defer os.RemoveAll(tmp)
		for name, data := range map[string][]byte{"package.json": pkg, "package-lock.json": lock} {
			if err := os.WriteFile(filepath.Join(tmp, name), data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		c := exec.CommandContext(ctx, npm, "ci", "--no-audit", "--no-fund", "--ignore-scripts", "--loglevel=error")
		c.Dir = tmp
		if out, err := c.CombinedOutput(); err != nil {
			t.Fatalf("npm ci: %v\n%s", err, out)
		}
		if err := os.Rename(tmp, dir); err != nil {
			if _, statErr := os.Stat(filepath.Join(dir, "node_modules")); statErr != nil {
				t.Fatalf("install the npm modules: %v", err)
			}
		}
	}
	// The script is small: write it each run, so edits take effect.
	tmpScript := filepath.Join(dir, fmt.Sprintf("client.mjs.%d", os.Getpid()))
	if err := os.WriteFile(tmpScript, script, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmpScript, filepath.Join(dir, "client.mjs")); err != nil {
		t.Fatal(err)
	}
	return dir
}
