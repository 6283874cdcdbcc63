package cmd

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/cosmosctl/cosmosctl/internal/cmdutil"
	"github.com/cosmosctl/cosmosctl/internal/errs"
)

// AuthTokenOptions are the parsed flags of `cosmosctl auth token`.
type AuthTokenOptions struct {
	AuthDeps
	Audience string
	Show     bool
}

// NewCmdAuth builds the `cosmosctl auth` group.
func NewCmdAuth(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "auth <command>",
		Short: "Work with tokens (auth token)",
		Args:  cobra.NoArgs,
		RunE:  func(cmd *cobra.Command, args []string) error { return cmd.Help() },
	}
	cmd.AddCommand(NewCmdAuthToken(f, nil))
	return cmd
}

// NewCmdAuthToken builds `cosmosctl auth token`.
func NewCmdAuthToken(f *cmdutil.Factory, runF func(*AuthTokenOptions) error) *cobra.Command {
	opts := &AuthTokenOptions{AuthDeps: newAuthDeps(f)}
	cmd := &cobra.Command{
		Use:   "token",
		Short: "Print an access token for the profile (for curl and other tools)",
		Long: `Print an Entra ID access token for the current profile's Cosmos DB account, from the
cache or refreshed silently. To keep tokens out of scrollback it refuses to print to a
terminal unless --show is given. It prints the bare token; -o json, jsonl or yaml print
{"accessToken", "expiresOn"}.`,
		Example: `  curl -H "Authorization: type=aad&ver=1.0&sig=$(cosmosctl auth token)" ...`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(opts)
			}
			return authTokenRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.Audience, "audience", "", "Token audience (default: the profile's)")
	cmd.Flags().BoolVar(&opts.Show, "show", false, "Print the token even when stdout is a terminal")
	return cmd
}

func authTokenRun(ctx context.Context, o *AuthTokenOptions) error {
	if o.IOStreams.IsStdoutTTY() && !o.Show {
		return errs.New(errs.KindUsage, nil, "pipe it into another command, or pass --show to print it anyway",
			"refusing to print an access token to a terminal")
	}
	sess, err := o.AuthSession()
	if err != nil {
		return err
	}
	ctx, cancel := o.WithTimeout(ctx)
	defer cancel()
	tok, expires, err := sess.Token(ctx, o.Audience)
	if err != nil {
		return err
	}
	oo := printOptions(ctx, o.IOStreams, sess.Settings.Output, o.Printing())
	if scalarRaw(oo) {
		_, err = fmt.Fprintln(o.IOStreams.Out, tok)
		return err
	}
	return printOne(o.IOStreams, oo, authTokenJSON{AccessToken: tok, ExpiresOn: expires.UTC().Format(time.RFC3339)})
}

// authTokenJSON is the -o json shape of `auth token`, named like az's.
type authTokenJSON struct {
	AccessToken string `json:"accessToken"`
	ExpiresOn   string `json:"expiresOn"`
}
