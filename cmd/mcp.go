package cmd

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/spf13/cobra"

	"github.com/cosmosctl/cosmosctl/auth"
	"github.com/cosmosctl/cosmosctl/internal/audit"
	"github.com/cosmosctl/cosmosctl/internal/cmdutil"
	"github.com/cosmosctl/cosmosctl/internal/config"
	"github.com/cosmosctl/cosmosctl/internal/cosmos"
	"github.com/cosmosctl/cosmosctl/internal/errs"
	"github.com/cosmosctl/cosmosctl/internal/mcpserver"
)

// MCPDeps are what `cosmosctl mcp` takes from the Factory: the data
// client, and the sign-in for whoami and for refusing account keys.
type MCPDeps struct {
	DataDeps
	AuthSession func() (*auth.Session, error)
	Credentials func(context.Context) (*cosmos.Credentials, error)
	Version     string
}

// MCPOptions are the parsed flags of `cosmosctl mcp`.
type MCPOptions struct {
	MCPDeps
	Allow        []string
	AllowKey     bool
	MaxItems     int
	MaxBytes     int
	MaxRUPerCall float64
	MaxRUTotal   float64
	CallTimeout  time.Duration
	Redact       []string
	Listen       string
}

// NewCmdMCP builds `cosmosctl mcp`.
func NewCmdMCP(f *cmdutil.Factory, runF func(context.Context, *MCPOptions) error) *cobra.Command {
	opts := &MCPOptions{MCPDeps: MCPDeps{DataDeps: newDataDeps(f), AuthSession: f.AuthSession, Credentials: f.Credentials, Version: f.Build.Version}}
	cmd := &cobra.Command{
		Use:   "mcp [flags]",
		Short: "Serve read-only Cosmos DB tools to AI agents (Model Context Protocol)",
		Long: `Serve a read-only Model Context Protocol server that lets an AI agent list, describe, query
and read Cosmos DB and check permissions, acting only as the profile's signed-in Entra ID
identity: Cosmos DB RBAC decides what it may read. It has no tool that writes.

Tools: whoami, list_databases, list_containers, describe_container, query, read_item,
can_i, explain.

Guardrails on top of RBAC: --allow limits the visible databases and containers; --max-items
and --max-bytes cap each result (the agent gets a continuation, never a truncated page);
--max-ru-per-call and --max-ru-total stop calls that spend too much; --call-timeout bounds
each call; --redact hides fields in every returned document. A profile signed in with an
account key is refused unless --allow-key.

Transports: stdio by default (the agent starts cosmosctl mcp); --listen 127.0.0.1:PORT serves
Streamable HTTP on loopback with a bearer secret printed once on stderr.`,
		Example: `  cosmosctl mcp --profile prod --allow shop/orders --redact customer.email
  cosmosctl mcp --max-ru-total 5000 --call-timeout 30s
  cosmosctl mcp --listen 127.0.0.1:8931`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return mcpRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringArrayVar(&opts.Allow, "allow", nil, "Expose only this database or DATABASE/CONTAINER (repeatable; default all)")
	fl.BoolVar(&opts.AllowKey, "allow-key", false, "Serve a profile that signs in with an account key")
	fl.IntVar(&opts.MaxItems, "max-items", mcpserver.DefaultMaxItems, "Most items one call returns (an agent's max_items is capped to it)")
	fl.IntVar(&opts.MaxBytes, "max-bytes", mcpserver.DefaultMaxBytes, "Most JSON bytes of items one call returns")
	fl.Float64Var(&opts.MaxRUPerCall, "max-ru-per-call", 1000, "Stop a call that spends more request units (0 = no limit)")
	fl.Float64Var(&opts.MaxRUTotal, "max-ru-total", 0, "Stop serving data once the server has spent this many request units (0 = no limit)")
	fl.DurationVar(&opts.CallTimeout, "call-timeout", time.Minute, "Stop a call after this long (0 = no limit)")
	fl.StringArrayVar(&opts.Redact, "redact", nil, "Replace this field path (e.g. customer.email) with \"[REDACTED]\" in every document (repeatable)")
	fl.StringVar(&opts.Listen, "listen", "", "Serve Streamable HTTP on this loopback address (127.0.0.1:PORT) instead of stdio")
	return cmd
}

// mcpServer checks the flags and the sign-in and builds the server.
func mcpServer(ctx context.Context, o *MCPOptions) (*mcpserver.Server, error) {
	so := mcpserver.Options{Name: "cosmosctl", Version: o.Version, AllowKey: o.AllowKey,
		MaxItems: o.MaxItems, MaxBytes: o.MaxBytes, MaxRUPerCall: o.MaxRUPerCall, MaxRUTotal: o.MaxRUTotal,
		CallTimeout: o.CallTimeout, Redact: o.Redact}
	switch {
	case o.MaxItems <= 0:
		return nil, errs.Usage("--max-items must be positive")
	case o.MaxBytes <= 0:
		return nil, errs.Usage("--max-bytes must be positive")
	}
	for _, a := range o.Allow {
		al, err := mcpserver.ParseAllow(a)
		if err != nil {
			return nil, err
		}
		so.Allow = append(so.Allow, al)
	}
	if o.Listen != "" {
		if err := mcpserver.CheckListen(o.Listen); err != nil {
			return nil, err
		}
	}
	s, err := o.Settings()
	if err != nil {
		return nil, err
	}
	if _, err := s.RequireEndpoint(); err != nil {
		return nil, err
	}
	sess, err := o.AuthSession()
	if err != nil {
		return nil, err
	}
	// Find out now how the profile signs in: a key is refused before any
	// agent connects, and a profile that is not signed in fails here.
	creds, err := o.Credentials(ctx)
	if err != nil {
		return nil, err
	}
	if (creds.Key != "" || creds.Method == auth.MethodKey) && !o.AllowKey {
		return nil, errs.New(errs.KindUsage, nil, "sign in with Entra ID (`cosmosctl login`), or pass --allow-key to serve the account key's full access",
			"profile %s signs in with an account key; cosmosctl mcp acts only as a signed-in identity", sess.Profile())
	}
	so.Client = o.CosmosClient
	so.Whoami = func(ctx context.Context) (*auth.Identity, error) { return sess.Whoami(ctx, false) }
	if so.Audit, err = mcpAudit(ctx, o, s, sess); err != nil {
		return nil, err
	}
	return mcpserver.New(so)
}

// mcpAudit writes each tool call to the audit log, when one is configured,
// with who serves the calls: the profile, its principal and sign-in method
// (read once, from the cached token), the endpoint, the OS user and host.
// The server fills in the tool, the MCP client and the outcome.
func mcpAudit(ctx context.Context, o *MCPOptions, s *config.Settings, sess *auth.Session) (func(context.Context, audit.Record) error, error) {
	alog, err := o.AuditLog()
	if err != nil || alog == nil {
		return nil, err
	}
	base := audit.Record{Profile: s.ProfileName, Endpoint: s.Endpoint}
	base.OSUser, base.Host = osIdentity()
	if id, err := sess.Whoami(ctx, false); err == nil {
		base.TenantID, base.PrincipalID, base.SignIn, base.Audience = id.TenantID, id.ObjectID, id.Method, id.Audience
		base.Principal = cmp.Or(id.UPN, id.AppID)
	}
	return func(_ context.Context, rec audit.Record) error {
		rec.Profile, rec.Endpoint, rec.OSUser, rec.Host = base.Profile, base.Endpoint, base.OSUser, base.Host
		rec.TenantID, rec.PrincipalID, rec.Principal, rec.SignIn, rec.Audience = base.TenantID, base.PrincipalID, base.Principal, base.SignIn, base.Audience
		return alog.Append(rec)
	}, nil
}

func mcpRun(ctx context.Context, o *MCPOptions) error {
	srv, err := mcpServer(ctx, o)
	if err != nil {
		return err
	}
	if o.Listen == "" {
		t := &mcp.IOTransport{Reader: io.NopCloser(o.IOStreams.In), Writer: nopWriteCloser{o.IOStreams.Out}}
		if err := srv.MCP().Run(ctx, t); err != nil && !errors.Is(err, io.EOF) && ctx.Err() == nil {
			return fmt.Errorf("mcp over stdio: %w", err)
		}
		return nil
	}
	return mcpServeHTTP(ctx, o, srv)
}

// mcpServeHTTP serves Streamable HTTP on the loopback address until ctx
// ends.
func mcpServeHTTP(ctx context.Context, o *MCPOptions, srv *mcpserver.Server) error {
	secret, err := mcpserver.NewSecret()
	if err != nil {
		return err
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", o.Listen)
	if err != nil {
		return errs.New(errs.KindUsage, err, "choose another port", "--listen %s: %v", o.Listen, err)
	}
	mux := http.NewServeMux()
	mux.Handle("/mcp", srv.HTTPHandler(secret))
	hs := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	fmt.Fprintf(o.IOStreams.ErrOut, "cosmosctl mcp: serving on http://%s/mcp\nbearer secret (shown once; send it as \"Authorization: Bearer SECRET\"): %s\n", ln.Addr(), secret)
	done := make(chan error, 1)
	go func() { done <- hs.Serve(ln) }()
	select {
	case err := <-done:
		return fmt.Errorf("mcp over HTTP: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	_ = hs.Shutdown(sctx)
	return nil
}

// nopWriteCloser leaves stdout open when the transport closes.
type nopWriteCloser struct{ io.Writer }

func (nopWriteCloser) Close() error { return nil }
