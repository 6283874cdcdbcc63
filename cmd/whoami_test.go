package cmd

import (
	"strings"
	"testing"
	"time"

	"github.com/cosmosctl/cosmosctl/auth"
	"github.com/cosmosctl/cosmosctl/internal/sandbox/entra"
	"github.com/cosmosctl/cosmosctl/internal/sandbox/sandboxtest"
	"github.com/cosmosctl/cosmosctl/internal/sandbox/seed"
)

func TestWhoamiRefresh(t *testing.T) {
	tests := []struct {
		name  string
		login []string
		count func(entra.Stats) int
	}{
		{"device code", []string{"login"}, func(s entra.Stats) int { return s.RefreshGrants }},
		{"service principal", []string{"login", "--service-principal", "--client-id", seed.DemoCIClientID, "--client-secret", seed.DemoCIClientSecret},
			func(s entra.Stats) int { return s.ClientCredentials }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := loginSandbox(t, sandboxtest.WithAutoApprove("alice"))
			e.mustRun(t, append([]string{"--profile", "sandbox"}, tt.login...)...)
			before := tt.count(e.sb.Entra.Stats())
			e.whoami(t)
			if got := tt.count(e.sb.Entra.Stats()); got != before {
				t.Fatalf("plain whoami asked Entra (%d -> %d)", before, got)
			}
			e.mustRun(t, "--profile", "sandbox", "whoami", "--refresh")
			if got := tt.count(e.sb.Entra.Stats()); got != before+1 {
				t.Fatalf("whoami --refresh: grants %d -> %d, want one more", before, got)
			}
		})
	}
}

func TestWhoamiDebugNeverPrintsTokens(t *testing.T) {
	e := loginSandbox(t, sandboxtest.WithAutoApprove("alice"), sandboxtest.WithTokenLifetime(time.Minute))
	e.mustRun(t, "--profile", "sandbox", "--debug", "login")
	for _, args := range [][]string{{"whoami"}, {"whoami", "--refresh"}, {"logout"}, {"whoami"}} {
		r := e.run(t, append([]string{"--profile", "sandbox", "--debug"}, args...)...)
		if strings.Contains(r.stderr, "eyJ") || strings.Contains(r.stdout, "eyJ") {
			t.Fatalf("%v --debug printed a token:\n%s%s", args, r.stdout, r.stderr)
		}
	}
}

func TestWhoamiTable(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		id   auth.Identity
		want []string
		not  []string
	}{
		{"user", auth.Identity{Profile: "p", Endpoint: "https://a/", UPN: "alice@x", DisplayName: "Alice", ObjectID: "o", TenantID: "t", Method: "devicecode",
			Audience: "https://a", ExpiresOn: now.Add(90 * time.Minute), Scopes: []string{"user_impersonation"}, Groups: 2, Storage: "keyring", Location: "file f"},
			[]string{"User:", "alice@x (Alice)", "Object ID:", "in 1h30m0s", "Scopes:", "user_impersonation", "Groups:", "2", "Storage:", "keyring: file f"},
			[]string{"Application:", "Roles:"}},
		{"application", auth.Identity{Profile: "p", AppID: "app", ObjectID: "o", Method: "serviceprincipal", ExpiresOn: now.Add(-time.Minute), Roles: []string{"r1", "r2"}, Groups: -1, Storage: "memory", Location: "memory"},
			[]string{"Application:", "app", "expired 1m0s ago", "Roles:", "r1, r2"},
			[]string{"User:", "Groups:", "Scopes:"}},
		{"emulator key", auth.Identity{Profile: "emu", Method: "key", EmulatorKey: true, Groups: -1, Storage: "memory", Location: "environment variable COSMOSCTL_KEY"},
			[]string{"well-known Cosmos DB emulator key", "COSMOSCTL_KEY"},
			[]string{"Expires:", "Object ID:"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b strings.Builder
			whoamiTable(&b, &tt.id, now)
			for _, w := range tt.want {
				if !strings.Contains(b.String(), w) {
					t.Errorf("lacks %q:\n%s", w, b.String())
				}
			}
			for _, w := range tt.not {
				if strings.Contains(b.String(), w) {
					t.Errorf("has %q:\n%s", w, b.String())
				}
			}
		})
	}
}
