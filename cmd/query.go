package cmd

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/cosmosctl/cosmosctl/internal/cmdutil"
	"github.com/cosmosctl/cosmosctl/internal/config"
	"github.com/cosmosctl/cosmosctl/internal/cosmos"
	"github.com/cosmosctl/cosmosctl/internal/errs"
	"github.com/cosmosctl/cosmosctl/internal/query"
	"github.com/cosmosctl/cosmosctl/output"
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
query the service supports works. Results stream to stdout as they arrive.

Parameters: --param @name=VALUE, where VALUE is JSON when it is a number, true, false,
null, or starts with {, [ or " (quote it for the shell), else a plain string.

Paging: --max-items N stops after N results and prints a continuation token on stderr;
--continuation TOKEN resumes exactly there.`,
		Example: `  cosmosctl query "SELECT * FROM c WHERE c.city = @city" --param @city=Oslo -d shop -c orders
  cosmosctl query "SELECT c.customerId, COUNT(1) AS n FROM c GROUP BY c.customerId" -d shop -c orders
  cosmosctl query -f report.sql -o csv > report.csv
  cosmosctl query "SELECT * FROM c ORDER BY c.total DESC" --max-items 100`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				opts.SQL = args[0]
			}
			opts.ctx = cmd.Context()
			opts.pkGiven = cmd.Flags().Changed("pk")
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
	fl.StringVar(&opts.PartitionKey, "pk", "", "Partition key value (JSON scalar, or array for hierarchical keys; a bare word is a string)")
	fl.IntVar(&opts.MaxItems, "max-items", 0, "Stop after N results and print a continuation token")
	fl.StringVar(&opts.Continuation, "continuation", "", "Resume from a continuation token")
	fl.IntVar(&opts.PageSize, "page-size", 0, "Items per request page (x-ms-max-item-count)")
	fl.IntVar(&opts.MaxConcurrency, "max-concurrency", 0, "Partition ranges queried in parallel (default 4)")
	fl.BoolVar(&opts.ShowCharge, "show-charge", false, "Print request charge, pages and round trips on stderr (default on a terminal)")
	fl.BoolVar(&opts.Metrics, "metrics", false, "Print the server's query metrics per partition range")
	fl.BoolVar(&opts.IndexMetrics, "index-metrics", false, "Print the decoded index utilisation")
	fl.BoolVar(&opts.WithMeta, "with-meta", false, "With -o json: wrap results in an envelope with charge and continuation")
	return cmd
}

// queryText returns the SQL from the argument, -f FILE or stdin.
func queryText(o *QueryOptions) (string, error) {
	in := o.IOStreams.In
	switch {
	case o.SQL != "" && o.File != "":
		return "", errs.Usage("give the query either as an argument or with -f/--file, not both")
	case o.File == "-" || o.SQL == "-":
		b, err := io.ReadAll(in)
		if err != nil {
			return "", errs.Usage("cannot read the query from stdin: %v", err)
		}
		return strings.TrimSpace(string(b)), nil
	case o.File != "":
		b, err := os.ReadFile(o.File)
		if err != nil {
			return "", errs.Usage("-f/--file: cannot read %s: %v", o.File, err)
		}
		return strings.TrimSpace(string(b)), nil
	}
	return strings.TrimSpace(o.SQL), nil
}

// queryClient resolves settings and builds the Cosmos client.
func queryClient(ctx context.Context, f *DataDeps) (*cosmos.Client, *config.Settings, error) {
	return queryClientFor(ctx, f, false, false)
}

// queryClientFor is queryClient for commands that also need a database
// (and a container): those are checked first, so a missing -d or -c is a
// usage error before anything signs in.
func queryClientFor(ctx context.Context, f *DataDeps, needDatabase, needContainer bool) (*cosmos.Client, *config.Settings, error) {
	s, err := f.Settings()
	if err != nil {
		return nil, nil, err
	}
	if _, err := s.RequireEndpoint(); err != nil {
		return nil, nil, err
	}
	// Names are checked before any request: ".." or a "/" would address
	// another resource.
	if needDatabase {
		if _, err := s.RequireDatabase(); err != nil {
			return nil, nil, err
		}
		if err := cosmos.ValidateName("-d/--database", s.Database); err != nil {
			return nil, nil, err
		}
	}
	if needContainer {
		if _, err := s.RequireContainer(); err != nil {
			return nil, nil, err
		}
		if err := cosmos.ValidateName("-c/--container", s.Container); err != nil {
			return nil, nil, err
		}
	}
	c, err := f.CosmosClient(ctx)
	if err != nil {
		return nil, nil, cosmos.Explain(err, "connect")
	}
	return c, s, nil
}

// queryOutputOptions are the printer options for this invocation.
func queryOutputOptions(ctx context.Context, f *DataDeps, s *config.Settings) output.Options {
	io := f.IOStreams
	jq, slurp := f.JQ()
	return output.Options{
		Format: s.Output, JQ: jq, JQSlurp: slurp,
		TTY: io.IsStdoutTTY(), Width: io.TerminalWidth(), Color: io.ColorEnabled(),
		Context: ctx,
	}
}

// queryPrinterError turns printer construction errors into usage errors.
func queryPrinterError(err error) error {
	var fe *output.FormatError
	var je *output.JQError
	if errors.As(err, &fe) || (errors.As(err, &je) && !je.Runtime) {
		return errs.Usage("%v", err)
	}
	return err
}

// queryIsJSONFormat reports whether results print as a JSON array.
func queryIsJSONFormat(f *DataDeps, s *config.Settings) bool {
	return s.Output == "json" || (s.Output == "" && !f.IOStreams.IsStdoutTTY())
}

// queryWarnDropped tells stderr about table columns that appeared too late.
func queryWarnDropped(f *DataDeps, p output.Printer) {
	if cr, ok := p.(output.ColumnReporter); ok {
		if d := cr.DroppedColumns(); len(d) > 0 {
			fmt.Fprintf(f.IOStreams.ErrOut, "note: columns first seen after the first %d results were not shown: %s (use -o json)\n", output.ColumnWindow, strings.Join(d, ", "))
		}
	}
}

func queryRun(o *QueryOptions) error {
	f := &o.DataDeps
	ctx := o.ctx
	if ctx == nil {
		ctx = context.Background()
	}
	sql, err := queryText(o)
	if err != nil {
		return err
	}
	if sql == "" {
		return errs.Usage("no query: pass SQL as an argument, -f FILE, or - to read stdin")
	}
	params, err := cosmos.ParseParams(o.Params, o.ParamFile)
	if err != nil {
		return err
	}
	switch {
	case o.MaxItems < 0:
		return errs.Usage("--max-items must be positive")
	case o.PageSize < -1 || o.PageSize > 1<<30:
		return errs.Usage("--page-size must be positive (or -1 for the server's dynamic size)")
	case o.MaxConcurrency < 0 || o.MaxConcurrency > 256:
		return errs.Usage("--max-concurrency must be between 1 and 256")
	}
	spec := query.Spec{Query: sql, Params: params, PageSize: int32(o.PageSize), MaxConcurrency: o.MaxConcurrency,
		MaxItems: o.MaxItems, Continuation: strings.TrimSpace(o.Continuation), IndexMetrics: o.IndexMetrics}
	if o.pkGiven || o.PartitionKey != "" {
		pk, err := cosmos.ParsePartitionKey(o.PartitionKey)
		if err != nil {
			return err
		}
		key := pk.SDK()
		spec.PartitionKey, spec.PartitionKeyJSON = &key, pk.JSON()
	}
	ctx, cancel := f.WithTimeout(ctx)
	defer cancel()
	client, s, err := queryClientFor(ctx, f, true, true)
	if err != nil {
		return err
	}
	spec.Database, spec.Container = s.Database, s.Container
	oo := queryOutputOptions(ctx, f, s)
	if o.WithMeta && !queryIsJSONFormat(f, s) {
		return errs.Usage("--with-meta needs -o json")
	}
	what := fmt.Sprintf("query %s/%s", spec.Database, spec.Container)
	runner := &query.Runner{Backend: query.NewCosmosBackend(client), Notice: func(msg string) { fmt.Fprintln(f.IOStreams.ErrOut, msg) }}

	// --with-meta streams the results into an envelope whose charge and
	// continuation follow the items.
	var printer output.Printer
	var env *output.EnvelopePrinter
	var emit func(json.RawMessage) error
	if o.WithMeta {
		env, err = output.NewEnvelope(f.IOStreams.Out, oo)
		if err == nil {
			emit = env.Print
		}
	} else {
		printer, err = output.New(f.IOStreams.Out, oo)
		if err == nil {
			emit = printer.Print
		}
	}
	if err != nil {
		return queryPrinterError(err)
	}
	closePrinter := func(out *query.Outcome) error {
		if env == nil {
			defer queryWarnDropped(f, printer)
			return printer.Close()
		}
		meta, err := query.NewMeta(out, o.Metrics || o.IndexMetrics).Fields()
		if err != nil {
			return err
		}
		return env.Finish(meta)
	}
	out, runErr := runner.Run(ctx, spec, emit)
	// A failure before any result prints nothing on stdout (not even "[]"),
	// so a script never mistakes an error for an empty result.
	if runErr == nil || (out != nil && out.Written > 0) {
		if cerr := closePrinter(out); cerr != nil && runErr == nil {
			runErr = cerr
		}
	}
	if runErr != nil {
		var ue *query.UsageError
		if errors.As(runErr, &ue) {
			return errs.Usage("%s", ue.Msg)
		}
		err := cosmos.Explain(runErr, what)
		var ce *errs.Error
		if out != nil && out.Written > 0 && errors.As(err, &ce) {
			ce.Msg += fmt.Sprintf(" (%d results were already written)", out.Written)
		}
		queryPrintStats(f, o, out)
		return err
	}
	queryPrintStats(f, o, out)
	if out.Continuation != "" {
		fmt.Fprintf(f.IOStreams.ErrOut, "continuation: %s\n", out.Continuation)
		if f.IOStreams.IsStderrTTY() {
			fmt.Fprintln(f.IOStreams.ErrOut, "(more results: rerun with --continuation TOKEN)")
		}
	}
	return nil
}

// queryPrintStats writes the charge summary (and metrics) on stderr.
func queryPrintStats(f *DataDeps, o *QueryOptions, out *query.Outcome) {
	if out == nil || o.WithMeta {
		return
	}
	w := f.IOStreams.ErrOut
	if o.ShowCharge || f.IOStreams.IsStderrTTY() {
		fmt.Fprintf(w, "request charge: %.2f RU, %d results, %d pages, %d round trips\n", out.Stats.Charge, out.Written, out.Stats.Pages, out.Stats.RoundTrips)
	}
	if o.Metrics {
		fmt.Fprintf(w, "%-8s %6s %10s %10s %10s %12s\n", "RANGE", "PAGES", "RU", "RETRIEVED", "OUTPUT", "EXEC_MS")
		for _, r := range out.Stats.Ranges {
			fmt.Fprintf(w, "%-8s %6d %10.2f %10.0f %10.0f %12.2f\n", r.Range, r.Pages, r.Charge,
				r.Metrics["retrievedDocumentCount"], r.Metrics["outputDocumentCount"], r.Metrics["totalExecutionTimeInMs"])
		}
	}
	if o.IndexMetrics {
		for _, r := range out.Stats.Ranges {
			for _, im := range r.IndexMetrics {
				fmt.Fprintf(w, "index metrics (range %s): %s\n", r.Range, im)
			}
		}
	}
}
