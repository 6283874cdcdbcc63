package auth

import (
	"cmp"
	"context"
	"fmt"
	"strconv"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/cache"
	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/public"

	"github.com/cosmosctl/cosmosctl/auth/keyring"
	"github.com/cosmosctl/cosmosctl/auth/store"
	"github.com/cosmosctl/cosmosctl/internal/config"
)

// msalCache adapts one store entry to MSAL's cache.ExportReplace.
type msalCache struct {
	st  store.Store
	key string
}

// Replace loads the stored cache into MSAL. A missing or undecodable blob
// leaves MSAL's state alone: MSAL fails the whole acquisition when Replace
// returns an error, even right after a successful sign-in.
func (c *msalCache) Replace(ctx context.Context, u cache.Unmarshaler, _ cache.ReplaceHints) error {
	b, err := c.st.Get(ctx, c.key)
	if err != nil {
		return fmt.Errorf("read MSAL cache: %w", err)
	}
	if len(b) == 0 {
		return nil
	}
	_ = u.Unmarshal(b) // damaged: treated as empty
	return nil
}

// Export saves MSAL's cache.
func (c *msalCache) Export(ctx context.Context, m cache.Marshaler, _ cache.ExportHints) error {
	b, err := m.Marshal()
	if err != nil {
		return fmt.Errorf("encode MSAL cache: %w", err)
	}
	if err := c.st.Put(ctx, c.key, b); err != nil {
		return fmt.Errorf("save MSAL cache: %w", err)
	}
	return nil
}

// publicClient builds the MSAL public client for a profile. Instance
// discovery is always off: it costs a request to login.microsoftonline.com
// on every silent call of a new process and is fatal for sovereign,
// private or sandbox authority hosts; we never need alias matching because
// one profile always uses one authority host.
func (s *Session) publicClient(st store.Store, clientID, tenant string) (public.Client, error) {
	if err := s.checkAuthority(); err != nil {
		return public.Client{}, err
	}
	authority := s.AuthorityHost() + "/" + tenant
	pc, err := public.New(clientID,
		public.WithAuthority(authority),
		public.WithCache(&msalCache{st: st, key: keyMSAL(s.Profile())}),
		public.WithHTTPClient(s.httpc),
		public.WithInstanceDiscovery(false))
	if err != nil {
		return public.Client{}, fmt.Errorf("MSAL client for %s: %w", authority, err)
	}
	return pc, nil
}

// msalCredential serves tokens for a signed-in user from MSAL's cache,
// refreshing silently; it never prompts.
type msalCredential struct {
	s       *Session
	st      store.Store
	pc      public.Client
	account public.Account
}

func (s *Session) msalCredential(ctx context.Context, st store.Store, a *config.Account) (*msalCredential, error) {
	// A refused authority is a usage error, not "not signed in".
	if err := s.checkAuthority(); err != nil {
		return nil, err
	}
	pc, err := s.publicClient(st, cmp.Or(a.ClientID, DefaultClientID), cmp.Or(a.Tenant, DefaultTenant))
	if err != nil {
		return nil, s.notSignedIn(err)
	}
	accts, err := pc.Accounts(ctx)
	if err != nil {
		return nil, s.storeError(err)
	}
	for _, acct := range accts {
		if acct.HomeAccountID == a.HomeAccountID {
			return &msalCredential{s: s, st: st, pc: pc, account: acct}, nil
		}
	}
	return nil, s.notSignedIn(nil)
}

func (c *msalCredential) GetToken(ctx context.Context, o policy.TokenRequestOptions) (azcore.AccessToken, error) {
	opts := []public.AcquireSilentOption{public.WithSilentAccount(c.account)}
	if o.Claims != "" {
		opts = append(opts, public.WithClaims(o.Claims))
	}
	return c.silent(ctx, o.Scopes, opts)
}

// refresh asks Entra for a new token: a claims challenge demanding a token
// issued now makes MSAL skip its cache and redeem the refresh token.
func (c *msalCredential) refresh(ctx context.Context, scope string) (azcore.AccessToken, error) {
	claims := `{"access_token":{"nbf":{"essential":true,"value":"` + strconv.FormatInt(c.s.now().Unix(), 10) + `"}}}`
	return c.silent(ctx, []string{scope}, []public.AcquireSilentOption{public.WithSilentAccount(c.account), public.WithClaims(claims)})
}

func (c *msalCredential) silent(ctx context.Context, scopes []string, opts []public.AcquireSilentOption) (azcore.AccessToken, error) {
	var ar public.AuthResult
	// Under the store's exclusive lock MSAL re-reads the cache, so a
	// command that waited sees the token (and rotated refresh token) the
	// previous holder got instead of redeeming a spent one.
	err := c.st.Exclusive(ctx, func() error {
		var err error
		ar, err = c.pc.AcquireTokenSilent(ctx, scopes, opts...)
		return err
	})
	if err != nil {
		if ctx.Err() != nil {
			return azcore.AccessToken{}, ctx.Err()
		}
		if keyring.IsUnavailable(err) {
			return azcore.AccessToken{}, c.s.storeError(err)
		}
		return azcore.AccessToken{}, c.s.notSignedIn(err)
	}
	return azcore.AccessToken{Token: ar.AccessToken, ExpiresOn: ar.ExpiresOn, RefreshOn: ar.Metadata.RefreshOn}, nil
}

func tokenOptions(scope string) policy.TokenRequestOptions {
	return policy.TokenRequestOptions{Scopes: []string{scope}}
}
