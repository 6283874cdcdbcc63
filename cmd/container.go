package cmd

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/data/azcosmos"
	"github.com/spf13/cobra"

	"github.com/cosmosctl/cosmosctl/internal/cmdutil"
	"github.com/cosmosctl/cosmosctl/internal/cosmos"
	"github.com/cosmosctl/cosmosctl/internal/errs"
)

// ContainerListOptions are the parsed flags of `cosmosctl container list`.
type ContainerListOptions struct {
	DataDeps

	ctx context.Context
}

// ContainerShowOptions are the parsed flags of `cosmosctl container show`.
type ContainerShowOptions struct {
	DataDeps
	Container string

	ctx context.Context
}

// NewCmdContainer builds the `cosmosctl container` group.
func NewCmdContainer(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "container <command>",
		Short: "List and describe containers",
		Args:  cobra.NoArgs,
		RunE:  func(cmd *cobra.Command, args []string) error { return cmd.Help() },
	}
	cmd.AddCommand(NewCmdContainerList(f, nil), NewCmdContainerShow(f, nil))
	return cmd
}

// NewCmdContainerList builds `cosmosctl container list`.
func NewCmdContainerList(f *cmdutil.Factory, runF func(*ContainerListOptions) error) *cobra.Command {
	opts := &ContainerListOptions{DataDeps: newDataDeps(f)}
	return &cobra.Command{
		Use:     "list [-d DATABASE]",
		Aliases: []string{"ls"},
		Short:   "List the containers of a database",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.ctx = cmd.Context()
			if runF != nil {
				return runF(opts)
			}
			return containerListRun(opts)
		},
	}
}

// NewCmdContainerShow builds `cosmosctl container show`.
func NewCmdContainerShow(f *cmdutil.Factory, runF func(*ContainerShowOptions) error) *cobra.Command {
	opts := &ContainerShowOptions{DataDeps: newDataDeps(f)}
	return &cobra.Command{
		Use:   "show [CONTAINER]",
		Short: "Describe a container: partition key, indexing policy, physical ranges, TTL",
		Long: `Describe a container: partition key paths and kind, an indexing policy summary, the number
of physical partition ranges and the default TTL. Throughput is not shown under Entra ID:
the data plane refuses offer reads to tokens (403/5300).`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				opts.Container = args[0]
			}
			opts.ctx = cmd.Context()
			if runF != nil {
				return runF(opts)
			}
			return containerShowRun(opts)
		},
	}
}

// containerPK renders a partition key definition compactly: "/a" or "/a,/b".
func containerPK(d azcosmos.PartitionKeyDefinition) string {
	return strings.Join(d.Paths, ",")
}

func containerListRun(o *ContainerListOptions) error {
	f := &o.DataDeps
	ctx := o.ctx
	if ctx == nil {
		ctx = context.Background()
	}
	ctx, cancel := f.WithTimeout(ctx)
	defer cancel()
	client, s, err := queryClientFor(ctx, f, true, false)
	if err != nil {
		return err
	}
	db := s.Database
	dbc, err := client.NewDatabase(db)
	if err != nil {
		return fmt.Errorf("database %s: %w", db, err)
	}
	pager := dbc.NewQueryContainersPager("SELECT * FROM root", nil)
	return listPrint(ctx, f, s, "list containers of "+db, pager,
		func(page azcosmos.QueryContainersResponse) []azcosmos.ContainerProperties { return page.Containers },
		func(c azcosmos.ContainerProperties) any {
			return struct {
				ID           string `json:"id"`
				PartitionKey string `json:"partitionKey"`
				Kind         string `json:"kind"`
				DefaultTTL   *int32 `json:"defaultTtl,omitempty"`
			}{c.ID, containerPK(c.PartitionKeyDefinition), string(c.PartitionKeyDefinition.Kind), c.DefaultTimeToLive}
		})
}

// containerIndexing summarises an indexing policy.
type containerIndexing struct {
	Mode             string   `json:"mode"`
	Automatic        bool     `json:"automatic"`
	IncludedPaths    []string `json:"includedPaths"`
	ExcludedPaths    []string `json:"excludedPaths"`
	CompositeIndexes int      `json:"compositeIndexes"`
	SpatialIndexes   int      `json:"spatialIndexes"`
	VectorIndexes    int      `json:"vectorIndexes,omitempty"`
}

func containerShowRun(o *ContainerShowOptions) error {
	f := &o.DataDeps
	ctx := o.ctx
	if ctx == nil {
		ctx = context.Background()
	}
	ctx, cancel := f.WithTimeout(ctx)
	defer cancel()
	client, s, err := queryClientFor(ctx, f, true, o.Container == "")
	if err != nil {
		return err
	}
	db, coll := s.Database, o.Container
	if coll == "" {
		coll = s.Container
	}
	what := fmt.Sprintf("show container %s/%s", db, coll)
	ctr, err := client.NewContainer(db, coll)
	if err != nil {
		return fmt.Errorf("container %s/%s: %w", db, coll, err)
	}
	resp, err := ctr.Read(ctx, nil)
	if err != nil {
		if fl, ok := cosmos.AsFailure(err); ok && fl.Status == 404 {
			return errs.New(errs.KindNotFound, err, fmt.Sprintf("list them with `cosmosctl container list -d %s`", db), "container %q not found in database %q", coll, db)
		}
		return cosmos.Explain(err, what)
	}
	props := resp.ContainerProperties
	ranges, err := client.PartitionKeyRanges(ctx, db, coll)
	if err != nil {
		return cosmos.Explain(err, what)
	}
	pkd := props.PartitionKeyDefinition
	kind := string(pkd.Kind)
	if kind == "" {
		kind = "Hash"
	}
	out := struct {
		ID                 string             `json:"id"`
		Database           string             `json:"database"`
		PartitionKey       any                `json:"partitionKey"`
		PhysicalPartitions int                `json:"physicalPartitions"`
		DefaultTTL         any                `json:"defaultTtl"`
		Indexing           *containerIndexing `json:"indexing,omitempty"`
		UniqueKeys         [][]string         `json:"uniqueKeys,omitempty"`
		Throughput         string             `json:"throughput"`
	}{ID: props.ID, Database: db, PhysicalPartitions: len(ranges)}
	out.PartitionKey = map[string]any{"paths": pkd.Paths, "kind": kind, "version": pkd.Version}
	switch {
	case props.DefaultTimeToLive == nil:
		out.DefaultTTL = "off"
	case *props.DefaultTimeToLive == -1:
		out.DefaultTTL = "on (no default expiry)"
	default:
		out.DefaultTTL = *props.DefaultTimeToLive
	}
	if ip := props.IndexingPolicy; ip != nil {
		ix := &containerIndexing{Mode: string(ip.IndexingMode), Automatic: ip.Automatic,
			CompositeIndexes: len(ip.CompositeIndexes), SpatialIndexes: len(ip.SpatialIndexes), VectorIndexes: len(ip.VectorIndexes),
			IncludedPaths: []string{}, ExcludedPaths: []string{}}
		for _, p := range ip.IncludedPaths {
			ix.IncludedPaths = append(ix.IncludedPaths, p.Path)
		}
		for _, p := range ip.ExcludedPaths {
			ix.ExcludedPaths = append(ix.ExcludedPaths, p.Path)
		}
		out.Indexing = ix
	}
	if uk := props.UniqueKeyPolicy; uk != nil {
		for _, k := range uk.UniqueKeys {
			out.UniqueKeys = append(out.UniqueKeys, k.Paths)
		}
	}
	// Offers (throughput) are management operations: tokens get 403/5300,
	// so cosmosctl does not ask; keys could, but the answer belongs to ARM.
	if client.Method == "key" {
		out.Throughput = "not read (use `az cosmosdb sql container throughput show`)"
	} else {
		out.Throughput = "not available to Entra ID tokens on the data plane (403/5300); use `az cosmosdb sql container throughput show`"
	}
	doc, err := json.Marshal(out)
	if err != nil {
		return err
	}
	return readPrintOne(f, queryOutputOptions(ctx, f, s), s, doc)
}
