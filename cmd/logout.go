package cmd

import (
	"github.com/spf13/cobra"

	"github.com/cosmosctl/cosmosctl/internal/cmdutil"
)

// LogoutOptions are the parsed flags of `cosmosctl logout`.
type LogoutOptions struct {
	Factory *cmdutil.Factory
	All     bool
}

// NewCmdLogout builds `cosmosctl logout`.
func NewCmdLogout(f *cmdutil.Factory, runF func(*LogoutOptions) error) *cobra.Command {
	opts := &LogoutOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "logout",
		Short: "Remove the profile's cached tokens from the token store and keyring",
		Long: `Remove the signed-in account of the current profile (or of every profile with --all)
from the token store. When no tokens are left, the encryption key is removed from the keyring too.`,
		Example: "  cosmosctl logout\n  cosmosctl logout --all",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(opts)
			}
			return notYet("logout")
		},
	}
	cmd.Flags().BoolVar(&opts.All, "all", false, "Sign out of every profile")
	return cmd
}
