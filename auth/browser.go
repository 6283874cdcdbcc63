package auth

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"runtime"
	"strings"

	"github.com/cosmosctl/cosmosctl/internal/iostreams"
)

// BrowserOpener returns a function that opens a URL in the user's browser,
// or nil when none should be opened. BROWSER, when set, is the user's
// explicit choice and always used, as xdg-open reads it: a colon-separated
// list of commands, each with %s replaced by the URL or else the URL
// appended. Without it: nothing when stderr is not a terminal, in CI, or
// (on Linux and BSD) without a graphical display; else the OS opener.
func BrowserOpener(getenv func(string) string, io *iostreams.IOStreams) func(ctx context.Context, url string) error {
	if b := strings.TrimSpace(getenv("BROWSER")); b != "" {
		return browserEnvOpener(b)
	}
	if !io.IsStderrTTY() || getenv("CI") != "" {
		return nil
	}
	var name string
	var args []string
	switch runtime.GOOS {
	case "darwin":
		name = "open"
	case "windows":
		name, args = "rundll32", []string{"url.dll,FileProtocolHandler"}
	default:
		if getenv("DISPLAY") == "" && getenv("WAYLAND_DISPLAY") == "" {
			return nil
		}
		name = "xdg-open"
	}
	return func(ctx context.Context, url string) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		return start(name, append(args, url)...)
	}
}

// browserCommands expands BROWSER for url, one argv per entry.
func browserCommands(browser, url string) [][]string {
	var out [][]string
	for _, entry := range strings.Split(browser, listSeparator()) {
		f := strings.Fields(entry)
		if len(f) == 0 {
			continue
		}
		replaced := false
		for i, a := range f {
			if strings.Contains(a, "%s") {
				f[i], replaced = strings.ReplaceAll(a, "%s", url), true
			}
		}
		if !replaced {
			f = append(f, url)
		}
		out = append(out, f)
	}
	return out
}

// listSeparator separates BROWSER entries (';' on Windows, where ':' is
// part of paths).
func listSeparator() string {
	if runtime.GOOS == "windows" {
		return ";"
	}
	return ":"
}

func browserEnvOpener(browser string) func(ctx context.Context, url string) error {
	return func(ctx context.Context, url string) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		var errList []error
		for _, argv := range browserCommands(browser, url) {
			err := start(argv[0], argv[1:]...)
			if err == nil {
				return nil
			}
			errList = append(errList, err)
		}
		if len(errList) == 0 {
			return errors.New("BROWSER names no command")
		}
		return fmt.Errorf("BROWSER: %w", errors.Join(errList...))
	}
}

// start runs a browser command without waiting for it. Not
// CommandContext: the login's context ends when the sign-in completes, and
// killing the opener then may close the browser with it.
func start(name string, args ...string) error {
	cmd := exec.Command(name, args...)
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("open a browser with %s: %w", name, err)
	}
	// Reap it in the background; the browser outlives the login.
	go func() { _ = cmd.Wait() }()
	return nil
}
