package cmd

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/cosmosctl/cosmosctl/auth"
	"github.com/cosmosctl/cosmosctl/internal/access"
	"github.com/cosmosctl/cosmosctl/internal/cmdutil"
	"github.com/cosmosctl/cosmosctl/internal/config"
	"github.com/cosmosctl/cosmosctl/internal/cosmos"
	"github.com/cosmosctl/cosmosctl/internal/errs"
	"github.com/cosmosctl/cosmosctl/output"
)

// CanIOptions are the parsed arguments of `cosmosctl can-i`.
type CanIOptions struct {
	DataDeps
	Action string
	Scope  string
	List   bool
	Quiet  bool
	As     string
}

// NewCmdCanI builds `cosmosctl can-i`.
func NewCmdCanI(f *cmdutil.Factory, runF func(context.Context, *CanIOptions) error) *cobra.Command {
	opts := &CanIOptions{DataDeps: newDataDeps(f)}
	cmd := &cobra.Command{
		Use:   "can-i ACTION [SCOPE] | can-i --list [SCOPE]",
		Short: "Check whether you may perform a data-plane action",
		Long: `Check whether the signed-in principal may perform a Cosmos DB data action, by sending
harmless requests that never change data (kubectl auth can-i for Cosmos DB): reads and
deletes of a random id that does not exist, a query whose filter is always false, a
change-feed read of one range, the account and container reads for read-metadata.

ACTION is one of ` + strings.Join(access.Verbs(), ", ") + `,
a full data action name (Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers/items/read)
or a wildcard (items/*, containers/*). SCOPE is /, /dbs/DB or /dbs/DB/colls/CONTAINER
(default: the -d and -c in effect). create and upsert cannot be tested without possibly
writing, so they answer unknown.

Prints yes, no or unknown on stdout and the reason on stderr; on no, the missing data
action and the least-privilege role assignment that fixes it.

Exit codes: 0 yes, 1 no, 7 unknown; the usual codes for errors (3 not signed in,
6 unreachable).`,
		Example: `  cosmosctl can-i query -d shop -c orders
  cosmosctl can-i read /dbs/shop/colls/orders
  cosmosctl can-i --list -d shop -c orders
  cosmosctl can-i --list -o json
  cosmosctl can-i delete -q && echo "may delete"`,
		Args: func(cmd *cobra.Command, args []string) error {
			switch {
			case opts.List && len(args) > 1:
				return errs.Usage("can-i --list takes at most a SCOPE, got %d arguments", len(args))
			case !opts.List && len(args) == 0:
				return errs.New(errs.KindUsage, nil, "e.g. `cosmosctl can-i query -d shop -c orders`, or `cosmosctl can-i --list`", "can-i needs an ACTION (%s) or --list", strings.Join(access.Verbs(), ", "))
			case len(args) > 2:
				return errs.Usage("can-i takes ACTION and an optional SCOPE, got %d arguments", len(args))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if opts.List && len(args) == 1 {
				opts.Scope = args[0]
			} else {
				if len(args) > 0 {
					opts.Action = args[0]
				}
				if len(args) > 1 {
					opts.Scope = args[1]
				}
			}
			if opts.As != "" {
				// --as is --profile for this one command; the settings,
				// credential and client are built after this, lazily.
				f.Flags.Profile = opts.As
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return canIRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVar(&opts.List, "list", false, "Check every action at the scope and print a table (-o json for an array)")
	cmd.Flags().BoolVarP(&opts.Quiet, "quiet", "q", false, "Print nothing; answer with the exit code only")
	cmd.Flags().StringVar(&opts.As, "as", "", "Check as another signed-in profile")
	return cmd
}

func canIRun(ctx context.Context, o *CanIOptions) error {
	f := &o.DataDeps
	var actions []access.Action
	if o.List {
		actions = access.Actions()
	} else {
		var err error
		if actions, err = access.ParseAction(o.Action); err != nil {
			return errs.New(errs.KindUsage, nil, "see `cosmosctl can-i --help`", "%v", err)
		}
	}
	ctx, cancel := f.WithTimeout(ctx)
	defer cancel()
	c, err := canICheck(ctx, f, actions, o.Scope)
	if err != nil {
		return err
	}
	s, scope, client, results := c.settings, c.scope, c.client, c.results
	auditNoteFrom(ctx).target(scope.Database, scope.Container)
	if o.List {
		if o.Quiet {
			return nil
		}
		return canIPrintList(ctx, f, s, results)
	}
	ans := canIOverall(results)
	if !o.Quiet {
		if err := canIPrintAnswer(ctx, f, s, o.Action, scope, ans); err != nil {
			return err
		}
		fix := canIFix{account: access.AccountName(client.Endpoint), resourceGroup: s.Profile.ResourceGroup}
		if canIAnyNo(results) {
			fix.principal = client.Principal(ctx)
		}
		canIExplain(f.IOStreams.ErrOut, results, fix)
	}
	switch ans {
	case access.Yes:
		return nil
	case access.No:
		return &errs.ExitError{Code: errs.ExitDenied}
	}
	return &errs.ExitError{Code: errs.ExitUndecidable}
}

// canIChecked is one check's inputs and answers.
type canIChecked struct {
	settings *config.Settings
	scope    access.Scope
	client   *cosmos.Client
	results  []access.Result
}

// canICheck decides actions at scopeArg (default: the -d and -c in
// effect) for the signed-in principal: by probing, or yes for a key.
func canICheck(ctx context.Context, f *DataDeps, actions []access.Action, scopeArg string) (*canIChecked, error) {
	s, err := f.Settings()
	if err != nil {
		return nil, err
	}
	scope := access.Scope{Database: s.Database, Container: s.Container}
	if scopeArg != "" {
		if scope, err = access.ParseScope(scopeArg); err != nil {
			return nil, errs.Usage("%v", err)
		}
	} else if scope.Database == "" && scope.Container != "" {
		return nil, errs.Usage("-c/--container %s needs -d/--database", scope.Container)
	}
	for _, n := range []struct{ what, name string }{{"database", scope.Database}, {"container", scope.Container}} {
		if n.name == "" {
			continue
		}
		if err := cosmos.ValidateName(n.what, n.name); err != nil {
			return nil, err
		}
	}
	client, _, err := dataClient(ctx, f)
	if err != nil {
		return nil, err
	}
	var results []access.Result
	if client.Method == auth.MethodKey {
		results = access.KeyResults(actions, scope)
	} else {
		results, err = access.Check(ctx, client.Prober(), actions, scope)
	}
	if err != nil {
		var na *access.NotAnswerError
		if errors.As(err, &na) {
			return nil, errs.New(errs.KindAuth, err, "sign in again: `cosmosctl login`", "can-i %s on %s: %v", na.Action.Verb, scope, err)
		}
		return nil, cosmos.Explain(err, "can-i on "+scope.String())
	}
	return &canIChecked{settings: s, scope: scope, client: client, results: results}, nil
}

// canIAnswerJSON is the -o json shape of one can-i answer.
type canIAnswerJSON struct {
	Action  string `json:"action"`
	Scope   string `json:"scope"`
	Answer  string `json:"answer"`
	Allowed *bool  `json:"allowed"`
}

// canIPrintAnswer prints the bare answer (yes, no, unknown), or with -o
// json, jsonl or yaml (or --jq) an object holding it.
func canIPrintAnswer(ctx context.Context, f *DataDeps, s *config.Settings, action string, scope access.Scope, ans access.Answer) error {
	oo := dataOutputOptions(ctx, f, s)
	if scalarRaw(oo) {
		_, err := fmt.Fprintln(f.IOStreams.Out, ans)
		return err
	}
	return printOne(f.IOStreams, oo, canIAnswerJSON{Action: action, Scope: scope.String(), Answer: ans.String(), Allowed: ans.Allowed()})
}

// canIOverall folds the answers of a wildcard: no if any is no, yes if all
// are yes, else unknown.
func canIOverall(rs []access.Result) access.Answer {
	ans := access.Yes
	for _, r := range rs {
		switch r.Answer {
		case access.No:
			return access.No
		case access.Unknown:
			ans = access.Unknown
		}
	}
	return ans
}

// canIFix is what the fix line needs besides the result.
type canIFix struct {
	account, resourceGroup string
	principal              cosmos.Principal
}

func canIAnyNo(rs []access.Result) bool {
	for _, r := range rs {
		if r.Answer == access.No {
			return true
		}
	}
	return false
}

// canIExplain writes the reason of each answer on stderr and, for each no,
// the missing action and the least-privilege fix.
func canIExplain(w io.Writer, rs []access.Result, fx canIFix) {
	fixed := map[string]bool{}
	for _, r := range rs {
		prefix := ""
		if len(rs) > 1 {
			prefix = r.Action.Verb + ": " + r.Answer.String() + ": "
		}
		fmt.Fprintf(w, "%s%s\n", prefix, r.Reason)
		if r.Answer != access.No {
			continue
		}
		oid := cmp.Or(fx.principal.ObjectID, r.Principal)
		fix := r.Fix(fx.account, fx.resourceGroup, oid)
		if fixed[fix] {
			continue
		}
		fixed[fix] = true
		role := r.Action.RoleName()
		if a, ok := access.ActionNamed(r.Missing); ok && a.RoleID == access.DataContributorID {
			role = a.RoleName()
		}
		who := "you"
		if fx.principal.Name != "" {
			who = fx.principal.Name
		}
		fmt.Fprintf(w, "hint: ask an owner of the account to grant %s %s at %s:\n  %s\n", who, role, r.Scope, fix)
	}
	if len(fixed) == 0 {
		return
	}
	if note := fx.principal.GroupsNote(); note != "" {
		fmt.Fprintln(w, "note: "+note)
	}
	fmt.Fprintln(w, "see what you may do: `cosmosctl can-i --list`")
}

// canIRow is one line of `can-i --list`.
type canIRow struct {
	Action     string `json:"action"`
	DataAction string `json:"dataAction"`
	Allowed    *bool  `json:"allowed"`
	Reason     string `json:"reason"`
}

func canIRowOf(r access.Result) canIRow {
	return canIRow{Action: r.Action.Verb, DataAction: r.Action.Name, Allowed: r.Answer.Allowed(), Reason: r.Reason}
}

// canITableRow is the same for people: yes/no/unknown instead of
// true/false/null.
type canITableRow struct {
	Action  string `json:"action"`
	Allowed string `json:"allowed"`
	Reason  string `json:"reason"`
}

func canIPrintList(ctx context.Context, f *DataDeps, s *config.Settings, rs []access.Result) error {
	oo := dataOutputOptions(ctx, f, s)
	p, err := output.New(f.IOStreams.Out, oo)
	if err != nil {
		return printerError(err)
	}
	tabular := false
	switch s.Output {
	case "table", "wide", "csv", "tsv":
		tabular = true
	case "":
		tabular = f.IOStreams.IsStdoutTTY()
	}
	for _, r := range rs {
		var row any = canIRowOf(r)
		if tabular && oo.JQ == "" {
			row = canITableRow{Action: r.Action.Verb, Allowed: r.Answer.String(), Reason: r.Reason}
		}
		b, err := json.Marshal(row)
		if err != nil {
			return err
		}
		if err := p.Print(b); err != nil {
			return err
		}
	}
	return p.Close()
}
