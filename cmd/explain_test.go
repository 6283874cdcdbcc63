package cmd

import (
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cosmosctl/cosmosctl/auth"
	"github.com/cosmosctl/cosmosctl/internal/errs"
	"github.com/cosmosctl/cosmosctl/internal/sandbox/sandboxtest"
	"github.com/cosmosctl/cosmosctl/internal/testcert"
)

// Failures that are not about the sign-in say what they are, with the
// exit code of their kind; none of them sends the user to `login`.
func TestFailuresNameTheirRealCause(t *testing.T) {
	e := loginSandbox(t, sandboxtest.WithAutoApprove("alice"))
	e.mustRun(t, "--profile", "sandbox", "login")
	p := []string{"--profile", "sandbox"}

	t.Run("caller's timeout", func(t *testing.T) {
		r := e.run(t, append(p, "--timeout", "1ns", "query", "SELECT * FROM c", "-d", "shop", "-c", "orders")...)
		if r.code != errs.ExitUnavailable || !strings.Contains(r.stderr, "timed out") || strings.Contains(r.stderr, "cosmosctl login") {
			t.Fatalf("exit %d\n%s", r.code, r.stderr)
		}
	})

	t.Run("unknown audience is not retried", func(t *testing.T) {
		before := e.sb.Entra.Stats().Total
		r := e.run(t, append(p, "auth", "token", "--audience", "https://bogus.documents.azure.com", "--show")...)
		if r.code != errs.ExitUsage || !strings.Contains(r.stderr, "AADSTS500011") || !strings.Contains(r.stderr, "endpoint or the audience") ||
			strings.Contains(r.stderr, "run `cosmosctl") {
			t.Fatalf("exit %d\n%s", r.code, r.stderr)
		}
		if n := e.sb.Entra.Stats().Total - before; n > 2 {
			t.Errorf("%d requests to Entra for one refused resource", n)
		}
	})

	t.Run("not a Cosmos DB gateway", func(t *testing.T) {
		srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(http.StatusNotFound)
			fmt.Fprint(w, "<html><body>Not Found</body></html>")
		}))
		defer srv.Close()
		e.env["COSMOSCTL_KEY"] = auth.EmulatorKey
		defer delete(e.env, "COSMOSCTL_KEY")
		e.env["COSMOSCTL_CA_FILE"] = writeServerCA(t, srv)
		defer delete(e.env, "COSMOSCTL_CA_FILE")
		r := e.run(t, append(p, "--endpoint", srv.URL+"/", "db", "list")...)
		if r.code != errs.ExitUsage || !strings.Contains(r.stderr, "is not a Cosmos DB gateway") {
			t.Fatalf("exit %d\n%s", r.code, r.stderr)
		}
	})

	t.Run("closed port", func(t *testing.T) {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := l.Addr().String()
		l.Close()
		r := e.run(t, append(p, "--endpoint", "https://"+addr+"/", "db", "list")...)
		if r.code != errs.ExitUnavailable || !strings.Contains(r.stderr, "connection refused") || strings.Contains(r.stderr, "cosmosctl login") {
			t.Fatalf("exit %d\n%s", r.code, r.stderr)
		}
	})

	// With the sandbox (Entra and gateway) stopped, every command names
	// the connection failure and keeps the sign-in.
	if err := e.sb.Close(); err != nil {
		t.Fatal(err)
	}
	cmds := [][]string{
		{"whoami", "--refresh"},
		{"login"},
		{"query", "SELECT * FROM c", "-d", "shop", "-c", "orders"},
		{"read", "order-1", "--pk", "c1", "-d", "shop", "-c", "orders"},
		{"db", "list"},
		{"container", "list", "-d", "shop"},
		{"container", "show", "orders", "-d", "shop"},
		{"can-i", "query", "-d", "shop", "-c", "orders"},
	}
	for _, args := range cmds {
		t.Run("stopped: "+strings.Join(args, " "), func(t *testing.T) {
			r := e.run(t, append(p, args...)...)
			if r.code != errs.ExitUnavailable || !strings.Contains(r.stderr, "connection refused") || strings.Contains(r.stderr, "not signed in") {
				t.Fatalf("exit %d\n%s", r.code, r.stderr)
			}
		})
	}
}

// writeServerCA writes a test TLS server's certificate as a CA bundle.
func writeServerCA(t *testing.T, srv *httptest.Server) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(path, testcert.CertPEM(srv.Certificate()), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestLoginManagedIdentityUnreachable(t *testing.T) {
	e := loginSandbox(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	endpoint := "http://" + l.Addr().String() + "/msi/token"
	l.Close()
	t.Setenv("IDENTITY_ENDPOINT", endpoint)
	t.Setenv("IDENTITY_HEADER", "x")
	e.env["IDENTITY_ENDPOINT"] = endpoint
	r := e.run(t, "--profile", "sandbox", "login", "--managed-identity")
	if r.code != errs.ExitUnavailable || !strings.Contains(r.stderr, "the managed identity endpoint "+endpoint+" (IDENTITY_ENDPOINT) did not answer: connection refused") {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
}

func TestKeyOnEntraOnlyAccount(t *testing.T) {
	e := loginSandbox(t, sandboxtest.WithLocalAuthDisabled())
	e.env["COSMOSCTL_KEY"] = e.sb.AccountKey
	r := e.run(t, "--profile", "sandbox", "query", "SELECT * FROM c", "-d", "shop", "-c", "orders")
	if r.code != errs.ExitAuth || !strings.Contains(r.stderr, "key authentication is disabled on this account") || !strings.Contains(r.stderr, "cosmosctl login") {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
}
