package cmd

import (
	"context"
	"testing"

	"github.com/cosmosctl/cosmosctl/internal/cmdtest"
	"github.com/cosmosctl/cosmosctl/internal/cmdutil"
)

// The human version line says where the binary came from.
func TestVersionLine(t *testing.T) {
	cases := []struct {
		name  string
		build cmdutil.BuildInfo
		want  string
	}{
		{"release", cmdutil.BuildInfo{Version: "1.4.0", Commit: "abc123", Date: "2026-12-01T10:00:00Z"}, "cosmosctl 1.4.0 (commit abc123, built 2026-12-01T10:00:00Z)\n"},
		{"go build in a checkout", cmdutil.BuildInfo{Version: "v0.0.0-20261204190000-0921648aa1", Commit: "0921648aa1", Date: "2026-12-04T19:00:00Z"}, "cosmosctl v0.0.0-20261204190000-0921648aa1 (commit 0921648aa1, built 2026-12-04T19:00:00Z)\n"},
		{"go install module@version", cmdutil.BuildInfo{Version: "v1.4.0", Commit: "unknown", Date: "unknown"}, "cosmosctl v1.4.0 (no commit recorded)\n"},
		{"go run", cmdutil.BuildInfo{Version: "dev", Commit: "unknown", Date: "unknown"}, "cosmosctl dev (built from source without VCS information)\n"},
	}
	for _, c := range cases {
		for _, args := range [][]string{{"version"}, {"--version"}} {
			t.Run(c.name+" "+args[0], func(t *testing.T) {
				f, _, out, errOut := cmdtest.NewFactory(t.TempDir(), nil)
				f.Build = c.build
				f.IOStreams.SetStdoutTTY(true)
				if err := Execute(context.Background(), f, args); err != nil {
					t.Fatalf("%v: %s", err, errOut)
				}
				if out.String() != c.want {
					t.Fatalf("got %q, want %q", out.String(), c.want)
				}
			})
		}
	}
}
