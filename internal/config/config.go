// Package config reads and writes cosmosctl's configuration file: named
// profiles (endpoint, tenant, sign-in method, defaults) and which one is
// current. It never holds a secret: tokens and keys live in the token store.
package config

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/gofrs/flock"
	"go.yaml.in/yaml/v3"

	"github.com/cosmosctl/cosmosctl/internal/atomicfile"
	"github.com/cosmosctl/cosmosctl/internal/safefile"
)

// FileName is the configuration file inside the config directory.
const FileName = "config.yaml"

// Profile is one named set of connection settings.
type Profile struct {
	Endpoint      string `yaml:"endpoint,omitempty"`
	Tenant        string `yaml:"tenant,omitempty"`
	Auth          string `yaml:"auth,omitempty"`
	ClientID      string `yaml:"client-id,omitempty"`
	Cloud         string `yaml:"cloud,omitempty"`
	AuthorityHost string `yaml:"authority-host,omitempty"`
	Audience      string `yaml:"audience,omitempty"`
	CAFile        string `yaml:"ca-file,omitempty"`
	AuditLog      string `yaml:"audit-log,omitempty"`
	Database      string `yaml:"database,omitempty"`
	Container     string `yaml:"container,omitempty"`
	Output        string `yaml:"output,omitempty"`
	// ResourceGroup is the account's Azure resource group: only for the
	// `az` commands cosmosctl suggests (role assignments); never sent.
	ResourceGroup string   `yaml:"resource-group,omitempty"`
	Account       *Account `yaml:"account,omitempty"`
}

// Account is the non-secret record of who signed in to a profile, so that
// whoami and the token store can find the right cached tokens.
type Account struct {
	Method        string `yaml:"method,omitempty"`
	Username      string `yaml:"username,omitempty"`
	ObjectID      string `yaml:"object-id,omitempty"`
	Tenant        string `yaml:"tenant,omitempty"`
	HomeAccountID string `yaml:"home-account-id,omitempty"`
	ClientID      string `yaml:"client-id,omitempty"`
	Storage       string `yaml:"storage,omitempty"`
}

// Config is the whole file.
type Config struct {
	CurrentProfile string              `yaml:"current-profile,omitempty"`
	Profiles       map[string]*Profile `yaml:"profiles,omitempty"`

	path string
	// loaded is the content as read, which Save compares with to find
	// this invocation's changes.
	loaded snapshot
	// unknown lists the keys of the file that are no setting, as paths
	// (e.g. profiles.prod.endpont); they are kept on save.
	unknown []string
}

// MaxFileSize bounds what Load reads: a configuration is a few kB.
const MaxFileSize = 4 << 20

// Dir returns the configuration directory: $COSMOSCTL_CONFIG_DIR, else
// $XDG_CONFIG_HOME/cosmosctl, else the OS user config dir.
func Dir(getenv func(string) string) (string, error) {
	if d := getenv("COSMOSCTL_CONFIG_DIR"); d != "" {
		return d, nil
	}
	if d := getenv("XDG_CONFIG_HOME"); d != "" {
		return filepath.Join(d, "cosmosctl"), nil
	}
	d, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("cannot find a configuration directory (set COSMOSCTL_CONFIG_DIR): %w", err)
	}
	return filepath.Join(d, "cosmosctl"), nil
}

// Load reads DIR/config.yaml; a missing file is an empty configuration.
// Only a regular file is read, at most MaxFileSize bytes.
func Load(dir string) (*Config, error) {
	path := filepath.Join(dir, FileName)
	c, _, err := load(path)
	return c, err
}

// load reads the file and its YAML node tree (nil when missing or empty).
func load(path string) (*Config, *yaml.Node, error) {
	c := &Config{Profiles: map[string]*Profile{}, path: path}
	data, err := safefile.Read(path, MaxFileSize)
	if errors.Is(err, fs.ErrNotExist) {
		c.loaded = c.snapshot()
		return c, nil, nil
	}
	if err != nil {
		return nil, nil, fmt.Errorf("read config %s: %w", path, err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, nil, fmt.Errorf("config %s is not valid YAML: %w", path, err)
	}
	if err := doc.Decode(c); err != nil && len(doc.Content) > 0 {
		return nil, nil, fmt.Errorf("config %s is not valid YAML: %w", path, err)
	}
	if c.Profiles == nil {
		c.Profiles = map[string]*Profile{}
	}
	for name, p := range c.Profiles {
		if p == nil {
			c.Profiles[name] = &Profile{}
		}
	}
	c.path = path
	c.loaded = c.snapshot()
	var root *yaml.Node
	if len(doc.Content) > 0 {
		root = &doc
		c.unknown = unknownKeys(doc.Content[0], nil)
	}
	return c, root, nil
}

// Path is the file this configuration is read from and saved to.
func (c *Config) Path() string { return c.path }

// UnknownKeys lists the keys of the file that are no setting (typos,
// settings of newer versions), as dotted paths; Save keeps them.
func (c *Config) UnknownKeys() []string { return c.unknown }

// Save writes this invocation's changes (what differs from the content
// Load read) into the file's current content, under a lock every cosmosctl
// process takes, so concurrent logins and config edits of other profiles
// survive. It edits the YAML node tree, so comments, key order and unknown
// keys stay; the file is replaced atomically with mode 0600. Afterwards c
// holds the merged content.
func (c *Config) Save() error {
	if c.path == "" {
		return errors.New("config has no path")
	}
	dir := filepath.Dir(c.path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("create %s: %w", dir, err)
	}
	lock := flock.New(c.path+".lock", flock.SetPermissions(0o600))
	ctx, cancel := context.WithTimeout(context.Background(), lockTimeout)
	defer cancel()
	ok, err := lock.TryLockContext(ctx, 10*time.Millisecond)
	if err != nil {
		return fmt.Errorf("lock %s: %w", c.path, err)
	}
	if !ok {
		return fmt.Errorf("lock %s: another cosmosctl has held it for %s", c.path, lockTimeout)
	}
	defer lock.Unlock()

	cur, doc, err := load(c.path)
	if err != nil {
		return err
	}
	c.snapshot().applyChanges(c.loaded, cur)
	fresh := &yaml.Node{}
	if err := fresh.Encode(cur); err != nil {
		return fmt.Errorf("encode config: %w", err)
	}
	var root *yaml.Node
	if doc == nil {
		root = fresh
	} else {
		root = doc.Content[0]
		mergeNode(root, fresh, nil)
	}
	data, err := yaml.Marshal(root)
	if err != nil {
		return fmt.Errorf("encode config: %w", err)
	}
	if err := atomicfile.Write(c.path, data, 0o600); err != nil {
		return err
	}
	c.adopt(cur)
	return nil
}

// lockTimeout bounds the wait for another process's config write.
const lockTimeout = 10 * time.Second

// ProfileNames returns the profile names, sorted.
func (c *Config) ProfileNames() []string {
	names := make([]string, 0, len(c.Profiles))
	for n := range c.Profiles {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Profile returns the named profile, or nil.
func (c *Config) Profile(name string) *Profile { return c.Profiles[name] }

// EnsureProfile returns the named profile, creating it when missing.
func (c *Config) EnsureProfile(name string) *Profile {
	p := c.Profiles[name]
	if p == nil {
		p = &Profile{}
		c.Profiles[name] = p
	}
	return p
}

// Keys lists the settable profile keys, in display order.
func Keys() []string {
	return []string{"endpoint", "tenant", "auth", "client-id", "cloud", "authority-host", "audience", "ca-file", "audit-log", "database", "container", "output", "resource-group"}
}

// ErrUnknownKey is returned for a key that is not a profile setting.
type ErrUnknownKey struct{ Key string }

func (e *ErrUnknownKey) Error() string {
	return fmt.Sprintf("unknown config key %q (valid keys: %s)", e.Key, strings.Join(Keys(), ", "))
}

func (p *Profile) field(key string) (*string, error) {
	switch key {
	case "endpoint":
		return &p.Endpoint, nil
	case "tenant":
		return &p.Tenant, nil
	case "auth":
		return &p.Auth, nil
	case "client-id":
		return &p.ClientID, nil
	case "cloud":
		return &p.Cloud, nil
	case "authority-host":
		return &p.AuthorityHost, nil
	case "audience":
		return &p.Audience, nil
	case "ca-file":
		return &p.CAFile, nil
	case "audit-log":
		return &p.AuditLog, nil
	case "database":
		return &p.Database, nil
	case "container":
		return &p.Container, nil
	case "output":
		return &p.Output, nil
	case "resource-group":
		return &p.ResourceGroup, nil
	}
	return nil, &ErrUnknownKey{Key: key}
}

// Get returns a profile setting by key.
func (p *Profile) Get(key string) (string, error) {
	f, err := p.field(key)
	if err != nil {
		return "", err
	}
	return *f, nil
}

// Set changes a profile setting after validating the value (callers check
// the output key with ValidateOutput first).
func (p *Profile) Set(key, value string) error {
	f, err := p.field(key)
	if err != nil {
		return err
	}
	if err := ValidateValue(key, value); err != nil {
		return err
	}
	*f = value
	return nil
}

// AuthMethods returns the sign-in methods a profile may name (the auth key).
func AuthMethods() []string {
	return []string{"devicecode", "browser", "azurecli", "serviceprincipal", "managedidentity", "workloadidentity", "env", "key"}
}

// Clouds returns the named clouds accepted by the cloud key.
func Clouds() []string { return []string{"public", "usgov", "china"} }

// ValidateValue checks a value for a key without changing anything; the
// output key is checked by ValidateOutput.
func ValidateValue(key, value string) error {
	if value == "" {
		return nil
	}
	switch key {
	case "endpoint", "authority-host":
		if !strings.HasPrefix(value, "https://") && !strings.HasPrefix(value, "http://") {
			return fmt.Errorf("%s must be a URL starting with https:// (got %q)", key, value)
		}
	case "auth":
		if !slices.Contains(AuthMethods(), value) {
			return fmt.Errorf("auth must be one of %s (got %q)", strings.Join(AuthMethods(), ", "), value)
		}
	case "cloud":
		for _, c := range Clouds() {
			if value == c {
				return nil
			}
		}
		if !strings.HasPrefix(value, "https://") {
			return fmt.Errorf("cloud must be one of %s or an https:// authority URL (got %q)", strings.Join(Clouds(), ", "), value)
		}
	}
	return nil
}

// ValidateOutput checks an output format against formats, the list the
// output package supports (ValidateValue does not know it: config must
// not depend on the printers). "" is valid: the default applies.
func ValidateOutput(value string, formats []string) error {
	if value != "" && !slices.Contains(formats, value) {
		return fmt.Errorf("output must be one of %s (got %q)", strings.Join(formats, ", "), value)
	}
	return nil
}

// AuthorityHost resolves the Entra authority host for a profile: an explicit
// authority-host wins, then the named cloud, then the public cloud.
func (p *Profile) AuthorityHostURL() string {
	if p.AuthorityHost != "" {
		return p.AuthorityHost
	}
	switch p.Cloud {
	case "usgov":
		return "https://login.microsoftonline.us/"
	case "china":
		return "https://login.chinacloudapi.cn/"
	case "", "public":
		return "https://login.microsoftonline.com/"
	}
	return p.Cloud
}

// Marshal encodes the configuration as it is saved.
func Marshal(c *Config) ([]byte, error) { return yaml.Marshal(c) }
