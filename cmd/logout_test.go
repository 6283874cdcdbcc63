package cmd

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cosmosctl/cosmosctl/auth"
	"github.com/cosmosctl/cosmosctl/internal/errs"
	"github.com/cosmosctl/cosmosctl/internal/sandbox/sandboxtest"
)

func TestLogoutAll(t *testing.T) {
	e := loginSandbox(t, sandboxtest.WithAutoApprove("alice"))
	f, _, _, _ := e.factory()
	cfg, err := f.Config()
	if err != nil {
		t.Fatal(err)
	}
	cfg.EnsureProfile("emulator").Endpoint = "https://localhost:8081/"
	if err := cfg.Save(); err != nil {
		t.Fatal(err)
	}
	e.mustRun(t, "--profile", "sandbox", "login")
	e.env["COSMOSCTL_KEY"] = auth.EmulatorKey
	e.mustRun(t, "--profile", "emulator", "login", "--key", "--save-key")
	delete(e.env, "COSMOSCTL_KEY")
	e.mustRun(t, "--profile", "emulator", "whoami")

	// Logging out of one profile keeps the other.
	e.mustRun(t, "--profile", "emulator", "logout")
	e.whoami(t)
	e.env["COSMOSCTL_KEY"] = auth.EmulatorKey
	e.mustRun(t, "--profile", "emulator", "login", "--key", "--save-key", "--insecure-storage")
	delete(e.env, "COSMOSCTL_KEY")

	r := e.mustRun(t, "logout", "--all")
	for _, p := range []string{"sandbox", "emulator"} {
		if !strings.Contains(r.stderr, "Signed out of profile "+p) {
			t.Errorf("logout --all stderr lacks %s: %q", p, r.stderr)
		}
		if r := e.run(t, "--profile", p, "whoami"); r.code != errs.ExitAuth {
			t.Errorf("whoami %s after logout --all: exit %d", p, r.code)
		}
	}
	for _, name := range []string{"tokens.enc", "tokens.json"} {
		if _, err := os.Stat(filepath.Join(e.configDir, name)); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s left after logout --all", name)
		}
	}
}
