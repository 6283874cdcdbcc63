// Package entra is the sandbox's fake Microsoft Entra ID: an http.Handler that
// the real MSAL Go and azidentity clients talk to over HTTPS on loopback. It
// serves OpenID metadata, JWKS, instance discovery, the device-code and token
// endpoints, an App-Service-style managed identity endpoint and a small
// device-login page, and issues RS256 access tokens that the sandbox gateway
// verifies with SigningKey.
//
// The Server knows nothing about listeners or TLS: the caller mounts it and
// tells it its public base URL with SetBaseURL once the listener is bound.
//
// Endpoints (BASE = the URL given to SetBaseURL; {tenant} = the tenant id,
// "organizations" or "common"):
//
//	GET  /{tenant}/discovery/instance                   instance discovery (MSAL with discovery on)
//	GET  /{tenant}/v2.0/.well-known/openid-configuration
//	GET  /{tenant}/discovery/v2.0/keys                  JWKS of the access-token key
//	POST /{tenant}/oauth2/v2.0/devicecode
//	GET  /{tenant}/oauth2/v2.0/authorize                authorization code with PKCE (S256), loopback
//	                                                    redirect URIs only; a sign-in page, or an
//	                                                    immediate redirect with AutoApprove
//	POST /{tenant}/oauth2/v2.0/authorize                the sign-in page's answer
//	POST /{tenant}/oauth2/v2.0/token                    device_code, authorization_code, refresh_token, client_credentials
//	                                                    (client_secret, or client_assertion: federated or certificate-signed)
//	GET  /federated/.well-known/openid-configuration    the federated (workload identity) issuer
//	GET  /federated/keys
//	GET  /devicelogin                                   verification URI (HTML), POST submits it
//	POST /sandbox/approve                               user_code, principal[, action=decline]; form or JSON
//	GET  /sandbox/federated-token?sub=…[&aud=…]         a fresh federated token as text
//	GET|POST /msi/token?resource=…&api-version=2019-08-01   App Service managed identity
//
// MSAL Go ignores the device-code "interval" (it polls after 50 ms, 150 ms,
// 450 ms, 1.35 s, 4.05 s, then every 5 s), so a poll closer than
// PollInterval to the previous poll gets slow_down, which MSAL treats like
// authorization_pending. The first poll is never too fast.
package entra

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
)

// DefaultTenant is the tenant id used when Config.Tenant is empty. It is a
// fixed, obviously fake GUID so that tokens and cache keys stay stable across
// sandbox restarts.
const DefaultTenant = "c05a0dbe-5a4d-4b0c-9000-00000000c0de"

// FederatedAudience is the audience Entra requires on federated client
// assertions (workload identity federation).
const FederatedAudience = "api://AzureADTokenExchange"

// Defaults for Config fields left zero.
const (
	DefaultTokenLifetime      = time.Hour
	DefaultPollInterval       = 5 * time.Second
	DefaultDeviceCodeLifetime = 15 * time.Minute
	refreshTokenLifetime      = 90 * 24 * time.Hour
	idTokenLifetime           = time.Hour
)

// Errors returned by Approve and Decline.
var (
	ErrUnknownCode      = errors.New("unknown user code")
	ErrExpiredCode      = errors.New("user code has expired")
	ErrCodeUsed         = errors.New("user code was already used")
	ErrUnknownPrincipal = errors.New("unknown principal (or not a user that can sign in interactively)")
)

// Principal is a user, service principal or managed identity of the sandbox tenant.
type Principal struct {
	Name, ObjectID, UPN, DisplayName string
	Groups                           []string
	// GroupsOverage replaces the groups claim with Entra's overage
	// reference (_claim_names / _claim_sources), as for a member of too
	// many groups.
	GroupsOverage          bool
	ServicePrincipal       bool
	ClientID, ClientSecret string // service principals
	// FederatedSubjects are the accepted "sub" values of federated assertions
	// (empty = any subject from the sandbox's federated issuer).
	FederatedSubjects []string
	// ManagedIdentity marks the principal served by the /msi/token endpoint.
	// A managed identity is always treated as a service principal.
	ManagedIdentity bool
	// Roles are app roles emitted as the "roles" claim of app-only tokens.
	Roles []string
	// Certificates are the public certificates registered on a service
	// principal: client assertions signed by their keys (located by the
	// x5t or x5t#S256 header) authenticate it. Only RSA keys are accepted,
	// as MSAL signs assertions with RS256 or PS256 only.
	Certificates []*x509.Certificate
}

func (p *Principal) isApp() bool { return p.ServicePrincipal || p.ManagedIdentity }

// Config configures a Server.
type Config struct {
	Tenant        string
	Principals    []Principal
	TokenLifetime time.Duration // access-token lifetime; default 1h
	AutoApprove   string        // principal name: approve every device code on its first poll and every authorization request at once
	// Resources returns the accepted resource identifiers (no "/.default"),
	// e.g. "https://127.0.0.1" or "https://cosmos.azure.com". Other resources
	// get the real AADSTS500011 error. nil accepts every resource.
	Resources func() []string
	Now       func() time.Time // nil = time.Now
	// PollInterval is the device-code polling interval; a poll closer than
	// this to the previous poll of the same code gets slow_down. Default 5s. The "interval" field of the device
	// code response is this value rounded up to whole seconds (at least 1).
	PollInterval time.Duration
	// DeviceCodeLifetime is how long a device code stays valid; default 15 min.
	DeviceCodeLifetime time.Duration
	// SigningKey and FederatedKey, when set, are used instead of freshly
	// generated 2048-bit keys (lets the caller keep tokens valid across restarts).
	SigningKey, FederatedKey *rsa.PrivateKey
	// ManagedIdentitySecret is the expected X-IDENTITY-HEADER value; empty = random.
	ManagedIdentitySecret string
	// StateFile, when set, is where refresh tokens (hashed) are kept
	// (mode 0600): loaded by New and saved on every change, so a restarted
	// sandbox does not sign anyone out.
	StateFile string
}

// Stats counts requests per endpoint and grant.
type Stats struct {
	Discovery         int // instance discovery
	OpenIDConfig      int // OpenID configuration documents (tenant and federated issuer)
	Keys              int // JWKS documents
	DeviceCode        int // device code requests
	DeviceCodePolls   int // token requests with grant_type=device_code
	RefreshGrants     int
	Authorizations    int // GET /{tenant}/oauth2/v2.0/authorize
	AuthCodes         int // authorization codes issued (sign-in page or AutoApprove)
	AuthCodeGrants    int // token requests with grant_type=authorization_code
	ClientCredentials int // client_credentials with client_secret
	ClientAssertions  int // client_credentials with client_assertion (federated or certificate)
	// CertificateAssertions counts the client assertions that were routed
	// to certificate validation (a subset of ClientAssertions).
	CertificateAssertions int
	ManagedIdentity       int
	Approvals             int // successful device-code approvals (page, API or Approve)
	Total                 int // every request the handler saw
}

// signer is one RSA key with its key id.
type signer struct {
	key *rsa.PrivateKey
	kid string
}

func newSigner(k *rsa.PrivateKey) (signer, error) {
	if k == nil {
		var err error
		if k, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			return signer{}, fmt.Errorf("generate RSA key: %w", err)
		}
	}
	// Entra kids look like base64url thumbprints; derive ours from the modulus
	// so that a reused key keeps its kid.
	sum := sha256.Sum256(k.N.Bytes())
	return signer{key: k, kid: base64.RawURLEncoding.EncodeToString(sum[:20])}, nil
}

// Server is the fake Entra ID. It is safe for concurrent use.
type Server struct {
	cfg        Config
	tenant     string
	principals []Principal
	signing    signer
	federated  signer
	miSecret   string
	mux        *http.ServeMux
	page       *template.Template

	mu            sync.Mutex
	baseURL       string
	deviceCodes   map[string]*deviceCode // by device_code
	userCodes     map[string]*deviceCode // by normalised user_code
	refreshTokens map[string]*refreshToken
	authRequests  map[string]*authRequest // sign-in pages waiting for an answer
	authCodes     map[string]*authCode
	stats         Stats
}

// New validates cfg and creates a Server with fresh signing keys (unless given).
func New(cfg Config) (*Server, error) {
	s := &Server{
		cfg:           cfg,
		tenant:        cfg.Tenant,
		deviceCodes:   map[string]*deviceCode{},
		userCodes:     map[string]*deviceCode{},
		refreshTokens: map[string]*refreshToken{},
		authRequests:  map[string]*authRequest{},
		authCodes:     map[string]*authCode{},
	}
	if s.tenant == "" {
		s.tenant = DefaultTenant
	}
	if !validTenant(s.tenant) {
		return nil, fmt.Errorf("entra: invalid tenant %q: use letters, digits, '-' and '.'", s.tenant)
	}
	if s.cfg.TokenLifetime <= 0 {
		s.cfg.TokenLifetime = DefaultTokenLifetime
	}
	if s.cfg.PollInterval <= 0 {
		s.cfg.PollInterval = DefaultPollInterval
	}
	if s.cfg.DeviceCodeLifetime <= 0 {
		s.cfg.DeviceCodeLifetime = DefaultDeviceCodeLifetime
	}
	if s.cfg.Now == nil {
		s.cfg.Now = time.Now
	}
	seen := map[string]bool{}
	seenClient := map[string]bool{}
	for i, p := range cfg.Principals {
		if p.Name == "" {
			return nil, fmt.Errorf("entra: principal #%d has no name", i+1)
		}
		key := strings.ToLower(p.Name)
		if seen[key] {
			return nil, fmt.Errorf("entra: duplicate principal name %q", p.Name)
		}
		seen[key] = true
		// Deterministic ids keep role assignments in seed files valid across
		// restarts even when the seed omits them.
		if p.ObjectID == "" {
			p.ObjectID = DerivedObjectID(s.tenant, p.Name)
		}
		if p.DisplayName == "" {
			p.DisplayName = p.Name
		}
		if p.ManagedIdentity {
			p.ServicePrincipal = true
		}
		if p.ServicePrincipal {
			if p.ClientID == "" {
				p.ClientID = DerivedClientID(s.tenant, p.Name)
			}
			ck := strings.ToLower(p.ClientID)
			if seenClient[ck] {
				return nil, fmt.Errorf("entra: duplicate client id %q (principal %q)", p.ClientID, p.Name)
			}
			seenClient[ck] = true
		} else if p.UPN == "" {
			p.UPN = DefaultUPN(p.Name)
		}
		if err := checkCertificates(&p); err != nil {
			return nil, err
		}
		// Own copies: the caller's slices must not alias server state.
		p.Certificates = append([]*x509.Certificate(nil), p.Certificates...)
		p.Groups = append([]string(nil), p.Groups...)
		p.FederatedSubjects = append([]string(nil), p.FederatedSubjects...)
		p.Roles = append([]string(nil), p.Roles...)
		s.principals = append(s.principals, p)
	}
	if cfg.AutoApprove != "" {
		p := s.principalByName(cfg.AutoApprove)
		if p == nil || p.isApp() {
			return nil, fmt.Errorf("entra: auto-approve principal %q is not a user principal", cfg.AutoApprove)
		}
	}
	var err error
	if s.signing, err = newSigner(cfg.SigningKey); err != nil {
		return nil, fmt.Errorf("entra: signing key: %w", err)
	}
	if s.federated, err = newSigner(cfg.FederatedKey); err != nil {
		return nil, fmt.Errorf("entra: federated issuer key: %w", err)
	}
	s.miSecret = cfg.ManagedIdentitySecret
	if s.miSecret == "" {
		s.miSecret = randomToken(24)
	}
	if s.page, err = template.New("devicelogin").Parse(devicePageHTML); err != nil {
		return nil, fmt.Errorf("entra: device login page: %w", err)
	}
	if err := s.loadState(); err != nil {
		return nil, err
	}
	s.mux = s.routes()
	return s, nil
}

// DerivedObjectID is the object id of a principal configured without one:
// a name-based UUID, stable across restarts, so role assignments that name
// the principal keep matching its tokens. The seed uses the same ids.
func DerivedObjectID(tenant, name string) string {
	return uuid.NewSHA1(uuid.NameSpaceURL, []byte("cosmosctl-sandbox/"+tenant+"/principal/"+strings.ToLower(name))).String()
}

// DerivedClientID is the client id of a service principal configured without one.
func DerivedClientID(tenant, name string) string {
	return uuid.NewSHA1(uuid.NameSpaceURL, []byte("cosmosctl-sandbox/"+tenant+"/app/"+strings.ToLower(name))).String()
}

// DefaultUPN is the user principal name of a user configured without one.
func DefaultUPN(name string) string { return strings.ToLower(name) + "@sandbox.cosmosctl.local" }

func validTenant(t string) bool {
	for _, r := range t {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '.') {
			return false
		}
	}
	return t != ""
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.count(func(st *Stats) { st.Total++ })
	// Tokens and codes must never be cached by intermediaries or browsers.
	w.Header().Set("Cache-Control", "no-store, no-cache")
	w.Header().Set("Pragma", "no-cache")
	s.mux.ServeHTTP(w, r)
}

// SetBaseURL sets the public base URL ("https://127.0.0.1:P") used in all
// metadata, issuers and messages. Until it is set, the request's Host is used.
func (s *Server) SetBaseURL(u string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.baseURL = strings.TrimRight(u, "/")
}

func (s *Server) base(r *http.Request) string {
	s.mu.Lock()
	b := s.baseURL
	s.mu.Unlock()
	if b == "" && r != nil {
		b = "https://" + r.Host
	}
	return b
}

// Tenant returns the tenant id.
func (s *Server) Tenant() string { return s.tenant }

// Issuer returns the "iss" claim of access tokens: BASE/TENANT/v2.0.
func (s *Server) Issuer() string { return s.issuerFor(s.base(nil)) }

func (s *Server) issuerFor(base string) string { return base + "/" + s.tenant + "/v2.0" }

// FederatedIssuer returns the issuer of federated (workload identity) tokens: BASE/federated.
func (s *Server) FederatedIssuer() string { return s.federatedIssuerFor(s.base(nil)) }

func (s *Server) federatedIssuerFor(base string) string { return base + "/federated" }

// SigningKey returns the public key for an access-token kid.
func (s *Server) SigningKey(kid string) (*rsa.PublicKey, bool) {
	if kid != s.signing.kid {
		return nil, false
	}
	return &s.signing.key.PublicKey, true
}

// ManagedIdentitySecret is the value clients must send as X-IDENTITY-HEADER
// (the IDENTITY_HEADER environment variable of App Service).
func (s *Server) ManagedIdentitySecret() string { return s.miSecret }

// Principals returns the principals with defaults (object ids, client ids, UPNs) filled in.
func (s *Server) Principals() []Principal {
	out := make([]Principal, len(s.principals))
	for i, p := range s.principals {
		p.Groups = append([]string(nil), p.Groups...)
		p.FederatedSubjects = append([]string(nil), p.FederatedSubjects...)
		p.Roles = append([]string(nil), p.Roles...)
		p.Certificates = append([]*x509.Certificate(nil), p.Certificates...)
		out[i] = p
	}
	return out
}

// Stats returns a snapshot of the request counters.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stats
}

func (s *Server) count(f func(*Stats)) {
	s.mu.Lock()
	f(&s.stats)
	s.mu.Unlock()
}

func (s *Server) now() time.Time { return s.cfg.Now() }

func (s *Server) principalByName(name string) *Principal {
	for i := range s.principals {
		if strings.EqualFold(s.principals[i].Name, name) {
			return &s.principals[i]
		}
	}
	return nil
}

func (s *Server) appByClientID(id string) *Principal {
	for i := range s.principals {
		if p := &s.principals[i]; p.isApp() && strings.EqualFold(p.ClientID, id) {
			return p
		}
	}
	return nil
}

func (s *Server) routes() *http.ServeMux {
	m := http.NewServeMux()
	m.HandleFunc("GET /{tenant}/discovery/instance", s.handleDiscovery)
	m.HandleFunc("GET /{tenant}/v2.0/.well-known/openid-configuration", s.handleOpenIDConfig)
	m.HandleFunc("GET /{tenant}/discovery/v2.0/keys", s.handleKeys)
	m.HandleFunc("POST /{tenant}/oauth2/v2.0/devicecode", s.handleDeviceCode)
	m.HandleFunc("POST /{tenant}/oauth2/v2.0/token", s.handleToken)
	m.HandleFunc("GET /{tenant}/oauth2/v2.0/authorize", s.handleAuthorize)
	m.HandleFunc("POST /{tenant}/oauth2/v2.0/authorize", s.handleAuthorizeSubmit)
	m.HandleFunc("GET /federated/.well-known/openid-configuration", s.handleFederatedConfig)
	m.HandleFunc("GET /federated/keys", s.handleFederatedKeys)
	m.HandleFunc("GET /devicelogin", s.handleDeviceLoginPage)
	m.HandleFunc("POST /devicelogin", s.handleDeviceLoginSubmit)
	m.HandleFunc("POST /sandbox/approve", s.handleApproveAPI)
	m.HandleFunc("GET /sandbox/federated-token", s.handleFederatedToken)
	m.HandleFunc("/msi/token", s.handleManagedIdentity)
	m.HandleFunc("GET /error", func(w http.ResponseWriter, r *http.Request) {
		// error_uri of OAuth errors points here.
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("cosmosctl sandbox Entra ID: error AADSTS" + r.URL.Query().Get("code") +
			". The error_description of the failed response explains the cause.\n"))
	})
	m.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "not found: the cosmosctl sandbox Entra ID does not serve "+r.Method+" "+r.URL.Path, http.StatusNotFound)
	})
	return m
}

// randomToken returns n random bytes, base64url-encoded.
func randomToken(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		// crypto/rand never fails on supported platforms (Go 1.24+ panics itself).
		panic(fmt.Sprintf("entra: crypto/rand: %v", err))
	}
	return base64.RawURLEncoding.EncodeToString(b)
}
