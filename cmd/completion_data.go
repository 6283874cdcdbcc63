package cmd

import (
	"context"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/cosmosctl/cosmosctl/completions"
	"github.com/cosmosctl/cosmosctl/internal/access"
	"github.com/cosmosctl/cosmosctl/internal/cmdutil"
	"github.com/cosmosctl/cosmosctl/internal/config"
	"github.com/cosmosctl/cosmosctl/output"
)

// sandboxFaultKinds are the names `sandbox --fault` takes (the sandbox
// gateway's ParseFaults; a test keeps the two in step).
var sandboxFaultKinds = []string{"throttle=", "unavailable=", "reset=", "latency=", "retryafter=", "split=", "seed="}

// registerCompletions wires the dynamic completions of root's flags and
// commands; it runs once the command tree is built.
func registerCompletions(root *cobra.Command, f *cmdutil.Factory) {
	profiles := complete(completions.Profiles(completionProfiles(f)))
	databases := completionNames(f, "databases", completionDatabases(f))
	containers := completionNames(f, "containers", completionContainers(f))
	_ = root.RegisterFlagCompletionFunc("profile", profiles)
	_ = root.RegisterFlagCompletionFunc("output", complete(completions.Fixed(output.Formats()...)))
	_ = root.RegisterFlagCompletionFunc("database", complete(completions.Names(completionDatabase(f), databases, false)))
	_ = root.RegisterFlagCompletionFunc("container", complete(completions.Names(completionDatabase(f), containers, true)))

	firstArg := func(path string, fn cobra.CompletionFunc) {
		if c := findCommand(root, path); c != nil {
			c.ValidArgsFunction = func(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
				if len(args) > 0 {
					return nil, cobra.ShellCompDirectiveNoFileComp
				}
				return fn(cmd, args, toComplete)
			}
		}
	}
	firstArg("config use", profiles)
	firstArg("config delete", profiles)
	firstArg("config get", complete(completions.Fixed(config.Keys()...)))
	firstArg("container show", complete(completions.Names(completionDatabase(f), containers, true)))
	if c := findCommand(root, "config set"); c != nil {
		c.ValidArgsFunction = completeConfigSet
	}
	if c := findCommand(root, "can-i"); c != nil {
		scopes := complete(completions.Scopes(databases, containers))
		c.ValidArgsFunction = func(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
			list, _ := cmd.Flags().GetBool("list")
			switch {
			case len(args) == 0 && !list:
				return access.Verbs(), cobra.ShellCompDirectiveNoFileComp
			case len(args) == 1 && !list, len(args) == 0 && list:
				return scopes(cmd, args, toComplete)
			}
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
	}
	if c := findCommand(root, "sandbox"); c != nil {
		faults := completions.Fixed(sandboxFaultKinds...)
		_ = c.RegisterFlagCompletionFunc("fault", func(cmd *cobra.Command, _ []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
			// NoSpace: the value follows the '='.
			return faults(cmd.Context(), toComplete), cobra.ShellCompDirectiveNoFileComp | cobra.ShellCompDirectiveNoSpace
		})
	}
}

// findCommand is the command at path ("config set"), nil when there is none.
func findCommand(root *cobra.Command, path string) *cobra.Command {
	c, rest, err := root.Find(strings.Fields(path))
	if err != nil || len(rest) > 0 {
		return nil
	}
	return c
}

// completeConfigSet completes `config set KEY VALUE`: the keys, then the
// values of the keys that have a fixed set of them.
func completeConfigSet(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
	var values []string
	switch {
	case len(args) == 0:
		values = config.Keys()
	case len(args) == 1 && args[0] == "output":
		values = output.Formats()
	case len(args) == 1 && args[0] == "auth":
		values = config.AuthMethods()
	case len(args) == 1 && args[0] == "cloud":
		values = config.Clouds()
	}
	return complete(completions.Fixed(values...))(cmd, args, toComplete)
}

// complete adapts a completions.Func to Cobra; no completion offers files.
func complete(fn completions.Func) cobra.CompletionFunc {
	return func(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		return fn(cmd.Context(), toComplete), cobra.ShellCompDirectiveNoFileComp
	}
}

// completionProfiles lists the profile names of the config file.
func completionProfiles(f *cmdutil.Factory) func() ([]string, error) {
	return func() ([]string, error) {
		c, err := f.Config()
		if err != nil {
			return nil, err
		}
		return c.ProfileNames(), nil
	}
}

// completionDatabase is the database in effect, for container completion.
func completionDatabase(f *cmdutil.Factory) func() (string, error) {
	return func() (string, error) {
		s, err := f.Settings()
		if err != nil {
			return "", err
		}
		return s.Database, nil
	}
}

// completionCacheDir is where looked-up names are kept: the user cache
// dir ($XDG_CACHE_HOME first, read through the factory so tests set it).
func completionCacheDir(f *cmdutil.Factory) string {
	base := f.Getenv("XDG_CACHE_HOME")
	if base == "" {
		d, err := os.UserCacheDir()
		if err != nil {
			return "" // no cache
		}
		base = d
	}
	return filepath.Join(base, "cosmosctl", "completion")
}

// completionNames caches what list returns under the profile, endpoint,
// kind and database, so that completion keeps answering (from names a
// few minutes old) when the account is slow or unreachable.
func completionNames(f *cmdutil.Factory, kind string, list completions.Lister) completions.Lister {
	return func(ctx context.Context, database string) ([]string, error) {
		cache := &completions.Cache{Dir: completionCacheDir(f), TTL: completions.DefaultTTL, Now: f.Now}
		key := func(database string) (string, error) {
			s, err := f.Settings()
			if err != nil {
				return "", err
			}
			endpoint, err := s.RequireEndpoint()
			if err != nil {
				return "", err
			}
			return strings.Join([]string{s.ProfileName, endpoint, kind, database}, "\n"), nil
		}
		return completions.Cached(cache, key, completions.Bounded(list))(ctx, database)
	}
}

// completionDatabases lists database ids for -d completion. It signs in
// silently (cached tokens only, like any data command) and does not
// retry: a shell waits on it.
func completionDatabases(f *cmdutil.Factory) completions.Lister {
	return func(ctx context.Context, _ string) ([]string, error) {
		c, err := f.NewCosmosClient(ctx, -1)
		if err != nil {
			return nil, err
		}
		dbs, err := c.Databases(ctx)
		if err != nil {
			return nil, err
		}
		ids := make([]string, len(dbs))
		for i, d := range dbs {
			ids[i] = d.ID
		}
		return ids, nil
	}
}

// completionContainers lists the container ids of database.
func completionContainers(f *cmdutil.Factory) completions.Lister {
	return func(ctx context.Context, database string) ([]string, error) {
		c, err := f.NewCosmosClient(ctx, -1)
		if err != nil {
			return nil, err
		}
		cs, err := c.Containers(ctx, database)
		if err != nil {
			return nil, err
		}
		ids := make([]string, len(cs))
		for i, p := range cs {
			ids[i] = p.ID
		}
		return ids, nil
	}
}
