package auth

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/cosmosctl/cosmosctl/internal/iostreams"
)

func TestBrowserOpenerChoice(t *testing.T) {
	tests := []struct {
		name      string
		stderrTTY bool
		env       map[string]string
		want      bool
	}{
		{"not a terminal", false, map[string]string{"DISPLAY": ":0"}, false},
		{"CI", true, map[string]string{"DISPLAY": ":0", "CI": "true"}, false},
		{"terminal with a display", true, map[string]string{"DISPLAY": ":0"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			io, _, _, _ := iostreams.Test()
			io.SetStderrTTY(tt.stderrTTY)
			got := BrowserOpener(func(k string) string { return tt.env[k] }, io) != nil
			if got != tt.want {
				t.Fatalf("opener returned = %v, want %v", got, tt.want)
			}
		})
	}
}

// The browser (or xdg-open waiting on it) must outlive the sign-in: the
// login's context ends as soon as the code is approved.
func TestBrowserOpenerOutlivesContext(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("uses a fake xdg-open")
	}
	dir := t.TempDir()
	marker := filepath.Join(dir, "opened")
	script := "#!/bin/sh\nsleep 0.3\nprintf %s \"$1\" > '" + marker + "'\n"
	if err := os.WriteFile(filepath.Join(dir, "xdg-open"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir+string(os.PathListSeparator)+os.Getenv("PATH"))
	io, _, _, _ := iostreams.Test()
	io.SetStderrTTY(true)
	open := BrowserOpener(func(k string) string { return map[string]string{"DISPLAY": ":0"}[k] }, io)
	ctx, cancel := context.WithCancel(context.Background())
	if err := open(ctx, "https://127.0.0.1/devicelogin"); err != nil {
		t.Fatal(err)
	}
	cancel() // sign-in finished
	deadline := time.Now().Add(10 * time.Second)
	for {
		b, err := os.ReadFile(marker)
		if err == nil && string(b) == "https://127.0.0.1/devicelogin" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the opener was killed when the login context ended (marker: %q, %v)", b, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestBrowserCommands(t *testing.T) {
	const u = "https://h/authorize?a=1&b=2"
	tests := []struct {
		browser string
		want    [][]string
	}{
		{"firefox", [][]string{{"firefox", u}}},
		{"curl -sfL -o /dev/null", [][]string{{"curl", "-sfL", "-o", "/dev/null", u}}},
		{"w3m %s -dump", [][]string{{"w3m", u, "-dump"}}},
		{"nosuch:firefox --new-window", [][]string{{"nosuch", u}, {"firefox", "--new-window", u}}},
		{" : ", nil},
	}
	if runtime.GOOS == "windows" {
		t.Skip("BROWSER entries are ';'-separated on Windows")
	}
	for _, tt := range tests {
		t.Run(tt.browser, func(t *testing.T) {
			got := browserCommands(tt.browser, u)
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Fatalf("browserCommands(%q) = %q, want %q", tt.browser, got, tt.want)
			}
		})
	}
}

// BROWSER is the user's explicit choice: it is used even where no browser
// would be opened otherwise (no terminal, no display).
func TestBrowserOpenerHonoursBROWSER(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("uses a shell script as BROWSER")
	}
	dir := t.TempDir()
	marker := filepath.Join(dir, "opened")
	script := filepath.Join(dir, "browser")
	if err := os.WriteFile(script, []byte("#!/bin/sh\nprintf %s \"$1\" > '"+marker+"'\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	io, _, _, _ := iostreams.Test()
	open := BrowserOpener(func(k string) string {
		return map[string]string{"BROWSER": "nosuch-browser:" + script, "CI": "true"}[k]
	}, io)
	if open == nil {
		t.Fatal("no opener although BROWSER is set")
	}
	if err := open(context.Background(), "http://x/y"); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		if b, _ := os.ReadFile(marker); string(b) == "http://x/y" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("BROWSER was not run with the URL")
		}
		time.Sleep(20 * time.Millisecond)
	}
}
