package entra

import (
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/cosmosctl/cosmosctl/internal/sandbox/reqlog"
)

const (
	jwtBearerAssertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
	maxFormBytes           = 1 << 20
	// spentRefreshTokenRetention is how long a rotated or revoked refresh
	// token is remembered, to answer its replay with the precise error.
	spentRefreshTokenRetention = 24 * time.Hour
)

// refreshToken is the server-side state of an opaque refresh token.
type refreshToken struct {
	principal string
	clientID  string
	issued    time.Time
	expires   time.Time
	state     rtState
	changedAt time.Time // when consumed or revoked
}

type rtState int

const (
	rtActive rtState = iota
	rtConsumed
	rtRevoked
)

func (s *Server) newRefreshToken(principal, clientID string, now time.Time) (string, error) {
	tok := "1.SANDBOX." + randomToken(48)
	s.mu.Lock()
	defer s.mu.Unlock()
	// Forget tokens after their natural lifetime, and spent (rotated or
	// revoked) ones a while after they were spent, so the map stays bounded
	// by the live sign-ins; a late replay then gets the unknown-token error.
	for k, v := range s.refreshTokens {
		if now.After(v.expires) || (v.state != rtActive && now.Sub(v.changedAt) > spentRefreshTokenRetention) {
			delete(s.refreshTokens, k)
		}
	}
	s.refreshTokens[rtKey(tok)] = &refreshToken{principal: principal, clientID: clientID, issued: now, expires: now.Add(refreshTokenLifetime)}
	if err := s.saveStateLocked(); err != nil {
		delete(s.refreshTokens, rtKey(tok))
		return "", err
	}
	return tok, nil
}

// RevokeRefreshTokens invalidates every active refresh token of a principal
// (like revoking sessions in Entra) and returns how many were revoked.
func (s *Server) RevokeRefreshTokens(principalName string) int {
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, v := range s.refreshTokens {
		if v.state == rtActive && strings.EqualFold(v.principal, principalName) {
			v.state, v.changedAt = rtRevoked, now
			n++
		}
	}
	if n > 0 {
		s.saveStateBestEffortLocked()
	}
	return n
}

func (s *Server) handleToken(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.tenantOK(w, r); !ok {
		return
	}
	if !s.parseOAuthForm(w, r) {
		return
	}
	gt := r.PostForm.Get("grant_type")
	if gt == "" {
		s.writeMissingParam(w, r, "grant_type")
		return
	}
	switch gt {
	case "device_code", "urn:ietf:params:oauth:grant-type:device_code":
		s.count(func(st *Stats) { st.DeviceCodePolls++ })
		s.grantDeviceCode(w, r)
	case "authorization_code":
		s.count(func(st *Stats) { st.AuthCodeGrants++ })
		s.grantAuthCode(w, r)
	case "refresh_token":
		s.count(func(st *Stats) { st.RefreshGrants++ })
		s.grantRefresh(w, r)
	case "client_credentials":
		if r.PostForm.Get("client_assertion") != "" {
			s.count(func(st *Stats) { st.ClientAssertions++ })
		} else {
			s.count(func(st *Stats) { st.ClientCredentials++ })
		}
		s.grantClientCredentials(w, r)
	default:
		s.writeOAuthError(w, r, http.StatusBadRequest, "unsupported_grant_type", 70003,
			"The app requested an unsupported grant type '"+gt+"'. The cosmosctl sandbox supports device_code, authorization_code, refresh_token and client_credentials.")
	}
}

// parseOAuthForm reads a token or device-code request's form (at most
// maxFormBytes), answering a bad one with Entra's error.
func (s *Server) parseOAuthForm(w http.ResponseWriter, r *http.Request) bool {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		s.writeOAuthError(w, r, http.StatusBadRequest, "invalid_request", 900144, "The request body must be application/x-www-form-urlencoded: "+err.Error())
		return false
	}
	return true
}

func (s *Server) writeMissingParam(w http.ResponseWriter, r *http.Request, name string) {
	s.writeOAuthError(w, r, http.StatusBadRequest, "invalid_request", 900144,
		"The request body must contain the following parameter: '"+name+"'.")
}

func (s *Server) grantRefresh(w http.ResponseWriter, r *http.Request) {
	clientID := r.PostForm.Get("client_id")
	if clientID == "" {
		s.writeMissingParam(w, r, "client_id")
		return
	}
	tok := r.PostForm.Get("refresh_token")
	if tok == "" {
		s.writeMissingParam(w, r, "refresh_token")
		return
	}
	now := s.now()
	// Look up and consume under one lock so a token can be redeemed only once.
	s.mu.Lock()
	rt, found := s.refreshTokens[rtKey(tok)]
	var cp refreshToken
	if found {
		cp = *rt
		if rt.state == rtActive && now.Before(rt.expires) && strings.EqualFold(rt.clientID, clientID) {
			rt.state, rt.changedAt = rtConsumed, now
			s.saveStateBestEffortLocked()
		}
	}
	s.mu.Unlock()
	const stamp = "2006-01-02T15:04:05.0000000Z"
	switch {
	case !found:
		s.writeOAuthError(w, r, http.StatusBadRequest, "invalid_grant", 9002313,
			"Invalid request. Request is malformed or invalid. The refresh token is not one issued by this tenant.")
		return
	case cp.state == rtRevoked:
		s.writeOAuthError(w, r, http.StatusBadRequest, "invalid_grant", 50173,
			fmt.Sprintf("The provided grant has expired due to it being revoked, a fresh auth token is needed. The user might have changed or reset their password. The grant was issued on '%s' and the TokensValidFrom date (before which tokens are not valid) for this user is '%s'.",
				cp.issued.UTC().Format(stamp), cp.changedAt.UTC().Format(stamp)))
		return
	case cp.state == rtConsumed:
		// Entra itself tolerates reuse; the sandbox rotates strictly so that
		// clients that keep using a stale token are caught in tests.
		s.writeOAuthError(w, r, http.StatusBadRequest, "invalid_grant", 70000,
			"Provided grant is invalid or malformed. The refresh token was already redeemed (the cosmosctl sandbox rotates refresh tokens on every use).")
		return
	case !now.Before(cp.expires):
		s.writeOAuthError(w, r, http.StatusBadRequest, "invalid_grant", 700082,
			fmt.Sprintf("The refresh token has expired due to inactivity. The token was issued on %s and was inactive for 90.00:00:00.", cp.issued.UTC().Format(stamp)))
		return
	case !strings.EqualFold(cp.clientID, clientID):
		s.writeOAuthError(w, r, http.StatusBadRequest, "invalid_grant", 70000,
			"Provided grant is invalid or malformed. The refresh token was issued to a different client ('"+cp.clientID+"').")
		return
	}
	p := s.principalByName(cp.principal)
	if p == nil {
		s.writeOAuthError(w, r, http.StatusBadRequest, "invalid_grant", 50034, "The user account does not exist in the "+s.tenant+" directory.")
		return
	}
	scope := r.PostForm.Get("scope")
	res, ok := s.checkScope(w, r, scope, false)
	if !ok {
		s.restoreRefreshToken(tok, now)
		return
	}
	s.issue(w, r, grant{p: p, clientID: clientID, resource: res, scope: scope, base: s.base(r), user: true})
}

// restoreRefreshToken undoes the consumption of a refresh token whose
// redemption failed for a reason unrelated to the token (e.g. a bad scope),
// as Entra would not have spent it either.
func (s *Server) restoreRefreshToken(tok string, consumedAt time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if rt, ok := s.refreshTokens[rtKey(tok)]; ok && rt.state == rtConsumed && rt.changedAt.Equal(consumedAt) {
		rt.state = rtActive
		s.saveStateBestEffortLocked()
	}
}

func (s *Server) issue(w http.ResponseWriter, r *http.Request, g grant) {
	reqlog.SetPrincipal(r.Context(), g.p.Name)
	resp, err := s.tokenResponse(g)
	if err != nil {
		s.writeOAuthError(w, r, http.StatusInternalServerError, "server_error", 90033, "A transient error has occurred: "+err.Error())
		return
	}
	writeJSON(w, http.StatusOK, resp)
}

func (s *Server) grantClientCredentials(w http.ResponseWriter, r *http.Request) {
	clientID := r.PostForm.Get("client_id")
	if clientID == "" {
		s.writeMissingParam(w, r, "client_id")
		return
	}
	p := s.appByClientID(clientID)
	if p == nil {
		s.writeOAuthError(w, r, http.StatusBadRequest, "unauthorized_client", 700016,
			"Application with identifier '"+clientID+"' was not found in the directory '"+s.tenant+
				"'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.")
		return
	}
	switch assertion, secret := r.PostForm.Get("client_assertion"), r.PostForm.Get("client_secret"); {
	case assertion != "":
		if t := r.PostForm.Get("client_assertion_type"); t != jwtBearerAssertionType {
			s.writeOAuthError(w, r, http.StatusBadRequest, "invalid_request", 50027,
				"Invalid client_assertion_type '"+t+"'; expected '"+jwtBearerAssertionType+"'.")
			return
		}
		// The app's own certificate-signed assertion, or a federated token.
		check := s.checkFederatedAssertion
		if isCertificateAssertion(p, assertion) {
			check = s.checkCertificateAssertion
		}
		if !check(w, r, p, assertion) {
			return
		}
	case secret != "":
		if p.ClientSecret == "" || subtle.ConstantTimeCompare([]byte(secret), []byte(p.ClientSecret)) != 1 {
			s.writeOAuthError(w, r, http.StatusUnauthorized, "invalid_client", 7000215,
				"Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '"+p.ClientID+"'.")
			return
		}
	default:
		s.writeOAuthError(w, r, http.StatusUnauthorized, "invalid_client", 7000218,
			"The request body must contain the following parameter: 'client_assertion' or 'client_secret'.")
		return
	}
	scope := r.PostForm.Get("scope")
	res, ok := s.checkScope(w, r, scope, true)
	if !ok {
		return
	}
	s.issue(w, r, grant{p: p, clientID: p.ClientID, resource: res, scope: scope, base: s.base(r)})
}

// checkFederatedAssertion validates a workload-identity client assertion:
// issued and signed by the sandbox's federated issuer, audience
// api://AzureADTokenExchange, within its validity window, and with a subject
// the service principal trusts. Failures use the real AADSTS codes.
func (s *Server) checkFederatedAssertion(w http.ResponseWriter, r *http.Request, p *Principal, assertion string) bool {
	fedIss := s.federatedIssuerFor(s.base(r))
	claims := jwt.MapClaims{}
	_, err := jwt.ParseWithClaims(assertion, claims, func(t *jwt.Token) (any, error) {
		iss, _ := claims.GetIssuer()
		if iss != fedIss {
			return nil, errUnknownIssuer
		}
		if kid, _ := t.Header["kid"].(string); kid != s.federated.kid {
			return nil, fmt.Errorf("unknown key id %q", kid)
		}
		return &s.federated.key.PublicKey, nil
	}, jwt.WithValidMethods([]string{"RS256"}), jwt.WithoutClaimsValidation())
	iss, _ := claims.GetIssuer()
	switch {
	case errors.Is(err, errUnknownIssuer):
		s.writeOAuthError(w, r, http.StatusBadRequest, "invalid_request", 700211,
			"No matching federated identity record found for presented assertion issuer '"+iss+"'. Please note that the matching is done using a case-sensitive comparison. Check your federated identity credential Subject, Audience and Issuer against the presented assertion. (The cosmosctl sandbox trusts only "+fedIss+".)")
		return false
	case errors.Is(err, jwt.ErrTokenMalformed):
		s.writeOAuthError(w, r, http.StatusBadRequest, "invalid_request", 50027, "JWT token is invalid or malformed.")
		return false
	case err != nil:
		s.writeOAuthError(w, r, http.StatusUnauthorized, "invalid_client", 700027, "Client assertion failed signature validation.")
		return false
	}
	if !s.assertionTimeOK(w, r, claims, s.now(), 0) {
		return false
	}
	aud, _ := claims.GetAudience()
	audOK := false
	for _, a := range aud {
		audOK = audOK || a == FederatedAudience
	}
	if !audOK {
		s.writeOAuthError(w, r, http.StatusBadRequest, "invalid_request", 700212,
			"No matching federated identity record found for presented assertion audience '"+strings.Join(aud, ",")+"'. Please note that the matching is done using a case-sensitive comparison. Check your federated identity credential Subject, Audience and Issuer against the presented assertion.")
		return false
	}
	sub, _ := claims.GetSubject()
	subOK := len(p.FederatedSubjects) == 0
	for _, fs := range p.FederatedSubjects {
		subOK = subOK || fs == sub
	}
	if !subOK {
		s.writeOAuthError(w, r, http.StatusBadRequest, "invalid_request", 700213,
			"No matching federated identity record found for presented assertion subject '"+sub+"'. Please note that the matching is done using a case-sensitive comparison. Check your federated identity credential Subject, Audience and Issuer against the presented assertion.")
		return false
	}
	return true
}

var errUnknownIssuer = errors.New("assertion issuer is not the sandbox federated issuer")
