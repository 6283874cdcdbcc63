// Package cmdutil holds what every command shares: the Factory through which
// commands get their dependencies, the resolved global settings, and the
// error kinds with their exit codes.
package cmdutil

import (
	"context"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/cosmosctl/cosmosctl/internal/config"
	"github.com/cosmosctl/cosmosctl/internal/errs"
	"github.com/cosmosctl/cosmosctl/internal/iostreams"
)

// BuildInfo describes the binary (set by ldflags or from Go build info).
type BuildInfo struct {
	Version string
	Commit  string
	Date    string
}

// GlobalFlags are the values of the root command's persistent flags.
type GlobalFlags struct {
	Profile   string
	Endpoint  string
	Database  string
	Container string
	Output    string
	JQ        string
	JQSlurp   bool
	Debug     bool
	NoColor   bool
	Timeout   time.Duration
}

// Factory gives commands their dependencies. Tests build one with
// iostreams.Test(), a temporary config dir and a fake environment.
type Factory struct {
	IOStreams *iostreams.IOStreams
	Build     BuildInfo
	Flags     *GlobalFlags

	// Getenv reads the environment (injectable for tests).
	Getenv func(string) string
	// Now is the clock (injectable for tests).
	Now func() time.Time
	// ConfigDir returns the configuration directory.
	ConfigDir func() (string, error)

	// Later layers plug in here: the token path (auth) and Cosmos clients.
	// They are functions so that commands never construct them directly.
	Credential CredentialFunc

	debugMu sync.Mutex // serialises --debug lines written from parallel requests
}

// New returns the production factory.
func New(build BuildInfo) *Factory {
	f := &Factory{
		Build:  build,
		Flags:  &GlobalFlags{},
		Getenv: os.Getenv,
		Now:    time.Now,
	}
	f.IOStreams = iostreams.System(f.Getenv)
	f.ConfigDir = func() (string, error) { return config.Dir(f.Getenv) }
	return f
}

// Config loads the configuration file.
func (f *Factory) Config() (*config.Config, error) {
	dir, err := f.ConfigDir()
	if err != nil {
		return nil, err
	}
	c, err := config.Load(dir)
	if err != nil {
		return nil, errs.New(errs.KindUsage, err, "fix or remove the file", "%s", err.Error())
	}
	return c, nil
}

// Settings is the effective configuration of one invocation, after applying
// precedence: flag > environment > profile > default.
type Settings struct {
	ProfileName string
	Profile     *config.Profile // never nil; empty when the profile does not exist yet
	Exists      bool            // the profile is present in the config file
	Endpoint    string
	Database    string
	Container   string
	Output      string
	Config      *config.Config
}

// Resolve computes the effective settings.
func (f *Factory) Resolve() (*Settings, error) {
	cfg, err := f.Config()
	if err != nil {
		return nil, err
	}
	s := &Settings{Config: cfg, ProfileName: f.ProfileName(cfg)}
	p := cfg.Profile(s.ProfileName)
	if p != nil {
		s.Exists = true
	} else {
		if f.Flags.Profile != "" || f.Getenv("COSMOSCTL_PROFILE") != "" {
			return nil, errs.New(errs.KindUsage, nil, "list profiles with `cosmosctl config list`, or create one with `cosmosctl config set endpoint URL --profile NAME`",
				"profile %q does not exist in %s", s.ProfileName, cfg.Path())
		}
		p = &config.Profile{}
	}
	s.Profile = p
	s.Endpoint = first(f.Flags.Endpoint, f.Getenv("COSMOSCTL_ENDPOINT"), p.Endpoint)
	s.Database = first(f.Flags.Database, f.Getenv("COSMOSCTL_DATABASE"), p.Database)
	s.Container = first(f.Flags.Container, f.Getenv("COSMOSCTL_CONTAINER"), p.Container)
	s.Output = first(f.Flags.Output, f.Getenv("COSMOSCTL_OUTPUT"), p.Output)
	if s.Output != "" {
		if err := config.ValidateValue("output", s.Output); err != nil {
			return nil, errs.Usage("--output: %s", err)
		}
	}
	return s, nil
}

// ProfileName is the profile an invocation acts on: --profile, then
// COSMOSCTL_PROFILE, then the current profile of cfg, else "default".
func (f *Factory) ProfileName(cfg *config.Config) string {
	if name := first(f.Flags.Profile, f.Getenv("COSMOSCTL_PROFILE"), cfg.CurrentProfile); name != "" {
		return name
	}
	return "default"
}

// RequireEndpoint returns the endpoint or a usage error that says how to set one.
func (s *Settings) RequireEndpoint() (string, error) {
	if s.Endpoint == "" {
		return "", errs.New(errs.KindUsage, nil,
			"pass --endpoint https://ACCOUNT.documents.azure.com:443/, set COSMOSCTL_ENDPOINT, or `cosmosctl config set endpoint URL`",
			"no Cosmos DB endpoint for profile %q", s.ProfileName)
	}
	return s.Endpoint, nil
}

// RequireDatabase returns the database or a usage error naming -d.
func (s *Settings) RequireDatabase() (string, error) {
	if s.Database == "" {
		return "", errs.Usage("no database: pass -d/--database, set COSMOSCTL_DATABASE, or `cosmosctl config set database NAME`")
	}
	return s.Database, nil
}

// RequireContainer returns the container or a usage error naming -c.
func (s *Settings) RequireContainer() (string, error) {
	if s.Container == "" {
		return "", errs.Usage("no container: pass -c/--container, set COSMOSCTL_CONTAINER, or `cosmosctl config set container NAME`")
	}
	return s.Container, nil
}

// WithTimeout applies --timeout to ctx (0 = none).
func (f *Factory) WithTimeout(ctx context.Context) (context.Context, context.CancelFunc) {
	if f.Flags.Timeout > 0 {
		return context.WithTimeout(ctx, f.Flags.Timeout)
	}
	return context.WithCancel(ctx)
}

// Debugf writes a diagnostic line to stderr when --debug is set. Callers
// must not pass secrets; use Redact for values that may hold one.
func (f *Factory) Debugf(format string, args ...any) {
	if f.Flags.Debug {
		fmt.Fprintf(f.IOStreams.ErrOut, "debug: "+format+"\n", args...)
	}
}

func first(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}
