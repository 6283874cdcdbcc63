package auth

import (
	"cmp"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"

	"github.com/cosmosctl/cosmosctl/auth/claims"
	"github.com/cosmosctl/cosmosctl/auth/keyring"
	"github.com/cosmosctl/cosmosctl/auth/store"
	"github.com/cosmosctl/cosmosctl/internal/config"
	"github.com/cosmosctl/cosmosctl/internal/cosmos"
	"github.com/cosmosctl/cosmosctl/internal/errs"
	"github.com/cosmosctl/cosmosctl/internal/redact"
)

// cliTimeout bounds one `az account get-access-token` run.
const cliTimeout = 30 * time.Second

// LoginOptions select and parameterise a sign-in method.
type LoginOptions struct {
	Method              string // one of the Method* constants; "" = profile's auth, else device code
	Tenant              string
	ClientID            string
	ClientSecret        string
	CertificateFile     string
	CertificatePassword string
	FederatedTokenFile  string
	Audience            string // saved in the profile when set
	Key                 string // account key for MethodKey
	SaveKey             bool
	// Storage picks the token store ("" = the profile's recorded kernel
	// choice, else the OS keyring); InsecureStorage is Storage "file".
	Storage         store.Kind
	InsecureStorage bool
	NoBrowser       bool
	// BrowserPort is the loopback port of MethodBrowser's redirect (0 = any free one).
	BrowserPort int
	// Prompt receives the device-code message (stderr).
	Prompt io.Writer
	// OpenBrowser opens the verification URL; nil = never.
	OpenBrowser func(ctx context.Context, url string) error
}

// LoginResult describes a completed sign-in.
type LoginResult struct {
	Account     config.Account
	Claims      *claims.Claims // nil for keys
	ExpiresOn   time.Time
	Storage     store.Kind
	Location    string
	EmulatorKey bool
}

// needsStore reports whether a method keeps secrets for later commands.
func needsStore(method string, saveKey bool) bool {
	switch method {
	case MethodDeviceCode, MethodBrowser, MethodServicePrincipal, MethodAzureCLI:
		return true
	case MethodKey:
		return saveKey
	}
	return false
}

// usesMSAL reports whether a method keeps its sign-in in MSAL's cache.
func usesMSAL(method string) bool { return method == MethodDeviceCode || method == MethodBrowser }

// keyringUnavailable is login's explanation of a system keyring it cannot
// use: the choices, never a silent downgrade.
func (s *Session) keyringUnavailable(err error) error {
	var choices []string
	if keyring.KernelSupported() {
		choices = append(choices, "`--storage kernel` keeps the encryption key in the Linux kernel keyring (memory only; signed out at reboot)")
	}
	choices = append(choices,
		"`--insecure-storage` keeps tokens in a plaintext file (mode 0600)",
		"in CI, `--env` or `--workload-identity` store nothing")
	what := keyringCause(err)
	if s.cfg.IsWSL() {
		what = "this is WSL, where no Secret Service runs unless you start one (for example gnome-keyring in a D-Bus session)"
	}
	return errs.New(errs.KindAuth, err, "choose where tokens go: "+strings.Join(choices, "; "),
		"cannot store tokens: the system keyring is unavailable: %s", what)
}

// kernelUnavailable explains a kernel keyring that refuses keyctl.
func (s *Session) kernelUnavailable(err error) error {
	return errs.New(errs.KindAuth, err,
		"containers often forbid keyctl (Docker's default seccomp profile): use `--insecure-storage` (plaintext file, mode 0600), or in CI `--env` or `--workload-identity`",
		"cannot store tokens in the kernel keyring (%v)", err)
}

// loginStorage picks the token store of a sign-in that keeps secrets.
func (s *Session) loginStorage(o LoginOptions) store.Kind {
	switch {
	case o.InsecureStorage:
		return store.KindPlaintext
	case o.Storage != "":
		return o.Storage
	}
	// The kernel keyring is remembered: it was chosen because this machine
	// has no Secret Service, which a new sign-in will not change.
	if a := s.Account(); a != nil && store.Kind(a.Storage) == store.KindKernel {
		return store.KindKernel
	}
	return store.KindKeyring
}

// Login runs a sign-in method, stores its secrets and records the account
// in the profile.
func (s *Session) Login(ctx context.Context, o LoginOptions) (*LoginResult, error) {
	method := cmp.Or(o.Method, s.Settings.Profile.Auth, MethodDeviceCode)
	if method != MethodKey {
		if err := s.httpClient(); err != nil {
			return nil, err
		}
	}
	if o.Audience != "" {
		s.Settings.Profile.Audience = strings.TrimRight(o.Audience, "/")
	}
	scope := cosmos.Scope(s.Audience())

	kind := store.KindMemory
	if needsStore(method, o.SaveKey) {
		kind = s.loginStorage(o)
	}
	st, err := s.Store(kind)
	if err != nil {
		return nil, err
	}
	// Fail before any flow starts: a user must not approve a device code
	// only to learn that nothing can be stored.
	if err := st.Check(ctx); err != nil {
		if keyring.IsUnavailable(err) && kind == store.KindKernel {
			return nil, s.kernelUnavailable(err)
		}
		if keyring.IsUnavailable(err) {
			return nil, s.keyringUnavailable(err)
		}
		return nil, errs.New(errs.KindAuth, err, "", "cannot use the token store: %v", err)
	}
	res := &LoginResult{Storage: kind, Location: st.Location()}
	acct := config.Account{Method: method, Storage: string(kind)}
	var tok azcore.AccessToken
	// save writes what later commands need; it runs only after the flow
	// succeeded, so a failed login leaves the previous one working.
	var save map[string][]byte
	switch method {
	case MethodDeviceCode:
		tok, err = s.loginDeviceCode(ctx, st, o, scope, &acct)
	case MethodBrowser:
		tok, err = s.loginBrowser(ctx, st, o, scope, &acct)
	case MethodKey:
		save, err = s.loginKey(o, res)
	case MethodEnv:
		var cred azcore.TokenCredential
		if cred, err = s.envCredential(); err == nil {
			tok, err = cred.GetToken(ctx, tokenOptions(scope))
		}
		acct.ClientID, acct.Tenant = s.getenv("AZURE_CLIENT_ID"), s.getenv("AZURE_TENANT_ID")
	default:
		tok, save, err = s.loginNonInteractive(ctx, o, method, scope, &acct)
	}
	if err != nil {
		return nil, s.loginError(err)
	}
	// The new sign-in replaces the profile's old one wherever it was kept
	// (MSAL's cache is the device-code flow's own and was updated by it).
	if err := s.forget(ctx, kind, st, usesMSAL(method)); err != nil {
		return nil, err
	}
	for k, v := range save {
		if err := st.Put(ctx, k, v); err != nil {
			return nil, s.loginError(err)
		}
	}
	if tok.Token != "" {
		res.ExpiresOn = tok.ExpiresOn
		if c, cerr := claims.Decode(tok.Token); cerr == nil {
			res.Claims = c
			acct.ObjectID = cmp.Or(acct.ObjectID, c.ObjectID)
			acct.Tenant = cmp.Or(acct.Tenant, c.TenantID)
			acct.Username = cmp.Or(acct.Username, c.User())
			if c.IsApp() {
				acct.ClientID = cmp.Or(acct.ClientID, c.ClientID())
			}
		}
	}
	res.Account = acct
	cfg := s.Settings.Config
	p := cfg.EnsureProfile(s.Profile())
	p.Account = &acct
	if o.Audience != "" {
		p.Audience = s.Settings.Profile.Audience
	}
	if err := cfg.Save(); err != nil {
		return nil, fmt.Errorf("save the sign-in to %s: %w", cfg.Path(), err)
	}
	s.Settings.Profile = p
	return res, nil
}

// forget removes the profile's tokens from every store it may have used
// (optionally keeping the MSAL cache in the target store); a store other
// than the target that cannot be opened (an unavailable keyring when
// switching to --insecure-storage) is skipped.
func (s *Session) forget(ctx context.Context, target store.Kind, st store.Store, keepMSAL bool) error {
	keys := []string{keyLogin(s.Profile()), keyAccount(s.Profile())}
	if !keepMSAL {
		keys = append(keys, keyMSAL(s.Profile()))
	}
	for _, k := range keys {
		if err := st.Delete(ctx, k, false); err != nil {
			return s.storeError(err)
		}
	}
	if err := st.Delete(ctx, keyAT(s.Profile()), true); err != nil {
		return s.storeError(err)
	}
	if old := s.Account(); old != nil && old.Storage != "" && store.Kind(old.Storage) != target && store.Kind(old.Storage) != store.KindMemory {
		if ost, err := s.Store(store.Kind(old.Storage)); err == nil {
			if err := deleteProfile(ctx, ost, s.Profile()); err != nil {
				s.debugf("could not remove the old tokens of profile %s: %v", s.Profile(), err)
			}
		}
	}
	return nil
}

func deleteProfile(ctx context.Context, st store.Store, profile string) error {
	for _, k := range []string{keyMSAL(profile), keyLogin(profile), keyAccount(profile)} {
		if err := st.Delete(ctx, k, false); err != nil {
			return err
		}
	}
	return st.Delete(ctx, keyAT(profile), true)
}

func (s *Session) loginError(err error) error {
	var ce *errs.Error
	if errors.As(err, &ce) {
		return err
	}
	if errors.Is(err, context.Canceled) {
		return err
	}
	// Entra reports a cancelled device-code sign-in with a generic AADSTS
	// code; only the OAuth error name says what happened.
	if strings.Contains(err.Error(), "authorization_declined") {
		return errs.New(errs.KindAuth, err, "run `"+s.loginCommand()+"` again to retry",
			"sign-in failed: the sign-in was declined on the verification page")
	}
	if code, expl := ExplainAADSTS(err); code != "" {
		if code == "AADSTS500011" {
			return s.notASignInProblem(err, code, expl)
		}
		return errs.New(errs.KindAuth, err, "", "sign-in failed: %s: %s", code, expl)
	}
	if keyring.IsUnavailable(err) {
		return s.keyringUnavailable(err)
	}
	if e, ok := managedIdentityFailure(err, s.getenv); ok {
		return e
	}
	if e, ok := transportFailure(err, "sign-in", s.AuthorityHost); ok {
		return e
	}
	// Raw SDK errors can quote the request: show one masked line.
	return errs.New(errs.KindAuth, err, "", "sign-in failed: %s", errs.FirstLine(redact.Secrets(err.Error())))
}

func (s *Session) loginDeviceCode(ctx context.Context, st store.Store, o LoginOptions, scope string, acct *config.Account) (azcore.AccessToken, error) {
	clientID := cmp.Or(o.ClientID, s.Settings.Profile.ClientID, DefaultClientID)
	tenant := s.Tenant(o.Tenant)
	pc, err := s.publicClient(st, clientID, tenant)
	if err != nil {
		return azcore.AccessToken{}, err
	}
	dc, err := pc.AcquireTokenByDeviceCode(ctx, []string{scope})
	if err != nil {
		return azcore.AccessToken{}, fmt.Errorf("request a device code: %w", err)
	}
	if o.Prompt != nil {
		fmt.Fprintln(o.Prompt, dc.Result.Message)
	}
	if o.OpenBrowser != nil && !o.NoBrowser && dc.Result.VerificationURL != "" {
		if err := o.OpenBrowser(ctx, dc.Result.VerificationURL); err != nil {
			s.debugf("could not open a browser: %v", err)
		}
	}
	ar, err := dc.AuthenticationResult(ctx)
	if err != nil {
		return azcore.AccessToken{}, err
	}
	if err := s.keepAccount(ctx, pc, ar, clientID, tenant, acct); err != nil {
		return azcore.AccessToken{}, err
	}
	return azcore.AccessToken{Token: ar.AccessToken, ExpiresOn: ar.ExpiresOn}, nil
}

func (s *Session) loginNonInteractive(ctx context.Context, o LoginOptions, method, scope string, acct *config.Account) (azcore.AccessToken, map[string][]byte, error) {
	var inner azcore.TokenCredential
	var err error
	save := map[string][]byte{}
	switch method {
	case MethodAzureCLI:
		acct.Tenant = cmp.Or(o.Tenant, s.Settings.Profile.Tenant)
		inner, err = s.azureCLICredential(acct.Tenant)
	case MethodServicePrincipal:
		acct.Tenant = cmp.Or(o.Tenant, s.Settings.Profile.Tenant, s.getenv("AZURE_TENANT_ID"))
		acct.ClientID = cmp.Or(o.ClientID, s.Settings.Profile.ClientID, s.getenv("AZURE_CLIENT_ID"))
		rec := loginRecord{ClientSecret: cmp.Or(o.ClientSecret, s.getenv("AZURE_CLIENT_SECRET"))}
		stored := rec
		if o.CertificateFile != "" {
			pw := cmp.Or(o.CertificatePassword, s.getenv("AZURE_CLIENT_CERTIFICATE_PASSWORD"))
			b, rerr := readCertificateFile(o.CertificateFile, pw, "--certificate")
			if rerr != nil {
				return azcore.AccessToken{}, nil, rerr
			}
			chain := truthy(s.getenv("AZURE_CLIENT_SEND_CERTIFICATE_CHAIN"))
			rec = loginRecord{Certificate: b, CertificatePassword: pw, SendCertificateChain: chain}
			stored = rec
			if o.InsecureStorage {
				// Never copy the private key into a plaintext file: keep
				// only where it is (and no password).
				abs, aerr := filepath.Abs(o.CertificateFile)
				if aerr != nil {
					return azcore.AccessToken{}, nil, fmt.Errorf("certificate file %s: %w", o.CertificateFile, aerr)
				}
				stored = loginRecord{CertificateFile: abs, SendCertificateChain: chain}
			}
		}
		inner, err = s.servicePrincipalCredential(acct.Tenant, acct.ClientID, rec)
		save[keyLogin(s.Profile())], _ = json.Marshal(stored)
	case MethodManagedIdentity:
		acct.ClientID = cmp.Or(o.ClientID, s.Settings.Profile.ClientID)
		inner, err = s.managedIdentityCredential(acct.ClientID)
	case MethodWorkloadIdentity:
		acct.Tenant = cmp.Or(o.Tenant, s.getenv("AZURE_TENANT_ID"), s.Settings.Profile.Tenant)
		acct.ClientID = cmp.Or(o.ClientID, s.getenv("AZURE_CLIENT_ID"), s.Settings.Profile.ClientID)
		inner, err = s.workloadIdentityCredential(acct.Tenant, acct.ClientID, o.FederatedTokenFile)
	default:
		return azcore.AccessToken{}, nil, errs.Usage("unknown sign-in method %q", method)
	}
	if err != nil {
		return azcore.AccessToken{}, nil, err
	}
	tok, err := inner.GetToken(ctx, tokenOptions(scope))
	if err != nil {
		return azcore.AccessToken{}, nil, err
	}
	// Seed the cache so the next command needs neither az nor Entra
	// (memory-only methods keep nothing: the caller's store is memory).
	if tok.ExpiresOn.After(s.now().Add(RefreshMargin)) {
		save[keyATScopes(s.Profile(), []string{scope})], _ = json.Marshal(cachedToken{Token: tok.Token, ExpiresOn: tok.ExpiresOn})
	}
	return tok, save, nil
}

func (s *Session) loginKey(o LoginOptions, res *LoginResult) (map[string][]byte, error) {
	k := strings.TrimSpace(o.Key)
	if k == "" {
		return nil, errs.Usage("no account key: set COSMOSCTL_KEY or pipe the key on stdin")
	}
	if b, err := base64.StdEncoding.DecodeString(k); err != nil || len(b) == 0 {
		return nil, errs.Usage("the account key is not valid base64")
	}
	res.EmulatorKey = k == EmulatorKey
	if !o.SaveKey {
		return nil, nil
	}
	return map[string][]byte{keyAccount(s.Profile()): []byte(k)}, nil
}
