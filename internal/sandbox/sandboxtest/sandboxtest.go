// Package sandboxtest starts the cosmosctl sandbox inside a test and hands
// out real clients for it: an *http.Client trusting its CA, azcosmos clients
// with the account key or with an Entra token, and an MSAL public client
// signed in as a seed principal through the real device-code flow.
//
//	sb := sandboxtest.Start(t)
//	client := sandboxtest.TokenClient(t, sb, "alice")
//	c, _ := client.NewContainer("shop", "orders")
package sandboxtest

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"path/filepath"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/data/azcosmos"
	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/public"

	"github.com/cosmosctl/cosmosctl/internal/sandbox"
	"github.com/cosmosctl/cosmosctl/internal/sandbox/entra"
	"github.com/cosmosctl/cosmosctl/internal/sandbox/seed"
)

// PublicClientID is the client id the MSAL helpers use (the Azure CLI's
// public client, also azidentity's default).
const PublicClientID = "04b07795-8ddb-461a-bbee-02f9e1bf7b46"

// Option changes the sandbox options before Start.
type Option func(*sandbox.Options)

// WithSeed uses s instead of the demo seed.
func WithSeed(s *seed.Seed) Option { return func(o *sandbox.Options) { o.Seed = s } }

// WithAutoApprove approves every device code as the named user.
func WithAutoApprove(name string) Option { return func(o *sandbox.Options) { o.AutoApprove = name } }

// WithTokenLifetime sets the access-token lifetime.
func WithTokenLifetime(d time.Duration) Option {
	return func(o *sandbox.Options) { o.TokenLifetime = d }
}

// WithFaults sets gateway fault specs ("throttle=0.3", "seed=1", …).
func WithFaults(specs ...string) Option {
	return func(o *sandbox.Options) { o.Faults = append(o.Faults, specs...) }
}

// WithLocalAuthDisabled refuses master-key requests.
func WithLocalAuthDisabled() Option { return func(o *sandbox.Options) { o.LocalAuthDisabled = true } }

// WithConfigDir writes the "sandbox" profile into dir (by default a fresh temporary one).
func WithConfigDir(dir string) Option { return func(o *sandbox.Options) { o.ConfigDir = dir } }

// WithOptions edits the options directly.
func WithOptions(f func(*sandbox.Options)) Option { return Option(f) }

// Start starts a sandbox in a temporary directory, with a temporary config
// directory and a short device-code poll interval, and closes it when the
// test ends.
func Start(t testing.TB, opts ...Option) *sandbox.Sandbox {
	t.Helper()
	dir := t.TempDir()
	o := sandbox.Options{
		Dir:          filepath.Join(dir, "sandbox"),
		ConfigDir:    filepath.Join(dir, "config"),
		PollInterval: 10 * time.Millisecond,
	}
	for _, f := range opts {
		f(&o)
	}
	sb, err := sandbox.Start(context.Background(), o)
	if err != nil {
		t.Fatalf("start sandbox: %v", err)
	}
	t.Cleanup(func() {
		if err := sb.Close(); err != nil {
			t.Errorf("close sandbox: %v", err)
		}
	})
	return sb
}

// HTTPClient returns an HTTP client that trusts the sandbox CA.
func HTTPClient(sb *sandbox.Sandbox) *http.Client {
	return &http.Client{
		Timeout: 60 * time.Second,
		Transport: &http.Transport{
			TLSClientConfig:   &tls.Config{RootCAs: sb.CertPool(), MinVersion: tls.VersionTLS12},
			ForceAttemptHTTP2: true,
		},
	}
}

// ClientOptions returns azcosmos options that trust the sandbox and do not
// retry (so failures surface at once); callers may change them further.
func ClientOptions(sb *sandbox.Sandbox) *azcosmos.ClientOptions {
	return &azcosmos.ClientOptions{ClientOptions: azcore.ClientOptions{
		Transport: HTTPClient(sb),
		Retry:     policy.RetryOptions{MaxRetries: -1},
	}}
}

// KeyClient returns an azcosmos client authenticated with the account key.
func KeyClient(t testing.TB, sb *sandbox.Sandbox) *azcosmos.Client {
	t.Helper()
	cred, err := azcosmos.NewKeyCredential(sb.AccountKey)
	if err != nil {
		t.Fatalf("key credential: %v", err)
	}
	c, err := azcosmos.NewClientWithKey(sb.Endpoint+"/", cred, ClientOptions(sb))
	if err != nil {
		t.Fatalf("azcosmos.NewClientWithKey: %v", err)
	}
	return c
}

// Scope is the token scope azcosmos asks for: the endpoint's scheme and
// host with the port dropped, plus "/.default".
func Scope(sb *sandbox.Sandbox) string {
	u, err := url.Parse(sb.Endpoint)
	if err != nil {
		return sb.Endpoint + "/.default"
	}
	return u.Scheme + "://" + u.Hostname() + "/.default"
}

// PublicClient returns a real MSAL public client for the sandbox's Entra ID
// (instance discovery off, trusting the sandbox CA) with an in-memory cache.
func PublicClient(t testing.TB, sb *sandbox.Sandbox) public.Client {
	t.Helper()
	pc, err := public.New(PublicClientID,
		public.WithAuthority(sb.AuthorityHost+"/"+sb.Tenant),
		public.WithHTTPClient(HTTPClient(sb)),
		public.WithInstanceDiscovery(false))
	if err != nil {
		t.Fatalf("msal public.New: %v", err)
	}
	return pc
}

// DeviceCodeSignIn runs the device-code flow on pc for scopes and approves
// the code as principal through the sandbox (an empty principal leaves the
// approval to the sandbox's AutoApprove). It returns the signed-in account.
func DeviceCodeSignIn(ctx context.Context, sb *sandbox.Sandbox, pc public.Client, principal string, scopes []string) (public.Account, error) {
	dc, err := pc.AcquireTokenByDeviceCode(ctx, scopes)
	if err != nil {
		return public.Account{}, fmt.Errorf("device code: %w", err)
	}
	if principal != "" {
		if err := sb.Entra.Approve(dc.Result.UserCode, principal); err != nil && !errors.Is(err, entra.ErrCodeUsed) {
			return public.Account{}, fmt.Errorf("approve %s as %s: %w", dc.Result.UserCode, principal, err)
		}
	}
	res, err := dc.AuthenticationResult(ctx)
	if err != nil {
		return public.Account{}, fmt.Errorf("device code result: %w", err)
	}
	return res.Account, nil
}

// SignIn returns a real MSAL public client signed in as principal (a user
// of the seed) through the device-code flow, and its account.
func SignIn(t testing.TB, sb *sandbox.Sandbox, principal string) (public.Client, public.Account) {
	t.Helper()
	pc := PublicClient(t, sb)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	acct, err := DeviceCodeSignIn(ctx, sb, pc, principal, []string{Scope(sb)})
	if err != nil {
		t.Fatalf("sign in as %s: %v", principal, err)
	}
	return pc, acct
}

// MSALCredential adapts a signed-in MSAL public client to
// azcore.TokenCredential through AcquireTokenSilent, the way cosmosctl does.
type MSALCredential struct {
	Client  public.Client
	Account public.Account
}

// GetToken implements azcore.TokenCredential.
func (c *MSALCredential) GetToken(ctx context.Context, o policy.TokenRequestOptions) (azcore.AccessToken, error) {
	ar, err := c.Client.AcquireTokenSilent(ctx, o.Scopes, public.WithSilentAccount(c.Account))
	if err != nil {
		return azcore.AccessToken{}, fmt.Errorf("acquire token silently: %w", err)
	}
	return azcore.AccessToken{Token: ar.AccessToken, ExpiresOn: ar.ExpiresOn, RefreshOn: ar.Metadata.RefreshOn}, nil
}

// Credential signs principal in and returns a TokenCredential for it.
func Credential(t testing.TB, sb *sandbox.Sandbox, principal string) *MSALCredential {
	t.Helper()
	pc, acct := SignIn(t, sb, principal)
	return &MSALCredential{Client: pc, Account: acct}
}

// TokenClient returns an azcosmos client authenticated as principal with
// an Entra token obtained through the device-code flow.
func TokenClient(t testing.TB, sb *sandbox.Sandbox, principal string) *azcosmos.Client {
	t.Helper()
	return ClientWithCredential(t, sb, Credential(t, sb, principal))
}

// ClientWithCredential returns an azcosmos client for the sandbox using cred.
func ClientWithCredential(t testing.TB, sb *sandbox.Sandbox, cred azcore.TokenCredential) *azcosmos.Client {
	t.Helper()
	c, err := azcosmos.NewClient(sb.Endpoint+"/", cred, ClientOptions(sb))
	if err != nil {
		t.Fatalf("azcosmos.NewClient: %v", err)
	}
	return c
}

// ManagedIdentityEnv returns the App Service environment variables under
// which azidentity's ManagedIdentityCredential gets tokens from the sandbox
// (set them with t.Setenv; azidentity reads them when the credential is built).
// MSAL caches managed identity tokens per process and resource, so a second
// sandbox in the same test binary may be handed a token signed by the first
// one: use one managed identity test per binary, or distinct resources.
func ManagedIdentityEnv(sb *sandbox.Sandbox) map[string]string {
	return map[string]string{
		"IDENTITY_ENDPOINT": sb.AuthorityHost + "/msi/token",
		"IDENTITY_HEADER":   sb.Entra.ManagedIdentitySecret(),
	}
}

// ServicePrincipalEnv returns the standard AZURE_* variables for signing in
// as a service principal of the seed with its client secret.
func ServicePrincipalEnv(sb *sandbox.Sandbox, name string) (map[string]string, error) {
	p, ok := sb.Seed.PrincipalByName(name)
	if !ok || !p.ServicePrincipal || p.ClientSecret == "" {
		return nil, fmt.Errorf("%q is not a service principal with a client secret in the seed", name)
	}
	return map[string]string{
		"AZURE_TENANT_ID":      sb.Tenant,
		"AZURE_CLIENT_ID":      p.ClientID,
		"AZURE_CLIENT_SECRET":  p.ClientSecret,
		"AZURE_AUTHORITY_HOST": sb.AuthorityHost + "/",
	}, nil
}
