package gateway

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/data/azcosmos"
)

func TestPKRangesFeedTerminates(t *testing.T) {
	f := newFixture(t, nil)
	cc := containerClient(t, f.keyClient(testKeyString()), "shop", "orders")
	ranges, err := cc.ReadFeedRanges(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(ranges) != 3 || ranges[0].MinInclusive != "" || ranges[2].MaxExclusive != "FF" ||
		ranges[0].MaxExclusive != ranges[1].MinInclusive || ranges[1].MaxExclusive != ranges[2].MinInclusive {
		t.Errorf("ranges = %+v", ranges)
	}
	if n := f.gw.Stats().ByStatus[http.StatusNotModified]; n < 1 {
		t.Errorf("no 304 ended the pkranges feed (stats %+v)", f.gw.Stats())
	}
	// Raw: a different etag gets the full feed again.
	resp := f.rawRequest(http.MethodGet, "/dbs/shop/colls/orders/pkranges", nil, map[string]string{"If-None-Match": `"stale"`, "A-IM": "Incremental Feed"}, true)
	if resp.StatusCode != 200 || resp.Header.Get("etag") == "" || resp.Header.Get("x-ms-item-count") != "3" {
		t.Errorf("stale etag: %d %v", resp.StatusCode, resp.Header)
	}
	resp = f.rawRequest(http.MethodGet, "/dbs/shop/colls/orders/pkranges", nil, map[string]string{"If-None-Match": resp.Header.Get("etag")}, true)
	if resp.StatusCode != http.StatusNotModified {
		t.Errorf("current etag: %d", resp.StatusCode)
	}
}

func TestChangeFeed(t *testing.T) {
	f := newFixture(t, nil)
	ctx := context.Background()
	cc := containerClient(t, f.keyClient(testKeyString()), "shop", "orders")
	ranges, err := cc.ReadFeedRanges(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	total := 0
	tokens := map[int]string{}
	for i := range ranges {
		resp, err := cc.ReadChangeFeed(ctx, &azcosmos.ChangeFeedOptions{FeedRange: &ranges[i], MaxItemCount: 100})
		if err != nil {
			t.Fatal(err)
		}
		total += len(resp.Items)
		tokens[i] = resp.ContinuationToken
		// Caught up: the next read is a 304 with no items.
		again, err := cc.ReadChangeFeed(ctx, &azcosmos.ChangeFeedOptions{Continuation: to.Ptr(resp.ContinuationToken)})
		if err != nil {
			t.Fatal(err)
		}
		if len(again.Items) != 0 || again.RawResponse.StatusCode != http.StatusNotModified {
			t.Errorf("range %d: caught-up read gave %d items, status %d", i, len(again.Items), again.RawResponse.StatusCode)
		}
		tokens[i] = again.ContinuationToken
	}
	if total != 30 {
		t.Errorf("change feed returned %d documents, want 30", total)
	}

	// A write shows up in exactly one range's feed.
	if _, err := cc.UpsertItem(ctx, azcosmos.NewPartitionKeyString("c1"), []byte(`{"id":"o01","customer":"c1","n":100}`), nil); err != nil {
		t.Fatal(err)
	}
	seen := 0
	for i := range ranges {
		resp, err := cc.ReadChangeFeed(ctx, &azcosmos.ChangeFeedOptions{Continuation: to.Ptr(tokens[i])})
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range resp.Items {
			if !strings.Contains(string(it), `"n":100`) {
				t.Errorf("unexpected change %s", it)
			}
			seen++
		}
	}
	if seen != 1 {
		t.Errorf("saw the update %d times", seen)
	}
}

func TestItemWrites(t *testing.T) {
	f := newFixture(t, nil)
	ctx := context.Background()
	cc := containerClient(t, f.keyClient(testKeyString()), "shop", "single")
	pk := azcosmos.NewPartitionKeyString("w")
	status := func(err error) int {
		if err == nil {
			return 0
		}
		st, _, _ := respErr(t, err)
		return st
	}
	r, err := cc.CreateItem(ctx, pk, []byte(`{"id":"w1","pk":"w","v":1}`), nil)
	if err != nil || r.RawResponse.StatusCode != 201 {
		t.Fatalf("create: %v", err)
	}
	if st := status(func() error { _, err := cc.CreateItem(ctx, pk, []byte(`{"id":"w1","pk":"w"}`), nil); return err }()); st != 409 {
		t.Errorf("duplicate create: %d", st)
	}
	r, err = cc.UpsertItem(ctx, pk, []byte(`{"id":"w1","pk":"w","v":2}`), &azcosmos.ItemOptions{EnableContentResponseOnWrite: true})
	if err != nil || r.RawResponse.StatusCode != 200 || !strings.HasPrefix(string(r.Value), `{"id":"w1","pk":"w","v":2,"_rid":`) {
		t.Fatalf("upsert: %v %s", err, r.Value)
	}
	if _, err := cc.ReplaceItem(ctx, pk, "w1", []byte(`{"id":"w1","pk":"w","v":3}`), &azcosmos.ItemOptions{IfMatchEtag: &r.ETag}); err != nil {
		t.Fatalf("replace: %v", err)
	}
	stale := azcore.ETag(`"stale"`)
	if st := status(func() error {
		_, err := cc.ReplaceItem(ctx, pk, "w1", []byte(`{"id":"w1","pk":"w"}`), &azcosmos.ItemOptions{IfMatchEtag: &stale})
		return err
	}()); st != 412 {
		t.Errorf("stale If-Match: %d", st)
	}
	got, err := cc.ReadItem(ctx, pk, "w1", nil)
	if err != nil || !strings.Contains(string(got.Value), `"v":3`) {
		t.Fatalf("read after replace: %v %s", err, got.Value)
	}
	_, err = cc.CreateItem(ctx, pk, []byte(`{"id":"w2","pk":"other"}`), nil)
	if st, sub, _ := respErr(t, err); st != 400 || sub != "1001" {
		t.Errorf("pk mismatch: %d/%s", st, sub)
	}
	if st := status(func() error {
		_, err := cc.ReplaceItem(ctx, pk, "nope", []byte(`{"id":"nope","pk":"w"}`), nil)
		return err
	}()); st != 404 {
		t.Errorf("replace missing: %d", st)
	}
	if _, err := cc.DeleteItem(ctx, pk, "w1", nil); err != nil {
		t.Fatalf("delete: %v", err)
	}
	if st := status(func() error { _, err := cc.DeleteItem(ctx, pk, "w1", nil); return err }()); st != 404 {
		t.Errorf("second delete: %d", st)
	}
	if st := status(func() error { _, err := cc.ReadItem(ctx, pk, "w1", nil); return err }()); st != 404 {
		t.Errorf("read after delete: %d", st)
	}
}

func TestParseFaults(t *testing.T) {
	tests := []struct {
		specs []string
		want  Faults
		err   string
	}{
		{[]string{"throttle=0.3", "latency=20ms", "reset=0.05", "unavailable=0.1", "seed=7"},
			Faults{Throttle: 0.3, Latency: 20 * time.Millisecond, Reset: 0.05, Unavailable: 0.1, Seed: 7, Seeded: true}, ""},
		{[]string{"throttle=1,retryafter=5ms"}, Faults{Throttle: 1, RetryAfter: 5 * time.Millisecond}, ""},
		{nil, Faults{}, ""},
		{[]string{"throttle=2"}, Faults{}, `fault "throttle=2"`},
		{[]string{"throttle=NaN"}, Faults{}, `fault "throttle=NaN": throttle must be a probability between 0 and 1`},
		{[]string{"reset=nan"}, Faults{}, `fault "reset=nan"`},
		{[]string{"latency=soon"}, Faults{}, `fault "latency=soon"`},
		{[]string{"explode=1"}, Faults{}, `unknown fault "explode"`},
		{[]string{"seed=-1"}, Faults{}, `fault "seed=-1"`},
		{[]string{"failafter=3"}, Faults{FailAfter: 3}, ""},
		{[]string{"failafter=0"}, Faults{}, `fault "failafter=0": failafter must be a positive number`},
		{[]string{"throttle"}, Faults{}, `fault "throttle": want name=value`},
	}
	for _, tt := range tests {
		got, err := ParseFaults(tt.specs)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("%v: err %v, want %q", tt.specs, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("%v: got %+v, %v", tt.specs, got, err)
		}
	}
}

func TestFaultSeedsAreDeterministic(t *testing.T) {
	draws := func(seed uint64) string {
		g, err := New(Config{Faults: Faults{Throttle: 0.3, Unavailable: 0.3, Reset: 0.2, Seed: seed, Seeded: true}})
		if err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		for range 64 {
			b.WriteByte("NTUR"[g.drawFault()])
		}
		return b.String()
	}
	a, b, c := draws(42), draws(42), draws(43)
	if a != b {
		t.Errorf("same seed, different faults:\n%s\n%s", a, b)
	}
	if a == c {
		t.Errorf("different seeds, same faults: %s", a)
	}
	for _, k := range "NTUR" {
		if !strings.ContainsRune(a, k) {
			t.Errorf("fault %c never drawn in %s", k, a)
		}
	}
}

func TestFaultInjection(t *testing.T) {
	tests := []struct {
		name   string
		faults Faults
		check  func(t *testing.T, err error, st Stats)
	}{
		{"throttle", Faults{Throttle: 1, RetryAfter: time.Millisecond}, func(t *testing.T, err error, st Stats) {
			code, sub, body := respErr(t, err)
			if code != 429 || sub != "3200" || messageText(body.Message) != msgThrottled || body.Code != "TooManyRequests" {
				t.Errorf("got %d/%s %q", code, sub, body.Message)
			}
			var re *azcore.ResponseError
			_ = errors.As(err, &re)
			if re.RawResponse.Header.Get("x-ms-retry-after-ms") != "1" {
				t.Errorf("retry-after = %q", re.RawResponse.Header.Get("x-ms-retry-after-ms"))
			}
			// azcore retried (MaxRetries 2): three attempts, all throttled.
			if st.ByStatus[429] != 3 || st.Total != 3 {
				t.Errorf("stats %+v", st)
			}
		}},
		{"unavailable", Faults{Unavailable: 1}, func(t *testing.T, err error, st Stats) {
			if code, _, _ := respErr(t, err); code != 503 {
				t.Errorf("got %d", code)
			}
			if st.ByStatus[503] == 0 || st.ByStatus[503] != st.Total {
				t.Errorf("stats %+v", st)
			}
		}},
		{"reset", Faults{Reset: 1}, func(t *testing.T, err error, st Stats) {
			var re *azcore.ResponseError
			if err == nil || errors.As(err, &re) {
				t.Errorf("want a transport error, got %v", err)
			}
			if st.Resets == 0 || st.Resets != st.Total {
				t.Errorf("stats %+v", st)
			}
		}},
		{"latency", Faults{Latency: 5 * time.Millisecond}, func(t *testing.T, err error, st Stats) {
			if err != nil {
				t.Errorf("latency alone must not fail: %v", err)
			}
			if st.ByStatus[200] != 2 { // GET / and the read
				t.Errorf("stats %+v", st)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, func(c *Config) { c.Faults = tt.faults })
			opts := f.clientOptions()
			opts.Retry = policy.RetryOptions{MaxRetries: 2, RetryDelay: time.Millisecond, MaxRetryDelay: 2 * time.Millisecond}
			cred, _ := azcosmos.NewKeyCredential(testKeyString())
			c, err := azcosmos.NewClientWithKey(f.srv.URL, cred, opts)
			if err != nil {
				t.Fatal(err)
			}
			_, err = containerClient(t, c, "shop", "single").ReadItem(context.Background(), azcosmos.NewPartitionKeyString("str"), "s", nil)
			tt.check(t, err, f.gw.Stats())
		})
	}
}

// Over HTTP/2 the connection cannot be hijacked; the reset fault aborts the stream instead.
func TestResetFaultOverHTTP2(t *testing.T) {
	cfg := baseConfig(testRSAKey())
	cfg.Faults = Faults{Reset: 1}
	gw, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(gw)
	srv.EnableHTTP2 = true
	srv.StartTLS()
	t.Cleanup(srv.Close)
	f := &fixture{t: t, gw: gw, srv: srv, key: testRSAKey()}
	_, err = containerClient(t, f.keyClient(testKeyString()), "shop", "single").ReadItem(context.Background(), azcosmos.NewPartitionKeyString("str"), "s", nil)
	var re *azcore.ResponseError
	if err == nil || errors.As(err, &re) {
		t.Errorf("want a transport error, got %v", err)
	}
	if st := gw.Stats(); st.Resets == 0 || st.Resets != st.Total {
		t.Errorf("stats %+v", st)
	}
}

// Every item response names the range holding the item in its session
// token ("<range id>:-1#<lsn>"), deletes included.
func TestWriteSessionTokensNameTheItemsRange(t *testing.T) {
	f := newFixture(t, nil)
	ctx := context.Background()
	cc := containerClient(t, f.keyClient(testKeyString()), "shop", "orders")
	for _, customer := range []string{"c0", "c1", "c2", "c3", "c4", "c5", "c6"} {
		pk := azcosmos.NewPartitionKeyString(customer)
		created, err := cc.CreateItem(ctx, pk, []byte(`{"id":"s-`+customer+`","customer":"`+customer+`"}`), nil)
		if err != nil {
			t.Fatalf("create for %s: %v", customer, err)
		}
		rangeID, _, _ := strings.Cut(*created.SessionToken, ":")
		read, err := cc.ReadItem(ctx, pk, "s-"+customer, nil)
		if err != nil {
			t.Fatalf("read for %s: %v", customer, err)
		}
		deleted, err := cc.DeleteItem(ctx, pk, "s-"+customer, nil)
		if err != nil {
			t.Fatalf("delete for %s: %v", customer, err)
		}
		for op, tok := range map[string]*string{"read": read.SessionToken, "delete": deleted.SessionToken} {
			if got, _, _ := strings.Cut(*tok, ":"); got != rangeID {
				t.Errorf("%s of %s: session token %q, want range %s (as on create)", op, customer, *tok, rangeID)
			}
		}
	}
}

// A change feed scoped by partition key reports the key's range in its
// session token, as the item operations on that key do.
func TestChangeFeedByPartitionKeySessionToken(t *testing.T) {
	f := newFixture(t, nil)
	cc := containerClient(t, f.keyClient(testKeyString()), "shop", "orders")
	for _, customer := range []string{"c0", "c1", "c2", "c3", "c4", "c5", "c6"} {
		read, err := cc.ReadItem(context.Background(), azcosmos.NewPartitionKeyString(customer), "o0"+customer[1:], nil)
		if err != nil {
			t.Fatalf("read for %s: %v", customer, err)
		}
		want, _, _ := strings.Cut(*read.SessionToken, ":")
		resp := f.rawRequest(http.MethodGet, "/dbs/shop/colls/orders/docs", nil, map[string]string{
			"A-IM": "Incremental Feed", "x-ms-documentdb-partitionkey": `["` + customer + `"]`,
		}, true)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("feed for %s: status %d: %s", customer, resp.StatusCode, readBody(t, resp))
		}
		if got, _, _ := strings.Cut(resp.Header.Get("x-ms-session-token"), ":"); got != want {
			t.Errorf("feed for %s: session token %q, want range %s (as the point read)", customer, resp.Header.Get("x-ms-session-token"), want)
		}
	}
}
