package cmd

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/cosmosctl/cosmosctl/internal/cmdutil"
	"github.com/cosmosctl/cosmosctl/internal/errs"
)

// ExitCodesText renders the exit-code table shown by `cosmosctl help exit-codes`.
func ExitCodesText() string {
	var b strings.Builder
	b.WriteString("cosmosctl exits with:\n\n")
	for _, e := range errs.ExitCodeTable {
		fmt.Fprintf(&b, "  %3d  %s\n", e.Code, e.Meaning)
	}
	b.WriteString("\n`cosmosctl can-i` answers a question instead, and exits with:\n\n")
	for _, e := range errs.CanIExitCodes {
		fmt.Fprintf(&b, "  %3d  %s\n", e.Code, e.Meaning)
	}
	b.WriteString("\nErrors go to stderr as one line, plus a hint line when there is a fix to suggest.\n")
	return b.String()
}

// newHelpTopicExitCodes is a help topic: `cosmosctl help exit-codes`.
func newHelpTopicExitCodes(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "exit-codes",
		Short: "Exit codes and what they mean",
		Long:  ExitCodesText(),
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			_, err := io.WriteString(f.IOStreams.Out, ExitCodesText())
			return err
		},
	}
	cmd.SetHelpFunc(func(c *cobra.Command, _ []string) {
		_, _ = io.WriteString(f.IOStreams.Out, c.Long)
	})
	cmd.GroupID = "tools"
	return cmd
}
