package auth

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/cache"

	"github.com/cosmosctl/cosmosctl/auth/keyring"
	"github.com/cosmosctl/cosmosctl/auth/store"
	"github.com/cosmosctl/cosmosctl/internal/config"
)

func TestExplainAADSTS(t *testing.T) {
	tests := []struct {
		err      string
		code     string
		contains string
	}{
		{"AADSTS500011: The resource principal named https://x was not found", "AADSTS500011", "cosmosctl config set audience https://cosmos.azure.com"},
		{"invalid_grant AADSTS50076: Due to a configuration change", "AADSTS50076", "multi-factor"},
		{"AADSTS53003: Access has been blocked", "AADSTS53003", "Conditional Access"},
		{"AADSTS53003: Access has been blocked by Conditional Access policies.", "AADSTS53003", "`cosmosctl login --browser`"},
		{"AADSTS50199: For security reasons, user confirmation is required for this request.", "AADSTS50199", "`cosmosctl login --azure-cli`"},
		{"AADSTS7000215: Invalid client secret provided", "AADSTS7000215", "client secret"},
		{"AADSTS700016: Application with identifier", "AADSTS700016", "--client-id"},
		{"AADSTS70008: The provided authorization code or refresh token has expired", "AADSTS70008", "cosmosctl login"},
		{"AADSTS700082: The refresh token has expired due to inactivity", "AADSTS700082", "cosmosctl login"},
		{"AADSTS700027: The certificate with identifier used to sign the client assertion is not registered on application.", "AADSTS700027", "not registered"},
		{"AADSTS700024: Client assertion is not within its valid time range.", "AADSTS700024", "clock"},
		{"AADSTS700023: Client assertion audience claim does not match Realm issuer.", "AADSTS700023", "--tenant"},
		{"expired_token: AADSTS70020: The provided value for the input parameter 'device_code' is not valid. This device code has expired.", "AADSTS70020", "device code expired"},
		{"AADSTS1234567: something new", "AADSTS1234567", "error?code=1234567"},
		{"connection refused", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.err, func(t *testing.T) {
			code, expl := ExplainAADSTS(errors.New(tt.err))
			if code != tt.code {
				t.Fatalf("code = %q, want %q", code, tt.code)
			}
			if tt.contains != "" && !strings.Contains(expl, tt.contains) {
				t.Fatalf("explanation %q lacks %q", expl, tt.contains)
			}
		})
	}
}

func TestEnvConfigured(t *testing.T) {
	tests := []struct {
		env  map[string]string
		want bool
	}{
		{map[string]string{}, false},
		{map[string]string{"AZURE_CLIENT_ID": "c", "AZURE_TENANT_ID": "t"}, false},
		{map[string]string{"AZURE_CLIENT_ID": "c", "AZURE_TENANT_ID": "t", "AZURE_CLIENT_SECRET": "s"}, true},
		{map[string]string{"AZURE_CLIENT_ID": "c", "AZURE_TENANT_ID": "t", "AZURE_FEDERATED_TOKEN_FILE": "/f"}, true},
		{map[string]string{"AZURE_CLIENT_ID": "c", "AZURE_TENANT_ID": "t", "AZURE_CLIENT_CERTIFICATE_PATH": "/c"}, true},
		{map[string]string{"AZURE_TENANT_ID": "t", "AZURE_CLIENT_SECRET": "s"}, false},
	}
	for _, tt := range tests {
		if got := envConfigured(func(k string) string { return tt.env[k] }); got != tt.want {
			t.Errorf("envConfigured(%v) = %v", tt.env, got)
		}
	}
}

// fakeUnmarshaler records what MSAL would be given.
type fakeUnmarshaler struct{ got []byte }

func (f *fakeUnmarshaler) Unmarshal(b []byte) error {
	f.got = b
	if len(b) > 0 && b[0] != '{' {
		return errors.New("not JSON")
	}
	return nil
}

type fakeMarshaler []byte

func (f fakeMarshaler) Marshal() ([]byte, error) { return f, nil }

func TestMSALCacheAdapterTolerant(t *testing.T) {
	ctx := context.Background()
	st := store.NewMemory()
	c := &msalCache{st: st, key: keyMSAL("p")}
	u := &fakeUnmarshaler{}
	if err := c.Replace(ctx, u, cache.ReplaceHints{}); err != nil || u.got != nil {
		t.Fatalf("Replace on empty store: %v, %q", err, u.got)
	}
	st.Put(ctx, keyMSAL("p"), []byte("garbage"))
	if err := c.Replace(ctx, u, cache.ReplaceHints{}); err != nil {
		t.Fatalf("Replace of a damaged blob must not fail the acquisition: %v", err)
	}
	if err := c.Export(ctx, fakeMarshaler(`{"a":1}`), cache.ExportHints{}); err != nil {
		t.Fatal(err)
	}
	if b, _ := st.Get(ctx, keyMSAL("p")); string(b) != `{"a":1}` {
		t.Fatalf("exported %q", b)
	}
}

// A raw error from an SDK can quote the request; login shows one masked line.
func TestLoginErrorMasksAndShortens(t *testing.T) {
	s := &Session{}
	err := s.loginError(errors.New("POST https://login.test/t/oauth2/v2.0/token client_secret=hunter2&grant_type=client_credentials failed\nRESPONSE 500\nbody"))
	msg := err.Error()
	if strings.Contains(msg, "hunter2") || strings.Contains(msg, "RESPONSE") || !strings.HasPrefix(msg, "sign-in failed: POST https://login.test") {
		t.Fatalf("message: %q", msg)
	}
}

// Messages that send the user back to login name the method they used,
// unless a bare login would pick it anyway.
func TestNotSignedInNamesTheMethod(t *testing.T) {
	tests := []struct {
		name, profile, flagProfile, profileAuth, method string
		want                                            string
	}{
		{"device code", "default", "", "", MethodDeviceCode, "run `cosmosctl login`"},
		{"azure cli", "default", "", "", MethodAzureCLI, "run `cosmosctl login --azure-cli`"},
		{"service principal, other profile", "ci", "ci", "", MethodServicePrincipal, "run `cosmosctl --profile ci login --service-principal`"},
		{"profile's own method", "default", "", MethodAzureCLI, MethodAzureCLI, "run `cosmosctl login`"},
		{"no sign-in recorded", "default", "", "", "", "run `cosmosctl login`"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := &config.Profile{Auth: tt.profileAuth}
			if tt.method != "" {
				p.Account = &config.Account{Method: tt.method}
			}
			s := NewSession(Config{
				Settings: &config.Settings{ProfileName: tt.profile, ProfileFlag: tt.flagProfile, Profile: p, Config: &config.Config{}},
				Getenv:   func(string) string { return "" },
			})
			msg := s.notSignedIn(nil).Error()
			if !strings.HasSuffix(msg, tt.want) {
				t.Fatalf("message %q, want it to end with %q", msg, tt.want)
			}
		})
	}
}

// The HTTP client is asked for only when Entra is about to be called, so
// a bad CA bundle does not stop key sign-ins; when it is asked for, its
// error is the command's.
func TestCredentialsAskForHTTPClientOnlyForEntra(t *testing.T) {
	caErr := errors.New("cannot read CA bundle /nope.pem")
	tests := []struct {
		name    string
		env     map[string]string
		auth    string
		method  string
		wantErr error
	}{
		{name: "key from the environment", env: map[string]string{"COSMOSCTL_KEY": "a2V5"}, method: MethodKey},
		{name: "environment credentials", env: map[string]string{"AZURE_CLIENT_ID": "c", "AZURE_TENANT_ID": "t", "AZURE_CLIENT_SECRET": "s"}, wantErr: caErr},
		{name: "managed identity", auth: MethodManagedIdentity, wantErr: caErr},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			asked := 0
			s := NewSession(Config{
				Dir:      t.TempDir(),
				Settings: &config.Settings{ProfileName: "p", Profile: &config.Profile{Auth: tt.auth}, Config: &config.Config{}},
				Getenv:   func(k string) string { return tt.env[k] },
				HTTPClient: func() (*http.Client, error) {
					asked++
					return nil, caErr
				},
				Keyring: keyring.NewMock(),
			})
			creds, err := s.Credentials(context.Background())
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) || asked != 1 {
					t.Fatalf("Credentials: %v after %d HTTP client requests, want %v after 1", err, asked, tt.wantErr)
				}
				return
			}
			if err != nil || creds.Method != tt.method || asked != 0 {
				t.Fatalf("Credentials: %+v, %v after %d HTTP client requests", creds, err, asked)
			}
		})
	}
}
