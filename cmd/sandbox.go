package cmd

import (
	"github.com/spf13/cobra"

	"github.com/cosmosctl/cosmosctl/internal/cmdutil"
)

// NewCmdSandbox builds `cosmosctl sandbox`.
func NewCmdSandbox(f *cmdutil.Factory) *cobra.Command {
	return &cobra.Command{
		Use:   "sandbox",
		Short: "Run a local Entra ID and Cosmos DB gateway for trying cosmosctl and for CI",
		Long: `Start a local Microsoft Entra ID and a Cosmos DB-compatible gateway on loopback, over HTTPS
with a generated CA, with real token checks and data-plane RBAC, seeded with demo data.
It writes DIR/sandbox.json and a "sandbox" profile, then runs until Ctrl-C.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error { return notYet("sandbox") },
	}
}
