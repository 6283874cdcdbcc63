package cmd

import (
	"github.com/spf13/cobra"

	"github.com/cosmosctl/cosmosctl/internal/cmdutil"
)

// LoginOptions are the parsed flags of `cosmosctl login`.
type LoginOptions struct {
	Factory          *cmdutil.Factory
	Tenant           string
	ClientID         string
	AzureCLI         bool
	ServicePrincipal bool
	ClientSecret     string
	Certificate      string
	ManagedIdentity  bool
	WorkloadIdentity bool
	Env              bool
	Key              bool
	SaveKey          bool
	NoBrowser        bool
	InsecureStorage  bool
	Audience         string
}

// NewCmdLogin builds `cosmosctl login`.
func NewCmdLogin(f *cmdutil.Factory, runF func(*LoginOptions) error) *cobra.Command {
	opts := &LoginOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "login",
		Short: "Sign in with Microsoft Entra ID (device code, Azure CLI, service principal, managed or workload identity)",
		Long: `Sign in once; later commands get tokens silently from the keyring-protected cache.

Methods:
  (default)            device code: open the shown URL on any device and enter the code
  --azure-cli          reuse the Azure CLI's sign-in (az login); az runs at most once per token lifetime
  --service-principal  --client-id with --client-secret (or AZURE_CLIENT_SECRET) or --certificate FILE
  --managed-identity   the Azure managed identity of this machine (--client-id for a user-assigned one)
  --workload-identity  a federated token file (AZURE_CLIENT_ID, AZURE_TENANT_ID, AZURE_FEDERATED_TOKEN_FILE)
  --env                the standard AZURE_* variables, nothing stored (the CI default)
  --key                an account key from COSMOSCTL_KEY or stdin (never stored unless --save-key)

Tokens are stored encrypted with a key kept in the OS keyring. Where no keyring is available,
--insecure-storage keeps them in a plaintext file (mode 0600) instead.`,
		Example: `  cosmosctl login
  cosmosctl --profile sandbox login
  cosmosctl login --service-principal --tenant TENANT --client-id APPID --client-secret "$SECRET"
  cosmosctl login --workload-identity`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(opts)
			}
			return notYet("login")
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Tenant, "tenant", "", "Entra tenant ID or domain (default: the profile's, else organizations)")
	fl.StringVar(&opts.ClientID, "client-id", "", "Application (client) ID")
	fl.BoolVar(&opts.AzureCLI, "azure-cli", false, "Use the Azure CLI's credential")
	fl.BoolVar(&opts.ServicePrincipal, "service-principal", false, "Sign in as a service principal")
	fl.StringVar(&opts.ClientSecret, "client-secret", "", "Service principal secret (prefer AZURE_CLIENT_SECRET)")
	fl.StringVar(&opts.Certificate, "certificate", "", "Service principal certificate file (PEM or PKCS#12)")
	fl.BoolVar(&opts.ManagedIdentity, "managed-identity", false, "Use the Azure managed identity")
	fl.BoolVar(&opts.WorkloadIdentity, "workload-identity", false, "Use a federated workload identity token file")
	fl.BoolVar(&opts.Env, "env", false, "Use the standard AZURE_* environment variables")
	fl.BoolVar(&opts.Key, "key", false, "Use an account key (COSMOSCTL_KEY or stdin)")
	fl.BoolVar(&opts.SaveKey, "save-key", false, "With --key: keep the key in the token store")
	fl.BoolVar(&opts.NoBrowser, "no-browser", false, "Do not open a browser for the device code")
	fl.BoolVar(&opts.InsecureStorage, "insecure-storage", false, "Store tokens in a plaintext file when no keyring is available")
	fl.StringVar(&opts.Audience, "audience", "", "Token audience: the account host (default) or https://cosmos.azure.com")
	return cmd
}
