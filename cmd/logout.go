package cmd

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/cosmosctl/cosmosctl/internal/cmdutil"
)

// LogoutOptions are the parsed flags of `cosmosctl logout`.
type LogoutOptions struct {
	AuthDeps
	All bool
}

// NewCmdLogout builds `cosmosctl logout`.
func NewCmdLogout(f *cmdutil.Factory, runF func(*LogoutOptions) error) *cobra.Command {
	opts := &LogoutOptions{AuthDeps: newAuthDeps(f)}
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
			return logoutRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVar(&opts.All, "all", false, "Sign out of every profile")
	return cmd
}

func logoutRun(ctx context.Context, o *LogoutOptions) error {
	sess, err := o.AuthSession()
	if err != nil {
		return err
	}
	settings := sess.Settings
	ctx, cancel := o.WithTimeout(ctx)
	defer cancel()
	w := o.IOStreams.ErrOut
	profiles := []string{settings.ProfileName}
	if o.All {
		profiles = settings.Config.ProfileNames()
	}
	var warnings []error
	signedOut := false
	for _, name := range profiles {
		ps := sess
		if name != settings.ProfileName {
			if ps = sess.ForProfile(name); ps == nil {
				continue
			}
		}
		was, warn, err := ps.Logout(ctx)
		if err != nil {
			return err
		}
		if warn != nil {
			warnings = append(warnings, warn)
		}
		if was {
			signedOut = true
			fmt.Fprintf(w, "Signed out of profile %s.\n", name)
		}
	}
	if o.All {
		if err := sess.PurgeStores(ctx); err != nil {
			warnings = append(warnings, fmt.Errorf("some stored tokens could not be removed: %w", err))
		}
	}
	if !signedOut {
		if o.All {
			fmt.Fprintln(w, "No profile was signed in.")
		} else {
			fmt.Fprintf(w, "Profile %s was not signed in.\n", settings.ProfileName)
		}
	}
	// Tokens that could not be removed are a failure: the user asked for
	// them to go. A later logout removes them.
	if len(warnings) == 0 {
		return nil
	}
	for _, warn := range warnings[1:] {
		fmt.Fprintf(w, "error: %v\n", warn)
	}
	return warnings[0]
}
