// Package completions provides dynamic shell completion values: profile
// names, keys and values from the configuration and (through listers the
// data layer supplies, cached on disk) databases, containers and RBAC
// scopes. It knows no CLI framework: the command layer adapts a Func to
// its shell completion hook.
package completions

import (
	"context"
	"slices"
	"strings"
	"time"
)

// Func returns the completions of toComplete. A failure (not signed in,
// offline, a broken config) completes nothing rather than erroring.
type Func func(ctx context.Context, toComplete string) []string

// Lister lists names from the account for completion (databases, or the
// containers of database). It must not prompt.
type Lister func(ctx context.Context, database string) ([]string, error)

// LookupTimeout bounds a lookup so that a slow network never hangs the
// shell: after it the cache (or nothing) answers.
const LookupTimeout = 2 * time.Second

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
		ctx, cancel := context.WithTimeout(ctx, LookupTimeout)
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

// Fixed completes with values.
func Fixed(values ...string) Func {
	return func(_ context.Context, toComplete string) []string { return filter(values, toComplete) }
}

// Scopes completes RBAC scopes: "/", "/dbs/DB" for the databases that
// databases lists and, once a database is typed ("/dbs/DB" or
// "/dbs/DB/..."), "/dbs/DB/colls/C" for its containers.
func Scopes(databases, containers Lister) Func {
	return func(ctx context.Context, toComplete string) []string {
		ctx, cancel := context.WithTimeout(ctx, LookupTimeout)
		defer cancel()
		all := []string{"/"}
		var dbs []string
		if databases != nil {
			dbs, _ = databases(ctx, "")
			for _, db := range dbs {
				all = append(all, "/dbs/"+db)
			}
		}
		// Containers are listed only for a database that exists, so that
		// typing a name letter by letter asks nothing for each prefix.
		if db, ok := scopeDatabase(toComplete); ok && containers != nil && slices.Contains(dbs, db) {
			if cs, err := containers(ctx, db); err == nil {
				for _, c := range cs {
					all = append(all, "/dbs/"+db+"/colls/"+c)
				}
			}
		}
		return filter(all, toComplete)
	}
}

// scopeDatabase is DB of a scope being typed as "/dbs/DB" or "/dbs/DB/...".
func scopeDatabase(s string) (string, bool) {
	rest, ok := strings.CutPrefix(s, "/dbs/")
	if !ok {
		return "", false
	}
	db, _, _ := strings.Cut(rest, "/")
	return db, db != ""
}

// Bounded returns as soon as ctx is done even when list does not (a
// keyring call waiting on an unlock prompt ignores ctx): the shell gets
// its answer in time and the process, which ends after answering, takes
// the abandoned lookup with it.
func Bounded(list Lister) Lister {
	return func(ctx context.Context, database string) ([]string, error) {
		type result struct {
			names []string
			err   error
		}
		done := make(chan result, 1) // buffered: an abandoned lookup never blocks
		go func() {
			names, err := list(ctx, database)
			done <- result{names, err}
		}()
		select {
		case r := <-done:
			return r.names, r.err
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}
