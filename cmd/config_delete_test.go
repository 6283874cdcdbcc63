package cmd

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cosmosctl/cosmosctl/internal/config"
	"github.com/cosmosctl/cosmosctl/internal/errs"
	"github.com/cosmosctl/cosmosctl/internal/sandbox/sandboxtest"
)

// runTTY runs cosmosctl as if on a terminal, answering input on stdin.
func (e *loginEnv) runTTY(t *testing.T, input string, args ...string) loginRunResult {
	t.Helper()
	f, in, out, errOut := e.factory()
	f.IOStreams.SetStdinTTY(true)
	f.IOStreams.SetStderrTTY(true)
	in.WriteString(input)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	err := Execute(ctx, f, args)
	if err != nil {
		errs.Print(errOut, err, false)
	}
	return loginRunResult{stdout: out.String(), stderr: errOut.String(), err: err, code: errs.ExitCode(err)}
}

// Deleting a signed-in profile asks on a terminal, needs --yes elsewhere,
// and signs it out (its tokens go with it, as with logout).
func TestConfigDeleteSignedInProfile(t *testing.T) {
	cases := []struct {
		name     string
		tty      bool
		input    string
		args     []string
		wantCode int
		wantErr  string
		deleted  bool
	}{
		{name: "not a terminal, no --yes", args: []string{"config", "delete", "sandbox"}, wantCode: errs.ExitUsage, wantErr: "profile sandbox is signed in (as alice@contoso.test): not deleting it without --yes"},
		{name: "not a terminal, --yes", args: []string{"config", "delete", "sandbox", "--yes"}, deleted: true},
		{name: "terminal, yes", tty: true, input: "y\n", args: []string{"config", "delete", "sandbox"}, deleted: true},
		{name: "terminal, no", tty: true, input: "n\n", args: []string{"config", "delete", "sandbox"}, wantCode: errs.ExitUsage, wantErr: "profile sandbox not deleted"},
		{name: "terminal, end of input", tty: true, args: []string{"config", "delete", "sandbox"}, wantCode: errs.ExitUsage, wantErr: "profile sandbox not deleted"},
		{name: "another profile is current", args: []string{"--profile", "other", "config", "delete", "sandbox", "-y"}, deleted: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := loginSandbox(t, sandboxtest.WithAutoApprove("alice"))
			e.mustRun(t, "--profile", "sandbox", "login", "--no-browser")
			e.mustRun(t, "--profile", "other", "config", "set", "database", "x")
			var r loginRunResult
			if tc.tty {
				r = e.runTTY(t, tc.input, tc.args...)
			} else {
				r = e.run(t, tc.args...)
			}
			if r.code != tc.wantCode || !strings.Contains(r.stderr, tc.wantErr) {
				t.Fatalf("exit %d, stderr %q; want exit %d with %q", r.code, r.stderr, tc.wantCode, tc.wantErr)
			}
			if tc.tty && !strings.Contains(r.stderr, "Profile sandbox is signed in as alice@contoso.test. Delete it and its tokens? [y/N]") {
				t.Errorf("no question asked: %q", r.stderr)
			}
			c, err := config.Load(e.configDir)
			if err != nil {
				t.Fatal(err)
			}
			_, tokErr := os.Stat(filepath.Join(e.configDir, "tokens.enc"))
			if tc.deleted {
				if c.Profile("sandbox") != nil || c.Profile("other") == nil {
					t.Fatalf("profiles after delete: %v", c.ProfileNames())
				}
				if !errors.Is(tokErr, os.ErrNotExist) || !strings.Contains(r.stderr, "Signed out of profile sandbox.") {
					t.Fatalf("tokens not removed (%v): %q", tokErr, r.stderr)
				}
				return
			}
			if p := c.Profile("sandbox"); p == nil || p.Account == nil || tokErr != nil {
				t.Fatalf("refused delete changed something: profile %+v, tokens %v", p, tokErr)
			}
		})
	}
}
