package gateway

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/google/uuid"
)

// resourceKind is what a request path addresses.
type resourceKind int

const (
	kindAccount resourceKind = iota
	kindDatabases
	kindDatabase
	kindContainers
	kindContainer
	kindPKRanges
	kindDocuments
	kindDocument
	kindOffers     // the offers (throughput) feed
	kindOffer      // one offer, addressed by its rid
	kindSproc      // one stored procedure: POST executes it, other methods manage it
	kindManagement // sprocs, triggers, udfs, users, permissions, conflicts, …
	kindUnknown
)

// resourceRef is a parsed request path plus the master-key signing inputs.
type resourceRef struct {
	kind               resourceKind
	db, coll, doc      string
	signType, signLink string
}

// collLink is the container's name path, "dbs/{db}/colls/{coll}": its RBAC
// scope without the leading "/", and the resource 403 messages quote.
func (ref resourceRef) collLink() string { return "dbs/" + ref.db + "/colls/" + ref.coll }

// parsePath splits the escaped path into unescaped segments and derives the
// resource type and link exactly as the SDK signs them (cosmos-wire.md §4.1).
func parsePath(escaped string) (resourceRef, error) {
	trimmed := strings.Trim(escaped, "/")
	var segs []string
	if trimmed != "" {
		for _, s := range strings.Split(trimmed, "/") {
			u, err := pathUnescape(s)
			if err != nil {
				return resourceRef{}, fmt.Errorf("invalid path segment %q: %w", s, err)
			}
			segs = append(segs, u)
		}
	}
	ref := resourceRef{kind: kindUnknown}
	n := len(segs)
	switch {
	case n == 0:
	case n%2 == 0:
		ref.signType, ref.signLink = segs[n-2], strings.Join(segs, "/")
	default:
		ref.signType, ref.signLink = segs[n-1], strings.Join(segs[:n-1], "/")
	}
	at := func(i int, want string) bool { return i < n && segs[i] == want }
	switch {
	case n == 0:
		ref.kind = kindAccount
	case at(0, "dbs") && n == 1:
		ref.kind = kindDatabases
	case at(0, "dbs") && n == 2:
		ref.kind, ref.db = kindDatabase, segs[1]
	case at(0, "dbs") && at(2, "colls") && n == 3:
		ref.kind, ref.db = kindContainers, segs[1]
	case at(0, "dbs") && at(2, "colls") && n == 4:
		ref.kind, ref.db, ref.coll = kindContainer, segs[1], segs[3]
	case at(0, "dbs") && at(2, "colls") && at(4, "pkranges") && n == 5:
		ref.kind, ref.db, ref.coll = kindPKRanges, segs[1], segs[3]
	case at(0, "dbs") && at(2, "colls") && at(4, "docs") && n == 5:
		ref.kind, ref.db, ref.coll = kindDocuments, segs[1], segs[3]
	case at(0, "dbs") && at(2, "colls") && at(4, "docs") && n == 6:
		ref.kind, ref.db, ref.coll, ref.doc = kindDocument, segs[1], segs[3], segs[5]
	case at(0, "dbs") && at(2, "colls") && at(4, "sprocs") && n == 6:
		ref.kind, ref.db, ref.coll, ref.doc = kindSproc, segs[1], segs[3], segs[5]
	case at(0, "offers") && n == 1:
		ref.kind = kindOffers
	case at(0, "offers") && n == 2:
		// Offers are addressed by rid, and rid-based links are signed
		// lower-cased and without the "offers/" prefix (REST "Get an Offer").
		ref.kind, ref.doc, ref.signLink = kindOffer, segs[1], strings.ToLower(segs[1])
	case at(0, "offers"), at(0, "users"),
		at(0, "dbs") && n >= 3 && !at(2, "colls"), // users, permissions
		at(0, "dbs") && at(2, "colls") && n >= 5:  // sprocs, triggers, udfs, conflicts, …
		ref.kind = kindManagement
		if n >= 4 {
			ref.db, ref.coll = segs[1], segs[3]
		}
	}
	return ref, nil
}

// pathUnescape is url.PathUnescape without turning '+' into a space.
func pathUnescape(s string) (string, error) {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '%' {
			b.WriteByte(s[i])
			continue
		}
		if i+2 >= len(s) {
			return "", fmt.Errorf("truncated escape")
		}
		v, err := strconv.ParseUint(s[i+1:i+3], 16, 8)
		if err != nil {
			return "", fmt.Errorf("bad escape %q", s[i:i+3])
		}
		b.WriteByte(byte(v))
		i += 2
	}
	return b.String(), nil
}

// ServeHTTP implements http.Handler.
func (g *Gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	x := &exchange{w: w, r: r, activityID: r.Header.Get("x-ms-activity-id"), charge: baseRequestCharge}
	if x.activityID == "" {
		x.activityID = uuid.NewString()
	}
	if g.applyFaults(x) {
		return
	}
	defer func() { g.count(x.status) }()

	ref, err := parsePath(r.URL.EscapedPath())
	if err != nil {
		x.fail(http.StatusBadRequest, subNone, "", err.Error())
		return
	}
	if f := g.authenticate(x, ref); f != nil {
		x.fail(f.status, f.substatus, "", f.message)
		return
	}
	// Handlers answer into a buffer that is sent once they have returned:
	// they answer while holding g.mu, and a client that stops reading must
	// not hold the lock (a write would wait for it, and every read behind
	// the write). Sending after x.after also means a client that has its
	// answer sees the split that answer triggered.
	held := &heldResponse{w: w, status: http.StatusOK}
	x.w = held
	g.dispatch(x, ref)
	if x.after != nil {
		x.after()
	}
	held.flush()
}

func (g *Gateway) dispatch(x *exchange, ref resourceRef) {
	m := x.r.Method
	isQuery := m == http.MethodPost && isQueryContentType(x.r.Header.Get("Content-Type"))
	switch {
	case ref.kind == kindAccount && m == http.MethodGet:
		g.readAccount(x)
	case ref.kind == kindDatabases && (m == http.MethodGet || isQuery):
		g.listDatabases(x, isQuery)
	case ref.kind == kindDatabase && m == http.MethodGet:
		g.readDatabase(x, ref)
	case ref.kind == kindContainers && (m == http.MethodGet || isQuery):
		g.listContainers(x, ref, isQuery)
	case ref.kind == kindContainer && m == http.MethodGet:
		g.readContainer(x, ref)
	case ref.kind == kindPKRanges && m == http.MethodGet:
		g.readPKRanges(x, ref)
	case ref.kind == kindDocuments && isQuery:
		g.queryDocuments(x, ref)
	case ref.kind == kindDocuments && m == http.MethodGet:
		g.readDocumentFeed(x, ref)
	case ref.kind == kindDocuments && m == http.MethodPost:
		g.writeDocument(x, ref)
	case ref.kind == kindDocument && m == http.MethodGet:
		g.readDocument(x, ref)
	case ref.kind == kindSproc && m == http.MethodPost:
		g.executeSproc(x, ref)
	case ref.kind == kindDocument && (m == http.MethodPut || m == http.MethodDelete || m == http.MethodPatch):
		g.writeDocument(x, ref)
	case ref.kind == kindOffers && (m == http.MethodGet || isQuery):
		g.listOffers(x, isQuery)
	case ref.kind == kindOffer && m == http.MethodGet:
		g.readOffer(x, ref)
	case ref.kind == kindDatabases, ref.kind == kindDatabase, ref.kind == kindContainers,
		ref.kind == kindContainer, ref.kind == kindOffers, ref.kind == kindOffer, ref.kind == kindSproc, ref.kind == kindManagement:
		// Creating, replacing or deleting databases/containers, changing
		// throughput (offers) and server-side code are management operations.
		g.management(x)
	default:
		x.fail(http.StatusMethodNotAllowed, subNone, "", fmt.Sprintf("The sandbox does not support [%s %s].", m, x.r.URL.Path))
	}
}

func isQueryContentType(ct string) bool {
	ct, _, _ = strings.Cut(ct, ";")
	return strings.EqualFold(strings.TrimSpace(ct), "application/query+json")
}

// management answers operations the data plane cannot authorize with a token.
func (g *Gateway) management(x *exchange) {
	req := "[" + x.r.Method + " " + x.r.URL.Path + "]"
	if x.aad {
		x.fail(http.StatusForbidden, subManagementOp, "", g.blocked("The given request "+req+" cannot be authorized by AAD token in data plane. Learn more: https://aka.ms/cosmos-native-rbac."))
		return
	}
	x.fail(http.StatusForbidden, subManagementOp, "", "The sandbox does not support the management request "+req+
		": declare databases and containers (and their throughput) in the sandbox seed instead.")
}

// lookup returns the container named by ref, or nil. Callers hold g.mu.
func (g *Gateway) lookup(ref resourceRef) *container {
	db := g.dbs[ref.db]
	if db == nil {
		return nil
	}
	return db.colls[ref.coll]
}

// ownedContainer returns the container a document-level request names, or
// answers 404/1003 (its database or container does not exist) and returns
// nil. Callers hold g.mu.
func (g *Gateway) ownedContainer(x *exchange, ref resourceRef) *container {
	c := g.lookup(ref)
	if c == nil {
		x.fail(http.StatusNotFound, subOwnerMissing, "", msgOwnerMissing)
	}
	return c
}

// accountBody is the DatabaseAccount resource (cosmos-wire.md §2.2).
type accountBody struct {
	Self                         string         `json:"_self"`
	ID                           string         `json:"id"`
	RID                          string         `json:"_rid"`
	Media                        string         `json:"media"`
	Addresses                    string         `json:"addresses"`
	DBs                          string         `json:"_dbs"`
	WritableLocations            []location     `json:"writableLocations"`
	ReadableLocations            []location     `json:"readableLocations"`
	EnableMultipleWriteLocations bool           `json:"enableMultipleWriteLocations"`
	UserReplicationPolicy        map[string]int `json:"userReplicationPolicy"`
	UserConsistencyPolicy        map[string]any `json:"userConsistencyPolicy"`
	SystemReplicationPolicy      map[string]int `json:"systemReplicationPolicy"`
	ReadPolicy                   map[string]int `json:"readPolicy"`
	QueryEngineConfiguration     string         `json:"queryEngineConfiguration"`
}

type location struct {
	Name     string `json:"name"`
	Endpoint string `json:"databaseAccountEndpoint"`
}

func (g *Gateway) readAccount(x *exchange) {
	if !g.allowedAnywhere(x, actReadMetadata) {
		g.denyAnyScope(x)
		return
	}
	scheme := "http"
	if x.r.TLS != nil {
		scheme = "https"
	}
	// Advertise the request's own host:port: azcosmos routes every later
	// request to the advertised endpoint (cosmos-wire.md §2.3).
	loc := []location{{Name: "Sandbox", Endpoint: scheme + "://" + x.r.Host + "/"}}
	x.writeJSON(http.StatusOK, accountBody{
		ID: g.cfg.AccountName, RID: g.cfg.AccountName + ".sandbox", Media: "//media/", Addresses: "//addresses/", DBs: "//dbs/",
		WritableLocations: loc, ReadableLocations: loc,
		UserReplicationPolicy:    map[string]int{"asyncReplication": 0, "minReplicaSetSize": 3, "maxReplicasetSize": 4},
		UserConsistencyPolicy:    map[string]any{"defaultConsistencyLevel": "Session"},
		SystemReplicationPolicy:  map[string]int{"minReplicaSetSize": 3, "maxReplicasetSize": 4},
		ReadPolicy:               map[string]int{"primaryReadCoefficient": 1, "secondaryReadCoefficient": 1},
		QueryEngineConfiguration: `{"maxSqlQueryInputLength":262144,"maxJoinsPerSqlQuery":5,"maxLogicalAndPerSqlQuery":500,"maxLogicalOrPerSqlQuery":500,"maxUdfRefPerSqlQuery":10,"maxInExpressionItemsCount":16000,"queryMaxInMemorySortDocumentCount":500,"maxQueryRequestTimeoutFraction":0.9,"sqlAllowNonFiniteNumbers":false,"sqlAllowAggregateFunctions":true,"sqlAllowSubQuery":true,"sqlAllowScalarSubQuery":true,"allowNewKeywords":true,"sqlAllowLike":true,"sqlAllowGroupByClause":true,"maxSpatialQueryCells":12,"spatialMaxGeometryPointCount":256,"sqlDisableOptimizationFlags":0,"sqlAllowTop":true,"enableSpatialIndexing":true}`,
	})
}

// databaseBody and containerBody are the metadata resources (cosmos-wire.md §5.1).
type databaseBody struct {
	ID    string `json:"id"`
	RID   string `json:"_rid"`
	Self  string `json:"_self"`
	ETag  string `json:"_etag"`
	Colls string `json:"_colls"`
	Users string `json:"_users"`
	TS    int64  `json:"_ts"`
}

type pkDefBody struct {
	Paths   []string `json:"paths"`
	Kind    string   `json:"kind"`
	Version int      `json:"version"`
}

type containerBody struct {
	ID                       string          `json:"id"`
	IndexingPolicy           json.RawMessage `json:"indexingPolicy"`
	PartitionKey             pkDefBody       `json:"partitionKey"`
	DefaultTTL               *int            `json:"defaultTtl,omitempty"`
	ConflictResolutionPolicy json.RawMessage `json:"conflictResolutionPolicy"`
	GeospatialConfig         json.RawMessage `json:"geospatialConfig"`
	RID                      string          `json:"_rid"`
	TS                       int64           `json:"_ts"`
	Self                     string          `json:"_self"`
	ETag                     string          `json:"_etag"`
	Docs                     string          `json:"_docs"`
	Sprocs                   string          `json:"_sprocs"`
	Triggers                 string          `json:"_triggers"`
	UDFs                     string          `json:"_udfs"`
	Conflicts                string          `json:"_conflicts"`

	// Left out when the container has no vector properties.
	VectorEmbeddingPolicy *vectorPolicyBody `json:"vectorEmbeddingPolicy,omitempty"`
}

func (db *database) body() databaseBody {
	return databaseBody{ID: db.id, RID: db.rid, Self: "dbs/" + db.rid + "/", ETag: `"` + db.rid + `-0"`, Colls: "colls/", Users: "users/", TS: db.ts}
}

func (c *container) body() containerBody {
	return containerBody{
		ID:                       c.id,
		IndexingPolicy:           c.indexingPolicy(),
		PartitionKey:             pkDefBody{Paths: c.pk.Paths, Kind: c.pk.Kind, Version: c.pk.Version},
		DefaultTTL:               c.defaultTTL,
		ConflictResolutionPolicy: json.RawMessage(`{"mode":"LastWriterWins","conflictResolutionPath":"/_ts","conflictResolutionProcedure":""}`),
		GeospatialConfig:         json.RawMessage(`{"type":"Geography"}`),
		RID:                      c.rid, TS: c.ts, Self: "dbs/" + c.db.rid + "/colls/" + c.rid + "/", ETag: `"` + c.rid + `-0"`,
		Docs: "docs/", Sprocs: "sprocs/", Triggers: "triggers/", UDFs: "udfs/", Conflicts: "conflicts/",
		VectorEmbeddingPolicy: c.vectorPolicy(),
	}
}

func (g *Gateway) readDatabase(x *exchange, ref resourceRef) {
	if !g.authorize(x, actReadMetadata, "/dbs/"+ref.db, "dbs/"+ref.db) {
		return
	}
	g.mu.RLock()
	db := g.dbs[ref.db]
	var body databaseBody
	if db != nil {
		body = db.body()
	}
	g.mu.RUnlock()
	if db == nil {
		x.fail(http.StatusNotFound, subNone, "", msgResourceNotFound)
		return
	}
	x.w.Header().Set("etag", body.ETag)
	x.writeJSON(http.StatusOK, body)
}

func (g *Gateway) readContainer(x *exchange, ref resourceRef) {
	if !g.authorize(x, actReadMetadata, "/"+ref.collLink(), ref.collLink()) {
		return
	}
	g.mu.RLock()
	c := g.lookup(ref)
	var body containerBody
	if c != nil {
		body = c.body()
	}
	g.mu.RUnlock()
	if c == nil {
		x.fail(http.StatusNotFound, subNone, "", msgResourceNotFound)
		return
	}
	x.w.Header().Set("etag", body.ETag)
	x.writeJSON(http.StatusOK, body)
}

type pkRangeBody struct {
	ID                 string   `json:"id"`
	RID                string   `json:"_rid"`
	Self               string   `json:"_self"`
	ETag               string   `json:"_etag"`
	MinInclusive       string   `json:"minInclusive"`
	MaxExclusive       string   `json:"maxExclusive"`
	RIDPrefix          int      `json:"ridPrefix"`
	ThroughputFraction float64  `json:"throughputFraction"`
	Status             string   `json:"status"`
	Parents            []string `json:"parents"`
	TS                 int64    `json:"_ts"`
	LSN                int64    `json:"lsn"`
}

func (g *Gateway) readPKRanges(x *exchange, ref resourceRef) {
	if !g.authorize(x, actReadMetadata, "/"+ref.collLink(), ref.collLink()) {
		return
	}
	g.mu.RLock()
	defer g.mu.RUnlock()
	c := g.ownedContainer(x, ref)
	if c == nil {
		return
	}
	// One etag per generation of the range set ends the SDK's
	// incremental-feed loop on its second request (cosmos-wire.md §5.3); a
	// split starts a new generation so cached routing maps refresh.
	etag := `"` + c.rid + `-pkranges-` + strconv.Itoa(c.rangesGen+1) + `"`
	x.w.Header().Set("etag", etag)
	if inm := x.r.Header.Get("If-None-Match"); inm != "" && inm == etag {
		x.w.Header().Set("x-ms-item-count", "0")
		x.writeEmpty(http.StatusNotModified)
		return
	}
	ranges := make([]pkRangeBody, len(c.ranges))
	for i, r := range c.ranges {
		ranges[i] = pkRangeBody{
			ID: r.ID, RID: c.rid, Self: "dbs/" + c.db.rid + "/colls/" + c.rid + "/pkranges/" + r.ID + "/",
			ETag: `"` + c.rid + "-" + r.ID + `"`, MinInclusive: r.MinInclusive, MaxExclusive: r.MaxExclusive,
			RIDPrefix: i, ThroughputFraction: 1 / float64(len(c.ranges)), Status: "online", Parents: c.parentsOf(r.ID),
			TS: c.ts, LSN: c.lsn,
		}
	}
	x.w.Header().Set("x-ms-item-count", strconv.Itoa(len(ranges)))
	x.writeJSON(http.StatusOK, struct {
		RID    string        `json:"_rid"`
		Ranges []pkRangeBody `json:"PartitionKeyRanges"`
		Count  int           `json:"_count"`
	}{c.rid, ranges, len(ranges)})
}
