package auth

import (
	"context"
	"fmt"
	"os/exec"
	"runtime"

	"github.com/cosmosctl/cosmosctl/internal/iostreams"
)

// BrowserOpener returns a function that opens a URL in the user's browser,
// or nil when none should be opened: not a terminal, CI, or (on Linux and
// BSD) no graphical display.
func BrowserOpener(getenv func(string) string, io *iostreams.IOStreams) func(ctx context.Context, url string) error {
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
		// Not CommandContext: the login's context ends when the code is
		// approved, and killing xdg-open then may close the browser with it.
		cmd := exec.Command(name, append(args, url)...)
		if err := cmd.Start(); err != nil {
			return fmt.Errorf("open %s: %w", url, err)
		}
		// Reap it in the background; the browser outlives the login.
		go func() { _ = cmd.Wait() }()
		return nil
	}
}
