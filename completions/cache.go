package completions

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"time"

	"github.com/cosmosctl/cosmosctl/internal/atomicfile"
	"github.com/cosmosctl/cosmosctl/internal/safefile"
)

// DefaultTTL is how long looked-up names are offered without asking the
// account again: long enough for one editing session of a command line,
// short enough that a new container shows up soon.
const DefaultTTL = 3 * time.Minute

// maxCacheFile bounds what a cache read accepts; a cache of names is small.
const maxCacheFile = 1 << 20

// Cache keeps looked-up names on disk, one 0600 file per key under Dir.
// It holds names only (database and container ids), never a token. The
// zero Dir disables it.
type Cache struct {
	Dir string
	TTL time.Duration
	Now func() time.Time
}

type cacheEntry struct {
	Key   string    `json:"key"`
	Saved time.Time `json:"saved"`
	Names []string  `json:"names"`
}

func (c *Cache) path(key string) string {
	sum := sha256.Sum256([]byte(key))
	return filepath.Join(c.Dir, hex.EncodeToString(sum[:12])+".json")
}

// Load returns the names stored under key and whether they are younger
// than the TTL; ok is false when there are none.
func (c *Cache) Load(key string) (names []string, fresh, ok bool) {
	if c == nil || c.Dir == "" {
		return nil, false, false
	}
	b, err := safefile.Read(c.path(key), maxCacheFile)
	if err != nil {
		return nil, false, false
	}
	var e cacheEntry
	if json.Unmarshal(b, &e) != nil || e.Key != key {
		return nil, false, false
	}
	age := c.Now().Sub(e.Saved)
	return e.Names, age >= 0 && age < c.TTL, true
}

// Store saves names under key; a failure only costs the next lookup.
func (c *Cache) Store(key string, names []string) {
	if c == nil || c.Dir == "" {
		return
	}
	b, err := json.Marshal(cacheEntry{Key: key, Saved: c.Now().UTC(), Names: names})
	if err != nil {
		return
	}
	if os.MkdirAll(c.Dir, 0o700) != nil {
		return
	}
	_ = atomicfile.Write(c.path(key), b, 0o600)
}

// Cached wraps list with the cache: fresh names are offered without a
// lookup; otherwise list is asked and its answer stored, and when it fails
// the names last stored (however old) are offered. key names what is
// listed (profile, endpoint, database), so two accounts never mix.
func Cached(c *Cache, key func(database string) (string, error), list Lister) Lister {
	return func(ctx context.Context, database string) ([]string, error) {
		k, err := key(database)
		if err != nil {
			return nil, err
		}
		old, fresh, ok := c.Load(k)
		if fresh {
			return old, nil
		}
		names, err := list(ctx, database)
		if err != nil {
			if ok {
				return old, nil
			}
			return nil, err
		}
		c.Store(k, names)
		return names, nil
	}
}
