package cmd

import (
	"io"

	"github.com/spf13/cobra"

	"github.com/cosmosctl/cosmosctl/internal/cmdutil"
)

// completionShells are the scripts `cosmosctl completion` prints: each
// shell's install instructions and generator.
var completionShells = []struct {
	name, short, long string
	gen               func(root *cobra.Command, w io.Writer) error
}{
	{
		name:  "bash",
		short: "Print the bash completion script (needs bash-completion v2)",
		long: `Print the bash completion script.

It needs the bash-completion package, version 2: without it, pressing Tab fails
with "_get_comp_words_by_ref: command not found". Install it first:

  Debian, Ubuntu:  sudo apt install bash-completion
  Fedora, RHEL:    sudo dnf install bash-completion
  macOS (bash 4+): brew install bash-completion@2   (then follow brew's note
                   on adding it to ~/.bash_profile)

Then load completions in the current shell:

  source <(cosmosctl completion bash)

and for every new shell, either add that line to ~/.bashrc or install the script:

  Linux:  cosmosctl completion bash > ~/.local/share/bash-completion/completions/cosmosctl
  macOS:  cosmosctl completion bash > "$(brew --prefix)/etc/bash_completion.d/cosmosctl"`,
		gen: func(root *cobra.Command, w io.Writer) error { return root.GenBashCompletionV2(w, true) },
	},
	{
		name:  "zsh",
		short: "Print the zsh completion script",
		long: `Print the zsh completion script.

Completion must be enabled in zsh; if it is not, add this to ~/.zshrc once:

  autoload -U compinit; compinit

Load completions in the current shell:

  source <(cosmosctl completion zsh)

and for every new shell, install the script in a directory of $fpath:

  Linux:  cosmosctl completion zsh > "${fpath[1]}/_cosmosctl"
  macOS:  cosmosctl completion zsh > "$(brew --prefix)/share/zsh/site-functions/_cosmosctl"

then start a new shell (if the old script is cached: rm -f ~/.zcompdump; compinit).`,
		gen: func(root *cobra.Command, w io.Writer) error { return root.GenZshCompletion(w) },
	},
	{
		name:  "fish",
		short: "Print the fish completion script",
		long: `Print the fish completion script.

Load completions in the current shell:

  cosmosctl completion fish | source

and for every new shell, install the script:

  cosmosctl completion fish > ~/.config/fish/completions/cosmosctl.fish`,
		gen: func(root *cobra.Command, w io.Writer) error { return root.GenFishCompletion(w, true) },
	},
	{
		name:  "powershell",
		short: "Print the PowerShell completion script",
		long: `Print the PowerShell completion script.

Load completions in the current shell:

  cosmosctl completion powershell | Out-String | Invoke-Expression

and for every new shell, add that line to your PowerShell profile (the file
$PROFILE names; create it with: New-Item -Type File -Force $PROFILE).`,
		gen: func(root *cobra.Command, w io.Writer) error { return root.GenPowerShellCompletionWithDesc(w) },
	},
}

// NewCmdCompletion builds `cosmosctl completion` and a subcommand per shell.
func NewCmdCompletion(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "completion bash|zsh|fish|powershell",
		Short: "Print the shell completion script",
		Long: `Print a completion script for your shell; ` + "`cosmosctl completion SHELL --help`" + ` says how to
install it. Besides commands and flags, it completes profiles, config keys and
values, output formats, can-i actions and scopes, sandbox faults, and the
databases and containers of the signed-in account: those are looked up with the
cached sign-in only (never a prompt), for at most a few seconds, and kept for a
few minutes in the user cache directory (names only) so that they still complete
when the account is unreachable.

  bash:        source <(cosmosctl completion bash)     (needs bash-completion v2)
  zsh:         cosmosctl completion zsh > "${fpath[1]}/_cosmosctl"
  fish:        cosmosctl completion fish > ~/.config/fish/completions/cosmosctl.fish
  powershell:  cosmosctl completion powershell | Out-String | Invoke-Expression`,
		// The subcommands are the shells; guardGroups refuses another one.
		Annotations: map[string]string{annotationValueSubcommands: "shell"},
		RunE:        func(cmd *cobra.Command, args []string) error { return cmd.Help() },
	}
	for _, sh := range completionShells {
		gen := sh.gen
		cmd.AddCommand(&cobra.Command{
			Use:                   sh.name,
			Short:                 sh.short,
			Long:                  sh.long,
			Args:                  cobra.NoArgs,
			DisableFlagsInUseLine: true,
			ValidArgsFunction:     cobra.NoFileCompletions,
			RunE: func(cmd *cobra.Command, args []string) error {
				return gen(cmd.Root(), f.IOStreams.Out)
			},
		})
	}
	return cmd
}
