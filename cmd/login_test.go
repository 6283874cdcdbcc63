package cmd

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"

	"github.com/cosmosctl/cosmosctl/auth"
	authkeyring "github.com/cosmosctl/cosmosctl/auth/keyring"
	"github.com/cosmosctl/cosmosctl/internal/cmdtest"
	"github.com/cosmosctl/cosmosctl/internal/cmdutil"
	"github.com/cosmosctl/cosmosctl/internal/errs"
	"github.com/cosmosctl/cosmosctl/internal/sandbox"
	"github.com/cosmosctl/cosmosctl/internal/sandbox/entra"
	"github.com/cosmosctl/cosmosctl/internal/sandbox/sandboxtest"
	"github.com/cosmosctl/cosmosctl/internal/sandbox/seed"
)

// loginEnv is one user's machine: a running sandbox, a config directory,
// an environment and a keyring. Every run builds a new Factory, like a new
// process.
type loginEnv struct {
	sb        *sandbox.Sandbox
	configDir string
	env       map[string]string
	keyring   authkeyring.Keyring
}

type loginRunResult struct {
	stdout, stderr string
	err            error
	code           int
}

func loginSandbox(t *testing.T, opts ...sandboxtest.Option) *loginEnv {
	t.Helper()
	dir := t.TempDir()
	opts = append([]sandboxtest.Option{sandboxtest.WithConfigDir(dir)}, opts...)
	sb := sandboxtest.Start(t, opts...)
	e := &loginEnv{sb: sb, configDir: dir, env: map[string]string{"COSMOSCTL_KEYRING_TIMEOUT": "5s"}, keyring: authkeyring.NewMock()}
	if os.Getenv(loginRealKeyringVar) != "" {
		e.keyring = authkeyring.NewSystem(5 * time.Second)
	}
	return e
}

func (e *loginEnv) factory() (*cmdutil.Factory, *bytes.Buffer, *bytes.Buffer, *bytes.Buffer) {
	f, in, out, errOut := cmdtest.NewFactory(e.configDir, e.env)
	if e.keyring != nil { // else a fresh in-memory one
		f.Keyring = cmdtest.Keyring(e.keyring)
	}
	return f, in, out, errOut
}

func (e *loginEnv) run(t *testing.T, args ...string) loginRunResult {
	t.Helper()
	f, _, out, errOut := e.factory()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	err := Execute(ctx, f, args)
	if err != nil {
		errs.Print(errOut, err, false)
	}
	return loginRunResult{stdout: out.String(), stderr: errOut.String(), err: err, code: errs.ExitCode(err)}
}

func (e *loginEnv) mustRun(t *testing.T, args ...string) loginRunResult {
	t.Helper()
	r := e.run(t, args...)
	if r.err != nil {
		t.Fatalf("cosmosctl %s: exit %d: %v\nstderr: %s", strings.Join(args, " "), r.code, r.err, r.stderr)
	}
	return r
}

func (e *loginEnv) whoami(t *testing.T) map[string]any {
	t.Helper()
	r := e.mustRun(t, "--profile", "sandbox", "whoami", "-o", "json")
	var m map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &m); err != nil {
		t.Fatalf("whoami -o json: %v\n%s", err, r.stdout)
	}
	return m
}

// credentialToken exercises the contract data commands use: f.Credentials.
func (e *loginEnv) credentialToken(t *testing.T) string {
	t.Helper()
	f, _, _, _ := e.factory()
	f.Flags.Profile = "sandbox"
	creds, err := f.Credentials(context.Background())
	if err != nil {
		t.Fatalf("f.Credentials: %v", err)
	}
	if creds.Token == nil {
		t.Fatalf("f.Credentials returned no token credential: %+v", creds.Method)
	}
	tok, err := creds.Token.GetToken(context.Background(), policy.TokenRequestOptions{Scopes: []string{sandboxtest.Scope(e.sb)}})
	if err != nil {
		t.Fatalf("GetToken: %v", err)
	}
	return tok.Token
}

// assertNoSecrets checks the config dir holds no token or secret in clear.
func (e *loginEnv) assertNoSecrets(t *testing.T, secrets ...string) {
	t.Helper()
	secrets = append(secrets, "eyJ")
	filepath.Walk(e.configDir, func(path string, fi os.FileInfo, err error) error {
		if err != nil || fi.IsDir() {
			return nil
		}
		b, _ := os.ReadFile(path)
		for _, s := range secrets {
			if s != "" && bytes.Contains(b, []byte(s)) {
				t.Errorf("%s contains %q in plaintext", path, s[:min(len(s), 12)])
			}
		}
		if fi.Mode().Perm()&0o077 != 0 && !strings.HasSuffix(path, ".lock") {
			t.Errorf("%s has mode %v, want 0600", path, fi.Mode().Perm())
		}
		return nil
	})
}

func loginEntraRequests(sb *sandbox.Sandbox) int { return sb.Entra.Stats().Total }

func TestLoginDeviceCodeSessionLifecycle(t *testing.T) {
	e := loginSandbox(t, sandboxtest.WithAutoApprove("alice"))

	r := e.mustRun(t, "--profile", "sandbox", "login", "--no-browser")
	if !strings.Contains(r.stderr, "enter the code") && !strings.Contains(r.stderr, "devicelogin") {
		t.Errorf("device code message not on stderr: %q", r.stderr)
	}
	if !strings.Contains(r.stderr, "Signed in to profile sandbox as alice") {
		t.Errorf("stderr: %q", r.stderr)
	}
	if r.stdout != "" {
		t.Errorf("login wrote to stdout: %q", r.stdout)
	}
	st := e.sb.Entra.Stats()
	if st.DeviceCode != 1 {
		t.Fatalf("device code requests = %d, want 1", st.DeviceCode)
	}

	w := e.whoami(t)
	for k, want := range map[string]string{"profile": "sandbox", "method": "devicecode", "storage": "keyring", "tenantId": e.sb.Tenant, "audience": "https://127.0.0.1"} {
		if w[k] != want {
			t.Errorf("whoami %s = %v, want %q", k, w[k], want)
		}
	}
	if upn, _ := w["upn"].(string); !strings.HasPrefix(upn, "alice") {
		t.Errorf("whoami upn = %v, want alice", w["upn"])
	}
	for _, k := range []string{"endpoint", "objectId", "expiresOn"} {
		if s, _ := w[k].(string); s == "" {
			t.Errorf("whoami %s missing: %v", k, w)
		}
	}
	if exp, err := time.Parse(time.RFC3339, w["expiresOn"].(string)); err != nil || exp.Before(time.Now().Add(30*time.Minute)) {
		t.Errorf("expiresOn = %v (%v)", w["expiresOn"], err)
	}
	human := e.mustRun(t, "--profile", "sandbox", "whoami", "-o", "table")
	for _, want := range []string{"User:", "alice", "Storage:", "keyring", "Expires:"} {
		if !strings.Contains(human.stdout, want) {
			t.Errorf("whoami table lacks %q:\n%s", want, human.stdout)
		}
	}

	// Three later "processes" and the data-command credential: no Entra request.
	before := loginEntraRequests(e.sb)
	var tok string
	for i := 0; i < 3; i++ {
		e.whoami(t)
		tok = strings.TrimSpace(e.mustRun(t, "--profile", "sandbox", "auth", "token").stdout)
		if got := e.credentialToken(t); got != tok {
			t.Errorf("f.Credentials and auth token disagree")
		}
	}
	if n := loginEntraRequests(e.sb) - before; n != 0 {
		t.Fatalf("later commands made %d requests to Entra, want 0", n)
	}
	if !strings.HasPrefix(tok, "eyJ") {
		t.Fatalf("auth token printed %q", tok)
	}
	e.assertNoSecrets(t, tok)

	// The token works against the gateway through azcosmos.
	f, _, _, _ := e.factory()
	f.Flags.Profile = "sandbox"
	creds, err := f.Credentials(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	client := sandboxtest.ClientWithCredential(t, e.sb, creds.Token)
	db, err := client.NewDatabase("shop")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Read(context.Background(), nil); err != nil {
		t.Fatalf("read database shop as alice: %v", err)
	}

	r = e.mustRun(t, "--profile", "sandbox", "logout")
	if !strings.Contains(r.stderr, "Signed out of profile sandbox") {
		t.Errorf("logout stderr: %q", r.stderr)
	}
	r = e.run(t, "--profile", "sandbox", "whoami")
	if r.code != errs.ExitAuth || !strings.Contains(r.stderr, "cosmosctl --profile sandbox login") {
		t.Fatalf("whoami after logout: exit %d, stderr %q", r.code, r.stderr)
	}
	if _, err := os.Stat(filepath.Join(e.configDir, "tokens.enc")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("token file left after logout: %v", err)
	}
}

func TestLoginShortLifetimeRefreshesSilently(t *testing.T) {
	e := loginSandbox(t, sandboxtest.WithAutoApprove("alice"), sandboxtest.WithTokenLifetime(2*time.Minute))
	e.mustRun(t, "--profile", "sandbox", "login")
	before := e.sb.Entra.Stats()
	for i := 1; i <= 3; i++ {
		e.whoami(t)
		st := e.sb.Entra.Stats()
		if got := st.RefreshGrants - before.RefreshGrants; got != i {
			t.Fatalf("after command %d: %d refresh grants, want %d", i, got, i)
		}
		if st.DeviceCode != before.DeviceCode {
			t.Fatalf("a command asked for a device code")
		}
	}

	if n := e.sb.Entra.RevokeRefreshTokens("alice"); n == 0 {
		t.Fatal("no refresh token to revoke")
	}
	r := e.run(t, "--profile", "sandbox", "whoami")
	if r.code != errs.ExitAuth {
		t.Fatalf("whoami with a revoked refresh token: exit %d: %s", r.code, r.stderr)
	}
	if !strings.Contains(r.stderr, "cosmosctl --profile sandbox login") {
		t.Errorf("no login hint: %q", r.stderr)
	}
	r = e.run(t, "--profile", "sandbox", "auth", "token")
	if r.code != errs.ExitAuth {
		t.Fatalf("auth token with a revoked refresh token: exit %d", r.code)
	}
}

func TestLoginServicePrincipal(t *testing.T) {
	e := loginSandbox(t)
	tests := []struct {
		name     string
		secret   string
		wantCode int
		wantErr  string
	}{
		{"good secret", seed.DemoCIClientSecret, 0, ""},
		// A failed login keeps the previous one.
		{"wrong secret", "not-the-secret", errs.ExitAuth, "AADSTS7000215"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.run(t, "--profile", "sandbox", "login", "--service-principal", "--tenant", e.sb.Tenant,
				"--client-id", seed.DemoCIClientID, "--client-secret", tt.secret)
			if r.code != tt.wantCode || !strings.Contains(r.stderr, tt.wantErr) {
				t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
			}
		})
	}
	w := e.whoami(t)
	if w["appId"] != seed.DemoCIClientID || w["method"] != "serviceprincipal" || w["objectId"] != seed.DemoCIOID {
		t.Fatalf("whoami: %v", w)
	}
	before := loginEntraRequests(e.sb)
	for i := 0; i < 3; i++ {
		e.credentialToken(t)
		e.whoami(t)
	}
	if n := loginEntraRequests(e.sb) - before; n != 0 {
		t.Fatalf("later commands made %d requests to Entra, want 0", n)
	}
	e.assertNoSecrets(t, seed.DemoCIClientSecret)
}

func TestLoginWorkloadIdentityAndEnv(t *testing.T) {
	e := loginSandbox(t)
	fed, err := e.sb.Entra.MintFederatedToken("repo:cosmosctl/cosmosctl:ref:refs/heads/main", "api://AzureADTokenExchange", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "federated-token")
	os.WriteFile(file, []byte(fed), 0o600)

	tests := []struct {
		name   string
		env    map[string]string
		login  []string // nil: no login (the CI default)
		method string
		grant  func(entra.Stats) int
	}{
		{"workload identity login", map[string]string{"AZURE_CLIENT_ID": seed.DemoCIClientID, "AZURE_TENANT_ID": e.sb.Tenant, "AZURE_FEDERATED_TOKEN_FILE": file},
			[]string{"--profile", "sandbox", "login", "--workload-identity"}, "workloadidentity", func(s entra.Stats) int { return s.ClientAssertions }},
		{"env federated, no login", map[string]string{"AZURE_CLIENT_ID": seed.DemoCIClientID, "AZURE_TENANT_ID": e.sb.Tenant, "AZURE_FEDERATED_TOKEN_FILE": file},
			nil, "env", func(s entra.Stats) int { return s.ClientAssertions }},
		{"env secret, no login", map[string]string{"AZURE_CLIENT_ID": seed.DemoCIClientID, "AZURE_TENANT_ID": e.sb.Tenant, "AZURE_CLIENT_SECRET": seed.DemoCIClientSecret},
			nil, "env", func(s entra.Stats) int { return s.ClientCredentials }},
		{"env login", map[string]string{"AZURE_CLIENT_ID": seed.DemoCIClientID, "AZURE_TENANT_ID": e.sb.Tenant, "AZURE_CLIENT_SECRET": seed.DemoCIClientSecret},
			[]string{"--profile", "sandbox", "login", "--env"}, "env", func(s entra.Stats) int { return s.ClientCredentials }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e.run(t, "--profile", "sandbox", "logout")
			e.env = map[string]string{}
			for k, v := range tt.env {
				e.env[k] = v
			}
			// No keyring is needed on these routes.
			e.keyring = authkeyring.NewMockWithError(errors.New("no keyring in CI"))
			defer func() { e.keyring = authkeyring.NewMock() }()
			before := tt.grant(e.sb.Entra.Stats())
			if tt.login != nil {
				r := e.mustRun(t, tt.login...)
				if !strings.Contains(r.stderr, "Nothing was stored") {
					t.Errorf("login stderr: %q", r.stderr)
				}
			}
			w := e.whoami(t)
			if w["method"] != tt.method || w["appId"] != seed.DemoCIClientID || w["storage"] != "memory" {
				t.Fatalf("whoami: %v", w)
			}
			if tt.grant(e.sb.Entra.Stats()) == before {
				t.Fatal("no token grant of the expected kind")
			}
			e.assertNoSecrets(t, seed.DemoCIClientSecret, fed)
		})
	}
}

func TestLoginAzureCLI(t *testing.T) {
	e := loginSandbox(t)
	// The fake az returns a real sandbox token, obtained here as the ci
	// service principal, and counts its calls.
	sp, err := azidentity.NewClientSecretCredential(e.sb.Tenant, seed.DemoCIClientID, seed.DemoCIClientSecret, &azidentity.ClientSecretCredentialOptions{
		ClientOptions:            azcore.ClientOptions{Transport: sandboxtest.HTTPClient(e.sb), Cloud: cloud.Configuration{ActiveDirectoryAuthorityHost: e.sb.AuthorityHost + "/"}},
		DisableInstanceDiscovery: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	tok, err := sp.GetToken(context.Background(), policy.TokenRequestOptions{Scopes: []string{sandboxtest.Scope(e.sb)}})
	if err != nil {
		t.Fatal(err)
	}
	bin := t.TempDir()
	script := fmt.Sprintf(`#!/bin/sh
echo call >> "%s/calls"
cat <<JSON
{"accessToken":"%s","expires_on":%d,"tenant":"%s","tokenType":"Bearer"}
JSON
`, bin, tok.Token, tok.ExpiresOn.Unix(), e.sb.Tenant)
	if err := os.WriteFile(filepath.Join(bin, "az"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	// azidentity runs az through /bin/sh with the process environment.
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))

	e.mustRun(t, "--profile", "sandbox", "login", "--azure-cli")
	for i := 0; i < 3; i++ {
		e.whoami(t)
		e.credentialToken(t)
	}
	calls, _ := os.ReadFile(filepath.Join(bin, "calls"))
	if n := strings.Count(string(calls), "call"); n != 1 {
		t.Fatalf("az ran %d times, want 1", n)
	}
	if w := e.whoami(t); w["method"] != "azurecli" || w["appId"] != seed.DemoCIClientID {
		t.Fatalf("whoami: %v", w)
	}
	e.assertNoSecrets(t, tok.Token)
}

func TestLoginKey(t *testing.T) {
	e := loginSandbox(t)
	tests := []struct {
		name       string
		key        string
		args       []string
		wantStderr string
		wantStored bool
	}{
		{"emulator key from env", auth.EmulatorKey, nil, "well-known Cosmos DB emulator key", false},
		{"sandbox key saved", e.sb.AccountKey, []string{"--save-key"}, "account key", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e.env = map[string]string{"COSMOSCTL_KEY": tt.key}
			r := e.mustRun(t, append([]string{"--profile", "sandbox", "login", "--key"}, tt.args...)...)
			if !strings.Contains(r.stderr, tt.wantStderr) {
				t.Errorf("stderr %q lacks %q", r.stderr, tt.wantStderr)
			}
			_, err := os.Stat(filepath.Join(e.configDir, "tokens.enc"))
			if stored := err == nil; stored != tt.wantStored {
				t.Errorf("key stored = %v, want %v", stored, tt.wantStored)
			}
			// Without the variable, only a saved key signs in.
			e.env = map[string]string{}
			r = e.run(t, "--profile", "sandbox", "whoami", "-o", "json")
			if tt.wantStored != (r.code == 0) {
				t.Fatalf("whoami without COSMOSCTL_KEY: exit %d %s", r.code, r.stderr)
			}
			if tt.wantStored && !strings.Contains(r.stdout, `"method":"key"`) {
				t.Errorf("whoami: %s", r.stdout)
			}
			e.assertNoSecrets(t, tt.key)
		})
	}
}

func TestLoginFlagErrors(t *testing.T) {
	e := &loginEnv{configDir: t.TempDir(), env: map[string]string{}}
	garbage := filepath.Join(t.TempDir(), "cert.pem")
	os.WriteFile(garbage, []byte("not a certificate"), 0o600)
	tests := []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"login", "--service-principal", "--client-id", "c", "--client-secret", "s"}, errs.ExitUsage, "needs a tenant ID"},
		{[]string{"login", "--service-principal", "--tenant", "t", "--client-secret", "s"}, errs.ExitUsage, "needs --client-id"},
		{[]string{"login", "--service-principal", "--tenant", "t", "--client-id", "c"}, errs.ExitUsage, "needs --client-secret"},
		{[]string{"login", "--service-principal", "--tenant", "t", "--client-id", "c", "--certificate", "/nonexistent.pem"}, errs.ExitUsage, "cannot read the certificate"},
		{[]string{"login", "--service-principal", "--tenant", "t", "--client-id", "c", "--certificate", garbage}, errs.ExitUsage, "cannot read the certificate"},
		{[]string{"login", "--workload-identity"}, errs.ExitAuth, "needs a tenant, a client ID and a federated token file"},
		{[]string{"login", "--azure-cli", "--env"}, errs.ExitUsage, "choose one sign-in method"},
		{[]string{"login", "--save-key"}, errs.ExitUsage, "--save-key needs --key"},
		{[]string{"login", "--client-secret", "x"}, errs.ExitUsage, "need --service-principal"},
		{[]string{"login", "--key"}, errs.ExitUsage, "no account key"},
		{[]string{"login", "--browser", "--azure-cli"}, errs.ExitUsage, "choose one sign-in method, not --browser and --azure-cli"},
		{[]string{"login", "--browser-port", "8400"}, errs.ExitUsage, "--browser-port needs --browser"},
		{[]string{"login", "--browser", "--browser-port", "70000"}, errs.ExitUsage, "--browser-port must be a port number"},
		{[]string{"login", "--storage", "disk"}, errs.ExitUsage, "--storage must be keyring, kernel or file"},
		{[]string{"login", "--storage", "kernel", "--insecure-storage"}, errs.ExitUsage, "contradict each other"},
		{[]string{"whoami"}, errs.ExitAuth, "not signed in to profile default: run `cosmosctl login`"},
		{[]string{"auth", "token"}, errs.ExitAuth, "not signed in"},
		{[]string{"logout"}, 0, ""},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			r := e.run(t, tt.args...)
			if r.code != tt.code || !strings.Contains(r.stderr, tt.msg) {
				t.Fatalf("exit %d, stderr %q; want %d, %q", r.code, r.stderr, tt.code, tt.msg)
			}
		})
	}
}

func TestLoginConcurrentCommands(t *testing.T) {
	e := loginSandbox(t, sandboxtest.WithAutoApprove("alice"))
	e.mustRun(t, "--profile", "sandbox", "login")
	// Concurrent writers (an extra audience each) and readers on one cache.
	var wg sync.WaitGroup
	errs := make(chan error, 32)
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			args := []string{"--profile", "sandbox", "auth", "token"}
			if i%2 == 0 {
				args = append(args, "--audience", "https://cosmos.azure.com")
			}
			f, _, _, errOut := e.factory()
			if err := Execute(context.Background(), f, args); err != nil {
				errs <- fmt.Errorf("%v: %v %s", args, err, errOut)
			}
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	before := loginEntraRequests(e.sb)
	e.whoami(t)
	e.mustRun(t, "--profile", "sandbox", "auth", "token", "--audience", "https://cosmos.azure.com")
	if n := loginEntraRequests(e.sb) - before; n != 0 {
		t.Fatalf("cache lost entries under concurrency: %d Entra requests afterwards", n)
	}
}

// ---------------------------------------------------------------------------
// Real keyring backend. Other tests inject an in-memory keyring; these
// re-run the test binary for one test with COSMOSCTL_TEST_REAL_KEYRING
// set, where loginSandbox gives the OS keyring, so that its process-wide
// state (the session bus connection, DBUS_SESSION_BUS_ADDRESS) stays out
// of the other tests.

const loginRealKeyringVar = "COSMOSCTL_TEST_REAL_KEYRING"

// loginInChild runs test name in a child process and reports its outcome.
func loginInChild(t *testing.T, name string, env ...string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run", "^"+name+"$", "-test.v", "-test.count=1")
	cmd.Env = append(append(os.Environ(), loginRealKeyringVar+"=1"), env...)
	out, err := cmd.CombinedOutput()
	switch {
	case bytes.Contains(out, []byte("--- SKIP")):
		t.Skipf("child skipped:\n%s", out)
	case err != nil || !bytes.Contains(out, []byte("--- PASS")):
		t.Fatalf("child failed: %v\n%s", err, out)
	}
	t.Logf("child:\n%s", out)
}

func TestLoginKeyringUnavailable(t *testing.T) {
	if os.Getenv(loginRealKeyringVar) == "" {
		loginInChild(t, t.Name())
		return
	}
	e := loginSandbox(t, sandboxtest.WithAutoApprove("alice"))
	// A session bus address that leads nowhere: go-keyring fails at once.
	e.env["DBUS_SESSION_BUS_ADDRESS"] = "unix:path=" + filepath.Join(t.TempDir(), "no-bus")
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", e.env["DBUS_SESSION_BUS_ADDRESS"])

	r := e.run(t, "--profile", "sandbox", "login")
	if r.code != errs.ExitAuth {
		t.Fatalf("login without keyring: exit %d, stderr %q", r.code, r.stderr)
	}
	for _, want := range []string{"keyring is unavailable", "--insecure-storage", "--env", "--workload-identity"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr lacks %q: %q", want, r.stderr)
		}
	}
	if e.sb.Entra.Stats().DeviceCode != 0 {
		t.Error("login started a device-code flow although nothing could be stored")
	}
	if _, err := os.Stat(filepath.Join(e.configDir, "tokens.json")); !errors.Is(err, os.ErrNotExist) {
		t.Error("login silently downgraded to a plaintext file")
	}

	r = e.mustRun(t, "--profile", "sandbox", "login", "--insecure-storage")
	if !strings.Contains(r.stderr, "plain text") {
		t.Errorf("no plaintext warning: %q", r.stderr)
	}
	if w := e.whoami(t); w["storage"] != "file" {
		t.Fatalf("whoami storage = %v", w["storage"])
	}
}

// loginSecretServiceReachable probes the real keyring; it fails the test in
// CI when the keyring is missing and skips it elsewhere.
func loginSecretServiceReachable(t *testing.T) {
	t.Helper()
	k := authkeyring.NewSystem(5 * time.Second)
	ctx := context.Background()
	err := k.Set(ctx, "cosmosctl-test", "probe", "x")
	if err == nil {
		err = k.Delete(ctx, "cosmosctl-test", "probe")
	}
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("CI is set but no Secret Service is reachable (run the tests inside the with-keyring recipe): %v", err)
		}
		t.Skipf("no Secret Service reachable (%v); run under dbus-run-session with gnome-keyring to include this test", err)
	}
}

func TestLoginRealSecretService(t *testing.T) {
	if os.Getenv(loginRealKeyringVar) == "" {
		loginInChild(t, t.Name())
		return
	}
	loginSecretServiceReachable(t)
	e := loginSandbox(t, sandboxtest.WithAutoApprove("alice"))
	for _, k := range []string{"DBUS_SESSION_BUS_ADDRESS", "XDG_RUNTIME_DIR", "CI"} {
		e.env[k] = os.Getenv(k)
	}
	e.mustRun(t, "--profile", "sandbox", "login")
	before := loginEntraRequests(e.sb)
	start := time.Now()
	const n = 5
	for i := 0; i < n; i++ {
		if w := e.whoami(t); !strings.HasPrefix(w["upn"].(string), "alice") || w["storage"] != "keyring" {
			t.Fatalf("whoami: %v", w)
		}
	}
	t.Logf("measured: whoami with a cached token, real keyring: %v per command", time.Since(start)/n)
	if d := loginEntraRequests(e.sb) - before; d != 0 {
		t.Fatalf("%d Entra requests after login", d)
	}
	k := authkeyring.NewSystem(5 * time.Second)
	start = time.Now()
	for i := 0; i < 20; i++ {
		if _, err := k.Get(context.Background(), "cosmosctl-test", "missing"); !errors.Is(err, authkeyring.ErrNotFound) {
			t.Fatalf("Get: %v", err)
		}
	}
	t.Logf("measured: keyring Get latency %v", time.Since(start)/20)
	e.assertNoSecrets(t)
	e.mustRun(t, "--profile", "sandbox", "logout")
	if r := e.run(t, "--profile", "sandbox", "whoami"); r.code != errs.ExitAuth {
		t.Fatalf("whoami after logout: exit %d", r.code)
	}
}

// loginSyncBuffer lets the test read stderr while login writes it.
type loginSyncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *loginSyncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *loginSyncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// startDeviceCodeLogin runs `login` for the sandbox profile in the
// background, as a person at a terminal would, and returns the user code it
// printed and the channel its result arrives on.
func startDeviceCodeLogin(t *testing.T, e *loginEnv) (code string, done <-chan error, stderr *loginSyncBuffer) {
	t.Helper()
	f, _, _, _ := e.factory()
	stderr = &loginSyncBuffer{}
	f.IOStreams.ErrOut = stderr
	ch := make(chan error, 1)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	go func() { ch <- Execute(ctx, f, []string{"--profile", "sandbox", "login", "--no-browser"}) }()
	for code == "" {
		select {
		case err := <-ch:
			t.Fatalf("login ended before the code was used: %v\n%s", err, stderr)
		case <-ctx.Done():
			t.Fatalf("no device code message: %q", stderr)
		case <-time.After(10 * time.Millisecond):
		}
		if _, after, ok := strings.Cut(stderr.String(), "enter the code "); ok {
			code = strings.Fields(after)[0]
		}
	}
	return code, ch, stderr
}

func TestLoginDeviceCodeApprovedByUser(t *testing.T) {
	e := loginSandbox(t) // no auto-approve: the code must be approved
	code, done, stderr := startDeviceCodeLogin(t, e)
	if err := e.sb.Entra.Approve(code, "bob"); err != nil {
		t.Fatalf("approve %q: %v", code, err)
	}
	if err := <-done; err != nil {
		t.Fatalf("login: %v\n%s", err, stderr)
	}
	if upn, _ := e.whoami(t)["upn"].(string); !strings.HasPrefix(upn, "bob") {
		t.Fatalf("whoami upn = %q, want bob", upn)
	}
}

// A sign-in cancelled on the verification page is reported as declined
// (what the page promises), not as an expired grant.
func TestLoginDeviceCodeDeclined(t *testing.T) {
	e := loginSandbox(t)
	code, done, _ := startDeviceCodeLogin(t, e)
	if err := e.sb.Entra.Decline(code); err != nil {
		t.Fatalf("decline %q: %v", code, err)
	}
	err := <-done
	if errs.ExitCode(err) != errs.ExitAuth {
		t.Fatalf("exit %d: %v", errs.ExitCode(err), err)
	}
	var msg bytes.Buffer
	errs.Print(&msg, err, false)
	if !strings.Contains(msg.String(), "declined") || strings.Contains(msg.String(), "expired") {
		t.Fatalf("message: %q", msg.String())
	}
	f, _, _, _ := e.factory()
	cfg, _ := f.Config()
	if p := cfg.Profile("sandbox"); p.Account != nil {
		t.Fatalf("declined login recorded an account: %+v", p.Account)
	}
}

func TestLoginManagedIdentity(t *testing.T) {
	e := loginSandbox(t)
	// azidentity finds the App Service endpoint in the process environment.
	t.Setenv("IDENTITY_ENDPOINT", e.sb.AuthorityHost+"/msi/token")
	t.Setenv("IDENTITY_HEADER", e.sb.Entra.ManagedIdentitySecret())
	e.mustRun(t, "--profile", "sandbox", "login", "--managed-identity")
	w := e.whoami(t)
	if w["method"] != "managedidentity" || w["appId"] != seed.DemoMIClientID || w["storage"] != "memory" {
		t.Fatalf("whoami: %v", w)
	}
	if e.sb.Entra.Stats().ManagedIdentity < 2 {
		t.Fatalf("managed identity endpoint used %d times", e.sb.Entra.Stats().ManagedIdentity)
	}
}

func TestLoginErrorsExplained(t *testing.T) {
	e := loginSandbox(t)
	tests := []struct {
		name string
		args []string
		code int
		want []string
	}{
		// A resource Entra does not know is a wrong endpoint or audience
		// (bad input), not a failed sign-in.
		{"unknown resource", []string{"login", "--service-principal", "--client-id", seed.DemoCIClientID, "--client-secret", seed.DemoCIClientSecret, "--audience", "https://unknown.documents.azure.com"},
			errs.ExitUsage, []string{"AADSTS500011", "cosmosctl config set audience https://cosmos.azure.com"}},
		{"unknown app", []string{"login", "--service-principal", "--client-id", "99999999-9999-9999-9999-999999999999", "--client-secret", "x"},
			errs.ExitAuth, []string{"AADSTS700016", "check --client-id"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.run(t, append([]string{"--profile", "sandbox", "--debug"}, tt.args...)...)
			if r.code != tt.code {
				t.Fatalf("exit %d: %s", r.code, r.stderr)
			}
			for _, w := range tt.want {
				if !strings.Contains(r.stderr, w) {
					t.Errorf("stderr lacks %q:\n%s", w, r.stderr)
				}
			}
			if strings.Contains(r.stderr, seed.DemoCIClientSecret) {
				t.Errorf("--debug printed the client secret")
			}
		})
	}
	// A failed login keeps the profile unchanged.
	f, _, _, _ := e.factory()
	cfg, _ := f.Config()
	if p := cfg.Profile("sandbox"); p.Audience != "" || p.Account != nil {
		t.Fatalf("failed login changed the profile: %+v", p)
	}
}

func TestLoginKeyringLockedAfterLogin(t *testing.T) {
	e := loginSandbox(t, sandboxtest.WithAutoApprove("alice"))
	e.mustRun(t, "--profile", "sandbox", "login")
	e.keyring = authkeyring.NewMockWithError(errors.New("failed to unlock correct collection '/org/freedesktop/secrets/collection/login'"))
	for _, args := range [][]string{{"whoami"}, {"auth", "token"}} {
		r := e.run(t, append([]string{"--profile", "sandbox"}, args...)...)
		if r.code != errs.ExitAuth || !strings.Contains(r.stderr, "keyring is unavailable") || !strings.Contains(r.stderr, "--insecure-storage") {
			t.Fatalf("%v with a locked keyring: exit %d, stderr %q", args, r.code, r.stderr)
		}
	}
}
