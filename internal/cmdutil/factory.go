// Package cmdutil holds what every command shares: the Factory, the one
// place where an invocation's dependencies are built, and the global flags.
package cmdutil

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/cosmosctl/cosmosctl/auth"
	"github.com/cosmosctl/cosmosctl/auth/keyring"
	"github.com/cosmosctl/cosmosctl/internal/audit"
	"github.com/cosmosctl/cosmosctl/internal/config"
	"github.com/cosmosctl/cosmosctl/internal/cosmos"
	"github.com/cosmosctl/cosmosctl/internal/errs"
	"github.com/cosmosctl/cosmosctl/internal/httpclient"
	"github.com/cosmosctl/cosmosctl/internal/iostreams"
	"github.com/cosmosctl/cosmosctl/output"
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
	JQJSON    bool
	Debug     bool
	NoColor   bool
	Timeout   time.Duration
	// AuditLog is --audit-log; AuditQueryText puts query texts in it.
	AuditLog       string
	AuditQueryText bool
}

// Factory gives commands their dependencies. The first group are inputs;
// the functions of the second group build the invocation's objects from
// them lazily, each once, and read the inputs when first called, so tests
// may replace inputs (cmdtest does) or whole functions before running a
// command. Commands take the functions they use, not the Factory.
type Factory struct {
	IOStreams *iostreams.IOStreams
	Build     BuildInfo
	Flags     *GlobalFlags
	// Getenv reads the environment.
	Getenv func(string) string
	// Now is the clock.
	Now func() time.Time
	// ConfigDir returns the configuration directory.
	ConfigDir func() (string, error)
	// ReadFile reads the CA bundle.
	ReadFile func(name string) ([]byte, error)

	// Config loads the configuration file (afresh on every call: the
	// config commands load, change and save it).
	Config func() (*config.Config, error)
	// Settings are the effective settings of the invocation.
	Settings func() (*config.Settings, error)
	// HTTPClient is the one client of the invocation, Entra and Cosmos alike.
	HTTPClient func() (*http.Client, error)
	// Keyring is the OS keyring with the invocation's timeout.
	Keyring func() keyring.Keyring
	// AuthSession is the token path of the effective profile.
	AuthSession func() (*auth.Session, error)
	// Credentials are what data commands authenticate with; never prompts.
	Credentials func(ctx context.Context) (*cosmos.Credentials, error)
	// CosmosClient is the data-plane client for the effective settings.
	CosmosClient func(ctx context.Context) (*cosmos.Client, error)
	// AuditLog is the invocation's audit trail, opened once; nil (and no
	// error) when none is configured. Cosmos clients append a record per
	// request to it; commands and MCP tool calls add their own.
	AuditLog func() (*audit.Log, error)
	// AuditTotals sums the request records the invocation's clients wrote.
	AuditTotals *audit.Totals
	// Invocation is the invocation's id in its audit records, which ties
	// request records to their command record when processes interleave.
	Invocation string

	// warnUnknown warns about the file's unknown keys once per invocation.
	warnUnknown sync.Once
}

// New returns the factory of one invocation: production inputs, and the
// builders wired to each other.
func New(build BuildInfo) *Factory {
	f := &Factory{
		Build:    build,
		Flags:    &GlobalFlags{},
		Getenv:   os.Getenv,
		Now:      time.Now,
		ReadFile: os.ReadFile,
	}
	f.IOStreams = iostreams.System(f.Getenv)
	f.ConfigDir = func() (string, error) { return config.Dir(f.Getenv) }
	f.Config = f.loadConfig
	f.Settings = once(f.resolve)
	f.HTTPClient = once(f.newHTTPClient)
	f.Keyring = onceValue(f.newKeyring)
	f.AuthSession = once(f.newAuthSession)
	f.Credentials = onceCtx(func(ctx context.Context) (*cosmos.Credentials, error) {
		sess, err := f.AuthSession()
		if err != nil {
			return nil, err
		}
		return sess.Credentials(ctx)
	})
	f.CosmosClient = onceCtx(f.newCosmosClient)
	f.AuditLog = once(f.openAuditLog)
	f.AuditTotals = &audit.Totals{}
	f.Invocation = uuid.NewString()
	return f
}

func (f *Factory) loadConfig() (*config.Config, error) {
	dir, err := f.ConfigDir()
	if err != nil {
		return nil, err
	}
	c, err := config.Load(dir)
	if err != nil {
		return nil, errs.New(errs.KindUsage, err, "fix or remove the file", "%s", err.Error())
	}
	if keys := c.UnknownKeys(); len(keys) > 0 {
		f.warnUnknown.Do(func() {
			fmt.Fprintf(f.IOStreams.ErrOut, "warning: %s: unknown keys (misspelt, or from a newer cosmosctl), kept as they are: %s\n",
				c.Path(), strings.Join(keys, ", "))
		})
	}
	return c, nil
}

func (f *Factory) resolve() (*config.Settings, error) {
	cfg, err := f.Config()
	if err != nil {
		return nil, err
	}
	fl := config.Flags{Profile: f.Flags.Profile, Endpoint: f.Flags.Endpoint, Database: f.Flags.Database,
		Container: f.Flags.Container, Output: f.Flags.Output}
	return config.Resolve(cfg, fl, f.Getenv, output.Formats())
}

// ProfileName is the profile an invocation acts on (see config.ProfileName).
func (f *Factory) ProfileName(cfg *config.Config) string {
	return config.ProfileName(cfg, f.Flags.Profile, f.Getenv)
}

// CAFile is the CA bundle to trust besides the system roots: the
// COSMOSCTL_CA_FILE variable, else the profile's ca-file.
func (f *Factory) CAFile(s *config.Settings) string {
	if v := f.Getenv("COSMOSCTL_CA_FILE"); v != "" {
		return v
	}
	return s.Profile.CAFile
}

// AuditLogPath is the audit log to write: --audit-log, else the
// COSMOSCTL_AUDIT_LOG variable, else the profile's audit-log ("" = none).
func (f *Factory) AuditLogPath(s *config.Settings) string {
	if f.Flags.AuditLog != "" {
		return f.Flags.AuditLog
	}
	if v := f.Getenv("COSMOSCTL_AUDIT_LOG"); v != "" {
		return v
	}
	return s.Profile.AuditLog
}

func (f *Factory) openAuditLog() (*audit.Log, error) {
	s, err := f.Settings()
	if err != nil {
		return nil, err
	}
	path := f.AuditLogPath(s)
	if path == "" {
		return nil, nil
	}
	l, err := audit.Open(path)
	if err != nil {
		return nil, errs.New(errs.KindOther, err, "fix the path or its permissions, or unset --audit-log / COSMOSCTL_AUDIT_LOG / the profile's audit-log",
			"cannot write the audit log, so nothing was sent: %v", err)
	}
	return l, nil
}

func (f *Factory) newHTTPClient() (*http.Client, error) {
	s, err := f.Settings()
	if err != nil {
		return nil, err
	}
	o := httpclient.Options{CAFile: f.CAFile(s), ReadFile: f.ReadFile, Now: f.Now}
	if f.Flags.Debug {
		o.Debug = f.IOStreams.ErrOut
	}
	return httpclient.New(o)
}

func (f *Factory) newKeyring() keyring.Keyring {
	interactive := f.IOStreams.IsStdinTTY() && f.IOStreams.IsStderrTTY()
	return keyring.NewSystem(keyring.TimeoutFor(f.Getenv, interactive))
}

func (f *Factory) newAuthSession() (*auth.Session, error) {
	s, err := f.Settings()
	if err != nil {
		return nil, err
	}
	dir, err := f.ConfigDir()
	if err != nil {
		return nil, errs.New(errs.KindUsage, err, "set COSMOSCTL_CONFIG_DIR", "cannot find the configuration directory: %v", err)
	}
	return auth.NewSession(auth.Config{
		Dir:        dir,
		Settings:   s,
		Getenv:     f.Getenv,
		Now:        f.Now,
		HTTPClient: f.HTTPClient,
		Keyring:    f.Keyring(),
		Debugf:     f.Debugf,
	}), nil
}

func (f *Factory) newCosmosClient(ctx context.Context) (*cosmos.Client, error) {
	return f.NewCosmosClient(ctx, 0)
}

// NewCosmosClient builds a data-plane client with a retry budget (0 =
// default, <0 = none) from the invocation's settings, credentials and
// HTTP client; CosmosClient is the cached one with the default budget.
func (f *Factory) NewCosmosClient(ctx context.Context, maxRetries int32) (*cosmos.Client, error) {
	s, err := f.Settings()
	if err != nil {
		return nil, err
	}
	endpoint, err := s.RequireEndpoint()
	if err != nil {
		return nil, err
	}
	// A malformed endpoint, or plain http to another machine, is reported
	// before anything signs in or dials.
	if err := cosmos.CheckEndpoint(endpoint); err != nil {
		return nil, err
	}
	if err := cosmos.CheckTransport(endpoint); err != nil {
		return nil, err
	}
	// The audit log opens before any request (sign-in included), so an
	// unwritable one stops the command with nothing sent.
	alog, err := f.AuditLog()
	if err != nil {
		return nil, err
	}
	creds, err := f.Credentials(ctx)
	if err != nil {
		return nil, err
	}
	hc, err := f.HTTPClient()
	if err != nil {
		return nil, err
	}
	o := &cosmos.Options{HTTPClient: hc, MaxRetries: maxRetries, Audience: s.Profile.Audience, ResourceGroup: s.Profile.ResourceGroup}
	if alog != nil {
		o.Audit = func(r audit.Record) error {
			r.Invocation = f.Invocation
			f.AuditTotals.Add(r)
			return alog.AppendUnsynced(r)
		}
	}
	return cosmos.NewClient(endpoint, *creds, o)
}

// WithTimeout applies --timeout to ctx (0 = none), marked as the caller's
// context for the requests azcosmos detaches from it (cosmos.WithCaller).
func (f *Factory) WithTimeout(ctx context.Context) (context.Context, context.CancelFunc) {
	var cancel context.CancelFunc
	if f.Flags.Timeout > 0 {
		ctx, cancel = context.WithTimeout(ctx, f.Flags.Timeout)
	} else {
		ctx, cancel = context.WithCancel(ctx)
	}
	return cosmos.WithCaller(ctx), cancel
}

// Debugf writes a diagnostic line to stderr when --debug is set. Callers
// must not pass secrets; use redact for values that may hold one.
func (f *Factory) Debugf(format string, args ...any) {
	if f.Flags.Debug {
		fmt.Fprintf(f.IOStreams.ErrOut, "debug: "+format+"\n", args...)
	}
}

// once makes build run at most once; later calls return its result.
func once[T any](build func() (T, error)) func() (T, error) {
	return sync.OnceValues(build)
}

func onceValue[T any](build func() T) func() T { return sync.OnceValue(build) }

// onceCtx is once for builders that do I/O: the first caller's context
// is used; later callers get the same result.
func onceCtx[T any](build func(context.Context) (T, error)) func(context.Context) (T, error) {
	var (
		mu   sync.Mutex
		done bool
		v    T
		err  error
	)
	return func(ctx context.Context) (T, error) {
		mu.Lock()
		defer mu.Unlock()
		if !done {
			v, err = build(ctx)
			done = true
		}
		return v, err
	}
}
