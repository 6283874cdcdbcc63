package auth

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"

	"github.com/cosmosctl/cosmosctl/auth/claims"
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

// usableCredential is what the Cosmos client gets: it hands out a token
// only while it is usable, not until its last second. azcosmos' bearer
// policy keeps a token until the ExpiresOn it was given (eager refreshes
// back off for 30 s), so a token reported with its true expiry is sent
// when it has milliseconds left and expires in flight (a 401 halfway
// through a query). Reported expiries therefore end a margin early: MSAL's
// own 5 minutes, or a quarter of the lifetime for tokens shorter than 20
// minutes, after which the next GetToken gets a new token from the cache
// or the refresh token. Within that time the token is reused from memory,
// so short-lived tokens (which MSAL never caches) cost one refresh per
// lifetime, not one per request.
type usableCredential struct {
	inner azcore.TokenCredential
	now   func() time.Time

	acq  sync.Mutex                    // one acquisition at a time: parallel range pagers share its token
	mu   sync.Mutex                    // guards last
	last map[string]azcore.AccessToken // by scopes and tenant; claims requests bypass it
}

func newUsableCredential(inner azcore.TokenCredential, now func() time.Time) *usableCredential {
	return &usableCredential{inner: inner, now: now, last: map[string]azcore.AccessToken{}}
}

func (c *usableCredential) GetToken(ctx context.Context, o policy.TokenRequestOptions) (azcore.AccessToken, error) {
	key := strings.Join(o.Scopes, " ") + "|" + o.TenantID
	if t, ok := c.cached(key, o); ok {
		return t, nil
	}
	c.acq.Lock()
	defer c.acq.Unlock()
	// Another caller may have got a token while this one waited.
	if t, ok := c.cached(key, o); ok {
		return t, nil
	}
	tok, err := c.inner.GetToken(ctx, o)
	if err != nil {
		return azcore.AccessToken{}, err
	}
	tok.ExpiresOn = usableUntil(tok, c.now())
	if !tok.RefreshOn.IsZero() && !tok.RefreshOn.Before(tok.ExpiresOn) {
		tok.RefreshOn = time.Time{}
	}
	if o.Claims == "" {
		c.mu.Lock()
		c.last[key] = tok
		c.mu.Unlock()
	}
	return tok, nil
}

func (c *usableCredential) cached(key string, o policy.TokenRequestOptions) (azcore.AccessToken, bool) {
	if o.Claims != "" {
		return azcore.AccessToken{}, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	t, ok := c.last[key]
	return t, ok && c.now().Before(t.ExpiresOn)
}

// usableUntil is when a token stops being handed out: its expiry (the
// JWT's exp when earlier: expires_in is rounded, exp is what the service
// checks) less the margin described at usableCredential.
func usableUntil(tok azcore.AccessToken, now time.Time) time.Time {
	exp, issued := tok.ExpiresOn, now
	if c, err := claims.Decode(tok.Token); err == nil {
		if !c.ExpiresAt.IsZero() && c.ExpiresAt.Before(exp) {
			exp = c.ExpiresAt
		}
		if !c.IssuedAt.IsZero() && c.IssuedAt.Before(now) {
			issued = c.IssuedAt
		}
	}
	return exp.Add(-min(RefreshMargin, exp.Sub(issued)/4))
}
