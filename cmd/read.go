package cmd

import (
	"github.com/spf13/cobra"

	"github.com/cosmosctl/cosmosctl/internal/cmdutil"
)

// ReadOptions are the parsed flags of `cosmosctl read`.
type ReadOptions struct {
	Factory      *cmdutil.Factory
	ID           string
	PartitionKey string
	WithMeta     bool
}

// NewCmdRead builds `cosmosctl read` (alias get).
func NewCmdRead(f *cmdutil.Factory, runF func(*ReadOptions) error) *cobra.Command {
	opts := &ReadOptions{Factory: f}
	cmd := &cobra.Command{
		Use:     "read ID --pk VALUE",
		Aliases: []string{"get"},
		Short:   "Read one item by id and partition key (a point read)",
		Long: `Read one item exactly as stored: key order, numbers and unicode intact.
--pk is a JSON scalar, or a JSON array for hierarchical partition keys; a bare word is a string.
Exits 5 when the item does not exist.`,
		Example: "  cosmosctl read order-1 --pk c1 -d shop -c orders\n  cosmosctl get evt-9 --pk '[\"contoso\",\"u1\"]' -d shop -c events -o json",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.ID = args[0]
			if runF != nil {
				return runF(opts)
			}
			return notYet("read")
		},
	}
	cmd.Flags().StringVar(&opts.PartitionKey, "pk", "", "Partition key value (required)")
	cmd.Flags().BoolVar(&opts.WithMeta, "with-meta", false, "Include etag and request charge (json output)")
	return cmd
}
