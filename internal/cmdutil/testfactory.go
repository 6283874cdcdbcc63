package cmdutil

import (
	"bytes"
	"time"

	"github.com/cosmosctl/cosmosctl/internal/iostreams"
)

// NewTestFactory returns a Factory for tests: buffers instead of the
// terminal, the given config directory and a fake environment. Each call is
// like a new process sharing the same config directory.
func NewTestFactory(configDir string, env map[string]string) (f *Factory, stdin, stdout, stderr *bytes.Buffer) {
	ios, in, out, errOut := iostreams.Test()
	f = &Factory{
		IOStreams: ios,
		Build:     BuildInfo{Version: "test", Commit: "none", Date: "never"},
		Flags:     &GlobalFlags{},
		Getenv:    func(k string) string { return env[k] },
		Now:       time.Now,
		ConfigDir: func() (string, error) { return configDir, nil },
	}
	return f, in, out, errOut
}
