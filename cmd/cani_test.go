package cmd

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/data/azcosmos"

	authkeyring "github.com/cosmosctl/cosmosctl/auth/keyring"
	"github.com/cosmosctl/cosmosctl/internal/errs"
	"github.com/cosmosctl/cosmosctl/internal/sandbox"
	"github.com/cosmosctl/cosmosctl/internal/sandbox/sandboxtest"
	"github.com/cosmosctl/cosmosctl/internal/sandbox/seed"
)

// frankOID is a principal in the shop readers group whose tokens carry a
// group overage reference instead of the group.
const frankOID = "f0f0f0f0-0000-4000-8000-000000000006"

// accessSeed is the demo seed plus frank.
func accessSeed(t *testing.T) *seed.Seed {
	t.Helper()
	s := seed.Demo()
	s.Principals = append(s.Principals, seed.Principal{Name: "frank", OID: frankOID, UPN: "frank@contoso.test", DisplayName: "Frank",
		Groups: []string{seed.DemoShopReadersGroup}, GroupsOverage: true})
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	return s
}

// accessUsers signs each user in on a machine of its own (config dir and
// keyring) sharing one sandbox.
func accessUsers(t *testing.T, users ...string) (*sandbox.Sandbox, map[string]*loginEnv) {
	t.Helper()
	base := loginSandbox(t, sandboxtest.WithSeed(accessSeed(t)))
	cfg, err := os.ReadFile(filepath.Join(base.configDir, "config.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]*loginEnv{}
	for _, u := range users {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "config.yaml"), cfg, 0o600); err != nil {
			t.Fatal(err)
		}
		e := &loginEnv{sb: base.sb, configDir: dir, env: base.env, keyring: authkeyring.NewMock()}
		code, done, stderr := startDeviceCodeLogin(t, e)
		if err := e.sb.Entra.Approve(code, u); err != nil {
			t.Fatalf("approve %s: %v", u, err)
		}
		if err := <-done; err != nil {
			t.Fatalf("login %s: %v\n%s", u, err, stderr)
		}
		out[u] = e
	}
	return base.sb, out
}

// containerFingerprint lists every document's id and etag, read with the
// key, so a test can tell that nothing changed.
func containerFingerprint(t *testing.T, sb *sandbox.Sandbox, db, coll string) string {
	t.Helper()
	ctr, err := sandboxtest.KeyClient(t, sb).NewContainer(db, coll)
	if err != nil {
		t.Fatal(err)
	}
	var rows []string
	pager := ctr.NewQueryItemsPager("SELECT c.id, c._etag, c._ts FROM c", azcosmos.NewPartitionKey(), nil)
	for pager.More() {
		page, err := pager.NextPage(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range page.Items {
			rows = append(rows, string(it))
		}
	}
	sort.Strings(rows)
	return strings.Join(rows, "\n")
}

func TestCanIMatrix(t *testing.T) {
	sb, users := accessUsers(t, "alice", "bob", "carol", "dave", "erin", "frank")
	const (
		y = "yes"
		n = "no"
		u = "unknown"
	)
	verbs := []string{"read-metadata", "read", "query", "change-feed", "create", "upsert", "replace", "delete", "execute-sproc"}
	cases := []struct {
		user, scope string
		want        []string // per verb, in the order above
	}{
		{"alice", "/dbs/shop/colls/orders", []string{y, y, y, y, u, u, n, n, n}},
		{"bob", "/dbs/shop/colls/orders", []string{n, n, n, n, n, n, n, n, n}},
		{"carol", "/dbs/shop/colls/orders", []string{y, y, y, y, u, u, y, y, y}},
		{"carol", "/dbs/shop/colls/products", []string{n, n, n, n, u, u, n, n, n}},
		{"dave", "/dbs/shop/colls/orders", []string{y, y, n, n, u, u, n, n, n}},
		{"dave", "/dbs/shop/colls/events", []string{y, y, n, n, u, u, n, n, n}},
		{"erin", "/dbs/shop/colls/products", []string{y, y, y, y, u, u, n, n, n}},
		{"erin", "/dbs/shop/colls/orders", []string{n, n, n, n, u, u, n, n, n}},
		{"frank", "/dbs/shop/colls/products", []string{n, n, n, n, n, n, n, n, n}},
	}
	before := map[string]string{}
	for _, coll := range []string{"orders", "products", "events"} {
		before[coll] = containerFingerprint(t, sb, "shop", coll)
	}
	for _, c := range cases {
		t.Run(c.user+" "+c.scope, func(t *testing.T) {
			e := users[c.user]
			r := e.run(t, "--profile", "sandbox", "can-i", "--list", c.scope, "-o", "json")
			if r.err != nil {
				t.Fatalf("can-i --list: exit %d\n%s", r.code, r.stderr)
			}
			var rows []struct {
				Action  string `json:"action"`
				Allowed *bool  `json:"allowed"`
				Reason  string `json:"reason"`
			}
			if err := json.Unmarshal([]byte(r.stdout), &rows); err != nil {
				t.Fatalf("can-i --list -o json: %v\n%s", err, r.stdout)
			}
			got := map[string]string{}
			for _, row := range rows {
				switch {
				case row.Allowed == nil:
					got[row.Action] = u
				case *row.Allowed:
					got[row.Action] = y
				default:
					got[row.Action] = n
				}
				if row.Reason == "" {
					t.Errorf("%s: no reason", row.Action)
				}
			}
			for i, v := range verbs {
				if got[v] != c.want[i] {
					t.Errorf("%s: %s, want %s", v, got[v], c.want[i])
				}
				// The single-action form agrees, with the documented exit code.
				one := e.run(t, "--profile", "sandbox", "can-i", v, c.scope)
				wantCode := map[string]int{y: 0, n: 1, u: 7}[c.want[i]]
				if one.code != wantCode || strings.TrimSpace(one.stdout) != c.want[i] {
					t.Errorf("can-i %s: stdout %q exit %d, want %s exit %d\n%s", v, one.stdout, one.code, c.want[i], wantCode, one.stderr)
				}
			}
		})
	}
	for coll, fp := range before {
		if after := containerFingerprint(t, sb, "shop", coll); after != fp {
			t.Errorf("can-i probes changed shop/%s", coll)
		}
	}
}

func TestCanIExplainsAndFixes(t *testing.T) {
	_, users := accessUsers(t, "alice", "bob", "dave", "frank")
	cases := []struct {
		name, user string
		args       []string
		code       int
		stdout     string
		stderr     []string
	}{
		{"alice may query", "alice", []string{"can-i", "query", "-d", "shop", "-c", "orders"}, 0, "yes", []string{"allowed"}},
		{"bob may not", "bob", []string{"can-i", "query", "-d", "shop", "-c", "orders"}, 1, "no",
			[]string{"Microsoft.DocumentDB/databaseAccounts/readMetadata", "bob@contoso.test",
				`--scope "/dbs/shop/colls/orders" --principal-id ` + seed.DemoBobOID + " --role-definition-id 00000000-0000-0000-0000-000000000001",
				"cosmosctl can-i --list"}},
		{"dave may not query", "dave", []string{"can-i", "query", "/dbs/shop/colls/orders"}, 1, "no",
			[]string{"missing Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers/executeQuery on dbs/shop/colls/orders (403/5302)",
				"--principal-id " + seed.DemoDaveOID, "Cosmos DB Built-in Data Reader"}},
		{"a write needs the contributor", "alice", []string{"can-i", "delete", "-d", "shop", "-c", "orders"}, 1, "no",
			[]string{"Cosmos DB Built-in Data Contributor", "--role-definition-id 00000000-0000-0000-0000-000000000002"}},
		{"create is undecidable", "alice", []string{"can-i", "create", "-d", "shop", "-c", "orders"}, 7, "unknown", []string{"without possibly writing"}},
		{"quiet", "bob", []string{"can-i", "query", "-q", "-d", "shop", "-c", "orders"}, 1, "", nil},
		{"overage is named", "frank", []string{"can-i", "read", "/dbs/shop/colls/products"}, 1, "no", []string{"group overage"}},
		{"full action name", "dave", []string{"can-i", "Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers/items/read", "-d", "shop", "-c", "orders"}, 0, "yes", nil},
		{"wildcard", "dave", []string{"can-i", "items/*", "-d", "shop", "-c", "orders"}, 1, "no", []string{"read: yes", "delete: no"}},
		{"item action at database scope", "alice", []string{"can-i", "read", "/dbs/shop"}, 7, "unknown", []string{"decided per container"}},
		{"unknown action", "alice", []string{"can-i", "write", "-d", "shop", "-c", "orders"}, 2, "", []string{`unknown action "write"`}},
		{"bad scope", "alice", []string{"can-i", "read", "shop/orders"}, 2, "", []string{"want /, /dbs/DATABASE"}},
		{"no action", "alice", []string{"can-i"}, 2, "", []string{"can-i needs an ACTION"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := users[c.user].run(t, append([]string{"--profile", "sandbox"}, c.args...)...)
			if r.code != c.code || strings.TrimSpace(r.stdout) != c.stdout {
				t.Fatalf("exit %d stdout %q, want %d %q\nstderr: %s", r.code, r.stdout, c.code, c.stdout, r.stderr)
			}
			for _, s := range c.stderr {
				if !strings.Contains(r.stderr, s) {
					t.Errorf("stderr lacks %q:\n%s", s, r.stderr)
				}
			}
			if slices.Contains(c.args, "-q") {
				if r.stderr != "" {
					t.Errorf("-q printed %q", r.stderr)
				}
			}
		})
	}
}

// The data commands explain a refusal as can-i does: who, which action,
// and the least-privilege fix; a refused query says reads still work.
func TestDataCommandsExplainRefusals(t *testing.T) {
	_, users := accessUsers(t, "alice", "bob", "dave")
	cases := []struct {
		name, user string
		args       []string
		stderr     []string
		lacks      []string
	}{
		{"bob's query", "bob", []string{"query", "SELECT * FROM c", "-d", "shop", "-c", "orders"},
			[]string{"bob@contoso.test (object id " + seed.DemoBobOID + ")", "readMetadata", "403/5301",
				`az cosmosdb sql role assignment create --account-name <account> --resource-group <resource-group> --scope "/dbs/shop/colls/orders" --principal-id ` + seed.DemoBobOID + " --role-definition-id 00000000-0000-0000-0000-000000000001"}, nil},
		{"dave's query", "dave", []string{"query", "SELECT * FROM c", "-d", "shop", "-c", "orders"},
			[]string{"dave@contoso.test", "executeQuery", "403/5302", "point reads are allowed", `--scope "/dbs/shop/colls/orders"`}, []string{"no data-plane role"}},
		{"dave's listing", "dave", []string{"db", "list"},
			[]string{"dave@contoso.test", "readMetadata", `--scope "/"`}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := users[c.user].run(t, append([]string{"--profile", "sandbox"}, c.args...)...)
			if r.code != errs.ExitForbidden || r.stdout != "" {
				t.Fatalf("exit %d stdout %q\n%s", r.code, r.stdout, r.stderr)
			}
			for _, s := range c.stderr {
				if !strings.Contains(r.stderr, s) {
					t.Errorf("stderr lacks %q:\n%s", s, r.stderr)
				}
			}
			for _, s := range c.lacks {
				if strings.Contains(r.stderr, s) {
					t.Errorf("stderr has %q:\n%s", s, r.stderr)
				}
			}
		})
	}
	// A missing database or container is named.
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"query", "SELECT * FROM c", "-d", "shopp", "-c", "orders"}, "database shopp does not exist"},
		{[]string{"query", "SELECT * FROM c", "-d", "shop", "-c", "orderz"}, "container orderz in database shop does not exist"},
	} {
		r := users["alice"].run(t, append([]string{"--profile", "sandbox"}, c.args...)...)
		if r.code != errs.ExitNotFound || !strings.Contains(r.stderr, c.want) {
			t.Errorf("%v: exit %d\n%s", c.args, r.code, r.stderr)
		}
	}
}

func TestCanIWithKey(t *testing.T) {
	e := loginSandbox(t)
	e.env["COSMOSCTL_KEY"] = e.sb.AccountKey
	before := e.sb.Gateway.Stats()
	r := e.run(t, "--profile", "sandbox", "can-i", "create", "-d", "shop", "-c", "orders")
	if r.code != 0 || strings.TrimSpace(r.stdout) != "yes" || !strings.Contains(r.stderr, "bypasses data-plane RBAC") {
		t.Fatalf("exit %d stdout %q\n%s", r.code, r.stdout, r.stderr)
	}
	if after := e.sb.Gateway.Stats(); after.Total != before.Total {
		t.Errorf("a key check sent %d requests", after.Total-before.Total)
	}
}

func TestWhoamiCheckAndGroups(t *testing.T) {
	_, users := accessUsers(t, "alice", "erin", "frank")
	r := users["alice"].mustRun(t, "--profile", "sandbox", "whoami", "--check", "-d", "shop", "-c", "orders", "-o", "json")
	var w struct {
		UPN           string `json:"upn"`
		Audience      string `json:"audience"`
		TenantID      string `json:"tenantId"`
		GroupCount    *int   `json:"groupCount"`
		GroupsOverage bool   `json:"groupsOverage"`
		Scope         string `json:"scope"`
		Access        []struct {
			Action  string `json:"action"`
			Allowed *bool  `json:"allowed"`
		} `json:"access"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &w); err != nil {
		t.Fatalf("%v\n%s", err, r.stdout)
	}
	if w.UPN != "alice@contoso.test" || w.Audience == "" || w.TenantID != seed.DemoTenant || w.Scope != "/dbs/shop/colls/orders" || len(w.Access) != 9 {
		t.Fatalf("whoami --check: %+v", w)
	}
	for _, a := range w.Access {
		if a.Action == "query" && (a.Allowed == nil || !*a.Allowed) {
			t.Errorf("alice may not query? %+v", a)
		}
	}
	for _, c := range []struct {
		user, want string
	}{
		{"erin", "Groups:"},
		{"frank", "overage: not in token"},
		{"alice", "none in token"},
	} {
		r := users[c.user].mustRun(t, "--profile", "sandbox", "whoami", "-o", "table")
		if !strings.Contains(r.stdout, c.want) {
			t.Errorf("%s whoami lacks %q:\n%s", c.user, c.want, r.stdout)
		}
	}
	r = users["frank"].mustRun(t, "--profile", "sandbox", "whoami", "-o", "json")
	if !strings.Contains(r.stdout, `"groupsOverage":true`) {
		t.Errorf("frank: %s", r.stdout)
	}
}
