package cmd

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/cosmosctl/cosmosctl/internal/cmdutil"
	"github.com/cosmosctl/cosmosctl/internal/cosmos"
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

func containerListRun(o *ContainerListOptions) error {
	f := &o.DataDeps
	ctx := o.ctx
	if ctx == nil {
		ctx = context.Background()
	}
	ctx, cancel := f.WithTimeout(ctx)
	defer cancel()
	client, s, err := dataClientFor(ctx, f, true, false)
	if err != nil {
		return err
	}
	db := s.Database
	return listPrint(ctx, f, s, "list containers of "+db, func() ([]cosmos.Container, error) { return client.Containers(ctx, db) })
}

func containerShowRun(o *ContainerShowOptions) error {
	f := &o.DataDeps
	ctx := o.ctx
	if ctx == nil {
		ctx = context.Background()
	}
	if o.Container != "" {
		if err := cosmos.ValidateName("container", o.Container); err != nil {
			return err
		}
	}
	ctx, cancel := f.WithTimeout(ctx)
	defer cancel()
	client, s, err := dataClientFor(ctx, f, true, o.Container == "")
	if err != nil {
		return err
	}
	db, coll := s.Database, o.Container
	if coll == "" {
		coll = s.Container
	}
	auditNoteFrom(ctx).target(db, coll)
	desc, err := client.DescribeContainer(ctx, db, coll)
	if err != nil {
		return err
	}
	return printOne(f.IOStreams, dataOutputOptions(ctx, f, s), desc)
}
