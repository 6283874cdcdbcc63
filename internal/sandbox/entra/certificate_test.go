package entra

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	"github.com/golang-jwt/jwt/v5"

	"github.com/cosmosctl/cosmosctl/internal/testcert"
)

const certClientID = "99999999-2222-4333-8444-555555555555"

// testCert is a self-signed certificate and its key, made at run time.
type testCert struct {
	cert *x509.Certificate
	key  *rsa.PrivateKey
}

// certKeys are generated once: RSA key generation dominates these tests.
var certKeys = sync.OnceValues(func() ([2]*rsa.PrivateKey, error) {
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

func newTestCert(t *testing.T, keyIndex int, cn string, notBefore, notAfter time.Time) testCert {
	t.Helper()
	ks, err := certKeys()
	if err != nil {
		t.Fatal(err)
	}
	k := ks[keyIndex]
	c := testcert.SelfSigned(t, k, cn, notBefore, notAfter)
	return testCert{cert: c, key: k}
}

// certServer is a test server whose principal cert-app registers the given certificates.
func certServer(t *testing.T, registered ...*x509.Certificate) (*Server, *httptest.Server) {
	t.Helper()
	ps := append(testPrincipals(), Principal{Name: "cert-app", ServicePrincipal: true, ClientID: certClientID,
		ObjectID: "ce000000-0000-4000-8000-000000000009", Certificates: registered})
	return newTestServer(t, Config{Principals: ps})
}

func TestClientCertificateCredential(t *testing.T) {
	now := time.Now()
	good := newTestCert(t, 0, "good", now.Add(-time.Hour), now.Add(24*time.Hour))
	unregistered := newTestCert(t, 1, "unregistered", now.Add(-time.Hour), now.Add(24*time.Hour))
	expired := newTestCert(t, 1, "expired", now.Add(-48*time.Hour), now.Add(-24*time.Hour))
	tests := []struct {
		name      string
		clientID  string
		cert      testCert
		sendChain bool
		wantErr   string
	}{
		{"registered certificate", certClientID, good, false, ""},
		{"registered certificate with x5c chain", certClientID, good, true, ""},
		{"unregistered certificate", certClientID, unregistered, false, "AADSTS700027: The certificate with identifier used to sign the client assertion is not registered on application"},
		{"registered but expired certificate", certClientID, expired, false, "Reason - The key used is expired."},
		{"certificate of another app", spClientID, good, false, "AADSTS700027"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx := testContext(t)
			s, ts := certServer(t, good.cert, expired.cert)
			cred, err := azidentity.NewClientCertificateCredential(testTenant, tc.clientID, []*x509.Certificate{tc.cert.cert}, tc.cert.key,
				&azidentity.ClientCertificateCredentialOptions{ClientOptions: clientOptions(ts), DisableInstanceDiscovery: true, SendCertificateChain: tc.sendChain})
			if err != nil {
				t.Fatal(err)
			}
			tok, err := getToken(ctx, cred, acctScope)
			if got := s.Stats().CertificateAssertions; got != 1 {
				t.Errorf("CertificateAssertions = %d, want 1", got)
			}
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("GetToken: %v", err)
			}
			c := verifyToken(t, s, tok.Token)
			if c["appid"] != certClientID || c["oid"] != "ce000000-0000-4000-8000-000000000009" || c["idtyp"] != "app" || c["aud"] != acctResource {
				t.Fatalf("claims: %v", c)
			}
		})
	}
}

// TestCertificateAssertionClaims posts hand-made assertions to check each
// rule and its AADSTS code.
func TestCertificateAssertionClaims(t *testing.T) {
	now := time.Now()
	good := newTestCert(t, 0, "good", now.Add(-time.Hour), now.Add(24*time.Hour))
	other := newTestCert(t, 1, "other", now.Add(-time.Hour), now.Add(24*time.Hour))
	_, ts := certServer(t, good.cert)
	base := ts.URL
	v2 := base + "/" + testTenant + "/oauth2/v2.0/token"
	v1 := base + "/" + testTenant + "/oauth2/token"
	s256 := func(c *x509.Certificate) string {
		sum := sha256.Sum256(c.Raw)
		return base64.StdEncoding.EncodeToString(sum[:])
	}
	s1 := func(c *x509.Certificate) string {
		sum := sha1.Sum(c.Raw)
		return base64.RawURLEncoding.EncodeToString(sum[:])
	}
	claims := func(mod func(jwt.MapClaims)) jwt.MapClaims {
		c := jwt.MapClaims{"aud": v2, "iss": certClientID, "sub": certClientID, "jti": "j1",
			"nbf": now.Unix(), "exp": now.Add(10 * time.Minute).Unix()}
		if mod != nil {
			mod(c)
		}
		return c
	}
	sign := func(m jwt.SigningMethod, hdr map[string]any, c jwt.MapClaims, key crypto.Signer) string {
		t.Helper()
		tok := jwt.NewWithClaims(m, c)
		for k, v := range hdr {
			tok.Header[k] = v
		}
		out, err := tok.SignedString(key)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	ps256 := map[string]any{"x5t#S256": s256(good.cert)}
	tests := []struct {
		name      string
		assertion string
		wantCode  int
		wantText  string
	}{
		{"PS256 with x5t#S256 (MSAL)", sign(jwt.SigningMethodPS256, ps256, claims(nil), good.key), 0, ""},
		{"RS256 with base64url x5t (ADFS style)", sign(jwt.SigningMethodRS256, map[string]any{"x5t": s1(good.cert)}, claims(nil), good.key), 0, ""},
		{"v1 token endpoint audience", sign(jwt.SigningMethodPS256, ps256, claims(func(c jwt.MapClaims) { c["aud"] = v1 }), good.key), 0, ""},
		{"expired an hour ago", sign(jwt.SigningMethodPS256, ps256, claims(func(c jwt.MapClaims) {
			c["nbf"], c["exp"] = now.Add(-2*time.Hour).Unix(), now.Add(-time.Hour).Unix()
		}), good.key), 700024, "Client assertion is not within its valid time range"},
		{"expired within the skew", sign(jwt.SigningMethodPS256, ps256, claims(func(c jwt.MapClaims) { c["exp"] = now.Add(-time.Minute).Unix() }), good.key), 0, ""},
		{"not yet valid", sign(jwt.SigningMethodPS256, ps256, claims(func(c jwt.MapClaims) {
			c["nbf"], c["exp"] = now.Add(time.Hour).Unix(), now.Add(2*time.Hour).Unix()
		}), good.key), 700024, "not within its valid time range"},
		{"no exp", sign(jwt.SigningMethodPS256, ps256, claims(func(c jwt.MapClaims) { delete(c, "exp") }), good.key), 700024, ""},
		{"wrong audience", sign(jwt.SigningMethodPS256, ps256, claims(func(c jwt.MapClaims) {
			c["aud"] = "https://login.microsoftonline.com/" + testTenant + "/oauth2/v2.0/token"
		}), good.key),
			700023, "Client assertion audience claim does not match Realm issuer"},
		{"other tenant in audience", sign(jwt.SigningMethodPS256, ps256, claims(func(c jwt.MapClaims) { c["aud"] = base + "/organizations/oauth2/v2.0/token" }), good.key), 700023, ""},
		{"sub is not the client", sign(jwt.SigningMethodPS256, ps256, claims(func(c jwt.MapClaims) { c["sub"] = spClientID }), good.key), 700021, "doesn't match 'client_id'"},
		{"signed by another key", sign(jwt.SigningMethodPS256, ps256, claims(nil), other.key), 700027, "The provided signature value did not match"},
		{"unregistered thumbprint", sign(jwt.SigningMethodPS256, map[string]any{"x5t#S256": s256(other.cert)}, claims(nil), other.key), 700027, "is not registered on application"},
		{"no thumbprint", sign(jwt.SigningMethodPS256, nil, claims(nil), good.key), 700027, "The key was not found"},
		{"HS256", func() string {
			tok := jwt.NewWithClaims(jwt.SigningMethodHS256, claims(nil))
			tok.Header["x5t#S256"] = s256(good.cert)
			out, _ := tok.SignedString([]byte("k"))
			return out
		}(), 700027, "signing algorithm is not supported"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := postForm(t, ts, "/"+testTenant+"/oauth2/v2.0/token", url.Values{
				"grant_type": {"client_credentials"}, "client_id": {certClientID}, "scope": {acctScope},
				"client_assertion_type": {jwtBearerAssertionType}, "client_assertion": {tc.assertion},
			})
			if tc.wantCode == 0 {
				if r.status != 200 || r.body["access_token"] == nil {
					t.Fatalf("status %d: %s", r.status, r.raw)
				}
				return
			}
			desc, _ := r.body["error_description"].(string)
			if r.status < 400 || errorCode(r) != tc.wantCode || !strings.Contains(desc, tc.wantText) {
				t.Fatalf("status %d, code %d, want %d containing %q: %s", r.status, errorCode(r), tc.wantCode, tc.wantText, r.raw)
			}
		})
	}
}

func TestCertificatesOnlyOnServicePrincipals(t *testing.T) {
	now := time.Now()
	c := newTestCert(t, 0, "x", now.Add(-time.Hour), now.Add(time.Hour))
	tests := []struct {
		name    string
		p       Principal
		wantErr string
	}{
		{"user", Principal{Name: "u", Certificates: []*x509.Certificate{c.cert}}, "only be registered on service principals"},
		{"managed identity", Principal{Name: "m", ManagedIdentity: true, Certificates: []*x509.Certificate{c.cert}}, "only be registered on service principals"},
		{"nil certificate", Principal{Name: "s", ServicePrincipal: true, Certificates: []*x509.Certificate{nil}}, "certificate #1 is nil"},
		{"service principal", Principal{Name: "s", ServicePrincipal: true, Certificates: []*x509.Certificate{c.cert}}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := New(Config{Tenant: testTenant, Principals: []Principal{tc.p}, SigningKey: c.key, FederatedKey: c.key})
			if tc.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("err = %v, want containing %q", err, tc.wantErr)
			}
		})
	}
}
