package cmd

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/data/azcosmos"
	"github.com/spf13/cobra"

	"github.com/cosmosctl/cosmosctl/internal/cmdutil"
	"github.com/cosmosctl/cosmosctl/internal/cosmos"
	"github.com/cosmosctl/cosmosctl/internal/errs"
	"github.com/cosmosctl/cosmosctl/internal/query"
	"github.com/cosmosctl/cosmosctl/output"
)

// QueryOptions are the parsed flags of `cosmosctl query`.
type QueryOptions struct {
	Factory        *cmdutil.Factory
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
	opts := &QueryOptions{Factory: f}
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
	in := o.Factory.IOStreams.In
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

// queryParseParams applies the --param rules of the issue: VALUE is JSON when it
// is a JSON number, true, false, null, or starts with {, [ or "; else a
// plain string. --param overrides --param-file. Sorted by name.
func queryParseParams(params []string, paramFile string) ([]azcosmos.QueryParameter, error) {
	vals := map[string]json.RawMessage{}
	if paramFile != "" {
		b, err := os.ReadFile(paramFile)
		if err != nil {
			return nil, errs.Usage("--param-file: cannot read %s: %v", paramFile, err)
		}
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(b, &obj); err != nil || obj == nil {
			msg := "not a JSON object"
			if err != nil {
				msg = err.Error()
			}
			return nil, errs.Usage("--param-file %s: %s (want {\"@name\": value, …})", paramFile, msg)
		}
		for k, v := range obj {
			if !strings.HasPrefix(k, "@") || len(k) < 2 {
				return nil, errs.Usage("--param-file %s: parameter name %q must start with @", paramFile, k)
			}
			vals[k] = v
		}
	}
	for _, p := range params {
		name, value, ok := strings.Cut(p, "=")
		if !ok {
			return nil, errs.Usage("--param %q: want @name=VALUE", p)
		}
		if !strings.HasPrefix(name, "@") || len(name) < 2 {
			return nil, errs.Usage("--param %q: the name must start with @ (e.g. --param @city=Oslo)", p)
		}
		raw, err := queryParamValue(value)
		if err != nil {
			return nil, errs.Usage("--param %s: %v", name, err)
		}
		vals[name] = raw
	}
	names := make([]string, 0, len(vals))
	for k := range vals {
		names = append(names, k)
	}
	sort.Strings(names)
	out := make([]azcosmos.QueryParameter, 0, len(names))
	for _, n := range names {
		out = append(out, azcosmos.QueryParameter{Name: n, Value: vals[n]})
	}
	return out, nil
}

func queryParamValue(v string) (json.RawMessage, error) {
	t := strings.TrimSpace(v)
	if t != "" && (t[0] == '{' || t[0] == '[' || t[0] == '"') {
		if !json.Valid([]byte(t)) {
			var x any
			err := json.Unmarshal([]byte(t), &x)
			return nil, fmt.Errorf("value %s starts like JSON but does not parse: %v (quote it for the shell, e.g. '\"text\"')", v, err)
		}
		var buf bytes.Buffer
		_ = json.Compact(&buf, []byte(t))
		return buf.Bytes(), nil
	}
	switch t {
	case "true", "false", "null":
		return json.RawMessage(t), nil
	}
	if queryIsJSONNumber(t) {
		return json.RawMessage(t), nil
	}
	b, _ := json.Marshal(v)
	return b, nil
}

func queryIsJSONNumber(s string) bool {
	if s == "" || !(s[0] == '-' || (s[0] >= '0' && s[0] <= '9')) {
		return false
	}
	var n json.Number
	return json.Unmarshal([]byte(s), &n) == nil
}

// queryParsePK parses --pk: a JSON scalar, a JSON array (hierarchical key) or
// a bare word (a string). It returns the SDK key and its canonical JSON.
// Strings azcosmos would encode as invalid JSON (it uses QuoteToASCII:
// astral-plane and control characters) are refused rather than sent.
func queryParsePK(v string) (azcosmos.PartitionKey, string, error) {
	t := strings.TrimSpace(v)
	var comps []json.RawMessage
	if t != "" && json.Valid([]byte(t)) && (t[0] == '[' || t[0] == '"' || t[0] == '{' || t == "true" || t == "false" || t == "null" || queryIsJSONNumber(t)) {
		switch t[0] {
		case '[':
			if err := json.Unmarshal([]byte(t), &comps); err != nil {
				return azcosmos.PartitionKey{}, "", errs.Usage("--pk %s: %v", v, err)
			}
			if len(comps) == 0 {
				return azcosmos.PartitionKey{}, "", errs.Usage("--pk []: a hierarchical key needs at least one component")
			}
		case '{':
			return azcosmos.PartitionKey{}, "", errs.Usage("--pk %s: a partition key is a string, number, boolean, null or an array of them", v)
		default:
			comps = []json.RawMessage{json.RawMessage(t)}
		}
	} else {
		b, _ := json.Marshal(v)
		comps = []json.RawMessage{b}
	}
	pk := azcosmos.NewPartitionKey()
	var canon []string
	for _, c := range comps {
		c = bytes.TrimSpace(c)
		switch {
		case len(c) == 0:
			return azcosmos.PartitionKey{}, "", errs.Usage("--pk %s: empty component", v)
		case c[0] == '"':
			var s string
			if err := json.Unmarshal(c, &s); err != nil {
				return azcosmos.PartitionKey{}, "", errs.Usage("--pk %s: %v", v, err)
			}
			if err := queryCheckPKString(s); err != nil {
				return azcosmos.PartitionKey{}, "", err
			}
			pk = pk.AppendString(s)
		case string(c) == "true" || string(c) == "false":
			pk = pk.AppendBool(string(c) == "true")
		case string(c) == "null":
			pk = pk.AppendNull()
		case c[0] == '-' || (c[0] >= '0' && c[0] <= '9'):
			f, err := strconv.ParseFloat(string(c), 64)
			if err != nil {
				return azcosmos.PartitionKey{}, "", errs.Usage("--pk %s: %v", v, err)
			}
			if i, ierr := strconv.ParseInt(string(c), 10, 64); ierr == nil && (i > 1<<53 || i < -(1<<53)) {
				return azcosmos.PartitionKey{}, "", errs.Usage("--pk %s: integers beyond ±2^53 lose precision in the partition key header; the SDK cannot address this key exactly", string(c))
			}
			pk = pk.AppendNumber(f)
		default:
			return azcosmos.PartitionKey{}, "", errs.Usage("--pk %s: components must be strings, numbers, booleans or null", v)
		}
		canon = append(canon, string(c))
	}
	return pk, "[" + strings.Join(canon, ",") + "]", nil
}

// queryCheckPKString refuses strings azcosmos would put into the header as
// invalid JSON (cosmos-wire §8: strconv.QuoteToASCII).
func queryCheckPKString(s string) error {
	q := strconv.QuoteToASCII(s)
	var back string
	if json.Unmarshal([]byte(q), &back) == nil && back == s {
		return nil
	}
	return errs.New(errs.KindUsage, nil,
		"the Go SDK encodes such keys as invalid JSON; use another tool for this item, or a key without them",
		"--pk %s: partition key strings with control characters or characters outside the Basic Multilingual Plane (e.g. emoji) cannot be sent correctly", q)
}

// queryClient resolves settings and builds the Cosmos client.
func queryClient(ctx context.Context, f *cmdutil.Factory) (*cosmos.Client, *cmdutil.Settings, error) {
	return queryClientFor(ctx, f, false, false)
}

// queryClientFor is queryClient for commands that also need a database
// (and a container): those are checked first, so a missing -d or -c is a
// usage error before anything signs in.
func queryClientFor(ctx context.Context, f *cmdutil.Factory, needDatabase, needContainer bool) (*cosmos.Client, *cmdutil.Settings, error) {
	s, err := f.Resolve()
	if err != nil {
		return nil, nil, err
	}
	if _, err := s.RequireEndpoint(); err != nil {
		return nil, nil, err
	}
	if needDatabase {
		if _, err := s.RequireDatabase(); err != nil {
			return nil, nil, err
		}
	}
	if needContainer {
		if _, err := s.RequireContainer(); err != nil {
			return nil, nil, err
		}
	}
	c, err := cosmos.NewClient(ctx, f, s)
	if err != nil {
		return nil, nil, cosmos.Explain(err, "connect")
	}
	return c, s, nil
}

// queryOutputOptions are the printer options for this invocation.
func queryOutputOptions(ctx context.Context, f *cmdutil.Factory, s *cmdutil.Settings) output.Options {
	io := f.IOStreams
	return output.Options{
		Format: s.Output, JQ: f.Flags.JQ, JQSlurp: f.Flags.JQSlurp,
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
func queryIsJSONFormat(f *cmdutil.Factory, s *cmdutil.Settings) bool {
	return s.Output == "json" || (s.Output == "" && !f.IOStreams.IsStdoutTTY())
}

// queryWarnDropped tells stderr about table columns that appeared too late.
func queryWarnDropped(f *cmdutil.Factory, p output.Printer) {
	if cr, ok := p.(output.ColumnReporter); ok {
		if d := cr.DroppedColumns(); len(d) > 0 {
			fmt.Fprintf(f.IOStreams.ErrOut, "note: columns first seen after the first %d results were not shown: %s (use -o json)\n", output.ColumnWindow, strings.Join(d, ", "))
		}
	}
}

func queryRun(o *QueryOptions) error {
	f := o.Factory
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
	params, err := queryParseParams(o.Params, o.ParamFile)
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
		pk, canon, err := queryParsePK(o.PartitionKey)
		if err != nil {
			return err
		}
		spec.PartitionKey, spec.PartitionKeyJSON = &pk, canon
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
		meta := map[string]any{
			"continuation":  nil,
			"requestCharge": out.Stats.Charge,
			"pages":         out.Stats.Pages,
			"roundTrips":    out.Stats.RoundTrips,
		}
		if out.Continuation != "" {
			meta["continuation"] = out.Continuation
		}
		if o.Metrics || o.IndexMetrics {
			meta["metrics"] = out.Stats.Ranges
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
func queryPrintStats(f *cmdutil.Factory, o *QueryOptions, out *query.Outcome) {
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
