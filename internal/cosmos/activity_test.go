package cosmos_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cosmosctl/cosmosctl/internal/audit"
	"github.com/cosmosctl/cosmosctl/internal/cosmos"
	"github.com/cosmosctl/cosmosctl/internal/httpclient"
)

func TestRequestRecordClassifies(t *testing.T) {
	tests := []struct {
		method, path, contentType string
		db, coll, op              string
	}{
		{"GET", "/", "", "", "", "metadata"},
		{"GET", "/dbs", "", "", "", "list"},
		{"POST", "/dbs", "application/query+json", "", "", "list"},
		{"GET", "/dbs/shop", "", "shop", "", "describe"},
		{"GET", "/dbs/shop/colls", "", "shop", "", "list"},
		{"GET", "/dbs/shop/colls/orders", "", "shop", "orders", "describe"},
		{"GET", "/dbs/shop/colls/orders/pkranges", "", "shop", "orders", "metadata"},
		{"POST", "/dbs/shop/colls/orders/docs", "application/query+json; charset=utf-8", "shop", "orders", "query"},
		{"GET", "/dbs/shop/colls/orders/docs", "", "shop", "orders", "list"},
		{"GET", "/dbs/shop/colls/orders/docs/order%2F1", "", "shop", "orders", "read"},
		{"POST", "/dbs/shop/colls/orders/docs", "application/json", "shop", "orders", "post"},
		{"GET", "/offers", "", "", "", "metadata"},
	}
	for _, tt := range tests {
		u, err := url.Parse("https://acct.documents.azure.com:443" + tt.path)
		if err != nil {
			t.Fatal(err)
		}
		r := &http.Request{Method: tt.method, URL: u, Header: http.Header{}}
		r.Header.Set("Content-Type", tt.contentType)
		r.Header.Set("Authorization", "type=master&ver=1.0&sig=SECRET")
		resp := &http.Response{StatusCode: 404, Header: http.Header{}}
		resp.Header.Set("x-ms-substatus", "1003")
		resp.Header.Set("x-ms-request-charge", "2.5")
		resp.Header.Set("x-ms-item-count", "7")
		resp.Header.Set("x-ms-session-token", "0:SESSION")
		rec := cosmos.RequestRecord(r, resp, 1500*time.Microsecond)
		if rec.Database != tt.db || rec.Container != tt.coll || rec.Operation != tt.op {
			t.Errorf("%s %s: db %q coll %q op %q, want %q %q %q", tt.method, tt.path, rec.Database, rec.Container, rec.Operation, tt.db, tt.coll, tt.op)
		}
		if rec.Kind != audit.KindRequest || rec.Method != tt.method || rec.Status != 404 || rec.SubStatus != "1003" ||
			rec.RequestCharge != 2.5 || rec.ItemCount != 7 || rec.DurationMs != 1.5 {
			t.Errorf("%s %s: record %+v", tt.method, tt.path, rec)
		}
		if strings.Contains(rec.Resource, "%") && tt.op == "read" {
			t.Errorf("resource %q is not unescaped", rec.Resource)
		}
	}
}

// echoRecorder is a transport that keeps the activity id of each response,
// as the gateway echoes the one it received.
type echoRecorder struct {
	next http.RoundTripper
	mu   sync.Mutex
	ids  []string
}

func (e *echoRecorder) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := e.next.RoundTrip(r)
	if resp != nil {
		e.mu.Lock()
		e.ids = append(e.ids, resp.Header.Get("x-ms-activity-id"))
		e.mu.Unlock()
	}
	return resp, err
}

func TestActivityIDsAndAuditRecords(t *testing.T) {
	env := startCore(t)
	hc, err := httpclient.New(httpclient.Options{CAFile: env.sb.CAFile})
	if err != nil {
		t.Fatal(err)
	}
	echo := &echoRecorder{next: hc.Transport}
	hc.Transport = echo
	var recs []audit.Record
	var mu sync.Mutex
	sink := func(r audit.Record) error {
		mu.Lock()
		defer mu.Unlock()
		recs = append(recs, r)
		return nil
	}
	c, err := cosmos.NewClient(env.sb.Endpoint, cosmos.Credentials{Method: "key", Key: env.sb.AccountKey}, &cosmos.Options{HTTPClient: hc, MaxRetries: -1, Audit: sink})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := c.Databases(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PartitionKeyRanges(ctx, "core", "mixed"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.ReadItem(ctx, "core", "mixed", "s", mustPK(t, `"a b"`)); err != nil {
		t.Fatal(err)
	}
	if len(recs) < 3 || len(recs) != len(echo.ids) {
		t.Fatalf("%d records for %d responses", len(recs), len(echo.ids))
	}
	seen := map[string]bool{}
	for i, r := range recs {
		if r.ActivityID == "" || r.ActivityID != echo.ids[i] || seen[r.ActivityID] {
			t.Errorf("record %d activity id %q, gateway echoed %q (or a repeat)", i, r.ActivityID, echo.ids[i])
		}
		seen[r.ActivityID] = true
		if r.Status != 200 && r.Status != 304 || r.Time == "" || r.RequestCharge == 0 && r.Operation != "metadata" {
			t.Errorf("record %d: %+v", i, r)
		}
	}
	last := recs[len(recs)-1]
	if last.Operation != "read" || last.Resource != "/dbs/core/colls/mixed/docs/s" || last.Database != "core" || last.Container != "mixed" {
		t.Errorf("read record %+v", last)
	}
}

// A sink that fails fails the call, without retries.
func TestAuditFailureFailsTheCall(t *testing.T) {
	env := startCore(t)
	hc, err := httpclient.New(httpclient.Options{CAFile: env.sb.CAFile})
	if err != nil {
		t.Fatal(err)
	}
	calls := 0
	boom := errors.New("audit log x: disk full")
	c, err := cosmos.NewClient(env.sb.Endpoint, cosmos.Credentials{Method: "key", Key: env.sb.AccountKey},
		&cosmos.Options{HTTPClient: hc, Audit: func(audit.Record) error { calls++; return boom }})
	if err != nil {
		t.Fatal(err)
	}
	before := env.sb.Gateway.Stats().Total
	_, err = c.Databases(context.Background())
	if !errors.Is(err, boom) || calls != 1 || env.sb.Gateway.Stats().Total-before != 1 {
		t.Fatalf("err %v after %d sink calls and %d requests", err, calls, env.sb.Gateway.Stats().Total-before)
	}
}
