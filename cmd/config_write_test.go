package cmd

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/cosmosctl/cosmosctl/internal/cmdtest"
	"github.com/cosmosctl/cosmosctl/internal/config"
	"github.com/cosmosctl/cosmosctl/internal/errs"
	"github.com/cosmosctl/cosmosctl/internal/sandbox/seed"
)

// runConcurrently runs n commands at once, each with its own Factory like
// a process of its own, and reports the failures.
func runConcurrently(t *testing.T, n int, run func(i int) error) {
	t.Helper()
	var wg sync.WaitGroup
	failures := make(chan error, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			if err := run(i); err != nil {
				failures <- err
			}
		}(i)
	}
	wg.Wait()
	close(failures)
	for err := range failures {
		t.Error(err)
	}
}

func TestConcurrentConfigSetsAllSurvive(t *testing.T) {
	dir := t.TempDir()
	const n = 16
	runConcurrently(t, n, func(i int) error {
		f, _, _, errOut := cmdtest.NewFactory(dir, nil)
		args := []string{"--profile", fmt.Sprintf("p%d", i), "config", "set", "database", fmt.Sprintf("db%d", i)}
		if err := Execute(context.Background(), f, args); err != nil {
			return fmt.Errorf("%v: %v %s", args, err, errOut)
		}
		return nil
	})
	c, err := config.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	survived := 0
	for i := 0; i < n; i++ {
		if p := c.Profile(fmt.Sprintf("p%d", i)); p != nil && p.Database == fmt.Sprintf("db%d", i) {
			survived++
		}
	}
	if survived != n {
		t.Fatalf("%d of %d concurrent config sets survived:\n%s", survived, n, mustRead(t, filepath.Join(dir, config.FileName)))
	}
}

func TestConcurrentLoginsAllSignedIn(t *testing.T) {
	e := loginSandbox(t)
	const n = 12
	// n profiles like the sandbox's, none signed in yet.
	c, err := config.Load(e.configDir)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < n; i++ {
		p := *c.Profile("sandbox")
		p.Account = nil
		c.Profiles[fmt.Sprintf("ci%d", i)] = &p
	}
	if err := c.Save(); err != nil {
		t.Fatal(err)
	}
	runConcurrently(t, n, func(i int) error {
		r := e.run(t, "--profile", fmt.Sprintf("ci%d", i), "login", "--service-principal", "--tenant", e.sb.Tenant,
			"--client-id", seed.DemoCIClientID, "--client-secret", seed.DemoCIClientSecret)
		if r.err != nil {
			return fmt.Errorf("login ci%d: exit %d: %s", i, r.code, r.stderr)
		}
		return nil
	})
	signedIn := 0
	for i := 0; i < n; i++ {
		if r := e.run(t, "--profile", fmt.Sprintf("ci%d", i), "whoami"); r.err == nil {
			signedIn++
		} else {
			t.Logf("ci%d: %s", i, r.stderr)
		}
	}
	if signedIn != n {
		t.Fatalf("%d of %d concurrent logins left their profile signed in", signedIn, n)
	}
}

// config set edits the file in place: comments, key order and keys
// cosmosctl does not know survive, and the unknown keys are warned about
// once.
func TestConfigSetKeepsCommentsAndUnknownKeys(t *testing.T) {
	const before = `# my cosmosctl settings
current-profile: prod
colour: blue # not a cosmosctl key
profiles:
  # production account
  prod:
    endpont: https://typo.documents.azure.com:443/
    tenant: contoso.onmicrosoft.com # the work tenant
    endpoint: https://prod.documents.azure.com:443/
`
	dir := t.TempDir()
	path := filepath.Join(dir, config.FileName)
	if err := os.WriteFile(path, []byte(before), 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := rootRun(t, dir, nil, "config", "set", "database", "shop")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	const want = `# my cosmosctl settings
current-profile: prod
colour: blue # not a cosmosctl key
profiles:
    # production account
    prod:
        endpont: https://typo.documents.azure.com:443/
        tenant: contoso.onmicrosoft.com # the work tenant
        endpoint: https://prod.documents.azure.com:443/
        database: shop
`
	if got := mustRead(t, path); got != want {
		t.Fatalf("config after set:\n%s\nwant:\n%s", got, want)
	}
	if n := strings.Count(stderr, "warning:"); n != 1 || !strings.Contains(stderr, "colour, profiles.prod.endpont") {
		t.Fatalf("want one warning naming colour and profiles.prod.endpont, stderr:\n%s", stderr)
	}
	// Clearing a setting removes only its key.
	if code, _, stderr := rootRun(t, dir, nil, "config", "set", "tenant", ""); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if got := mustRead(t, path); strings.Contains(got, "tenant") || !strings.Contains(got, "endpont:") || !strings.Contains(got, "# production account") {
		t.Fatalf("config after clearing tenant:\n%s", got)
	}
}

// What sits at the file's path is checked: no FIFO, device or endless file.
func TestConfigAndTokenFilesMustBeRegular(t *testing.T) {
	if _, err := os.Stat("/dev/zero"); err != nil {
		t.Skip("no /dev/zero")
	}
	tests := []struct {
		name, file string
		args       []string
		want       string
	}{
		{"config.yaml linked to /dev/zero", config.FileName, []string{"config", "list"}, "not a regular file"},
		{"tokens.enc linked to /dev/zero", "tokens.enc", []string{"--profile", "p", "whoami"}, "not a regular file"},
		{"tokens.json linked to /dev/zero", "tokens.json", []string{"--profile", "p", "whoami"}, "not a regular file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			storage := "keyring"
			if tt.file == "tokens.json" {
				storage = "file"
			}
			if tt.file != config.FileName {
				cfg := "profiles:\n  p:\n    endpoint: https://127.0.0.1:1/\n    account:\n      method: devicecode\n      home-account-id: x\n      storage: " + storage + "\n"
				if err := os.WriteFile(filepath.Join(dir, config.FileName), []byte(cfg), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			if err := os.Symlink("/dev/zero", filepath.Join(dir, tt.file)); err != nil {
				t.Fatal(err)
			}
			code, _, stderr := rootRun(t, dir, nil, tt.args...)
			if code == 0 || code == errs.ExitUnavailable || !strings.Contains(stderr, tt.want) || !strings.Contains(stderr, tt.file) {
				t.Fatalf("exit %d, stderr %q; want a clear error naming %s", code, stderr, tt.file)
			}
		})
	}
}

func mustRead(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
