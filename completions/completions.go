// Package completions provides dynamic shell completion values: profile
// names from the configuration, output formats, and (through a lister the
// data layer supplies) databases and containers.
package completions

import (
	"context"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/cosmosctl/cosmosctl/internal/cmdutil"
	"github.com/cosmosctl/cosmosctl/output"
)

// Lister lists names from the account for completion (databases, or the
// containers of one database). It must not prompt.
type Lister func(ctx context.Context, s *cmdutil.Settings, database string) ([]string, error)

// Profiles completes --profile with the profile names in the config file.
func Profiles(f *cmdutil.Factory) cobra.CompletionFunc {
	return func(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		c, err := f.Config()
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		return filter(c.ProfileNames(), toComplete), cobra.ShellCompDirectiveNoFileComp
	}
}

// OutputFormats completes -o/--output.
func OutputFormats() cobra.CompletionFunc {
	return cobra.FixedCompletions(output.Formats(), cobra.ShellCompDirectiveNoFileComp)
}

// Names completes with what list returns for the effective settings; a
// failure (not signed in, offline) completes nothing rather than erroring,
// and the lookup is bounded so a slow network never hangs the shell.
func Names(f *cmdutil.Factory, list Lister, needDatabase bool) cobra.CompletionFunc {
	return func(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		if list == nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		s, err := f.Resolve()
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		if needDatabase && s.Database == "" {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		ctx, cancel := context.WithTimeout(cmd.Context(), 5*time.Second)
		defer cancel()
		names, err := list(ctx, s, s.Database)
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		return filter(names, toComplete), cobra.ShellCompDirectiveNoFileComp
	}
}

func filter(names []string, prefix string) []cobra.Completion {
	var out []cobra.Completion
	for _, n := range names {
		if strings.HasPrefix(n, prefix) {
			out = append(out, n)
		}
	}
	return out
}
