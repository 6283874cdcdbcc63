package entra

import (
	"context"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/public"
)

// newMSAL builds a real MSAL public client against the test server, the way
// cosmosctl's sandbox mode does: explicit authority, trusted test CA, no
// instance discovery.
func newMSAL(t *testing.T, ts *httptest.Server, tenant string) public.Client {
	t.Helper()
	pc, err := public.New(testClientID,
		public.WithAuthority(ts.URL+"/"+tenant),
		public.WithHTTPClient(ts.Client()),
		public.WithInstanceDiscovery(false))
	if err != nil {
		t.Fatalf("public.New: %v", err)
	}
	return pc
}

func TestMSALDeviceCodeLogin(t *testing.T) {
	tests := []struct {
		name        string
		tenant      string
		autoApprove string
		approveAs   string // "" = rely on AutoApprove
		wantUser    string
	}{
		{"approve via API, organizations authority", "organizations", "", "alice", "alice@contoso.test"},
		{"approve via API, tenant authority", testTenant, "", "bob", "bob@contoso.test"},
		{"auto approve", testTenant, "alice", "", "alice@contoso.test"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx := testContext(t)
			s, ts := newTestServer(t, Config{AutoApprove: tc.autoApprove})
			pc := newMSAL(t, ts, tc.tenant)
			dc, err := pc.AcquireTokenByDeviceCode(ctx, []string{acctScope})
			if err != nil {
				t.Fatalf("AcquireTokenByDeviceCode: %v", err)
			}
			if !strings.Contains(dc.Result.Message, ts.URL+"/devicelogin") || !strings.Contains(dc.Result.Message, dc.Result.UserCode) {
				t.Fatalf("message: %q", dc.Result.Message)
			}
			if tc.approveAs != "" {
				if err := s.Approve(dc.Result.UserCode, tc.approveAs); err != nil {
					t.Fatalf("Approve: %v", err)
				}
			}
			ar, err := dc.AuthenticationResult(ctx)
			if err != nil {
				t.Fatalf("AuthenticationResult: %v", err)
			}
			p := s.principalByName(strings.Split(tc.wantUser, "@")[0])
			c := verifyToken(t, s, ar.AccessToken)
			want := map[string]any{
				"aud": acctResource, "iss": s.Issuer(), "tid": testTenant, "oid": p.ObjectID,
				"upn": tc.wantUser, "preferred_username": tc.wantUser, "name": p.DisplayName,
				"appid": testClientID, "azp": testClientID, "scp": "user_impersonation", "ver": "2.0",
			}
			for k, v := range want {
				if c[k] != v {
					t.Errorf("claim %s = %v, want %v", k, c[k], v)
				}
			}
			for _, k := range []string{"iat", "nbf", "exp", "uti", "sub"} {
				if c[k] == nil {
					t.Errorf("claim %s missing", k)
				}
			}
			if tc.wantUser == "alice@contoso.test" {
				if g, _ := c["groups"].([]any); len(g) != 2 || g[0] != "g-readers" {
					t.Errorf("groups = %v", c["groups"])
				}
			}
			// MSAL persisted the account under oid.tenant.
			if ar.Account.HomeAccountID != p.ObjectID+"."+testTenant || ar.Account.PreferredUsername != tc.wantUser {
				t.Fatalf("account = %+v", ar.Account)
			}
			accts, err := pc.Accounts(ctx)
			if err != nil || len(accts) != 1 {
				t.Fatalf("Accounts = %v, %v", accts, err)
			}
			// A 1h token is served from MSAL's cache: no request at all.
			before := s.Stats().Total
			silent, err := pc.AcquireTokenSilent(ctx, []string{acctScope}, public.WithSilentAccount(accts[0]))
			if err != nil {
				t.Fatalf("AcquireTokenSilent: %v", err)
			}
			if silent.AccessToken != ar.AccessToken || s.Stats().Total != before {
				t.Fatalf("silent call was not served from cache (requests %d -> %d)", before, s.Stats().Total)
			}
			st := s.Stats()
			if st.DeviceCode != 1 || st.DeviceCodePolls < 1 || st.Approvals != 1 {
				t.Fatalf("stats: %+v", st)
			}
		})
	}
}

func TestMSALRefreshAndRevoke(t *testing.T) {
	ctx := testContext(t)
	// Shorter than MSAL's 5-minute margin: every silent call must refresh.
	s, ts := newTestServer(t, Config{TokenLifetime: 2 * time.Second, AutoApprove: "alice"})
	pc := newMSAL(t, ts, "organizations")
	dc, err := pc.AcquireTokenByDeviceCode(ctx, []string{acctScope})
	if err != nil {
		t.Fatal(err)
	}
	first, err := dc.AuthenticationResult(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if c := verifyToken(t, s, first.AccessToken); c["exp"].(float64)-c["iat"].(float64) != 2 {
		t.Fatalf("lifetime not honoured: %v", c)
	}
	acct := first.Account
	var last string
	for i := 1; i <= 2; i++ {
		ar, err := pc.AcquireTokenSilent(ctx, []string{acctScope}, public.WithSilentAccount(acct))
		if err != nil {
			t.Fatalf("silent #%d: %v", i, err)
		}
		if ar.AccessToken == first.AccessToken || ar.AccessToken == last {
			t.Fatalf("silent #%d returned a stale token", i)
		}
		last = ar.AccessToken
		if got := s.Stats().RefreshGrants; got != i {
			t.Fatalf("RefreshGrants = %d after %d silent calls", got, i)
		}
	}
	// Another resource from the same (multi-resource) refresh token.
	ar, err := pc.AcquireTokenSilent(ctx, []string{cosmosScope}, public.WithSilentAccount(acct))
	if err != nil {
		t.Fatalf("silent for cosmos.azure.com: %v", err)
	}
	if c := verifyToken(t, s, ar.AccessToken); c["aud"] != "https://cosmos.azure.com" {
		t.Fatalf("aud = %v", c["aud"])
	}
	// An unknown resource yields the real AADSTS500011 and does not spend the refresh token.
	if _, err := pc.AcquireTokenSilent(ctx, []string{"https://other.documents.azure.com/.default"}, public.WithSilentAccount(acct)); err == nil || !strings.Contains(err.Error(), "AADSTS500011") {
		t.Fatalf("unknown resource: %v", err)
	}
	if _, err := pc.AcquireTokenSilent(ctx, []string{acctScope}, public.WithSilentAccount(acct)); err != nil {
		t.Fatalf("refresh token must survive a failed redemption: %v", err)
	}

	if n := s.RevokeRefreshTokens("alice"); n != 1 {
		t.Fatalf("RevokeRefreshTokens = %d, want 1 (rotation leaves one active token)", n)
	}
	_, err = pc.AcquireTokenSilent(ctx, []string{acctScope}, public.WithSilentAccount(acct))
	if err == nil || !strings.Contains(err.Error(), "invalid_grant") || !strings.Contains(err.Error(), "AADSTS50173") {
		t.Fatalf("silent after revoke: %v", err)
	}
	if n := s.RevokeRefreshTokens("alice"); n != 0 {
		t.Fatalf("second revoke = %d", n)
	}
}

func TestMSALDeviceCodeFailures(t *testing.T) {
	tests := []struct {
		name   string
		act    func(t *testing.T, s *Server, clk *testClock, userCode string)
		ctxFor time.Duration
		want   string
	}{
		{"declined", func(t *testing.T, s *Server, _ *testClock, uc string) {
			if err := s.Decline(uc); err != nil {
				t.Fatal(err)
			}
		}, 30 * time.Second, "authorization_declined"},
		{"expired on the server", func(_ *testing.T, _ *Server, clk *testClock, _ string) {
			clk.Advance(20 * time.Minute)
		}, 30 * time.Second, "AADSTS70020"},
		{"never approved: MSAL keeps polling until its context ends", func(*testing.T, *Server, *testClock, string) {}, 800 * time.Millisecond, context.DeadlineExceeded.Error()},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			clk := &testClock{}
			s, ts := newTestServer(t, Config{Now: clk.Now, PollInterval: 100 * time.Millisecond})
			pc := newMSAL(t, ts, testTenant)
			ctx, cancel := context.WithTimeout(testContext(t), tc.ctxFor)
			defer cancel()
			dc, err := pc.AcquireTokenByDeviceCode(ctx, []string{acctScope})
			if err != nil {
				t.Fatal(err)
			}
			tc.act(t, s, clk, dc.Result.UserCode)
			_, err = dc.AuthenticationResult(ctx)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want containing %q", err, tc.want)
			}
			if tc.want == context.DeadlineExceeded.Error() {
				if !errors.Is(err, context.DeadlineExceeded) {
					t.Fatalf("want DeadlineExceeded, got %v", err)
				}
				// MSAL treated pending/slow_down as "keep polling".
				if polls := s.Stats().DeviceCodePolls; polls < 2 {
					t.Fatalf("DeviceCodePolls = %d, want >= 2", polls)
				}
			}
		})
	}
}
