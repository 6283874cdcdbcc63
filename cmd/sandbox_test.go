package cmd

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/public"

	authkeyring "github.com/cosmosctl/cosmosctl/auth/keyring"
	"github.com/cosmosctl/cosmosctl/internal/cmdtest"
	"github.com/cosmosctl/cosmosctl/internal/config"
	"github.com/cosmosctl/cosmosctl/internal/errs"
	"github.com/cosmosctl/cosmosctl/internal/sandbox"
	"github.com/cosmosctl/cosmosctl/internal/sandbox/seed"
)

func TestSandboxFlagErrorsExitTwo(t *testing.T) {
	dir := t.TempDir()
	badSeed := filepath.Join(dir, "bad.json")
	if err := os.WriteFile(badSeed, []byte(`{"databases":[{"id":"shop","containers":[{"id":"orders","partitionKey":"customerId"}]}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	slashlessScope := filepath.Join(dir, "scope.json")
	if err := os.WriteFile(slashlessScope, []byte(`{"principals":[{"name":"alice","oid":"a1a1a1a1-0000-4000-8000-000000000001","upn":"alice@contoso.test"}],"roleAssignments":[{"principal":"alice","role":"00000000-0000-0000-0000-000000000001","scope":"dbs/shop"}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	emptyDir := t.TempDir()
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"non-loopback listen", []string{"sandbox", "--listen", "0.0.0.0:0"}, `error: --listen "0.0.0.0:0": the sandbox listens on loopback only`},
		{"non-loopback entra", []string{"sandbox", "--entra-listen", "192.168.1.1:443"}, `error: --entra-listen "192.168.1.1:443": the sandbox listens on loopback only`},
		{"unknown fault", []string{"sandbox", "--fault", "bogus=1"}, "error: --fault: "},
		{"NaN fault probability", []string{"sandbox", "--fault", "throttle=NaN"}, `error: --fault: fault "throttle=NaN": throttle must be a probability`},
		{"seed scope without its slash", []string{"sandbox", "--seed", slashlessScope}, `error: ` + slashlessScope + `: roleAssignments[0]: invalid scope "dbs/shop": a scope starts with "/"`},
		{"missing seed", []string{"sandbox", "--seed", filepath.Join(dir, "nope.json")}, "error: read seed file: stat "},
		{"invalid seed", []string{"sandbox", "--seed", badSeed}, `error: ` + badSeed + `: databases[0].containers[0]: partitionKey "customerId" must start with "/"`},
		{"unknown auto-approve", []string{"sandbox", "--auto-approve", "zed"}, `error: --auto-approve: "zed" is not a user principal of the seed`},
		{"zero token lifetime", []string{"sandbox", "--token-lifetime", "0s"}, "error: --token-lifetime must be positive"},
		{"bad duration", []string{"sandbox", "--token-lifetime", "soon"}, "error: invalid argument"},
		{"stray argument", []string{"sandbox", "now"}, `error: unknown command "now"`},
		{"persist without dir", []string{"sandbox", "--persist"}, "error: --persist needs --dir"},
		{"unwritable log", []string{"sandbox", "--log", filepath.Join(emptyDir, "no", "such.log")}, "error: --log: open "},
		{"approve without user", []string{"sandbox", "approve", "--dir", emptyDir, "ABCD"}, "error: --user is required"},
		{"approve without code", []string{"sandbox", "approve", "--user", "alice"}, "error: accepts 1 arg"},
		{"approve with no sandbox", []string{"sandbox", "approve", "--dir", emptyDir, "--user", "alice", "ABCD"}, "error: no sandbox is running in " + emptyDir},
		{"approve with no dir or profile", []string{"sandbox", "approve", "--user", "alice", "ABCD"}, `error: no --dir given and no "sandbox" profile`},
		{"federated token with no sandbox", []string{"sandbox", "federated-token", "--dir", emptyDir}, "error: no sandbox is running in " + emptyDir},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cache := t.TempDir()
			code, _, stderr := rootRun(t, t.TempDir(), map[string]string{"XDG_CACHE_HOME": cache}, tt.args...)
			if code != errs.ExitUsage {
				t.Fatalf("exit %d, want 2; stderr:\n%s", code, stderr)
			}
			if !strings.HasPrefix(stderr, tt.want) {
				t.Fatalf("stderr:\n%s\nwant prefix %q", stderr, tt.want)
			}
			// Nothing was started: no sandbox directory under the cache dir.
			if entries, _ := os.ReadDir(filepath.Join(cache, "cosmosctl")); len(entries) != 0 {
				t.Errorf("a sandbox directory was created: %v", entries)
			}
		})
	}
}

func TestSandboxFlagsReachOptions(t *testing.T) {
	f, _, _, _ := cmdtest.NewFactory(t.TempDir(), nil)
	var got *SandboxOptions
	cmd := newCmdSandbox(f, func(o *SandboxOptions) error { got = o; return nil })
	cmd.SetArgs([]string{"--dir", "d", "--seed", "s.json", "--listen", "127.0.0.1:1", "--entra-listen", "[::1]:2",
		"--auto-approve", "alice", "--token-lifetime", "30s", "--fault", "throttle=0.5", "--fault", "seed=3", "--local-auth-disabled", "--log", "-", "--persist"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if got.Dir != "d" || got.SeedFile != "s.json" || got.Listen != "127.0.0.1:1" || got.EntraListen != "[::1]:2" ||
		got.AutoApprove != "alice" || got.TokenLifetime != 30*time.Second || strings.Join(got.Faults, ",") != "throttle=0.5,seed=3" ||
		!got.LocalAuthDisabled || got.Log != "-" || !got.Persist {
		t.Fatalf("options = %+v", got)
	}
}

// TestSandboxRunApproveAndStop runs `cosmosctl sandbox` like a user, then
// approves a real MSAL device code with `cosmosctl sandbox approve` from the
// same config, and stops it by cancelling the context (what SIGINT does).
func TestSandboxRunApproveAndStop(t *testing.T) {
	cfgDir := t.TempDir()
	dir := filepath.Join(t.TempDir(), "sb")
	f, _, _, stderr := cmdtest.NewFactory(cfgDir, nil)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- Execute(ctx, f, []string{"sandbox", "--dir", dir, "--token-lifetime", "10m"}) }()

	var info *sandbox.Info
	deadline := time.Now().Add(30 * time.Second)
	for info == nil {
		select {
		case err := <-done:
			t.Fatalf("sandbox exited early: %v\n%s", err, stderr)
		default:
		}
		if i, err := sandbox.ReadInfo(dir); err == nil {
			info = i
		} else if time.Now().After(deadline) {
			t.Fatalf("sandbox.json never appeared: %v", err)
		} else {
			time.Sleep(20 * time.Millisecond)
		}
	}

	cfg, err := config.Load(cfgDir)
	if err != nil {
		t.Fatal(err)
	}
	if p := cfg.Profile("sandbox"); p == nil || p.Endpoint != info.Endpoint+"/" || cfg.CurrentProfile != "sandbox" {
		t.Fatalf("profile not written: %+v (current %q)", p, cfg.CurrentProfile)
	}

	// A pending device code from a real MSAL public client.
	hc, err := info.HTTPClient()
	if err != nil {
		t.Fatal(err)
	}
	pc, err := public.New("04b07795-8ddb-461a-bbee-02f9e1bf7b46", public.WithAuthority(info.AuthorityHost+"/"+info.Tenant),
		public.WithHTTPClient(hc), public.WithInstanceDiscovery(false))
	if err != nil {
		t.Fatal(err)
	}
	dctx, dcancel := context.WithTimeout(ctx, 30*time.Second)
	defer dcancel()
	dc, err := pc.AcquireTokenByDeviceCode(dctx, []string{"https://127.0.0.1/.default"})
	if err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"approve by profile", []string{"sandbox", "approve", "--user", "alice", dc.Result.UserCode}, 0, ""},
		{"approve unknown code", []string{"sandbox", "approve", "--dir", dir, "--user", "alice", "ZZZZ-ZZZZ"}, 2, "error: approve ZZZZ-ZZZZ: "},
		{"federated token", []string{"sandbox", "federated-token", "--dir", dir, "--sub", "repo:x"}, 0, ""},
	}
	for _, s := range steps {
		code, out, errOut := rootRun(t, cfgDir, nil, s.args...)
		if code != s.code || !strings.HasPrefix(errOut, s.want) {
			t.Errorf("%s: exit %d, stderr %q; want exit %d, prefix %q", s.name, code, errOut, s.code, s.want)
		}
		if s.name == "federated token" && strings.Count(out, ".") != 2 {
			t.Errorf("federated-token printed %q, want a JWT", out)
		}
	}
	res, err := dc.AuthenticationResult(dctx)
	if err != nil {
		t.Fatalf("device code approved by the command did not sign in: %v", err)
	}
	if res.Account.PreferredUsername != "alice@contoso.test" {
		t.Errorf("signed in as %+v", res.Account)
	}

	cancel()
	select {
	case err := <-done:
		if code := errs.ExitCode(err); code != 0 {
			t.Fatalf("sandbox exit %d: %v", code, err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("sandbox did not stop after cancellation")
	}
	for _, want := range []string{"cosmosctl sandbox is running", info.Endpoint, "cosmosctl --profile sandbox login", "cosmosctl sandbox approve --dir " + dir, "Sandbox stopped."} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("summary lacks %q:\n%s", want, stderr)
		}
	}
	for _, u := range []string{info.Endpoint, info.AuthorityHost} {
		ln, err := net.Listen("tcp", strings.TrimPrefix(u, "https://"))
		if err != nil {
			t.Errorf("%s still in use after the command returned: %v", u, err)
			continue
		}
		ln.Close()
	}
	if _, err := os.Stat(filepath.Join(dir, "sandbox.json")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("sandbox.json left behind: %v", err)
	}
}

// Without --dir the sandbox names a fresh directory under the cache dir and
// removes it when it stops, so repeated runs leave nothing behind.
func TestSandboxDefaultDirRemovedOnExit(t *testing.T) {
	cfgDir, cache := t.TempDir(), t.TempDir()
	f, _, _, stderr := cmdtest.NewFactory(cfgDir, map[string]string{"XDG_CACHE_HOME": cache})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- Execute(ctx, f, []string{"sandbox"}) }()

	var dir string
	deadline := time.Now().Add(30 * time.Second)
	for dir == "" {
		select {
		case err := <-done:
			t.Fatalf("sandbox exited early: %v\n%s", err, stderr)
		default:
		}
		if cfg, err := config.Load(cfgDir); err == nil {
			if p := cfg.Profile("sandbox"); p != nil && p.CAFile != "" {
				if _, err := sandbox.ReadInfo(filepath.Dir(p.CAFile)); err == nil {
					dir = filepath.Dir(p.CAFile)
				}
			}
		}
		if dir == "" && time.Now().After(deadline) {
			t.Fatal("the sandbox never became ready")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if !strings.HasPrefix(dir, filepath.Join(cache, "cosmosctl")+string(filepath.Separator)) {
		t.Fatalf("directory %s is not under the cache dir %s", dir, cache)
	}
	cancel()
	if err := <-done; errs.ExitCode(err) != 0 {
		t.Fatalf("sandbox exit %d: %v", errs.ExitCode(err), err)
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("%s left behind after the sandbox stopped (%v)", dir, err)
	}
}

// TestSandboxProfileBannerAndLog runs a sandbox under its own --profile
// with --log: the profile named is written (and found by the subcommands),
// the banner lists every principal with how to sign in as it, and the log
// has a line per request and no secret.
func TestSandboxProfileBannerAndLog(t *testing.T) {
	cfgDir := t.TempDir()
	dir := filepath.Join(t.TempDir(), "sb")
	logFile := filepath.Join(t.TempDir(), "requests.log")
	f, _, _, stderr := cmdtest.NewFactory(cfgDir, nil)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		done <- Execute(ctx, f, []string{"--profile", "sb2", "sandbox", "--dir", dir, "--log", logFile})
	}()
	var info *sandbox.Info
	for deadline := time.Now().Add(30 * time.Second); info == nil; time.Sleep(20 * time.Millisecond) {
		select {
		case err := <-done:
			t.Fatalf("sandbox exited early: %v\n%s", err, stderr)
		default:
		}
		if i, err := sandbox.ReadInfo(dir); err == nil {
			info = i
		} else if time.Now().After(deadline) {
			t.Fatalf("sandbox.json never appeared: %v", err)
		}
	}
	cfg, err := config.Load(cfgDir)
	if err != nil {
		t.Fatal(err)
	}
	if p := cfg.Profile("sb2"); p == nil || p.Endpoint != info.Endpoint+"/" || cfg.Profile("sandbox") != nil || info.Profile != "sb2" {
		t.Fatalf("profiles: sb2 %+v, sandbox %+v, sandbox.json profile %q", cfg.Profile("sb2"), cfg.Profile("sandbox"), info.Profile)
	}
	for _, tc := range []struct {
		args []string
		code int
	}{
		{[]string{"--profile", "sb2", "sandbox", "federated-token"}, 0},
		{[]string{"sandbox", "federated-token"}, 2}, // no "sandbox" profile
	} {
		if code, _, errOut := rootRun(t, cfgDir, nil, tc.args...); code != tc.code {
			t.Errorf("%v: exit %d (%s), want %d", tc.args, code, errOut, tc.code)
		}
	}
	cancel()
	if err := <-done; errs.ExitCode(err) != 0 {
		t.Fatalf("sandbox exit %d: %v", errs.ExitCode(err), err)
	}
	var mi sandbox.InfoPrincipal
	for _, p := range info.Principals {
		if p.Kind == sandbox.KindManagedIdentity {
			mi = p
		}
	}
	banner := stderr.String()
	for _, want := range []string{
		"test credentials of this sandbox only, shown on purpose",
		"alice    user alice@contoso.test: cosmosctl --profile sb2 login",
		"AZURE_CLIENT_SECRET=" + seed.DemoCIClientSecret + " cosmosctl --profile sb2 login --service-principal --client-id " + seed.DemoCIClientID,
		"export IDENTITY_ENDPOINT=" + info.AuthorityHost + "/msi/token IDENTITY_HEADER=" + mi.IdentityHeader,
		"cosmosctl --profile sb2 login\n",
		`Profile "sb2" still points at it`,
	} {
		if !strings.Contains(banner, want) {
			t.Errorf("banner lacks %q:\n%s", want, banner)
		}
	}
	log, err := os.ReadFile(logFile)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(log), " entra - GET /sandbox/federated-token 200 - - ") {
		t.Errorf("log lacks the federated-token request:\n%s", log)
	}
	for _, secret := range []string{info.AccountKey, mi.IdentityHeader, seed.DemoCIClientSecret, "eyJ"} {
		if strings.Contains(string(log), secret) {
			t.Errorf("the request log holds a secret (%.6s…):\n%s", secret, log)
		}
	}
}

// TestSandboxRestartKeepsSignIn stops and restarts `cosmosctl sandbox` in
// the same --dir: the profile keeps its sign-in, and a query after the
// restart (the access token expired meanwhile) needs no new login.
func TestSandboxRestartKeepsSignIn(t *testing.T) {
	cfgDir := t.TempDir()
	dir := filepath.Join(t.TempDir(), "sb")
	e := &loginEnv{configDir: cfgDir, env: map[string]string{"COSMOSCTL_KEYRING_TIMEOUT": "5s"}, keyring: authkeyring.NewMock()}
	runSandbox := func() (stop func()) {
		f, _, _, stderr := cmdtest.NewFactory(cfgDir, nil)
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() {
			done <- Execute(ctx, f, []string{"sandbox", "--dir", dir, "--auto-approve", "alice", "--token-lifetime", "2s"})
		}()
		for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(20 * time.Millisecond) {
			if _, err := sandbox.ReadInfo(dir); err == nil {
				break
			}
			select {
			case err := <-done:
				t.Fatalf("sandbox exited early: %v\n%s", err, stderr)
			default:
			}
			if time.Now().After(deadline) {
				t.Fatal("the sandbox never became ready")
			}
		}
		return func() {
			cancel()
			if err := <-done; errs.ExitCode(err) != 0 {
				t.Fatalf("sandbox exit %d: %v", errs.ExitCode(err), err)
			}
		}
	}
	stop := runSandbox()
	e.mustRun(t, "--profile", "sandbox", "login")
	signedIn := time.Now()
	stop()
	stop = runSandbox()
	defer stop()
	time.Sleep(time.Until(signedIn.Add(2500 * time.Millisecond)))
	r := e.run(t, "--profile", "sandbox", "query", "SELECT VALUE COUNT(1) FROM c", "-d", "shop", "-c", "orders", "-o", "json")
	if r.code != 0 || !strings.HasPrefix(strings.TrimSpace(r.stdout), "[") {
		t.Fatalf("query after the restart: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}
