// Package gateway is the sandbox's Cosmos DB for NoSQL gateway: an http.Handler
// that speaks the REST dialect azcosmos v1.5.0 expects (envelopes, headers,
// master-key and Entra ID auth, data-plane RBAC, physical partitions, paging,
// the cross-partition refusal, query plans, change feed and fault injection).
//
// It knows nothing of TLS listeners, seed files or the fake Entra ID server;
// the caller (internal/sandbox) builds a Config and serves the Gateway.
package gateway

import (
	"crypto/rsa"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/cosmosctl/cosmosctl/internal/sandbox/engine"
)

// Config describes the account the gateway impersonates.
type Config struct {
	AccountName       string                                  // appears in "Request blocked by Auth <account> : …" messages
	MasterKey         []byte                                  // decoded account key (HMAC key)
	AcceptEmulatorKey bool                                    // also accept the well-known emulator key
	LocalAuthDisabled bool                                    // key requests → 401 "Local Authorization is disabled. …"
	TokenKey          func(kid string) (*rsa.PublicKey, bool) // Entra signing keys (JWKS) for RS256 verification
	TokenIssuer       string                                  // the exact "iss" Entra puts in access tokens ("" = not checked)
	Tenant            string                                  // expected "tid" ("" = not checked)
	ExtraAudiences    []string                                // accepted besides the request's own scheme://host and scheme://host:port
	Authorizer        Authorizer                              // RBAC decision; nil allows every data action
	Databases         []Database
	Faults            Faults
	Now               func() time.Time // nil = time.Now
}

// Database is one seeded database.
type Database struct {
	ID         string
	Containers []Container
}

// Container is one seeded container.
type Container struct {
	ID                 string
	PartitionKey       engine.PartitionKeyDef
	PhysicalPartitions int // 0 means 1
	DefaultTTL         *int
	// Vectors is the vectorEmbeddingPolicy (VectorDistance's defaults) and
	// VectorIndexes the indexingPolicy.vectorIndexes; both are returned in
	// the container's properties.
	Vectors       engine.VectorPolicy
	VectorIndexes []VectorIndex
	// Throughput is the provisioned RU/s its offer reports; 0 means 400.
	Throughput int
	Items      []json.RawMessage
}

// VectorIndex is one entry of a container's indexingPolicy.vectorIndexes.
type VectorIndex struct {
	Path string `json:"path"`
	Type string `json:"type"` // flat, quantizedFlat, diskANN
}

// Authorizer answers whether a principal (token oid, plus token groups) may
// perform a data action (e.g. "Microsoft.DocumentDB/databaseAccounts/readMetadata")
// on a scope path ("/", "/dbs/shop", "/dbs/shop/colls/orders").
type Authorizer interface {
	Allowed(principalID string, groups []string, action string, scope string) bool
}

// Stats counts requests served, for tests.
type Stats struct {
	Total    int
	ByStatus map[int]int
	Resets   int // connections dropped by the reset fault (no status was sent)
}

// Gateway is the http.Handler. Create it with New.
type Gateway struct {
	cfg   Config
	now   func() time.Time
	dbs   map[string]*database
	order []string // database ids in seed order (feeds list them in this order)

	mu sync.RWMutex // guards dbs/order contents and all container documents

	cache *resultCache

	faultMu sync.Mutex // guards rng: one seeded stream keeps fault decisions reproducible
	rng     *rand.Rand

	statsMu sync.Mutex
	stats   Stats

	triggerMu sync.Mutex // guards triggers (SplitRangeAfter)
	triggers  []*splitTrigger

	pageFail pageFailer // Faults.FailAfter, FailQueryPagesAfter
}

// New validates cfg and loads the seed documents.
func New(cfg Config) (*Gateway, error) {
	g := &Gateway{
		cfg:   cfg,
		now:   cfg.Now,
		dbs:   map[string]*database{},
		cache: newResultCache(64),
		stats: Stats{ByStatus: map[int]int{}},
	}
	if g.now == nil {
		g.now = time.Now
	}
	if cfg.AccountName == "" {
		g.cfg.AccountName = "sandbox"
	}
	seed := cfg.Faults.Seed
	if !cfg.Faults.Seeded {
		seed = uint64(time.Now().UnixNano())
	}
	g.rng = rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))

	loadTS := g.now().Unix()
	nOffers := 0
	for di, d := range cfg.Databases {
		if d.ID == "" {
			return nil, fmt.Errorf("database #%d: empty id", di+1)
		}
		if _, dup := g.dbs[d.ID]; dup {
			return nil, fmt.Errorf("database %q: duplicate id", d.ID)
		}
		db := newDatabase(d.ID, di+1, loadTS)
		for ci, c := range d.Containers {
			if c.ID == "" {
				return nil, fmt.Errorf("database %q: container #%d: empty id", d.ID, ci+1)
			}
			if _, dup := db.colls[c.ID]; dup {
				return nil, fmt.Errorf("database %q: container %q: duplicate id", d.ID, c.ID)
			}
			coll, err := newContainer(db, c, ci+1, loadTS)
			if err != nil {
				return nil, fmt.Errorf("database %q: container %q: %w", d.ID, c.ID, err)
			}
			if coll.throughput <= 0 {
				coll.throughput = defaultThroughput
			}
			nOffers++
			coll.offerID = offerID(nOffers)
			db.colls[c.ID] = coll
			db.order = append(db.order, c.ID)
		}
		g.dbs[d.ID] = db
		g.order = append(g.order, d.ID)
	}
	splits, err := parseSplitFaults(cfg.Faults.Split)
	if err != nil {
		return nil, err
	}
	for _, sf := range splits {
		db := g.dbs[sf.db]
		if db == nil || db.colls[sf.coll] == nil {
			return nil, fmt.Errorf("split fault: container %s/%s does not exist", sf.db, sf.coll)
		}
		if _, ok := db.colls[sf.coll].rangeIndexByID(sf.rangeID); !ok {
			return nil, fmt.Errorf("split fault: %s/%s has no partition key range %q", sf.db, sf.coll, sf.rangeID)
		}
		g.SplitRangeAfter(sf.db, sf.coll, sf.rangeID, sf.after)
	}
	g.pageFail.after = cfg.Faults.FailAfter
	return g, nil
}

// Stats returns a snapshot of the request counters.
func (g *Gateway) Stats() Stats {
	g.statsMu.Lock()
	defer g.statsMu.Unlock()
	s := Stats{Total: g.stats.Total, Resets: g.stats.Resets, ByStatus: make(map[int]int, len(g.stats.ByStatus))}
	for k, v := range g.stats.ByStatus {
		s.ByStatus[k] = v
	}
	return s
}

func (g *Gateway) count(status int) {
	g.statsMu.Lock()
	defer g.statsMu.Unlock()
	g.stats.Total++
	if status == 0 {
		g.stats.Resets++
		return
	}
	g.stats.ByStatus[status]++
}
