package doctor

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/cosmosctl/cosmosctl/auth/claims"
	"github.com/cosmosctl/cosmosctl/internal/errs"
)

func TestRunStopsAtFirstFailure(t *testing.T) {
	var ran []string
	step := func(name string, detail string, err error) Step {
		return Step{Name: name, Run: func(context.Context) (string, error) {
			ran = append(ran, name)
			return detail, err
		}}
	}
	boom := errs.New(errs.KindUnavailable, nil, "start the sandbox", "cannot connect")
	rs, err := Run(context.Background(), []Step{
		step("config", "profile sandbox", nil),
		step("dns", "", Skip("an IP address")),
		step("tls", "", boom),
		step("entra", "ok", nil),
	}, nil)
	if !errors.Is(err, boom) || errs.ExitCode(err) != 6 {
		t.Fatalf("err = %v (exit %d)", err, errs.ExitCode(err))
	}
	if strings.Join(ran, ",") != "config,dns,tls" {
		t.Errorf("ran %v", ran)
	}
	want := []struct {
		status       Status
		detail, hint string
	}{{StatusOK, "profile sandbox", ""}, {StatusSkipped, "an IP address", ""}, {StatusFail, "cannot connect", "start the sandbox"}, {StatusNotRun, "", ""}}
	for i, w := range want {
		if rs[i].Status != w.status || rs[i].Detail != w.detail || rs[i].Hint != w.hint {
			t.Errorf("step %d = %+v, want %+v", i, rs[i], w)
		}
	}
	rs, err = Run(context.Background(), []Step{step("a", "fine", nil)}, nil)
	if err != nil || len(rs) != 1 || rs[0].Status != StatusOK {
		t.Fatalf("healthy run: %v %+v", err, rs)
	}
}

func TestCheckEndpoint(t *testing.T) {
	cases := []struct {
		in, want string
		exit     int
	}{
		{"https://acct.documents.azure.com:443/", "https://acct.documents.azure.com:443", 0},
		{"http://127.0.0.1:8081/", "http://127.0.0.1:8081", 0},
		{"http://localhost:8081", "http://localhost:8081", 0},
		{"http://example.invalid:8080/", "", 2},
		{"", "", 2},
		{"acct.documents.azure.com", "", 2},
		{"ftp://x/", "", 2},
	}
	for _, c := range cases {
		got, err := CheckEndpoint(c.in)
		if got != c.want || errs.ExitCode(err) != c.exit {
			t.Errorf("CheckEndpoint(%q) = %q, %v; want %q exit %d", c.in, got, err, c.want, c.exit)
		}
	}
}

type fakeResolver map[string][]string

func (f fakeResolver) LookupHost(_ context.Context, host string) ([]string, error) {
	if a, ok := f[host]; ok {
		return a, nil
	}
	return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
}

func TestCheckDNS(t *testing.T) {
	r := fakeResolver{"acct.documents.azure.com": {"10.1.2.3"}}
	if d, err := CheckDNS(context.Background(), r, "acct.documents.azure.com"); err != nil || !strings.Contains(d, "10.1.2.3") {
		t.Errorf("resolvable: %q %v", d, err)
	}
	if _, err := CheckDNS(context.Background(), r, "nosuch.invalid"); errs.ExitCode(err) != 6 || !strings.Contains(err.Error(), "cannot resolve nosuch.invalid") {
		t.Errorf("unresolvable: %v", err)
	}
	if d, err := CheckDNS(context.Background(), r, "127.0.0.1"); err != nil || !strings.Contains(d, "no lookup") {
		t.Errorf("ip: %q %v", d, err)
	}
}

func TestCheckTLS(t *testing.T) {
	srv := httptest.NewTLSServer(http.NotFoundHandler())
	defer srv.Close()
	addr := srv.Listener.Addr().String()
	pool := x509.NewCertPool()
	pool.AddCert(srv.Certificate())
	closed := func() string {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		a := l.Addr().String()
		l.Close()
		return a
	}()
	now := time.Now()
	cases := []struct {
		name string
		addr string
		conf *tls.Config
		has  string
		exit int
	}{
		{"trusted", addr, &tls.Config{RootCAs: pool}, "valid until", 0},
		{"unknown authority", addr, &tls.Config{RootCAs: x509.NewCertPool()}, "signed by an unknown authority", 6},
		{"wrong name", addr, &tls.Config{RootCAs: pool, ServerName: "acct.documents.azure.com"}, "not valid for this host", 6},
		{"closed port", closed, &tls.Config{}, "cannot connect to " + closed, 6},
		{"expired", addr, &tls.Config{RootCAs: pool, Time: func() time.Time { return srv.Certificate().NotAfter.Add(time.Hour) }}, "expired or is not yet valid", 6},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d, err := CheckTLS(context.Background(), c.addr, c.conf, now)
			text := d
			if err != nil {
				text = err.Error()
			}
			if errs.ExitCode(err) != c.exit || !strings.Contains(text, c.has) {
				t.Fatalf("got %q (exit %d), want %q exit %d", text, errs.ExitCode(err), c.has, c.exit)
			}
		})
	}
}

func TestCheckOpenID(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/good-tenant/v2.0/.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"issuer":"https://login/good-tenant/v2.0","token_endpoint":"https://login/good-tenant/oauth2/v2.0/token"}`)
	})
	mux.HandleFunc("/bad-tenant/v2.0/.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(400)
		fmt.Fprint(w, `{"error":"invalid_tenant","error_description":"AADSTS90002: Tenant 'bad-tenant' not found."}`)
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	down := httptest.NewServer(http.NotFoundHandler())
	downURL := down.URL
	down.Close()
	cases := []struct {
		name, authority, tenant, has string
		exit                         int
	}{
		{"reachable", srv.URL, "good-tenant", "tenant good-tenant", 0},
		{"unknown tenant", srv.URL, "bad-tenant", "Entra ID does not know tenant bad-tenant: AADSTS90002", 2},
		{"not entra", srv.URL, "other", "did not answer as Entra ID (HTTP 404)", 6},
		{"unreachable", downURL, "good-tenant", "cannot reach Entra ID", 6},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d, err := CheckOpenID(context.Background(), srv.Client(), c.authority, c.tenant)
			text := d
			if err != nil {
				text = err.Error()
			}
			if errs.ExitCode(err) != c.exit || !strings.Contains(text, c.has) {
				t.Fatalf("got %q (exit %d), want %q exit %d", text, errs.ExitCode(err), c.has, c.exit)
			}
		})
	}
}

func TestCheckClaims(t *testing.T) {
	now := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	tid := "11111111-1111-1111-1111-111111111111"
	good := claims.Claims{Audience: "https://acct.documents.azure.com", TenantID: tid, UPN: "alice@contoso.test", ExpiresAt: now.Add(time.Hour), Groups: []string{"g1"}}
	with := func(f func(*claims.Claims)) *claims.Claims {
		c := good
		f(&c)
		return &c
	}
	cases := []struct {
		name       string
		c          *claims.Claims
		aud, ten   string
		serverDate time.Time
		has        string
		exit       int
	}{
		{"ok", &good, "https://acct.documents.azure.com", tid, now, "alice@contoso.test, tenant " + tid + ", audience https://acct.documents.azure.com, 1h0m0s left, 1 groups", 0},
		{"no groups claim", with(func(c *claims.Claims) { c.Groups = nil }), "", "", time.Time{}, "no groups claim", 0},
		{"wrong audience", &good, "https://cosmos.azure.com", "", now, "the token is for audience https://acct.documents.azure.com, but this account expects https://cosmos.azure.com", 3},
		{"wrong tenant", &good, "", "22222222-2222-2222-2222-222222222222", now, "the token is from tenant " + tid, 3},
		{"tenant by domain is not compared", &good, "", "contoso.test", now, "alice", 0},
		{"clock skew", &good, "", "", now.Add(-10 * time.Minute), "10m0s off the server's", 3},
		{"expired", with(func(c *claims.Claims) { c.ExpiresAt = now.Add(-time.Minute) }), "", "", now, "the token expired at 2026-12-04T11:59:00Z", 3},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d, err := CheckClaims(c.c, c.aud, c.ten, now, c.serverDate)
			text := d
			if err != nil {
				text = err.Error()
			}
			if errs.ExitCode(err) != c.exit || !strings.Contains(text, c.has) {
				t.Fatalf("got %q (exit %d), want %q exit %d", text, errs.ExitCode(err), c.has, c.exit)
			}
		})
	}
}
