package cmd

import (
	"context"
	"encoding/json"

	"github.com/spf13/cobra"

	"github.com/cosmosctl/cosmosctl/internal/cmdutil"
	"github.com/cosmosctl/cosmosctl/internal/cosmos"
	"github.com/cosmosctl/cosmosctl/output"
)

// DBListOptions are the parsed flags of `cosmosctl db list`.
type DBListOptions struct {
	Factory *cmdutil.Factory

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
	opts := &DBListOptions{Factory: f}
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
	f := o.Factory
	ctx := o.ctx
	if ctx == nil {
		ctx = context.Background()
	}
	ctx, cancel := f.WithTimeout(ctx)
	defer cancel()
	client, s, err := queryClient(ctx, f)
	if err != nil {
		return err
	}
	p, err := output.New(f.IOStreams.Out, queryOutputOptions(f, s))
	if err != nil {
		return queryPrinterError(err)
	}
	pager := client.NewQueryDatabasesPager("SELECT * FROM root", nil)
	for pager.More() {
		page, err := pager.NextPage(ctx)
		if err != nil {
			_ = p.Close()
			return cosmos.Explain(err, "list databases")
		}
		for _, d := range page.Databases {
			doc, err := json.Marshal(struct {
				ID           string `json:"id"`
				LastModified string `json:"lastModified,omitempty"`
			}{ID: d.ID, LastModified: dbTime(d.LastModified.IsZero(), d.LastModified.UTC().Format("2006-01-02T15:04:05Z"))})
			if err != nil {
				return err
			}
			if err := p.Print(doc); err != nil {
				return err
			}
		}
	}
	return p.Close()
}

func dbTime(zero bool, s string) string {
	if zero {
		return ""
	}
	return s
}
