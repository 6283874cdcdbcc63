package sandbox_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/data/azcosmos"

	"github.com/cosmosctl/cosmosctl/internal/config"
	"github.com/cosmosctl/cosmosctl/internal/errs"
	"github.com/cosmosctl/cosmosctl/internal/sandbox"
	"github.com/cosmosctl/cosmosctl/internal/sandbox/sandboxtest"
	"github.com/cosmosctl/cosmosctl/internal/sandbox/seed"
)

func start(t *testing.T, o sandbox.Options) *sandbox.Sandbox {
	t.Helper()
	if o.PollInterval == 0 {
		o.PollInterval = 10 * time.Millisecond
	}
	sb, err := sandbox.Start(context.Background(), o)
	if err != nil {
		t.Fatalf("start sandbox: %v", err)
	}
	t.Cleanup(func() { sb.Close() })
	return sb
}

func TestOneSandboxPerProfile(t *testing.T) {
	cfgDir, base := t.TempDir(), t.TempDir()
	first := start(t, sandbox.Options{Dir: filepath.Join(base, "a"), ConfigDir: cfgDir})
	for _, tc := range []struct {
		name, dir, profile string
		wantErr            string // "" = starts
	}{
		{"same default profile", filepath.Join(base, "b"), "", `profile "sandbox" belongs to the sandbox running in ` + first.Dir},
		{"same named profile", filepath.Join(base, "b"), "sandbox", "(pid "},
		{"another profile", filepath.Join(base, "c"), "sb2", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sb, err := sandbox.Start(context.Background(), sandbox.Options{Dir: tc.dir, ConfigDir: cfgDir, Profile: tc.profile})
			if tc.wantErr != "" {
				if err == nil {
					sb.Close()
					t.Fatal("second sandbox took over a running sandbox's profile")
				}
				if errs.ExitCode(err) != errs.ExitUsage || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v (exit %d), want exit 2 containing %q", err, errs.ExitCode(err), tc.wantErr)
				}
				if _, err := os.Stat(tc.dir); err == nil {
					t.Errorf("a refused start created %s", tc.dir)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer sb.Close()
			cfg, err := config.Load(cfgDir)
			if err != nil {
				t.Fatal(err)
			}
			if p := cfg.Profile(tc.profile); p == nil || p.Endpoint != sb.Endpoint+"/" || p.CAFile != sb.CAFile {
				t.Errorf("profile %q = %+v, want endpoint %s", tc.profile, p, sb.Endpoint)
			}
			if p := cfg.Profile("sandbox"); p == nil || p.Endpoint != first.Endpoint+"/" {
				t.Errorf("the first sandbox's profile changed: %+v", p)
			}
			if info, err := sandbox.ReadInfo(sb.Dir); err != nil || info.Profile != tc.profile {
				t.Errorf("sandbox.json profile = %+v, %v", info, err)
			}
		})
	}
	// Once the first one stopped, its profile is free again.
	first.Close()
	sb := start(t, sandbox.Options{Dir: filepath.Join(base, "b"), ConfigDir: cfgDir})
	if sb.Profile != sandbox.ProfileName {
		t.Errorf("profile = %q", sb.Profile)
	}
}

func TestInfoPrincipals(t *testing.T) {
	sb := sandboxtest.Start(t)
	info, err := sandbox.ReadInfo(sb.Dir)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]sandbox.InfoPrincipal{}
	for _, p := range info.Principals {
		got[p.Name] = p
	}
	if len(got) != len(sb.Seed.Principals) {
		t.Errorf("principals = %+v, want %d", info.Principals, len(sb.Seed.Principals))
	}
	for _, tc := range []struct {
		name string
		want sandbox.InfoPrincipal
	}{
		{"alice", sandbox.InfoPrincipal{Name: "alice", Kind: sandbox.KindUser, ObjectID: seed.DemoAliceOID, UPN: "alice@contoso.test"}},
		{"ci", sandbox.InfoPrincipal{Name: "ci", Kind: sandbox.KindServicePrincipal, ObjectID: seed.DemoCIOID, ClientID: seed.DemoCIClientID, ClientSecret: seed.DemoCIClientSecret}},
		{"mi", sandbox.InfoPrincipal{Name: "mi", Kind: sandbox.KindManagedIdentity, ObjectID: seed.DemoMIOID, ClientID: seed.DemoMIClientID,
			IdentityEndpoint: sb.AuthorityHost + "/msi/token", IdentityHeader: sb.Entra.ManagedIdentitySecret()}},
	} {
		if got[tc.name] != tc.want {
			t.Errorf("%s = %+v, want %+v", tc.name, got[tc.name], tc.want)
		}
	}
	// The advertised managed identity values are what azidentity needs.
	env := sandboxtest.ManagedIdentityEnv(sb)
	if mi := got["mi"]; env["IDENTITY_ENDPOINT"] != mi.IdentityEndpoint || env["IDENTITY_HEADER"] != mi.IdentityHeader {
		t.Errorf("managed identity env %v, sandbox.json %+v", env, mi)
	}
}

// TestRestartKeepsSignIns restarts a sandbox in the same directory: the CA,
// ports, account key and managed identity header stay, and a user signed
// in before the restart refreshes silently after it.
func TestRestartKeepsSignIns(t *testing.T) {
	dir, cfgDir := filepath.Join(t.TempDir(), "sb"), t.TempDir()
	o := sandbox.Options{Dir: dir, ConfigDir: cfgDir, AutoApprove: "alice", TokenLifetime: 2 * time.Second}
	sb1 := start(t, o)
	pc := sandboxtest.PublicClient(t, sb1)
	acct, err := sandboxtest.DeviceCodeSignIn(ctxT(t), sb1, pc, "", []string{sandboxtest.Scope(sb1)})
	if err != nil {
		t.Fatal(err)
	}
	signedIn := time.Now()
	ca1, _ := os.ReadFile(sb1.CAFile)
	if sb1.Resumed {
		t.Error("a new directory reports Resumed")
	}
	if err := sb1.Close(); err != nil {
		t.Fatal(err)
	}

	sb2 := start(t, o)
	ca2, _ := os.ReadFile(sb2.CAFile)
	if !sb2.Resumed || !bytes.Equal(ca1, ca2) || len(ca1) == 0 {
		t.Errorf("restart: resumed %v, CA kept %v", sb2.Resumed, bytes.Equal(ca1, ca2))
	}
	for _, c := range []struct{ what, a, b string }{
		{"endpoint", sb1.Endpoint, sb2.Endpoint},
		{"authority", sb1.AuthorityHost, sb2.AuthorityHost},
		{"account key", sb1.AccountKey, sb2.AccountKey},
		{"identity header", sb1.Entra.ManagedIdentitySecret(), sb2.Entra.ManagedIdentitySecret()},
	} {
		if c.a != c.b {
			t.Errorf("%s changed across the restart: %s -> %s", c.what, c.a, c.b)
		}
	}
	// The access token from before has expired: reading needs a refresh,
	// which only works if the refresh token and signing key survived.
	time.Sleep(time.Until(signedIn.Add(2500 * time.Millisecond)))
	orders := container(t, sandboxtest.ClientWithCredential(t, sb2, &sandboxtest.MSALCredential{Client: pc, Account: acct}), "shop", "orders")
	if _, err := orders.ReadItem(ctxT(t), azcosmos.NewPartitionKeyString("c1"), "big-int", nil); err != nil {
		t.Fatalf("read after the restart: %v", err)
	}
	if n := sb2.Entra.Stats().RefreshGrants; n == 0 {
		t.Error("the restarted sandbox saw no refresh grant: the read did not test a refresh")
	}

	for _, name := range []string{"ca-key.pem", "entra-signing-key.pem", "entra-federated-key.pem", "entra-state.json", "state.json"} {
		st, err := os.Stat(filepath.Join(dir, name))
		if err != nil {
			t.Errorf("%s: %v", name, err)
		} else if st.Mode().Perm() != 0o600 {
			t.Errorf("%s: mode %v, want 0600", name, st.Mode().Perm())
		}
	}
	state, _ := os.ReadFile(filepath.Join(dir, "entra-state.json"))
	if !strings.Contains(string(state), `"principal":"alice"`) || strings.Contains(string(state), "1.SANDBOX.") {
		t.Errorf("entra-state.json should hold alice's refresh tokens, hashed: %s", state)
	}
	// The profile keeps the sign-in only across a restart of the same sandbox.
	cfg, err := config.Load(cfgDir)
	if err != nil {
		t.Fatal(err)
	}
	if p := cfg.Profile(sandbox.ProfileName); p == nil || p.Endpoint != sb2.Endpoint+"/" {
		t.Errorf("profile = %+v", p)
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestRequestLog(t *testing.T) {
	var log syncBuffer
	sb := sandboxtest.Start(t, sandboxtest.WithAutoApprove("alice"), sandboxtest.WithOptions(func(o *sandbox.Options) { o.RequestLog = &log }))
	pc, acct := sandboxtest.SignIn(t, sb, "alice")
	cred := &sandboxtest.MSALCredential{Client: pc, Account: acct}
	aliceReads(t, sandboxtest.ClientWithCredential(t, sb, cred))
	aliceReads(t, sandboxtest.KeyClient(t, sb))
	// bob has no role: his read is refused with a substatus.
	bob := container(t, sandboxtest.TokenClient(t, sb, "bob"), "shop", "orders")
	if _, err := bob.ReadItem(ctxT(t), azcosmos.NewPartitionKeyString("x"), "x", nil); err == nil {
		t.Fatal("bob read an item")
	}
	tok, err := cred.GetToken(ctxT(t), policy.TokenRequestOptions{Scopes: []string{sandboxtest.Scope(sb)}})
	if err != nil {
		t.Fatal(err)
	}
	out := log.String()
	lines := strings.Split(strings.TrimSpace(out), "\n")
	for _, want := range []string{
		" entra alice POST /" + sb.Tenant + "/oauth2/v2.0/token 200 - - ",
		" cosmos alice GET / 200 - 1.00 ",
		" cosmos account-key GET / 200 - 1.00 ",
		" cosmos bob GET / 403 5301 1.00 ",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q:\n%s", want, out)
		}
	}
	for _, l := range lines {
		if n := len(strings.Fields(l)); n != 9 {
			t.Errorf("line has %d fields, want 9 (time service principal method path status substatus RU duration): %q", n, l)
		}
	}
	for what, secret := range map[string]string{
		"access token": tok.Token, "account key": sb.AccountKey, "identity header": sb.Entra.ManagedIdentitySecret(),
		"client secret": seed.DemoCIClientSecret, "refresh token": "1.SANDBOX.", "JWT": "eyJ",
	} {
		if strings.Contains(out, secret) {
			t.Errorf("the request log holds the %s", what)
		}
	}
}

// TestPersistKeepsData: with Persist, writes survive a restart in the
// same directory; without it, the restart starts from the seed again.
func TestPersistKeepsData(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "sb")
	sb := start(t, sandbox.Options{Dir: dir, Persist: true})
	orders := container(t, sandboxtest.KeyClient(t, sb), "shop", "orders")
	ctx := ctxT(t)
	if _, err := orders.CreateItem(ctx, azcosmos.NewPartitionKeyString("kept"), []byte(`{"id":"new-one","customerId":"kept","total":1}`), nil); err != nil {
		t.Fatal(err)
	}
	if _, err := orders.DeleteItem(ctx, azcosmos.NewPartitionKeyString("c1"), "big-int", nil); err != nil {
		t.Fatal(err)
	}
	if err := sb.Close(); err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(filepath.Join(dir, "data.json")); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("data.json: %v %v", st, err)
	}
	for _, tc := range []struct {
		persist         bool
		newOne, deleted bool // whether each item is found
	}{
		{persist: true, newOne: true, deleted: false},
		{persist: false, newOne: false, deleted: true},
	} {
		sb := start(t, sandbox.Options{Dir: dir, Persist: tc.persist})
		orders := container(t, sandboxtest.KeyClient(t, sb), "shop", "orders")
		for _, it := range []struct {
			pk, id string
			want   bool
		}{{"kept", "new-one", tc.newOne}, {"c1", "big-int", tc.deleted}} {
			_, err := orders.ReadItem(ctx, azcosmos.NewPartitionKeyString(it.pk), it.id, nil)
			if (err == nil) != it.want {
				t.Errorf("persist=%v: read %s: %v, want found=%v", tc.persist, it.id, err, it.want)
			}
		}
		if err := sb.Close(); err != nil {
			t.Fatal(err)
		}
	}
}
