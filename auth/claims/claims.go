// Package claims decodes the payload of an Entra ID access token for
// display (whoami) and error explanations. It never verifies a signature:
// the token came from our own cache or from Entra over TLS, and only the
// service that receives it must trust it.
package claims

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Claims are the fields cosmosctl shows.
type Claims struct {
	Audience          string   `json:"-"`
	Issuer            string   `json:"iss"`
	TenantID          string   `json:"tid"`
	ObjectID          string   `json:"oid"`
	Subject           string   `json:"sub"`
	UPN               string   `json:"upn"`
	PreferredUsername string   `json:"preferred_username"`
	UniqueName        string   `json:"unique_name"`
	Name              string   `json:"name"`
	AppID             string   `json:"appid"`
	AuthorizedParty   string   `json:"azp"`
	IDType            string   `json:"idtyp"`
	Scopes            []string `json:"-"`
	Roles             []string `json:"roles"`
	Groups            []string `json:"groups"`
	// GroupsOverage: Entra left the groups out (too many) and put a
	// reference in their place; Groups is then nil.
	GroupsOverage bool      `json:"-"`
	ExpiresAt     time.Time `json:"-"`
	IssuedAt      time.Time `json:"-"`
	NotBefore     time.Time `json:"-"`
}

// raw carries the claims whose JSON shape varies between token versions.
type raw struct {
	Claims
	Aud any             `json:"aud"`
	Scp string          `json:"scp"`
	Exp json.Number     `json:"exp"`
	Iat json.Number     `json:"iat"`
	Nbf json.Number     `json:"nbf"`
	Grp json.RawMessage `json:"groups"`
	// ClaimNames names claims moved out of the token: "groups" there is
	// Entra's group overage.
	ClaimNames map[string]any `json:"_claim_names"`
	HasGroups  bool           `json:"hasgroups"`
}

// ErrNotJWT reports a token that is not a JWS compact serialization (for
// example an opaque token from another identity provider).
var ErrNotJWT = errors.New("token is not a JWT")

// Decode parses the payload of a JWT.
func Decode(token string) (*Claims, error) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return nil, ErrNotJWT
	}
	payload, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return nil, fmt.Errorf("%w: payload is not base64url: %v", ErrNotJWT, err)
	}
	var r raw
	dec := json.NewDecoder(strings.NewReader(string(payload)))
	dec.UseNumber()
	if err := dec.Decode(&r); err != nil {
		return nil, fmt.Errorf("%w: payload is not a JSON object: %v", ErrNotJWT, err)
	}
	c := r.Claims
	switch a := r.Aud.(type) {
	case string:
		c.Audience = a
	case []any:
		if len(a) > 0 {
			c.Audience, _ = a[0].(string)
		}
	}
	if r.Scp != "" {
		c.Scopes = strings.Fields(r.Scp)
	}
	c.ExpiresAt = unix(r.Exp)
	c.IssuedAt = unix(r.Iat)
	c.NotBefore = unix(r.Nbf)
	// groups is an array of ids; an overage claim replaces it with a
	// reference, which we treat as "unknown" (nil).
	c.Groups = nil
	if len(r.Grp) > 0 && r.Grp[0] == '[' {
		_ = json.Unmarshal(r.Grp, &c.Groups)
	}
	_, moved := r.ClaimNames["groups"]
	c.GroupsOverage = moved || r.HasGroups
	return &c, nil
}

func unix(n json.Number) time.Time {
	if n == "" {
		return time.Time{}
	}
	f, err := n.Float64()
	if err != nil {
		return time.Time{}
	}
	return time.Unix(int64(f), 0).UTC()
}

// IsApp reports an application (service principal or managed identity)
// token rather than a user's.
func (c *Claims) IsApp() bool {
	if c.IDType == "app" {
		return true
	}
	return c.IDType == "" && c.UPN == "" && c.PreferredUsername == "" && c.UniqueName == "" && len(c.Scopes) == 0 && c.AppID != ""
}

// User is the user's sign-in name, or "" for applications.
func (c *Claims) User() string {
	if c.IsApp() {
		return ""
	}
	for _, v := range []string{c.UPN, c.PreferredUsername, c.UniqueName} {
		if v != "" {
			return v
		}
	}
	return ""
}

// ClientID is the application the token was issued to (appid in v1
// tokens, azp in v2 tokens).
func (c *Claims) ClientID() string {
	if c.AppID != "" {
		return c.AppID
	}
	return c.AuthorizedParty
}

// Principal is a one-line name for the identity: the user name, else the
// display name, else the application id.
func (c *Claims) Principal() string {
	if u := c.User(); u != "" {
		return u
	}
	if c.Name != "" {
		return c.Name
	}
	return c.ClientID()
}
