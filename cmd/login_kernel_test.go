package cmd

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	authkeyring "github.com/cosmosctl/cosmosctl/auth/keyring"
	"github.com/cosmosctl/cosmosctl/auth/store"
	"github.com/cosmosctl/cosmosctl/internal/cmdtest"
	"github.com/cosmosctl/cosmosctl/internal/sandbox/sandboxtest"
)

// kernelKeyringOrSkip skips where keyctl is not permitted (Docker's
// default seccomp profile); on this project's machines it runs.
func kernelKeyringOrSkip(t *testing.T) {
	t.Helper()
	if !authkeyring.KernelSupported() {
		t.Skip("the kernel keyring exists only on Linux")
	}
	k := authkeyring.NewKernel()
	item := "probe-" + filepath.Base(t.TempDir())
	if err := k.Set(context.Background(), "cosmosctl-test", item, "x"); err != nil {
		t.Skipf("keyctl is not permitted here (%v): the kernel keyring cannot be tested", err)
	}
	_ = k.Delete(context.Background(), "cosmosctl-test", item)
}

// kernelChildDirVar names the config dir a child process reads tokens from.
const kernelChildDirVar = "COSMOSCTL_TEST_KERNEL_CHILD_DIR"

// TestLoginKernelKeyringChild is the second process of
// TestLoginKernelKeyring: it prints a token read through the kernel
// keyring, with no Secret Service at all.
func TestLoginKernelKeyringChild(t *testing.T) {
	dir := os.Getenv(kernelChildDirVar)
	if dir == "" {
		t.Skip("run by TestLoginKernelKeyring in a child process")
	}
	f, _, out, errOut := cmdtest.NewFactory(dir, map[string]string{})
	f.Keyring = cmdtest.Keyring(authkeyring.NewMockWithError(errors.New("no Secret Service")))
	if err := Execute(context.Background(), f, []string{"--profile", "sandbox", "auth", "token"}); err != nil {
		t.Fatalf("auth token: %v\n%s", err, errOut)
	}
	if !strings.HasPrefix(out.String(), "eyJ") {
		t.Fatalf("auth token printed %q", out.String())
	}
}

func TestLoginKernelKeyring(t *testing.T) {
	kernelKeyringOrSkip(t)
	e := loginSandbox(t, sandboxtest.WithAutoApprove("alice"))
	e.keyring = authkeyring.NewMockWithError(errors.New("org.freedesktop.secrets was not provided by any .service files"))
	kernelFile := filepath.Join(e.configDir, store.KernelFileName)
	keyItem := store.NewEncrypted(kernelFile, nil).KeyringUser()
	kernel := authkeyring.NewKernel()
	t.Cleanup(func() { _ = kernel.Delete(context.Background(), store.KeyringService, keyItem) })

	// No Secret Service: the choices, exit 3, nothing started or written.
	r := e.run(t, "--profile", "sandbox", "login")
	if r.code != 3 {
		t.Fatalf("login without a Secret Service: exit %d, want 3\n%s", r.code, r.stderr)
	}
	for _, want := range []string{"system keyring is unavailable", "--storage kernel", "--insecure-storage", "--env", "--workload-identity"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
		}
	}
	if st := e.sb.Entra.Stats(); st.DeviceCode != 0 {
		t.Errorf("a sign-in flow started although nothing could be stored: %+v", st)
	}
	for _, name := range []string{store.EncryptedFileName, store.PlaintextFileName, store.KernelFileName} {
		if _, err := os.Stat(filepath.Join(e.configDir, name)); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s was written", name)
		}
	}

	// --storage kernel: the key in the kernel keyring, tokens encrypted.
	for _, args := range [][]string{
		{"--profile", "sandbox", "login", "--storage", "kernel"},
		{"--profile", "sandbox", "login"}, // the choice is remembered
	} {
		r = e.mustRun(t, args...)
		if !strings.Contains(r.stderr, "kernel keyring") {
			t.Errorf("%v: stderr does not name the kernel keyring:\n%s", args, r.stderr)
		}
		if w := e.whoami(t); w["storage"] != "kernel" {
			t.Fatalf("%v: whoami storage = %v, want kernel", args, w["storage"])
		}
	}
	if v, err := kernel.Get(context.Background(), store.KeyringService, keyItem); err != nil || v == "" {
		t.Fatalf("no key in the kernel keyring: %v", err)
	}
	before := loginEntraRequests(e.sb)
	if tok := e.credentialToken(t); tok == "" {
		t.Fatal("no token")
	}
	if n := loginEntraRequests(e.sb) - before; n != 0 {
		t.Errorf("a fresh factory asked Entra %d times, want 0 (cached)", n)
	}
	// A second process reads the same tokens through the kernel keyring.
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	child := exec.CommandContext(ctx, os.Args[0], "-test.run", "^TestLoginKernelKeyringChild$", "-test.v", "-test.count=1")
	child.Env = append(os.Environ(), kernelChildDirVar+"="+e.configDir)
	if out, err := child.CombinedOutput(); err != nil || !strings.Contains(string(out), "--- PASS") {
		t.Fatalf("second process: %v\n%s", err, out)
	}
	e.assertNoSecrets(t)

	// logout removes the key and the file.
	e.mustRun(t, "--profile", "sandbox", "logout")
	if _, err := kernel.Get(context.Background(), store.KeyringService, keyItem); !errors.Is(err, authkeyring.ErrNotFound) {
		t.Fatalf("after logout the kernel keyring still has the key (%v)", err)
	}
	if _, err := os.Stat(kernelFile); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("after logout %s is still there", kernelFile)
	}
}
