package cmd

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	authkeyring "github.com/cosmosctl/cosmosctl/auth/keyring"
	"github.com/cosmosctl/cosmosctl/internal/cmdtest"
	"github.com/cosmosctl/cosmosctl/internal/config"
	"github.com/cosmosctl/cosmosctl/internal/errs"
	"github.com/cosmosctl/cosmosctl/internal/sandbox/sandboxtest"
)

// blockingKeyring waits in every call, as an OS keyring showing an unlock
// prompt does, until the test ends; waiting is closed at the first call.
type blockingKeyring struct {
	waiting chan struct{}
	release chan struct{}
}

func (b *blockingKeyring) wait() error {
	select {
	case <-b.waiting:
	default:
		close(b.waiting)
	}
	<-b.release
	return authkeyring.ErrNotFound
}

func (b *blockingKeyring) Get(service, user string) (string, error) { return "", b.wait() }
func (b *blockingKeyring) Set(service, user, secret string) error   { return b.wait() }
func (b *blockingKeyring) Delete(service, user string) error        { return b.wait() }

func TestExitCodesOfInterruptionsAndTimeouts(t *testing.T) {
	e := loginSandbox(t, sandboxtest.WithAutoApprove("alice"))
	e.mustRun(t, "--profile", "sandbox", "login")

	t.Run("SIGINT during a keyring wait", func(t *testing.T) {
		kb := &blockingKeyring{waiting: make(chan struct{}), release: make(chan struct{})}
		defer close(kb.release)
		f, _, _, errOut := e.factory()
		f.Keyring = cmdtest.Keyring(authkeyring.New(kb, time.Minute))
		ctx, cancel := context.WithCancel(context.Background())
		go func() { <-kb.waiting; cancel() }() // Ctrl-C while the keyring waits
		err := Execute(ctx, f, []string{"--profile", "sandbox", "db", "list"})
		errs.Print(errOut, err, false)
		if code := errs.ExitCode(err); code != errs.ExitInterrupted || !strings.Contains(errOut.String(), "error: interrupted") {
			t.Fatalf("exit %d, stderr %q; want 130, interrupted", code, errOut)
		}
	})
	for _, args := range [][]string{{"whoami"}, {"db", "list"}, {"query", "SELECT * FROM c", "-d", "shop", "-c", "orders"}} {
		t.Run("--timeout 1ns "+strings.Join(args, " "), func(t *testing.T) {
			r := e.run(t, append([]string{"--profile", "sandbox", "--timeout", "1ns"}, args...)...)
			if r.code != errs.ExitUnavailable || !strings.Contains(r.stderr, "timed out") || strings.Contains(r.stderr, "cosmosctl login") {
				t.Fatalf("exit %d, stderr %q; want 6, a timeout, no login advice", r.code, r.stderr)
			}
		})
	}
}

func TestConfigWriteDeniedNamesTheFile(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root may write anywhere; the exit code of a denied write is covered by internal/errs")
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, config.FileName), []byte("current-profile: p\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o500); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chmod(dir, 0o700) })
	code, _, stderr := rootRun(t, dir, nil, "config", "set", "database", "shop")
	if (code != errs.ExitGeneric && code != errs.ExitUsage) || !strings.Contains(stderr, filepath.Join(dir, config.FileName)) {
		t.Fatalf("exit %d, stderr %q; want 1 or 2 naming the file", code, stderr)
	}
}
