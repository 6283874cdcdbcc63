package cmd

import (
	"github.com/spf13/cobra"

	"github.com/cosmosctl/cosmosctl/internal/cmdutil"
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
			if runF != nil {
				return runF(opts)
			}
			return notYet("query")
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
