package cmd

import (
	"github.com/spf13/cobra"

	"github.com/cosmosctl/cosmosctl/internal/cmdutil"
)

// DoctorOptions are the parsed flags of `cosmosctl doctor`.
type DoctorOptions struct {
	Factory *cmdutil.Factory
}

// NewCmdDoctor builds `cosmosctl doctor`.
func NewCmdDoctor(f *cmdutil.Factory, runF func(*DoctorOptions) error) *cobra.Command {
	opts := &DoctorOptions{Factory: f}
	return &cobra.Command{
		Use:   "doctor",
		Short: "Check configuration, keyring, sign-in, network and permissions, and say what to fix",
		Long: `Run every check between you and your data, in order, and stop at the first failure
with its cause and fix: configuration and profile, keyring, token cache and sign-in,
DNS/TLS to Entra ID and to the account, the token audience, and data-plane roles.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(opts)
			}
			return notYet("doctor")
		},
	}
}
