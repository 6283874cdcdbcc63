// Package cmd holds cosmosctl's Cobra command tree. Each command takes the
// dependencies it uses from the cmdutil.Factory into its Options struct,
// next to its parsed flags; an injectable run function lets tests capture
// them.
package cmd

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/cosmosctl/cosmosctl/internal/cmdutil"
	"github.com/cosmosctl/cosmosctl/internal/errs"
)

// NewRootCmd builds the whole command tree.
func NewRootCmd(f *cmdutil.Factory) *cobra.Command {
	root := &cobra.Command{
		Use:   "cosmosctl <command> [flags]",
		Short: "Query Azure Cosmos DB with your Microsoft Entra ID identity",
		Long: `cosmosctl queries and reads Azure Cosmos DB for NoSQL from a terminal or a script,
signed in with your Microsoft Entra ID identity instead of an account key.

Sign in once, then query:
  cosmosctl login
  cosmosctl query "SELECT * FROM c WHERE c.status = 'open'" -d shop -c orders

Try everything locally, with no Azure subscription:
  cosmosctl sandbox`,
		SilenceErrors: true,
		SilenceUsage:  true,
		Version:       f.Build.Version,
		RunE: func(cmd *cobra.Command, args []string) error {
			return cmd.Help()
		},
	}
	root.SetVersionTemplate(versionLine(f.Build) + "\n")
	root.SetOut(f.IOStreams.Out)
	root.SetErr(f.IOStreams.ErrOut)
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return &errs.Error{Kind: errs.KindUsage, Msg: err.Error(), Hint: usageHint(c)}
	})

	pf := root.PersistentFlags()
	pf.StringVar(&f.Flags.Profile, "profile", "", "Configuration profile to use (env COSMOSCTL_PROFILE)")
	pf.StringVar(&f.Flags.Endpoint, "endpoint", "", "Cosmos DB account endpoint URL (env COSMOSCTL_ENDPOINT)")
	pf.StringVarP(&f.Flags.Database, "database", "d", "", "Database name (env COSMOSCTL_DATABASE)")
	pf.StringVarP(&f.Flags.Container, "container", "c", "", "Container name (env COSMOSCTL_CONTAINER)")
	pf.StringVarP(&f.Flags.Output, "output", "o", "", "Output format: table, wide, json, jsonl, csv, tsv, yaml (env COSMOSCTL_OUTPUT; default table on a terminal, json otherwise)")
	pf.StringVar(&f.Flags.JQ, "jq", "", "Filter each result through a jq expression (strings print raw)")
	pf.BoolVar(&f.Flags.JQSlurp, "jq-slurp", false, "Apply --jq once to the array of all results")
	pf.BoolVar(&f.Flags.JQJSON, "jq-json", false, "Print --jq's string results as JSON strings (default: raw text, like jq -r)")
	pf.BoolVar(&f.Flags.Debug, "debug", false, "Print HTTP and diagnostic details to stderr (secrets redacted)")
	pf.BoolVar(&f.Flags.NoColor, "no-color", false, "Disable colour output (also NO_COLOR)")
	pf.DurationVar(&f.Flags.Timeout, "timeout", 0, "Give up after this long, e.g. 30s or 2m (0 = no limit)")
	pf.StringVar(&f.Flags.AuditLog, "audit-log", "", "Append an audit record per request and per data command to this file (env COSMOSCTL_AUDIT_LOG)")
	pf.BoolVar(&f.Flags.AuditQueryText, "audit-query-text", false, "Write query texts into the audit log (default: only their hash)")

	root.PersistentPreRunE = func(cmd *cobra.Command, args []string) error {
		if f.Flags.NoColor {
			f.IOStreams.SetColorDisabled(true)
		}
		return nil
	}

	root.AddGroup(
		&cobra.Group{ID: "auth", Title: "Sign-in commands:"},
		&cobra.Group{ID: "data", Title: "Data commands:"},
		&cobra.Group{ID: "tools", Title: "Setup and troubleshooting:"},
	)
	add := func(group string, cmds ...*cobra.Command) {
		for _, c := range cmds {
			c.GroupID = group
			root.AddCommand(c)
		}
	}
	add("auth", NewCmdLogin(f, nil), NewCmdLogout(f, nil), NewCmdWhoami(f, nil), NewCmdAuth(f), NewCmdCanI(f, nil))
	add("data", NewCmdQuery(f, nil), NewCmdRead(f, nil), NewCmdReadMany(f, nil), NewCmdDB(f), NewCmdContainer(f), NewCmdMCP(f, nil))
	add("tools", NewCmdConfig(f), NewCmdSandbox(f), NewCmdDoctor(f, nil), NewCmdCompletion(f), NewCmdVersion(f), NewCmdAudit(f))
	auditCommands(f, root)
	root.SetHelpCommandGroupID("tools")
	root.SetCompletionCommandGroupID("tools")
	root.AddCommand(newHelpTopicExitCodes(f))
	guardGroups(root)
	registerCompletions(root, f)
	return root
}

// annotationValueSubcommands marks a command whose subcommands are the
// values of one argument, for guardGroups.
const annotationValueSubcommands = "cosmosctl/value-subcommands"

// guardGroups makes every command that only groups others (root, auth, db,
// container, config) refuse an unknown subcommand with the nearest names,
// which Cobra suggests only at the root and only in its own format.
func guardGroups(c *cobra.Command) {
	for _, sub := range c.Commands() {
		guardGroups(sub)
	}
	if !c.HasSubCommands() {
		return
	}
	c.SuggestionsMinimumDistance = 2
	if c.Annotations[annotationValueSubcommands] != "" {
		// A group whose subcommands are the values of one argument
		// (completion SHELL) refuses another value as an invalid argument.
		c.Args = func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return nil
			}
			var names []string
			for _, sub := range cmd.Commands() {
				if sub.IsAvailableCommand() {
					names = append(names, sub.Name())
				}
			}
			return errs.New(errs.KindUsage, nil, usageHint(cmd), "invalid argument %q for %q (want %s)", args[0], cmd.CommandPath(), strings.Join(names, ", "))
		}
		return
	}
	c.Args = func(cmd *cobra.Command, args []string) error {
		if len(args) == 0 {
			return nil
		}
		hint := usageHint(cmd)
		if sug := cmd.SuggestionsFor(args[0]); len(sug) > 0 {
			hint = fmt.Sprintf("did you mean %q? %s", strings.Join(sug, `" or "`), hint)
		}
		return errs.New(errs.KindUsage, nil, hint, "unknown command %q for %q", args[0], cmd.CommandPath())
	}
}

// usageHint is the hint of a usage error: the command's own usage line.
func usageHint(c *cobra.Command) string {
	return fmt.Sprintf("usage: %s (see '%s --help')", c.UseLine(), c.CommandPath())
}

// Execute runs the command tree and returns an error already classified for
// errs.ExitCode: anything that fails before a command starts running
// (unknown flag or command, wrong number of arguments) is a usage error.
func Execute(ctx context.Context, f *cmdutil.Factory, args []string) error {
	root := NewRootCmd(f)
	root.SetArgs(args)
	started := false
	pre := root.PersistentPreRunE
	root.PersistentPreRunE = func(cmd *cobra.Command, a []string) error {
		started = true
		return pre(cmd, a)
	}
	cmd, err := root.ExecuteContextC(ctx)
	if err == nil {
		return nil
	}
	if cmd == nil {
		cmd = root
	}
	var ce *errs.Error
	var xe *errs.ExitError
	isExplained, isExit := errors.As(err, &ce), errors.As(err, &xe)
	if !started && !isExplained && !isExit {
		// Cobra's own errors (argument counts, bad flag values).
		msg, rest, _ := strings.Cut(err.Error(), "\n")
		hint := usageHint(cmd)
		if rest = strings.Join(strings.Fields(rest), " "); rest != "" {
			hint = rest + " " + hint
		}
		return &errs.Error{Kind: errs.KindUsage, Msg: msg, Hint: hint, Err: err}
	}
	// Every usage error shows the command's own usage line.
	if ce != nil && ce.Kind == errs.KindUsage && !strings.Contains(ce.Hint, "usage: ") {
		if ce.Hint == "" {
			ce.Hint = usageHint(cmd)
		} else {
			ce.Hint += "; " + usageHint(cmd)
		}
	}
	return err
}
