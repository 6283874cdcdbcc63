package cmd

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/cosmosctl/cosmosctl/internal/cmdutil"
)

func versionLine(b cmdutil.BuildInfo) string {
	return fmt.Sprintf("cosmosctl %s (commit %s, built %s)", b.Version, b.Commit, b.Date)
}

// NewCmdVersion builds `cosmosctl version`.
func NewCmdVersion(f *cmdutil.Factory) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version, commit and build date",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			_, err := fmt.Fprintln(f.IOStreams.Out, versionLine(f.Build))
			return err
		},
	}
}
