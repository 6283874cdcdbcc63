package cmd

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/cosmosctl/cosmosctl/internal/cmdtest"
	"github.com/cosmosctl/cosmosctl/internal/errs"
)

// rootRun runs the command tree like main does and returns the exit code.
func rootRun(t *testing.T, dir string, env map[string]string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	f, _, out, errOut := cmdtest.NewFactory(dir, env)
	err := Execute(context.Background(), f, args)
	errs.Print(f.IOStreams.ErrOut, err, false)
	return errs.ExitCode(err), out.String(), errOut.String()
}

func TestEveryCommandHelpRenders(t *testing.T) {
	f, _, _, _ := cmdtest.NewFactory(t.TempDir(), nil)
	var paths [][]string
	var walk func(c *cobra.Command, prefix []string)
	walk = func(c *cobra.Command, prefix []string) {
		for _, sub := range c.Commands() {
			p := append(append([]string{}, prefix...), sub.Name())
			paths = append(paths, p)
			walk(sub, p)
		}
	}
	walk(NewRootCmd(f), nil)
	if len(paths) < 20 {
		t.Fatalf("expected the whole command tree, found %d commands", len(paths))
	}
	for _, p := range paths {
		p := p
		t.Run(strings.Join(p, "_"), func(t *testing.T) {
			code, out, errOut := rootRun(t, t.TempDir(), nil, append(p, "--help")...)
			if code != 0 {
				t.Fatalf("%v --help: exit %d, stderr %q", p, code, errOut)
			}
			if p[len(p)-1] != "exit-codes" && !strings.Contains(out, "Usage:") {
				t.Fatalf("%v --help printed no usage:\n%s", p, out)
			}
		})
	}
}

func TestRootHelpShowsWholeTree(t *testing.T) {
	code, out, _ := rootRun(t, t.TempDir(), nil, "--help")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	for _, name := range []string{"login", "logout", "whoami", "auth", "can-i", "doctor", "query", "read", "read-many", "db", "container", "config", "completion", "sandbox", "version", "audit"} {
		if !strings.Contains(out, "\n  "+name+" ") {
			t.Errorf("root help does not list %q", name)
		}
	}
}

func TestUsageErrorsExitTwo(t *testing.T) {
	cases := []struct {
		name    string
		args    []string
		wantErr string
	}{
		{"unknown command", []string{"nosuch"}, `unknown command "nosuch"`},
		{"unknown flag", []string{"query", "--bogus"}, "unknown flag: --bogus"},
		{"unknown shorthand", []string{"-Z"}, "unknown shorthand flag"},
		{"too many args", []string{"read", "a", "b"}, "accepts 1 arg"},
		{"missing arg", []string{"config", "get"}, "accepts 1 arg"},
		{"bad completion shell", []string{"completion", "tcsh"}, "invalid argument"},
		{"bad duration", []string{"--timeout", "soon", "version"}, "invalid argument"},
		{"bad output format", []string{"config", "set", "output", "xml"}, "output must be one of"},
		{"bad config key", []string{"config", "set", "colour", "blue"}, `unknown config key "colour"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, _, errOut := rootRun(t, t.TempDir(), nil, tc.args...)
			if code != errs.ExitUsage {
				t.Fatalf("exit %d, want 2; stderr %q", code, errOut)
			}
			if !strings.Contains(errOut, tc.wantErr) {
				t.Fatalf("stderr %q does not contain %q", errOut, tc.wantErr)
			}
			if strings.Count(strings.TrimSpace(errOut), "\n") > 1 {
				t.Fatalf("error is more than a line and a hint: %q", errOut)
			}
		})
	}
}

func TestHelpExitCodes(t *testing.T) {
	code, out, _ := rootRun(t, t.TempDir(), nil, "help", "exit-codes")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	for _, want := range []string{"  0  success", "  1  any other error", "  2  usage", "  3  not signed in", "  4  permission denied", "  5  not found", "  6  throttled", "130  interrupted", "  7  cannot be decided"} {
		if !strings.Contains(out, want) {
			t.Errorf("exit-codes help lacks %q:\n%s", want, out)
		}
	}
}

func TestVersion(t *testing.T) {
	code, out, _ := rootRun(t, t.TempDir(), nil, "version", "-o", "table")
	if code != 0 || out != "cosmosctl test (commit none, built never)\n" {
		t.Fatalf("exit %d, output %q", code, out)
	}
	// Piped, version is an object like every other command's output.
	code, out, _ = rootRun(t, t.TempDir(), nil, "version")
	if code != 0 || out != `{"version":"test","commit":"none","date":"never"}`+"\n" {
		t.Fatalf("piped: exit %d, output %q", code, out)
	}
}

func TestConfigCommands(t *testing.T) {
	dir := t.TempDir()
	steps := []struct {
		args     []string
		env      map[string]string
		wantCode int
		wantOut  string
	}{
		{[]string{"config", "list"}, nil, 0, ""},
		{[]string{"--profile", "prod", "config", "set", "endpoint", "https://prod.documents.azure.com:443/"}, nil, 0, ""},
		{[]string{"--profile", "dev", "config", "set", "endpoint", "https://dev.documents.azure.com:443/"}, nil, 0, ""},
		{[]string{"config", "list", "-o", "table"}, nil, 0, "  dev\thttps://dev.documents.azure.com:443/\n* prod\thttps://prod.documents.azure.com:443/\n"},
		{[]string{"config", "list"}, nil, 0, "[\n{\"name\":\"dev\",\"current\":false,\"endpoint\":\"https://dev.documents.azure.com:443/\"},\n{\"name\":\"prod\",\"current\":true,\"endpoint\":\"https://prod.documents.azure.com:443/\"}\n]\n"},
		{[]string{"config", "get", "endpoint", "-o", "json"}, nil, 0, "\"https://prod.documents.azure.com:443/\"\n"},
		{[]string{"config", "get", "endpoint"}, nil, 0, "https://prod.documents.azure.com:443/\n"},
		{[]string{"config", "get", "endpoint"}, map[string]string{"COSMOSCTL_PROFILE": "dev"}, 0, "https://dev.documents.azure.com:443/\n"},
		{[]string{"config", "use", "dev"}, nil, 0, ""},
		{[]string{"config", "get", "endpoint"}, nil, 0, "https://dev.documents.azure.com:443/\n"},
		{[]string{"config", "use", "nope"}, nil, errs.ExitNotFound, ""},
		{[]string{"config", "set", "endpoint", "ftp://x"}, nil, errs.ExitUsage, ""},
		{[]string{"config", "delete", "prod"}, nil, 0, ""},
		{[]string{"config", "list", "-o", "table"}, nil, 0, "* dev\t"},
	}
	for i, s := range steps {
		code, out, errOut := rootRun(t, dir, s.env, s.args...)
		if code != s.wantCode {
			t.Fatalf("step %d %v: exit %d, want %d (stderr %q)", i, s.args, code, s.wantCode, errOut)
		}
		if s.wantOut != "" && !strings.Contains(out, s.wantOut) {
			t.Fatalf("step %d %v: output %q lacks %q", i, s.args, out, s.wantOut)
		}
	}
	st, err := os.Stat(filepath.Join(dir, "config.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Fatalf("config.yaml mode %v, want 0600", st.Mode().Perm())
	}
}

func TestConfigViewPrecedence(t *testing.T) {
	dir := t.TempDir()
	if code, _, e := rootRun(t, dir, nil, "--profile", "p", "config", "set", "database", "fromprofile"); code != 0 {
		t.Fatal(e)
	}
	if code, _, e := rootRun(t, dir, nil, "--profile", "p", "config", "set", "container", "fromprofile"); code != 0 {
		t.Fatal(e)
	}
	env := map[string]string{"COSMOSCTL_DATABASE": "fromenv"}
	_, out, _ := rootRun(t, dir, env, "config", "view", "-o", "table")
	if !strings.Contains(out, "database=fromenv container=fromprofile") {
		t.Fatalf("env should beat profile: %s", out)
	}
	_, out, _ = rootRun(t, dir, env, "-d", "fromflag", "config", "view", "-o", "table")
	if !strings.Contains(out, "database=fromflag container=fromprofile") {
		t.Fatalf("flag should beat env: %s", out)
	}
	code, _, errOut := rootRun(t, dir, nil, "--profile", "missing", "config", "view")
	if code != errs.ExitUsage || !strings.Contains(errOut, `profile "missing" does not exist`) {
		t.Fatalf("missing profile: exit %d %q", code, errOut)
	}
}

func TestCompletionScripts(t *testing.T) {
	for _, sh := range []string{"bash", "zsh", "fish", "powershell"} {
		code, out, _ := rootRun(t, t.TempDir(), nil, "completion", sh)
		if code != 0 || !strings.Contains(out, "cosmosctl") {
			t.Fatalf("%s: exit %d, %d bytes", sh, code, len(out))
		}
	}
}

func TestDynamicCompletion(t *testing.T) {
	dir := t.TempDir()
	for _, p := range []string{"prod", "preview", "dev"} {
		if code, _, e := rootRun(t, dir, nil, "--profile", p, "config", "set", "database", "x"); code != 0 {
			t.Fatal(e)
		}
	}
	cases := []struct {
		args []string
		want []string
		not  []string
	}{
		{[]string{"__complete", "query", "--profile", "pr"}, []string{"prod", "preview"}, []string{"dev"}},
		{[]string{"__complete", "query", "-o", ""}, []string{"table", "jsonl", "yaml"}, nil},
	}
	for _, tc := range cases {
		code, out, errOut := rootRun(t, dir, nil, tc.args...)
		if code != 0 {
			t.Fatalf("%v: exit %d %s", tc.args, code, errOut)
		}
		for _, w := range tc.want {
			if !strings.Contains(out, w+"\n") {
				t.Errorf("%v: completion lacks %q:\n%s", tc.args, w, out)
			}
		}
		for _, n := range tc.not {
			if strings.Contains(out, n+"\n") {
				t.Errorf("%v: completion should not offer %q", tc.args, n)
			}
		}
	}
}

// A missing -d or -c is a usage error reported before anything signs in
// (the test factory has no credentials at all).
func TestDataCommandsNeedTargetBeforeSignIn(t *testing.T) {
	env := map[string]string{"COSMOSCTL_ENDPOINT": "https://acct.documents.azure.com:443/"}
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"query", "SELECT * FROM c"}, "no database"},
		{[]string{"query", "SELECT * FROM c", "-d", "shop"}, "no container"},
		{[]string{"read", "1", "--pk", "a", "-d", "shop"}, "no container"},
		{[]string{"read-many", "-c", "orders", "--ids-file", "/dev/null"}, "no items to read"},
		{[]string{"container", "list"}, "no database"},
		{[]string{"container", "show", "orders"}, "no database"},
	}
	for _, tc := range cases {
		code, _, errOut := rootRun(t, t.TempDir(), env, tc.args...)
		if code != errs.ExitUsage || !strings.Contains(errOut, tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want exit 2 with %q", tc.args, code, errOut, tc.want)
		}
	}
}
