package cmd

import (
	"github.com/spf13/cobra"

	"github.com/cosmosctl/cosmosctl/internal/cmdutil"
)

// DBListOptions are the parsed flags of `cosmosctl db list`.
type DBListOptions struct {
	Factory *cmdutil.Factory
}

// NewCmdDB builds the `cosmosctl db` group.
func NewCmdDB(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "db <command>",
		Short: "List databases",
		Args:  cobra.NoArgs,
		RunE:  func(cmd *cobra.Command, args []string) error { return cmd.Help() },
	}
	cmd.AddCommand(NewCmdDBList(f, nil))
	return cmd
}

// NewCmdDBList builds `cosmosctl db list`.
func NewCmdDBList(f *cmdutil.Factory, runF func(*DBListOptions) error) *cobra.Command {
	opts := &DBListOptions{Factory: f}
	return &cobra.Command{
		Use:     "list",
		Aliases: []string{"ls"},
		Short:   "List the account's databases",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(opts)
			}
			return notYet("db list")
		},
	}
}
