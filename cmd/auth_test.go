package cmd

import (
	"context"
	"strings"
	"testing"

	"github.com/cosmosctl/cosmosctl/internal/sandbox/sandboxtest"
)

func TestAuthTokenRefusesTerminal(t *testing.T) {
	e := loginSandbox(t, sandboxtest.WithAutoApprove("alice"))
	e.mustRun(t, "--profile", "sandbox", "login")
	for _, show := range []bool{false, true} {
		f, _, out, _ := e.factory()
		f.IOStreams.SetStdoutTTY(true)
		args := []string{"--profile", "sandbox", "auth", "token"}
		if show {
			args = append(args, "--show")
		}
		err := Execute(context.Background(), f, args)
		if show != (err == nil) || show != strings.HasPrefix(out.String(), "eyJ") {
			t.Fatalf("show=%v: err %v, out %q", show, err, out.String())
		}
	}
}
