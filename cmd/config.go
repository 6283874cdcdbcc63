package cmd

import (
	"bufio"
	"cmp"
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"
	"go.yaml.in/yaml/v3"

	"github.com/cosmosctl/cosmosctl/internal/cmdutil"
	"github.com/cosmosctl/cosmosctl/internal/config"
	"github.com/cosmosctl/cosmosctl/internal/errs"
	"github.com/cosmosctl/cosmosctl/output"
)

// NewCmdConfig builds the `cosmosctl config` group.
func NewCmdConfig(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "config <command>",
		Short: "Manage profiles and settings (list, get, set, use, delete, view)",
		Long: `Profiles are named sets of settings in config.yaml (in $COSMOSCTL_CONFIG_DIR, else
$XDG_CONFIG_HOME/cosmosctl). The file never holds a secret.

Keys: ` + strings.Join(config.Keys(), ", ") + `

Precedence: flag > environment (COSMOSCTL_PROFILE, COSMOSCTL_ENDPOINT, COSMOSCTL_DATABASE,
COSMOSCTL_CONTAINER, COSMOSCTL_OUTPUT) > profile > default.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error { return cmd.Help() },
	}
	cmd.AddCommand(newCmdConfigList(f), newCmdConfigGet(f), newCmdConfigSet(f), newCmdConfigUse(f), newCmdConfigDelete(f), newCmdConfigView(f))
	return cmd
}

// configWithProfile loads the configuration, which must hold profile name.
func configWithProfile(f *cmdutil.Factory, name string) (*config.Config, error) {
	c, err := f.Config()
	if err != nil {
		return nil, err
	}
	if c.Profile(name) == nil {
		return nil, errs.New(errs.KindNotFound, nil, "list profiles with `cosmosctl config list`", "profile %q does not exist in %s", name, c.Path())
	}
	return c, nil
}

func newCmdConfigList(f *cmdutil.Factory) *cobra.Command {
	return &cobra.Command{
		Use:     "list",
		Aliases: []string{"ls"},
		Short:   "List profiles; * marks the current one",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := f.Config()
			if err != nil {
				return err
			}
			format, err := flagFormat(f)
			if err != nil {
				return err
			}
			oo := printOptions(cmd.Context(), f.IOStreams, format, printFlags(f)())
			if !humanLayout(oo) {
				return configPrintProfiles(f, oo, c)
			}
			out := f.IOStreams.Out
			if len(c.Profiles) == 0 {
				fmt.Fprintf(f.IOStreams.ErrOut, "no profiles in %s; create one with `cosmosctl config set endpoint URL --profile NAME`\n", c.Path())
				return nil
			}
			for _, name := range c.ProfileNames() {
				mark := " "
				if name == c.CurrentProfile {
					mark = "*"
				}
				fmt.Fprintf(out, "%s %s\t%s\n", mark, name, c.Profiles[name].Endpoint)
			}
			return nil
		},
	}
}

// configProfileJSON is one element of `config list -o json`.
type configProfileJSON struct {
	Name     string `json:"name"`
	Current  bool   `json:"current"`
	Endpoint string `json:"endpoint"`
}

// configPrintProfiles prints the profiles as a list of objects.
func configPrintProfiles(f *cmdutil.Factory, oo output.Options, c *config.Config) error {
	p, err := output.New(f.IOStreams.Out, oo)
	if err != nil {
		return printerError(err)
	}
	for _, name := range c.ProfileNames() {
		doc, err := marshalDoc(configProfileJSON{Name: name, Current: name == c.CurrentProfile, Endpoint: c.Profiles[name].Endpoint})
		if err != nil {
			return err
		}
		if err := p.Print(doc); err != nil {
			return err
		}
	}
	return p.Close()
}

func newCmdConfigGet(f *cmdutil.Factory) *cobra.Command {
	return &cobra.Command{
		Use:   "get KEY",
		Short: "Print one setting of the profile",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := f.Config()
			if err != nil {
				return err
			}
			name := f.ProfileName(c)
			p := c.Profile(name)
			if p == nil {
				return errs.New(errs.KindNotFound, nil, "", "profile %q does not exist in %s", name, c.Path())
			}
			v, err := p.Get(args[0])
			if err != nil {
				return errs.Usage("%s", err)
			}
			format, err := flagFormat(f)
			if err != nil {
				return err
			}
			oo := printOptions(cmd.Context(), f.IOStreams, format, printFlags(f)())
			if scalarRaw(oo) {
				fmt.Fprintln(f.IOStreams.Out, v)
				return nil
			}
			return printOne(f.IOStreams, oo, v)
		},
	}
}

func newCmdConfigSet(f *cmdutil.Factory) *cobra.Command {
	return &cobra.Command{
		Use:   "set KEY VALUE",
		Short: "Change one setting of the profile (created if missing; an empty VALUE clears it)",
		Example: `  cosmosctl config set endpoint https://myacct.documents.azure.com:443/
  cosmosctl --profile prod config set database shop`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := f.Config()
			if err != nil {
				return err
			}
			name := f.ProfileName(c)
			if args[0] == "output" {
				if err := config.ValidateOutput(args[1], output.Formats()); err != nil {
					return errs.Usage("%s", err)
				}
			}
			if err := c.EnsureProfile(name).Set(args[0], args[1]); err != nil {
				return errs.Usage("%s", err)
			}
			if c.CurrentProfile == "" {
				c.CurrentProfile = name
			}
			return c.Save()
		},
	}
}

func newCmdConfigUse(f *cmdutil.Factory) *cobra.Command {
	return &cobra.Command{
		Use:   "use PROFILE",
		Short: "Make PROFILE the current profile",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := configWithProfile(f, args[0])
			if err != nil {
				return err
			}
			c.CurrentProfile = args[0]
			if err := c.Save(); err != nil {
				return err
			}
			fmt.Fprintf(f.IOStreams.ErrOut, "current profile: %s\n", args[0])
			return nil
		},
	}
}

func newCmdConfigDelete(f *cmdutil.Factory) *cobra.Command {
	var yes bool
	cmd := &cobra.Command{
		Use:   "delete PROFILE",
		Short: "Delete a profile, and sign out of it when it is signed in",
		Long: `Delete a profile. When it is signed in, its tokens are removed too (as
` + "`cosmosctl logout`" + ` does for it): on a terminal you are asked first; otherwise --yes
is required.`,
		Example: "  cosmosctl config delete staging\n  cosmosctl config delete ci --yes",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			name := args[0]
			c, err := configWithProfile(f, name)
			if err != nil {
				return err
			}
			if a := c.Profile(name).Account; a != nil {
				if err := configConfirmDelete(f, name, a, yes); err != nil {
					return err
				}
				if err := configSignOut(cmd.Context(), f, name); err != nil {
					return err
				}
				// The sign-out saved the file; delete from what it holds now.
				if c, err = configWithProfile(f, name); err != nil {
					return err
				}
			}
			delete(c.Profiles, name)
			if c.CurrentProfile == name {
				c.CurrentProfile = ""
			}
			if err := c.Save(); err != nil {
				return err
			}
			fmt.Fprintf(f.IOStreams.ErrOut, "Deleted profile %s.\n", name)
			return nil
		},
	}
	cmd.Flags().BoolVarP(&yes, "yes", "y", false, "Delete a signed-in profile and its tokens without asking")
	return cmd
}

// configConfirmDelete asks before a signed-in profile and its tokens go:
// on a terminal it prompts; elsewhere only --yes proceeds, as a script
// must not lose a sign-in by accident.
func configConfirmDelete(f *cmdutil.Factory, name string, a *config.Account, yes bool) error {
	if yes {
		return nil
	}
	who := cmp.Or(a.Username, a.ClientID, a.Method)
	ios := f.IOStreams
	if !ios.IsStdinTTY() || !ios.IsStderrTTY() {
		return errs.New(errs.KindUsage, nil, "pass --yes to delete it and its tokens, or sign out first with `cosmosctl --profile "+name+" logout`",
			"profile %s is signed in (as %s): not deleting it without --yes when not on a terminal", name, who)
	}
	fmt.Fprintf(ios.ErrOut, "Profile %s is signed in as %s. Delete it and its tokens? [y/N] ", name, who)
	answer, _ := bufio.NewReader(ios.In).ReadString('\n')
	switch strings.ToLower(strings.TrimSpace(answer)) {
	case "y", "yes":
		return nil
	}
	return errs.New(errs.KindUsage, nil, "", "profile %s not deleted", name)
}

// configSignOut removes the tokens of profile name, as logout does.
func configSignOut(ctx context.Context, f *cmdutil.Factory, name string) error {
	// The session of that profile, whichever is current (as can-i --as):
	// the settings are built lazily, after this.
	f.Flags.Profile = name
	sess, err := f.AuthSession()
	if err != nil {
		return err
	}
	ctx, cancel := f.WithTimeout(ctx)
	defer cancel()
	was, warning, err := sess.Logout(ctx)
	if err != nil {
		return err
	}
	// Tokens left behind fail the delete before the profile goes, so a
	// later `config delete` (or logout) still finds them.
	if warning != nil {
		return warning
	}
	if was {
		fmt.Fprintf(f.IOStreams.ErrOut, "Signed out of profile %s.\n", name)
	}
	return nil
}

func newCmdConfigView(f *cmdutil.Factory) *cobra.Command {
	return &cobra.Command{
		Use:   "view",
		Short: "Print the configuration file and the effective settings",
		Long: `Print the configuration file and the effective settings: the file's YAML under two
comment lines on a terminal; piped, or with -o json, jsonl or yaml, one object
{"file", "effective", "config"}.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := f.Settings()
			if err != nil {
				return err
			}
			data, err := config.Marshal(s.Config)
			if err != nil {
				return err
			}
			oo := printOptions(cmd.Context(), f.IOStreams, s.Output, printFlags(f)())
			if !humanLayout(oo) {
				return configPrintView(f, oo, s, data)
			}
			out := f.IOStreams.Out
			fmt.Fprintf(out, "# file: %s\n", s.Config.Path())
			fmt.Fprintf(out, "# effective: profile=%s endpoint=%s database=%s container=%s output=%s\n",
				s.ProfileName, s.Endpoint, s.Database, s.Container, s.Output)
			_, err = out.Write(data)
			return err
		},
	}
}

// configViewJSON is the -o json shape of `config view`.
type configViewJSON struct {
	File      string `json:"file"`
	Effective struct {
		Profile   string `json:"profile"`
		Endpoint  string `json:"endpoint"`
		Database  string `json:"database"`
		Container string `json:"container"`
		Output    string `json:"output"`
	} `json:"effective"`
	Config any `json:"config"`
}

// configPrintView prints the file (its YAML data decoded) and the effective
// settings as one object.
func configPrintView(f *cmdutil.Factory, oo output.Options, s *config.Settings, data []byte) error {
	var v configViewJSON
	v.File = s.Config.Path()
	v.Effective.Profile, v.Effective.Endpoint, v.Effective.Database = s.ProfileName, s.Endpoint, s.Database
	v.Effective.Container, v.Effective.Output = s.Container, s.Output
	v.Config = map[string]any{}
	if err := yaml.Unmarshal(data, &v.Config); err != nil {
		return fmt.Errorf("config view: decoding %s: %w", v.File, err)
	}
	if v.Config == nil {
		v.Config = map[string]any{}
	}
	return printOne(f.IOStreams, oo, v)
}
