package entra

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/public"
)

const testVerifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"

// noRedirectClient returns the test server's client without following
// redirects, so the Location header (the loopback redirect) can be read.
func noRedirectClient(c *http.Client) *http.Client {
	cp := *c
	cp.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &cp
}

// authorizeURL is what cosmosctl sends: MSAL's URL plus PKCE and state.
func authorizeURL(t *testing.T, pc public.Client, redirect string, extra url.Values) string {
	t.Helper()
	u, err := pc.AuthCodeURL(context.Background(), testClientID, redirect, []string{acctScope, "openid", "offline_access", "profile"})
	if err != nil {
		t.Fatalf("AuthCodeURL: %v", err)
	}
	pu, err := url.Parse(u)
	if err != nil {
		t.Fatal(err)
	}
	q := pu.Query()
	q.Set("state", "st-123")
	q.Set("code_challenge", S256Challenge(testVerifier))
	q.Set("code_challenge_method", "S256")
	for k, v := range extra {
		q[k] = v
	}
	pu.RawQuery = q.Encode()
	return pu.String()
}

// authorize runs the authorize request and returns the redirect's query.
func authorize(t *testing.T, c *http.Client, u string) (int, url.Values, string) {
	t.Helper()
	resp, err := noRedirectClient(c).Get(u)
	if err != nil {
		t.Fatalf("GET authorize: %v", err)
	}
	defer resp.Body.Close()
	loc := resp.Header.Get("Location")
	if loc == "" {
		return resp.StatusCode, nil, ""
	}
	lu, err := url.Parse(loc)
	if err != nil {
		t.Fatalf("bad Location %q: %v", loc, err)
	}
	return resp.StatusCode, lu.Query(), lu.Scheme + "://" + lu.Host + lu.Path
}

func TestAuthCodePKCE(t *testing.T) {
	const redirect = "http://localhost:53412"
	tests := []struct {
		name     string
		verifier string
		wantErr  string // "" = a token for alice
	}{
		{"right verifier", testVerifier, ""},
		{"wrong verifier", testVerifier + "x", "AADSTS50148: The code_verifier does not match the code_challenge supplied in the authorization request for PKCE."},
		{"no verifier", "", "code_verifier"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, ts := newTestServer(t, Config{AutoApprove: "alice"})
			pc := newMSAL(t, ts, testTenant)
			status, q, to := authorize(t, ts.Client(), authorizeURL(t, pc, redirect, nil))
			if status != http.StatusFound || to != redirect || q.Get("state") != "st-123" || q.Get("code") == "" {
				t.Fatalf("authorize: status %d, to %q, query %v; want a 302 to %s with code and state", status, to, q, redirect)
			}
			var opts []public.AcquireByAuthCodeOption
			if tc.verifier != "" {
				opts = append(opts, public.WithChallenge(tc.verifier))
			}
			ar, err := pc.AcquireTokenByAuthCode(testContext(t), q.Get("code"), redirect, []string{acctScope}, opts...)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("AcquireTokenByAuthCode: %v", err)
			}
			if c := verifyToken(t, s, ar.AccessToken); c["upn"] != "alice@contoso.test" || c["aud"] != acctResource {
				t.Fatalf("claims = %v", c)
			}
			if ar.Account.HomeAccountID == "" {
				t.Fatal("no account: the id_token or client_info is missing")
			}
			// A code is single use.
			_, err = pc.AcquireTokenByAuthCode(testContext(t), q.Get("code"), redirect, []string{acctScope}, opts...)
			if err == nil || !strings.Contains(err.Error(), "AADSTS54005") {
				t.Fatalf("second redemption: err = %v, want AADSTS54005", err)
			}
			if st := s.Stats(); st.Authorizations != 1 || st.AuthCodes != 1 || st.AuthCodeGrants != 2 {
				t.Fatalf("stats = %+v, want 1 authorization, 1 code, 2 grants", st)
			}
		})
	}
}

func TestAuthorizeRedirectURI(t *testing.T) {
	tests := []struct {
		redirect string
		ok       bool
	}{
		{"http://localhost:8400", true},
		{"http://127.0.0.1:1", true},
		{"http://localhost", true},
		{"http://127.0.0.1:65535/callback", true},
		{"https://localhost:8400", false},
		{"http://evil.example:8400", false},
		{"http://localhost.evil.example", false},
		{"http://127.0.0.2:8400", false},
		{"http://user@localhost:8400", false},
		{"http://localhost:99999", false},
		{"", false},
	}
	_, ts := newTestServer(t, Config{AutoApprove: "alice"})
	pc := newMSAL(t, ts, testTenant)
	for _, tc := range tests {
		t.Run(tc.redirect, func(t *testing.T) {
			u := authorizeURL(t, pc, "http://localhost", url.Values{"redirect_uri": {tc.redirect}})
			resp, err := noRedirectClient(ts.Client()).Get(u)
			if err != nil {
				t.Fatal(err)
			}
			r := readResult(t, resp)
			if tc.ok {
				if resp.StatusCode != http.StatusFound || !strings.HasPrefix(resp.Header.Get("Location"), tc.redirect) {
					t.Fatalf("status %d, Location %q; want a redirect to %s", resp.StatusCode, resp.Header.Get("Location"), tc.redirect)
				}
				return
			}
			if resp.StatusCode != http.StatusBadRequest || resp.Header.Get("Location") != "" || !strings.Contains(r.raw, "AADSTS50011") {
				t.Fatalf("status %d, Location %q, body %q; want 400 with AADSTS50011 and no redirect", resp.StatusCode, resp.Header.Get("Location"), r.raw)
			}
		})
	}
}

func TestAuthorizeErrorsGoBackToTheRedirect(t *testing.T) {
	const redirect = "http://127.0.0.1:8400"
	tests := []struct {
		name  string
		extra url.Values
		want  string // error
		code  string // AADSTS code in error_description
	}{
		{"no PKCE", url.Values{"code_challenge": {""}}, "invalid_request", "AADSTS900144"},
		{"plain PKCE", url.Values{"code_challenge_method": {"plain"}}, "invalid_request", "AADSTS900144"},
		{"token response type", url.Values{"response_type": {"token"}}, "unsupported_response_type", "AADSTS700054"},
		{"unknown resource", url.Values{"scope": {"https://other.example/.default openid"}}, "invalid_resource", "AADSTS500011"},
	}
	_, ts := newTestServer(t, Config{AutoApprove: "alice"})
	pc := newMSAL(t, ts, testTenant)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, q, to := authorize(t, ts.Client(), authorizeURL(t, pc, redirect, tc.extra))
			if status != http.StatusFound || to != redirect || q.Get("error") != tc.want ||
				!strings.HasPrefix(q.Get("error_description"), tc.code) || q.Get("state") != "st-123" || q.Get("code") != "" {
				t.Fatalf("status %d, to %q, query %v; want error %s (%s) with the state", status, to, q, tc.want, tc.code)
			}
		})
	}
}

func TestAuthorizeSignInPageForm(t *testing.T) {
	const redirect = "http://localhost:8400"
	tests := []struct {
		name      string
		form      url.Values
		wantError string // redirect error; "" = code
	}{
		{"sign in as bob", url.Values{"principal": {"bob"}, "action": {"approve"}}, ""},
		{"cancel", url.Values{"action": {"cancel"}}, "access_denied"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, ts := newTestServer(t, Config{})
			pc := newMSAL(t, ts, testTenant)
			u := authorizeURL(t, pc, redirect, nil)
			r := doRequest(t, ts, http.MethodGet, strings.TrimPrefix(u, ts.URL), nil, nil)
			i := strings.Index(r.raw, `name="request" value="`)
			if r.status != http.StatusOK || i < 0 {
				t.Fatalf("sign-in page: status %d, body %q", r.status, r.raw)
			}
			id := r.raw[i+len(`name="request" value="`):]
			id = id[:strings.IndexByte(id, '"')]
			tc.form.Set("request", id)
			resp, err := noRedirectClient(ts.Client()).PostForm(ts.URL+"/"+testTenant+"/oauth2/v2.0/authorize", tc.form)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			lu, _ := url.Parse(resp.Header.Get("Location"))
			q := lu.Query()
			if resp.StatusCode != http.StatusFound || q.Get("state") != "st-123" || q.Get("error") != tc.wantError || (tc.wantError == "") == (q.Get("code") == "") {
				t.Fatalf("status %d, Location %q; want error %q", resp.StatusCode, resp.Header.Get("Location"), tc.wantError)
			}
			if tc.wantError != "" {
				return
			}
			ar, err := pc.AcquireTokenByAuthCode(testContext(t), q.Get("code"), redirect, []string{acctScope}, public.WithChallenge(testVerifier))
			if err != nil {
				t.Fatal(err)
			}
			if c := verifyToken(t, s, ar.AccessToken); c["upn"] != "bob@contoso.test" {
				t.Fatalf("upn = %v, want bob", c["upn"])
			}
			// The same page cannot be answered twice.
			resp, err = noRedirectClient(ts.Client()).PostForm(ts.URL+"/"+testTenant+"/oauth2/v2.0/authorize", tc.form)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusBadRequest || resp.Header.Get("Location") != "" {
				t.Fatalf("second answer: status %d, Location %q; want 400", resp.StatusCode, resp.Header.Get("Location"))
			}
		})
	}
}
