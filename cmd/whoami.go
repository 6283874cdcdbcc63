package cmd

import (
	"github.com/spf13/cobra"

	"github.com/cosmosctl/cosmosctl/internal/cmdutil"
)

// WhoamiOptions are the parsed flags of `cosmosctl whoami`.
type WhoamiOptions struct {
	Factory *cmdutil.Factory
	Refresh bool
}

// NewCmdWhoami builds `cosmosctl whoami`.
func NewCmdWhoami(f *cmdutil.Factory, runF func(*WhoamiOptions) error) *cobra.Command {
	opts := &WhoamiOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "whoami",
		Short: "Show who you are signed in as, for which account and until when",
		Long: `Show the signed-in principal (user or application), object ID, tenant, sign-in method,
token audience and expiry, scopes or roles, group count, where tokens are stored, and the
profile and endpoint in use. The cached token is decoded locally; --refresh asks Entra ID
for a fresh one first. Exits 3 when not signed in.`,
		Example: "  cosmosctl whoami\n  cosmosctl whoami -o json | jq -r .upn",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(opts)
			}
			return notYet("whoami")
		},
	}
	cmd.Flags().BoolVar(&opts.Refresh, "refresh", false, "Get a fresh token from Entra ID before showing it")
	return cmd
}
