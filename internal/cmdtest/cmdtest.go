// Package cmdtest builds Factories for tests: buffers instead of the
// terminal, a given config directory, a fake environment and an in-memory
// keyring. Only _test.go files import it, so it is not in the binary.
package cmdtest

import (
	"bytes"

	"github.com/cosmosctl/cosmosctl/auth/keyring"
	"github.com/cosmosctl/cosmosctl/internal/cmdutil"
	"github.com/cosmosctl/cosmosctl/internal/iostreams"
)

// NewFactory returns the production Factory (cmdutil.New) with test
// inputs. Each call is like a new process sharing the same config
// directory; its keyring is a fresh in-memory one, so a test that runs
// several commands against one keyring sets f.Keyring to return it.
func NewFactory(configDir string, env map[string]string) (f *cmdutil.Factory, stdin, stdout, stderr *bytes.Buffer) {
	f = cmdutil.New(cmdutil.BuildInfo{Version: "test", Commit: "none", Date: "never"})
	ios, in, out, errOut := iostreams.Test()
	f.IOStreams = ios
	f.Getenv = func(k string) string { return env[k] }
	f.ConfigDir = func() (string, error) { return configDir, nil }
	f.Keyring = Keyring(keyring.NewMock())
	return f, in, out, errOut
}

// Keyring returns a Factory.Keyring that always gives kr, for tests
// sharing one keyring between runs.
func Keyring(kr keyring.Keyring) func() keyring.Keyring {
	return func() keyring.Keyring { return kr }
}
