package gateway

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/Azure/azure-sdk-for-go/sdk/data/azcosmos"
	"github.com/golang-jwt/jwt/v5"

	"github.com/cosmosctl/cosmosctl/internal/sandbox/engine"
)

const (
	testAccount = "sandboxacct"
	testIssuer  = "https://login.sandbox.test/tenant-1/v2.0"
	testTenant  = "tenant-1"
	testKid     = "key-1"
)

// testMasterKey is the decoded account key used by key-authenticated tests.
func testMasterKey() []byte {
	return []byte("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")
}

func testKeyString() string { return base64.StdEncoding.EncodeToString(testMasterKey()) }

// grants is a tiny Authorizer: principal → action → scopes.
type grants map[string]map[string][]string

func (g grants) Allowed(principal string, groups []string, action, scope string) bool {
	for _, p := range append([]string{principal}, groups...) {
		for _, s := range g[p][action] {
			if s == "/" || scope == s || strings.HasPrefix(scope, s+"/") {
				return true
			}
		}
	}
	return false
}

func readerGrants(principal, scope string) map[string][]string {
	return map[string][]string{
		actReadMetadata: {scope}, actItemsRead: {scope}, actExecuteQuery: {scope}, actReadChangeFeed: {scope},
	}
}

// fixture is a running gateway behind a loopback TLS server.
type fixture struct {
	t   *testing.T
	gw  *Gateway
	srv *httptest.Server
	key *rsa.PrivateKey
}

func seedItems(items ...string) []json.RawMessage {
	out := make([]json.RawMessage, len(items))
	for i, s := range items {
		out[i] = json.RawMessage(s)
	}
	return out
}

// ordersItems returns n orders spread over several customers.
func ordersItems(n int) []json.RawMessage {
	out := make([]json.RawMessage, n)
	for i := range out {
		out[i] = json.RawMessage(fmt.Sprintf(`{"id":"o%02d","customer":"c%d","n":%d}`, i, i%7, i))
	}
	return out
}

const fidelityDoc = `{"id":"f1","pk":"a","big":12345678901234567890,"dec":1.0000000000000001,"z":1,"a":{"y":[1,2.50,"\u00e9\ud83d\ude00"]},"esc":"<&>\/"}`

func baseConfig(key *rsa.PrivateKey) Config {
	return Config{
		AccountName: testAccount,
		MasterKey:   testMasterKey(),
		TokenKey: func(kid string) (*rsa.PublicKey, bool) {
			if kid == testKid {
				return &key.PublicKey, true
			}
			return nil, false
		},
		TokenIssuer:    testIssuer,
		Tenant:         testTenant,
		ExtraAudiences: []string{"https://cosmos.azure.com"},
		Authorizer: grants{
			"reader":      readerGrants("reader", "/"),
			"metaonly":    {actReadMetadata: {"/"}},
			"collreader":  readerGrants("collreader", "/dbs/shop/colls/orders"),
			"group-admin": {actReadMetadata: {"/"}, actItemsCreate: {"/"}, actItemsRead: {"/"}},
		},
		Databases: []Database{
			{ID: "shop", Containers: []Container{
				{ID: "orders", PartitionKey: engine.PartitionKeyDef{Paths: []string{"/customer"}, Kind: "Hash", Version: 2},
					PhysicalPartitions: 3, Items: ordersItems(30)},
				{ID: "single", PartitionKey: engine.PartitionKeyDef{Paths: []string{"/pk"}}, DefaultTTL: intPtr(3600),
					Items: seedItems(fidelityDoc, `{"id":"s","pk":"str"}`, `{"id":"n","pk":42}`, `{"id":"b","pk":true}`,
						`{"id":"z","pk":null}`, `{"id":"x","pk":"a\"é"}`)},
				{ID: "hier", PartitionKey: engine.PartitionKeyDef{Paths: []string{"/tenant", "/user"}, Kind: "MultiHash", Version: 2},
					Items: seedItems(`{"id":"h1","tenant":"t1","user":"u1"}`, `{"id":"h1","tenant":"t1","user":"u2"}`,
						`{"id":"a b+c%20é","tenant":"t1","user":"u1"}`)},
			}},
			{ID: "empty"},
		},
	}
}

func intPtr(i int) *int { return &i }

// RSA key generation is slow; the tests share two keys (the second one signs
// tokens the gateway must reject).
var (
	testRSAKey  = sync.OnceValue(func() *rsa.PrivateKey { return mustRSAKey() })
	otherRSAKey = sync.OnceValue(func() *rsa.PrivateKey { return mustRSAKey() })
)

func mustRSAKey() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	return k
}

// newFixture starts a gateway; mutate may adjust the config first.
func newFixture(t *testing.T, mutate func(*Config)) *fixture {
	t.Helper()
	key := testRSAKey()
	cfg := baseConfig(key)
	if mutate != nil {
		mutate(&cfg)
	}
	gw, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	srv := httptest.NewTLSServer(gw)
	t.Cleanup(srv.Close)
	return &fixture{t: t, gw: gw, srv: srv, key: key}
}

func (f *fixture) clientOptions() *azcosmos.ClientOptions {
	return &azcosmos.ClientOptions{ClientOptions: azcore.ClientOptions{
		Transport: f.srv.Client(),
		Retry:     policy.RetryOptions{MaxRetries: -1},
	}}
}

func (f *fixture) keyClient(key string) *azcosmos.Client {
	f.t.Helper()
	cred, err := azcosmos.NewKeyCredential(key)
	if err != nil {
		f.t.Fatal(err)
	}
	c, err := azcosmos.NewClientWithKey(f.srv.URL, cred, f.clientOptions())
	if err != nil {
		f.t.Fatal(err)
	}
	return c
}

// tokenCred is a test azcore.TokenCredential minting RS256 JWTs like Entra's.
type tokenCred struct {
	key    *rsa.PrivateKey
	kid    string
	claims jwt.MapClaims // overrides; "aud" defaults to the requested scope's resource
	now    time.Time
}

func (c *tokenCred) GetToken(_ context.Context, opts policy.TokenRequestOptions) (azcore.AccessToken, error) {
	if len(opts.Scopes) != 1 {
		return azcore.AccessToken{}, errors.New("want exactly one scope")
	}
	now := c.now
	if now.IsZero() {
		now = time.Now()
	}
	claims := jwt.MapClaims{
		"aud": strings.TrimSuffix(opts.Scopes[0], "/.default"),
		"iss": testIssuer, "tid": testTenant, "oid": "reader",
		"nbf": now.Add(-time.Minute).Unix(), "iat": now.Add(-time.Minute).Unix(), "exp": now.Add(time.Hour).Unix(),
	}
	for k, v := range c.claims {
		claims[k] = v
	}
	tok := jwt.NewWithClaims(jwt.SigningMethodRS256, claims)
	tok.Header["kid"] = c.kid
	s, err := tok.SignedString(c.key)
	if err != nil {
		return azcore.AccessToken{}, err
	}
	return azcore.AccessToken{Token: s, ExpiresOn: now.Add(time.Hour)}, nil
}

func (f *fixture) aadClient(claims jwt.MapClaims) *azcosmos.Client {
	f.t.Helper()
	c, err := azcosmos.NewClient(f.srv.URL, &tokenCred{key: f.key, kid: testKid, claims: claims}, f.clientOptions())
	if err != nil {
		f.t.Fatal(err)
	}
	return c
}

func containerClient(t *testing.T, c *azcosmos.Client, db, coll string) *azcosmos.ContainerClient {
	t.Helper()
	cc, err := c.NewContainer(db, coll)
	if err != nil {
		t.Fatal(err)
	}
	return cc
}

// respErr extracts status, substatus and the parsed error body.
func respErr(t *testing.T, err error) (int, string, errorBody) {
	t.Helper()
	var re *azcore.ResponseError
	if !errors.As(err, &re) {
		t.Fatalf("want *azcore.ResponseError, got %T: %v", err, err)
	}
	raw, _ := runtime.Payload(re.RawResponse)
	var body errorBody
	if err := json.Unmarshal(raw, &body); err != nil {
		t.Fatalf("error body %q: %v", raw, err)
	}
	if !strings.Contains(body.Message, "\r\nActivityId: ") {
		t.Errorf("message lacks the ActivityId tail: %q", body.Message)
	}
	return re.StatusCode, re.RawResponse.Header.Get("x-ms-substatus"), body
}

// messageText strips the ActivityId tail from an error message.
func messageText(m string) string {
	text, _, _ := strings.Cut(m, "\r\nActivityId: ")
	return text
}

// rawRequest sends a hand-made request, signing it with the master key when sign is true.
func (f *fixture) rawRequest(method, path string, body []byte, hdr map[string]string, sign bool) *http.Response {
	f.t.Helper()
	u, err := url.Parse(f.srv.URL + path)
	if err != nil {
		f.t.Fatal(err)
	}
	req, err := http.NewRequestWithContext(context.Background(), method, u.String(), bytes.NewReader(body))
	if err != nil {
		f.t.Fatal(err)
	}
	date := time.Now().UTC().Format(http.TimeFormat)
	req.Header.Set("x-ms-date", date)
	req.Header.Set("x-ms-version", "2020-11-05")
	if sign {
		ref, err := parsePath(u.EscapedPath())
		if err != nil {
			f.t.Fatal(err)
		}
		payload := strings.ToLower(method) + "\n" + strings.ToLower(ref.signType) + "\n" + ref.signLink + "\n" + strings.ToLower(date) + "\n\n"
		m := hmac.New(sha256.New, testMasterKey())
		m.Write([]byte(payload))
		req.Header.Set("Authorization", url.QueryEscape("type=master&ver=1.0&sig="+base64.StdEncoding.EncodeToString(m.Sum(nil))))
	}
	for k, v := range hdr {
		if v == "" {
			req.Header.Del(k)
		} else {
			req.Header.Set(k, v)
		}
	}
	resp, err := f.srv.Client().Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	f.t.Cleanup(func() { _ = resp.Body.Close() })
	return resp
}

func readBody(t *testing.T, resp *http.Response) []byte {
	t.Helper()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// signedRequest builds a request signed with the master key, for handing
// straight to Gateway.ServeHTTP.
func signedRequest(t *testing.T, method, path string, body []byte, hdr map[string]string) *http.Request {
	t.Helper()
	req := httptest.NewRequest(method, "https://127.0.0.1"+path, bytes.NewReader(body))
	date := time.Now().UTC().Format(http.TimeFormat)
	req.Header.Set("x-ms-date", date)
	ref, err := parsePath(req.URL.EscapedPath())
	if err != nil {
		t.Fatal(err)
	}
	payload := strings.ToLower(method) + "\n" + strings.ToLower(ref.signType) + "\n" + ref.signLink + "\n" + strings.ToLower(date) + "\n\n"
	m := hmac.New(sha256.New, testMasterKey())
	m.Write([]byte(payload))
	req.Header.Set("Authorization", url.QueryEscape("type=master&ver=1.0&sig="+base64.StdEncoding.EncodeToString(m.Sum(nil))))
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	return req
}

// stalledWriter is a ResponseWriter whose client has stopped reading: Write
// blocks until release is closed.
type stalledWriter struct {
	header  http.Header
	entered chan struct{}
	release chan struct{}
	once    sync.Once
}

func (s *stalledWriter) Header() http.Header { return s.header }
func (s *stalledWriter) WriteHeader(int)     {}
func (s *stalledWriter) Write(b []byte) (int, error) {
	s.once.Do(func() { close(s.entered) })
	<-s.release
	return len(b), nil
}
