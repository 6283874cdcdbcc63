package cmd

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/cosmosctl/cosmosctl/auth"
	"github.com/cosmosctl/cosmosctl/auth/keyring"
	"github.com/cosmosctl/cosmosctl/auth/store"
	"github.com/cosmosctl/cosmosctl/internal/cmdutil"
	"github.com/cosmosctl/cosmosctl/internal/errs"
)

// LoginOptions are the parsed flags of `cosmosctl login`.
type LoginOptions struct {
	AuthDeps
	// Getenv reads COSMOSCTL_KEY and the browser settings.
	Getenv func(string) string
	// Login holds the flags that auth takes as they are; loginRun adds
	// the method, the key and the prompts.
	Login auth.LoginOptions
	// The method flags; at most one may be set.
	Browser          bool
	AzureCLI         bool
	ServicePrincipal bool
	ManagedIdentity  bool
	WorkloadIdentity bool
	Env              bool
	Key              bool
	// Storage is --storage: keyring, kernel or file.
	Storage string
}

// NewCmdLogin builds `cosmosctl login`.
func NewCmdLogin(f *cmdutil.Factory, runF func(*LoginOptions) error) *cobra.Command {
	opts := &LoginOptions{AuthDeps: newAuthDeps(f), Getenv: f.Getenv}
	cmd := &cobra.Command{
		Use:   "login",
		Short: "Sign in with Microsoft Entra ID (device code, browser, Azure CLI, service principal, managed or workload identity)",
		Long: `Sign in once; later commands get tokens silently from the keyring-protected cache.

Methods:
  (default)            device code: open the shown URL on any device and enter the code
  --browser            a browser sign-in redirected to http://localhost:PORT on this machine (for tenants
                       whose Conditional Access blocks the device code); BROWSER picks the browser, and
                       the URL is printed for a browser elsewhere (forward the port, see --browser-port)
  --azure-cli          reuse the Azure CLI's sign-in (az login); az runs at most once per token lifetime
  --service-principal  --client-id with --client-secret (or AZURE_CLIENT_SECRET) or --certificate FILE
  --managed-identity   the Azure managed identity of this machine (--client-id for a user-assigned one)
  --workload-identity  a federated token file (AZURE_CLIENT_ID, AZURE_TENANT_ID, AZURE_FEDERATED_TOKEN_FILE)
  --env                the standard AZURE_* variables, nothing stored (the CI default)
  --key                an account key from COSMOSCTL_KEY or stdin (never stored unless --save-key)

Tokens are stored encrypted with a key kept in the OS keyring (Secret Service on Linux, the
Keychain on macOS, the Credential Manager on Windows). Where no Secret Service runs (servers, WSL,
containers, SSH sessions), --storage kernel keeps the key in the Linux kernel keyring instead
(memory only: signed out at reboot; remembered by the profile), and --insecure-storage keeps the
tokens in a plaintext file (mode 0600).`,
		Example: `  cosmosctl login
  cosmosctl --profile sandbox login
  cosmosctl login --browser
  cosmosctl login --service-principal --tenant TENANT --client-id APPID --client-secret "$SECRET"
  cosmosctl login --workload-identity`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(opts)
			}
			return loginRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Login.Tenant, "tenant", "", "Entra tenant ID or domain (default: the profile's, else organizations)")
	fl.StringVar(&opts.Login.ClientID, "client-id", "", "Application (client) ID")
	fl.BoolVar(&opts.Browser, "browser", false, "Sign in in a browser (authorization code with PKCE on a loopback redirect)")
	fl.IntVar(&opts.Login.BrowserPort, "browser-port", 0, "With --browser: the loopback port of the redirect (default: any free port)")
	fl.BoolVar(&opts.AzureCLI, "azure-cli", false, "Use the Azure CLI's credential")
	fl.BoolVar(&opts.ServicePrincipal, "service-principal", false, "Sign in as a service principal")
	fl.StringVar(&opts.Login.ClientSecret, "client-secret", "", "Service principal secret (prefer AZURE_CLIENT_SECRET)")
	fl.StringVar(&opts.Login.CertificateFile, "certificate", "", "Service principal certificate file (PEM or PKCS#12)")
	fl.StringVar(&opts.Login.CertificatePassword, "certificate-password", "", "Password of a PKCS#12 --certificate (prefer AZURE_CLIENT_CERTIFICATE_PASSWORD)")
	fl.BoolVar(&opts.ManagedIdentity, "managed-identity", false, "Use the Azure managed identity")
	fl.BoolVar(&opts.WorkloadIdentity, "workload-identity", false, "Use a federated workload identity token file")
	fl.BoolVar(&opts.Env, "env", false, "Use the standard AZURE_* environment variables")
	fl.BoolVar(&opts.Key, "key", false, "Use an account key (COSMOSCTL_KEY or stdin)")
	fl.BoolVar(&opts.Login.SaveKey, "save-key", false, "With --key: keep the key in the token store")
	fl.BoolVar(&opts.Login.NoBrowser, "no-browser", false, "Do not open a browser (the URL is printed)")
	fl.BoolVar(&opts.Login.InsecureStorage, "insecure-storage", false, "Store tokens in a plaintext file when no keyring is available")
	fl.StringVar(&opts.Storage, "storage", "", "Where the token store's key lives: keyring (the OS keyring), kernel (the Linux kernel keyring) or file (= --insecure-storage)")
	fl.StringVar(&opts.Login.Audience, "audience", "", "Token audience: the account host (default) or https://cosmos.azure.com")
	return cmd
}

// loginMethod maps the method flags to one method; more than one is a
// usage error.
func loginMethod(o *LoginOptions) (string, error) {
	var picked []string
	for _, m := range []struct {
		set  bool
		flag string
	}{
		{o.Browser, "--browser"},
		{o.AzureCLI, "--azure-cli"},
		{o.ServicePrincipal, "--service-principal"},
		{o.ManagedIdentity, "--managed-identity"},
		{o.WorkloadIdentity, "--workload-identity"},
		{o.Env, "--env"},
		{o.Key, "--key"},
	} {
		if m.set {
			picked = append(picked, m.flag)
		}
	}
	if len(picked) > 1 {
		return "", errs.Usage("choose one sign-in method, not %s", strings.Join(picked, " and "))
	}
	switch {
	case o.Browser:
		return auth.MethodBrowser, nil
	case o.AzureCLI:
		return auth.MethodAzureCLI, nil
	case o.ServicePrincipal:
		return auth.MethodServicePrincipal, nil
	case o.ManagedIdentity:
		return auth.MethodManagedIdentity, nil
	case o.WorkloadIdentity:
		return auth.MethodWorkloadIdentity, nil
	case o.Env:
		return auth.MethodEnv, nil
	case o.Key:
		return auth.MethodKey, nil
	}
	return "", nil
}

func loginRun(ctx context.Context, o *LoginOptions) error {
	method, err := loginMethod(o)
	if err != nil {
		return err
	}
	lo := o.Login
	if lo.SaveKey && !o.Key {
		return errs.Usage("--save-key needs --key")
	}
	if (lo.ClientSecret != "" || lo.CertificateFile != "") && !o.ServicePrincipal {
		return errs.Usage("--client-secret and --certificate need --service-principal")
	}
	if lo.CertificatePassword != "" && lo.CertificateFile == "" {
		return errs.Usage("--certificate-password needs --certificate")
	}
	switch o.Storage {
	case "":
	case string(store.KindKeyring), string(store.KindKernel), string(store.KindPlaintext):
		if lo.InsecureStorage && o.Storage != string(store.KindPlaintext) {
			return errs.Usage("--insecure-storage and --storage %s contradict each other", o.Storage)
		}
		if o.Storage == string(store.KindKernel) && !keyring.KernelSupported() {
			return errs.Usage("--storage kernel needs Linux (the kernel keyring); here the OS keyring holds the key")
		}
		lo.Storage = store.Kind(o.Storage)
	default:
		return errs.Usage("--storage must be keyring, kernel or file, not %q", o.Storage)
	}
	if lo.BrowserPort != 0 && !o.Browser {
		return errs.Usage("--browser-port needs --browser")
	}
	if lo.BrowserPort < 0 || lo.BrowserPort > 65535 {
		return errs.Usage("--browser-port must be a port number (1-65535), not %d", lo.BrowserPort)
	}
	sess, err := o.AuthSession()
	if err != nil {
		return err
	}
	ctx, cancel := o.WithTimeout(ctx)
	defer cancel()

	lo.Method = method
	lo.Prompt = o.IOStreams.ErrOut
	lo.OpenBrowser = auth.BrowserOpener(o.Getenv, o.IOStreams)
	if method == auth.MethodKey {
		if lo.Key, err = loginReadKey(o); err != nil {
			return err
		}
	}
	res, err := sess.Login(ctx, lo)
	if err != nil {
		return err
	}
	loginReport(o.IOStreams.ErrOut, sess, res)
	return nil
}

// loginReadKey takes the key from COSMOSCTL_KEY or stdin, never from a
// flag (flags end up in shell history and process listings).
func loginReadKey(o *LoginOptions) (string, error) {
	if k := strings.TrimSpace(o.Getenv("COSMOSCTL_KEY")); k != "" {
		return k, nil
	}
	if o.IOStreams.IsStdinTTY() {
		return "", errs.Usage("--key reads the account key from COSMOSCTL_KEY or stdin: set the variable or pipe the key in")
	}
	b, err := io.ReadAll(io.LimitReader(o.IOStreams.In, 4096))
	if err != nil {
		return "", fmt.Errorf("read the key from stdin: %w", err)
	}
	return strings.TrimSpace(string(b)), nil
}

func loginReport(w io.Writer, sess *auth.Session, res *auth.LoginResult) {
	a := res.Account
	who := a.Username
	if who == "" && res.Claims != nil {
		who = res.Claims.Principal()
	}
	switch {
	case a.Method == auth.MethodKey && res.EmulatorKey:
		fmt.Fprintf(w, "Using the well-known Cosmos DB emulator key for profile %s.\n", sess.Profile())
	case a.Method == auth.MethodKey:
		fmt.Fprintf(w, "Using an account key for profile %s.\n", sess.Profile())
	case who != "":
		fmt.Fprintf(w, "Signed in to profile %s as %s (%s).\n", sess.Profile(), who, a.Method)
	default:
		fmt.Fprintf(w, "Signed in to profile %s (%s).\n", sess.Profile(), a.Method)
	}
	switch res.Storage {
	case store.KindPlaintext:
		fmt.Fprintf(w, "! Tokens are saved in plain text: %s\n", res.Location)
	case store.KindMemory:
		if a.Method == auth.MethodKey {
			fmt.Fprintln(w, "The key was not saved: set COSMOSCTL_KEY for later commands, or use --save-key.")
		} else {
			fmt.Fprintln(w, "Nothing was stored: later commands get tokens from this environment again.")
		}
	default:
		fmt.Fprintf(w, "Tokens are stored in a %s.\n", res.Location)
	}
}
