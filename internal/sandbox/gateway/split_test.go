package gateway

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/data/azcosmos"

	"github.com/cosmosctl/cosmosctl/internal/sandbox/engine"
)

// splitFixture has a container "many" with 120 documents in 120 logical
// partitions over 2 ranges, so both children of a split hold documents.
func splitFixture(t *testing.T) (*fixture, *azcosmos.ContainerClient) {
	t.Helper()
	items := make([]json.RawMessage, 120)
	for i := range items {
		items[i] = json.RawMessage(fmt.Sprintf(`{"id":"d%03d","pk":"k%03d","n":%d,"g":%d,"tags":["t%d","t%d"]}`, i, i, (i*37)%50, i%3, i%4, i%5))
	}
	f := newFixture(t, func(c *Config) {
		c.Databases[0].Containers = append(c.Databases[0].Containers, Container{ID: "many",
			PartitionKey: engine.PartitionKeyDef{Paths: []string{"/pk"}}, PhysicalPartitions: 2, Items: items})
	})
	return f, containerClient(t, f.keyClient(testKeyString()), "shop", "many")
}

// pinnedPage reads one page of q pinned to a range.
func pinnedPage(ctx context.Context, cc *azcosmos.ContainerClient, q, rangeID string, size int32, token *string) (azcosmos.QueryItemsResponse, error) {
	rctx := policy.WithHTTPHeader(ctx, http.Header{"x-ms-documentdb-partitionkeyrangeid": {rangeID}})
	return cc.NewQueryItemsPager(q, azcosmos.NewPartitionKey(), &azcosmos.QueryOptions{PageSizeHint: size, ContinuationToken: token}).NextPage(rctx)
}

// drainPinned reads a range to the end from token, returning the rows.
func drainPinned(t *testing.T, cc *azcosmos.ContainerClient, q, rangeID string, size int32, token *string) []string {
	t.Helper()
	var rows []string
	for i := 0; ; i++ {
		page, err := pinnedPage(context.Background(), cc, q, rangeID, size, token)
		if err != nil {
			t.Fatalf("range %s: %v", rangeID, err)
		}
		for _, it := range page.Items {
			rows = append(rows, string(it))
		}
		if page.ContinuationToken == nil {
			return rows
		}
		token = page.ContinuationToken
		if i > 1000 {
			t.Fatal("range does not terminate")
		}
	}
}

func sortedRows(rs []string) string {
	c := append([]string(nil), rs...)
	sort.Strings(c)
	return strings.Join(c, "\n")
}

// isSubsequence reports whether sub appears in all in the same order.
func isSubsequence(sub, all []string) bool {
	i := 0
	for _, r := range all {
		if i < len(sub) && sub[i] == r {
			i++
		}
	}
	return i == len(sub)
}

func TestSplitRangeFeedAndGone(t *testing.T) {
	f, cc := splitFixture(t)
	ctx := context.Background()
	before := drainPinned(t, cc, "SELECT * FROM c", "1", 0, nil)
	resp := f.rawRequest(http.MethodGet, "/dbs/shop/colls/many/pkranges", nil, map[string]string{"A-IM": "Incremental Feed"}, true)
	oldETag := resp.Header.Get("etag")

	children, err := f.gw.SplitRange("shop", "many", "1")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(children, ",") != "2,3" {
		t.Fatalf("children = %v, want [2 3]", children)
	}
	if _, err := f.gw.SplitRange("shop", "many", "1"); err == nil {
		t.Error("splitting a gone range succeeded")
	}
	if _, err := f.gw.SplitRange("shop", "nope", "0"); err == nil {
		t.Error("splitting a range of a missing container succeeded")
	}

	// The old etag no longer ends the feed; the new one does.
	resp = f.rawRequest(http.MethodGet, "/dbs/shop/colls/many/pkranges", nil, map[string]string{"A-IM": "Incremental Feed", "If-None-Match": oldETag}, true)
	if resp.StatusCode != http.StatusOK || resp.Header.Get("etag") == oldETag {
		t.Fatalf("pkranges after split: status %d etag %q (old %q)", resp.StatusCode, resp.Header.Get("etag"), oldETag)
	}
	var feed struct {
		Ranges []pkRangeBody `json:"PartitionKeyRanges"`
	}
	if err := json.Unmarshal(readBody(t, resp), &feed); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range feed.Ranges {
		got = append(got, fmt.Sprintf("%s[%s,%s)%v", r.ID, r.MinInclusive, r.MaxExclusive, r.Parents))
	}
	want := []string{"0[,20000000000000000000000000000000)[]",
		"2[20000000000000000000000000000000,30000000000000000000000000000000)[1]",
		"3[30000000000000000000000000000000,FF)[1]"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("ranges = %v\nwant %v", got, want)
	}
	again := f.rawRequest(http.MethodGet, "/dbs/shop/colls/many/pkranges", nil, map[string]string{"A-IM": "Incremental Feed", "If-None-Match": resp.Header.Get("etag")}, true)
	if again.StatusCode != http.StatusNotModified {
		t.Errorf("pkranges with the new etag: status %d, want 304", again.StatusCode)
	}

	// The old id is gone: 410/1002 through azcosmos.
	_, err = pinnedPage(ctx, cc, "SELECT * FROM c", "1", 0, nil)
	if err == nil {
		t.Fatal("query pinned to the split range succeeded")
	}
	status, sub, body := respErr(t, err)
	if status != http.StatusGone || sub != "1002" || !strings.Contains(body.Message, "is gone") {
		t.Errorf("pinned to the old range: %d/%s %q", status, sub, body.Message)
	}

	// Documents moved to the children: together they hold the parent's.
	lo := drainPinned(t, cc, "SELECT * FROM c", "2", 0, nil)
	hi := drainPinned(t, cc, "SELECT * FROM c", "3", 0, nil)
	if len(lo) == 0 || len(hi) == 0 {
		t.Fatalf("children hold %d and %d documents; want both non-empty", len(lo), len(hi))
	}
	if sortedRows(append(lo, hi...)) != sortedRows(before) {
		t.Error("the children's documents differ from the parent's")
	}

	// A second-generation split lists every ancestor.
	if _, err := f.gw.SplitRange("shop", "many", "3"); err != nil {
		t.Fatal(err)
	}
	resp = f.rawRequest(http.MethodGet, "/dbs/shop/colls/many/pkranges", nil, map[string]string{"A-IM": "Incremental Feed"}, true)
	if err := json.Unmarshal(readBody(t, resp), &feed); err != nil {
		t.Fatal(err)
	}
	if n := len(feed.Ranges); n != 4 || strings.Join(feed.Ranges[3].Parents, ",") != "1,3" {
		t.Errorf("after a second split: %d ranges, last parents %v", n, feed.Ranges[len(feed.Ranges)-1].Parents)
	}
}

// TestParentTokenOnChildren: a token the parent issued resumes on each
// child with exactly the child's share of the parent's remaining rows, in
// the parent's order.
func TestParentTokenOnChildren(t *testing.T) {
	tests := []struct {
		name  string
		query string
		pages int // parent pages read before the split
		size  int32
	}{
		{"documents", "SELECT * FROM c", 2, 7},
		{"rewritten ORDER BY", `SELECT c._rid, [{"item": c.n}] AS orderByItems, c AS payload FROM c WHERE (true) ORDER BY c.n`, 3, 5},
		{"ORDER BY descending, ties", `SELECT c._rid, [{"item": c.g}] AS orderByItems, c.id AS payload FROM c WHERE (true) ORDER BY c.g DESC`, 1, 9},
		{"duplicate projections", "SELECT VALUE c.g FROM c", 2, 4},
		{"JOIN rows", "SELECT VALUE t FROM c JOIN t IN c.tags", 3, 6},
		{"DISTINCT", "SELECT DISTINCT VALUE c.n FROM c", 1, 4},
		{"TOP", "SELECT TOP 25 c.id FROM c", 2, 4},
		{"GROUP BY the partition key", `SELECT [{"item": c.pk}] AS groupByItems, {"pk": c.pk, "n": {"item": COUNT(1)}} AS payload FROM c GROUP BY c.pk`, 1, 10},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f, cc := splitFixture(t)
			ctx := context.Background()
			full := drainPinned(t, cc, tc.query, "1", tc.size, nil)
			var seen []string
			var token *string
			for i := 0; i < tc.pages; i++ {
				page, err := pinnedPage(ctx, cc, tc.query, "1", tc.size, token)
				if err != nil {
					t.Fatal(err)
				}
				for _, it := range page.Items {
					seen = append(seen, string(it))
				}
				if page.ContinuationToken == nil {
					t.Fatalf("the parent ended after %d pages; the test needs more", i+1)
				}
				token = page.ContinuationToken
			}
			if _, err := f.gw.SplitRange("shop", "many", "1"); err != nil {
				t.Fatal(err)
			}
			remaining := full[len(seen):]
			var union []string
			for _, child := range []string{"2", "3"} {
				share := drainPinned(t, cc, tc.query, child, tc.size, token)
				if !isSubsequence(share, remaining) {
					t.Errorf("child %s: share is not in the parent's order:\n%v\nparent rest:\n%v", child, share, remaining)
				}
				// Every row of the share is one the child itself produces.
				own := map[string]int{}
				for _, r := range drainPinned(t, cc, tc.query, child, 0, nil) {
					own[r]++
				}
				for _, r := range share {
					if own[r]--; own[r] < 0 {
						t.Errorf("child %s: share row %s is not the child's", child, r)
					}
				}
				union = append(union, share...)
			}
			if sortedRows(union) != sortedRows(remaining) {
				t.Errorf("children returned\n%s\nwant the parent's remaining rows\n%s", sortedRows(union), sortedRows(remaining))
			}
		})
	}
}

// TestParentTokenRefused: rows no child produces alone (partials of
// groups that span the children, aggregates) cannot be divided: 400.
func TestParentTokenRefused(t *testing.T) {
	f, cc := splitFixture(t)
	ctx := context.Background()
	q := `SELECT [{"item": c.g}] AS groupByItems, {"g": c.g, "n": {"item": COUNT(1)}} AS payload FROM c GROUP BY c.g`
	page, err := pinnedPage(ctx, cc, q, "1", 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	if page.ContinuationToken == nil {
		t.Fatal("no continuation after the first group")
	}
	if _, err := f.gw.SplitRange("shop", "many", "1"); err != nil {
		t.Fatal(err)
	}
	_, err = pinnedPage(ctx, cc, q, "2", 1, page.ContinuationToken)
	if err == nil {
		t.Fatal("a group partial token resumed on a child")
	}
	status, _, body := respErr(t, err)
	if status != http.StatusBadRequest || !strings.Contains(body.Message, "cannot be divided") {
		t.Errorf("status %d %q", status, body.Message)
	}
	// A token of another range is still foreign on the children.
	other, err := pinnedPage(ctx, cc, "SELECT * FROM c", "0", 3, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = pinnedPage(ctx, cc, "SELECT * FROM c", "2", 3, other.ContinuationToken)
	if status, _, _ := respErr(t, err); status != http.StatusBadRequest {
		t.Errorf("range 0's token on range 2: status %d, want 400", status)
	}
}

// TestCrossPartitionPagingAcrossSplit: the gateway's own fan-out keeps
// going when a range splits between pages (SplitRangeAfter).
func TestCrossPartitionPagingAcrossSplit(t *testing.T) {
	for _, after := range []int{1, 2, 4} {
		t.Run(fmt.Sprintf("after %d pages", after), func(t *testing.T) {
			f, cc := splitFixture(t)
			ctx := context.Background()
			want, _, _ := drain(t, ctx, cc.NewQueryItemsPager("SELECT * FROM c", azcosmos.NewPartitionKey(), nil))
			done := f.gw.SplitRangeAfter("shop", "many", "0", after)
			got, _, _ := drain(t, ctx, cc.NewQueryItemsPager("SELECT * FROM c", azcosmos.NewPartitionKey(), &azcosmos.QueryOptions{PageSizeHint: 11}))
			if children := <-done; len(children) != 2 {
				t.Fatalf("trigger: children %v", children)
			}
			if strings.Join(got, ",") != strings.Join(want, ",") {
				t.Errorf("ids = %v\nwant %v", got, want)
			}
			// Afterwards the container is served from three ranges.
			again, sizes, _ := drain(t, ctx, cc.NewQueryItemsPager("SELECT * FROM c", azcosmos.NewPartitionKey(), nil))
			if len(sizes) != 3 || sortedRows(again) != sortedRows(want) {
				t.Errorf("after the split: %d pages, ids %v", len(sizes), again)
			}
		})
	}
}

func TestEPKMidpoint(t *testing.T) {
	tests := []struct{ min, max, want string }{
		{"", "FF", "20000000000000000000000000000000"},
		{"", "20000000000000000000000000000000", "10000000000000000000000000000000"},
		{"20000000000000000000000000000000", "FF", "30000000000000000000000000000000"},
		{"15555555555555555555555555555555", "2AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "1FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF"},
		{"00000000000000000000000000000001", "00000000000000000000000000000002", ""},
		{"zz", "FF", ""},
	}
	for _, tc := range tests {
		got, err := epkMidpoint(tc.min, tc.max)
		if (err != nil) != (tc.want == "") || got != tc.want {
			t.Errorf("epkMidpoint(%q, %q) = %q, %v; want %q", tc.min, tc.max, got, err, tc.want)
		}
	}
}

func TestSplitFault(t *testing.T) {
	tests := []struct {
		spec, want, err string
	}{
		{"split=shop/many/1@2", "shop/many/1@2", ""},
		{"split=shop/many/0", "shop/many/0", ""},
		{"split=shop/many/1@0", "", "positive integer"},
		{"split=shop/1", "", "DATABASE/CONTAINER/RANGE"},
	}
	for _, tc := range tests {
		f, err := ParseFaults([]string{tc.spec})
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%s: err %v, want %q", tc.spec, err, tc.err)
			}
			continue
		}
		if err != nil || f.Split != tc.want {
			t.Errorf("%s: split %q, %v", tc.spec, f.Split, err)
		}
	}

	// Armed from the config: range 1 splits after two of its pages, while a
	// cross-partition query pages through it.
	f, cc := splitFixture(t)
	ctx := context.Background()
	want, _, _ := drain(t, ctx, cc.NewQueryItemsPager("SELECT * FROM c", azcosmos.NewPartitionKey(), nil))
	g2, err := New(func() Config {
		c := f.gw.cfg
		c.Faults.Split = "shop/many/1@2"
		return c
	}())
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewTLSServer(g2)
	t.Cleanup(srv.Close)
	f2 := &fixture{t: t, gw: g2, srv: srv, key: f.key}
	cc2 := containerClient(t, f2.keyClient(testKeyString()), "shop", "many")
	got, sizes, _ := drain(t, ctx, cc2.NewQueryItemsPager("SELECT * FROM c", azcosmos.NewPartitionKey(), &azcosmos.QueryOptions{PageSizeHint: 20}))
	if sortedRows(got) != sortedRows(want) {
		t.Errorf("ids across the split differ: %v", got)
	}
	if _, ok := g2.dbs["shop"].colls["many"].rangeIndexByID("1"); ok {
		t.Errorf("range 1 did not split (%d pages)", len(sizes))
	}

	bad := f.gw.cfg
	bad.Faults.Split = "shop/many/9"
	if _, err := New(bad); err == nil || !strings.Contains(err.Error(), "no partition key range") {
		t.Errorf("unknown range: err %v", err)
	}
}
