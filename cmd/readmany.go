package cmd

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/cosmosctl/cosmosctl/internal/cmdutil"
	"github.com/cosmosctl/cosmosctl/internal/cosmos"
	"github.com/cosmosctl/cosmosctl/internal/errs"
	"github.com/cosmosctl/cosmosctl/output"
)

// ReadManyOptions are the parsed flags of `cosmosctl read-many`.
type ReadManyOptions struct {
	DataDeps
	IDsFile string

	ctx context.Context
}

// NewCmdReadMany builds `cosmosctl read-many`.
func NewCmdReadMany(f *cmdutil.Factory, runF func(*ReadManyOptions) error) *cobra.Command {
	opts := &ReadManyOptions{DataDeps: newDataDeps(f)}
	cmd := &cobra.Command{
		Use:   "read-many [--ids-file FILE]",
		Short: "Read many items by id and partition key in a few requests",
		Long: `Read items named by JSON lines of {"id": ..., "pk": ...} on stdin (or --ids-file).
Missing items are reported on stderr; exits 5 only when none was found.`,
		Example: `  printf '{"id":"1","pk":"c1"}\n{"id":"2","pk":"c2"}\n' | cosmosctl read-many -d shop -c orders`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.ctx = cmd.Context()
			if runF != nil {
				return runF(opts)
			}
			return readManyRun(opts)
		},
	}
	cmd.Flags().StringVar(&opts.IDsFile, "ids-file", "", "File of JSON lines {\"id\":…,\"pk\":…} (default stdin)")
	return cmd
}

func readManyRun(o *ReadManyOptions) error {
	f := &o.DataDeps
	ctx := o.ctx
	if ctx == nil {
		ctx = context.Background()
	}
	in, source := f.IOStreams.In, "stdin"
	if o.IDsFile != "" && o.IDsFile != "-" {
		fh, err := os.Open(o.IDsFile)
		if err != nil {
			return errs.Usage("--ids-file: %v", err)
		}
		defer fh.Close()
		in, source = fh, o.IDsFile
	}
	wants, err := cosmos.ParseItemRefs(in, source)
	if err != nil {
		return err
	}
	if len(wants) == 0 {
		return errs.Usage("no items to read: pass JSON lines of {\"id\":…,\"pk\":…} on stdin or with --ids-file")
	}
	for i, w := range wants {
		if err := cosmos.ValidateName(fmt.Sprintf("item %d: id", i+1), w.ID); err != nil {
			return err
		}
	}
	auditNoteFrom(ctx).partitionKey(readManyKeys(wants))
	ctx, cancel := f.WithTimeout(ctx)
	defer cancel()
	client, s, err := dataClientFor(ctx, f, true, true)
	if err != nil {
		return err
	}
	db, coll := s.Database, s.Container
	found, missing, _, err := client.ReadMany(ctx, db, coll, wants)
	if err != nil {
		return err
	}
	auditNoteFrom(ctx).output(len(found))
	p, err := output.New(f.IOStreams.Out, dataOutputOptions(ctx, f, s))
	if err != nil {
		return printerError(err)
	}
	for _, doc := range found {
		if err := p.Print(doc); err != nil {
			return err
		}
	}
	if err := p.Close(); err != nil {
		return err
	}
	dataWarnDropped(f, p)
	for _, m := range missing {
		fmt.Fprintf(f.IOStreams.ErrOut, "not found: item %s\n", m)
	}
	if len(found) == 0 {
		return errs.New(errs.KindNotFound, nil, "check the ids and partition keys (both must match)", "none of the %d items was found in %s/%s", len(wants), db, coll)
	}
	return nil
}

// readManyKeys is the audit form of the partition keys read: their
// canonical JSON values as one JSON array, hashed by the command record.
func readManyKeys(wants []cosmos.ItemRef) string {
	keys := make([]string, len(wants))
	for i, w := range wants {
		keys[i] = w.PartitionKey.JSON()
	}
	return "[" + strings.Join(keys, ",") + "]"
}
