package auth

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
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
		return nil, s.withLeftovers(ctx, err)
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
// account is removed even when the store cannot be reached, so commands
// no longer use the sign-in; the tokens left behind are then reported as
// warning (an exit-3 error saying where they are), and a later Logout
// still finds and removes them although the profile has no account any
// more. signedIn reports that there was something to remove.
func (s *Session) Logout(ctx context.Context) (signedIn bool, warning error, err error) {
	a := s.Account()
	kinds := []store.Kind{store.KindKeyring, store.KindPlaintext}
	if a != nil && store.Kind(a.Storage) != store.KindMemory {
		kind := cmp.Or(store.Kind(a.Storage), store.KindKeyring)
		if werr := s.removeTokens(ctx, kind); werr != nil {
			warning = werr
		}
	}
	// Leftovers of an earlier logout that could not remove them, in the
	// stores the account does not name (or all, without an account).
	for _, kind := range kinds {
		if a != nil && cmp.Or(store.Kind(a.Storage), store.KindKeyring) == kind {
			continue
		}
		found, werr := s.leftovers(ctx, kind)
		if werr != nil {
			// Unknown (e.g. the keyring is locked): nothing to claim.
			if !errors.Is(werr, errNoStore) {
				s.debugf("cannot look for leftover tokens of profile %s in the %s store: %v", s.Profile(), kind, werr)
			}
			continue
		}
		if found {
			signedIn = true
			if werr := s.removeTokens(ctx, kind); werr != nil && warning == nil {
				warning = werr
			}
		}
	}
	if a == nil {
		return signedIn, warning, nil
	}
	cfg := s.Settings.Config
	if p := cfg.Profile(s.Profile()); p != nil {
		p.Account = nil
	}
	s.Settings.Profile.Account = nil
	if err := cfg.Save(); err != nil {
		return true, warning, fmt.Errorf("save the sign-out to %s: %w", cfg.Path(), err)
	}
	return true, warning, nil
}

// errNoStore: the backend's file does not exist, nothing can be left there.
var errNoStore = errors.New("no token file")

// removeTokens deletes the profile's entries from one backend; the error
// says where they were left.
func (s *Session) removeTokens(ctx context.Context, kind store.Kind) error {
	st, err := s.Store(kind)
	if err == nil {
		err = deleteProfile(ctx, st, s.Profile())
	}
	if err != nil {
		return s.tokensLeft(kind, err)
	}
	return nil
}

func (s *Session) tokensLeft(kind store.Kind, err error) error {
	where := string(kind)
	if st, serr := s.Store(kind); serr == nil {
		where = st.Location()
	}
	return errs.New(errs.KindAuth, err,
		"make the keyring available (unlock it) and run `cosmosctl logout` again: it removes what is left",
		"the tokens of profile %s could not be removed from %s: %v", s.Profile(), where, err)
}

// leftovers reports whether a backend still holds entries of the profile.
func (s *Session) leftovers(ctx context.Context, kind store.Kind) (bool, error) {
	name := store.EncryptedFileName
	if kind == store.KindPlaintext {
		name = store.PlaintextFileName
	}
	if _, err := os.Stat(filepath.Join(s.cfg.Dir, name)); errors.Is(err, fs.ErrNotExist) {
		return false, errNoStore
	}
	st, err := s.Store(kind)
	if err != nil {
		return false, err
	}
	keys, err := st.Keys(ctx)
	if err != nil {
		return false, err
	}
	p := s.Profile()
	for _, k := range keys {
		if k == keyMSAL(p) || k == keyLogin(p) || k == keyAccount(p) || strings.HasPrefix(k, keyAT(p)) {
			return true, nil
		}
	}
	return false, nil
}

// withLeftovers adds to a "not signed in" error that an earlier sign-in's
// tokens are still stored (a logout could not remove them).
func (s *Session) withLeftovers(ctx context.Context, err error) error {
	var e *errs.Error
	if s.Account() != nil || !errors.As(err, &e) || e.Kind != errs.KindAuth {
		return err
	}
	for _, kind := range []store.Kind{store.KindKeyring, store.KindPlaintext} {
		if found, lerr := s.leftovers(ctx, kind); lerr == nil && found {
			where := string(kind)
			if st, serr := s.Store(kind); serr == nil {
				where = st.Location()
			}
			c := *e
			c.Hint = strings.TrimSpace(fmt.Sprintf("tokens of an earlier sign-in of profile %s are still stored in %s: run `cosmosctl logout` to remove them. %s", s.Profile(), where, e.Hint))
			return &c
		}
	}
	return err
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
