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
	// JQ is the --jq expression and --jq-slurp.
	JQ func() (expr string, slurp bool)
	// AuditLog is the invocation's audit trail (nil when none).
	AuditLog func() (*audit.Log, error)
}

func newDataDeps(f *cmdutil.Factory) DataDeps {
	return DataDeps{
		IOStreams:    f.IOStreams,
		Settings:     f.Settings,
		CosmosClient: f.CosmosClient,
		WithTimeout:  f.WithTimeout,
		JQ:           func() (string, bool) { return f.Flags.JQ, f.Flags.JQSlurp },
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
}

func newAuthDeps(f *cmdutil.Factory) AuthDeps {
	return AuthDeps{IOStreams: f.IOStreams, AuthSession: f.AuthSession, WithTimeout: f.WithTimeout}
}
