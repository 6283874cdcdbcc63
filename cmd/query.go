package cmd

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/cosmosctl/cosmosctl/internal/cmdutil"
	"github.com/cosmosctl/cosmosctl/internal/cosmos"
	"github.com/cosmosctl/cosmosctl/internal/errs"
	"github.com/cosmosctl/cosmosctl/internal/query"
)

// QueryOptions are the parsed flags of `cosmosctl query`.
type QueryOptions struct {
	DataDeps
	SQL            string
	File           string
	Params         []string
	ParamFile      string
	PartitionKey   string
	MaxItems       int
	Continuation   string
	PageSize       int
	MaxConcurrency int
	ShowCharge     bool
	Metrics        bool
	IndexMetrics   bool
	WithMeta       bool

	// set by the command
	ctx     context.Context
	pkGiven bool
	given   func(flag string) bool // the flag was on the command line
}

// NewCmdQuery builds `cosmosctl query`.
func NewCmdQuery(f *cmdutil.Factory, runF func(*QueryOptions) error) *cobra.Command {
	opts := &QueryOptions{DataDeps: newDataDeps(f)}
	cmd := &cobra.Command{
		Use:   "query [SQL | -f FILE | -]",
		Short: "Run a NoSQL query, across partitions included, and stream the results",
		Long: `Run a Cosmos DB for NoSQL query against -d DATABASE -c CONTAINER and stream the results.

Without --pk the query runs across all partitions; cosmosctl fetches the query plan and
merges ORDER BY, TOP, OFFSET/LIMIT, DISTINCT, aggregates and GROUP BY itself, so every
query the service supports works. Results stream to stdout as they arrive. On a terminal,
a query whose WHERE fixes the partition key to a value gets a tip to pass it as --pk.

Parameters: --param @name=VALUE, where VALUE is JSON when it is a number, true, false,
null, or starts with {, [ or " (quote it for the shell), else a plain string.

Paging: --max-items N stops after N results and prints a continuation token on stderr;
--continuation TOKEN resumes exactly there.`,
		Example: `  cosmosctl query "SELECT * FROM c WHERE c.city = @city" --param @city=Oslo -d shop -c orders
  cosmosctl query "SELECT c.customerId, COUNT(1) AS n FROM c GROUP BY c.customerId" -d shop -c orders
  cosmosctl query -f report.sql -o csv > report.csv
  cosmosctl query "SELECT * FROM c ORDER BY c.total DESC" --max-items 100`,
		Args: queryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				opts.SQL = args[0]
			}
			opts.ctx = cmd.Context()
			opts.pkGiven = cmd.Flags().Changed("pk")
			opts.given = cmd.Flags().Changed
			if runF != nil {
				return runF(opts)
			}
			return queryRun(opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVarP(&opts.File, "file", "f", "", "Read the query from FILE (- for stdin)")
	fl.StringArrayVar(&opts.Params, "param", nil, "Query parameter @name=VALUE (repeatable)")
	fl.StringVar(&opts.ParamFile, "param-file", "", "JSON object file of parameters {\"@name\": value}")
	fl.StringVar(&opts.PartitionKey, "pk", "", "Partition key value: JSON scalar, or array for hierarchical keys (a prefix is allowed); a bare word is a string, but a value starting with [ { \" a digit or - must be valid JSON")
	fl.IntVar(&opts.MaxItems, "max-items", 0, "Stop after N results and print a continuation token")
	fl.StringVar(&opts.Continuation, "continuation", "", "Resume from a continuation token")
	fl.IntVar(&opts.PageSize, "page-size", 0, "Items per request page (x-ms-max-item-count)")
	fl.IntVar(&opts.MaxConcurrency, "max-concurrency", 0, "Partition ranges queried in parallel (default 4)")
	fl.BoolVar(&opts.ShowCharge, "show-charge", false, "Print request charge, results, pages, round trips and any throttling on stderr (default on a terminal)")
	fl.BoolVar(&opts.Metrics, "metrics", false, "Print the server's query metrics per partition range")
	fl.BoolVar(&opts.IndexMetrics, "index-metrics", false, "Print the decoded index utilisation")
	fl.BoolVar(&opts.WithMeta, "with-meta", false, "With -o json: wrap results in an envelope with charge and continuation")
	return cmd
}

func queryRun(o *QueryOptions) error {
	f := &o.DataDeps
	ctx := o.ctx
	if ctx == nil {
		ctx = context.Background()
	}
	sql, spec, pkGiven, err := querySpec(ctx, o)
	if err != nil {
		return err
	}
	ctx, cancel := f.WithTimeout(ctx)
	defer cancel()
	client, s, err := dataClientFor(ctx, f, true, true)
	if err != nil {
		return err
	}
	spec.Database, spec.Container = s.Database, s.Container
	if spec.PartitionKey != nil {
		// A hierarchical key may be given by its first levels (a prefix query).
		if err := client.CheckPartitionKeyLevels(ctx, s.Database, s.Container, pkGiven, true, fmt.Sprintf("query %s/%s", s.Database, s.Container)); err != nil {
			return err
		}
	}
	oo := dataOutputOptions(ctx, f, s)
	if o.WithMeta && !dataIsJSONFormat(f, s) {
		return errs.Usage("--with-meta needs -o json")
	}
	what := fmt.Sprintf("query %s/%s", spec.Database, spec.Container)
	runner := &query.Runner{Backend: query.NewCosmosBackend(client), Notice: func(msg string) { fmt.Fprintln(f.IOStreams.ErrOut, msg) }}

	rw, err := newResultWriter(f, oo, o.WithMeta, o.Metrics || o.IndexMetrics)
	if err != nil {
		return err
	}
	out, runErr := runner.Run(ctx, spec, rw.emit)
	if out != nil {
		auditNoteFrom(ctx).output(out.Written)
	}
	// A failure before any result prints nothing on stdout (not even "[]"),
	// so a script never mistakes an error for an empty result.
	if runErr == nil || (out != nil && out.Written > 0) {
		if cerr := rw.close(out); cerr != nil && runErr == nil {
			runErr = cerr
		}
	}
	if runErr != nil {
		var ue *query.UsageError
		if errors.As(runErr, &ue) {
			return errs.Usage("%s", ue.Msg)
		}
		err := client.Explain(ctx, runErr, cosmos.Target{What: what, Database: spec.Database, Container: spec.Container})
		var ce *errs.Error
		if out != nil && out.Written > 0 && errors.As(err, &ce) {
			ce.Msg += fmt.Sprintf(" (%s already written", plural(out.Written, "result was", "results were"))
			if out.Continuation != "" {
				// Printed before the message, as after --max-items.
				fmt.Fprintf(f.IOStreams.ErrOut, "continuation: %s\n", out.Continuation)
				ce.Msg += "; the rest: rerun with --continuation TOKEN"
			}
			ce.Msg += ")"
		}
		// No statistics line: before an error it reads like a result.
		return err
	}
	queryAfter(ctx, f, o, client, s, sql, out)
	return nil
}
