package cmd

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/user"
	"strconv"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/data/azcosmos"
	"github.com/spf13/cobra"

	"github.com/cosmosctl/cosmosctl/auth/claims"
	"github.com/cosmosctl/cosmosctl/internal/audit"
	"github.com/cosmosctl/cosmosctl/internal/cmdutil"
	"github.com/cosmosctl/cosmosctl/internal/config"
	"github.com/cosmosctl/cosmosctl/internal/cosmos"
	"github.com/cosmosctl/cosmosctl/internal/errs"
	"github.com/cosmosctl/cosmosctl/output"
)

// auditNote is what a data command tells its command record beyond what
// its flags and settings say: the query, its parameters and partition
// key (hashed when the record is written), the target it resolved, and
// the items it output. Commands reach it through auditNoteFrom; the
// methods of a nil note do nothing, so commands need not know whether an
// audit log is configured.
type auditNote struct {
	sql        string
	params     []azcosmos.QueryParameter
	pk         string // canonical JSON
	pkGiven    bool
	db, coll   string
	items      int
	itemsGiven bool
}

type auditNoteKey struct{}

// auditNoteFrom is the note of the running command (nil when not audited).
func auditNoteFrom(ctx context.Context) *auditNote {
	if ctx == nil {
		return nil
	}
	n, _ := ctx.Value(auditNoteKey{}).(*auditNote)
	return n
}

func (n *auditNote) query(sql string, params []azcosmos.QueryParameter) {
	if n != nil {
		n.sql, n.params = sql, params
	}
}

func (n *auditNote) partitionKey(canonJSON string) {
	if n != nil {
		n.pk, n.pkGiven = canonJSON, true
	}
}

func (n *auditNote) target(db, coll string) {
	if n != nil {
		n.db, n.coll = db, coll
	}
}

func (n *auditNote) output(items int) {
	if n != nil {
		n.items, n.itemsGiven = items, true
	}
}

// auditedOperations are the data commands that write a command record,
// by command path without the root, with the operation they perform.
var auditedOperations = map[string]string{
	"query":          "query",
	"read":           "read",
	"read-many":      "read-many",
	"db list":        "list",
	"container list": "list",
	"container show": "describe",
	"can-i":          "can-i probe",
}

// auditCommands wraps the RunE of every audited command under root.
func auditCommands(f *cmdutil.Factory, root *cobra.Command) {
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		path := strings.TrimPrefix(strings.TrimPrefix(c.CommandPath(), root.Name()), " ")
		if op, ok := auditedOperations[path]; ok && c.RunE != nil {
			c.RunE = auditedRun(f, op, c.RunE)
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
}

// auditedRun runs an audited command and appends its command record.
// The audit log itself is opened by the factory before the Cosmos client
// signs in, so an unwritable log stops the command with nothing sent.
// Settings are read after the run: can-i --as changes the profile first.
func auditedRun(f *cmdutil.Factory, op string, run func(*cobra.Command, []string) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		note := &auditNote{}
		ctx := cmd.Context()
		if ctx == nil {
			ctx = context.Background()
		}
		cmd.SetContext(context.WithValue(ctx, auditNoteKey{}, note))
		start := f.Now()
		runErr := run(cmd, args)
		s, err := f.Settings()
		if err != nil || f.AuditLogPath(s) == "" {
			return runErr
		}
		alog, err := f.AuditLog()
		if err != nil {
			if runErr != nil {
				return runErr // the same error, or one from before the log mattered
			}
			return err
		}
		rec := commandRecord(ctx, f, s, cmd.CommandPath(), op, note, start, runErr)
		if err := alog.Append(rec); err != nil {
			werr := errs.New(errs.KindOther, err, "check the audit log's disk and permissions", "the command ran but its audit record could not be written: %v", err)
			if runErr != nil {
				return errors.Join(runErr, werr)
			}
			return werr
		}
		return runErr
	}
}

// commandRecord builds the command record: who, where, what (hashed),
// and how it ended.
func commandRecord(ctx context.Context, f *cmdutil.Factory, s *config.Settings, path, op string, n *auditNote, start time.Time, runErr error) audit.Record {
	code := errs.ExitCode(runErr)
	sum := f.AuditTotals.Sum()
	// A failed command is explained by its first failed request; a
	// successful one may have retried a 429 on the way.
	status := sum.LastStatus
	if runErr != nil && sum.FirstFailure != 0 {
		status = sum.FirstFailure
	}
	rec := audit.Record{
		Time: audit.Stamp(start), Kind: audit.KindCommand, Invocation: f.Invocation, Version: f.Build.Version, Command: path,
		Profile: s.ProfileName, TenantID: s.Profile.Tenant, Endpoint: s.Endpoint,
		Database: s.Database, Container: s.Container, Operation: op,
		Status: status, RequestCharge: sum.Charge, ItemCount: sum.Items, ExitCode: &code,
		DurationMs: float64(f.Now().Sub(start).Microseconds()) / 1000,
	}
	if runErr != nil {
		// The kind only: messages may quote the query or a value.
		rec.Error = errorKindName(errs.KindOf(runErr))
	}
	if n.db != "" || n.coll != "" {
		rec.Database, rec.Container = n.db, n.coll
	}
	if n.itemsGiven {
		rec.ItemCount = n.items
	}
	if n.sql != "" {
		rec.QueryHash = audit.HashText(n.sql)
		if f.Flags.AuditQueryText {
			rec.QueryText = n.sql
		}
	}
	if len(n.params) > 0 {
		vals := make([]any, len(n.params))
		for i, p := range n.params {
			rec.ParamNames = append(rec.ParamNames, p.Name)
			vals[i] = p.Value
		}
		if b, err := json.Marshal(vals); err == nil {
			rec.ParamsHash = audit.HashText(string(b))
		}
	}
	if n.pkGiven {
		rec.PartitionHash = audit.HashText(n.pk)
	}
	rec.OSUser, rec.Host = osIdentity()
	auditIdentity(ctx, f, s, &rec, sum.Requests > 0 || runErr == nil) // every audited command that succeeded had signed in (can-i with a key sends nothing)
	return rec
}

// auditIdentity fills in who ran the command: the profile's sign-in
// record, then, when the command signed in (sent requests), the claims of
// the access token it used (from the credential's cache).
func auditIdentity(ctx context.Context, f *cmdutil.Factory, s *config.Settings, rec *audit.Record, signedIn bool) {
	if a := s.Profile.Account; a != nil {
		rec.SignIn, rec.Principal, rec.PrincipalID = a.Method, a.Username, a.ObjectID
		if a.Tenant != "" {
			rec.TenantID = a.Tenant
		}
	}
	if !signedIn {
		return
	}
	creds, err := f.Credentials(ctx)
	if err != nil || creds == nil {
		return
	}
	rec.SignIn = creds.Method
	if creds.Token == nil {
		return
	}
	// The command may have ended by --timeout or Ctrl-C; the token is
	// cached, so a short detached wait is enough.
	tctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	scope := cosmos.Scope(cosmos.Audience(s.Endpoint, s.Profile.Audience))
	tok, err := creds.Token.GetToken(tctx, policy.TokenRequestOptions{Scopes: []string{scope}})
	if err != nil {
		return
	}
	c, err := claims.Decode(tok.Token)
	if err != nil {
		return
	}
	rec.Audience, rec.TenantID, rec.PrincipalID = c.Audience, c.TenantID, c.ObjectID
	if u := c.User(); u != "" {
		rec.Principal = u
	} else {
		rec.Principal = c.ClientID()
	}
}

func osIdentity() (name, host string) {
	if u, err := user.Current(); err == nil {
		name = u.Username
	}
	host, _ = os.Hostname()
	return name, host
}

func errorKindName(k errs.Kind) string {
	switch k {
	case errs.KindUsage:
		return "usage"
	case errs.KindAuth:
		return "auth"
	case errs.KindForbidden:
		return "forbidden"
	case errs.KindNotFound:
		return "not found"
	case errs.KindUnavailable:
		return "unavailable"
	case errs.KindInterrupted:
		return "interrupted"
	}
	return "error"
}

// NewCmdAudit builds `cosmosctl audit`.
func NewCmdAudit(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "audit <command>",
		Short: "Check and show the audit trail (--audit-log)",
		Long: `With --audit-log FILE (or COSMOSCTL_AUDIT_LOG, or the profile's audit-log), every data
command appends one JSON line per data-plane request and one for the command itself:
who, where, what (queries, parameter values and partition keys as SHA-256 hashes only),
status, request charge, items and the activity id the service logs too. Lines are
hash-chained, so an edited, deleted or reordered line is detected by 'audit verify'.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error { return cmd.Help() },
	}
	cmd.AddCommand(newCmdAuditVerify(f), newCmdAuditShow(f))
	return cmd
}

func newCmdAuditVerify(f *cmdutil.Factory) *cobra.Command {
	return &cobra.Command{
		Use:     "verify FILE",
		Short:   "Check every line's hash and the chain; exit 1 naming the first broken line",
		Example: "  cosmosctl audit verify ~/cosmosctl-audit.jsonl",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			fh, err := os.Open(args[0])
			if err != nil {
				return errs.Usage("cannot read the audit log: %v", err)
			}
			defer fh.Close()
			n, err := audit.Verify(fh)
			var be *audit.BrokenError
			switch {
			case errors.As(err, &be):
				return errs.New(errs.KindOther, err, "compare with a backup or the service's diagnostic logs (see docs/audit.md)",
					"%s: chain broken at line %d: %s", args[0], be.Line, be.Reason)
			case err != nil:
				return errs.New(errs.KindOther, err, "", "%s: %v", args[0], err)
			}
			_, err = fmt.Fprintf(f.IOStreams.Out, "%d records, chain intact\n", n)
			return err
		},
	}
}

type auditShowOptions struct {
	since     string
	principal string
	status    int
}

func newCmdAuditShow(f *cmdutil.Factory) *cobra.Command {
	o := &auditShowOptions{}
	cmd := &cobra.Command{
		Use:   "show [FILE]",
		Short: "Show audit records (default: the configured audit log)",
		Long: `Show the audit trail as a table (time, principal, command or operation, database/container,
status, RU, items, activity id), or as the full records with -o json, jsonl or yaml.

Filters: --since 1h (or an RFC 3339 time), --principal (UPN, app id or object id; it
selects command records, which carry the identity), -c/--container NAME (with
-d/--database DB: that database's), --status (an HTTP status). Only the flags filter:
the profile's database and container do not.`,
		Example: "  cosmosctl audit show --since 1h\n  cosmosctl audit show audit.jsonl --status 403 -o jsonl",
		Args:    cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return auditShowRun(cmd.Context(), f, o, args)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&o.since, "since", "", "Only records from this long ago (e.g. 1h, 30m) or this RFC 3339 time on")
	fl.StringVar(&o.principal, "principal", "", "Only records of this principal (UPN, app id or object id)")
	fl.IntVar(&o.status, "status", 0, "Only records with this HTTP status")
	return cmd
}

// auditSince parses --since: a duration back from now, or a time.
func auditSince(v string, now time.Time) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	if d, err := time.ParseDuration(v); err == nil && d >= 0 {
		return now.Add(-d), nil
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t, nil
	}
	return time.Time{}, errs.Usage("--since %q is neither a duration (1h, 30m) nor an RFC 3339 time", v)
}

func auditShowRun(ctx context.Context, f *cmdutil.Factory, o *auditShowOptions, args []string) error {
	s, err := f.Settings()
	if err != nil {
		return err
	}
	path := ""
	if len(args) == 1 {
		path = args[0]
	} else if path = f.AuditLogPath(s); path == "" {
		return errs.Usage("no audit log: pass FILE, or set --audit-log, COSMOSCTL_AUDIT_LOG or the profile's audit-log")
	}
	since, err := auditSince(o.since, f.Now())
	if err != nil {
		return err
	}
	// The global -d/-c flags name the container to show; the profile's
	// defaults are not a filter.
	container := f.Flags.Container
	if container != "" && f.Flags.Database != "" {
		container = f.Flags.Database + "/" + container
	}
	fl := audit.Filter{Since: since, Principal: o.principal, Container: container, Status: o.status}
	fh, err := os.Open(path)
	if err != nil {
		return errs.Usage("cannot read the audit log: %v", err)
	}
	defer fh.Close()
	oo := output.Options{Format: s.Output, JQ: f.Flags.JQ, JQSlurp: f.Flags.JQSlurp, TTY: f.IOStreams.IsStdoutTTY(),
		Width: f.IOStreams.TerminalWidth(), Color: f.IOStreams.ColorEnabled(), Context: ctx}
	// Tables summarise; the structured formats print the whole records.
	full := oo.Format == "json" || oo.Format == "jsonl" || oo.Format == "yaml" || (oo.Format == "" && !oo.TTY)
	p, err := output.New(f.IOStreams.Out, oo)
	if err != nil {
		return printerError(err)
	}
	err = audit.Read(fh, fl, func(rec audit.Record, line []byte) error {
		if full {
			return p.Print(json.RawMessage(line))
		}
		b, err := json.Marshal(auditRow(rec))
		if err != nil {
			return err
		}
		return p.Print(b)
	})
	if cerr := p.Close(); err == nil {
		err = cerr
	}
	var be *audit.BrokenError
	if errors.As(err, &be) {
		return errs.New(errs.KindOther, err, "run `cosmosctl audit verify "+path+"`", "%s: line %d: %s", path, be.Line, be.Reason)
	}
	return err
}

// auditTableRow is one line of the `audit show` table.
type auditTableRow struct {
	Time       string  `json:"time"`
	Principal  string  `json:"principal"`
	What       string  `json:"what"`
	Target     string  `json:"target"`
	Status     string  `json:"status"`
	RU         float64 `json:"ru"`
	Items      int     `json:"items"`
	ActivityID string  `json:"activityId"`
}

func auditRow(r audit.Record) auditTableRow {
	row := auditTableRow{Time: r.Time, Principal: r.Principal, RU: r.RequestCharge, Items: r.ItemCount, ActivityID: r.ActivityID}
	if row.Principal == "" {
		row.Principal = r.PrincipalID
	}
	switch r.Kind {
	case audit.KindRequest:
		row.What = r.Kind + " " + r.Operation
	default:
		row.What = strings.TrimPrefix(r.Command, "cosmosctl ")
		if row.What == "" {
			row.What = r.Kind + " " + r.Operation
		}
	}
	row.Target = r.Database
	if r.Container != "" {
		row.Target += "/" + r.Container
	}
	if r.Status != 0 {
		row.Status = strconv.Itoa(r.Status)
		if r.SubStatus != "" && r.SubStatus != "0" {
			row.Status += "/" + r.SubStatus
		}
	}
	if r.ExitCode != nil {
		if row.Status != "" {
			row.Status += " "
		}
		row.Status += "exit " + strconv.Itoa(*r.ExitCode)
	}
	return row
}
