package auth

import (
	"context"
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
