package cmd

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/cosmosctl/cosmosctl/internal/errs"
	"github.com/cosmosctl/cosmosctl/internal/sandbox/sandboxtest"
	"github.com/cosmosctl/cosmosctl/internal/sandbox/seed"
)

// secretRecorder collects every credential the sandbox's Entra ID hands
// out (tokens and device codes) from the responses the CLI receives.
type secretRecorder struct {
	base http.RoundTripper
	mu   sync.Mutex
	seen map[string]string // secret → what it is
}

func (r *secretRecorder) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := r.base.RoundTrip(req)
	if err != nil || resp.Body == nil {
		return resp, err
	}
	body, rerr := io.ReadAll(resp.Body)
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(body))
	if rerr != nil {
		return resp, nil // the reader sees a short body, as without us
	}
	var m map[string]any
	if json.Unmarshal(body, &m) == nil {
		r.mu.Lock()
		for _, k := range []string{"access_token", "refresh_token", "id_token", "device_code"} {
			if s, ok := m[k].(string); ok && s != "" {
				r.seen[s] = k
			}
		}
		r.mu.Unlock()
	}
	return resp, nil
}

// debugRun runs cosmosctl --debug with the recorder on its HTTP client.
func (e *loginEnv) debugRun(t *testing.T, rec *secretRecorder, stdin string, args ...string) loginRunResult {
	t.Helper()
	f, in, out, errOut := e.factory()
	in.WriteString(stdin)
	orig := f.HTTPClient
	var once sync.Once
	var hc *http.Client
	var herr error
	f.HTTPClient = func() (*http.Client, error) {
		once.Do(func() {
			var c *http.Client
			if c, herr = orig(); herr == nil {
				cc := *c
				cc.Transport = &secretRecorder{base: c.Transport, seen: rec.seen}
				if cc.Transport.(*secretRecorder).base == nil {
					cc.Transport.(*secretRecorder).base = http.DefaultTransport
				}
				hc = &cc
			}
		})
		return hc, herr
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	err := Execute(ctx, f, append([]string{"--profile", "sandbox", "--debug"}, args...))
	if err != nil {
		errs.Print(errOut, err, true)
	}
	return loginRunResult{stdout: out.String(), stderr: errOut.String(), err: err, code: errs.ExitCode(err)}
}

// TestDebugPrintsNoSecret runs every command with --debug under each
// sign-in method and looks for every secret of the run on stderr: the
// tokens and device codes Entra issued, the client secret, the account key.
func TestDebugPrintsNoSecret(t *testing.T) {
	if testing.Short() {
		t.Skip("signs in three ways and runs every command")
	}
	ids := `{"id":"big-int","pk":"c1"}` + "\n"
	// Every command that talks to the service or shows the identity; the
	// commands that serve (sandbox, mcp) or only print local text are
	// listed in skipped so a new command cannot be forgotten.
	commands := [][]string{
		{"whoami"},
		{"whoami", "--check", "-d", "shop", "-c", "orders"},
		{"auth", "token"},
		{"can-i", "read", "-d", "shop", "-c", "orders"},
		{"query", "SELECT TOP 3 * FROM c", "-d", "shop", "-c", "orders"},
		{"query", "SELECT * FROM c ORDER BY c.id", "-d", "shop", "-c", "orders", "--max-items", "2"},
		{"read", "big-int", "--pk", "c1", "-d", "shop", "-c", "orders"},
		{"read-many", "-d", "shop", "-c", "orders"},
		{"db", "list"},
		{"container", "list", "-d", "shop"},
		{"container", "show", "orders", "-d", "shop"},
		{"doctor"},
		{"config", "list"},
		{"config", "view"},
		{"config", "get", "endpoint"},
		{"version"},
		{"audit", "show"},
	}
	skipped := map[string]bool{
		"sandbox": true, "mcp": true, // serve until stopped
		"completion": true, "help": true, "exit-codes": true, // local text
		"config set": true, "config use": true, "config delete": true, "audit verify": true, // write config or need a file: no secret to show
		"login": true, "logout": true, // run below, per method
	}
	covered := map[string]bool{}
	for _, c := range commands {
		covered[c[0]] = true
		if len(c) > 1 {
			covered[c[0]+" "+c[1]] = true
		}
	}
	f, _, _, _ := loginSandbox(t).factory()
	var walk func(c *cobra.Command, prefix string)
	walk = func(c *cobra.Command, prefix string) {
		for _, sub := range c.Commands() {
			name := strings.TrimSpace(prefix + " " + sub.Name())
			if skipped[name] {
				continue
			}
			if sub.HasSubCommands() {
				walk(sub, name)
				continue
			}
			if !covered[name] && !skipped[name] {
				t.Errorf("command %q is not in the --debug secrets test", name)
			}
		}
	}
	walk(NewRootCmd(f), "")

	methods := []struct {
		name  string
		login []string // nil = the account key from the environment
	}{
		{"device code", []string{"login"}},
		{"service principal secret", []string{"login", "--service-principal", "--client-id", seed.DemoCIClientID, "--client-secret", seed.DemoCIClientSecret}},
		{"account key", nil},
	}
	for _, m := range methods {
		t.Run(m.name, func(t *testing.T) {
			e := loginSandbox(t, sandboxtest.WithAutoApprove("alice"))
			rec := &secretRecorder{seen: map[string]string{
				e.sb.AccountKey:         "account key",
				seed.DemoCIClientSecret: "client secret",
			}}
			e.env["COSMOSCTL_AUDIT_LOG"] = filepath.Join(t.TempDir(), "audit.jsonl") // for audit show
			var stderr []string
			if m.login == nil {
				e.env["COSMOSCTL_KEY"] = e.sb.AccountKey
			} else {
				r := e.debugRun(t, rec, "", m.login...)
				if r.err != nil {
					t.Fatalf("%v: exit %d\n%s", m.login, r.code, r.stderr)
				}
				stderr = append(stderr, r.stderr)
			}
			ok, failed := 0, []string{}
			for _, args := range append(commands, []string{"logout"}) {
				stdin := ""
				if args[0] == "read-many" {
					stdin = ids
				}
				r := e.debugRun(t, rec, stdin, args...)
				if r.err == nil {
					ok++
				} else {
					failed = append(failed, fmt.Sprintf("%s (exit %d)", strings.Join(args[:min(2, len(args))], " "), r.code))
				}
				stderr = append(stderr, r.stderr)
			}
			kinds := map[string]int{}
			for _, k := range rec.seen {
				kinds[k]++
			}
			if m.login != nil && kinds["access_token"] == 0 {
				t.Fatalf("no access token was recorded: the recorder sees nothing")
			}
			if m.name == "device code" && (kinds["device_code"] == 0 || kinds["refresh_token"] == 0) {
				t.Fatalf("the device-code sign-in recorded %v", kinds)
			}
			all := strings.Join(stderr, "\n")
			searched, found := 0, 0
			for s, kind := range rec.seen {
				needles := []string{s}
				// A JWT's payload or signature alone is as telling.
				if parts := strings.Split(s, "."); len(parts) == 3 {
					needles = append(needles, parts[1], parts[2])
				}
				for _, n := range needles {
					searched++
					if strings.Contains(all, n) {
						found++
						t.Errorf("--debug stderr holds a %s", kind)
					}
				}
			}
			t.Logf("%d commands (%d succeeded; failed: %v), %d bytes of stderr, secrets %v: %d strings searched, %d found",
				len(commands)+1, ok, failed, len(all), kinds, searched, found)
		})
	}
}
