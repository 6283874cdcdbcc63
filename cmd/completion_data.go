package cmd

import (
	"context"

	"github.com/cosmosctl/cosmosctl/completions"
	"github.com/cosmosctl/cosmosctl/internal/cmdutil"
	"github.com/cosmosctl/cosmosctl/internal/cosmos"
)

// completionDatabases lists database ids for -d completion. It signs in
// silently like any data command and does not retry: a shell waits on it.
func completionDatabases(f *cmdutil.Factory) completions.Lister {
	return func(ctx context.Context, s *cmdutil.Settings, _ string) ([]string, error) {
		c, err := cosmos.NewClientWithOptions(ctx, f, s, cosmos.Options{MaxRetries: -1})
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
	return func(ctx context.Context, s *cmdutil.Settings, database string) ([]string, error) {
		c, err := cosmos.NewClientWithOptions(ctx, f, s, cosmos.Options{MaxRetries: -1})
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
