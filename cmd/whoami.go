package cmd

import (
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/cosmosctl/cosmosctl/auth"
	"github.com/cosmosctl/cosmosctl/internal/access"
	"github.com/cosmosctl/cosmosctl/internal/cmdutil"
)

// WhoamiOptions are the parsed flags of `cosmosctl whoami`.
type WhoamiOptions struct {
	AuthDeps
	Now     func() time.Time
	Refresh bool
	Check   bool
	// Access runs `can-i --list` for the -d/-c in effect (--check).
	Access func(ctx context.Context) (*canIChecked, error)
}

// NewCmdWhoami builds `cosmosctl whoami`.
func NewCmdWhoami(f *cmdutil.Factory, runF func(*WhoamiOptions) error) *cobra.Command {
	opts := &WhoamiOptions{AuthDeps: newAuthDeps(f), Now: f.Now}
	data := newDataDeps(f)
	opts.Access = func(ctx context.Context) (*canIChecked, error) {
		return canICheck(ctx, &data, access.Actions(), "")
	}
	cmd := &cobra.Command{
		Use:   "whoami",
		Short: "Show who you are signed in as, for which account and until when",
		Long: `Show the signed-in principal (user or application), object ID, tenant, sign-in method,
token audience and expiry, scopes or roles, group count, where tokens are stored, and the
profile and endpoint in use. The cached token is decoded locally; --refresh asks Entra ID
for a fresh one first. Exits 3 when not signed in.

On a terminal it prints a summary for people; piped, or with -o json, jsonl or yaml, one
object whose keys scripts can rely on.`,
		Example: "  cosmosctl whoami\n  cosmosctl whoami -o json | jq -r .upn",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(opts)
			}
			return whoamiRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVar(&opts.Refresh, "refresh", false, "Get a fresh token from Entra ID before showing it")
	cmd.Flags().BoolVar(&opts.Check, "check", false, "Also check what you may do on the -d/-c in effect (can-i --list)")
	return cmd
}

// whoamiJSON is the -o json shape; scripts rely on these keys.
type whoamiJSON struct {
	Profile         string   `json:"profile"`
	Endpoint        string   `json:"endpoint"`
	UPN             string   `json:"upn,omitempty"`
	AppID           string   `json:"appId,omitempty"`
	DisplayName     string   `json:"displayName,omitempty"`
	ObjectID        string   `json:"objectId"`
	TenantID        string   `json:"tenantId"`
	Method          string   `json:"method"`
	Audience        string   `json:"audience"`
	ExpiresOn       string   `json:"expiresOn"`
	Scopes          []string `json:"scopes,omitempty"`
	Roles           []string `json:"roles,omitempty"`
	GroupCount      *int     `json:"groupCount,omitempty"`
	GroupsOverage   bool     `json:"groupsOverage,omitempty"`
	Storage         string   `json:"storage"`
	StorageLocation string   `json:"storageLocation"`
	EmulatorKey     bool     `json:"emulatorKey,omitempty"`
	// Access is the can-i matrix, with --check.
	Access []canIRow `json:"access,omitempty"`
	Scope  string    `json:"scope,omitempty"`
}

func whoamiRun(ctx context.Context, o *WhoamiOptions) error {
	sess, err := o.AuthSession()
	if err != nil {
		return err
	}
	settings := sess.Settings
	ctx, cancel := o.WithTimeout(ctx)
	defer cancel()
	id, err := sess.Whoami(ctx, o.Refresh)
	if err != nil {
		return err
	}
	var checked *canIChecked
	if o.Check {
		if checked, err = o.Access(ctx); err != nil {
			return err
		}
	}
	oo := printOptions(ctx, o.IOStreams, settings.Output, o.Printing())
	if humanLayout(oo) {
		whoamiTable(o.IOStreams.Out, id, o.Now())
		if checked != nil {
			fmt.Fprintf(o.IOStreams.Out, "\nAccess at %s:\n", checked.scope)
			w := tabwriter.NewWriter(o.IOStreams.Out, 0, 4, 2, ' ', 0)
			for _, r := range checked.results {
				fmt.Fprintf(w, "  %s\t%s\t%s\n", r.Action.Verb, r.Answer, r.Reason)
			}
			w.Flush()
		}
		return nil
	}
	j := whoamiJSON{
		Profile: id.Profile, Endpoint: id.Endpoint, UPN: id.UPN, AppID: id.AppID, DisplayName: id.DisplayName,
		ObjectID: id.ObjectID, TenantID: id.TenantID, Method: id.Method, Audience: id.Audience,
		Scopes: id.Scopes, Roles: id.Roles, Storage: string(id.Storage), StorageLocation: id.Location,
		EmulatorKey: id.EmulatorKey,
	}
	if !id.ExpiresOn.IsZero() {
		j.ExpiresOn = id.ExpiresOn.UTC().Format(time.RFC3339)
	}
	if id.Groups >= 0 {
		j.GroupCount = &id.Groups
	}
	j.GroupsOverage = id.GroupsOverage
	if checked != nil {
		j.Scope = checked.scope.String()
		for _, r := range checked.results {
			j.Access = append(j.Access, canIRowOf(r))
		}
	}
	return printOne(o.IOStreams, oo, j)
}

func whoamiTable(out io.Writer, id *auth.Identity, now time.Time) {
	w := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	row := func(k, v string) {
		if v != "" {
			fmt.Fprintf(w, "%s:\t%s\n", k, v)
		}
	}
	row("Profile", id.Profile)
	row("Endpoint", id.Endpoint)
	switch {
	case id.Method == auth.MethodKey && id.EmulatorKey:
		row("Signed in", "account key (the well-known Cosmos DB emulator key)")
	case id.Method == auth.MethodKey:
		row("Signed in", "account key")
	case id.UPN != "":
		row("User", whoamiWithName(id.UPN, id.DisplayName))
	default:
		row("Application", whoamiWithName(id.AppID, id.DisplayName))
	}
	row("Object ID", id.ObjectID)
	row("Tenant", id.TenantID)
	row("Method", id.Method)
	row("Audience", id.Audience)
	if !id.ExpiresOn.IsZero() {
		row("Expires", fmt.Sprintf("%s (%s)", id.ExpiresOn.Local().Format(time.RFC3339), whoamiRelative(id.ExpiresOn.Sub(now))))
	}
	row("Scopes", strings.Join(id.Scopes, " "))
	row("Roles", strings.Join(id.Roles, ", "))
	switch {
	case id.GroupsOverage:
		row("Groups", "overage: not in token (you are in too many groups; roles assigned to groups do not apply to it)")
	case id.Groups >= 0:
		row("Groups", fmt.Sprint(id.Groups))
	case id.UPN != "": // users; applications seldom get roles through groups
		row("Groups", "none in token (roles assigned to groups may not apply)")
	}
	row("Storage", fmt.Sprintf("%s: %s", id.Storage, id.Location))
	w.Flush()
}

func whoamiWithName(id, name string) string {
	if name == "" || name == id {
		return id
	}
	return fmt.Sprintf("%s (%s)", id, name)
}

func whoamiRelative(d time.Duration) string {
	if d < 0 {
		return "expired " + (-d).Round(time.Second).String() + " ago"
	}
	return "in " + d.Round(time.Second).String()
}
