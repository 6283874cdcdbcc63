package cmd

import (
	"github.com/spf13/cobra"

	"github.com/cosmosctl/cosmosctl/internal/cmdutil"
)

// ReadManyOptions are the parsed flags of `cosmosctl read-many`.
type ReadManyOptions struct {
	Factory *cmdutil.Factory
	IDsFile string
}

// NewCmdReadMany builds `cosmosctl read-many`.
func NewCmdReadMany(f *cmdutil.Factory, runF func(*ReadManyOptions) error) *cobra.Command {
	opts := &ReadManyOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "read-many [--ids-file FILE]",
		Short: "Read many items by id and partition key in a few requests",
		Long: `Read items named by JSON lines of {"id": ..., "pk": ...} on stdin (or --ids-file).
Missing items are reported on stderr; exits 5 only when none was found.`,
		Example: `  printf '{"id":"1","pk":"c1"}\n{"id":"2","pk":"c2"}\n' | cosmosctl read-many -d shop -c orders`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(opts)
			}
			return notYet("read-many")
		},
	}
	cmd.Flags().StringVar(&opts.IDsFile, "ids-file", "", "File of JSON lines {\"id\":…,\"pk\":…} (default stdin)")
	return cmd
}
