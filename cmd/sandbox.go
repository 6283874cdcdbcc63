package cmd

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/cosmosctl/cosmosctl/internal/cmdutil"
	"github.com/cosmosctl/cosmosctl/internal/config"
	"github.com/cosmosctl/cosmosctl/internal/errs"
	"github.com/cosmosctl/cosmosctl/internal/sandbox"
	"github.com/cosmosctl/cosmosctl/internal/sandbox/seed"
)

// SandboxOptions are the parsed flags of `cosmosctl sandbox`.
type SandboxOptions struct {
	Factory           *cmdutil.Factory
	Dir               string
	SeedFile          string
	Listen            string
	EntraListen       string
	AutoApprove       string
	TokenLifetime     time.Duration
	Faults            []string
	LocalAuthDisabled bool
	Log               string // request log file, "-" = standard output
	Persist           bool
}

// NewCmdSandbox builds `cosmosctl sandbox`.
func NewCmdSandbox(f *cmdutil.Factory) *cobra.Command { return newCmdSandbox(f, nil) }

func newCmdSandbox(f *cmdutil.Factory, runF func(*SandboxOptions) error) *cobra.Command {
	opts := &SandboxOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "sandbox",
		Short: "Run a local Entra ID and Cosmos DB gateway for trying cosmosctl and for CI",
		Long: `Start a local Microsoft Entra ID and a Cosmos DB-compatible gateway on loopback, over HTTPS
with a generated CA, with real token checks and data-plane RBAC, seeded with demo data.
It writes DIR/sandbox.json and a profile ("sandbox", or the one named by --profile),
then runs until Ctrl-C. One sandbox per profile: a second sandbox refuses a profile
whose sandbox is still running.

With --dir, the directory keeps the CA, the token signing keys, the refresh tokens,
the account key and the ports: restarting in the same directory signs no one out;
--persist also keeps the documents.
A stopped sandbox's profile stays (commands report "connection refused") until the
sandbox is started again.

Demo principals: alice (Data Reader on /), bob (no role), carol (Data Contributor on
/dbs/shop/colls/orders), dave (custom "Order reader" on /dbs/shop), erin (via a group,
Data Reader on /dbs/shop/colls/products), ci (service principal) and mi (managed identity).`,
		Example: `  cosmosctl sandbox
  cosmosctl sandbox --dir ./sb --auto-approve alice --token-lifetime 2m
  cosmosctl sandbox --seed seed.json --listen 127.0.0.1:8081 --entra-listen 127.0.0.1:8443
  cosmosctl sandbox --fault throttle=0.3 --fault seed=1
  cosmosctl --profile sb2 sandbox --dir ./sb2 --persist --log -
  cosmosctl sandbox approve --dir ./sb --user alice ABCD-EFGH`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(opts)
			}
			return runSandbox(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Dir, "dir", "", "Directory for the CA, certificates and sandbox.json (default: a new directory under the user cache dir, removed on exit)")
	fl.StringVar(&opts.SeedFile, "seed", "", "Seed file (JSON) with tenant, principals, databases, items and roles (default: the built-in demo)")
	fl.StringVar(&opts.Listen, "listen", sandbox.DefaultListen, "Loopback address of the Cosmos DB gateway")
	fl.StringVar(&opts.EntraListen, "entra-listen", sandbox.DefaultListen, "Loopback address of Entra ID")
	fl.StringVar(&opts.AutoApprove, "auto-approve", "", "Approve every device code (on its first poll) and browser sign-in (at once, no page) as this user")
	fl.DurationVar(&opts.TokenLifetime, "token-lifetime", time.Hour, "Access-token lifetime")
	fl.StringArrayVar(&opts.Faults, "fault", nil, "Inject gateway faults: throttle=0.3, latency=20ms, reset=0.05, unavailable=0.1, seed=N (repeatable)")
	fl.BoolVar(&opts.LocalAuthDisabled, "local-auth-disabled", false, "Refuse account-key requests, like an account with local auth disabled")
	fl.BoolVar(&opts.Persist, "persist", false, "With --dir: keep the containers' documents in DIR/data.json across restarts (default: every start begins from the seed)")
	fl.StringVar(&opts.Log, "log", "", "Write one line per request served (time, service, principal, method, path, status, substatus, RU, duration) to FILE, or - for standard output")
	cmd.AddCommand(newCmdSandboxApprove(f, nil), newCmdSandboxFederatedToken(f, nil))
	return cmd
}

func runSandbox(ctx context.Context, opts *SandboxOptions) error {
	f := opts.Factory
	if opts.TokenLifetime <= 0 {
		return errs.Usage("--token-lifetime must be positive, e.g. 1h or 30s (got %s)", opts.TokenLifetime)
	}
	if opts.Persist && opts.Dir == "" {
		return errs.Usage("--persist needs --dir: without it the directory is removed on exit")
	}
	var sd *seed.Seed
	if opts.SeedFile != "" {
		s, err := seed.Load(opts.SeedFile)
		if err != nil {
			return errs.New(errs.KindUsage, err, "see the seed format in the README", "%s", err.Error())
		}
		sd = s
	}
	dir := opts.Dir
	if dir == "" {
		d, err := defaultSandboxDir(f.Getenv)
		if err != nil {
			return err
		}
		dir = d
		// A directory we named is this run's alone: its CA and keys are
		// useless once the sandbox stops, so do not leave one per run.
		defer os.RemoveAll(dir)
	}
	cfgDir, err := f.ConfigDir()
	if err != nil {
		return err
	}
	var reqLog io.Writer
	switch opts.Log {
	case "":
	case "-":
		reqLog = f.IOStreams.Out
	default:
		lf, err := os.OpenFile(opts.Log, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
		if err != nil {
			return errs.New(errs.KindUsage, err, "pass a writable file, or - for standard output", "--log: %v", err)
		}
		defer lf.Close()
		reqLog = lf
	}
	profile := ""
	if f.Flags != nil {
		profile = f.Flags.Profile
	}
	sb, err := sandbox.Start(ctx, sandbox.Options{
		Dir: dir, Seed: sd, Listen: opts.Listen, EntraListen: opts.EntraListen,
		AutoApprove: opts.AutoApprove, TokenLifetime: opts.TokenLifetime, Faults: opts.Faults,
		LocalAuthDisabled: opts.LocalAuthDisabled, ConfigDir: cfgDir, Profile: profile,
		ErrorLog: debugWriter(f), RequestLog: reqLog, Persist: opts.Persist,
	})
	if err != nil {
		return err
	}
	printSandboxSummary(f.IOStreams.ErrOut, sb, opts, cfgDir)
	waitErr := sb.Wait(ctx)
	closeErr := sb.Close()
	if waitErr != nil {
		return waitErr
	}
	if closeErr != nil {
		return fmt.Errorf("stop the sandbox: %w", closeErr)
	}
	fmt.Fprintln(f.IOStreams.ErrOut, "Sandbox stopped.")
	// The profile stays: commands on it get "connection refused" rather
	// than a silently different sandbox; say so, and how to bring it back.
	if opts.Dir != "" {
		fmt.Fprintf(f.IOStreams.ErrOut, "Profile %q still points at it: commands report \"connection refused\" until `cosmosctl --profile %s sandbox --dir %s` runs again (same ports, same sign-ins).\n", sb.Profile, sb.Profile, sb.Dir)
	} else {
		fmt.Fprintf(f.IOStreams.ErrOut, "Profile %q points at this stopped sandbox, whose directory is gone: start a new one to replace it.\n", sb.Profile)
	}
	return nil
}

// defaultSandboxDir names (without creating) a fresh directory under the
// user cache dir; Start creates it once the input is valid.
func defaultSandboxDir(getenv func(string) string) (string, error) {
	base := getenv("XDG_CACHE_HOME")
	if base == "" {
		d, err := os.UserCacheDir()
		if err != nil {
			return "", errs.New(errs.KindUsage, err, "pass --dir DIR", "cannot find a cache directory for the sandbox: %v", err)
		}
		base = d
	}
	b := make([]byte, 4)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("name the sandbox directory: %w", err)
	}
	return filepath.Join(base, "cosmosctl", "sandbox-"+hex.EncodeToString(b)), nil
}

func printSandboxSummary(w io.Writer, sb *sandbox.Sandbox, opts *SandboxOptions, cfgDir string) {
	info := sb.Info()
	seedName := "built-in demo"
	if opts.SeedFile != "" {
		seedName = opts.SeedFile
	}
	fmt.Fprintf(w, "cosmosctl sandbox is running (Ctrl-C to stop)\n")
	fmt.Fprintf(w, "  Cosmos DB endpoint   %s\n", sb.Endpoint)
	fmt.Fprintf(w, "  Entra ID authority   %s  (tenant %s)\n", sb.AuthorityHost, sb.Tenant)
	fmt.Fprintf(w, "  Sign-in page         %s/devicelogin\n", sb.AuthorityHost)
	removed := ""
	if opts.Dir == "" {
		removed = ", removed on exit"
	} else if sb.Resumed {
		removed = ", kept from the last run: sign-ins still work"
	}
	fmt.Fprintf(w, "  Directory            %s  (ca.pem, sandbox.json%s)\n", sb.Dir, removed)
	current := ""
	if cfg, err := config.Load(cfgDir); err == nil && cfg.CurrentProfile == sb.Profile {
		current = " (the current profile)"
	}
	fmt.Fprintf(w, "  Profile              %q in %s%s\n", sb.Profile, filepath.Join(cfgDir, config.FileName), current)
	fmt.Fprintf(w, "  Seed                 %s\n", seedName)
	if opts.AutoApprove != "" {
		fmt.Fprintf(w, "  Device codes are approved automatically as %s.\n", opts.AutoApprove)
	}
	if len(opts.Faults) > 0 {
		fmt.Fprintf(w, "  Faults               %s\n", strings.Join(opts.Faults, ", "))
	}
	if opts.Log != "" {
		fmt.Fprintf(w, "  Request log          %s\n", opts.Log)
	}
	pf := "--profile " + sb.Profile
	// These are the sandbox's own test credentials, valid for this sandbox
	// only: printing them is how they are meant to be used.
	fmt.Fprintf(w, "\nPrincipals (test credentials of this sandbox only, shown on purpose; also in sandbox.json):\n")
	for _, p := range info.Principals {
		switch p.Kind {
		case sandbox.KindUser:
			fmt.Fprintf(w, "  %-8s user %s: cosmosctl %s login, approve the code as %s\n", p.Name, p.UPN, pf, p.Name)
		case sandbox.KindServicePrincipal:
			if p.ClientSecret != "" {
				fmt.Fprintf(w, "  %-8s service principal: AZURE_CLIENT_SECRET=%s cosmosctl %s login --service-principal --client-id %s\n", p.Name, p.ClientSecret, pf, p.ClientID)
			} else {
				fmt.Fprintf(w, "  %-8s service principal (certificate or federated): client id %s\n", p.Name, p.ClientID)
			}
		case sandbox.KindManagedIdentity:
			fmt.Fprintf(w, "  %-8s managed identity: export IDENTITY_ENDPOINT=%s IDENTITY_HEADER=%s; cosmosctl %s login --managed-identity\n", p.Name, p.IdentityEndpoint, p.IdentityHeader, pf)
		}
	}
	db, coll := "shop", "orders"
	if len(sb.Seed.Databases) > 0 && len(sb.Seed.Databases[0].Containers) > 0 {
		db, coll = sb.Seed.Databases[0].ID, sb.Seed.Databases[0].Containers[0].ID
	}
	fmt.Fprintf(w, "\nNext, in another terminal:\n")
	fmt.Fprintf(w, "  cosmosctl %s login\n", pf)
	fmt.Fprintf(w, "  cosmosctl %s query \"SELECT TOP 5 * FROM c\" -d %s -c %s\n", pf, db, coll)
	if opts.AutoApprove == "" {
		fmt.Fprintf(w, "  cosmosctl sandbox approve --dir %s --user NAME CODE   (approve a device code from a script)\n", sb.Dir)
	}
}

// SandboxApproveOptions are the parsed flags of `cosmosctl sandbox approve`.
type SandboxApproveOptions struct {
	Factory *cmdutil.Factory
	Dir     string
	User    string
	Code    string
}

func newCmdSandboxApprove(f *cmdutil.Factory, runF func(*SandboxApproveOptions) error) *cobra.Command {
	opts := &SandboxApproveOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "approve --user NAME CODE",
		Short: "Approve a pending device code as a sandbox user",
		Long: `Approve a device code shown by "cosmosctl login" (or any MSAL device-code sign-in) as one of
the sandbox's users, without the web page. --dir defaults to the directory of the
CA file of the profile given by --profile, else of the "sandbox" profile.`,
		Example: `  cosmosctl sandbox approve --dir ./sb --user alice ABCD-EFGH`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Code = args[0]
			if runF != nil {
				return runF(opts)
			}
			return runSandboxApprove(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.Dir, "dir", "", "Directory of the running sandbox (holds sandbox.json)")
	cmd.Flags().StringVar(&opts.User, "user", "", "Sandbox user to sign in as, e.g. alice (required)")
	return cmd
}

func runSandboxApprove(ctx context.Context, opts *SandboxApproveOptions) error {
	if strings.TrimSpace(opts.User) == "" {
		return errs.Usage("--user is required: the sandbox user to sign in as, e.g. --user alice")
	}
	info, err := sandboxInfo(opts.Factory, opts.Dir)
	if err != nil {
		return err
	}
	ctx, cancel := opts.Factory.WithTimeout(ctx)
	defer cancel()
	if err := info.Approve(ctx, opts.User, opts.Code); err != nil {
		return err
	}
	fmt.Fprintf(opts.Factory.IOStreams.ErrOut, "Approved %s as %s.\n", strings.ToUpper(opts.Code), opts.User)
	return nil
}

// SandboxFederatedTokenOptions are the parsed flags of `cosmosctl sandbox federated-token`.
type SandboxFederatedTokenOptions struct {
	Factory *cmdutil.Factory
	Dir     string
	Subject string
}

func newCmdSandboxFederatedToken(f *cmdutil.Factory, runF func(*SandboxFederatedTokenOptions) error) *cobra.Command {
	opts := &SandboxFederatedTokenOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "federated-token",
		Short: "Print a federated token for workload-identity sign-in against the sandbox",
		Long: `Print a token from the sandbox's federated issuer, which the sandbox's Entra ID accepts as a
client assertion (workload identity), e.g. for AZURE_FEDERATED_TOKEN_FILE.`,
		Example: `  cosmosctl sandbox federated-token --dir ./sb > token.jwt
  AZURE_FEDERATED_TOKEN_FILE=token.jwt cosmosctl --profile sandbox login --workload-identity`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(opts)
			}
			return runSandboxFederatedToken(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.Dir, "dir", "", "Directory of the running sandbox (holds sandbox.json)")
	cmd.Flags().StringVar(&opts.Subject, "sub", "sandbox-workload", "Subject (sub claim) of the token")
	return cmd
}

func runSandboxFederatedToken(ctx context.Context, opts *SandboxFederatedTokenOptions) error {
	if strings.TrimSpace(opts.Subject) == "" {
		return errs.Usage("--sub must not be empty")
	}
	info, err := sandboxInfo(opts.Factory, opts.Dir)
	if err != nil {
		return err
	}
	ctx, cancel := opts.Factory.WithTimeout(ctx)
	defer cancel()
	tok, err := info.FederatedToken(ctx, opts.Subject)
	if err != nil {
		return err
	}
	out := opts.Factory.IOStreams.Out
	// No newline when redirected: the token file must hold the token only.
	if opts.Factory.IOStreams.IsStdoutTTY() {
		_, err = fmt.Fprintln(out, tok)
	} else {
		_, err = io.WriteString(out, tok)
	}
	return err
}

// sandboxInfo reads sandbox.json from dir, or from the directory of the
// profile's CA file when dir is empty (--profile, else "sandbox").
func sandboxInfo(f *cmdutil.Factory, dir string) (*sandbox.Info, error) {
	if dir == "" {
		cfg, err := f.Config()
		if err != nil {
			return nil, err
		}
		name := sandbox.ProfileName
		if f.Flags != nil && f.Flags.Profile != "" {
			name = f.Flags.Profile
		}
		p := cfg.Profile(name)
		if p == nil || p.CAFile == "" {
			return nil, errs.Usage("no --dir given and no %q profile to find the sandbox by: pass --dir DIR (printed by `cosmosctl sandbox`)", name)
		}
		dir = filepath.Dir(p.CAFile)
	}
	return sandbox.ReadInfo(dir)
}

// debugWriter shows the servers' own errors (TLS handshakes, dropped
// connections) only with --debug.
func debugWriter(f *cmdutil.Factory) io.Writer {
	if f.Flags != nil && f.Flags.Debug {
		return f.IOStreams.ErrOut
	}
	return nil
}
