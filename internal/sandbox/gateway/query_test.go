package gateway

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/data/azcosmos"

	"github.com/cosmosctl/cosmosctl/internal/sandbox/engine"
)

// drain runs a pager to the end and returns the ids, the page sizes and the tokens seen.
func drain(t *testing.T, ctx context.Context, p *runtime.Pager[azcosmos.QueryItemsResponse]) (ids []string, sizes []int, tokens []string) {
	t.Helper()
	for p.More() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		sizes = append(sizes, len(page.Items))
		if page.ContinuationToken != nil {
			tokens = append(tokens, *page.ContinuationToken)
		}
		for _, it := range page.Items {
			var d struct {
				ID string `json:"id"`
			}
			if err := json.Unmarshal(it, &d); err != nil {
				t.Fatalf("item %s: %v", it, err)
			}
			ids = append(ids, d.ID)
		}
	}
	return ids, sizes, tokens
}

func allOrderIDs(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("o%02d", i)
	}
	return out
}

func sortedCopy(s []string) []string {
	c := append([]string(nil), s...)
	sort.Strings(c)
	return c
}

func TestQueryPagingAcrossRanges(t *testing.T) {
	f := newFixture(t, func(c *Config) {
		c.Databases[0].Containers = append(c.Databases[0].Containers, Container{ID: "sparse",
			PartitionKey: engine.PartitionKeyDef{Paths: []string{"/customer"}}, PhysicalPartitions: 4,
			Items: seedItems(`{"id":"only","customer":"c1"}`)})
	})
	ctx := context.Background()
	cc := containerClient(t, f.keyClient(testKeyString()), "shop", "orders")

	for _, size := range []int32{0, 1, 4, 7, 100} {
		t.Run(fmt.Sprintf("page size %d", size), func(t *testing.T) {
			ids, sizes, tokens := drain(t, ctx, cc.NewQueryItemsPager("SELECT * FROM c", azcosmos.NewPartitionKey(), &azcosmos.QueryOptions{PageSizeHint: size}))
			if got, want := strings.Join(sortedCopy(ids), ","), strings.Join(allOrderIDs(30), ","); got != want {
				t.Errorf("ids = %s\nwant %s", got, want)
			}
			for _, s := range sizes {
				if size > 0 && s > int(size) {
					t.Errorf("page of %d items exceeds the hint %d", s, size)
				}
			}
			for _, tok := range tokens {
				var tj tokenJSON
				if err := json.Unmarshal([]byte(tok), &tj); err != nil || !strings.HasPrefix(tj.Token, "+RID:~") || tj.Range.Max == "" {
					t.Errorf("token %q is not shaped like the gateway's", tok)
				}
			}
		})
	}

	// Empty ranges yield empty pages that still carry a continuation.
	sparse := containerClient(t, f.keyClient(testKeyString()), "shop", "sparse")
	ids, sizes, _ := drain(t, ctx, sparse.NewQueryItemsPager("SELECT * FROM c", azcosmos.NewPartitionKey(), nil))
	if strings.Join(ids, ",") != "only" || len(sizes) != 4 {
		t.Errorf("sparse: ids %v, page sizes %v (want 4 pages, one per range)", ids, sizes)
	}
	empty := 0
	for _, s := range sizes {
		if s == 0 {
			empty++
		}
	}
	if empty != 3 {
		t.Errorf("sparse: %d empty pages, want 3", empty)
	}
}

func TestContinuationSurvivesCacheEviction(t *testing.T) {
	f := newFixture(t, nil)
	f.gw.cache = newResultCache(1)
	ctx := context.Background()
	cc := containerClient(t, f.keyClient(testKeyString()), "shop", "orders")

	var ids []string
	token := (*string)(nil)
	for i := 0; ; i++ {
		p := cc.NewQueryItemsPager("SELECT * FROM c", azcosmos.NewPartitionKey(), &azcosmos.QueryOptions{PageSizeHint: 3, ContinuationToken: token})
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, itemIDs(t, page.Items)...)
		// Another query between pages evicts the first query's cached result.
		if _, err := cc.NewQueryItemsPager("SELECT * FROM c WHERE c.n > 5", azcosmos.NewPartitionKey(), nil).NextPage(ctx); err != nil {
			t.Fatal(err)
		}
		if f.gw.cache.len() != 1 {
			t.Fatalf("cache holds %d results", f.gw.cache.len())
		}
		if page.ContinuationToken == nil {
			break
		}
		token = page.ContinuationToken
		if i > 100 {
			t.Fatal("query does not terminate")
		}
	}
	if got, want := strings.Join(sortedCopy(ids), ","), strings.Join(allOrderIDs(30), ","); got != want {
		t.Errorf("ids = %s\nwant %s", got, want)
	}
}

func itemIDs(t *testing.T, items [][]byte) []string {
	t.Helper()
	var out []string
	for _, it := range items {
		var d struct {
			ID string `json:"id"`
		}
		if err := json.Unmarshal(it, &d); err != nil {
			t.Fatal(err)
		}
		out = append(out, d.ID)
	}
	return out
}

func TestQueryScopes(t *testing.T) {
	f := newFixture(t, nil)
	ctx := context.Background()
	cc := containerClient(t, f.keyClient(testKeyString()), "shop", "orders")

	// Partition key: only that logical partition, and any query shape is served.
	ids, _, _ := drain(t, ctx, cc.NewQueryItemsPager("SELECT * FROM c ORDER BY c.n DESC", azcosmos.NewPartitionKeyString("c3"), nil))
	if strings.Join(ids, ",") != "o24,o17,o10,o03" {
		t.Errorf("pk query = %v", ids)
	}
	ids, _, _ = drain(t, ctx, cc.NewQueryItemsPager("SELECT * FROM c WHERE c.n = @n", azcosmos.NewPartitionKeyString("c3"),
		&azcosmos.QueryOptions{QueryParameters: []azcosmos.QueryParameter{{Name: "@n", Value: 17}}}))
	if strings.Join(ids, ",") != "o17" {
		t.Errorf("parameterised pk query = %v", ids)
	}

	// Range ids: every document is in exactly one range.
	var union []string
	for _, r := range f.gw.dbs["shop"].colls["orders"].ranges {
		rctx := policy.WithHTTPHeader(ctx, http.Header{"x-ms-documentdb-partitionkeyrangeid": {r.ID}})
		ids, _, _ := drain(t, rctx, cc.NewQueryItemsPager("SELECT * FROM c ORDER BY c.n", azcosmos.NewPartitionKey(), nil))
		union = append(union, ids...)
	}
	if got, want := strings.Join(sortedCopy(union), ","), strings.Join(allOrderIDs(30), ","); got != want {
		t.Errorf("union of ranges = %s", got)
	}
	rctx := policy.WithHTTPHeader(ctx, http.Header{"x-ms-documentdb-partitionkeyrangeid": {"9"}})
	_, err := cc.NewQueryItemsPager("SELECT * FROM c", azcosmos.NewPartitionKey(), nil).NextPage(rctx)
	if st, sub, _ := respErr(t, err); st != 410 || sub != "1002" {
		t.Errorf("unknown range: %d/%s", st, sub)
	}

	// Plan request.
	pctx := policy.WithHTTPHeader(ctx, http.Header{"x-ms-cosmos-is-query-plan-request": {"True"}})
	page, err := cc.NewQueryItemsPager("SELECT * FROM c ORDER BY c.n", azcosmos.NewPartitionKey(), nil).NextPage(pctx)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := runtime.Payload(page.RawResponse)
	var plan struct {
		QueryInfo struct {
			OrderBy []string `json:"orderBy"`
		} `json:"queryInfo"`
	}
	if err := json.Unmarshal(body, &plan); err != nil || strings.Join(plan.QueryInfo.OrderBy, ",") != "Ascending" {
		t.Errorf("plan %s: %v", body, err)
	}
}

func TestQueryRefusals(t *testing.T) {
	f := newFixture(t, nil)
	ctx := context.Background()
	cc := containerClient(t, f.keyClient(testKeyString()), "shop", "orders")
	tests := []struct {
		name   string
		query  string
		opts   *azcosmos.QueryOptions
		status int
		sub    string
		text   string // exact, or prefix when it ends with "…"
		plan   bool
	}{
		{"order by", "SELECT * FROM c ORDER BY c.n", nil, 400, "1004", msgCrossPartition, true},
		{"value aggregate", "SELECT VALUE COUNT(1) FROM c", nil, 400, "1004", msgCrossPartition, true},
		{"order by several", "SELECT c.id FROM c ORDER BY c.n DESC, c.id", nil, 400, "1004", msgCrossPartition, true},
		{"top", "SELECT TOP 3 * FROM c", nil, 400, "1004", msgCrossPartition, true},
		{"offset limit", "SELECT * FROM c OFFSET 1 LIMIT 2", nil, 400, "1004", msgCrossPartition, true},
		{"distinct", "SELECT DISTINCT c.n FROM c", nil, 400, "1004", msgCrossPartition, true},
		{"distinct value", "SELECT DISTINCT VALUE c.n FROM c", nil, 400, "1004", msgCrossPartition, true},
		{"value sum", "SELECT VALUE SUM(c.n) FROM c", nil, 400, "1004", msgCrossPartition, true},
		{"value avg", "SELECT VALUE AVG(c.n) FROM c", nil, 400, "1004", msgCrossPartition, true},
		{"value min", "SELECT VALUE MIN(c.n) FROM c", nil, 400, "1004", msgCrossPartition, true},
		{"value max", "SELECT VALUE MAX(c.n) FROM c", nil, 400, "1004", msgCrossPartition, true},
		{"group by", "SELECT c.n, COUNT(1) AS k FROM c GROUP BY c.n", nil, 400, "0", msgNonValueAgg, false},
		{"non-value aggregate", "SELECT COUNT(1) AS n FROM c", nil, 400, "0", msgNonValueAgg, false},
		{"cross partition disabled", "SELECT * FROM c", &azcosmos.QueryOptions{EnableCrossPartitionQuery: to.Ptr(false)}, 400, "0", msgCrossDisabled, false},
		{"syntax error", "SELEC * FROM c", nil, 400, "0", `Message: {"errors":[…`, false},
		{"malformed continuation", "SELECT * FROM c", &azcosmos.QueryOptions{ContinuationToken: to.Ptr("garbage")}, 400, "0", `Message: {"Errors":["Invalid continuation token: it is malformed.…`, false},
		{"foreign continuation", "SELECT * FROM c", &azcosmos.QueryOptions{ContinuationToken: to.Ptr(`{"token":"+RID:~x#TRC:0#SBX:0#QH:abc","range":{"min":"","max":"FF"}}`)}, 400, "0", `Message: {"Errors":["Invalid continuation token: it was issued for a different query…`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := cc.NewQueryItemsPager(tt.query, azcosmos.NewPartitionKey(), tt.opts).NextPage(ctx)
			st, sub, body := respErr(t, err)
			if st != tt.status || sub != tt.sub || body.Code != "BadRequest" {
				t.Errorf("got %d/%s %s", st, sub, body.Code)
			}
			text := messageText(body.Message)
			if p, ok := strings.CutSuffix(tt.text, "…"); ok {
				if !strings.HasPrefix(text, p) {
					t.Errorf("message %q, want prefix %q", text, p)
				}
			} else if text != tt.text {
				t.Errorf("message %q, want %q", text, tt.text)
			}
			if tt.plan != (body.AdditionalErrorInfo != "") {
				t.Fatalf("additionalErrorInfo = %q", body.AdditionalErrorInfo)
			}
			if tt.plan {
				var plan struct {
					Version   int             `json:"partitionedQueryExecutionInfoVersion"`
					QueryInfo json.RawMessage `json:"queryInfo"`
				}
				if err := json.Unmarshal([]byte(body.AdditionalErrorInfo), &plan); err != nil || plan.Version != 2 || len(plan.QueryInfo) == 0 {
					t.Errorf("plan %q: %v", body.AdditionalErrorInfo, err)
				}
			}
		})
	}
	// A single physical partition serves everything.
	one := containerClient(t, f.keyClient(testKeyString()), "shop", "single")
	page, err := one.NewQueryItemsPager("SELECT VALUE COUNT(1) FROM c", azcosmos.NewPartitionKey(), nil).NextPage(ctx)
	if err != nil || len(page.Items) != 1 || string(page.Items[0]) != "6" {
		t.Errorf("single-range aggregate: %v %q", err, page.Items)
	}
}

func TestQueryHeaders(t *testing.T) {
	f := newFixture(t, nil)
	ctx := context.Background()
	cc := containerClient(t, f.keyClient(testKeyString()), "shop", "orders")
	page, err := cc.NewQueryItemsPager("SELECT * FROM c", azcosmos.NewPartitionKeyString("c3"), &azcosmos.QueryOptions{PopulateIndexMetrics: true}).NextPage(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if page.QueryMetrics == nil || !strings.Contains(*page.QueryMetrics, "retrievedDocumentCount=4;") || !strings.Contains(*page.QueryMetrics, "outputDocumentCount=4;") {
		t.Errorf("query metrics = %v", page.QueryMetrics)
	}
	if page.IndexMetrics == nil {
		t.Fatal("no index metrics")
	}
	if raw, err := base64.StdEncoding.DecodeString(*page.IndexMetrics); err != nil || !json.Valid(raw) || !strings.Contains(string(raw), "UtilizedSingleIndexes") {
		t.Errorf("index metrics %q: %v", *page.IndexMetrics, err)
	}
	h := page.RawResponse.Header
	if h.Get("x-ms-item-count") != "4" || h.Get("x-ms-session-token") == "" || page.RequestCharge <= 0 {
		t.Errorf("headers %v", h)
	}
}

func TestRequestChargeGrowsWithScan(t *testing.T) {
	if !(queryRequestCharge(10, 0) > queryRequestCharge(1, 0) && queryRequestCharge(1, 5) > queryRequestCharge(1, 0)) {
		t.Error("charge does not grow with documents scanned and returned")
	}
}

func TestPlanSupportedFeatures(t *testing.T) {
	f := newFixture(t, nil)
	ctx := context.Background()
	cc := containerClient(t, f.keyClient(testKeyString()), "shop", "orders")
	all := "Aggregate,CompositeAggregate,Distinct,GroupBy,MultipleAggregates,MultipleOrderBy,OffsetAndLimit,OrderBy,Top,NonValueAggregate,DCount,NonStreamingOrderBy"
	tests := []struct {
		query, supported string
		missing          []string
	}{
		{"SELECT * FROM c ORDER BY c.n", "OrderBy,Top", nil},
		{"SELECT * FROM c ORDER BY c.n OFFSET 1 LIMIT 2", "OrderBy", []string{"OffsetAndLimit"}},
		{"SELECT * FROM c ORDER BY c.n, c.id", "OrderBy", []string{"MultipleOrderBy"}},
		{"SELECT VALUE COUNT(1) FROM c", "Aggregate", nil},
		{"SELECT COUNT(1) AS n FROM c", "Aggregate", []string{"NonValueAggregate"}},
		{"SELECT DISTINCT VALUE c.customer FROM c", "OrderBy", []string{"Distinct"}},
		{"SELECT c.customer, COUNT(1) AS n FROM c GROUP BY c.customer", "Aggregate", []string{"GroupBy"}},
		{"SELECT TOP 3 * FROM c", "", []string{"Top"}},
		{"SELECT c.customer, COUNT(1) AS n FROM c GROUP BY c.customer", all, nil},
	}
	for _, tt := range tests {
		pctx := policy.WithHTTPHeader(ctx, http.Header{
			"x-ms-cosmos-is-query-plan-request":    {"True"},
			"x-ms-cosmos-supported-query-features": {tt.supported},
		})
		_, err := cc.NewQueryItemsPager(tt.query, azcosmos.NewPartitionKey(), nil).NextPage(pctx)
		if tt.missing == nil {
			if err != nil {
				t.Errorf("%s with %q: %v", tt.query, tt.supported, err)
			}
			continue
		}
		st, _, body := respErr(t, err)
		want := unsupportedFeaturesMessage(tt.missing)
		if st != 400 || messageText(body.Message) != want {
			t.Errorf("%s with %q: %d %q, want %q", tt.query, tt.supported, st, body.Message, want)
		}
	}
}

// A client that stops reading a response must not stall the gateway: the
// handlers answer while holding the store lock, so a write (which needs the
// lock exclusively) would wait for that client, and every later read behind it.
func TestStalledReaderDoesNotBlockWrites(t *testing.T) {
	f := newFixture(t, nil)
	stalled := &stalledWriter{header: http.Header{}, entered: make(chan struct{}), release: make(chan struct{})}
	query := signedRequest(t, http.MethodPost, "/dbs/shop/colls/orders/docs", []byte(`{"query":"SELECT * FROM c"}`), map[string]string{
		"Content-Type": "application/query+json", "x-ms-documentdb-query": "True", "x-ms-documentdb-partitionkey": `["c1"]`,
	})
	served := make(chan struct{})
	go func() {
		defer close(served)
		f.gw.ServeHTTP(stalled, query)
	}()
	<-stalled.entered

	create := signedRequest(t, http.MethodPost, "/dbs/shop/colls/orders/docs", []byte(`{"id":"new","customer":"c1"}`),
		map[string]string{"Content-Type": "application/json", "x-ms-documentdb-partitionkey": `["c1"]`})
	wrote := make(chan int, 1)
	go func() {
		rec := httptest.NewRecorder()
		f.gw.ServeHTTP(rec, create)
		wrote <- rec.Code
	}()
	select {
	case code := <-wrote:
		if code != http.StatusCreated {
			t.Errorf("create while another client stalls: status %d", code)
		}
	case <-time.After(10 * time.Second): // a deadlock guard, not a timing assertion
		t.Error("a write waited for a client that was not reading its response")
	}
	close(stalled.release)
	<-served
}

func TestResultCacheByteBound(t *testing.T) {
	result := func(rowBytes int) *cachedResult {
		return &cachedResult{Rows: []json.RawMessage{json.RawMessage(strings.Repeat("1", rowBytes-24))}}
	}
	steps := []struct {
		key   string
		bytes int
		want  []string // keys still cached afterwards
	}{
		{"a", 60, []string{"a"}},
		{"b", 30, []string{"a", "b"}},
		{"c", 40, []string{"b", "c"}}, // 130 > 100: the oldest goes
		{"b", 90, []string{"b"}},      // replacing b grows it: c goes too
		{"d", 200, []string{"d"}},     // the newest stays even when it alone is too big
	}
	rc := newResultCache(10)
	rc.maxBytes = 100
	for _, s := range steps {
		rc.put(s.key, result(s.bytes))
		var got []string
		for _, k := range []string{"a", "b", "c", "d"} {
			if _, ok := rc.items[k]; ok {
				got = append(got, k)
			}
		}
		if strings.Join(got, ",") != strings.Join(s.want, ",") {
			t.Errorf("after put(%s, %d bytes): cached %v, want %v", s.key, s.bytes, got, s.want)
		}
		if r, ok := rc.get(s.key); !ok || r.size() != s.bytes {
			t.Errorf("get(%s) after put: ok=%v", s.key, ok)
		}
	}
	if rc.bytes != 200 {
		t.Errorf("byte count %d, want 200", rc.bytes)
	}
}

// TestSubqueryModifiers: TOP, DISTINCT, OFFSET/LIMIT and GROUP BY inside a
// FROM (subquery) apply to the whole single-range container (or logical
// partition), not to one document at a time.
func TestSubqueryModifiers(t *testing.T) {
	f := newFixture(t, nil)
	ctx := context.Background()
	key := f.keyClient(testKeyString())
	tests := []struct {
		coll  string
		pk    azcosmos.PartitionKey
		query string
		want  string
	}{
		{"single", azcosmos.NewPartitionKey(), "SELECT VALUE COUNT(1) FROM (SELECT TOP 2 c.id FROM c) x", "2"},
		{"single", azcosmos.NewPartitionKey(), "SELECT VALUE COUNT(1) FROM (SELECT DISTINCT VALUE IS_STRING(c.pk) FROM c) x", "2"},
		{"single", azcosmos.NewPartitionKey(), "SELECT VALUE COUNT(1) FROM (SELECT c.id FROM c OFFSET 1 LIMIT 3) x", "3"},
		{"single", azcosmos.NewPartitionKey(), "SELECT VALUE COUNT(1) FROM (SELECT IS_STRING(c.pk) AS s FROM c GROUP BY IS_STRING(c.pk)) x", "2"},
		{"orders", azcosmos.NewPartitionKeyString("c3"), "SELECT VALUE COUNT(1) FROM (SELECT TOP 2 c.id FROM c) x", "2"},
	}
	for _, tt := range tests {
		t.Run(tt.coll+" "+tt.query, func(t *testing.T) {
			page, err := containerClient(t, key, "shop", tt.coll).NewQueryItemsPager(tt.query, tt.pk, nil).NextPage(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if len(page.Items) != 1 || string(page.Items[0]) != tt.want {
				t.Errorf("got %q, want [%s]", page.Items, tt.want)
			}
		})
	}
	// Across ranges the planner still refuses such a subquery (the reference
	// does not say what plan the service makes for it).
	_, err := containerClient(t, key, "shop", "orders").NewQueryItemsPager("SELECT VALUE COUNT(1) FROM (SELECT TOP 2 c.id FROM c) x", azcosmos.NewPartitionKey(), nil).NextPage(ctx)
	if st, sub, body := respErr(t, err); st != 400 || sub != "0" || !strings.Contains(body.Message, "inside a FROM subquery is not supported") {
		t.Errorf("cross-partition subquery: %d/%s %q", st, sub, body.Message)
	}
}
