package cmd

import (
	"context"

	"github.com/cosmosctl/cosmosctl/auth"
	"github.com/cosmosctl/cosmosctl/internal/audit"
	"github.com/cosmosctl/cosmosctl/internal/cmdutil"
	"github.com/cosmosctl/cosmosctl/internal/config"
	"github.com/cosmosctl/cosmosctl/internal/cosmos"
	"github.com/cosmosctl/cosmosctl/internal/iostreams"
)

// DataDeps are what the data commands (query, read, read-many, db,
// container) take from the Factory.
type DataDeps struct {
	IOStreams    *iostreams.IOStreams
	Settings     func() (*config.Settings, error)
	CosmosClient func(context.Context) (*cosmos.Client, error)
	// WithTimeout applies --timeout.
	WithTimeout func(context.Context) (context.Context, context.CancelFunc)
	// Printing is --jq, --jq-slurp and --jq-json.
	Printing func() PrintFlags
	// AuditLog is the invocation's audit trail (nil when none).
	AuditLog func() (*audit.Log, error)
}

// PrintFlags are the global flags that shape printed data besides -o.
type PrintFlags struct {
	JQ      string
	JQSlurp bool
	JQJSON  bool
}

func printFlags(f *cmdutil.Factory) func() PrintFlags {
	return func() PrintFlags { return PrintFlags{JQ: f.Flags.JQ, JQSlurp: f.Flags.JQSlurp, JQJSON: f.Flags.JQJSON} }
}

func newDataDeps(f *cmdutil.Factory) DataDeps {
	return DataDeps{
		IOStreams:    f.IOStreams,
		Settings:     f.Settings,
		CosmosClient: f.CosmosClient,
		WithTimeout:  f.WithTimeout,
		Printing:     printFlags(f),
		AuditLog:     f.AuditLog,
	}
}

// AuthDeps are what the sign-in commands (login, logout, whoami, auth
// token) take from the Factory.
type AuthDeps struct {
	IOStreams   *iostreams.IOStreams
	AuthSession func() (*auth.Session, error)
	// WithTimeout applies --timeout.
	WithTimeout func(context.Context) (context.Context, context.CancelFunc)
	// Printing is --jq, --jq-slurp and --jq-json (whoami, auth token).
	Printing func() PrintFlags
}

func newAuthDeps(f *cmdutil.Factory) AuthDeps {
	return AuthDeps{IOStreams: f.IOStreams, AuthSession: f.AuthSession, WithTimeout: f.WithTimeout, Printing: printFlags(f)}
}
