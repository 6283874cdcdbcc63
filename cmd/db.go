package cmd

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/cosmosctl/cosmosctl/internal/cmdutil"
	"github.com/cosmosctl/cosmosctl/internal/config"
	"github.com/cosmosctl/cosmosctl/internal/cosmos"
	"github.com/cosmosctl/cosmosctl/output"
)

// DBListOptions are the parsed flags of `cosmosctl db list`.
type DBListOptions struct {
	DataDeps

	ctx context.Context
}

// NewCmdDB builds the `cosmosctl db` group.
func NewCmdDB(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "db <command>",
		Short: "List databases",
		Args:  cobra.NoArgs,
		RunE:  func(cmd *cobra.Command, args []string) error { return cmd.Help() },
	}
	cmd.AddCommand(NewCmdDBList(f, nil))
	return cmd
}

// NewCmdDBList builds `cosmosctl db list`.
func NewCmdDBList(f *cmdutil.Factory, runF func(*DBListOptions) error) *cobra.Command {
	opts := &DBListOptions{DataDeps: newDataDeps(f)}
	return &cobra.Command{
		Use:     "list",
		Aliases: []string{"ls"},
		Short:   "List the account's databases",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.ctx = cmd.Context()
			if runF != nil {
				return runF(opts)
			}
			return dbListRun(opts)
		},
	}
}

func dbListRun(o *DBListOptions) error {
	f := &o.DataDeps
	ctx := o.ctx
	if ctx == nil {
		ctx = context.Background()
	}
	ctx, cancel := f.WithTimeout(ctx)
	defer cancel()
	client, s, err := dataClient(ctx, f)
	if err != nil {
		return err
	}
	return listPrint(ctx, f, s, "list databases", func() ([]cosmos.Database, error) { return client.Databases(ctx) })
}

// listPrint prints a listing, one document per item. The printer comes
// first, so a bad -o fails before any request. A failure before the first
// item prints nothing on stdout (not even "[]"), as for queries, so a
// script never mistakes an error for an empty listing; after a partial
// listing it prints what came, then fails.
func listPrint[T any](ctx context.Context, f *DataDeps, s *config.Settings, what string, list func() ([]T, error)) error {
	p, err := output.New(f.IOStreams.Out, dataOutputOptions(ctx, f, s))
	if err != nil {
		return printerError(err)
	}
	items, listErr := list()
	if listErr != nil && len(items) == 0 {
		return listErr
	}
	for _, it := range items {
		b, err := json.Marshal(it)
		if err != nil {
			return fmt.Errorf("%s: encode: %w", what, err)
		}
		if err := p.Print(b); err != nil {
			return err
		}
	}
	if listErr != nil {
		_ = p.Close()
		return listErr
	}
	return p.Close()
}
