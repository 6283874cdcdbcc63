package entra

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"
)

// writeOAuthError writes an Entra-shaped OAuth error body. The description
// starts with "AADSTS<code>: " and ends with the trace/correlation/timestamp
// lines real Entra appends, so client-side classifiers see realistic text.
func (s *Server) writeOAuthError(w http.ResponseWriter, r *http.Request, status int, code string, aadsts int, msg string) {
	now := s.now().UTC()
	trace := uuid.NewString()
	corr := r.Header.Get("client-request-id")
	if corr == "" {
		corr = uuid.NewString()
	}
	ts := now.Format("2006-01-02 15:04:05Z")
	desc := fmt.Sprintf("AADSTS%d: %s\r\nTrace ID: %s\r\nCorrelation ID: %s\r\nTimestamp: %s", aadsts, msg, trace, corr, ts)
	writeJSON(w, status, map[string]any{
		"error":             code,
		"error_description": desc,
		"error_codes":       []int{aadsts},
		"timestamp":         ts,
		"trace_id":          trace,
		"correlation_id":    corr,
		"error_uri":         s.base(r) + "/error?code=" + strconv.Itoa(aadsts),
	})
}

func (s *Server) sign(sg signer, claims jwt.MapClaims) (string, error) {
	t := jwt.NewWithClaims(jwt.SigningMethodRS256, claims)
	t.Header["kid"] = sg.kid
	t.Header["x5t"] = sg.kid
	out, err := t.SignedString(sg.key)
	if err != nil {
		return "", fmt.Errorf("sign token: %w", err)
	}
	return out, nil
}

// grant describes what an access token is issued for.
type grant struct {
	p        *Principal
	clientID string // the app that asked (appid/azp)
	resource string // aud
	scope    string // scope echoed in the token response
	base     string // public base URL of this request
	user     bool   // delegated (user) token vs app-only
}

// pairwiseSub mimics Entra's per-application "sub" for user tokens.
func pairwiseSub(oid, clientID string) string {
	sum := sha256.Sum256([]byte(oid + "|" + strings.ToLower(clientID)))
	return base64.RawURLEncoding.EncodeToString(sum[:32])
}

func (s *Server) accessToken(g grant, now time.Time) (string, error) {
	c := jwt.MapClaims{
		"aud":   g.resource,
		"iss":   s.issuerFor(g.base),
		"iat":   now.Unix(),
		"nbf":   now.Unix(),
		"exp":   now.Add(s.cfg.TokenLifetime).Unix(),
		"tid":   s.tenant,
		"oid":   g.p.ObjectID,
		"name":  g.p.DisplayName,
		"appid": g.clientID,
		"azp":   g.clientID,
		"uti":   randomToken(16),
		"ver":   "2.0",
	}
	if g.user {
		c["sub"] = pairwiseSub(g.p.ObjectID, g.clientID)
		c["upn"] = g.p.UPN
		c["preferred_username"] = g.p.UPN
		c["scp"] = "user_impersonation"
		c["idtyp"] = "user"
		c["azpacr"] = "0" // public client
	} else {
		c["sub"] = g.p.ObjectID // app-only tokens: sub == oid
		c["idtyp"] = "app"
		c["azpacr"] = "1"
		if len(g.p.Roles) > 0 {
			c["roles"] = g.p.Roles
		}
	}
	switch {
	case g.p.GroupsOverage:
		c["_claim_names"] = map[string]string{"groups": "src1"}
		c["_claim_sources"] = map[string]any{"src1": map[string]string{
			"endpoint": "https://graph.microsoft.com/v1.0/users/" + g.p.ObjectID + "/getMemberObjects"}}
	case len(g.p.Groups) > 0:
		c["groups"] = g.p.Groups
	}
	return s.sign(s.signing, c)
}

func (s *Server) idToken(g grant, now time.Time) (string, error) {
	return s.sign(s.signing, jwt.MapClaims{
		"aud":                g.clientID,
		"iss":                s.issuerFor(g.base),
		"iat":                now.Unix(),
		"nbf":                now.Unix(),
		"exp":                now.Add(idTokenLifetime).Unix(),
		"oid":                g.p.ObjectID,
		"sub":                pairwiseSub(g.p.ObjectID, g.clientID),
		"tid":                s.tenant,
		"name":               g.p.DisplayName,
		"preferred_username": g.p.UPN,
		"uti":                randomToken(16),
		"ver":                "2.0",
	})
}

func clientInfo(oid, tid string) string {
	b, _ := json.Marshal(map[string]string{"uid": oid, "utid": tid}) // cannot fail for strings
	return base64.RawURLEncoding.EncodeToString(b)
}

// tokenResponse builds the token endpoint's success body. User grants also
// get a rotating refresh token, an id_token and client_info so MSAL persists
// the account (home account id "oid.tid").
func (s *Server) tokenResponse(g grant) (map[string]any, error) {
	now := s.now()
	at, err := s.accessToken(g, now)
	if err != nil {
		return nil, err
	}
	secs := int(s.cfg.TokenLifetime.Round(time.Second) / time.Second)
	if secs < 1 {
		secs = 1
	}
	resp := map[string]any{
		"token_type":     "Bearer",
		"scope":          g.scope,
		"expires_in":     secs,
		"ext_expires_in": secs,
		"access_token":   at,
	}
	if g.user {
		idt, err := s.idToken(g, now)
		if err != nil {
			return nil, err
		}
		resp["id_token"] = idt
		resp["client_info"] = clientInfo(g.p.ObjectID, s.tenant)
		rt, err := s.newRefreshToken(g.p.Name, g.clientID, now)
		if err != nil {
			return nil, err
		}
		resp["refresh_token"] = rt
	}
	return resp, nil
}

// oidcScopes are scopes MSAL adds to user flows; they name no resource.
var oidcScopes = map[string]bool{"openid": true, "profile": true, "offline_access": true, "email": true}

// resourceFromScopes returns the single resource addressed by a scope list.
// "https://host/.default" and "https://host/user_impersonation" both name
// resource "https://host". ok is false when no resource scope is present or
// scopes address different resources.
func resourceFromScopes(scope string) (resource string, dotDefault bool, ok bool) {
	for _, sc := range strings.Fields(scope) {
		if oidcScopes[strings.ToLower(sc)] {
			continue
		}
		res, def := sc, false
		if strings.HasSuffix(sc, "/.default") {
			res, def = strings.TrimSuffix(sc, "/.default"), true
		} else if i := strings.LastIndex(sc, "/"); i > len("https://") {
			res = sc[:i]
		}
		if resource != "" && !strings.EqualFold(resource, res) {
			return "", false, false
		}
		resource, dotDefault = res, def
	}
	return resource, dotDefault, resource != ""
}

// resourceAllowed reports whether a resource is registered in the sandbox tenant.
func (s *Server) resourceAllowed(res string) bool {
	if s.cfg.Resources == nil {
		return true
	}
	norm := func(x string) string { return strings.ToLower(strings.TrimRight(x, "/")) }
	for _, a := range s.cfg.Resources() {
		if norm(a) == norm(res) {
			return true
		}
	}
	return false
}

func (s *Server) writeResourceNotFound(w http.ResponseWriter, r *http.Request, res string) {
	s.writeOAuthError(w, r, http.StatusBadRequest, "invalid_resource", 500011,
		"The resource principal named "+res+" was not found in the tenant named "+s.tenant+
			". This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant.")
}

// checkScope validates the scope parameter of a token or device-code request
// and returns the resource. It writes the error response itself.
func (s *Server) checkScope(w http.ResponseWriter, r *http.Request, scope string, requireDefault bool) (string, bool) {
	res, def, ok := resourceFromScopes(scope)
	if !ok {
		s.writeOAuthError(w, r, http.StatusBadRequest, "invalid_scope", 70011,
			"The provided request must include a 'scope' input parameter naming exactly one resource, e.g. 'https://cosmos.azure.com/.default'. The provided value for the input parameter 'scope' is not valid.")
		return "", false
	}
	if requireDefault && !def {
		s.writeOAuthError(w, r, http.StatusBadRequest, "invalid_scope", 1002012,
			"The provided value for scope "+scope+" is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).")
		return "", false
	}
	if !s.resourceAllowed(res) {
		s.writeResourceNotFound(w, r, res)
		return "", false
	}
	return res, true
}

// sortedCopy is used for deterministic output in pages and errors.
func sortedCopy(in []string) []string {
	out := append([]string(nil), in...)
	sort.Strings(out)
	return out
}
