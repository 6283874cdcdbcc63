package cosmos

import (
	"strings"
	"testing"
)

func TestAudienceAndScope(t *testing.T) {
	tests := []struct{ endpoint, override, audience, scope string }{
		{"https://acct.documents.azure.com:443/", "", "https://acct.documents.azure.com", "https://acct.documents.azure.com/.default"},
		{"https://127.0.0.1:8081", "", "https://127.0.0.1", "https://127.0.0.1/.default"},
		{"https://[::1]:8081/", "", "https://::1", "https://::1/.default"},
		{"https://acct.documents.azure.com:443/", "https://cosmos.azure.com/", "https://cosmos.azure.com", "https://cosmos.azure.com/.default"},
		{"", "", CosmosAudience, "https://cosmos.azure.com/.default"},
		{"not a url", "", CosmosAudience, "https://cosmos.azure.com/.default"},
	}
	for _, tt := range tests {
		got := Audience(tt.endpoint, tt.override)
		if got != tt.audience {
			t.Errorf("Audience(%q, %q) = %q, want %q", tt.endpoint, tt.override, got, tt.audience)
		}
		if s := Scope(got); s != tt.scope {
			t.Errorf("Scope(%q) = %q, want %q", got, s, tt.scope)
		}
	}
	if Scope("https://cosmos.azure.com/") != "https://cosmos.azure.com/.default" || Scope("https://x/.default") != "https://x/.default" {
		t.Error("Scope does not normalise")
	}
}

// The client asks for tokens with the scope of the same audience rule.
func TestNewClientScope(t *testing.T) {
	tests := []struct {
		name, endpoint, audience, scope, wantErr string
		creds                                    Credentials
	}{
		{name: "account host", endpoint: "https://acct.documents.azure.com:443/", creds: Credentials{Method: "key", Key: "a2V5"}, scope: "https://acct.documents.azure.com/.default"},
		{name: "audience override", endpoint: "https://acct.documents.azure.com:443/", audience: "https://cosmos.azure.com", creds: Credentials{Method: "key", Key: "a2V5"}, scope: "https://cosmos.azure.com/.default"},
		{name: "not a URL", endpoint: "acct.documents.azure.com", creds: Credentials{Key: "a2V5"}, wantErr: "is not an http(s) URL"},
		{name: "bad key", endpoint: "https://acct.documents.azure.com:443/", creds: Credentials{Key: "%%%"}, wantErr: "not valid base64"},
		{name: "no credentials", endpoint: "https://acct.documents.azure.com:443/", wantErr: "no credentials"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := NewClient(tt.endpoint, tt.creds, &Options{Audience: tt.audience})
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("NewClient: %v, want an error containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.scope != tt.scope || c.Method != tt.creds.Method {
				t.Errorf("scope %q method %q, want %q %q", c.scope, c.Method, tt.scope, tt.creds.Method)
			}
		})
	}
}
