package cmd

import (
	"context"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/cosmosctl/cosmosctl/internal/cosmos"
	"github.com/cosmosctl/cosmosctl/internal/errs"
	"github.com/cosmosctl/cosmosctl/internal/query"
	"github.com/spf13/cobra"
)

// queryArgs accepts the SQL as one argument; several mean the shell split
// an unquoted query into words, so the error shows it quoted.
func queryArgs(cmd *cobra.Command, args []string) error {
	if len(args) <= 1 {
		return nil
	}
	sql := strings.Join(args, " ")
	quoted := "'" + sql + "'"
	if strings.Contains(sql, "'") {
		quoted = strconv.Quote(sql)
	}
	return errs.New(errs.KindUsage, nil, fmt.Sprintf("quote the query so the shell passes it as one argument: cosmosctl query %s", quoted),
		"query takes the SQL as one argument, got %d (%s)", len(args), sql)
}

// queryCheckNumbers refuses numeric flags given as 0 or a negative where
// that means nothing (a default of 0 means "not set" for each).
func queryCheckNumbers(o *QueryOptions) error {
	given := o.given
	if given == nil {
		given = func(string) bool { return false }
	}
	switch {
	case o.MaxItems < 0 || (o.MaxItems == 0 && given("max-items")):
		return errs.Usage("--max-items %d: must be at least 1 (leave it out for all results)", o.MaxItems)
	case o.PageSize < -1 || o.PageSize > 1<<30 || (o.PageSize == 0 && given("page-size")):
		return errs.Usage("--page-size %d: must be between 1 and %d, or -1 for the server's dynamic size", o.PageSize, 1<<30)
	case o.MaxConcurrency < 0 || o.MaxConcurrency > 256 || (o.MaxConcurrency == 0 && given("max-concurrency")):
		return errs.Usage("--max-concurrency %d: must be between 1 and 256", o.MaxConcurrency)
	}
	return nil
}

// queryText returns the SQL from the argument, -f FILE or stdin.
func queryText(o *QueryOptions) (string, error) {
	in := o.IOStreams.In
	switch {
	case o.SQL != "" && o.File != "":
		return "", errs.Usage("give the query either as an argument or with -f/--file, not both")
	case o.File == "-" || o.SQL == "-":
		b, err := io.ReadAll(in)
		if err != nil {
			return "", errs.Usage("cannot read the query from stdin: %v", err)
		}
		return strings.TrimSpace(string(b)), nil
	case o.File != "":
		b, err := os.ReadFile(o.File)
		if err != nil {
			return "", errs.Usage("-f/--file: cannot read %s: %v", o.File, err)
		}
		return strings.TrimSpace(string(b)), nil
	}
	return strings.TrimSpace(o.SQL), nil
}

// querySpec turns the flags into the query to run: the SQL (argument, -f
// or stdin), its parameters, the partition key and the paging numbers,
// all checked before anything is sent.
func querySpec(ctx context.Context, o *QueryOptions) (string, query.Spec, cosmos.PartitionKey, error) {
	var pkGiven cosmos.PartitionKey
	sql, err := queryText(o)
	if err != nil {
		return "", query.Spec{}, pkGiven, err
	}
	if sql == "" {
		return "", query.Spec{}, pkGiven, errs.Usage("no query: pass SQL as an argument, -f FILE, or - to read stdin")
	}
	params, err := cosmos.ParseParams(o.Params, o.ParamFile)
	if err != nil {
		return "", query.Spec{}, pkGiven, err
	}
	if err := queryCheckNumbers(o); err != nil {
		return "", query.Spec{}, pkGiven, err
	}
	spec := query.Spec{Query: sql, Params: params, PageSize: int32(o.PageSize), MaxConcurrency: o.MaxConcurrency,
		MaxItems: o.MaxItems, Continuation: strings.TrimSpace(o.Continuation), IndexMetrics: o.IndexMetrics}
	if o.pkGiven || o.PartitionKey != "" {
		pk, err := cosmos.ParsePartitionKey(o.PartitionKey)
		if err != nil {
			return "", query.Spec{}, pkGiven, err
		}
		pkGiven = pk
		key := pk.SDK()
		spec.PartitionKey, spec.PartitionKeyJSON = &key, pk.JSON()
		auditNoteFrom(ctx).partitionKey(pk.JSON())
	}
	auditNoteFrom(ctx).query(sql, params)
	return sql, spec, pkGiven, nil
}
