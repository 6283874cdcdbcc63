package cmd

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/cosmosctl/cosmosctl/internal/cmdutil"
	"github.com/cosmosctl/cosmosctl/internal/config"
	"github.com/cosmosctl/cosmosctl/internal/errs"
	"github.com/cosmosctl/cosmosctl/output"
)

// versionLine is the human version: a release or `go build` in a git
// checkout has a commit; `go run` and builds outside a checkout do not,
// which it says rather than printing "unknown" twice.
func versionLine(b cmdutil.BuildInfo) string {
	switch {
	case b.Commit != "unknown":
		return fmt.Sprintf("cosmosctl %s (commit %s, built %s)", b.Version, b.Commit, b.Date)
	case b.Version == "dev":
		return "cosmosctl dev (built from source without VCS information)"
	default: // go install module@version: the module version alone
		return fmt.Sprintf("cosmosctl %s (no commit recorded)", b.Version)
	}
}

// versionJSON is the -o json shape of `cosmosctl version`.
type versionJSON struct {
	Version string `json:"version"`
	Commit  string `json:"commit"`
	Date    string `json:"date"`
}

// NewCmdVersion builds `cosmosctl version`.
func NewCmdVersion(f *cmdutil.Factory) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version, commit and build date",
		Long: `Print the version, commit and build date: one line on a terminal, an object
{"version", "commit", "date"} when piped or with -o json, jsonl or yaml.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			format, err := flagFormat(f)
			if err != nil {
				return err
			}
			oo := printOptions(cmd.Context(), f.IOStreams, format, printFlags(f)())
			if humanLayout(oo) {
				_, err := fmt.Fprintln(f.IOStreams.Out, versionLine(f.Build))
				return err
			}
			return printOne(f.IOStreams, oo, versionJSON{Version: f.Build.Version, Commit: f.Build.Commit, Date: f.Build.Date})
		},
	}
}

// flagFormat is the output format from -o or COSMOSCTL_OUTPUT alone, for
// commands that must work without a valid profile (version, config list
// and get).
func flagFormat(f *cmdutil.Factory) (string, error) {
	format := f.Flags.Output
	if format == "" {
		format = f.Getenv("COSMOSCTL_OUTPUT")
	}
	if err := config.ValidateOutput(format, output.Formats()); err != nil {
		return "", errs.Usage("--output: %s", err)
	}
	return format, nil
}
