package cmd

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/cosmosctl/cosmosctl/completions"
	"github.com/cosmosctl/cosmosctl/internal/cmdutil"
)

// complete adapts a completions.Func to Cobra; no completion offers files.
func complete(fn completions.Func) cobra.CompletionFunc {
	return func(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		return fn(cmd.Context(), toComplete), cobra.ShellCompDirectiveNoFileComp
	}
}

// completionProfiles lists the profile names of the config file.
func completionProfiles(f *cmdutil.Factory) func() ([]string, error) {
	return func() ([]string, error) {
		c, err := f.Config()
		if err != nil {
			return nil, err
		}
		return c.ProfileNames(), nil
	}
}

// completionDatabase is the database in effect, for container completion.
func completionDatabase(f *cmdutil.Factory) func() (string, error) {
	return func() (string, error) {
		s, err := f.Settings()
		if err != nil {
			return "", err
		}
		return s.Database, nil
	}
}

// completionDatabases lists database ids for -d completion. It signs in
// silently like any data command and does not retry: a shell waits on it.
func completionDatabases(f *cmdutil.Factory) completions.Lister {
	return func(ctx context.Context, _ string) ([]string, error) {
		c, err := f.NewCosmosClient(ctx, -1)
		if err != nil {
			return nil, err
		}
		dbs, err := c.Databases(ctx)
		if err != nil {
			return nil, err
		}
		ids := make([]string, len(dbs))
		for i, d := range dbs {
			ids[i] = d.ID
		}
		return ids, nil
	}
}

// completionContainers lists the container ids of the database in effect.
func completionContainers(f *cmdutil.Factory) completions.Lister {
	return func(ctx context.Context, database string) ([]string, error) {
		c, err := f.NewCosmosClient(ctx, -1)
		if err != nil {
			return nil, err
		}
		cs, err := c.Containers(ctx, database)
		if err != nil {
			return nil, err
		}
		ids := make([]string, len(cs))
		for i, p := range cs {
			ids[i] = p.ID
		}
		return ids, nil
	}
}
