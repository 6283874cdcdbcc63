package entra

import (
	"context"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
)

// clientOptions points azidentity at the test server and trusts its CA.
// Retries are off: a failed request should fail the test at once.
func clientOptions(ts *httptest.Server) azcore.ClientOptions {
	return azcore.ClientOptions{
		Cloud:     cloud.Configuration{ActiveDirectoryAuthorityHost: ts.URL + "/"},
		Transport: ts.Client(),
		Retry:     policy.RetryOptions{MaxRetries: -1},
	}
}

func getToken(ctx context.Context, cred azcore.TokenCredential, scope string) (azcore.AccessToken, error) {
	return cred.GetToken(ctx, policy.TokenRequestOptions{Scopes: []string{scope}})
}

func TestClientSecretCredential(t *testing.T) {
	tests := []struct {
		name     string
		clientID string
		secret   string
		scope    string
		wantErr  string
	}{
		{"good secret, account scope", spClientID, spSecret, acctScope, ""},
		{"good secret, cosmos.azure.com", spClientID, spSecret, cosmosScope, ""},
		{"wrong secret", spClientID, "not-it", acctScope, "AADSTS7000215: Invalid client secret provided."},
		{"unknown application", "99999999-0000-4000-8000-000000000000", spSecret, acctScope, "AADSTS700016: Application with identifier '99999999-0000-4000-8000-000000000000' was not found in the directory '" + testTenant + "'"},
		{"unknown resource", spClientID, spSecret, "https://other.documents.azure.com/.default", "AADSTS500011: The resource principal named https://other.documents.azure.com was not found in the tenant named " + testTenant},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx := testContext(t)
			s, ts := newTestServer(t, Config{})
			cred, err := azidentity.NewClientSecretCredential(testTenant, tc.clientID, tc.secret, &azidentity.ClientSecretCredentialOptions{
				ClientOptions: clientOptions(ts), DisableInstanceDiscovery: true,
			})
			if err != nil {
				t.Fatal(err)
			}
			tok, err := getToken(ctx, cred, tc.scope)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("GetToken: %v", err)
			}
			c := verifyToken(t, s, tok.Token)
			want := map[string]any{
				"aud": strings.TrimSuffix(tc.scope, "/.default"), "oid": "5e000000-0000-4000-8000-000000000002",
				"sub": "5e000000-0000-4000-8000-000000000002", "appid": spClientID, "azp": spClientID, "idtyp": "app", "tid": testTenant,
			}
			for k, v := range want {
				if c[k] != v {
					t.Errorf("claim %s = %v, want %v", k, c[k], v)
				}
			}
			if c["scp"] != nil || c["upn"] != nil {
				t.Errorf("app token carries user claims: %v", c)
			}
			if r, _ := c["roles"].([]any); len(r) != 1 || r[0] != "Data.Read" {
				t.Errorf("roles = %v", c["roles"])
			}
			if until := time.Until(tok.ExpiresOn); until < 50*time.Minute || until > 61*time.Minute {
				t.Errorf("ExpiresOn %v not about 1h away", tok.ExpiresOn)
			}
			if st := s.Stats(); st.ClientCredentials != 1 || st.OpenIDConfig < 1 {
				t.Errorf("stats: %+v", st)
			}
		})
	}
}

func TestClientAssertionCredential(t *testing.T) {
	ctx := testContext(t)
	s, ts := newTestServer(t, Config{})
	other, _ := newTestServer(t, Config{}) // same keys, different issuer URL
	mint := func(srv *Server, sub, aud string, life time.Duration) func(context.Context) (string, error) {
		return func(context.Context) (string, error) { return srv.MintFederatedToken(sub, aud, life) }
	}
	tests := []struct {
		name     string
		clientID string
		assert   func(context.Context) (string, error)
		wantErr  string
	}{
		{"federated token, trusted subject", wiClientID, mint(s, ciSubject, "", 0), ""},
		{"any subject when none configured", spClientID, mint(s, "anything", "", 0), ""},
		{"untrusted subject", wiClientID, mint(s, "repo:evil/app:ref:refs/heads/main", "", 0), "AADSTS700213"},
		{"wrong audience", wiClientID, mint(s, ciSubject, "api://something-else", 0), "AADSTS700212"},
		{"expired assertion", wiClientID, mint(s, ciSubject, "", time.Nanosecond), "AADSTS700024"},
		{"foreign issuer", wiClientID, mint(other, ciSubject, "", 0), "AADSTS700211"},
		{"not a JWT", wiClientID, func(context.Context) (string, error) { return "garbage", nil }, "AADSTS50027"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cred, err := azidentity.NewClientAssertionCredential(testTenant, tc.clientID, tc.assert, &azidentity.ClientAssertionCredentialOptions{
				ClientOptions: clientOptions(ts), DisableInstanceDiscovery: true,
			})
			if err != nil {
				t.Fatal(err)
			}
			tok, err := getToken(ctx, cred, cosmosScope)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("GetToken: %v", err)
			}
			c := verifyToken(t, s, tok.Token)
			if c["appid"] != tc.clientID || c["idtyp"] != "app" || c["aud"] != "https://cosmos.azure.com" {
				t.Fatalf("claims: %v", c)
			}
		})
	}
	if got := s.Stats().ClientAssertions; got != len(tests) {
		t.Fatalf("ClientAssertions = %d, want %d", got, len(tests))
	}
}

func TestWorkloadIdentityCredential(t *testing.T) {
	ctx := testContext(t)
	s, ts := newTestServer(t, Config{})
	fed, err := s.MintFederatedToken(ciSubject, "", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "federated-token")
	if err := os.WriteFile(file, []byte(fed), 0o600); err != nil {
		t.Fatal(err)
	}
	cred, err := azidentity.NewWorkloadIdentityCredential(&azidentity.WorkloadIdentityCredentialOptions{
		ClientOptions: clientOptions(ts), DisableInstanceDiscovery: true,
		ClientID: wiClientID, TenantID: testTenant, TokenFilePath: file,
	})
	if err != nil {
		t.Fatal(err)
	}
	tok, err := getToken(ctx, cred, acctScope)
	if err != nil {
		t.Fatalf("GetToken: %v", err)
	}
	if c := verifyToken(t, s, tok.Token); c["appid"] != wiClientID || c["aud"] != acctResource {
		t.Fatalf("claims: %v", c)
	}
}

// TestManagedIdentityCredential drives azidentity's App Service managed
// identity (IDENTITY_ENDPOINT/IDENTITY_HEADER) against the HTTPS endpoint;
// the test CA is trusted through ClientOptions.Transport.
func TestManagedIdentityCredential(t *testing.T) {
	// MSAL keeps managed identity tokens in a process-wide cache, so each run
	// uses resources nobody asked for before.
	res := "https://mi-" + randomToken(6) + ".documents.azure.com"
	res = strings.ToLower(strings.NewReplacer("_", "x", "-", "y").Replace(res))
	s, ts := newTestServer(t, Config{Resources: func() []string { return []string{res, res + "2", res + "3"} }})
	t.Setenv("IDENTITY_ENDPOINT", ts.URL+"/msi/token")
	t.Setenv("IDENTITY_HEADER", s.ManagedIdentitySecret())
	for _, v := range []string{"IDENTITY_SERVER_THUMBPRINT", "MSI_ENDPOINT", "MSI_SECRET", "IMDS_ENDPOINT"} {
		t.Setenv(v, "")
	}
	tests := []struct {
		name     string
		id       azidentity.ManagedIDKind
		resource string
		wantApp  string
		wantErr  string
	}{
		{"system assigned", nil, res, miClientID, ""},
		{"user assigned by client id", azidentity.ClientID(mi2ClientID), res + "2", mi2ClientID, ""},
		{"user assigned by object id", azidentity.ObjectID("3a000000-0000-4000-8000-000000000004"), res + "3", mi2ClientID, ""},
		{"unknown user assigned", azidentity.ClientID("00000000-0000-4000-8000-000000000000"), res, "", "No User Assigned or Delegated Managed Identity"},
		{"unregistered resource", nil, "https://not-registered-" + strings.TrimPrefix(res, "https://"), "", "AADSTS500011"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx := testContext(t)
			cred, err := azidentity.NewManagedIdentityCredential(&azidentity.ManagedIdentityCredentialOptions{ClientOptions: clientOptions(ts), ID: tc.id})
			if err != nil {
				t.Fatal(err)
			}
			before := s.Stats().ManagedIdentity
			tok, err := getToken(ctx, cred, tc.resource+"/.default")
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("GetToken: %v", err)
			}
			c := verifyToken(t, s, tok.Token)
			if c["appid"] != tc.wantApp || c["aud"] != tc.resource || c["idtyp"] != "app" {
				t.Fatalf("claims: %v", c)
			}
			if s.Stats().ManagedIdentity != before+1 {
				t.Fatalf("ManagedIdentity requests %d -> %d", before, s.Stats().ManagedIdentity)
			}
		})
	}
}
