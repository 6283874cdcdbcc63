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
		var ids []string
		pager := c.NewQueryDatabasesPager("SELECT * FROM root", nil)
		for pager.More() {
			page, err := pager.NextPage(ctx)
			if err != nil {
				return nil, err
			}
			for _, d := range page.Databases {
				ids = append(ids, d.ID)
			}
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
		db, err := c.NewDatabase(database)
		if err != nil {
			return nil, err
		}
		var ids []string
		pager := db.NewQueryContainersPager("SELECT * FROM root", nil)
		for pager.More() {
			page, err := pager.NextPage(ctx)
			if err != nil {
				return nil, err
			}
			for _, p := range page.Containers {
				ids = append(ids, p.ID)
			}
		}
		return ids, nil
	}
}
