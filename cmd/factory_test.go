package cmd

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/cosmosctl/cosmosctl/internal/errs"
	"github.com/cosmosctl/cosmosctl/internal/sandbox/sandboxtest"
)

// One invocation reads the CA bundle once and sends Entra and Cosmos
// requests through one HTTP client. A one-minute token lifetime makes
// every command refresh its token (less than RefreshMargin left), so the
// query below talks to both.
func TestFactoryReadsTheCABundleOncePerInvocation(t *testing.T) {
	e := loginSandbox(t, sandboxtest.WithAutoApprove("alice"), sandboxtest.WithTokenLifetime(time.Minute))
	tests := []struct {
		name       string
		args       []string
		key        bool // sign in with COSMOSCTL_KEY
		wantReads  int
		wantEntra  bool // the run must have asked Entra
		wantCosmos bool // and the gateway
	}{
		{"login (Entra)", []string{"login"}, false, 1, true, false},
		{"query (Entra refresh and Cosmos)", []string{"query", "SELECT VALUE COUNT(1) FROM c", "-d", "shop", "-c", "orders", "-o", "json"}, false, 1, true, true},
		{"whoami of a key (no request)", []string{"whoami"}, true, 0, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			delete(e.env, "COSMOSCTL_KEY")
			if tt.key {
				e.env["COSMOSCTL_KEY"] = e.sb.AccountKey
			}
			f, _, out, errOut := e.factory()
			reads := 0
			f.ReadFile = func(name string) ([]byte, error) {
				if name != e.sb.CAFile {
					t.Errorf("read %s, want only the CA bundle %s", name, e.sb.CAFile)
				}
				reads++
				return os.ReadFile(name)
			}
			entraBefore, cosmosBefore := loginEntraRequests(e.sb), e.sb.Gateway.Stats().Total
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			if err := Execute(ctx, f, append([]string{"--profile", "sandbox"}, tt.args...)); err != nil {
				errs.Print(errOut, err, false)
				t.Fatalf("%v: %v\n%s", tt.args, err, errOut.String())
			}
			if reads != tt.wantReads {
				t.Errorf("CA bundle read %d times, want %d", reads, tt.wantReads)
			}
			if asked := loginEntraRequests(e.sb) > entraBefore; asked != tt.wantEntra {
				t.Errorf("asked Entra: %v, want %v", asked, tt.wantEntra)
			}
			if asked := e.sb.Gateway.Stats().Total > cosmosBefore; asked != tt.wantCosmos {
				t.Errorf("asked the gateway: %v, want %v", asked, tt.wantCosmos)
			}
			if tt.wantCosmos && !strings.Contains(out.String(), "[") {
				t.Errorf("query printed %q", out.String())
			}
		})
	}
}
