package auth

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"

	"github.com/cosmosctl/cosmosctl/auth/store"
)

// cachingCredential keeps the access tokens of a non-MSAL method (Azure
// CLI, service principal, managed or workload identity) in the token
// store, per scope, and reuses them until RefreshMargin before expiry, so
// that `az` or Entra is asked at most once per token lifetime instead of
// several times per command.
type cachingCredential struct {
	s     *Session
	st    store.Store
	inner azcore.TokenCredential

	mu sync.Mutex // one acquisition at a time within the process
}

func newCachingCredential(s *Session, st store.Store, inner azcore.TokenCredential) *cachingCredential {
	return &cachingCredential{s: s, st: st, inner: inner}
}

type cachedToken struct {
	Token     string    `json:"token"`
	ExpiresOn time.Time `json:"expiresOn"`
}

func (c *cachingCredential) key(scopes []string) string { return keyATScopes(c.s.Profile(), scopes) }

// keyATScopes is the store key of a profile's cached access token for scopes.
func keyATScopes(profile string, scopes []string) string {
	return keyAT(profile) + strings.Join(scopes, " ")
}

func (c *cachingCredential) GetToken(ctx context.Context, o policy.TokenRequestOptions) (azcore.AccessToken, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	var tok azcore.AccessToken
	// The lock makes concurrent commands wait for one acquisition (one
	// `az` run) and then read its result.
	err := c.st.Exclusive(ctx, func() error {
		var err error
		tok, err = c.getToken(ctx, o)
		return err
	})
	return tok, err
}

func (c *cachingCredential) getToken(ctx context.Context, o policy.TokenRequestOptions) (azcore.AccessToken, error) {
	if o.Claims == "" {
		b, err := c.st.Get(ctx, c.key(o.Scopes))
		if err != nil {
			return azcore.AccessToken{}, c.s.storeError(err)
		}
		var t cachedToken
		if len(b) > 0 && json.Unmarshal(b, &t) == nil && t.Token != "" && t.ExpiresOn.After(c.s.now().Add(RefreshMargin)) {
			return azcore.AccessToken{Token: t.Token, ExpiresOn: t.ExpiresOn}, nil
		}
	}
	return c.acquire(ctx, o)
}

func (c *cachingCredential) refresh(ctx context.Context, scope string) (azcore.AccessToken, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	var tok azcore.AccessToken
	err := c.st.Exclusive(ctx, func() error {
		var err error
		tok, err = c.acquire(ctx, tokenOptions(scope))
		return err
	})
	return tok, err
}

func (c *cachingCredential) acquire(ctx context.Context, o policy.TokenRequestOptions) (azcore.AccessToken, error) {
	tok, err := c.inner.GetToken(ctx, o)
	if err != nil {
		if ctx.Err() != nil {
			return azcore.AccessToken{}, ctx.Err()
		}
		return azcore.AccessToken{}, c.s.notSignedIn(err)
	}
	// Tokens that would not be reused are not written: it saves a keyring
	// round trip and keeps short-lived tokens off the disk.
	if tok.ExpiresOn.After(c.s.now().Add(RefreshMargin)) {
		b, _ := json.Marshal(cachedToken{Token: tok.Token, ExpiresOn: tok.ExpiresOn})
		if err := c.st.Put(ctx, c.key(o.Scopes), b); err != nil {
			c.s.debugf("could not cache the access token: %v", err)
		}
	}
	return tok, nil
}
