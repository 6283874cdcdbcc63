// Package completions provides dynamic shell completion values: profile
// names from the configuration and (through listers the data layer
// supplies) databases and containers. It knows no CLI framework: the
// command layer adapts a Func to its shell completion hook.
package completions

import (
	"context"
	"strings"
	"time"
)

// Func returns the completions of toComplete. A failure (not signed in,
// offline, a broken config) completes nothing rather than erroring.
type Func func(ctx context.Context, toComplete string) []string

// Lister lists names from the account for completion (databases, or the
// containers of database). It must not prompt.
type Lister func(ctx context.Context, database string) ([]string, error)

// lookupTimeout bounds a lookup so that a slow network never hangs the shell.
const lookupTimeout = 5 * time.Second

// Profiles completes with the profile names that names returns.
func Profiles(names func() ([]string, error)) Func {
	return func(_ context.Context, toComplete string) []string {
		all, err := names()
		if err != nil {
			return nil
		}
		return filter(all, toComplete)
	}
}

// Names completes with what list returns for the database in effect
// (from database); needDatabase completes nothing when there is none.
func Names(database func() (string, error), list Lister, needDatabase bool) Func {
	return func(ctx context.Context, toComplete string) []string {
		if list == nil {
			return nil
		}
		db, err := database()
		if err != nil {
			return nil
		}
		if needDatabase && db == "" {
			return nil
		}
		ctx, cancel := context.WithTimeout(ctx, lookupTimeout)
		defer cancel()
		names, err := list(ctx, db)
		if err != nil {
			return nil
		}
		return filter(names, toComplete)
	}
}

func filter(names []string, prefix string) []string {
	var out []string
	for _, n := range names {
		if strings.HasPrefix(n, prefix) {
			out = append(out, n)
		}
	}
	return out
}
