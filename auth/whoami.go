package auth

import (
	"context"
	"time"

	"github.com/cosmosctl/cosmosctl/auth/claims"
	"github.com/cosmosctl/cosmosctl/auth/store"
	"github.com/cosmosctl/cosmosctl/internal/cosmos"
	"github.com/cosmosctl/cosmosctl/internal/errs"
)

// Identity is what whoami shows.
type Identity struct {
	Profile     string
	Endpoint    string
	UPN         string // users
	AppID       string // applications
	DisplayName string
	ObjectID    string
	TenantID    string
	Method      string
	Audience    string
	ExpiresOn   time.Time
	Scopes      []string
	Roles       []string
	Groups      int // -1 when the token has no groups claim
	// GroupsOverage: the token carries Entra's overage reference instead
	// of the groups (a member of too many).
	GroupsOverage bool
	Storage       store.Kind
	Location      string
	EmulatorKey   bool
}

// Whoami describes the profile's identity from its cached token (no
// network request while the token is valid), or from a fresh one.
func (s *Session) Whoami(ctx context.Context, refresh bool) (*Identity, error) {
	r, err := s.Resolve(ctx)
	if err != nil {
		return nil, err
	}
	id := &Identity{
		Profile:  s.Profile(),
		Endpoint: s.Settings.Endpoint,
		Method:   r.Method,
		Storage:  r.Storage,
		Location: r.Location,
		Groups:   -1,
	}
	if r.Method == MethodKey {
		id.EmulatorKey = r.Key == EmulatorKey
		return id, nil
	}
	id.Audience = s.Audience()
	tok, err := r.GetToken(ctx, cosmos.Scope(id.Audience), refresh)
	if err != nil {
		return nil, err
	}
	id.ExpiresOn = tok.ExpiresOn
	c, err := claims.Decode(tok.Token)
	if err != nil {
		// Opaque tokens (some proxies) still prove a sign-in; show what
		// the account record knows.
		if a := r.Account; a != nil {
			id.UPN, id.ObjectID, id.TenantID = a.Username, a.ObjectID, a.Tenant
		}
		return id, nil
	}
	if c.IsApp() {
		id.AppID = c.ClientID()
	} else {
		id.UPN = c.User()
	}
	id.DisplayName = c.Name
	id.ObjectID = c.ObjectID
	id.TenantID = c.TenantID
	id.Scopes = c.Scopes
	id.Roles = c.Roles
	if c.Groups != nil {
		id.Groups = len(c.Groups)
	}
	id.GroupsOverage = c.GroupsOverage
	if c.Audience != "" {
		id.Audience = c.Audience
	}
	return id, nil
}

// Token returns an access token for audience ("" = the profile's).
func (s *Session) Token(ctx context.Context, audience string) (string, time.Time, error) {
	r, err := s.Resolve(ctx)
	if err != nil {
		return "", time.Time{}, err
	}
	if r.Method == MethodKey {
		return "", time.Time{}, errs.New(errs.KindAuth, nil, "sign in with Entra ID: `"+s.loginCommand()+"`",
			"profile %s uses an account key, which has no Entra ID token", s.Profile())
	}
	if audience == "" {
		audience = s.Audience()
	}
	tok, err := r.GetToken(ctx, cosmos.Scope(audience), false)
	if err != nil {
		return "", time.Time{}, err
	}
	return tok.Token, tok.ExpiresOn, nil
}

// Logout removes the profile's tokens from the store (the file and keyring
// key go too when nothing is left) and its account from the config. The
// account is removed even when the store cannot be reached; the returned
// warning then says what was left behind.
func (s *Session) Logout(ctx context.Context) (signedIn bool, warning error, err error) {
	a := s.Account()
	if a == nil {
		return false, nil, nil
	}
	if kind := store.Kind(a.Storage); kind != store.KindMemory {
		st, serr := s.Store(kind)
		if serr == nil {
			serr = deleteProfile(ctx, st, s.Profile())
		}
		if serr != nil {
			warning = serr
		}
	}
	cfg := s.Settings.Config
	if p := cfg.Profile(s.Profile()); p != nil {
		p.Account = nil
	}
	s.Settings.Profile.Account = nil
	if err := cfg.Save(); err != nil {
		return true, warning, err
	}
	return true, warning, nil
}

// ForProfile returns a session for another profile of the same config.
func (s *Session) ForProfile(name string) *Session {
	if s.Settings.Config.Profile(name) == nil {
		return nil
	}
	c := *s
	c.Settings = s.Settings.ForProfile(name)
	return &c
}

// PurgeStores removes every stored token of every profile (logout --all),
// including the encryption key in the keyring.
func (s *Session) PurgeStores(ctx context.Context) error {
	var firstErr error
	for _, kind := range []store.Kind{store.KindKeyring, store.KindKernel, store.KindPlaintext} {
		st, err := s.Store(kind)
		if err == nil {
			err = st.Delete(ctx, "", true)
		}
		if err != nil && firstErr == nil {
			firstErr = err
		}
	}
	return firstErr
}
