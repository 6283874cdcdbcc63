package auth

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/cosmosctl/cosmosctl/auth/keyring"
	"github.com/cosmosctl/cosmosctl/auth/store"
	"github.com/cosmosctl/cosmosctl/internal/config"
	"github.com/cosmosctl/cosmosctl/internal/errs"
)

// Without a Secret Service login names the choices (the WSL situation by
// name), exits 3 and writes nothing; it never falls back on its own.
func TestLoginWithoutSecretService(t *testing.T) {
	tests := []struct {
		name    string
		wsl     bool
		storage store.Kind
		kernel  keyring.Keyring
		want    []string
	}{
		{"linux server", false, "", nil, []string{"no Secret Service", "--insecure-storage", "`--env` or `--workload-identity`"}},
		{"WSL", true, "", nil, []string{"this is WSL", "--insecure-storage", "`--env` or `--workload-identity`"}},
		{"kernel keyring forbidden", false, store.KindKernel, keyring.NewMockWithError(errors.New("operation not permitted")),
			[]string{"cannot store tokens in the kernel keyring", "seccomp", "--insecure-storage"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			s := NewSession(Config{
				Dir:           dir,
				Settings:      &config.Settings{ProfileName: "p", Profile: &config.Profile{}, Config: &config.Config{}},
				Getenv:        func(string) string { return "" },
				Keyring:       keyring.NewMockWithError(errors.New("The name org.freedesktop.secrets was not provided by any .service files")),
				KernelKeyring: tt.kernel,
				IsWSL:         func() bool { return tt.wsl },
			})
			_, err := s.Login(context.Background(), LoginOptions{Method: MethodDeviceCode, Storage: tt.storage})
			if errs.ExitCode(err) != errs.ExitAuth {
				t.Fatalf("exit %d (%v), want 3", errs.ExitCode(err), err)
			}
			var b strings.Builder
			errs.Print(&b, err, false)
			for _, w := range tt.want {
				if !strings.Contains(b.String(), w) {
					t.Errorf("message lacks %q:\n%s", w, b.String())
				}
			}
			if tt.storage == "" && keyring.KernelSupported() && !strings.Contains(b.String(), "--storage kernel") {
				t.Errorf("message does not offer --storage kernel:\n%s", b.String())
			}
			ents, _ := os.ReadDir(dir)
			for _, e := range ents {
				if !strings.HasSuffix(e.Name(), ".lock") {
					t.Errorf("login wrote %s", e.Name())
				}
			}
		})
	}
}
