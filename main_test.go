package main

import (
	"runtime/debug"
	"testing"

	"github.com/cosmosctl/cosmosctl/internal/cmdutil"
)

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
