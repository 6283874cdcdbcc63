package entra

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/public"
	"github.com/chromedp/chromedp"

	"github.com/cosmosctl/cosmosctl/internal/browsertest"
)

func TestDeviceLoginPageInBrowser(t *testing.T) {
	s, ts := newTestServer(t, Config{})
	bctx := browsertest.Context(t)
	ctx := testContext(t)

	pc := newMSAL(t, ts, "organizations")
	dc, err := pc.AcquireTokenByDeviceCode(ctx, []string{acctScope})
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name      string
		principal string
		code      string
		resultSel string
		want      string
	}{
		{"wrong code", "bob", "WRONGCODE", "#error", "That code wasn't recognised"},
		{"right code, typed in lower case", "bob", strings.ToLower(dc.Result.UserCode), "#result", "You have signed in as Bob Jones (bob@contoso.test)"},
		{"same code again", "alice", dc.Result.UserCode, "#error", "already used"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := chromedp.Do(bctx,
				chromedp.Navigate(dc.Result.VerificationURL),
				chromedp.WaitVisible(chromedp.ID("user_code")),
				chromedp.SetValue(chromedp.ID("principal"), tc.principal),
				chromedp.SendKeys(chromedp.ID("user_code"), tc.code),
				chromedp.Click(chromedp.ID("submit")),
				chromedp.WaitVisible(chromedp.CSS(tc.resultSel)),
			)
			if err != nil {
				t.Fatalf("browser: %v", err)
			}
			text, err := chromedp.Run(bctx, chromedp.Text(chromedp.CSS(tc.resultSel)))
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(text, tc.want) {
				t.Fatalf("page says %q, want %q", text, tc.want)
			}
		})
	}

	// The browser approval completes the CLI's sign-in as the picked user.
	ar, err := dc.AuthenticationResult(ctx)
	if err != nil {
		t.Fatalf("AuthenticationResult: %v", err)
	}
	if c := verifyToken(t, s, ar.AccessToken); c["upn"] != "bob@contoso.test" {
		t.Fatalf("signed in as %v, want bob", c["upn"])
	}

	t.Run("cancel sign-in declines the device code", func(t *testing.T) {
		dc2, err := pc.AcquireTokenByDeviceCode(ctx, []string{acctScope})
		if err != nil {
			t.Fatal(err)
		}
		if err := chromedp.Do(bctx,
			chromedp.Navigate(dc2.Result.VerificationURL),
			chromedp.WaitVisible(chromedp.ID("user_code")),
			chromedp.SendKeys(chromedp.ID("user_code"), dc2.Result.UserCode),
			chromedp.Click(chromedp.ID("decline")),
			chromedp.WaitVisible(chromedp.ID("result")),
		); err != nil {
			t.Fatalf("browser: %v", err)
		}
		if text, err := chromedp.Run(bctx, chromedp.Text(chromedp.ID("result"))); err != nil || !strings.Contains(text, "You have cancelled the sign-in") {
			t.Fatalf("page says %q (%v)", text, err)
		}
		if _, err := dc2.AuthenticationResult(ctx); err == nil || !strings.Contains(err.Error(), "authorization_declined") {
			t.Fatalf("MSAL after decline: %v", err)
		}
	})

	t.Run("options list only users", func(t *testing.T) {
		if err := chromedp.Do(bctx, chromedp.Navigate(ts.URL+"/devicelogin"), chromedp.WaitVisible(chromedp.ID("principal"))); err != nil {
			t.Fatal(err)
		}
		opts, err := chromedp.Run(bctx, chromedp.Text(chromedp.ID("principal")))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(opts, "Alice Smith") || !strings.Contains(opts, "Bob Jones") || strings.Contains(opts, "ci-app") || strings.Contains(opts, "web-mi") {
			t.Fatalf("principal options: %q", opts)
		}
	})
}

func TestAuthorizeSignInPageInBrowser(t *testing.T) {
	s, ts := newTestServer(t, Config{})
	bctx := browsertest.Context(t)
	pc := newMSAL(t, ts, testTenant)

	// The CLI's loopback listener: it receives the query-string redirect.
	got := make(chan url.Values, 1)
	loop := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case got <- r.URL.Query():
		default:
		}
		_, _ = w.Write([]byte(`<p id="done">signed in</p>`))
	}))
	t.Cleanup(loop.Close)

	if err := chromedp.Do(bctx,
		chromedp.Navigate(authorizeURL(t, pc, loop.URL, nil)),
		chromedp.WaitVisible(chromedp.ID("principal")),
		chromedp.SetValue(chromedp.ID("principal"), "bob"),
		chromedp.Click(chromedp.ID("submit")),
		chromedp.WaitVisible(chromedp.ID("done")),
	); err != nil {
		t.Fatalf("browser: %v", err)
	}
	q := <-got
	if q.Get("state") != "st-123" || q.Get("code") == "" {
		t.Fatalf("redirect query %v, want code and state", q)
	}
	ar, err := pc.AcquireTokenByAuthCode(testContext(t), q.Get("code"), loop.URL, []string{acctScope}, public.WithChallenge(testVerifier))
	if err != nil {
		t.Fatalf("AcquireTokenByAuthCode: %v", err)
	}
	if c := verifyToken(t, s, ar.AccessToken); c["upn"] != "bob@contoso.test" {
		t.Fatalf("signed in as %v, want bob", c["upn"])
	}
}
