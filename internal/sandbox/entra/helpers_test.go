package entra

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

const (
	testTenant   = "72f988bf-0000-4000-8000-00000000beef"
	testClientID = "04b07795-8ddb-461a-bbee-02f9e1bf7b46" // Azure CLI public client, azidentity's default
	acctResource = "https://acct.documents.azure.com"
	acctScope    = acctResource + "/.default"
	cosmosScope  = "https://cosmos.azure.com/.default"
	spSecret     = "s3cr3t~value"
	spClientID   = "11111111-2222-4333-8444-555555555555"
	wiClientID   = "66666666-2222-4333-8444-555555555555"
	miClientID   = "77777777-2222-4333-8444-555555555555"
	mi2ClientID  = "88888888-2222-4333-8444-555555555555"
	ciSubject    = "repo:contoso/app:ref:refs/heads/main"
)

// Key generation dominates server construction, so the tests share two keys.
var testKeys = sync.OnceValues(func() ([2]*rsa.PrivateKey, error) {
	var ks [2]*rsa.PrivateKey
	for i := range ks {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			return ks, err
		}
		ks[i] = k
	}
	return ks, nil
})

func testPrincipals() []Principal {
	return []Principal{
		{Name: "alice", DisplayName: "Alice Smith", ObjectID: "a11ce000-0000-4000-8000-000000000001", UPN: "alice@contoso.test", Groups: []string{"g-readers", "g-devs"}},
		{Name: "bob", DisplayName: "Bob Jones", UPN: "bob@contoso.test"},
		{Name: "ci-app", ServicePrincipal: true, ClientID: spClientID, ClientSecret: spSecret, ObjectID: "5e000000-0000-4000-8000-000000000002", Roles: []string{"Data.Read"}},
		{Name: "wi-app", ServicePrincipal: true, ClientID: wiClientID, FederatedSubjects: []string{ciSubject}},
		{Name: "web-mi", ManagedIdentity: true, ClientID: miClientID, ObjectID: "3a000000-0000-4000-8000-000000000003"},
		{Name: "batch-mi", ManagedIdentity: true, ClientID: mi2ClientID, ObjectID: "3a000000-0000-4000-8000-000000000004"},
	}
}

// testClock is a settable clock offset from real time, so MSAL's own
// (real-time) bookkeeping stays consistent while the server can jump ahead.
type testClock struct {
	mu     sync.Mutex
	offset time.Duration
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.offset)
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.offset += d
	c.mu.Unlock()
}

// newTestServer starts the handler on an httptest TLS server (127.0.0.1).
// cfg.Principals defaults to testPrincipals and cfg.Tenant to testTenant.
func newTestServer(t *testing.T, cfg Config) (*Server, *httptest.Server) {
	t.Helper()
	ks, err := testKeys()
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Tenant == "" {
		cfg.Tenant = testTenant
	}
	if cfg.Principals == nil {
		cfg.Principals = testPrincipals()
	}
	if cfg.Resources == nil {
		cfg.Resources = func() []string { return []string{acctResource, "https://cosmos.azure.com"} }
	}
	cfg.SigningKey, cfg.FederatedKey = ks[0], ks[1]
	s, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	ts := httptest.NewTLSServer(s)
	t.Cleanup(ts.Close)
	s.SetBaseURL(ts.URL)
	return s, ts
}

func testContext(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// verifyToken checks an access token's signature against the server's key
// (as the gateway will) and returns its claims.
func verifyToken(t *testing.T, s *Server, tok string) jwt.MapClaims {
	t.Helper()
	claims := jwt.MapClaims{}
	_, err := jwt.ParseWithClaims(tok, claims, func(tk *jwt.Token) (any, error) {
		kid, _ := tk.Header["kid"].(string)
		k, ok := s.SigningKey(kid)
		if !ok {
			return nil, errUnknownIssuer
		}
		return k, nil
	}, jwt.WithValidMethods([]string{"RS256"}), jwt.WithIssuer(s.Issuer()))
	if err != nil {
		t.Fatalf("access token does not verify: %v", err)
	}
	return claims
}

type httpResult struct {
	status int
	body   map[string]any
	raw    string
}

func postForm(t *testing.T, ts *httptest.Server, path string, form url.Values) httpResult {
	t.Helper()
	resp, err := ts.Client().PostForm(ts.URL+path, form)
	if err != nil {
		t.Fatalf("POST %s: %v", path, err)
	}
	return readResult(t, resp)
}

func doRequest(t *testing.T, ts *httptest.Server, method, path string, body io.Reader, hdr map[string]string) httpResult {
	t.Helper()
	req, err := http.NewRequest(method, ts.URL+path, body)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := ts.Client().Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	return readResult(t, resp)
}

func readResult(t *testing.T, resp *http.Response) httpResult {
	t.Helper()
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	r := httpResult{status: resp.StatusCode, raw: string(b)}
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		if err := json.Unmarshal(b, &r.body); err != nil {
			t.Fatalf("bad JSON %q: %v", b, err)
		}
	}
	return r
}

// errorCode returns the first AADSTS code of an OAuth error body.
func errorCode(r httpResult) int {
	codes, _ := r.body["error_codes"].([]any)
	if len(codes) == 0 {
		return 0
	}
	f, _ := codes[0].(float64)
	return int(f)
}
