package gateway

import (
	"bytes"
	"container/list"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/cosmosctl/cosmosctl/internal/sandbox/engine"
)

// queryBody is the POST body of a query.
type queryBody struct {
	Query      string `json:"query"`
	Parameters []struct {
		Name  string          `json:"name"`
		Value json.RawMessage `json:"value"`
	} `json:"parameters"`
}

func (x *exchange) readQuery() (string, []engine.Param, []byte, bool) {
	raw, err := io.ReadAll(io.LimitReader(x.r.Body, maxQueryBodyBytes+1))
	if err != nil {
		x.fail(http.StatusBadRequest, subNone, "", "reading the query body: "+err.Error())
		return "", nil, nil, false
	}
	if len(raw) > maxQueryBodyBytes {
		x.fail(http.StatusRequestEntityTooLarge, subNone, "", "The query body is larger than the sandbox limit of 2 MiB.")
		return "", nil, nil, false
	}
	var qb queryBody
	if err := json.Unmarshal(raw, &qb); err != nil {
		x.fail(http.StatusBadRequest, subNone, "", `Message: {"Errors":["The query body is not valid JSON: `+jsonEscape(err.Error())+`"]}`)
		return "", nil, nil, false
	}
	if strings.TrimSpace(qb.Query) == "" {
		x.fail(http.StatusBadRequest, subNone, "", `Message: {"Errors":["The query body has no \"query\"."]}`)
		return "", nil, nil, false
	}
	params := make([]engine.Param, len(qb.Parameters))
	for i, p := range qb.Parameters {
		params[i] = engine.Param{Name: p.Name, Value: p.Value}
	}
	return qb.Query, params, raw, true
}

// jsonEscape escapes s for embedding inside a JSON string literal.
func jsonEscape(s string) string {
	b, _ := json.Marshal(s)
	return string(b[1 : len(b)-1])
}

// parseQuery parses text, answering 400 the way the service does for syntax errors.
func (x *exchange) parseQuery(text string) (*engine.Query, bool) {
	q, err := engine.Parse(text)
	if err != nil {
		x.queryFailed(err)
		return nil, false
	}
	return q, true
}

// queryFailed answers an engine error: syntax errors, and query errors that
// carry a service error code, send the service's JSON after "Message: ";
// plain query errors are sent as they are.
func (x *exchange) queryFailed(err error) {
	var se *engine.SyntaxError
	var qe *engine.QueryError
	switch {
	case errors.As(err, &se):
		x.fail(http.StatusBadRequest, subNone, "", "Message: "+se.Error())
	case errors.As(err, &qe) && qe.Code != "":
		x.fail(http.StatusBadRequest, subNone, "", "Message: "+qe.Error())
	case errors.As(err, &qe):
		x.fail(http.StatusBadRequest, subNone, "", qe.Error())
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		x.fail(http.StatusRequestTimeout, subNone, "RequestTimeout", "The query was cancelled: "+err.Error())
	default:
		x.fail(http.StatusInternalServerError, subNone, "", "The sandbox query engine failed: "+err.Error())
	}
}

// listDatabases serves GET /dbs and the databases query.
func (g *Gateway) listDatabases(x *exchange, isQuery bool) {
	if !g.authorize(x, actReadMetadata, "/", "/") {
		return
	}
	g.mu.RLock()
	var bodies []any
	for _, id := range g.order {
		bodies = append(bodies, g.dbs[id].body())
	}
	g.mu.RUnlock()
	g.serveMetadataFeed(x, isQuery, "", "Databases", bodies)
}

// listContainers serves GET /dbs/{db}/colls and the containers query.
func (g *Gateway) listContainers(x *exchange, ref resourceRef, isQuery bool) {
	if !g.authorize(x, actReadMetadata, "/dbs/"+ref.db, "dbs/"+ref.db) {
		return
	}
	g.mu.RLock()
	db := g.dbs[ref.db]
	var bodies []any
	var rid string
	if db != nil {
		rid = db.rid
		for _, id := range db.order {
			bodies = append(bodies, db.colls[id].body())
		}
	}
	g.mu.RUnlock()
	if db == nil {
		x.fail(http.StatusNotFound, subOwnerMissing, "", msgOwnerMissing)
		return
	}
	g.serveMetadataFeed(x, isQuery, rid, "DocumentCollections", bodies)
}

// serveMetadataFeed returns metadata resources, filtered by the query when
// there is one (e.g. "SELECT * FROM root r WHERE r.id = @id"), in one page.
func (g *Gateway) serveMetadataFeed(x *exchange, isQuery bool, rid, key string, bodies []any) {
	rows := make([]json.RawMessage, 0, len(bodies))
	for _, b := range bodies {
		raw, err := json.Marshal(b)
		if err != nil {
			x.fail(http.StatusInternalServerError, subNone, "", "encoding metadata: "+err.Error())
			return
		}
		rows = append(rows, raw)
	}
	if isQuery {
		text, params, _, ok := x.readQuery()
		if !ok {
			return
		}
		q, ok := x.parseQuery(text)
		if !ok {
			return
		}
		docs := make([]*engine.Document, 0, len(rows))
		for _, r := range rows {
			d, err := engine.NewDocument(r)
			if err != nil {
				x.fail(http.StatusInternalServerError, subNone, "", "loading metadata: "+err.Error())
				return
			}
			docs = append(docs, d)
		}
		res, err := q.Execute(x.r.Context(), docs, params)
		if err != nil {
			x.queryFailed(err)
			return
		}
		rows = res.Rows
	}
	x.w.Header().Set("x-ms-item-count", strconv.Itoa(len(rows)))
	x.writeJSON(http.StatusOK, feedEnvelope(rid, key, rows))
}

// feedEnvelope renders {"_rid":…,"<key>":[rows…],"_count":n} keeping row bytes as they are.
func feedEnvelope(rid, key string, rows []json.RawMessage) []byte {
	var b bytes.Buffer
	b.WriteString(`{"_rid":`)
	r, _ := json.Marshal(rid)
	b.Write(r)
	b.WriteString(`,"` + key + `":[`)
	for i, row := range rows {
		if i > 0 {
			b.WriteByte(',')
		}
		b.Write(row)
	}
	b.WriteString(`],"_count":` + strconv.Itoa(len(rows)) + `}`)
	return b.Bytes()
}

// queryScope says which documents a query page reads.
type queryScope struct {
	mode  byte   // 'p' logical partition, 'r' one range, 'x' every range in order
	pkKey string // mode 'p'
}

// continuation is the decoded position of the next page: offset rows of
// the result over the token's EPK span were returned. The span (the
// token's "range") is the range that issued the token; after a split it
// covers several ranges, and the position still means the same rows.
type continuation struct {
	unit   int    // index of the issuing range when issued (informational)
	offset int    // rows of the span's result already returned
	hash   string // query fingerprint; a token only resumes the query that issued it
}

func (g *Gateway) queryDocuments(x *exchange, ref resourceRef) {
	if !g.authorize(x, actExecuteQuery, "/"+ref.collLink(), ref.collLink()) {
		return
	}
	text, params, rawBody, ok := x.readQuery()
	if !ok {
		return
	}
	g.mu.RLock()
	defer g.mu.RUnlock()
	c := g.ownedContainer(x, ref)
	if c == nil {
		return
	}
	q, ok := x.parseQuery(text)
	if !ok {
		return
	}
	h := x.r.Header
	if strings.EqualFold(h.Get("x-ms-cosmos-is-query-plan-request"), "true") {
		plan, err := q.PlanWithPolicy(c.pk, c.vectors, params)
		if err != nil {
			x.queryFailed(err)
			return
		}
		// The gateway refuses a plan the client says it cannot execute.
		if supported, ok := h[http.CanonicalHeaderKey("x-ms-cosmos-supported-query-features")]; ok {
			missing, err := unsupportedFeatures(plan, strings.Join(supported, ","))
			if err != nil {
				x.fail(http.StatusInternalServerError, subNone, "", "The sandbox query engine produced an unreadable plan: "+err.Error())
				return
			}
			if len(missing) > 0 {
				x.fail(http.StatusBadRequest, subNone, "", unsupportedFeaturesMessage(missing))
				return
			}
		}
		x.charge = baseRequestCharge
		x.writeJSON(http.StatusOK, []byte(plan))
		return
	}

	scope := queryScope{}
	var pinned *engine.Range // mode 'r': the range the request names
	switch {
	case h.Get("x-ms-documentdb-partitionkey") != "":
		pk, ok := g.partitionKeyFromHeader(x, c)
		if !ok {
			return
		}
		scope.mode, scope.pkKey = 'p', pk
	case h.Get("x-ms-documentdb-partitionkeyrangeid") != "":
		id := h.Get("x-ms-documentdb-partitionkeyrangeid")
		idx, found := c.rangeIndexByID(id)
		if !found {
			x.failRangeGone(c, id)
			return
		}
		scope.mode = 'r'
		r := c.ranges[idx]
		pinned = &r
	default:
		scope.mode = 'x'
		if len(c.ranges) > 1 {
			if !strings.EqualFold(h.Get("x-ms-documentdb-query-enablecrosspartition"), "true") {
				x.fail(http.StatusBadRequest, subNone, "", msgCrossDisabled)
				return
			}
			if q.NonValueAggregate() {
				x.fail(http.StatusBadRequest, subNone, "", msgNonValueAgg)
				return
			}
			if q.NeedsCrossPartitionState() {
				plan, err := q.PlanWithPolicy(c.pk, c.vectors, params)
				if err != nil {
					x.queryFailed(err)
					return
				}
				x.failWithInfo(http.StatusBadRequest, subCrossPartition, "", msgCrossPartition, string(plan))
				return
			}
		}
	}

	fp := queryFingerprint(rawBody, scope)
	pos := continuation{hash: fp}
	var tokSpan *epkSpan
	badToken := func(why string) {
		x.fail(http.StatusBadRequest, subNone, "", `Message: {"Errors":["Invalid continuation token: `+why+`. Resume a query only with the x-ms-continuation value the gateway returned for the same query."]}`)
	}
	if tok := h.Get("x-ms-continuation"); tok != "" {
		var err error
		var sp epkSpan
		if pos, sp, err = decodeContinuationSpan(tok); err != nil {
			badToken("it is malformed")
			return
		}
		if pos.hash != fp {
			badToken("it was issued for a different query, partition key or range")
			return
		}
		tokSpan = &sp
	}
	maxItems := defaultMaxItemCount
	if v := h.Get("x-ms-max-item-count"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < -1 {
			x.fail(http.StatusBadRequest, subNone, "", `Message: {"Errors":["Invalid value for x-ms-max-item-count: `+jsonEscape(v)+`"]}`)
			return
		}
		if n > 0 {
			maxItems = n
		}
	}

	// Which rows this page takes: the result over span, from pos.offset,
	// keeping only the rows of `only` when a split parent's token resumes
	// on one of its children.
	var (
		span    epkSpan
		r       engine.Range // the range that answers (headers, session)
		only    *engine.Range
		nextFor func(end int) string
	)
	switch scope.mode {
	case 'p':
		r = c.ranges[c.rangeOfKey(scope.pkKey)]
		span = spanOf(r)
	case 'r':
		r = *pinned
		span = spanOf(r)
		if tokSpan != nil && *tokSpan != span {
			if !tokSpan.covers(span) || !c.isRangeUnion(*tokSpan) {
				badToken("it was issued for a different query, partition key or range")
				return
			}
			span, only = *tokSpan, pinned
		}
	case 'x':
		span = spanOf(c.ranges[0])
		if tokSpan != nil {
			if !c.isRangeUnion(*tokSpan) {
				badToken("it was issued for a different query, partition key or range")
				return
			}
			span = *tokSpan
		}
		r = c.ranges[c.rangesIn(span)[0]]
	}
	unit, _ := c.rangeIndexByID(r.ID)
	nextFor = func(end int) string {
		return encodeContinuation(c.rid, continuation{unit: unit, offset: end, hash: fp}, engine.Range{MinInclusive: span.min, MaxExclusive: span.max})
	}

	started := time.Now()
	res, err := g.spanResult(x.r.Context(), c, q, params, scope, span, fp)
	if err != nil {
		x.queryFailed(err)
		return
	}
	rows := res.Rows
	if pos.offset > len(rows) {
		pos.offset = len(rows) // the data shrank since the token was issued
	}
	var page []json.RawMessage
	next := ""
	if only != nil {
		idx, err := g.childShare(x.r.Context(), c, q, params, scope, span, *only, res, pos.offset, fp)
		if err != nil {
			var ce *shareError
			if errors.As(err, &ce) {
				badToken(ce.Error())
				return
			}
			x.queryFailed(err)
			return
		}
		n := min(maxItems, len(idx))
		for _, i := range idx[:n] {
			page = append(page, rows[i])
		}
		if n < len(idx) {
			next = nextFor(idx[n-1] + 1)
		}
	} else {
		end := min(pos.offset+maxItems, len(rows))
		page = rows[pos.offset:end]
		switch {
		case end < len(rows):
			next = nextFor(end)
		case scope.mode == 'x' && span.max != "FF":
			// The next range starts in the next page; that page may be empty.
			for i, nr := range c.ranges {
				if nr.MinInclusive == span.max {
					next = encodeContinuation(c.rid, continuation{unit: i, hash: fp}, nr)
					break
				}
			}
		}
	}

	scanned := 0
	if pos.offset == 0 {
		scanned = res.Scanned
	}
	x.charge = queryRequestCharge(scanned, len(page))
	x.session = r.ID + ":-1#" + strconv.FormatInt(c.lsn, 10)
	hd := x.w.Header()
	if next != "" {
		hd.Set("x-ms-continuation", next)
	}
	hd.Set("x-ms-item-count", strconv.Itoa(len(page)))
	hd.Set("x-ms-documentdb-partitionkeyrangeid", r.ID)
	if strings.EqualFold(h.Get("x-ms-documentdb-populatequerymetrics"), "true") {
		hd.Set("x-ms-documentdb-query-metrics", queryMetrics(scanned, page, time.Since(started)))
	}
	if strings.EqualFold(h.Get("x-ms-cosmos-populateindexmetrics"), "true") {
		hd.Set("x-ms-cosmos-index-utilization", base64.StdEncoding.EncodeToString([]byte(
			`{"UtilizedSingleIndexes":[],"PotentialSingleIndexes":[],"UtilizedCompositeIndexes":[],"PotentialCompositeIndexes":[]}`)))
	}
	x.writeJSON(http.StatusOK, feedEnvelope(c.rid, "Documents", page))
	if scope.mode != 'p' {
		servedID, db, coll := r.ID, ref.db, ref.coll
		if scope.mode == 'x' && span != spanOf(r) {
			servedID = "" // a split parent's rows: no current range was read alone
		}
		x.after = func() { g.servedPage(db, coll, servedID) }
	}
}

// queryRequestCharge grows with the documents scanned and returned, like RUs.
func queryRequestCharge(scanned, returned int) float64 {
	return queryBaseRequestCharge + float64(scanned)*chargePerScannedDoc + float64(returned)*chargePerReturnedDoc
}

func queryMetrics(scanned int, page []json.RawMessage, elapsed time.Duration) string {
	size := 0
	for _, p := range page {
		size += len(p)
	}
	ms := float64(elapsed.Microseconds()) / 1000
	return fmt.Sprintf("totalExecutionTimeInMs=%.2f;queryCompileTimeInMs=0.01;queryLogicalPlanBuildTimeInMs=0.01;"+
		"queryPhysicalPlanBuildTimeInMs=0.01;queryOptimizationTimeInMs=0.01;VMExecutionTimeInMs=%.2f;indexLookupTimeInMs=0.00;"+
		"instructionCount=0;documentLoadTimeInMs=0.00;systemFunctionExecuteTimeInMs=0.00;userFunctionExecuteTimeInMs=0.00;"+
		"retrievedDocumentCount=%d;retrievedDocumentSize=0;outputDocumentCount=%d;outputDocumentSize=%d;writeOutputTimeInMs=0.00;"+
		"indexUtilizationRatio=1.00", ms, ms, scanned, len(page), size)
}

// spanResult returns the full result of q over the documents of one EPK
// span (a range, or what a split range covers now) or one logical
// partition, from the cache when possible. Callers hold g.mu (read).
func (g *Gateway) spanResult(ctx context.Context, c *container, q *engine.Query, params []engine.Param, scope queryScope, sp epkSpan, fp string) (*cachedResult, error) {
	key := c.rid + "|" + fp + "|" + sp.min + "|" + sp.max + "|" + strconv.FormatInt(c.version, 10)
	if r, ok := g.cache.get(key); ok {
		return r, nil
	}
	var docs []*engine.Document
	for _, d := range c.docs {
		if scope.mode == 'p' {
			if d.pkKey == scope.pkKey {
				docs = append(docs, d.doc)
			}
		} else if sp.has(d.epk) {
			docs = append(docs, d.doc)
		}
	}
	res, err := q.ExecuteWithPolicy(ctx, c.vectors, docs, params)
	if err != nil {
		return nil, fmt.Errorf("executing the query: %w", err)
	}
	r := &cachedResult{Rows: res.Rows, Scanned: res.Scanned}
	g.cache.put(key, r)
	return r, nil
}

// shareError is a split parent's token that a child cannot honour.
type shareError struct{ msg string }

func (e *shareError) Error() string { return e.msg }

// childShare finds the rows of a split range's result (parent, over span)
// that belong to the child range `child`, from offset on, as indexes into
// parent.Rows. Rows are attributed by matching them against each current
// range's own result: walking the parent's rows in order, each goes to the
// first range (in EPK order) whose result still holds an equal row. Equal
// rows are interchangeable, so this attribution loses and duplicates
// nothing. A row past offset that no range produces on its own (a partial
// aggregate, a group spanning ranges) means the position cannot be
// honoured on the children.
func (g *Gateway) childShare(ctx context.Context, c *container, q *engine.Query, params []engine.Param, scope queryScope, span epkSpan, child engine.Range, parent *cachedResult, offset int, fp string) ([]int, error) {
	members := c.rangesIn(span)
	counts := make([]map[string]int, len(members))
	me := -1
	for j, idx := range members {
		if c.ranges[idx].ID == child.ID {
			me = j
		}
		res, err := g.spanResult(ctx, c, q, params, scope, spanOf(c.ranges[idx]), fp)
		if err != nil {
			return nil, err
		}
		counts[j] = make(map[string]int, len(res.Rows))
		for _, row := range res.Rows {
			counts[j][string(row)]++
		}
	}
	var out []int
	for i, row := range parent.Rows {
		owner := -1
		for j := range counts {
			if counts[j][string(row)] > 0 {
				counts[j][string(row)]--
				owner = j
				break
			}
		}
		if i < offset {
			continue
		}
		if owner < 0 {
			return nil, &shareError{"it was issued by a partition key range that has split, and this query's rows cannot be divided between its children (restart the query on the children)"}
		}
		if owner == me {
			out = append(out, i)
		}
	}
	return out, nil
}

// queryFingerprint identifies a query and how it is scoped (logical
// partition, pinned range or whole container), so a continuation token
// cannot resume a different query. Ranges are not part of it: a token
// names its EPK span, which stays meaningful across splits.
func queryFingerprint(body []byte, scope queryScope) string {
	h := fnv.New64a()
	h.Write(body)
	h.Write([]byte{0, scope.mode})
	h.Write([]byte(scope.pkKey))
	return strconv.FormatUint(h.Sum64(), 16)
}

type tokenJSON struct {
	Token string `json:"token"`
	Range struct {
		Min string `json:"min"`
		Max string `json:"max"`
	} `json:"range"`
}

// encodeContinuation produces a token shaped like the real gateway's
// ({"token":"+RID:…#RT:…#TRC:…","range":{…}}). The position lives in the
// token itself, so it survives eviction of the cached result.
func encodeContinuation(collRID string, pos continuation, r engine.Range) string {
	var t tokenJSON
	t.Token = fmt.Sprintf("+RID:~%s#RT:%d#TRC:%d#ISV:2#IEO:65567#QCF:8#SBX:%d#QH:%s", collRID, pos.unit+1, pos.offset, pos.unit, pos.hash)
	t.Range.Min, t.Range.Max = r.MinInclusive, r.MaxExclusive
	b, _ := json.Marshal(t)
	return string(b)
}

// decodeContinuationSpan decodes a token and the EPK span it names.
func decodeContinuationSpan(s string) (continuation, epkSpan, error) {
	pos, err := decodeContinuation(s)
	if err != nil {
		return pos, epkSpan{}, err
	}
	var t tokenJSON
	_ = json.Unmarshal([]byte(s), &t) // decodeContinuation parsed it already
	if t.Range.Max == "" || (t.Range.Max != "FF" && t.Range.Max <= t.Range.Min) {
		return continuation{}, epkSpan{}, fmt.Errorf("bad range")
	}
	return pos, epkSpan{t.Range.Min, t.Range.Max}, nil
}

func decodeContinuation(s string) (continuation, error) {
	var t tokenJSON
	if err := json.Unmarshal([]byte(s), &t); err != nil {
		return continuation{}, fmt.Errorf("not JSON: %w", err)
	}
	pos := continuation{unit: -1, offset: -1}
	for _, f := range strings.Split(t.Token, "#") {
		k, v, _ := strings.Cut(f, ":")
		switch k {
		case "TRC":
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 {
				return continuation{}, fmt.Errorf("bad TRC %q", v)
			}
			pos.offset = n
		case "SBX":
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 {
				return continuation{}, fmt.Errorf("bad SBX %q", v)
			}
			pos.unit = n
		case "QH":
			pos.hash = v
		}
	}
	if pos.unit < 0 || pos.offset < 0 || pos.hash == "" {
		return continuation{}, fmt.Errorf("missing fields")
	}
	return pos, nil
}

// cachedResult is one range's full query result.
type cachedResult struct {
	Rows    []json.RawMessage
	Scanned int
}

// resultCacheBytes bounds the row bytes the result cache keeps. Entries
// are whole range results (copies of the documents for SELECT *), so a
// count alone would let a few queries over a large container hold many
// copies of it.
const resultCacheBytes = 256 << 20

// resultCache is a small LRU of query results keyed by query, range and
// container version, bounded by entries and by bytes. The newest entry is
// kept even when it alone exceeds the byte bound: it is the result being
// paged through, and dropping it would re-run the query for every page.
type resultCache struct {
	mu       sync.Mutex
	limit    int
	maxBytes int
	bytes    int
	ll       *list.List
	items    map[string]*list.Element
}

type cacheEntry struct {
	key  string
	val  *cachedResult
	size int
}

func newResultCache(limit int) *resultCache {
	return &resultCache{limit: limit, maxBytes: resultCacheBytes, ll: list.New(), items: map[string]*list.Element{}}
}

// size approximates the memory a result holds: its row bytes plus a slice header per row.
func (r *cachedResult) size() int {
	n := 0
	for _, row := range r.Rows {
		n += len(row) + 24
	}
	return n
}

func (rc *resultCache) get(key string) (*cachedResult, bool) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if e, ok := rc.items[key]; ok {
		rc.ll.MoveToFront(e)
		return e.Value.(*cacheEntry).val, true
	}
	return nil, false
}

func (rc *resultCache) put(key string, val *cachedResult) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	size := val.size()
	if e, ok := rc.items[key]; ok {
		ce := e.Value.(*cacheEntry)
		rc.bytes += size - ce.size
		ce.val, ce.size = val, size
		rc.ll.MoveToFront(e)
	} else {
		rc.items[key] = rc.ll.PushFront(&cacheEntry{key: key, val: val, size: size})
		rc.bytes += size
	}
	for rc.ll.Len() > rc.limit || (rc.bytes > rc.maxBytes && rc.ll.Len() > 1) {
		last := rc.ll.Back()
		ce := last.Value.(*cacheEntry)
		rc.ll.Remove(last)
		delete(rc.items, ce.key)
		rc.bytes -= ce.size
	}
}

func (rc *resultCache) len() int {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return rc.ll.Len()
}

// partitionKeyFromHeader parses and checks the partition key header against
// the container definition, answering 400 when it does not fit.
func (g *Gateway) partitionKeyFromHeader(x *exchange, c *container) (string, bool) {
	h := x.r.Header.Get("x-ms-documentdb-partitionkey")
	if h == "" {
		x.fail(http.StatusBadRequest, subNone, "", `Message: {"Errors":["PartitionKey value must be supplied for this operation."]}`)
		return "", false
	}
	comps, err := parsePartitionKeyHeader(h)
	if err != nil {
		x.fail(http.StatusBadRequest, subNone, "", `Message: {"Errors":["`+jsonEscape(err.Error())+`"]}`)
		return "", false
	}
	switch {
	case len(comps) < len(c.pk.Paths):
		x.fail(http.StatusBadRequest, subNone, "", msgPKFewer)
		return "", false
	case len(comps) > len(c.pk.Paths):
		x.fail(http.StatusBadRequest, subNone, "", msgPKMore)
		return "", false
	}
	return "[" + strings.Join(comps, ",") + "]", true
}

// rangeOfKey finds the range of a logical partition: from a stored document
// with that key, else by hashing the key.
func (c *container) rangeOfKey(pkKey string) int {
	for _, d := range c.docs {
		if d.pkKey == pkKey {
			return d.rangeIdx
		}
	}
	var values []json.RawMessage
	if err := json.Unmarshal([]byte(pkKey), &values); err != nil {
		return 0 // contains "undefined": no stored document can match either
	}
	epk, err := engine.EffectivePartitionKey(c.pk, values)
	if err != nil {
		return 0
	}
	return c.rangeOf(epk)
}
