package cmd

import (
	"github.com/spf13/cobra"

	"github.com/cosmosctl/cosmosctl/internal/cmdutil"
)

// CanIOptions are the parsed arguments of `cosmosctl can-i`.
type CanIOptions struct {
	Factory *cmdutil.Factory
	Action  string
	Scope   string
	List    bool
	Quiet   bool
}

// NewCmdCanI builds `cosmosctl can-i`.
func NewCmdCanI(f *cmdutil.Factory, runF func(*CanIOptions) error) *cobra.Command {
	opts := &CanIOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "can-i ACTION [SCOPE]",
		Short: "Check whether you may perform a data-plane action",
		Long: `Check whether the signed-in principal may perform a Cosmos DB data action, by probing
the account with harmless requests (kubectl auth can-i for Cosmos DB).

ACTION is a data action or its short form: read, query, readChangeFeed, readMetadata,
create, upsert, replace, delete. SCOPE is /, /dbs/DB or /dbs/DB/colls/CONTAINER
(default: the -d and -c in effect).

Exit codes: 0 allowed, 1 denied, 7 cannot be decided without changing data.`,
		Example: "  cosmosctl can-i query /dbs/shop/colls/orders\n  cosmosctl can-i --list",
		Args:    cobra.RangeArgs(0, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				opts.Action = args[0]
			}
			if len(args) > 1 {
				opts.Scope = args[1]
			}
			if runF != nil {
				return runF(opts)
			}
			return notYet("can-i")
		},
	}
	cmd.Flags().BoolVar(&opts.List, "list", false, "Probe every action and print a table")
	cmd.Flags().BoolVarP(&opts.Quiet, "quiet", "q", false, "Print nothing; answer with the exit code only")
	return cmd
}
