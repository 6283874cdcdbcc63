// Package mcpserver is cosmosctl's read-only Model Context Protocol server:
// tools that list, describe, query and read Cosmos DB and probe RBAC, acting
// only as the signed-in identity, with guardrails on top of RBAC (visible
// databases and containers, item, byte and RU caps, a per-call timeout,
// field redaction). It calls the same core as the CLI commands (query,
// cosmos, access) through Options and knows nothing of Cobra.
package mcpserver

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/cosmosctl/cosmosctl/auth"
	"github.com/cosmosctl/cosmosctl/internal/audit"
	"github.com/cosmosctl/cosmosctl/internal/cosmos"
	"github.com/cosmosctl/cosmosctl/internal/errs"
	"github.com/cosmosctl/cosmosctl/internal/redact"
)

// Defaults of the caps when Options leaves them zero.
const (
	DefaultItems    = 100     // max_items when the call does not say
	DefaultMaxItems = 1000    // --max-items
	DefaultMaxBytes = 1 << 20 // --max-bytes
)

// Options are what the server is built from: the core as functions, and
// the guardrails.
type Options struct {
	// Name and Version describe the server in the initialize handshake.
	Name, Version string
	// Client is the data-plane client of the signed-in identity.
	Client func(ctx context.Context) (*cosmos.Client, error)
	// Whoami is the signed-in identity (auth.Session.Whoami).
	Whoami func(ctx context.Context) (*auth.Identity, error)
	// ResourceGroup is the profile's resource group, for the fix lines.
	ResourceGroup string
	// AllowKey lets an account-key client through; without it such a
	// client is refused on every call.
	AllowKey bool
	// Allow restricts the visible databases and containers (empty: all).
	Allow []Allow
	// MaxItems caps max_items; MaxBytes caps the JSON bytes of a call's
	// items (0: the defaults above).
	MaxItems, MaxBytes int
	// MaxRUPerCall and MaxRUTotal are request-unit budgets (0: none).
	MaxRUPerCall, MaxRUTotal float64
	// CallTimeout bounds each tool call (0: none).
	CallTimeout time.Duration
	// Redact are field paths (customer.email) replaced by "[REDACTED]"
	// in every returned document.
	Redact []string
	// Audit receives one record per tool call (nil: none).
	Audit func(ctx context.Context, rec audit.Record) error
	// Now is the clock (nil: time.Now).
	Now func() time.Time
}

// Server is the MCP server with its guardrails and RU spending.
type Server struct {
	o       Options
	redact  [][]string
	mcp     *mcp.Server
	mu      sync.Mutex
	spentRU float64
}

// New validates o and builds the server with its tools.
func New(o Options) (*Server, error) {
	if o.Client == nil || o.Whoami == nil {
		return nil, errors.New("mcpserver: Options.Client and Options.Whoami are required")
	}
	if o.MaxItems <= 0 {
		o.MaxItems = DefaultMaxItems
	}
	if o.MaxBytes <= 0 {
		o.MaxBytes = DefaultMaxBytes
	}
	if o.MaxRUPerCall < 0 || o.MaxRUTotal < 0 || o.CallTimeout < 0 {
		return nil, errs.Usage("--max-ru-per-call, --max-ru-total and --call-timeout must not be negative")
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	s := &Server{o: o}
	for _, p := range o.Redact {
		path, err := parseFieldPath(p)
		if err != nil {
			return nil, err
		}
		s.redact = append(s.redact, path)
	}
	name := o.Name
	if name == "" {
		name = "cosmosctl"
	}
	s.mcp = mcp.NewServer(&mcp.Implementation{Name: name, Title: "cosmosctl (read-only Azure Cosmos DB)", Version: o.Version},
		&mcp.ServerOptions{Instructions: instructions, Capabilities: &mcp.ServerCapabilities{}})
	s.addTools()
	return s, nil
}

const instructions = `Read-only access to Azure Cosmos DB for NoSQL as the signed-in Microsoft Entra ID identity.
Start with list_databases and list_containers, describe_container to learn the partition key and
the fields, then query (Cosmos DB NoSQL SQL; pass a partition_key when you know it, it is cheaper).
Large results come in pages: pass the continuation back to get the next one. can_i tells whether
the identity may perform an action; explain shows the query plan. Nothing here can write.`

// MCP is the SDK server, for Run with a transport or an HTTP handler.
func (s *Server) MCP() *mcp.Server { return s.mcp }

// client is the identity's client, refusing an account key unless allowed.
func (s *Server) client(ctx context.Context) (*cosmos.Client, error) {
	c, err := s.o.Client(ctx)
	if err != nil {
		return nil, cosmos.Explain(err, "connect")
	}
	if (c.Method == "key") && !s.o.AllowKey {
		return nil, errKeyRefused()
	}
	return c, nil
}

func errKeyRefused() error {
	return errs.New(errs.KindAuth, nil, "sign the profile in with Entra ID (`cosmosctl login`), or start the server with --allow-key",
		"cosmosctl mcp acts only as a signed-in identity, and this profile uses an account key")
}

// call is what one tool call reports for the audit record and the budgets.
type call struct {
	tool      string
	database  string
	container string
	queryHash string
	params    []string
	pkHash    string

	mu     sync.Mutex
	charge float64
	items  int
}

func (c *call) addCharge(ru float64) {
	c.mu.Lock()
	c.charge += ru
	c.mu.Unlock()
}

// budgetError is an RU budget that stopped a call.
type budgetError struct{ msg string }

func (e *budgetError) Error() string { return e.msg }

// spent is the RU spent by finished calls.
func (s *Server) spent() float64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.spentRU
}

// watch returns the OnCharge hook for a run that has already charged
// base RU in this call: it stops the call (through stop) once a budget is
// crossed. Charges are known only when a response arrives, so a call may
// overshoot by the pages in flight.
func (s *Server) watch(c *call, base float64, stop context.CancelCauseFunc) func(total float64) {
	before := s.spent()
	return func(total float64) {
		callRU := base + total
		switch {
		case s.o.MaxRUPerCall > 0 && callRU > s.o.MaxRUPerCall:
			stop(&budgetError{fmt.Sprintf("%s stopped: it spent %.2f RU, over --max-ru-per-call %g", c.tool, callRU, s.o.MaxRUPerCall)})
		case s.o.MaxRUTotal > 0 && before+callRU > s.o.MaxRUTotal:
			stop(&budgetError{fmt.Sprintf("%s stopped: the server has spent %.2f RU, over --max-ru-total %g", c.tool, before+callRU, s.o.MaxRUTotal)})
		}
	}
}

// handler is a tool's body: it fills c and returns the output.
type handler[In, Out any] func(ctx context.Context, c *call, stop context.CancelCauseFunc, in In) (Out, error)

// addTool registers a read-only tool whose errors reach the agent as tool
// errors with the CLI's one-line explanation and hint.
func addTool[In, Out any](s *Server, name, title, desc string, h handler[In, Out]) {
	no := false
	t := &mcp.Tool{Name: name, Title: title, Description: desc,
		Annotations: &mcp.ToolAnnotations{Title: title, ReadOnlyHint: true, IdempotentHint: true, DestructiveHint: &no}}
	mcp.AddTool(s.mcp, t, func(ctx context.Context, req *mcp.CallToolRequest, in In) (*mcp.CallToolResult, Out, error) {
		start := s.o.Now()
		c := &call{tool: name}
		ctx, stop := context.WithCancelCause(ctx)
		defer stop(nil)
		if s.o.CallTimeout > 0 {
			var cancel context.CancelFunc
			ctx, cancel = context.WithTimeoutCause(ctx, s.o.CallTimeout,
				errs.New(errs.KindUnavailable, nil, "ask for less (a partition_key, a smaller max_items), or restart the server with a longer --call-timeout",
					"%s stopped after --call-timeout %s", name, s.o.CallTimeout))
			defer cancel()
		}
		var out Out
		var err error
		if spent := s.spent(); s.o.MaxRUTotal > 0 && spent >= s.o.MaxRUTotal {
			err = &budgetError{fmt.Sprintf("%s refused: the server has spent %.2f RU of --max-ru-total %g", name, spent, s.o.MaxRUTotal)}
		} else {
			out, err = h(ctx, c, stop, in)
		}
		if err != nil {
			// A budget or the call timeout is the reason, not the
			// cancellation it caused.
			if cause := context.Cause(ctx); cause != nil && !errors.Is(cause, context.Canceled) && ctx.Err() != nil {
				err = cause
			}
		}
		s.mu.Lock()
		s.spentRU += c.charge
		s.mu.Unlock()
		s.audit(ctx, req, c, start, err)
		if err != nil {
			var zero Out
			return nil, zero, toolError(err, name)
		}
		// The SDK re-decodes structured output into float64s; the text
		// content is marshalled here so big integers stay exact.
		text, err := json.Marshal(out)
		if err != nil {
			return nil, out, fmt.Errorf("%s: encode the result: %w", name, err)
		}
		return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: string(text)}}}, out, nil
	})
}

// toolError is err as the CLI prints it: one line and a hint, secrets
// masked, never the cause chain.
func toolError(err error, what string) error {
	var be *budgetError
	if errors.As(err, &be) {
		err = errs.New(errs.KindOther, nil, "ask for less (a partition_key, a narrower filter, a smaller max_items), or restart the server with a larger budget", "%s", be.msg)
	}
	var buf bytes.Buffer
	errs.Print(&buf, cosmos.Explain(err, what), false)
	return errors.New(strings.TrimSpace(redact.Secrets(buf.String())))
}

// audit writes the call's record; a failing audit log is not the agent's
// problem, so its error is dropped here (the hook may log it).
func (s *Server) audit(ctx context.Context, req *mcp.CallToolRequest, c *call, start time.Time, err error) {
	if s.o.Audit == nil {
		return
	}
	c.mu.Lock()
	rec := audit.Record{
		Time: audit.Stamp(start), Kind: audit.KindTool, Version: s.o.Version, Command: c.tool,
		Database: c.database, Container: c.container, Operation: operationOf(c.tool),
		QueryHash: c.queryHash, ParamNames: c.params, PartitionHash: c.pkHash,
		RequestCharge: c.charge, ItemCount: c.items,
		DurationMs: float64(s.o.Now().Sub(start).Microseconds()) / 1000,
	}
	c.mu.Unlock()
	if req != nil && req.Session != nil {
		if ip := req.Session.InitializeParams(); ip != nil && ip.ClientInfo != nil {
			rec.Client = strings.TrimSuffix(ip.ClientInfo.Name+"/"+ip.ClientInfo.Version, "/")
		}
	}
	code := errs.ExitCode(err)
	rec.ExitCode = &code
	if err == nil {
		rec.Status = 200
	} else {
		if f, ok := cosmos.AsFailure(err); ok {
			rec.Status, rec.SubStatus, rec.ActivityID = f.Status, f.SubStatus, f.ActivityID
		}
		rec.Error = errs.FirstLine(redact.Secrets(toolError(err, c.tool).Error()))
	}
	_ = s.o.Audit(context.WithoutCancel(ctx), rec)
}

func operationOf(tool string) string {
	switch tool {
	case "query", "explain":
		return "query"
	case "read_item":
		return "read"
	case "list_databases", "list_containers":
		return "list"
	case "describe_container":
		return "describe"
	case "can_i":
		return "can-i probe"
	}
	return tool
}
