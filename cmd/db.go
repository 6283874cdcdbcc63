package cmd

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/Azure/azure-sdk-for-go/sdk/data/azcosmos"
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
	client, s, err := queryClient(ctx, f)
	if err != nil {
		return err
	}
	pager := client.NewQueryDatabasesPager("SELECT * FROM root", nil)
	return listPrint(ctx, f, s, "list databases", pager,
		func(page azcosmos.QueryDatabasesResponse) []azcosmos.DatabaseProperties { return page.Databases },
		func(d azcosmos.DatabaseProperties) any {
			return struct {
				ID           string `json:"id"`
				LastModified string `json:"lastModified,omitempty"`
			}{ID: d.ID, LastModified: dbTime(d.LastModified.IsZero(), d.LastModified.UTC().Format("2006-01-02T15:04:05Z"))}
		})
}

// listPrint streams the items of a listing pager to the printer, one
// document per item. A failure before the first item prints nothing on
// stdout (not even "[]"), as for queries, so a script never mistakes an
// error for an empty listing.
func listPrint[R, T any](ctx context.Context, f *DataDeps, s *config.Settings, what string,
	pager *runtime.Pager[R], items func(R) []T, doc func(T) any) error {
	p, err := output.New(f.IOStreams.Out, queryOutputOptions(ctx, f, s))
	if err != nil {
		return queryPrinterError(err)
	}
	printed := 0
	for pager.More() {
		page, err := pager.NextPage(ctx)
		if err != nil {
			if printed > 0 {
				_ = p.Close()
			}
			return cosmos.Explain(err, what)
		}
		for _, it := range items(page) {
			b, err := json.Marshal(doc(it))
			if err != nil {
				return fmt.Errorf("%s: encode: %w", what, err)
			}
			if err := p.Print(b); err != nil {
				return err
			}
			printed++
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
