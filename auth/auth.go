// Package auth is cosmosctl's token path: it decides how a profile signs in,
// keeps the resulting secrets in the token store, and hands every command an
// azcore.TokenCredential (or an account key) that never prompts: a cached
// access token with more than five minutes left, else a silent refresh,
// else an exit-3 error telling the user to run `cosmosctl login`.
package auth

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"

	"github.com/cosmosctl/cosmosctl/auth/keyring"
	"github.com/cosmosctl/cosmosctl/auth/store"
	"github.com/cosmosctl/cosmosctl/internal/config"
	"github.com/cosmosctl/cosmosctl/internal/cosmos"
	"github.com/cosmosctl/cosmosctl/internal/errs"
)

// Sign-in methods, as named by the profile's auth key and Account.Method.
const (
	MethodDeviceCode       = "devicecode"
	MethodBrowser          = "browser" // authorization code with PKCE on a loopback redirect
	MethodAzureCLI         = "azurecli"
	MethodServicePrincipal = "serviceprincipal"
	MethodManagedIdentity  = "managedidentity"
	MethodWorkloadIdentity = "workloadidentity"
	MethodEnv              = "env"
	MethodKey              = "key"
)

const (
	// DefaultClientID is the Azure CLI's public client, also azidentity's
	// default, pre-authorized for Cosmos DB in every tenant.
	DefaultClientID = "04b07795-8ddb-461a-bbee-02f9e1bf7b46"
	// DefaultTenant accepts any work or school account.
	DefaultTenant = "organizations"
	// RefreshMargin is MSAL's own margin: a cached token with less time
	// left is refreshed. Applied to every method.
	RefreshMargin = 5 * time.Minute
	// EmulatorKey is the well-known, public key of the Cosmos DB emulator.
	EmulatorKey = "C2y6yDjf5/R+ob0N8A7Cgv30VRDJIWEHLM+4QDU5DE2nQ9nDuVTqobD4b8mGGyPMbIZnqyMsEcaGQy67XIw/Jw=="
)

// Config is what a Session needs from the invocation, given explicitly so
// that the token path runs without the CLI layer.
type Config struct {
	// Dir is the configuration directory; the token files live there.
	Dir string
	// Settings are the effective settings; their profile is signed in to.
	Settings *config.Settings
	// Getenv reads the environment (nil = os.Getenv).
	Getenv func(string) string
	// Now is the clock (nil = time.Now).
	Now func() time.Time
	// HTTPClient returns the client for Entra ID requests. It is called
	// only when a request is about to be made, so that a bad CA bundle
	// does not stop logout or whoami of a key.
	HTTPClient func() (*http.Client, error)
	// Keyring holds the token store's encryption key (nil = the OS
	// keyring with the default timeout).
	Keyring keyring.Keyring
	// KernelKeyring holds the key of the kernel-keyring store (nil = the
	// Linux kernel's user keyring).
	KernelKeyring keyring.Keyring
	// IsWSL reports Windows Subsystem for Linux, for the no-keyring
	// explanation (nil = detect from the kernel release).
	IsWSL func() bool
	// Debugf writes a --debug line (nil = discard); never given secrets.
	Debugf func(format string, args ...any)
}

// Session is one invocation's view of a profile's sign-in.
type Session struct {
	cfg      Config
	Settings *config.Settings
	httpc    *http.Client // set by httpClient before the first Entra request
}

// NewSession prepares the token path for the effective settings.
func NewSession(cfg Config) *Session {
	if cfg.Getenv == nil {
		cfg.Getenv = os.Getenv
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Debugf == nil {
		cfg.Debugf = func(string, ...any) {}
	}
	if cfg.Keyring == nil {
		cfg.Keyring = keyring.NewSystem(keyring.DefaultTimeout)
	}
	if cfg.KernelKeyring == nil {
		cfg.KernelKeyring = keyring.NewKernel()
	}
	if cfg.IsWSL == nil {
		cfg.IsWSL = keyring.IsWSL
	}
	return &Session{cfg: cfg, Settings: cfg.Settings}
}

// Credentials resolves the profile's credentials for the data commands:
// the token path (cached token, silent refresh, else "run cosmosctl
// login"). It never prompts.
func (s *Session) Credentials(ctx context.Context) (*cosmos.Credentials, error) {
	r, err := s.Resolve(ctx)
	if err != nil {
		return nil, err
	}
	return r.Credentials, nil
}

// usable wraps r's token credential for the Cosmos client (see
// usableCredential); Resolved.GetToken keeps the direct one.
func (s *Session) usable(r *Resolved) *Resolved {
	if r.Credentials != nil && r.Token != nil {
		r.direct = r.Token
		c := *r.Credentials
		c.Token = newUsableCredential(r.Token, s.now)
		r.Credentials = &c
	}
	return r
}

// httpClient gets the Entra HTTP client once, before the first request.
func (s *Session) httpClient() error {
	if s.httpc != nil {
		return nil
	}
	if s.cfg.HTTPClient == nil {
		s.httpc = &http.Client{}
		return nil
	}
	c, err := s.cfg.HTTPClient()
	if err != nil {
		return err
	}
	s.httpc = c
	return nil
}

// Profile is the profile name.
func (s *Session) Profile() string { return s.Settings.ProfileName }

// Account is the profile's sign-in record, or nil.
func (s *Session) Account() *config.Account { return s.Settings.Profile.Account }

func (s *Session) getenv(k string) string { return s.cfg.Getenv(k) }

func (s *Session) now() time.Time { return s.cfg.Now() }

func (s *Session) debugf(format string, args ...any) { s.cfg.Debugf(format, args...) }

// Audience is the token audience of the profile (cosmos.Audience: the
// profile's audience, else the account host, else the account-agnostic
// Cosmos DB audience).
func (s *Session) Audience() string {
	return cosmos.Audience(s.Settings.Endpoint, s.Settings.Profile.Audience)
}

// AuthorityHost is the Entra authority host, without a trailing slash;
// AZURE_AUTHORITY_HOST applies only when the profile names none.
func (s *Session) AuthorityHost() string {
	p := s.Settings.Profile
	if p.AuthorityHost == "" && p.Cloud == "" {
		if h := s.getenv("AZURE_AUTHORITY_HOST"); h != "" {
			return strings.TrimRight(h, "/")
		}
	}
	return strings.TrimRight(p.AuthorityHostURL(), "/")
}

// checkAuthority refuses an authority host that would receive secrets or
// refresh tokens over plain http to another machine, before any dial.
func (s *Session) checkAuthority() error {
	return cosmos.CheckAuthority(s.AuthorityHost())
}

// Tenant is the tenant to sign in to: the flag value, the profile's, or
// organizations.
func (s *Session) Tenant(flag string) string {
	for _, v := range []string{flag, s.Settings.Profile.Tenant} {
		if v != "" {
			return v
		}
	}
	return DefaultTenant
}

// Store opens a token store backend.
func (s *Session) Store(kind store.Kind) (store.Store, error) {
	kr := s.cfg.Keyring
	if kind == store.KindKernel {
		kr = s.cfg.KernelKeyring
	}
	st, err := store.Open(kind, s.cfg.Dir, kr)
	if err != nil {
		return nil, errs.New(errs.KindAuth, err, s.loginHint(), "profile %q has an unusable token storage setting: %v", s.Profile(), err)
	}
	return st, nil
}

// Store keys name their profile so logout can remove exactly its entries;
// the access-token prefix ends with a colon so "prod" never matches "prod2".
func keyMSAL(profile string) string    { return "msal:" + profile }
func keyLogin(profile string) string   { return "login:" + profile }
func keyAT(profile string) string      { return "at:" + profile + ":" }
func keyAccount(profile string) string { return "key:" + profile }

// loginCommand is what the user should run to sign in to this profile.
func (s *Session) loginCommand() string {
	// Name the profile unless a bare `cosmosctl login` would pick it.
	current := first(s.getenv("COSMOSCTL_PROFILE"), s.Settings.Config.CurrentProfile, "default")
	if s.Settings.ProfileFlag == "" && s.Profile() == current {
		return "cosmosctl login"
	}
	return "cosmosctl --profile " + s.Profile() + " login"
}

// reloginCommand is loginCommand naming the method of the recorded sign-in
// when a bare login would pick another: re-running a device-code sign-in
// does not fix an Azure CLI or service principal one.
func (s *Session) reloginCommand() string {
	cmd := s.loginCommand()
	if a := s.Account(); a != nil && a.Method != first(s.Settings.Profile.Auth, MethodDeviceCode) {
		if fl := methodFlag(a.Method); fl != "" {
			cmd += " " + fl
		}
	}
	return cmd
}

// methodFlag is the login flag that selects a method.
func methodFlag(method string) string {
	switch method {
	case MethodBrowser:
		return "--browser"
	case MethodAzureCLI:
		return "--azure-cli"
	case MethodServicePrincipal:
		return "--service-principal"
	case MethodManagedIdentity:
		return "--managed-identity"
	case MethodWorkloadIdentity:
		return "--workload-identity"
	case MethodEnv:
		return "--env"
	case MethodKey:
		return "--key"
	}
	return ""
}

func (s *Session) loginHint() string { return "run `" + s.reloginCommand() + "`" }

// notSignedIn is the error every command returns when no silent path works.
// A cause that is not about the sign-in itself (the network, the caller's
// deadline, a wrong endpoint or audience) is explained as what it is,
// never as "run cosmosctl login".
func (s *Session) notSignedIn(cause error) error {
	if e, ok := managedIdentityFailure(cause, s.getenv); ok {
		return e
	}
	if e, ok := transportFailure(cause, "sign-in for profile "+s.Profile(), s.AuthorityHost); ok {
		return e
	}
	msg := fmt.Sprintf("not signed in to profile %s: run `%s`", s.Profile(), s.reloginCommand())
	hint := ""
	if cause != nil {
		if code, expl := ExplainAADSTS(cause); code != "" {
			if e := s.notASignInProblem(cause, code, expl); e != nil {
				return e
			}
			msg = fmt.Sprintf("sign-in for profile %s is no longer valid (%s: %s): run `%s`", s.Profile(), code, expl, s.reloginCommand())
		}
	}
	if s.Account() == nil {
		hint = "in CI, set AZURE_CLIENT_ID, AZURE_TENANT_ID and AZURE_FEDERATED_TOKEN_FILE (or AZURE_CLIENT_SECRET) instead; for the emulator set COSMOSCTL_KEY"
	}
	return errs.New(errs.KindAuth, cause, hint, "%s", msg)
}

// notASignInProblem explains the Entra answers that signing in again does
// not fix: the resource (endpoint or audience) is unknown, a policy or the
// app registration is in the way.
func (s *Session) notASignInProblem(cause error, code, expl string) error {
	switch code {
	case "AADSTS500011":
		return errs.New(errs.KindUsage, cause,
			"check the endpoint (`cosmosctl config get endpoint`), or use the account-agnostic audience: `cosmosctl config set audience https://cosmos.azure.com`",
			"Entra ID does not know the resource %s (%s): the endpoint or the audience of profile %s is wrong", s.Audience(), code, s.Profile())
	case "AADSTS53003", "AADSTS50199", "AADSTS700016", "AADSTS90002", "AADSTS65001":
		return errs.New(errs.KindAuth, cause, "", "sign-in for profile %s was refused (%s): %s", s.Profile(), code, expl)
	}
	return nil
}

// storeError explains a token store that cannot be read.
func (s *Session) storeError(err error) error {
	if errors.Is(err, context.Canceled) {
		return errs.New(errs.KindInterrupted, err, "", "interrupted while reading the tokens of profile %s", s.Profile())
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return errs.New(errs.KindUnavailable, err, "raise --timeout (the keyring may be waiting for you to unlock it)",
			"timed out reading the tokens of profile %s", s.Profile())
	}
	if keyring.IsUnavailable(err) && s.Account() != nil && s.Account().Storage == string(store.KindKernel) {
		return errs.New(errs.KindAuth, err,
			"the kernel keyring forgets its keys at reboot (and when the user's last session ends): sign in again with `"+s.reloginCommand()+" --storage kernel`",
			"cannot read the tokens of profile %s: the kernel keyring is unavailable or lost the key (%v)", s.Profile(), err)
	}
	if keyring.IsUnavailable(err) {
		return errs.New(errs.KindAuth, err,
			"unlock or start the system keyring; or sign in again with `"+s.reloginCommand()+" --insecure-storage`; in CI use `--env` or `--workload-identity` (nothing stored)",
			"cannot read the tokens of profile %s: the system keyring is unavailable: %s", s.Profile(), keyringCause(err))
	}
	return errs.New(errs.KindAuth, err, s.loginHint(), "cannot read the tokens of profile %s: %v", s.Profile(), err)
}

// Resolved is the credential chosen for the profile and where it came from.
type Resolved struct {
	*cosmos.Credentials
	Storage  store.Kind // where its secrets live
	Location string     // human description of Storage
	Account  *config.Account
	// refresher gets a new token bypassing the cache (whoami --refresh).
	refresher refresher
	// direct is the credential without usableCredential's early expiry,
	// so whoami and `auth token` report a token's true expiry.
	direct azcore.TokenCredential
}

// refresher is implemented by our credentials to bypass the cache.
type refresher interface {
	refresh(ctx context.Context, scope string) (azcore.AccessToken, error)
}

// Resolve picks the method and builds the credential. Precedence:
// COSMOSCTL_KEY, the profile's recorded sign-in, the profile's auth method
// for methods that need no sign-in, the standard AZURE_* variables, else
// "not signed in".
func (s *Session) Resolve(ctx context.Context) (*Resolved, error) {
	r, err := s.resolve(ctx)
	if err != nil {
		return nil, err
	}
	return s.usable(r), nil
}

func (s *Session) resolve(ctx context.Context) (*Resolved, error) {
	if k := strings.TrimSpace(s.getenv("COSMOSCTL_KEY")); k != "" {
		return &Resolved{Credentials: &cosmos.Credentials{Method: MethodKey, Key: k}, Storage: store.KindMemory, Location: "environment variable COSMOSCTL_KEY"}, nil
	}
	if a := s.Account(); a != nil && a.Method == MethodKey {
		return s.resolveAccount(ctx, a)
	}
	if err := s.httpClient(); err != nil {
		return nil, err
	}
	if a := s.Account(); a != nil && a.Method != "" {
		return s.resolveAccount(ctx, a)
	}
	switch s.Settings.Profile.Auth {
	case MethodEnv:
		return s.resolveEnv()
	case MethodManagedIdentity, MethodWorkloadIdentity, MethodAzureCLI:
		return s.resolveAccount(ctx, &config.Account{Method: s.Settings.Profile.Auth, ClientID: s.Settings.Profile.ClientID, Tenant: s.Settings.Profile.Tenant, Storage: string(store.KindMemory)})
	case MethodKey:
		return nil, errs.New(errs.KindAuth, nil, "set COSMOSCTL_KEY, or run `"+s.loginCommand()+" --key --save-key`",
			"profile %s uses an account key but none is available", s.Profile())
	}
	if envConfigured(s.getenv) {
		return s.resolveEnv()
	}
	return nil, s.notSignedIn(nil)
}

func (s *Session) resolveAccount(ctx context.Context, a *config.Account) (*Resolved, error) {
	kind := store.Kind(a.Storage)
	if kind == "" {
		kind = store.KindKeyring
	}
	st, err := s.Store(kind)
	if err != nil {
		return nil, err
	}
	r := &Resolved{Storage: kind, Location: st.Location(), Account: a}
	switch a.Method {
	case MethodDeviceCode, MethodBrowser:
		cred, err := s.msalCredential(ctx, st, a)
		if err != nil {
			return nil, err
		}
		r.Credentials = &cosmos.Credentials{Method: a.Method, Token: cred}
		r.refresher = cred
		return r, nil
	case MethodKey:
		if kind == store.KindMemory {
			return nil, errs.New(errs.KindAuth, nil, "set COSMOSCTL_KEY, or run `"+s.loginCommand()+" --key --save-key`",
				"profile %s signs in with an account key, which was not saved: set COSMOSCTL_KEY", s.Profile())
		}
		k, err := st.Get(ctx, keyAccount(s.Profile()))
		if err != nil {
			return nil, s.storeError(err)
		}
		if len(k) == 0 {
			return nil, s.notSignedIn(nil)
		}
		r.Credentials = &cosmos.Credentials{Method: MethodKey, Key: string(k)}
		return r, nil
	}
	inner, err := s.methodCredential(ctx, st, a)
	if err != nil {
		return nil, err
	}
	cc := newCachingCredential(s, st, inner)
	r.Credentials = &cosmos.Credentials{Method: a.Method, Token: cc}
	r.refresher = cc
	return r, nil
}

func (s *Session) resolveEnv() (*Resolved, error) {
	inner, err := s.envCredential()
	if err != nil {
		return nil, err
	}
	cc := newCachingCredential(s, store.NewMemory(), inner)
	return &Resolved{
		Credentials: &cosmos.Credentials{Method: MethodEnv, Token: cc},
		Storage:     store.KindMemory,
		Location:    "memory (environment credentials; nothing stored)",
		Account:     &config.Account{Method: MethodEnv, ClientID: s.getenv("AZURE_CLIENT_ID"), Tenant: s.getenv("AZURE_TENANT_ID"), Storage: string(store.KindMemory)},
		refresher:   cc,
	}, nil
}

// GetToken returns a token for scope through r, forcing a new one from
// Entra ID when refresh is set.
func (r *Resolved) GetToken(ctx context.Context, scope string, refresh bool) (azcore.AccessToken, error) {
	if r.Token == nil {
		return azcore.AccessToken{}, errors.New("this sign-in uses an account key, not a token")
	}
	if refresh && r.refresher != nil {
		return r.refresher.refresh(ctx, scope)
	}
	if r.direct != nil {
		return r.direct.GetToken(ctx, tokenOptions(scope))
	}
	return r.Token.GetToken(ctx, tokenOptions(scope))
}
