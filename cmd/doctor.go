package cmd

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/cosmosctl/cosmosctl/auth"
	"github.com/cosmosctl/cosmosctl/auth/claims"
	"github.com/cosmosctl/cosmosctl/internal/cmdutil"
	"github.com/cosmosctl/cosmosctl/internal/config"
	"github.com/cosmosctl/cosmosctl/internal/cosmos"
	"github.com/cosmosctl/cosmosctl/internal/doctor"
	"github.com/cosmosctl/cosmosctl/internal/errs"
	"github.com/cosmosctl/cosmosctl/internal/httpclient"
	"github.com/cosmosctl/cosmosctl/internal/query"
	"github.com/cosmosctl/cosmosctl/output"
)

// DoctorOptions are what `cosmosctl doctor` uses.
type DoctorOptions struct {
	DataDeps
	HTTPClient  func() (*http.Client, error)
	AuthSession func() (*auth.Session, error)
	Now         func() time.Time
}

// NewCmdDoctor builds `cosmosctl doctor`.
func NewCmdDoctor(f *cmdutil.Factory, runF func(context.Context, *DoctorOptions) error) *cobra.Command {
	opts := &DoctorOptions{DataDeps: newDataDeps(f), HTTPClient: f.HTTPClient, AuthSession: f.AuthSession, Now: f.Now}
	return &cobra.Command{
		Use:   "doctor",
		Short: "Check every link between you and your data, and say what to fix",
		Long: `Walk the chain between you and your data and stop at the first broken link, with its
cause and fix: configuration (profile, endpoint, CA file), DNS and TLS to the account,
that the endpoint is a Cosmos DB gateway (and its clock), Entra ID, your sign-in and
token store, the token's audience, tenant and expiry against the account and its clock,
the account read, the configured database and container, and one query (TOP 1).

Each step prints ok, fail or skipped with its time; -o json prints them as an array for CI.
The exit code is the first failure's (see cosmosctl help exit-codes).`,
		Example: `  cosmosctl doctor
  cosmosctl doctor -d shop -c orders
  cosmosctl doctor -o json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return doctorRun(cmd.Context(), opts)
		},
	}
}

// doctorState is what later steps learn from earlier ones.
type doctorState struct {
	settings   *config.Settings
	endpoint   *url.URL
	hc         *http.Client
	session    *auth.Session
	resolved   *auth.Resolved
	claims     *claims.Claims
	serverDate time.Time
	client     *cosmos.Client
}

func doctorRun(ctx context.Context, o *DoctorOptions) error {
	ctx, cancel := o.WithTimeout(ctx)
	defer cancel()
	st := &doctorState{}
	results, failure := doctor.Run(ctx, doctorSteps(o, st), o.Now)
	if err := doctorPrint(ctx, o, results); err != nil {
		return err
	}
	if failure != nil {
		return &errs.ExitError{Code: errs.ExitCode(failure)}
	}
	return nil
}

func doctorSteps(o *DoctorOptions, st *doctorState) []doctor.Step {
	skipIfNoContainer := func() error {
		if st.settings.Container == "" || st.settings.Database == "" {
			return doctor.Skip("no container configured (pass -d and -c)")
		}
		return nil
	}
	return []doctor.Step{
		{Name: "configuration", Run: func(ctx context.Context) (string, error) {
			s, err := o.Settings()
			if err != nil {
				return "", err
			}
			st.settings = s
			if _, err := doctor.CheckEndpoint(s.Endpoint); err != nil {
				return "", err
			}
			st.endpoint, _ = url.Parse(s.Endpoint)
			if st.hc, err = o.HTTPClient(); err != nil {
				return "", err
			}
			detail := fmt.Sprintf("profile %s, endpoint %s", s.ProfileName, s.Endpoint)
			if s.Profile.CAFile != "" {
				detail += ", CA file " + s.Profile.CAFile
			}
			return detail, nil
		}},
		{Name: "dns", Run: func(ctx context.Context) (string, error) {
			return doctor.CheckDNS(ctx, net.DefaultResolver, st.endpoint.Hostname())
		}},
		{Name: "tls", Run: func(ctx context.Context) (string, error) {
			if st.endpoint.Scheme != "https" {
				return "", doctor.Skip("plain http to an emulator on this machine")
			}
			port := st.endpoint.Port()
			if port == "" {
				port = "443"
			}
			return doctor.CheckTLS(ctx, net.JoinHostPort(st.endpoint.Hostname(), port), httpclient.TLSConfig(st.hc), o.Now())
		}},
		{Name: "gateway", Run: func(ctx context.Context) (string, error) {
			return doctorGateway(ctx, st)
		}},
		{Name: "entra", Run: func(ctx context.Context) (string, error) {
			sess, err := o.AuthSession()
			if err != nil {
				return "", err
			}
			st.session = sess
			switch doctorMethod(sess) {
			case auth.MethodKey:
				return "", doctor.Skip("signed in with an account key")
			case auth.MethodAzureCLI:
				return "", doctor.Skip("the Azure CLI signs in for cosmosctl")
			case auth.MethodManagedIdentity:
				return "", doctor.Skip("a managed identity gets its tokens from the resource's endpoint")
			}
			return doctor.CheckOpenID(ctx, st.hc, sess.AuthorityHost(), sess.Tenant(""))
		}},
		{Name: "sign-in", Run: func(ctx context.Context) (string, error) {
			r, err := st.session.Resolve(ctx)
			if err != nil {
				return "", err
			}
			st.resolved = r
			detail := r.Method + ", secrets in " + r.Location
			if r.Token == nil {
				return detail, nil
			}
			tk, err := r.GetToken(ctx, cosmos.Scope(st.session.Audience()), false)
			if err != nil {
				return "", err
			}
			if st.claims, err = claims.Decode(tk.Token); err != nil {
				return "", errs.New(errs.KindAuth, err, "", "the access token is not a JWT Entra ID issued: %v", err)
			}
			return detail, nil
		}},
		{Name: "token", Run: func(ctx context.Context) (string, error) {
			if st.claims == nil {
				return "", doctor.Skip("no token (account key)")
			}
			tenant := st.settings.Profile.Tenant
			return doctor.CheckClaims(st.claims, st.session.Audience(), tenant, o.Now(), st.serverDate)
		}},
		{Name: "account", Run: func(ctx context.Context) (string, error) {
			c, err := o.CosmosClient(ctx)
			if err != nil {
				return "", err
			}
			st.client = c
			if err := c.ReadAccount(ctx); err != nil {
				return "", c.Explain(ctx, err, cosmos.Target{What: "account read", Database: st.settings.Database, Container: st.settings.Container})
			}
			return "readMetadata granted: the account read (GET /) passed", nil
		}},
		{Name: "database", Run: func(ctx context.Context) (string, error) {
			if st.settings.Database == "" {
				return "", doctor.Skip("no database configured (pass -d)")
			}
			db, err := st.client.NewDatabase(st.settings.Database)
			if err == nil {
				_, err = db.Read(ctx, nil)
			}
			if err != nil {
				return "", st.client.Explain(ctx, err, cosmos.Target{What: "database " + st.settings.Database, Database: st.settings.Database, Missing: "database"})
			}
			return "database " + st.settings.Database + " is readable", nil
		}},
		{Name: "container", Run: func(ctx context.Context) (string, error) {
			if err := skipIfNoContainer(); err != nil {
				return "", err
			}
			s := st.settings
			d, err := st.client.DescribeContainer(ctx, s.Database, s.Container)
			if err != nil {
				return "", err
			}
			b, _ := json.Marshal(d.PartitionKey.Paths)
			return fmt.Sprintf("container %s/%s, partition key %s", s.Database, s.Container, b), nil
		}},
		{Name: "query", Run: func(ctx context.Context) (string, error) {
			if err := skipIfNoContainer(); err != nil {
				return "", err
			}
			s := st.settings
			runner := &query.Runner{Backend: query.NewCosmosBackend(st.client)}
			rows := 0
			out, err := runner.Run(ctx, query.Spec{Database: s.Database, Container: s.Container, Query: "SELECT TOP 1 c.id FROM c", MaxItems: 1},
				func(json.RawMessage) error { rows++; return nil })
			if err != nil {
				return "", st.client.Explain(ctx, err, cosmos.Target{What: "query " + s.Database + "/" + s.Container, Database: s.Database, Container: s.Container})
			}
			return fmt.Sprintf("SELECT TOP 1 returned %d row, %.2f RU", rows, out.Stats.Charge), nil
		}},
	}
}

// doctorMethod is the sign-in method the profile will use.
func doctorMethod(sess *auth.Session) string {
	if a := sess.Account(); a != nil && a.Method != "" {
		return a.Method
	}
	return sess.Settings.Profile.Auth
}

// doctorGateway sends an unauthenticated GET / to the endpoint: a Cosmos
// DB gateway answers 401 with an activity id, and its Date header gives
// the server's clock for the token step.
func doctorGateway(ctx context.Context, st *doctorState) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, st.endpoint.String(), nil)
	if err != nil {
		return "", errs.New(errs.KindUsage, err, "", "endpoint %s: %v", st.endpoint, err)
	}
	resp, err := st.hc.Do(req)
	if err != nil {
		return "", cosmos.Explain(err, "reach the account")
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	if resp.Header.Get("x-ms-activity-id") == "" {
		return "", errs.New(errs.KindUsage, nil, "check the endpoint (`cosmosctl config get endpoint`): it should be https://ACCOUNT.documents.azure.com:443/",
			"the server at %s is not a Cosmos DB gateway (HTTP %d without a Cosmos DB activity id)", st.endpoint.Host, resp.StatusCode)
	}
	if d, err := http.ParseTime(resp.Header.Get("Date")); err == nil {
		st.serverDate = d
	}
	return fmt.Sprintf("a Cosmos DB gateway answered (HTTP %d without credentials), its clock says %s", resp.StatusCode, st.serverDate.UTC().Format(time.RFC3339)), nil
}

// doctorRow is one step as printed.
type doctorRow struct {
	Step   string  `json:"step"`
	Status string  `json:"status"`
	Millis float64 `json:"ms"`
	Detail string  `json:"detail,omitempty"`
	Hint   string  `json:"hint,omitempty"`
}

func doctorPrint(ctx context.Context, o *DoctorOptions, rs []doctor.Result) error {
	format := ""
	if s, err := o.Settings(); err == nil {
		format = s.Output
	}
	ios := o.IOStreams
	oo := printOptions(ctx, ios, format, o.Printing())
	if humanLayout(oo) {
		for _, r := range rs {
			line := fmt.Sprintf("%-7s %-13s", r.Status, r.Name)
			if r.Status != doctor.StatusNotRun {
				line += fmt.Sprintf(" %7.1f ms", r.Millis)
			}
			if r.Detail != "" {
				line += "  " + r.Detail
			}
			fmt.Fprintln(ios.Out, strings.TrimRight(line, " "))
			if r.Hint != "" {
				fmt.Fprintf(ios.Out, "%22s hint: %s\n", "", r.Hint)
			}
		}
		return nil
	}
	p, err := output.New(ios.Out, oo)
	if err != nil {
		return printerError(err)
	}
	for _, r := range rs {
		b, _ := json.Marshal(doctorRow{Step: r.Name, Status: string(r.Status), Millis: r.Millis, Detail: r.Detail, Hint: r.Hint})
		if err := p.Print(b); err != nil {
			return err
		}
	}
	return p.Close()
}
