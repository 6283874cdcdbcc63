package config

import (
	"github.com/cosmosctl/cosmosctl/internal/errs"
)

// Flags are the command-line values that take part in resolving settings;
// "" means the flag was not given.
type Flags struct {
	Profile   string
	Endpoint  string
	Database  string
	Container string
	Output    string
}

// Settings is the effective configuration of one invocation, after applying
// precedence: flag > environment > profile > default.
type Settings struct {
	ProfileName string
	// ProfileFlag is the --profile value ("" when not given): messages name
	// the profile when a bare command would pick another one.
	ProfileFlag string
	Profile     *Profile // never nil; empty when the profile does not exist yet
	Exists      bool     // the profile is present in the config file
	Endpoint    string
	Database    string
	Container   string
	Output      string
	Config      *Config
}

// Resolve computes the effective settings from the loaded file, the flag
// values and the environment. formats are the valid output formats (the
// output package owns them; config does not depend on it).
func Resolve(cfg *Config, fl Flags, getenv func(string) string, formats []string) (*Settings, error) {
	s := &Settings{Config: cfg, ProfileName: ProfileName(cfg, fl.Profile, getenv), ProfileFlag: fl.Profile}
	p := cfg.Profile(s.ProfileName)
	if p != nil {
		s.Exists = true
	} else {
		if fl.Profile != "" || getenv("COSMOSCTL_PROFILE") != "" {
			return nil, errs.New(errs.KindUsage, nil, "list profiles with `cosmosctl config list`, or create one with `cosmosctl config set endpoint URL --profile NAME`",
				"profile %q does not exist in %s", s.ProfileName, cfg.Path())
		}
		p = &Profile{}
	}
	s.Profile = p
	s.Endpoint = first(fl.Endpoint, getenv("COSMOSCTL_ENDPOINT"), p.Endpoint)
	s.Database = first(fl.Database, getenv("COSMOSCTL_DATABASE"), p.Database)
	s.Container = first(fl.Container, getenv("COSMOSCTL_CONTAINER"), p.Container)
	s.Output = first(fl.Output, getenv("COSMOSCTL_OUTPUT"), p.Output)
	if err := ValidateOutput(s.Output, formats); err != nil {
		return nil, errs.Usage("--output: %s", err)
	}
	return s, nil
}

// ProfileName is the profile an invocation acts on: the --profile value,
// then COSMOSCTL_PROFILE, then the current profile of cfg, else "default".
func ProfileName(cfg *Config, flag string, getenv func(string) string) string {
	if name := first(flag, getenv("COSMOSCTL_PROFILE"), cfg.CurrentProfile); name != "" {
		return name
	}
	return "default"
}

// ForProfile returns the settings of another profile of the same config,
// as if it had been selected (logout --all); nil when it does not exist.
func (s *Settings) ForProfile(name string) *Settings {
	p := s.Config.Profile(name)
	if p == nil {
		return nil
	}
	c := *s
	c.ProfileName = name
	c.Profile = p
	c.Exists = true
	c.Endpoint = p.Endpoint
	return &c
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

func first(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}
