package cmd

import (
	"encoding/json"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cosmosctl/cosmosctl/internal/errs"
)

type doctorStep struct {
	Step, Status, Detail, Hint string
}

// runDoctor runs `doctor -o json` and returns the steps by name.
func runDoctor(t *testing.T, e *loginEnv, now func() time.Time, args ...string) (map[string]doctorStep, []string, loginRunResult) {
	t.Helper()
	f, _, out, errOut := e.factory()
	if now != nil {
		f.Now = now
	}
	err := Execute(t.Context(), f, append([]string{"--profile", "sandbox", "doctor", "-o", "json"}, args...))
	r := loginRunResult{stdout: out.String(), stderr: errOut.String(), err: err, code: errs.ExitCode(err)}
	var rows []doctorStep
	if jerr := json.Unmarshal(out.Bytes(), &rows); jerr != nil {
		t.Fatalf("doctor -o json: %v\n%s\n%s", jerr, r.stdout, r.stderr)
	}
	steps := map[string]doctorStep{}
	var order []string
	for _, s := range rows {
		steps[s.Step] = s
		order = append(order, s.Step+"="+s.Status)
	}
	return steps, order, r
}

// firstFailure is the step doctor stopped at.
func firstFailure(steps map[string]doctorStep, order []string) (doctorStep, bool) {
	for _, o := range order {
		name, status, _ := strings.Cut(o, "=")
		if status == "fail" {
			return steps[name], true
		}
	}
	return doctorStep{}, false
}

func TestDoctor(t *testing.T) {
	_, users := accessUsers(t, "alice", "bob", "dave")
	notSignedIn := loginSandbox(t)
	other := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "<html>nothing here</html>", http.StatusNotFound)
	}))
	other.Config.ErrorLog = log.New(io.Discard, "", 0) // the untrusted-TLS case makes it log handshake errors
	other.StartTLS()
	defer other.Close()
	badCA := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(badCA, []byte("not a certificate"), 0o600); err != nil {
		t.Fatal(err)
	}
	skewed := func() time.Time { return time.Now().Add(20 * time.Minute) }
	cases := []struct {
		name    string
		e       *loginEnv
		env     map[string]string
		now     func() time.Time
		args    []string
		step    string // the first failing step; "" = healthy
		code    int
		detail  string
		hintHas string
	}{
		{"healthy", users["alice"], nil, nil, []string{"-d", "shop", "-c", "orders"}, "", 0, "", ""},
		{"not signed in", notSignedIn, nil, nil, nil, "sign-in", errs.ExitAuth, "not signed in", ""},
		{"bad CA bundle", users["alice"], map[string]string{"COSMOSCTL_CA_FILE": badCA}, nil, nil, "configuration", errs.ExitUsage, "holds no PEM certificate", ""},
		{"plain http elsewhere", users["alice"], nil, nil, []string{"--endpoint", "http://example.invalid:8080/"}, "configuration", errs.ExitUsage, "over plain http", ""},
		{"untrusted TLS", users["alice"], nil, nil, []string{"--endpoint", other.URL + "/"}, "tls", errs.ExitUnavailable, "unknown authority", "ca-file"},
		{"not a gateway", users["alice"], map[string]string{"COSMOSCTL_CA_FILE": writeServerCA(t, other)}, nil, []string{"--endpoint", other.URL + "/"}, "gateway", errs.ExitUsage, "is not a Cosmos DB gateway", ""},
		{"skewed clock", users["alice"], nil, skewed, nil, "token", errs.ExitAuth, "off the server's", "clock"},
		{"no role", users["bob"], nil, nil, []string{"-d", "shop", "-c", "orders"}, "account", errs.ExitForbidden, "readMetadata", `--scope "/dbs/shop/colls/orders"`},
		{"missing database", users["alice"], nil, nil, []string{"-d", "shopp", "-c", "orders"}, "database", errs.ExitNotFound, "database shopp does not exist", ""},
		{"missing container", users["alice"], nil, nil, []string{"-d", "shop", "-c", "orderz"}, "container", errs.ExitNotFound, "orderz", ""},
		{"query refused", users["dave"], nil, nil, []string{"-d", "shop", "-c", "orders"}, "query", errs.ExitForbidden, "executeQuery", "Data Reader"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for k, v := range c.env {
				c.e.env[k] = v
			}
			defer func() {
				for k := range c.env {
					delete(c.e.env, k)
				}
			}()
			steps, order, r := runDoctor(t, c.e, c.now, c.args...)
			if r.code != c.code {
				t.Fatalf("exit %d, want %d: %v\n%s", r.code, c.code, order, r.stderr)
			}
			failed, any := firstFailure(steps, order)
			if c.step == "" {
				if any {
					t.Fatalf("healthy profile failed at %+v", failed)
				}
				for _, s := range []string{"configuration", "dns", "tls", "gateway", "entra", "sign-in", "token", "account", "database", "container", "query"} {
					if steps[s].Status != "ok" {
						t.Errorf("%s: %+v", s, steps[s])
					}
				}
				return
			}
			if failed.Step != c.step || !strings.Contains(failed.Detail, c.detail) || !strings.Contains(failed.Hint, c.hintHas) {
				t.Fatalf("failed at %+v, want %s (%q, hint %q); steps %v", failed, c.step, c.detail, c.hintHas, order)
			}
		})
	}
}
