package sandbox_test

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	"github.com/Azure/azure-sdk-for-go/sdk/data/azcosmos"

	"github.com/cosmosctl/cosmosctl/internal/config"
	"github.com/cosmosctl/cosmosctl/internal/errs"
	"github.com/cosmosctl/cosmosctl/internal/sandbox"
	"github.com/cosmosctl/cosmosctl/internal/sandbox/sandboxtest"
	"github.com/cosmosctl/cosmosctl/internal/sandbox/seed"
)

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// responseError returns the status, x-ms-substatus and text of an azcosmos error.
func responseError(t *testing.T, err error) (int, string, string) {
	t.Helper()
	if err == nil {
		t.Fatal("expected an error, got none")
	}
	var re *azcore.ResponseError
	if !errors.As(err, &re) {
		t.Fatalf("error is not an *azcore.ResponseError: %v", err)
	}
	return re.StatusCode, re.RawResponse.Header.Get("x-ms-substatus"), err.Error()
}

func container(t *testing.T, c *azcosmos.Client, db, coll string) *azcosmos.ContainerClient {
	t.Helper()
	cc, err := c.NewContainer(db, coll)
	if err != nil {
		t.Fatal(err)
	}
	return cc
}

// queryAll runs a query to the end and returns every row.
func queryAll(ctx context.Context, c *azcosmos.ContainerClient, q string, pk azcosmos.PartitionKey, opts *azcosmos.QueryOptions) ([]json.RawMessage, error) {
	var rows []json.RawMessage
	pager := c.NewQueryItemsPager(q, pk, opts)
	for pager.More() {
		page, err := pager.NextPage(ctx)
		if err != nil {
			return rows, err
		}
		for _, it := range page.Items {
			rows = append(rows, json.RawMessage(it))
		}
	}
	return rows, nil
}

func TestKeyClientReadsDemoData(t *testing.T) {
	sb := sandboxtest.Start(t)
	c := container(t, sandboxtest.KeyClient(t, sb), "shop", "orders")
	ctx := ctxT(t)
	tests := []struct{ id, pk, want string }{
		{"big-int", "c1", `"loyaltyPoints":9223372036854775807`},
		{"precise-decimal", "c2", `"total":1.0000000000000001`},
		{"unicode", "c3", `"nickname":"\u00e9t\u00e9 \ud83d\ude80"`},
		{"key-order", "c4", `{"zeta":1,"id":"key-order","customerId":"c4","alpha":2,`},
	}
	for _, tt := range tests {
		r, err := c.ReadItem(ctx, azcosmos.NewPartitionKeyString(tt.pk), tt.id, nil)
		if err != nil {
			t.Fatalf("ReadItem %s: %v", tt.id, err)
		}
		if !strings.Contains(string(r.Value), tt.want) {
			t.Errorf("ReadItem %s = %s, want it to contain %s", tt.id, r.Value, tt.want)
		}
	}
}

// aliceReads drives the data plane as an Entra-authenticated reader.
func aliceReads(t *testing.T, client *azcosmos.Client) {
	t.Helper()
	ctx := ctxT(t)
	var dbs []string
	pager := client.NewQueryDatabasesPager("SELECT * FROM root", nil)
	for pager.More() {
		page, err := pager.NextPage(ctx)
		if err != nil {
			t.Fatalf("list databases: %v", err)
		}
		for _, d := range page.Databases {
			dbs = append(dbs, d.ID)
		}
	}
	if strings.Join(dbs, ",") != "shop" {
		t.Fatalf("databases = %v, want [shop]", dbs)
	}
	orders := container(t, client, "shop", "orders")
	r, err := orders.ReadItem(ctx, azcosmos.NewPartitionKeyString("c1"), "big-int", nil)
	if err != nil {
		t.Fatalf("read order: %v", err)
	}
	if !strings.Contains(string(r.Value), `9223372036854775807`) {
		t.Fatalf("read order = %s", r.Value)
	}
	rows, err := queryAll(ctx, orders, "SELECT c.id, c.total FROM c WHERE c.customerId = @c",
		azcosmos.NewPartitionKeyString("c2"), &azcosmos.QueryOptions{QueryParameters: []azcosmos.QueryParameter{{Name: "@c", Value: "c2"}}})
	if err != nil {
		t.Fatalf("query: %v", err)
	}
	found := false
	for _, row := range rows {
		if string(row) == `{"id":"precise-decimal","total":1.0000000000000001}` {
			found = true
		}
	}
	if !found || len(rows) < 2 {
		t.Fatalf("query rows = %s", rows)
	}
}

func TestDeviceCodeSignIn(t *testing.T) {
	t.Run("auto-approve", func(t *testing.T) {
		sb := sandboxtest.Start(t, sandboxtest.WithAutoApprove("alice"))
		pc := sandboxtest.PublicClient(t, sb)
		acct, err := sandboxtest.DeviceCodeSignIn(ctxT(t), sb, pc, "", []string{sandboxtest.Scope(sb)})
		if err != nil {
			t.Fatal(err)
		}
		if acct.PreferredUsername != "alice@contoso.test" || acct.HomeAccountID != seed.DemoAliceOID+"."+seed.DemoTenant {
			t.Fatalf("account = %+v", acct)
		}
		aliceReads(t, sandboxtest.ClientWithCredential(t, sb, &sandboxtest.MSALCredential{Client: pc, Account: acct}))
	})
	t.Run("approve over HTTPS from another process's view", func(t *testing.T) {
		sb := sandboxtest.Start(t)
		info, err := sandbox.ReadInfo(sb.Dir)
		if err != nil {
			t.Fatal(err)
		}
		pc := sandboxtest.PublicClient(t, sb)
		ctx := ctxT(t)
		dc, err := pc.AcquireTokenByDeviceCode(ctx, []string{sandboxtest.Scope(sb)})
		if err != nil {
			t.Fatal(err)
		}
		if err := info.Approve(ctx, "alice", dc.Result.UserCode); err != nil {
			t.Fatalf("approve: %v", err)
		}
		res, err := dc.AuthenticationResult(ctx)
		if err != nil {
			t.Fatal(err)
		}
		aliceReads(t, sandboxtest.ClientWithCredential(t, sb, &sandboxtest.MSALCredential{Client: pc, Account: res.Account}))

		// The code is spent now; unknown codes and principals are usage errors.
		for _, tc := range []struct{ user, code, want string }{
			{"alice", "NOPE-NOPE", "approve NOPE-NOPE: "},
			{"zed", dc.Result.UserCode, `unknown principal "zed"`},
		} {
			if tc.user == "zed" {
				dc2, err := pc.AcquireTokenByDeviceCode(ctx, []string{sandboxtest.Scope(sb)})
				if err != nil {
					t.Fatal(err)
				}
				tc.code = dc2.Result.UserCode
			}
			err := info.Approve(ctx, tc.user, tc.code)
			if err == nil || errs.ExitCode(err) != errs.ExitUsage || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Approve(%s, %s) = %v (exit %d), want exit 2 containing %q", tc.user, tc.code, err, errs.ExitCode(err), tc.want)
			}
		}
	})
}

func TestSilentRefreshWithShortLifetime(t *testing.T) {
	sb := sandboxtest.Start(t, sandboxtest.WithTokenLifetime(2*time.Second))
	cred := sandboxtest.Credential(t, sb, "alice")
	orders := container(t, sandboxtest.ClientWithCredential(t, sb, cred), "shop", "orders")
	ctx := ctxT(t)
	if _, err := orders.ReadItem(ctx, azcosmos.NewPartitionKeyString("c1"), "big-int", nil); err != nil {
		t.Fatal(err)
	}
	before := sb.Entra.Stats().RefreshGrants
	// Let the first access token expire; the next request must refresh silently.
	time.Sleep(2500 * time.Millisecond)
	if _, err := orders.ReadItem(ctx, azcosmos.NewPartitionKeyString("c2"), "precise-decimal", nil); err != nil {
		t.Fatalf("read after expiry: %v", err)
	}
	if after := sb.Entra.Stats().RefreshGrants; after <= before {
		t.Fatalf("refresh grants %d → %d: the expired token was not refreshed", before, after)
	}
}

func TestRBACThroughRealClients(t *testing.T) {
	sb := sandboxtest.Start(t)
	ctx := ctxT(t)
	clients := map[string]*azcosmos.Client{}
	for _, p := range []string{"bob", "carol", "dave", "erin"} {
		clients[p] = sandboxtest.TokenClient(t, sb, p)
	}
	pk := azcosmos.NewPartitionKeyString
	type op func(*azcosmos.Client) error
	read := func(coll, pkv, id string) op {
		return func(c *azcosmos.Client) error {
			_, err := container(t, c, "shop", coll).ReadItem(ctx, pk(pkv), id, nil)
			return err
		}
	}
	query := func(coll, pkv string) op {
		return func(c *azcosmos.Client) error {
			_, err := queryAll(ctx, container(t, c, "shop", coll), "SELECT * FROM c", pk(pkv), nil)
			return err
		}
	}
	tests := []struct {
		name      string
		principal string
		op        op
		status    int
		substatus string
		contains  []string
	}{
		{"bob has no role: the account read fails", "bob", read("orders", "c1", "big-int"), 403, "5301",
			[]string{"Microsoft.DocumentDB/databaseAccounts/readMetadata", "on any scope", seed.DemoBobOID}},
		{"dave reads a point", "dave", read("orders", "c1", "big-int"), 200, "", nil},
		{"dave cannot query", "dave", query("orders", "c1"), 403, "5302",
			[]string{"Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers/executeQuery", seed.DemoDaveOID}},
		{"carol reads orders", "carol", read("orders", "c2", "precise-decimal"), 200, "", nil},
		{"carol queries orders", "carol", query("orders", "c2"), 200, "", nil},
		{"carol cannot read products", "carol", read("products", "books", "p001"), 403, "5302",
			[]string{"items/read", "dbs/shop/colls/products"}},
		{"erin queries products through her group", "erin", query("products", "books"), 200, "", nil},
		{"erin cannot read orders", "erin", read("orders", "c1", "big-int"), 403, "5302", []string{"items/read"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.op(clients[tt.principal])
			if tt.status == 200 {
				if err != nil {
					t.Fatalf("want success, got %v", err)
				}
				return
			}
			status, sub, text := responseError(t, err)
			if status != tt.status || sub != tt.substatus {
				t.Fatalf("got %d/%s, want %d/%s: %s", status, sub, tt.status, tt.substatus, text)
			}
			for _, w := range tt.contains {
				if !strings.Contains(text, w) {
					t.Errorf("error lacks %q: %s", w, text)
				}
			}
		})
	}
}

func azidentityOptions(sb *sandbox.Sandbox) azcore.ClientOptions {
	return azcore.ClientOptions{
		Cloud:     cloud.Configuration{ActiveDirectoryAuthorityHost: sb.AuthorityHost + "/"},
		Transport: sandboxtest.HTTPClient(sb),
		Retry:     policy.RetryOptions{MaxRetries: -1},
	}
}

func TestServiceCredentials(t *testing.T) {
	sb := sandboxtest.Start(t)
	good, err := azidentity.NewClientSecretCredential(sb.Tenant, seed.DemoCIClientID, seed.DemoCIClientSecret,
		&azidentity.ClientSecretCredentialOptions{ClientOptions: azidentityOptions(sb), DisableInstanceDiscovery: true})
	if err != nil {
		t.Fatal(err)
	}
	bad, err := azidentity.NewClientSecretCredential(sb.Tenant, seed.DemoCIClientID, "wrong",
		&azidentity.ClientSecretCredentialOptions{ClientOptions: azidentityOptions(sb), DisableInstanceDiscovery: true})
	if err != nil {
		t.Fatal(err)
	}
	fed, err := azidentity.NewClientAssertionCredential(sb.Tenant, seed.DemoCIClientID,
		func(ctx context.Context) (string, error) {
			return sb.Entra.MintFederatedToken("repo:contoso/app:ref:refs/heads/main", "api://AzureADTokenExchange", 10*time.Minute)
		},
		&azidentity.ClientAssertionCredentialOptions{ClientOptions: azidentityOptions(sb), DisableInstanceDiscovery: true})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		cred azcore.TokenCredential
		want string // "" = success
	}{
		{"client secret", good, ""},
		{"workload identity (federated assertion)", fed, ""},
		{"wrong secret", bad, "AADSTS7000215"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			orders := container(t, sandboxtest.ClientWithCredential(t, sb, tt.cred), "shop", "orders")
			r, err := orders.ReadItem(ctxT(t), azcosmos.NewPartitionKeyString("c1"), "big-int", nil)
			if tt.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				if !strings.Contains(string(r.Value), `"id":"big-int"`) {
					t.Fatalf("read = %s", r.Value)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %s", err, tt.want)
			}
		})
	}
	t.Run("federated token over HTTPS", func(t *testing.T) {
		info, err := sandbox.ReadInfo(sb.Dir)
		if err != nil {
			t.Fatal(err)
		}
		tok, err := info.FederatedToken(ctxT(t), "repo:contoso/app")
		if err != nil {
			t.Fatal(err)
		}
		if strings.Count(tok, ".") != 2 {
			t.Fatalf("token %q is not a JWT", tok)
		}
	})
}

func TestLocalAuthDisabled(t *testing.T) {
	// Key auth itself is exercised by TestKeyClientReadsDemoData.
	sb := sandboxtest.Start(t, sandboxtest.WithLocalAuthDisabled())
	_, err := container(t, sandboxtest.KeyClient(t, sb), "shop", "orders").ReadItem(ctxT(t), azcosmos.NewPartitionKeyString("c1"), "big-int", nil)
	status, _, text := responseError(t, err)
	if status != 401 || !strings.Contains(text, "Local Authorization is disabled") {
		t.Fatalf("local auth disabled: %d %s", status, text)
	}
	// Entra tokens still work.
	aliceReads(t, sandboxtest.TokenClient(t, sb, "alice"))
}

func TestStartRejectsBadInput(t *testing.T) {
	badSeed := &seed.Seed{Source: "s.json", Databases: []seed.Database{{ID: "shop", Containers: []seed.Container{
		{ID: "o", PartitionKey: seed.PartitionKey{Paths: []string{"customerId"}, Kind: "Hash"}}}}}}
	unknownRole := &seed.Seed{Source: "s.json", Principals: []seed.Principal{{Name: "alice"}},
		RoleAssignments: []seed.RoleAssignment{{Principal: "alice", Role: "Owner", Scope: "/"}}}
	tests := []struct {
		name string
		opts sandbox.Options
		want string
	}{
		{"any address", sandbox.Options{Listen: "0.0.0.0:0"}, `--listen "0.0.0.0:0": the sandbox listens on loopback only (127.0.0.0/8, ::1 or localhost)`},
		{"LAN address", sandbox.Options{EntraListen: "10.1.2.3:8443"}, `--entra-listen "10.1.2.3:8443": the sandbox listens on loopback only (127.0.0.0/8, ::1 or localhost)`},
		{"empty host", sandbox.Options{Listen: ":8081"}, `--listen ":8081": the sandbox listens on loopback only; give 127.0.0.1:8081`},
		{"host name", sandbox.Options{Listen: "example.com:443"}, `--listen "example.com:443": the sandbox listens on loopback only (127.0.0.0/8, ::1 or localhost)`},
		{"no port", sandbox.Options{Listen: "127.0.0.1"}, `--listen "127.0.0.1": want HOST:PORT on loopback, e.g. 127.0.0.1:8081`},
		{"bad port", sandbox.Options{Listen: "127.0.0.1:99999"}, `--listen "127.0.0.1:99999": port must be a number from 0 to 65535`},
		{"unknown fault", sandbox.Options{Faults: []string{"bogus=1"}}, "--fault: "},
		{"unknown auto-approve", sandbox.Options{AutoApprove: "zed"}, `--auto-approve: "zed" is not a user principal of the seed (users: alice, bob, carol, dave, erin)`},
		{"service principal auto-approve", sandbox.Options{AutoApprove: "ci"}, `--auto-approve: "ci" is not a user principal of the seed`},
		{"bad seed", sandbox.Options{Seed: badSeed}, `s.json: databases[0].containers[0]: partitionKey "customerId" must start with "/"`},
		{"unknown role", sandbox.Options{Seed: unknownRole}, `s.json: roleAssignments[0]: unknown role "Owner"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.opts.Dir = filepath.Join(t.TempDir(), "sb")
			sb, err := sandbox.Start(context.Background(), tt.opts)
			if err == nil {
				sb.Close()
				t.Fatal("Start accepted bad input")
			}
			if errs.ExitCode(err) != errs.ExitUsage || !strings.HasPrefix(err.Error(), tt.want) {
				t.Fatalf("err = %q (exit %d), want exit 2 starting %q", err, errs.ExitCode(err), tt.want)
			}
			if _, statErr := os.Stat(tt.opts.Dir); !errors.Is(statErr, os.ErrNotExist) {
				t.Errorf("Start created %s before rejecting its input", tt.opts.Dir)
			}
		})
	}
}

func TestPortInUse(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	for _, o := range []sandbox.Options{{Listen: ln.Addr().String()}, {EntraListen: ln.Addr().String()}} {
		o.Dir = t.TempDir()
		sb, err := sandbox.Start(context.Background(), o)
		if err == nil {
			sb.Close()
			t.Fatal("Start succeeded on a port in use")
		}
		if errs.ExitCode(err) != errs.ExitUsage || !strings.Contains(err.Error(), ln.Addr().String()+": address already in use") {
			t.Fatalf("err = %v (exit %d)", err, errs.ExitCode(err))
		}
	}
}

func TestInfoFileAndProfile(t *testing.T) {
	cfgDir := t.TempDir()
	sb := sandboxtest.Start(t, sandboxtest.WithConfigDir(cfgDir))
	data, err := os.ReadFile(filepath.Join(sb.Dir, "sandbox.json"))
	if err != nil {
		t.Fatal(err)
	}
	var raw map[string]any
	if err := json.Unmarshal(data, &raw); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"endpoint": sb.Endpoint, "authority_host": sb.AuthorityHost, "tenant": seed.DemoTenant,
		"ca_file": filepath.Join(sb.Dir, "ca.pem"), "account_key": sb.AccountKey, "pid": float64(os.Getpid()),
		"profile": "sandbox",
	}
	// principals: see TestInfoPrincipals.
	if _, ok := raw["principals"]; !ok || len(raw) != len(want)+1 {
		t.Errorf("sandbox.json keys = %v", raw)
	}
	for k, v := range want {
		if raw[k] != v {
			t.Errorf("sandbox.json %s = %v, want %v", k, raw[k], v)
		}
	}
	if !strings.HasPrefix(sb.Endpoint, "https://127.0.0.1:") || !strings.HasPrefix(sb.AuthorityHost, "https://127.0.0.1:") {
		t.Errorf("endpoints %s %s", sb.Endpoint, sb.AuthorityHost)
	}
	for name, mode := range map[string]os.FileMode{"sandbox.json": 0o600, "server-key.pem": 0o600} {
		st, err := os.Stat(filepath.Join(sb.Dir, name))
		if err != nil {
			t.Errorf("%s: %v", name, err)
		} else if st.Mode().Perm() != mode {
			t.Errorf("%s: mode %v, want %v", name, st.Mode().Perm(), mode)
		}
	}
	cfg, err := config.Load(cfgDir)
	if err != nil {
		t.Fatal(err)
	}
	p := cfg.Profile("sandbox")
	if p == nil || cfg.CurrentProfile != "sandbox" {
		t.Fatalf("profile = %+v, current %q", p, cfg.CurrentProfile)
	}
	if p.Endpoint != sb.Endpoint+"/" || p.AuthorityHost != sb.AuthorityHost+"/" || p.Tenant != seed.DemoTenant ||
		p.CAFile != sb.CAFile || p.Auth != "devicecode" {
		t.Errorf("profile = %+v", p)
	}

	// A second sandbox, once the first stopped, updates the profile but
	// leaves another current profile alone.
	if err := sb.Close(); err != nil {
		t.Fatal(err)
	}
	cfg.CurrentProfile = "prod"
	cfg.EnsureProfile("prod").Endpoint = "https://prod.documents.azure.com:443/"
	if err := cfg.Save(); err != nil {
		t.Fatal(err)
	}
	sb2 := sandboxtest.Start(t, sandboxtest.WithConfigDir(cfgDir))
	cfg2, err := config.Load(cfgDir)
	if err != nil {
		t.Fatal(err)
	}
	if cfg2.CurrentProfile != "prod" || cfg2.Profile("sandbox").Endpoint != sb2.Endpoint+"/" {
		t.Errorf("after second start: current %q, sandbox endpoint %q", cfg2.CurrentProfile, cfg2.Profile("sandbox").Endpoint)
	}
}

func TestCloseFreesPorts(t *testing.T) {
	dir := t.TempDir()
	sb, err := sandbox.Start(context.Background(), sandbox.Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	// Hold a live connection open across Close.
	conn, err := net.Dial("tcp", strings.TrimPrefix(sb.Endpoint, "https://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if err := sb.Close(); err != nil {
		t.Fatal(err)
	}
	if err := sb.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	// This sandbox may no longer answer. Checking that the port is free
	// would be racy: other test binaries run at the same time and the kernel
	// may hand the freed port to one of their listeners or connections. So
	// a connection that still succeeds must not be served by this sandbox,
	// whose CA is unique to this start.
	pool := sb.CertPool()
	for _, u := range []string{sb.Endpoint, sb.AuthorityHost} {
		addr := strings.TrimPrefix(u, "https://")
		d := &net.Dialer{Timeout: 2 * time.Second}
		c, err := tls.DialWithDialer(d, "tcp", addr, &tls.Config{RootCAs: pool, ServerName: "127.0.0.1"})
		if err == nil {
			c.Close()
			t.Fatalf("%s is still served by the sandbox after Close", addr)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "sandbox.json")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("sandbox.json left behind: %v", err)
	}
	if _, err := sandbox.ReadInfo(dir); errs.ExitCode(err) != errs.ExitUsage {
		t.Errorf("ReadInfo after Close = %v", err)
	}
}

func TestFaultsReachTheGateway(t *testing.T) {
	tests := []struct {
		spec   string
		status int
	}{
		// throttle is covered by the gateway's tests; azcosmos retries 429s
		// for seconds, too slow to repeat here.
		{"unavailable=1", 503},
	}
	for _, tt := range tests {
		t.Run(tt.spec, func(t *testing.T) {
			sb := sandboxtest.Start(t, sandboxtest.WithFaults(tt.spec, "seed=1"))
			_, err := container(t, sandboxtest.KeyClient(t, sb), "shop", "orders").ReadItem(ctxT(t), azcosmos.NewPartitionKeyString("c1"), "big-int", nil)
			if status, _, text := responseError(t, err); status != tt.status {
				t.Fatalf("status %d, want %d: %s", status, tt.status, text)
			}
			// Sign-in is never faulted.
			if _, err := sb.Entra.MintFederatedToken("x", "", time.Minute); err != nil {
				t.Fatal(err)
			}
			cred := sandboxtest.Credential(t, sb, "alice")
			if _, err := cred.GetToken(ctxT(t), policy.TokenRequestOptions{Scopes: []string{sandboxtest.Scope(sb)}}); err != nil {
				t.Fatalf("sign-in under faults: %v", err)
			}
		})
	}
}

func TestIPv6Loopback(t *testing.T) {
	ln, err := net.Listen("tcp", "[::1]:0")
	if err != nil {
		t.Skipf("no IPv6 loopback here: %v", err)
	}
	ln.Close()
	sb := sandboxtest.Start(t, sandboxtest.WithOptions(func(o *sandbox.Options) { o.Listen = "[::1]:0"; o.EntraListen = "[::1]:0" }))
	if !strings.HasPrefix(sb.Endpoint, "https://[::1]:") {
		t.Fatalf("endpoint %s", sb.Endpoint)
	}
	aliceReads(t, sandboxtest.TokenClient(t, sb, "alice"))
}

func TestManagedIdentity(t *testing.T) {
	sb := sandboxtest.Start(t)
	for k, v := range sandboxtest.ManagedIdentityEnv(sb) {
		t.Setenv(k, v)
	}
	for _, v := range []string{"IDENTITY_SERVER_THUMBPRINT", "MSI_ENDPOINT", "MSI_SECRET", "IMDS_ENDPOINT"} {
		t.Setenv(v, "")
	}
	cred, err := azidentity.NewManagedIdentityCredential(&azidentity.ManagedIdentityCredentialOptions{
		ClientOptions: azidentityOptions(sb), ID: azidentity.ClientID(seed.DemoMIClientID)})
	if err != nil {
		t.Fatal(err)
	}
	var first struct{ ID, CategoryID string }
	if err := json.Unmarshal(sb.Seed.Databases[0].Containers[1].Items[0], &first); err != nil {
		t.Fatal(err)
	}
	products := container(t, sandboxtest.ClientWithCredential(t, sb, cred), "shop", "products")
	r, err := products.ReadItem(ctxT(t), azcosmos.NewPartitionKeyString(first.CategoryID), first.ID, nil)
	if err != nil {
		t.Fatalf("managed identity read: %v", err)
	}
	if !strings.Contains(string(r.Value), `"id":"`+first.ID+`"`) {
		t.Fatalf("read = %s", r.Value)
	}
}

func TestCustomSeedFile(t *testing.T) {
	sd, err := seed.Load(filepath.Join("seed", "testdata", "example.json"))
	if err != nil {
		t.Fatal(err)
	}
	sb := sandboxtest.Start(t, sandboxtest.WithSeed(sd))
	if sb.Tenant != "11111111-1111-1111-1111-111111111111" {
		t.Fatalf("tenant %s", sb.Tenant)
	}
	ctx := ctxT(t)
	orders := container(t, sandboxtest.TokenClient(t, sb, "alice"), "shop", "orders")
	r, err := orders.ReadItem(ctx, azcosmos.NewPartitionKeyString("c2"), "3", nil)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(r.Value), `{"id":"3","customerId":"c2","total":1.0000000000000001,"name":"Zo\u00eb",`) {
		t.Fatalf("item 3 = %s", r.Value)
	}
	rows, err := queryAll(ctx, orders, "SELECT VALUE c.id FROM c", azcosmos.NewPartitionKeyString("c1"), nil)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, r := range rows {
		ids = append(ids, string(r))
	}
	if strings.Join(ids, ",") != `"1","2"` {
		t.Fatalf("ids in c1 = %v", ids)
	}
}

func TestRefusesASecondSandboxInTheSameDir(t *testing.T) {
	sb := sandboxtest.Start(t)
	_, err := sandbox.Start(context.Background(), sandbox.Options{Dir: sb.Dir})
	if errs.ExitCode(err) != errs.ExitUsage || !strings.Contains(err.Error(), "a sandbox is already running in "+sb.Dir) {
		t.Fatalf("second start: %v", err)
	}
	// The first one is untouched.
	if info, err := sandbox.ReadInfo(sb.Dir); err != nil || info.Endpoint != sb.Endpoint {
		t.Fatalf("sandbox.json = %+v, %v", info, err)
	}
	aliceReads(t, sandboxtest.KeyClient(t, sb))

	// A stale sandbox.json (its gateway gone) does not block a new start.
	dir := t.TempDir()
	stale := `{"endpoint":"https://127.0.0.1:1","authority_host":"https://127.0.0.1:1","tenant":"t","ca_file":"x","account_key":"k","pid":1}`
	if err := os.WriteFile(filepath.Join(dir, "sandbox.json"), []byte(stale), 0o600); err != nil {
		t.Fatal(err)
	}
	sb2, err := sandbox.Start(context.Background(), sandbox.Options{Dir: dir})
	if err != nil {
		t.Fatalf("start over a stale sandbox.json: %v", err)
	}
	sb2.Close()
}

func TestSeedAccountKeys(t *testing.T) {
	const emulatorKey = "C2y6yDjf5/R+ob0N8A7Cgv30VRDJIWEHLM+4QDU5DE2nQ9nDuVTqobD4b8mGGyPMbIZnqyMsEcaGQy67XIw/Jw=="
	const fixedKey = "Zml4ZWQtc2FuZGJveC1rZXktZm9yLXRlc3RzLW9ubHktMDEyMzQ1Njc4OWFiY2RlZg=="
	tests := []struct {
		name      string
		seedJSON  string
		key       string
		wantError bool
	}{
		{"fixed account key", `{"accountKey":"` + fixedKey + `"}`, fixedKey, false},
		{"emulator key accepted", `{"acceptEmulatorKey":true}`, emulatorKey, false},
		{"emulator key refused by default", `{}`, emulatorKey, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			js := strings.TrimSuffix(tt.seedJSON, "}")
			if js != "{" {
				js += ","
			}
			js += `"databases":[{"id":"db","containers":[{"id":"c","partitionKey":"/pk","items":[{"id":"1","pk":"a"}]}]}]}`
			sd, err := seed.Parse("seed.json", []byte(js), nil)
			if err != nil {
				t.Fatal(err)
			}
			sb := sandboxtest.Start(t, sandboxtest.WithSeed(sd))
			if sd.AccountKey != "" && sb.AccountKey != sd.AccountKey {
				t.Fatalf("account key %s, want the seed's", sb.AccountKey)
			}
			cred, err := azcosmos.NewKeyCredential(tt.key)
			if err != nil {
				t.Fatal(err)
			}
			client, err := azcosmos.NewClientWithKey(sb.Endpoint+"/", cred, sandboxtest.ClientOptions(sb))
			if err != nil {
				t.Fatal(err)
			}
			_, err = container(t, client, "db", "c").ReadItem(ctxT(t), azcosmos.NewPartitionKeyString("a"), "1", nil)
			if tt.wantError {
				if status, _, text := responseError(t, err); status != 401 {
					t.Fatalf("status %d: %s", status, text)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
		})
	}
}
