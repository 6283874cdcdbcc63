package auth

import (
	"cmp"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/url"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/public"

	"github.com/cosmosctl/cosmosctl/auth/loopback"
	"github.com/cosmosctl/cosmosctl/auth/store"
	"github.com/cosmosctl/cosmosctl/internal/config"
	"github.com/cosmosctl/cosmosctl/internal/errs"
)

// oidcScopes are added to the authorization request so that Entra returns
// an id_token and a refresh token (MSAL adds them itself to token requests).
var oidcScopes = []string{"openid", "offline_access", "profile"}

// randomURLSafe returns n random bytes, base64url without padding.
func randomURLSafe(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // never fails (Go 1.24+)
	return base64.RawURLEncoding.EncodeToString(b)
}

// pkceChallenge is the S256 code challenge of a verifier (RFC 7636).
func pkceChallenge(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// loginBrowser runs the authorization-code flow with PKCE: a loopback
// listener of ours receives the redirect, MSAL redeems the code and keeps
// the account in its cache, exactly like a device-code sign-in.
func (s *Session) loginBrowser(ctx context.Context, st store.Store, o LoginOptions, scope string, acct *config.Account) (azcore.AccessToken, error) {
	clientID := cmp.Or(o.ClientID, s.Settings.Profile.ClientID, DefaultClientID)
	tenant := s.Tenant(o.Tenant)
	pc, err := s.publicClient(st, clientID, tenant)
	if err != nil {
		return azcore.AccessToken{}, err
	}
	state, verifier := randomURLSafe(24), randomURLSafe(32)
	l, err := loopback.Listen(o.BrowserPort, state)
	if err != nil {
		return azcore.AccessToken{}, errs.New(errs.KindUnavailable, err, "pass --browser-port with a free port, or sign in with the device code (`"+s.loginCommand()+"`)", "cannot start the sign-in: %v", err)
	}
	defer l.Close()
	redirect := l.RedirectURI()
	u, err := pc.AuthCodeURL(ctx, clientID, redirect, append([]string{scope}, oidcScopes...))
	if err != nil {
		return azcore.AccessToken{}, fmt.Errorf("build the sign-in URL: %w", err)
	}
	// MSAL's AuthCodeURL has no options for state and PKCE: add them.
	pu, err := url.Parse(u)
	if err != nil {
		return azcore.AccessToken{}, fmt.Errorf("build the sign-in URL: %w", err)
	}
	q := pu.Query()
	q.Set("state", state)
	q.Set("code_challenge", pkceChallenge(verifier))
	q.Set("code_challenge_method", "S256")
	q.Set("prompt", "select_account")
	pu.RawQuery = q.Encode()
	signInURL := pu.String()

	if o.Prompt != nil {
		fmt.Fprintf(o.Prompt, "To sign in, open this page in a browser (a browser on another machine needs port %d forwarded to this one):\n%s\nWaiting for the sign-in (Ctrl-C to cancel)...\n", l.Port(), signInURL)
	}
	if o.OpenBrowser != nil && !o.NoBrowser {
		if err := o.OpenBrowser(ctx, signInURL); err != nil {
			s.debugf("could not open a browser: %v", err)
		}
	}
	code, err := l.Wait(ctx)
	if err != nil {
		return azcore.AccessToken{}, s.browserError(err, tenant)
	}
	ar, err := pc.AcquireTokenByAuthCode(ctx, code, redirect, []string{scope}, public.WithChallenge(verifier))
	if err != nil {
		return azcore.AccessToken{}, err
	}
	if err := s.keepAccount(ctx, pc, ar, clientID, tenant, acct); err != nil {
		return azcore.AccessToken{}, err
	}
	return azcore.AccessToken{Token: ar.AccessToken, ExpiresOn: ar.ExpiresOn}, nil
}

// browserError explains why no code came back.
func (s *Session) browserError(err error, tenant string) error {
	var de *loopback.DeniedError
	switch {
	case errors.Is(err, context.Canceled):
		return err
	case errors.Is(err, context.DeadlineExceeded):
		return errs.New(errs.KindUnavailable, err, "run `"+s.loginCommand()+" --browser` again and finish the sign-in in time, or raise --timeout", "sign-in timed out waiting for the browser")
	case errors.Is(err, loopback.ErrStateMismatch):
		return errs.New(errs.KindAuth, err, "run `"+s.loginCommand()+" --browser` again and use only the page it opens",
			"sign-in failed: the redirect did not come from this sign-in (state mismatch); nothing was stored")
	case errors.As(err, &de) && de.Code == "access_denied":
		return errs.New(errs.KindAuth, err, "run `"+s.loginCommand()+" --browser` again to retry; if your organisation requires an admin to approve the app, ask them to consent to it",
			"sign-in failed: the sign-in was cancelled or consent was refused in the browser (%s)", cmp.Or(de.Description, de.Code))
	case errors.As(err, &de):
		if code, expl := ExplainAADSTS(errors.New(de.Description)); code != "" {
			return errs.New(errs.KindAuth, err, "", "sign-in failed: %s: %s", code, expl)
		}
		return errs.New(errs.KindAuth, err, "check --tenant ("+tenant+") and --client-id", "sign-in failed: %s", de.Error())
	}
	return err
}

// keepAccount records the signed-in account (one per profile) in acct.
func (s *Session) keepAccount(ctx context.Context, pc public.Client, ar public.AuthResult, clientID, tenant string, acct *config.Account) error {
	if ar.Account.HomeAccountID == "" {
		return errors.New("no account came back from Entra ID (no id_token): cannot sign in silently later")
	}
	// Keep one account per profile: drop any other left in the cache.
	if accts, err := pc.Accounts(ctx); err == nil {
		for _, a := range accts {
			if a.HomeAccountID != ar.Account.HomeAccountID {
				_ = pc.RemoveAccount(ctx, a)
			}
		}
	}
	acct.HomeAccountID = ar.Account.HomeAccountID
	acct.Username = ar.Account.PreferredUsername
	acct.ObjectID = ar.Account.LocalAccountID
	acct.Tenant = cmp.Or(ar.Account.Realm, tenant)
	if tenant == DefaultTenant || tenant == "common" {
		// Silent calls of later commands use the authority of the login.
		acct.Tenant = tenant
	}
	acct.ClientID = clientID
	return nil
}
