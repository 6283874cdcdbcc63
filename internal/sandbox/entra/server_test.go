package entra

import (
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"math/big"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestNewValidation(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		want string
	}{
		{"duplicate name", Config{Principals: []Principal{{Name: "a"}, {Name: "A"}}}, "duplicate principal"},
		{"no name", Config{Principals: []Principal{{UPN: "x@y"}}}, "has no name"},
		{"bad tenant", Config{Tenant: "a/b"}, "invalid tenant"},
		{"auto-approve unknown", Config{AutoApprove: "zed", Principals: []Principal{{Name: "a"}}}, "auto-approve"},
		{"auto-approve app", Config{AutoApprove: "app", Principals: []Principal{{Name: "app", ServicePrincipal: true}}}, "auto-approve"},
		{"duplicate client id", Config{Principals: []Principal{{Name: "a", ServicePrincipal: true, ClientID: "c"}, {Name: "b", ManagedIdentity: true, ClientID: "C"}}}, "duplicate client id"},
	}
	ks, err := testKeys()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.cfg.SigningKey, tc.cfg.FederatedKey = ks[0], ks[1]
			_, err := New(tc.cfg)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("New() error = %v, want containing %q", err, tc.want)
			}
		})
	}
}

func TestDefaultsAreDeterministic(t *testing.T) {
	ks, _ := testKeys()
	cfg := Config{Principals: []Principal{{Name: "carol"}, {Name: "svc", ServicePrincipal: true}}, SigningKey: ks[0], FederatedKey: ks[1]}
	a, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	b, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	pa, pb := a.Principals(), b.Principals()
	if pa[0].ObjectID == "" || pa[0].ObjectID != pb[0].ObjectID || pa[1].ClientID == "" || pa[1].ClientID != pb[1].ClientID {
		t.Fatalf("derived ids not stable: %+v vs %+v", pa, pb)
	}
	if pa[0].UPN == "" || pa[0].DisplayName != "carol" || a.Tenant() != DefaultTenant {
		t.Fatalf("defaults not filled: %+v tenant %q", pa[0], a.Tenant())
	}
	if a.ManagedIdentitySecret() == b.ManagedIdentitySecret() {
		t.Fatal("managed identity secrets must be random per server")
	}
}

func TestMetadata(t *testing.T) {
	s, ts := newTestServer(t, Config{})
	for _, tenant := range []string{testTenant, "organizations", "common"} {
		t.Run("openid-"+tenant, func(t *testing.T) {
			r := doRequest(t, ts, "GET", "/"+tenant+"/v2.0/.well-known/openid-configuration?", nil, nil)
			if r.status != 200 {
				t.Fatalf("status %d: %s", r.status, r.raw)
			}
			tokenEP, _ := r.body["token_endpoint"].(string)
			if tokenEP != ts.URL+"/"+tenant+"/oauth2/v2.0/token" {
				t.Errorf("token_endpoint = %q", tokenEP)
			}
			// MSAL derives the device code URL this way.
			if dc := strings.ReplaceAll(tokenEP, "token", "devicecode"); dc != r.body["device_authorization_endpoint"] {
				t.Errorf("derived device code URL %q != %v", dc, r.body["device_authorization_endpoint"])
			}
			wantIss := s.Issuer()
			if tenant != testTenant {
				wantIss = ts.URL + "/{tenantid}/v2.0"
			}
			if r.body["issuer"] != wantIss {
				t.Errorf("issuer = %v, want %s", r.body["issuer"], wantIss)
			}
		})
	}
	t.Run("unknown tenant", func(t *testing.T) {
		r := doRequest(t, ts, "GET", "/contoso.example/v2.0/.well-known/openid-configuration", nil, nil)
		if r.status != 400 || errorCode(r) != 90002 {
			t.Fatalf("got %d %s", r.status, r.raw)
		}
	})
	t.Run("jwks matches signing key", func(t *testing.T) {
		r := doRequest(t, ts, "GET", "/"+testTenant+"/discovery/v2.0/keys", nil, nil)
		keys, _ := r.body["keys"].([]any)
		if len(keys) != 1 {
			t.Fatalf("keys: %s", r.raw)
		}
		k := keys[0].(map[string]any)
		pub, ok := s.SigningKey(k["kid"].(string))
		if !ok {
			t.Fatalf("kid %v unknown to SigningKey", k["kid"])
		}
		n, _ := base64.RawURLEncoding.DecodeString(k["n"].(string))
		e, _ := base64.RawURLEncoding.DecodeString(k["e"].(string))
		got := rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(new(big.Int).SetBytes(e).Int64())}
		if !got.Equal(pub) {
			t.Fatal("JWKS key differs from SigningKey")
		}
		if _, ok := s.SigningKey("nope"); ok {
			t.Fatal("SigningKey accepted an unknown kid")
		}
	})
	t.Run("instance discovery", func(t *testing.T) {
		q := url.Values{"api-version": {"1.1"}, "authorization_endpoint": {ts.URL + "/organizations/oauth2/v2.0/authorize"}}
		r := doRequest(t, ts, "GET", "/common/discovery/instance?"+q.Encode(), nil, nil)
		if r.body["tenant_discovery_endpoint"] != ts.URL+"/organizations/v2.0/.well-known/openid-configuration" {
			t.Fatalf("discovery: %s", r.raw)
		}
		host := strings.TrimPrefix(ts.URL, "https://")
		if !strings.Contains(r.raw, `"aliases":["`+host+`"]`) {
			t.Fatalf("aliases must include %s: %s", host, r.raw)
		}
		if s.Stats().Discovery != 1 {
			t.Fatalf("Discovery = %d", s.Stats().Discovery)
		}
	})
	t.Run("federated issuer metadata", func(t *testing.T) {
		r := doRequest(t, ts, "GET", "/federated/.well-known/openid-configuration", nil, nil)
		if r.body["issuer"] != s.FederatedIssuer() || r.body["jwks_uri"] != s.FederatedIssuer()+"/keys" {
			t.Fatalf("federated config: %s", r.raw)
		}
	})
}

// startDeviceCode requests a device code over raw HTTP.
func startDeviceCode(t *testing.T, post func(string, url.Values) httpResult) (userCode, deviceCode string) {
	t.Helper()
	r := post("/organizations/oauth2/v2.0/devicecode", url.Values{"client_id": {testClientID}, "scope": {acctScope + " openid offline_access profile"}})
	if r.status != 200 {
		t.Fatalf("devicecode: %d %s", r.status, r.raw)
	}
	return r.body["user_code"].(string), r.body["device_code"].(string)
}

func TestDeviceCodeStates(t *testing.T) {
	poll := func(dc string) url.Values {
		return url.Values{"grant_type": {"device_code"}, "device_code": {dc}, "client_id": {testClientID}, "client_info": {"1"}, "scope": {acctScope + " openid offline_access profile"}}
	}
	type step struct {
		do        func(s *Server, clk *testClock, userCode string) // before the poll
		wantError string                                           // "" = success
		wantCode  int
	}
	approve := func(s *Server, _ *testClock, uc string) {
		if err := s.Approve(uc, "alice"); err != nil {
			panic(err)
		}
	}
	wait := func(d time.Duration) func(*Server, *testClock, string) {
		return func(_ *Server, c *testClock, _ string) { c.Advance(d) }
	}
	tests := []struct {
		name  string
		steps []step
	}{
		{"pending then approved then redeemed", []step{
			{wait(2 * time.Second), "authorization_pending", 70016},
			{approve, "", 0},
			{nil, "invalid_grant", 70000},
		}},
		{"first poll right after issue is pending", []step{
			{nil, "authorization_pending", 70016},
			{wait(time.Second), "authorization_pending", 70016},
		}},
		{"polling faster than interval", []step{
			{wait(100 * time.Millisecond), "authorization_pending", 70016},
			{wait(500 * time.Millisecond), "slow_down", 70016},
			{wait(500 * time.Millisecond), "slow_down", 70016},
			{wait(1100 * time.Millisecond), "authorization_pending", 70016},
		}},
		{"declined", []step{
			{func(s *Server, _ *testClock, uc string) {
				if err := s.Decline(uc); err != nil {
					panic(err)
				}
			}, "authorization_declined", 70000},
		}},
		{"expired", []step{
			{wait(16 * time.Minute), "expired_token", 70020},
		}},
		{"approved after expiry is still expired", []step{
			{func(s *Server, c *testClock, uc string) {
				c.Advance(16 * time.Minute)
				if err := s.Approve(uc, "alice"); !errors.Is(err, ErrExpiredCode) {
					panic("Approve after expiry: " + errString(err))
				}
			}, "expired_token", 70020},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			clk := &testClock{}
			s, ts := newTestServer(t, Config{Now: clk.Now, PollInterval: time.Second})
			post := func(p string, f url.Values) httpResult { return postForm(t, ts, p, f) }
			uc, dc := startDeviceCode(t, post)
			for i, st := range tc.steps {
				if st.do != nil {
					st.do(s, clk, uc)
				}
				r := post("/"+testTenant+"/oauth2/v2.0/token", poll(dc))
				if st.wantError == "" {
					if r.status != 200 || r.body["access_token"] == nil || r.body["refresh_token"] == nil || r.body["id_token"] == nil {
						t.Fatalf("step %d: want tokens, got %d %s", i, r.status, r.raw)
					}
					continue
				}
				if r.status != 400 || r.body["error"] != st.wantError || errorCode(r) != st.wantCode {
					t.Fatalf("step %d: want %s/%d, got %d %s", i, st.wantError, st.wantCode, r.status, r.raw)
				}
				desc, _ := r.body["error_description"].(string)
				if !strings.HasPrefix(desc, "AADSTS") || !strings.Contains(desc, "Trace ID:") {
					t.Fatalf("step %d: description not Entra-shaped: %q", i, desc)
				}
			}
		})
	}
}

func errString(err error) string {
	if err == nil {
		return "<nil>"
	}
	return err.Error()
}

func TestDeviceCodeResponse(t *testing.T) {
	_, ts := newTestServer(t, Config{PollInterval: 1500 * time.Millisecond})
	r := postForm(t, ts, "/organizations/oauth2/v2.0/devicecode", url.Values{"client_id": {testClientID}, "scope": {acctScope + " openid offline_access profile"}})
	if r.status != 200 {
		t.Fatalf("%d %s", r.status, r.raw)
	}
	uc := r.body["user_code"].(string)
	if len(uc) != 9 || r.body["expires_in"] != float64(900) || r.body["interval"] != float64(2) ||
		r.body["verification_uri"] != ts.URL+"/devicelogin" || !strings.Contains(r.body["message"].(string), uc) {
		t.Fatalf("unexpected device code response: %s", r.raw)
	}
	tests := []struct {
		name string
		form url.Values
		code int
	}{
		{"unknown resource", url.Values{"client_id": {testClientID}, "scope": {"https://other.documents.azure.com/.default openid"}}, 500011},
		{"no resource scope", url.Values{"client_id": {testClientID}, "scope": {"openid profile"}}, 70011},
		{"two resources", url.Values{"client_id": {testClientID}, "scope": {acctScope + " " + cosmosScope}}, 70011},
		{"missing client", url.Values{"scope": {acctScope}}, 900144},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := postForm(t, ts, "/organizations/oauth2/v2.0/devicecode", tc.form)
			if r.status != 400 || errorCode(r) != tc.code {
				t.Fatalf("want %d, got %d %s", tc.code, r.status, r.raw)
			}
		})
	}
	t.Run("500011 text", func(t *testing.T) {
		r := postForm(t, ts, "/organizations/oauth2/v2.0/devicecode", tests[0].form)
		want := "AADSTS500011: The resource principal named https://other.documents.azure.com was not found in the tenant named " + testTenant + "."
		if !strings.HasPrefix(r.body["error_description"].(string), want) || r.body["error"] != "invalid_resource" {
			t.Fatalf("got %s", r.raw)
		}
	})
}

func TestApproveErrors(t *testing.T) {
	clk := &testClock{}
	s, ts := newTestServer(t, Config{Now: clk.Now})
	post := func(p string, f url.Values) httpResult { return postForm(t, ts, p, f) }
	used, _ := startDeviceCode(t, post)
	if err := s.Approve(strings.ToLower(used[:4])+"-"+used[4:], "Alice"); err != nil {
		t.Fatalf("Approve with lower case and dash: %v", err)
	}
	fresh, _ := startDeviceCode(t, post)
	tests := []struct {
		name, code, principal string
		want                  error
	}{
		{"unknown code", "ZZZZZZZZZ", "alice", ErrUnknownCode},
		{"unknown principal", fresh, "mallory", ErrUnknownPrincipal},
		{"service principal cannot sign in", fresh, "ci-app", ErrUnknownPrincipal},
		{"managed identity cannot sign in", fresh, "web-mi", ErrUnknownPrincipal},
		{"already used", used, "bob", ErrCodeUsed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := s.Approve(tc.code, tc.principal); !errors.Is(err, tc.want) {
				t.Fatalf("Approve(%q, %q) = %v, want %v", tc.code, tc.principal, err, tc.want)
			}
		})
	}
	t.Run("expired", func(t *testing.T) {
		clk.Advance(15*time.Minute + time.Second)
		if err := s.Approve(fresh, "bob"); !errors.Is(err, ErrExpiredCode) {
			t.Fatalf("got %v", err)
		}
	})
	if got := s.Stats().Approvals; got != 1 {
		t.Fatalf("Approvals = %d, want 1", got)
	}
}

func TestApproveAPI(t *testing.T) {
	s, ts := newTestServer(t, Config{})
	post := func(p string, f url.Values) httpResult { return postForm(t, ts, p, f) }
	codeJSON, _ := startDeviceCode(t, post)
	codeForm, _ := startDeviceCode(t, post)
	codeDecline, _ := startDeviceCode(t, post)
	jsonHdr := map[string]string{"Content-Type": "application/json"}
	formHdr := map[string]string{"Content-Type": "application/x-www-form-urlencoded"}
	tests := []struct {
		name       string
		body       string
		hdr        map[string]string
		wantStatus int
		wantField  string // "status" value on success, "error" value on failure
		wantMsg    string
	}{
		{"json approve", `{"user_code":"` + codeJSON + `","principal":"alice"}`, jsonHdr, 200, "approved", ""},
		{"form approve", url.Values{"user_code": {codeForm}, "principal": {"bob"}}.Encode(), formHdr, 200, "approved", ""},
		{"decline", `{"user_code":"` + codeDecline + `","action":"decline"}`, jsonHdr, 200, "declined", ""},
		{"reuse", `{"user_code":"` + codeJSON + `","principal":"alice"}`, jsonHdr, 400, "code_used", "already used"},
		{"unknown code", `{"user_code":"NOPE","principal":"alice"}`, jsonHdr, 400, "unknown_code", "unknown user code"},
		{"unknown principal", `{"user_code":"` + codeJSON + `","principal":"mallory"}`, jsonHdr, 400, "unknown_principal", "user principals: alice, bob"},
		{"missing code", `{"principal":"alice"}`, jsonHdr, 400, "invalid_request", "user_code is required"},
		{"bad json", `{`, jsonHdr, 400, "invalid_request", "not valid JSON"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := doRequest(t, ts, "POST", "/sandbox/approve", strings.NewReader(tc.body), tc.hdr)
			if r.status != tc.wantStatus {
				t.Fatalf("status %d, want %d: %s", r.status, tc.wantStatus, r.raw)
			}
			key := "status"
			if r.status != 200 {
				key = "error"
			}
			if r.body[key] != tc.wantField || !strings.Contains(r.raw, tc.wantMsg) {
				t.Fatalf("got %s, want %s=%s and %q", r.raw, key, tc.wantField, tc.wantMsg)
			}
		})
	}
	if got := s.Stats().Approvals; got != 2 {
		t.Fatalf("Approvals = %d, want 2", got)
	}
}

func TestTokenEndpointErrors(t *testing.T) {
	_, ts := newTestServer(t, Config{})
	tok := "/" + testTenant + "/oauth2/v2.0/token"
	tests := []struct {
		name   string
		path   string
		form   url.Values
		status int
		error  string
		code   int
	}{
		{"no grant type", tok, url.Values{"client_id": {testClientID}}, 400, "invalid_request", 900144},
		{"password grant", tok, url.Values{"grant_type": {"password"}, "client_id": {testClientID}}, 400, "unsupported_grant_type", 70003},
		{"unknown refresh token", tok, url.Values{"grant_type": {"refresh_token"}, "client_id": {testClientID}, "refresh_token": {"x"}, "scope": {acctScope}}, 400, "invalid_grant", 9002313},
		{"unknown device code", tok, url.Values{"grant_type": {"device_code"}, "client_id": {testClientID}, "device_code": {"x"}}, 400, "invalid_grant", 70000},
		{"unknown client", tok, url.Values{"grant_type": {"client_credentials"}, "client_id": {"nobody"}, "client_secret": {"x"}, "scope": {acctScope}}, 400, "unauthorized_client", 700016},
		{"wrong secret", tok, url.Values{"grant_type": {"client_credentials"}, "client_id": {spClientID}, "client_secret": {"x"}, "scope": {acctScope}}, 401, "invalid_client", 7000215},
		{"no credential", tok, url.Values{"grant_type": {"client_credentials"}, "client_id": {spClientID}, "scope": {acctScope}}, 401, "invalid_client", 7000218},
		{"scope without .default", tok, url.Values{"grant_type": {"client_credentials"}, "client_id": {spClientID}, "client_secret": {spSecret}, "scope": {acctResource + "/user_impersonation"}}, 400, "invalid_scope", 1002012},
		{"unknown resource", tok, url.Values{"grant_type": {"client_credentials"}, "client_id": {spClientID}, "client_secret": {spSecret}, "scope": {"https://vault.azure.net/.default"}}, 400, "invalid_resource", 500011},
		{"unknown tenant", "/fabrikam/oauth2/v2.0/token", url.Values{"grant_type": {"client_credentials"}}, 400, "invalid_tenant", 90002},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := postForm(t, ts, tc.path, tc.form)
			if r.status != tc.status || r.body["error"] != tc.error || errorCode(r) != tc.code {
				t.Fatalf("want %d %s %d, got %d %s", tc.status, tc.error, tc.code, r.status, r.raw)
			}
		})
	}
}

func TestFederatedTokenEndpoint(t *testing.T) {
	s, ts := newTestServer(t, Config{})
	r := doRequest(t, ts, "GET", "/sandbox/federated-token?sub="+url.QueryEscape(ciSubject), nil, nil)
	if r.status != 200 || strings.ContainsAny(r.raw, "\n ") || strings.Count(r.raw, ".") != 2 {
		t.Fatalf("federated token: %d %q", r.status, r.raw)
	}
	// The served token must be accepted as a client assertion.
	res := postForm(t, ts, "/"+testTenant+"/oauth2/v2.0/token", url.Values{
		"grant_type": {"client_credentials"}, "client_id": {wiClientID}, "scope": {cosmosScope},
		"client_assertion_type": {jwtBearerAssertionType}, "client_assertion": {r.raw},
	})
	if res.status != 200 {
		t.Fatalf("assertion rejected: %s", res.raw)
	}
	claims := verifyToken(t, s, res.body["access_token"].(string))
	if claims["oid"] == nil || claims["idtyp"] != "app" || claims["aud"] != "https://cosmos.azure.com" {
		t.Fatalf("claims: %v", claims)
	}
	if r := doRequest(t, ts, "GET", "/sandbox/federated-token", nil, nil); r.status != 400 || !strings.Contains(r.raw, "sub") {
		t.Fatalf("missing sub: %d %s", r.status, r.raw)
	}
}

func TestManagedIdentityEndpointErrors(t *testing.T) {
	s, ts := newTestServer(t, Config{})
	good := map[string]string{"X-IDENTITY-HEADER": s.ManagedIdentitySecret()}
	tests := []struct {
		name   string
		query  string
		hdr    map[string]string
		status int
		want   string
	}{
		{"no header", "resource=https://cosmos.azure.com&api-version=2019-08-01", nil, 401, "X-IDENTITY-HEADER"},
		{"wrong header", "resource=https://cosmos.azure.com&api-version=2019-08-01", map[string]string{"X-IDENTITY-HEADER": "guess"}, 401, "X-IDENTITY-HEADER"},
		{"old api version", "resource=https://cosmos.azure.com&api-version=2017-09-01", good, 400, "api-version"},
		{"no resource", "api-version=2019-08-01", good, 400, "resource"},
		{"unknown client id", "resource=https://cosmos.azure.com&api-version=2019-08-01&client_id=nope", good, 400, "No User Assigned"},
		{"unknown resource", "resource=https://vault.azure.net&api-version=2019-08-01", good, 400, "AADSTS500011"},
		{"principal_id", "resource=https://cosmos.azure.com&api-version=2019-08-01&principal_id=3a000000-0000-4000-8000-000000000004", good, 200, mi2ClientID},
		{"mi_res_id", "resource=https://cosmos.azure.com&api-version=2019-08-01&mi_res_id=/subscriptions/x/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/batch-mi", good, 200, mi2ClientID},
		{"system assigned", "resource=https://cosmos.azure.com/.default&api-version=2019-08-01", good, 200, miClientID},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, method := range []string{"GET", "POST"} {
				r := doRequest(t, ts, method, "/msi/token?"+tc.query, nil, tc.hdr)
				if r.status != tc.status || !strings.Contains(r.raw, tc.want) {
					t.Fatalf("%s: got %d %s, want %d containing %q", method, r.status, r.raw, tc.status, tc.want)
				}
				if r.status == 200 {
					c := verifyToken(t, s, r.body["access_token"].(string))
					if c["appid"] != r.body["client_id"] || c["aud"] != "https://cosmos.azure.com" || r.body["expires_on"] == "" {
						t.Fatalf("bad MI token: %v / %s", c, r.raw)
					}
				}
			}
		})
	}
}

// TestRefreshTokenRedeemedOnce races several redemptions of one refresh
// token: rotation must let exactly one of them succeed.
func TestRefreshTokenRedeemedOnce(t *testing.T) {
	s, ts := newTestServer(t, Config{AutoApprove: "alice"})
	post := func(p string, f url.Values) httpResult { return postForm(t, ts, p, f) }
	_, dc := startDeviceCode(t, post)
	r := post("/"+testTenant+"/oauth2/v2.0/token", url.Values{"grant_type": {"device_code"}, "device_code": {dc}, "client_id": {testClientID}, "scope": {acctScope}})
	rt, _ := r.body["refresh_token"].(string)
	if rt == "" {
		t.Fatalf("no refresh token: %s", r.raw)
	}
	const n = 8
	results := make(chan httpResult, n)
	for range n {
		go func() {
			resp, err := ts.Client().PostForm(ts.URL+"/organizations/oauth2/v2.0/token", url.Values{
				"grant_type": {"refresh_token"}, "refresh_token": {rt}, "client_id": {testClientID}, "scope": {acctScope + " offline_access"},
			})
			if err != nil {
				results <- httpResult{status: -1, raw: err.Error()}
				return
			}
			// No t.Fatal off the test goroutine: decode by hand.
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			res := httpResult{status: resp.StatusCode, raw: string(b)}
			_ = json.Unmarshal(b, &res.body)
			results <- res
		}()
	}
	ok, reused := 0, 0
	for range n {
		switch r := <-results; {
		case r.status == 200:
			ok++
		case r.status == 400 && errorCode(r) == 70000:
			reused++
		default:
			t.Errorf("unexpected response %d %s", r.status, r.raw)
		}
	}
	if ok != 1 || reused != n-1 {
		t.Fatalf("successes %d, reuse errors %d; want 1 and %d", ok, reused, n-1)
	}
	if got := s.Stats().RefreshGrants; got != n {
		t.Fatalf("RefreshGrants = %d, want %d", got, n)
	}
	t.Run("wrong client", func(t *testing.T) {
		_, dc := startDeviceCode(t, post)
		r := post("/"+testTenant+"/oauth2/v2.0/token", url.Values{"grant_type": {"device_code"}, "device_code": {dc}, "client_id": {testClientID}, "scope": {acctScope}})
		r = post("/"+testTenant+"/oauth2/v2.0/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {r.body["refresh_token"].(string)}, "client_id": {"someone-else"}, "scope": {acctScope}})
		if r.status != 400 || errorCode(r) != 70000 || !strings.Contains(r.raw, "different client") {
			t.Fatalf("got %d %s", r.status, r.raw)
		}
	})
}

// Rotated refresh tokens are forgotten a while after they were spent, so a
// long-running sandbox whose clients refresh often does not keep every one
// of them for the 90-day refresh-token lifetime.
func TestSpentRefreshTokensForgotten(t *testing.T) {
	clock := &testClock{}
	s, ts := newTestServer(t, Config{AutoApprove: "alice", Now: clock.Now})
	post := func(p string, f url.Values) httpResult { return postForm(t, ts, p, f) }
	refresh := func(rt string) httpResult {
		return post("/"+testTenant+"/oauth2/v2.0/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}, "client_id": {testClientID}, "scope": {acctScope}})
	}
	_, dc := startDeviceCode(t, post)
	r := post("/"+testTenant+"/oauth2/v2.0/token", url.Values{"grant_type": {"device_code"}, "device_code": {dc}, "client_id": {testClientID}, "scope": {acctScope}})
	rt1, _ := r.body["refresh_token"].(string)
	r = refresh(rt1)
	rt2, _ := r.body["refresh_token"].(string)
	if rt1 == "" || rt2 == "" {
		t.Fatalf("no refresh tokens: %s", r.raw)
	}
	if r := refresh(rt1); errorCode(r) != 70000 {
		t.Fatalf("replay right after rotation: %s", r.raw)
	}
	clock.Advance(spentRefreshTokenRetention + time.Minute)
	if r := refresh(rt2); r.status != 200 {
		t.Fatalf("refresh after a quiet day: %d %s", r.status, r.raw)
	}
	if r := refresh(rt1); errorCode(r) != 9002313 {
		t.Fatalf("replay long after rotation: %s", r.raw)
	}
	s.mu.Lock()
	n := len(s.refreshTokens)
	s.mu.Unlock()
	if n != 2 { // rt2, spent just now, and its successor
		t.Fatalf("%d refresh tokens kept, want 2", n)
	}
}

func TestUnknownPath(t *testing.T) {
	s, ts := newTestServer(t, Config{})
	r := doRequest(t, ts, "GET", "/nope", nil, nil)
	if r.status != 404 || !strings.Contains(r.raw, "does not serve GET /nope") {
		t.Fatalf("got %d %q", r.status, r.raw)
	}
	if s.Stats().Total != 1 {
		t.Fatalf("Total = %d", s.Stats().Total)
	}
}
