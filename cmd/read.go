package cmd

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/cosmosctl/cosmosctl/internal/cmdutil"
	"github.com/cosmosctl/cosmosctl/internal/config"
	"github.com/cosmosctl/cosmosctl/internal/cosmos"
	"github.com/cosmosctl/cosmosctl/internal/errs"
	"github.com/cosmosctl/cosmosctl/output"
)

// ReadOptions are the parsed flags of `cosmosctl read`.
type ReadOptions struct {
	DataDeps
	ID           string
	PartitionKey string
	WithMeta     bool

	ctx     context.Context
	pkGiven bool
}

// NewCmdRead builds `cosmosctl read` (alias get).
func NewCmdRead(f *cmdutil.Factory, runF func(*ReadOptions) error) *cobra.Command {
	opts := &ReadOptions{DataDeps: newDataDeps(f)}
	cmd := &cobra.Command{
		Use:     "read ID --pk VALUE",
		Aliases: []string{"get"},
		Short:   "Read one item by id and partition key (a point read)",
		Long: `Read one item exactly as stored: key order, numbers and unicode intact.
--pk is a JSON scalar, or a JSON array with one value per level for hierarchical partition
keys; a bare word is a string, but a value starting with [ { " a digit or - must be valid
JSON (quote such a string: --pk '"2024-01-01"').
Exits 5 when the item does not exist.`,
		Example: "  cosmosctl read order-1 --pk c1 -d shop -c orders\n  cosmosctl get evt-9 --pk '[\"contoso\",\"u1\"]' -d shop -c events -o json",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.ID = args[0]
			opts.ctx = cmd.Context()
			opts.pkGiven = cmd.Flags().Changed("pk")
			if runF != nil {
				return runF(opts)
			}
			return readRun(opts)
		},
	}
	cmd.Flags().StringVar(&opts.PartitionKey, "pk", "", "Partition key value (required)")
	cmd.Flags().BoolVar(&opts.WithMeta, "with-meta", false, "Include etag and request charge (json output)")
	return cmd
}

func readRun(o *ReadOptions) error {
	f := &o.DataDeps
	ctx := o.ctx
	if ctx == nil {
		ctx = context.Background()
	}
	if !o.pkGiven {
		return errs.Usage("--pk is required: the partition key value of the item (a bare word is a string; JSON for numbers, null, or arrays)")
	}
	pk, err := cosmos.ParsePartitionKey(o.PartitionKey)
	if err != nil {
		return err
	}
	if err := cosmos.ValidateName("item id", o.ID); err != nil {
		return err
	}
	auditNoteFrom(ctx).partitionKey(pk.JSON())
	ctx, cancel := f.WithTimeout(ctx)
	defer cancel()
	client, s, err := dataClientFor(ctx, f, true, true)
	if err != nil {
		return err
	}
	db, coll := s.Database, s.Container
	oo := dataOutputOptions(ctx, f, s)
	if o.WithMeta && !dataIsJSONFormat(f, s) {
		return errs.Usage("--with-meta needs -o json")
	}
	// A point read needs every level of a hierarchical key; the server's
	// own answer to a partial one does not say which paths are missing.
	if err := client.CheckPartitionKeyLevels(ctx, db, coll, pk, false, fmt.Sprintf("read item %q in %s/%s", o.ID, db, coll)); err != nil {
		return err
	}
	doc, meta, err := client.ReadItem(ctx, db, coll, o.ID, pk)
	if err != nil {
		return err
	}
	auditNoteFrom(ctx).output(1)
	if o.WithMeta {
		env := map[string]any{"item": doc, "etag": meta.ETag, "requestCharge": roundCharge(float64(meta.RequestCharge)), "sessionToken": meta.SessionToken}
		return printerError(output.WriteJSON(f.IOStreams.Out, env, oo))
	}
	return readPrintOne(f, oo, s, doc)
}

// readPrintOne prints a single document as an object (see printOne); piped
// as json with no --jq it writes the exact bytes of the service.
func readPrintOne(f *DataDeps, oo output.Options, s *config.Settings, doc json.RawMessage) error {
	if dataIsJSONFormat(f, s) && oo.JQ == "" && !oo.TTY {
		b := append(append([]byte(nil), doc...), '\n')
		if _, err := f.IOStreams.Out.Write(b); err != nil {
			return fmt.Errorf("write output: %w", err)
		}
		return nil
	}
	return printOne(f.IOStreams, oo, doc)
}
