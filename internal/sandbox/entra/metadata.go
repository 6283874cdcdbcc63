package entra

import (
	"encoding/base64"
	"encoding/json"
	"math/big"
	"net/http"
	"net/url"
	"strings"
)

// knownTenant reports whether a tenant path segment addresses this tenant.
// "organizations" and "common" are what MSAL and azidentity use by default.
func (s *Server) knownTenant(t string) bool {
	return strings.EqualFold(t, s.tenant) || strings.EqualFold(t, "organizations") || strings.EqualFold(t, "common")
}

// tenantOK writes AADSTS90002 and returns false for an unknown tenant path.
func (s *Server) tenantOK(w http.ResponseWriter, r *http.Request) (string, bool) {
	t := r.PathValue("tenant")
	if s.knownTenant(t) {
		return t, true
	}
	s.writeOAuthError(w, r, http.StatusBadRequest, "invalid_tenant", 90002,
		"Tenant '"+t+"' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant.")
	return "", false
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	// An encode error means the client went away; nothing useful to do.
	_ = json.NewEncoder(w).Encode(v)
}

// handleDiscovery answers MSAL's instance discovery. MSAL only calls it when
// discovery is enabled, and then always on login.microsoftonline.com; it is
// served here for clients that rewrite that host to the sandbox.
func (s *Server) handleDiscovery(w http.ResponseWriter, r *http.Request) {
	s.count(func(st *Stats) { st.Discovery++ })
	base := s.base(r)
	tenant := s.tenant
	// authorization_endpoint=https://HOST/{tenant}/oauth2/v2.0/authorize names the tenant asked for.
	if ae, err := url.Parse(r.URL.Query().Get("authorization_endpoint")); err == nil {
		if seg := strings.Split(strings.Trim(ae.Path, "/"), "/"); len(seg) > 0 && s.knownTenant(seg[0]) {
			tenant = seg[0]
		}
	}
	host := strings.TrimPrefix(base, "https://")
	writeJSON(w, http.StatusOK, map[string]any{
		"api-version":               "1.1",
		"tenant_discovery_endpoint": base + "/" + tenant + "/v2.0/.well-known/openid-configuration",
		"metadata": []map[string]any{{
			"preferred_network": host,
			"preferred_cache":   host,
			"aliases":           []string{host},
		}},
	})
}

func (s *Server) handleOpenIDConfig(w http.ResponseWriter, r *http.Request) {
	t, ok := s.tenantOK(w, r)
	if !ok {
		return
	}
	s.count(func(st *Stats) { st.OpenIDConfig++ })
	base := s.base(r)
	issuer := s.issuerFor(base)
	if !strings.EqualFold(t, s.tenant) {
		// Like Entra: multi-tenant documents carry a placeholder MSAL does not substitute.
		issuer = base + "/{tenantid}/v2.0"
	}
	p := base + "/" + t
	// MSAL derives the device-code URL by replacing "token" with "devicecode"
	// in token_endpoint, so no other part of that URL may contain "token".
	writeJSON(w, http.StatusOK, map[string]any{
		"issuer":                                issuer,
		"authorization_endpoint":                p + "/oauth2/v2.0/authorize",
		"token_endpoint":                        p + "/oauth2/v2.0/token",
		"device_authorization_endpoint":         p + "/oauth2/v2.0/devicecode",
		"jwks_uri":                              p + "/discovery/v2.0/keys",
		"end_session_endpoint":                  p + "/oauth2/v2.0/logout",
		"token_endpoint_auth_methods_supported": []string{"client_secret_post", "private_key_jwt", "client_secret_basic"},
		"response_types_supported":              []string{"code", "id_token", "code id_token", "id_token token"},
		"scopes_supported":                      []string{"openid", "profile", "email", "offline_access"},
		"subject_types_supported":               []string{"pairwise"},
		"id_token_signing_alg_values_supported": []string{"RS256"},
		"claims_supported":                      []string{"sub", "iss", "aud", "exp", "iat", "nbf", "name", "oid", "tid", "preferred_username", "upn", "groups"},
		"tenant_region_scope":                   "NA",
		"cloud_instance_name":                   "cosmosctl.sandbox",
	})
}

func jwk(sg signer, issuer string) map[string]any {
	return map[string]any{
		"kty":    "RSA",
		"use":    "sig",
		"alg":    "RS256",
		"kid":    sg.kid,
		"x5t":    sg.kid,
		"n":      base64.RawURLEncoding.EncodeToString(sg.key.N.Bytes()),
		"e":      base64.RawURLEncoding.EncodeToString(big.NewInt(int64(sg.key.E)).Bytes()),
		"issuer": issuer,
	}
}

func (s *Server) handleKeys(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.tenantOK(w, r); !ok {
		return
	}
	s.count(func(st *Stats) { st.Keys++ })
	writeJSON(w, http.StatusOK, map[string]any{"keys": []any{jwk(s.signing, s.issuerFor(s.base(r)))}})
}

func (s *Server) handleFederatedConfig(w http.ResponseWriter, r *http.Request) {
	s.count(func(st *Stats) { st.OpenIDConfig++ })
	iss := s.federatedIssuerFor(s.base(r))
	writeJSON(w, http.StatusOK, map[string]any{
		"issuer":                                iss,
		"jwks_uri":                              iss + "/keys",
		"subject_types_supported":               []string{"public"},
		"response_types_supported":              []string{"id_token"},
		"id_token_signing_alg_values_supported": []string{"RS256"},
		"claims_supported":                      []string{"sub", "aud", "exp", "iat", "iss", "jti", "nbf"},
	})
}

func (s *Server) handleFederatedKeys(w http.ResponseWriter, r *http.Request) {
	s.count(func(st *Stats) { st.Keys++ })
	writeJSON(w, http.StatusOK, map[string]any{"keys": []any{jwk(s.federated, s.federatedIssuerFor(s.base(r)))}})
}
