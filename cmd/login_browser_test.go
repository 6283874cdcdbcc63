package cmd

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/cosmosctl/cosmosctl/internal/browsertest"
	"github.com/cosmosctl/cosmosctl/internal/errs"
	"github.com/cosmosctl/cosmosctl/internal/sandbox/sandboxtest"
)

// browserScript writes an executable BROWSER for the tests: a shell script
// that gets the sign-in URL as $1 and plays the user's part with curl.
func browserScript(t *testing.T, e *loginEnv, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "browser.sh")
	script := "#!/bin/sh\nCA='" + e.sb.CAFile + "'\n" + body + "\n"
	if err := os.WriteFile(p, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

// followRedirect is a browser that follows Entra's redirect to the
// loopback listener (the sandbox signs in at once with --auto-approve).
const followRedirect = `curl -sfL --cacert "$CA" -o /dev/null "$1"`

func TestLoginBrowser(t *testing.T) {
	e := loginSandbox(t, sandboxtest.WithAutoApprove("alice"))
	e.env["BROWSER"] = browserScript(t, e, followRedirect)

	r := e.mustRun(t, "--profile", "sandbox", "login", "--browser")
	if !strings.Contains(r.stderr, e.sb.AuthorityHost+"/"+e.sb.Tenant+"/oauth2/v2.0/authorize?") ||
		!strings.Contains(r.stderr, "code_challenge_method=S256") || !strings.Contains(r.stderr, "redirect_uri=http%3A%2F%2Flocalhost%3A") {
		t.Errorf("stderr does not show the sign-in URL:\n%s", r.stderr)
	}
	if !strings.Contains(r.stderr, "Signed in to profile sandbox as alice") || !strings.Contains(r.stderr, "(browser)") {
		t.Errorf("stderr:\n%s", r.stderr)
	}
	st := e.sb.Entra.Stats()
	if st.Authorizations != 1 || st.AuthCodes != 1 || st.AuthCodeGrants != 1 || st.DeviceCode != 0 {
		t.Fatalf("entra stats %+v: want one authorization, one code, one code grant and no device code", st)
	}
	w := e.whoami(t)
	if w["method"] != "browser" || !strings.HasPrefix(w["upn"].(string), "alice") || w["storage"] != "keyring" {
		t.Fatalf("whoami = %v, want method browser, alice, keyring storage", w)
	}
	// Cached like a device-code sign-in: the next command asks Entra nothing.
	before := loginEntraRequests(e.sb)
	if tok := e.credentialToken(t); tok == "" {
		t.Fatal("no token")
	}
	if n := loginEntraRequests(e.sb) - before; n != 0 {
		t.Fatalf("a later command made %d Entra requests, want 0", n)
	}
	e.assertNoSecrets(t)
}

func TestLoginBrowserFailures(t *testing.T) {
	tests := []struct {
		name        string
		autoApprove string
		browser     string        // script body; "" = a browser that does nothing
		global      []string      // flags before the command
		args        []string      // login flags
		cancelAfter time.Duration // Ctrl-C after this long (0 = never)
		wantCode    int
		wantMsg     string
	}{
		{
			name: "consent refused", browser: `page=$(curl -sf --cacert "$CA" "$1")
id=$(printf '%s' "$page" | sed -n 's/.*name="request" value="\([^"]*\)".*/\1/p')
curl -sL --cacert "$CA" -o /dev/null -d "request=$id" -d action=cancel "${1%%\?*}"`,
			wantCode: errs.ExitAuth, wantMsg: "cancelled or consent was refused in the browser (AADSTS65004",
		},
		{
			name: "state mismatch", autoApprove: "alice",
			browser:  `curl -sL --cacert "$CA" -o /dev/null "$(printf '%s' "$1" | sed 's/state=[^&]*/state=forged/')"`,
			wantCode: errs.ExitAuth, wantMsg: "state mismatch",
		},
		{
			name: "wrong tenant", autoApprove: "alice", browser: followRedirect, args: []string{"--tenant", "no-such-tenant"},
			wantCode: errs.ExitAuth, wantMsg: "AADSTS90002: the tenant was not found; check --tenant",
		},
		{
			name: "timeout", global: []string{"--timeout", "1s"},
			wantCode: errs.ExitUnavailable, wantMsg: "sign-in timed out waiting for the browser",
		},
		{
			name: "interrupted", cancelAfter: 300 * time.Millisecond,
			wantCode: errs.ExitInterrupted,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var opts []sandboxtest.Option
			if tc.autoApprove != "" {
				opts = append(opts, sandboxtest.WithAutoApprove(tc.autoApprove))
			}
			e := loginSandbox(t, opts...)
			e.env["BROWSER"] = browserScript(t, e, tc.browser)
			f, _, _, errOut := e.factory()
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			if tc.cancelAfter > 0 {
				time.AfterFunc(tc.cancelAfter, cancel)
			}
			args := append(append([]string{"--profile", "sandbox"}, tc.global...), "login", "--browser")
			err := Execute(ctx, f, append(args, tc.args...))
			errs.Print(errOut, err, false)
			if got := errs.ExitCode(err); got != tc.wantCode {
				t.Fatalf("exit %d, want %d: %v\n%s", got, tc.wantCode, err, errOut)
			}
			if !strings.Contains(errOut.String(), tc.wantMsg) {
				t.Fatalf("stderr does not say %q:\n%s", tc.wantMsg, errOut)
			}
			cfg, _ := f.Config()
			if p := cfg.Profile("sandbox"); p.Account != nil {
				t.Fatalf("a failed sign-in recorded an account: %+v", p.Account)
			}
		})
	}
}

// The sign-in page in a real (headless) browser: the user picks bob, Entra
// redirects to the loopback listener, and the sign-in completes.
func TestLoginBrowserInChromium(t *testing.T) {
	bctx := browsertest.Context(t)
	e := loginSandbox(t) // no auto-approve: the page is shown
	urlFile := filepath.Join(t.TempDir(), "url")
	e.env["BROWSER"] = browserScript(t, e, `printf '%s' "$1" > '`+urlFile+`'`)
	f, _, _, errOut := e.factory()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- Execute(ctx, f, []string{"--profile", "sandbox", "login", "--browser"}) }()

	var signInURL string
	for signInURL == "" {
		select {
		case err := <-done:
			t.Fatalf("login ended before the browser was used: %v\n%s", err, errOut)
		case <-time.After(20 * time.Millisecond):
		}
		b, _ := os.ReadFile(urlFile)
		signInURL = string(b)
	}
	if err := chromedp.Do(bctx,
		chromedp.Navigate(signInURL),
		chromedp.WaitVisible(chromedp.ID("principal")),
		chromedp.SetValue(chromedp.ID("principal"), "bob"),
		chromedp.Click(chromedp.ID("submit")),
		chromedp.WaitVisible(chromedp.ID("result")),
	); err != nil {
		t.Fatalf("browser: %v", err)
	}
	text, err := chromedp.Run(bctx, chromedp.Text(chromedp.ID("result")))
	if err != nil || !strings.Contains(text, "You are signed in to cosmosctl") {
		t.Fatalf("loopback page says %q (%v)", text, err)
	}
	if err := <-done; err != nil {
		t.Fatalf("login: %v", err)
	}
	if w := e.whoami(t); w["method"] != "browser" || !strings.HasPrefix(w["upn"].(string), "bob") {
		t.Fatalf("whoami = %v, want bob signed in with the browser", w)
	}
}
