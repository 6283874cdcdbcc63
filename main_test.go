package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cosmosctl/cosmosctl/internal/cmdutil"
	"github.com/cosmosctl/cosmosctl/internal/sandbox/sandboxtest"
)

// buildBinary builds cosmosctl into a temporary directory.
func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "cosmosctl")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// TestSignalWhileBlocked signals a cosmosctl that is blocked where the
// context cannot reach it: writing to a pipe nobody reads, and reading a
// stdin that never ends. It must exit 130 soon after the signal.
func TestSignalWhileBlocked(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := buildBinary(t)
	cfgDir := t.TempDir()
	sb := sandboxtest.Start(t, sandboxtest.WithConfigDir(cfgDir))
	env := append(os.Environ(), "COSMOSCTL_CONFIG_DIR="+cfgDir, "COSMOSCTL_KEY="+sb.AccountKey, "NO_COLOR=1")
	const runs = 5
	tests := []struct {
		name    string
		sig     syscall.Signal
		args    []string
		stalled string // what the process blocks on
	}{
		// ~3000 orders as JSON lines: far more than a pipe buffer holds.
		{"stalled stdout SIGINT", syscall.SIGINT, []string{"--profile", "sandbox", "query", "SELECT * FROM c", "-d", "shop", "-c", "orders", "-o", "jsonl"}, "stdout"},
		{"stalled stdout SIGTERM", syscall.SIGTERM, []string{"--profile", "sandbox", "query", "SELECT * FROM c", "-d", "shop", "-c", "orders", "-o", "jsonl"}, "stdout"},
		{"stdin never ends", syscall.SIGINT, []string{"--profile", "sandbox", "query", "-f", "-", "-d", "shop", "-c", "orders"}, "stdin"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var lat []time.Duration
			for range runs {
				d, code, stderr := signalRun(t, bin, env, tc.args, tc.stalled, tc.sig)
				if code != 130 {
					t.Fatalf("exit %d, want 130\nstderr: %s", code, stderr)
				}
				if !strings.Contains(stderr, "interrupted") {
					t.Errorf("stderr does not say interrupted: %q", stderr)
				}
				// The watchdog fires 0.8 s after the signal; asserting 5 s keeps a
				// loaded machine green.
				if d > 5*time.Second {
					t.Errorf("exited %v after the signal", d)
				}
				lat = append(lat, d)
			}
			slices.Sort(lat)
			t.Logf("latency over %d runs: min %v median %v max %v", runs, lat[0].Round(time.Millisecond), lat[runs/2].Round(time.Millisecond), lat[runs-1].Round(time.Millisecond))
		})
	}
}

// signalRun starts bin, waits until it is blocked on stalled, sends sig
// and returns how long it took to exit, its exit code and its stderr.
func signalRun(t *testing.T, bin string, env, args []string, stalled string, sig syscall.Signal) (time.Duration, int, string) {
	t.Helper()
	c := exec.Command(bin, args...)
	c.Env = env
	var stderr bytes.Buffer
	c.Stderr = &stderr
	outR, outW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	inR, inW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer outR.Close()
	defer inW.Close()
	c.Stdout, c.Stdin = outW, inR
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	outW.Close()
	inR.Close()
	done := make(chan error, 1)
	go func() { done <- c.Wait() }()
	if stalled == "stdout" {
		// Read one byte to know results flow, then stop reading: the pipe
		// fills and the next write blocks.
		one := make([]byte, 1)
		if _, err := outR.Read(one); err != nil {
			t.Fatalf("no output before the stall: %v\nstderr: %s", err, stderr.String())
		}
	}
	time.Sleep(700 * time.Millisecond) // let it block
	select {
	case err := <-done:
		t.Fatalf("exited before the signal: %v\nstderr: %s", err, stderr.String())
	default:
	}
	start := time.Now()
	if err := c.Process.Signal(sig); err != nil {
		t.Fatal(err)
	}
	select {
	case err = <-done:
	case <-time.After(30 * time.Second):
		_ = c.Process.Kill()
		<-done
		t.Fatalf("still running 30 s after %v", sig)
	}
	d := time.Since(start)
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		t.Fatal(err)
	}
	return d, c.ProcessState.ExitCode(), stderr.String()
}

func TestBuildInfoFrom(t *testing.T) {
	vcs := []debug.BuildSetting{
		{Key: "vcs", Value: "git"},
		{Key: "vcs.revision", Value: "0921648aa1"},
		{Key: "vcs.time", Value: "2026-12-04T19:00:00Z"},
	}
	cases := []struct {
		name    string
		ldflags cmdutil.BuildInfo
		info    *debug.BuildInfo
		want    cmdutil.BuildInfo
	}{
		{"release (ldflags)", cmdutil.BuildInfo{Version: "1.4.0", Commit: "abc", Date: "2026-12-01"},
			&debug.BuildInfo{Main: debug.Module{Version: "v0.0.0-x"}, Settings: vcs},
			cmdutil.BuildInfo{Version: "1.4.0", Commit: "abc", Date: "2026-12-01"}},
		{"go build in a checkout", cmdutil.BuildInfo{},
			&debug.BuildInfo{Main: debug.Module{Version: "v0.0.0-20261204190000-0921648aa1+dirty"}, Settings: vcs},
			cmdutil.BuildInfo{Version: "v0.0.0-20261204190000-0921648aa1+dirty", Commit: "0921648aa1", Date: "2026-12-04T19:00:00Z"}},
		{"go install module@version", cmdutil.BuildInfo{},
			&debug.BuildInfo{Main: debug.Module{Version: "v1.4.0"}},
			cmdutil.BuildInfo{Version: "v1.4.0", Commit: "unknown", Date: "unknown"}},
		{"go run", cmdutil.BuildInfo{},
			&debug.BuildInfo{Main: debug.Module{Version: "(devel)"}},
			cmdutil.BuildInfo{Version: "dev", Commit: "unknown", Date: "unknown"}},
		{"no build info", cmdutil.BuildInfo{}, nil,
			cmdutil.BuildInfo{Version: "dev", Commit: "unknown", Date: "unknown"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := buildInfoFrom(c.ldflags, c.info); got != c.want {
				t.Fatalf("got %+v, want %+v", got, c.want)
			}
		})
	}
}
