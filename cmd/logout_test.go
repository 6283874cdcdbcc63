package cmd

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cosmosctl/cosmosctl/auth"
	authkeyring "github.com/cosmosctl/cosmosctl/auth/keyring"
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

// A logout that cannot remove the tokens says so and fails; whoami shows
// what is left, and the next logout (or logout --all) removes it.
func TestLogoutKeepsItsWord(t *testing.T) {
	for _, second := range [][]string{{"logout"}, {"logout", "--all"}} {
		t.Run(strings.Join(second, " "), func(t *testing.T) {
			e := loginSandbox(t, sandboxtest.WithAutoApprove("alice"))
			e.mustRun(t, "--profile", "sandbox", "login")
			working := e.keyring
			e.keyring = authkeyring.NewMockWithError(errors.New("failed to unlock correct collection '/org/freedesktop/secrets/collection/login'"))
			r := e.run(t, "--profile", "sandbox", "logout")
			if r.code == 0 || !strings.Contains(r.stderr, "tokens of profile sandbox could not be removed") || !strings.Contains(r.stderr, "run `cosmosctl logout` again") {
				t.Fatalf("logout with a locked keyring: exit %d, stderr %q", r.code, r.stderr)
			}
			e.keyring = working
			r = e.run(t, "--profile", "sandbox", "whoami")
			if r.code != errs.ExitAuth || !strings.Contains(r.stderr, "tokens of an earlier sign-in of profile sandbox are still stored") {
				t.Fatalf("whoami after the failed logout: exit %d, stderr %q", r.code, r.stderr)
			}
			r = e.mustRun(t, append([]string{"--profile", "sandbox"}, second...)...)
			if !strings.Contains(r.stderr, "Signed out of profile sandbox") {
				t.Fatalf("%v: stderr %q", second, r.stderr)
			}
			if _, err := os.Stat(filepath.Join(e.configDir, "tokens.enc")); !errors.Is(err, os.ErrNotExist) {
				t.Fatalf("tokens.enc left after %v: %v", second, err)
			}
			r = e.run(t, "--profile", "sandbox", "whoami")
			if r.code != errs.ExitAuth || strings.Contains(r.stderr, "still stored") {
				t.Fatalf("whoami after the second logout: exit %d, stderr %q", r.code, r.stderr)
			}
		})
	}
}
