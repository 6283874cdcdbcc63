package cmd

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cosmosctl/cosmosctl/auth"
	"github.com/cosmosctl/cosmosctl/internal/cmdtest"
	"github.com/cosmosctl/cosmosctl/internal/errs"
)

// Plain http to another machine is refused before anything signs in or
// dials, wherever the URL came from.
func TestPlainHTTPRefused(t *testing.T) {
	const bad = "http://example.invalid:8080/"
	const badAuthority = "http://login.example.invalid"
	spEnv := map[string]string{"AZURE_TENANT_ID": "t", "AZURE_CLIENT_ID": "c", "AZURE_CLIENT_SECRET": "s"}
	with := func(m map[string]string, k, v string) map[string]string {
		out := map[string]string{k: v}
		for mk, mv := range m {
			out[mk] = mv
		}
		return out
	}
	tests := []struct {
		name   string
		config string
		env    map[string]string
		args   []string
		want   string
	}{
		{"flag", "", nil, []string{"--endpoint", bad, "db", "list"}, "refusing to send credentials to " + bad + " over plain http"},
		{"flag with key", "", map[string]string{"COSMOSCTL_KEY": auth.EmulatorKey}, []string{"--endpoint", bad, "db", "list"}, "refusing to send credentials to " + bad},
		{"environment", "", map[string]string{"COSMOSCTL_ENDPOINT": bad}, []string{"db", "list"}, "refusing to send credentials to " + bad},
		{"profile", "current-profile: p\nprofiles:\n  p:\n    endpoint: " + bad + "\n", nil, []string{"db", "list"}, "refusing to send credentials to " + bad},
		{"other profile", "profiles:\n  p:\n    endpoint: " + bad + "\n", nil, []string{"--profile", "p", "container", "list", "-d", "shop"}, "refusing to send credentials to " + bad},
		{"AZURE_AUTHORITY_HOST", "", with(spEnv, "AZURE_AUTHORITY_HOST", badAuthority), []string{"--endpoint", "https://127.0.0.1:1/", "db", "list"}, "refusing to send credentials to authority host " + badAuthority},
		{"authority-host of the profile", "current-profile: p\nprofiles:\n  p:\n    endpoint: https://127.0.0.1:1/\n    authority-host: " + badAuthority + "/\n", nil,
			[]string{"login", "--service-principal", "--tenant", "t", "--client-id", "c", "--client-secret", "s"}, "refusing to send credentials to authority host " + badAuthority},
		{"authority host on login --env", "", with(spEnv, "AZURE_AUTHORITY_HOST", badAuthority+"/"), []string{"--endpoint", "https://127.0.0.1:1/", "login", "--env"}, "authority host " + badAuthority},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			if tt.config != "" {
				if err := os.WriteFile(filepath.Join(dir, "config.yaml"), []byte(tt.config), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			code, _, stderr := rootRun(t, dir, tt.env, tt.args...)
			if code != errs.ExitUsage || !strings.Contains(stderr, tt.want) {
				t.Fatalf("exit %d, stderr %q; want exit %d with %q", code, stderr, errs.ExitUsage, tt.want)
			}
		})
	}
}

// transportChildVar makes TestTransportChild run cosmosctl with the
// process environment: net/http reads the proxy variables once per
// process, so the proxy tests run it in a child.
const transportChildVar = "COSMOSCTL_TEST_TRANSPORT_ARGS"

func TestTransportChild(t *testing.T) {
	args := os.Getenv(transportChildVar)
	if args == "" {
		t.Skip("run by TestPlainHTTPNeverReachesProxy")
	}
	f, _, _, errOut := cmdtest.NewFactory(os.Getenv("COSMOSCTL_CONFIG_DIR"), nil)
	f.Getenv = os.Getenv
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err := Execute(ctx, f, strings.Split(args, "\x1f"))
	errs.Print(errOut, err, false)
	fmt.Printf("EXIT=%d\nSTDERR=%q\n", errs.ExitCode(err), errOut.String())
}

// proxyLog is a forward proxy on 127.0.0.1 that records each request line
// and answers 502.
type proxyLog struct {
	mu    sync.Mutex
	lines []string
}

func startProxy(t *testing.T) (*proxyLog, string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	p := &proxyLog{}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				line, _ := bufio.NewReader(c).ReadString('\n')
				p.mu.Lock()
				p.lines = append(p.lines, strings.TrimSpace(line))
				p.mu.Unlock()
				fmt.Fprint(c, "HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
			}()
		}
	}()
	return p, "http://" + ln.Addr().String()
}

func (p *proxyLog) seen() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.lines...)
}

func TestPlainHTTPNeverReachesProxy(t *testing.T) {
	tests := []struct {
		name      string
		endpoint  string
		wantCode  int // -1 = any failure
		wantErr   string
		wantProxy string // "" = the proxy must see nothing
	}{
		{"http to another machine", "http://example.invalid:8080/", errs.ExitUsage, "refusing to send credentials to http://example.invalid:8080/", ""},
		// Proxies stay honoured for https (the proxy's 502 fails the
		// command; --timeout stops the retries of the account metadata
		// fetch, which azcosmos detaches from the caller's context).
		{"https through the proxy", "https://example.invalid:8443/", -1, "", "CONNECT example.invalid:8443"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, proxy := startProxy(t)
			cmd := exec.Command(os.Args[0], "-test.run", "^TestTransportChild$", "-test.v", "-test.count=1")
			cmd.Env = append(os.Environ(),
				transportChildVar+"="+strings.Join([]string{"--timeout", "2s", "--endpoint", tt.endpoint, "db", "list"}, "\x1f"),
				"COSMOSCTL_CONFIG_DIR="+t.TempDir(),
				"COSMOSCTL_KEY="+auth.EmulatorKey,
				"HTTP_PROXY="+proxy, "HTTPS_PROXY="+proxy, "http_proxy="+proxy, "https_proxy="+proxy,
				"NO_PROXY=", "no_proxy=")
			start := time.Now()
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("child: %v\n%s", err, out)
			}
			// Generous: without the caller's deadline the retries took 50 s.
			if d := time.Since(start); d > 20*time.Second {
				t.Fatalf("--timeout 2s took %s", d)
			}
			code := -1
			for _, l := range strings.Split(string(out), "\n") {
				if v, ok := strings.CutPrefix(l, "EXIT="); ok {
					code, _ = strconv.Atoi(v)
				}
			}
			if (tt.wantCode < 0 && code <= 0) || (tt.wantCode >= 0 && code != tt.wantCode) || !strings.Contains(string(out), tt.wantErr) {
				t.Fatalf("exit %d, want %d with %q:\n%s", code, tt.wantCode, tt.wantErr, out)
			}
			seen := p.seen()
			switch {
			case tt.wantProxy == "" && len(seen) != 0:
				t.Fatalf("the proxy saw %q, want no request", seen)
			case tt.wantProxy != "" && (len(seen) == 0 || !strings.HasPrefix(seen[0], tt.wantProxy)):
				t.Fatalf("the proxy saw %q, want %q", seen, tt.wantProxy)
			}
		})
	}
}
