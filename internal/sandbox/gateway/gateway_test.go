package gateway

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/Azure/azure-sdk-for-go/sdk/data/azcosmos"

	"github.com/cosmosctl/cosmosctl/internal/sandbox/engine"
)

func TestAccountReadAdvertisesOwnHost(t *testing.T) {
	f := newFixture(t, nil)
	resp := f.rawRequest(http.MethodGet, "/", nil, nil, true)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET / = %d %s", resp.StatusCode, readBody(t, resp))
	}
	var acct struct {
		ID       string `json:"id"`
		Writable []struct {
			Endpoint string `json:"databaseAccountEndpoint"`
		} `json:"writableLocations"`
		Readable []struct {
			Endpoint string `json:"databaseAccountEndpoint"`
		} `json:"readableLocations"`
	}
	if err := json.Unmarshal(readBody(t, resp), &acct); err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(f.srv.URL)
	for _, locs := range [][]struct {
		Endpoint string `json:"databaseAccountEndpoint"`
	}{acct.Writable, acct.Readable} {
		if len(locs) != 1 || locs[0].Endpoint != "https://"+u.Host+"/" {
			t.Errorf("locations = %+v, want https://%s/", locs, u.Host)
		}
	}
	if acct.ID != testAccount {
		t.Errorf("id = %q", acct.ID)
	}
	for _, h := range []string{"x-ms-request-charge", "x-ms-session-token", "x-ms-gatewayversion", "etag", "x-ms-activity-id"} {
		if resp.Header.Get(h) == "" {
			t.Errorf("missing header %s", h)
		}
	}
}

func TestActivityIDEchoed(t *testing.T) {
	f := newFixture(t, nil)
	resp := f.rawRequest(http.MethodGet, "/dbs/shop", nil, map[string]string{"x-ms-activity-id": "11111111-2222-3333-4444-555555555555"}, true)
	if got := resp.Header.Get("x-ms-activity-id"); got != "11111111-2222-3333-4444-555555555555" {
		t.Errorf("activity id = %q", got)
	}
}

func TestMetadataWithSDK(t *testing.T) {
	f := newFixture(t, nil)
	c := f.keyClient(testKeyString())
	ctx := context.Background()

	var dbs []string
	pager := c.NewQueryDatabasesPager("SELECT * FROM root", nil)
	for pager.More() {
		page, err := pager.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range page.Databases {
			dbs = append(dbs, d.ID)
		}
	}
	if strings.Join(dbs, ",") != "shop,empty" {
		t.Errorf("databases = %v", dbs)
	}

	db, _ := c.NewDatabase("shop")
	if r, err := db.Read(ctx, nil); err != nil || r.DatabaseProperties.ID != "shop" {
		t.Fatalf("db read: %v %+v", err, r.DatabaseProperties)
	}
	var colls []string
	cp := db.NewQueryContainersPager("SELECT * FROM root", nil)
	for cp.More() {
		page, err := cp.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range page.Containers {
			colls = append(colls, p.ID)
		}
	}
	if strings.Join(colls, ",") != "orders,single,hier" {
		t.Errorf("containers = %v", colls)
	}

	tests := []struct {
		coll  string
		paths string
		kind  azcosmos.PartitionKeyKind
		ttl   *int32
	}{
		{"orders", "/customer", azcosmos.PartitionKeyKindHash, nil},
		{"single", "/pk", azcosmos.PartitionKeyKindHash, ptr32(3600)},
		{"hier", "/tenant,/user", azcosmos.PartitionKeyKindMultiHash, nil},
	}
	for _, tt := range tests {
		r, err := containerClient(t, c, "shop", tt.coll).Read(ctx, nil)
		if err != nil {
			t.Fatalf("%s: %v", tt.coll, err)
		}
		p := r.ContainerProperties
		if strings.Join(p.PartitionKeyDefinition.Paths, ",") != tt.paths || p.PartitionKeyDefinition.Kind != tt.kind || p.PartitionKeyDefinition.Version != 2 {
			t.Errorf("%s: pk = %+v", tt.coll, p.PartitionKeyDefinition)
		}
		if (tt.ttl == nil) != (p.DefaultTimeToLive == nil) || (tt.ttl != nil && *tt.ttl != *p.DefaultTimeToLive) {
			t.Errorf("%s: ttl = %v", tt.coll, p.DefaultTimeToLive)
		}
		if p.IndexingPolicy == nil || !p.IndexingPolicy.Automatic {
			t.Errorf("%s: indexing policy = %+v", tt.coll, p.IndexingPolicy)
		}
		if p.ResourceID == "" || p.LastModified.IsZero() {
			t.Errorf("%s: system properties missing: %+v", tt.coll, p)
		}
	}

	// Missing resources.
	_, err := containerClient(t, c, "shop", "nope").Read(ctx, nil)
	if st, sub, _ := respErr(t, err); st != 404 || sub != "0" {
		t.Errorf("missing container: %d/%s", st, sub)
	}
	nodb, _ := c.NewDatabase("nope")
	_, err = nodb.Read(ctx, nil)
	if st, sub, _ := respErr(t, err); st != 404 || sub != "0" {
		t.Errorf("missing database: %d/%s", st, sub)
	}
}

func ptr32(i int32) *int32 { return &i }

func TestFeedsByGET(t *testing.T) {
	f := newFixture(t, nil)
	tests := []struct {
		path, key string
		want      int
	}{
		{"/dbs", "Databases", 2},
		{"/dbs/shop/colls", "DocumentCollections", 3},
		{"/dbs/empty/colls", "DocumentCollections", 0},
	}
	for _, tt := range tests {
		resp := f.rawRequest(http.MethodGet, tt.path, nil, nil, true)
		body := readBody(t, resp)
		var env map[string]json.RawMessage
		if err := json.Unmarshal(body, &env); err != nil || resp.StatusCode != 200 {
			t.Fatalf("%s: %d %s", tt.path, resp.StatusCode, body)
		}
		var items []json.RawMessage
		_ = json.Unmarshal(env[tt.key], &items)
		var count int
		_ = json.Unmarshal(env["_count"], &count)
		if len(items) != tt.want || count != tt.want || resp.Header.Get("x-ms-item-count") != jsonNum(tt.want) {
			t.Errorf("%s: %d items, _count %d, header %q", tt.path, len(items), count, resp.Header.Get("x-ms-item-count"))
		}
		if _, ok := env["_rid"]; !ok {
			t.Errorf("%s: no _rid", tt.path)
		}
	}
}

func jsonNum(i int) string { b, _ := json.Marshal(i); return string(b) }

func TestPointReads(t *testing.T) {
	f := newFixture(t, nil)
	c := f.keyClient(testKeyString())
	ctx := context.Background()
	tests := []struct {
		name, coll, id string
		pk             azcosmos.PartitionKey
		status         int
		sub            string
	}{
		{"string", "single", "s", azcosmos.NewPartitionKeyString("str"), 200, ""},
		{"number", "single", "n", azcosmos.NewPartitionKeyNumber(42), 200, ""},
		{"bool", "single", "b", azcosmos.NewPartitionKeyBool(true), 200, ""},
		{"null", "single", "z", azcosmos.NullPartitionKey, 200, ""},
		{"escaped string", "single", "x", azcosmos.NewPartitionKeyString("a\"é"), 200, ""},
		{"hierarchical", "hier", "h1", azcosmos.NewPartitionKeyString("t1").AppendString("u2"), 200, ""},
		{"id needing escapes", "hier", "a b+c%20é", azcosmos.NewPartitionKeyString("t1").AppendString("u1"), 200, ""},
		{"hierarchical too few", "hier", "h1", azcosmos.NewPartitionKeyString("t1"), 400, "0"},
		{"missing id", "single", "nope", azcosmos.NewPartitionKeyString("str"), 404, "0"},
		{"wrong pk", "single", "s", azcosmos.NewPartitionKeyString("other"), 404, "0"},
		{"wrong pk type", "single", "n", azcosmos.NewPartitionKeyString("42"), 404, "0"},
		{"missing container", "nope", "s", azcosmos.NewPartitionKeyString("str"), 404, "1003"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := containerClient(t, c, "shop", tt.coll).ReadItem(ctx, tt.pk, tt.id, nil)
			if tt.status == 200 {
				if err != nil {
					t.Fatal(err)
				}
				var doc map[string]any
				if err := json.Unmarshal(r.Value, &doc); err != nil || doc["id"] != tt.id {
					t.Fatalf("value %s: %v", r.Value, err)
				}
				if r.ETag == "" || r.SessionToken == nil || *r.SessionToken == "" || r.RequestCharge <= 0 {
					t.Errorf("etag %q session %v charge %v", r.ETag, r.SessionToken, r.RequestCharge)
				}
				return
			}
			st, sub, body := respErr(t, err)
			if st != tt.status || sub != tt.sub {
				t.Errorf("got %d/%s (%s), want %d/%s", st, sub, body.Message, tt.status, tt.sub)
			}
			if tt.status == 400 && messageText(body.Message) != msgPKFewer {
				t.Errorf("message %q", body.Message)
			}
			if tt.status == 404 && tt.sub == "0" && messageText(body.Message) != msgNotFound {
				t.Errorf("message %q", body.Message)
			}
		})
	}
}

func TestByteFidelity(t *testing.T) {
	f := newFixture(t, nil)
	c := f.keyClient(testKeyString())
	ctx := context.Background()
	cc := containerClient(t, c, "shop", "single")
	r, err := cc.ReadItem(ctx, azcosmos.NewPartitionKeyString("a"), "f1", nil)
	if err != nil {
		t.Fatal(err)
	}
	prefix := fidelityDoc[:len(fidelityDoc)-1] + `,"_rid":`
	if !bytes.HasPrefix(r.Value, []byte(prefix)) {
		t.Fatalf("point read changed the user's bytes:\n got %s\nwant prefix %s", r.Value, prefix)
	}
	for _, k := range []string{`"_self":`, `"_etag":`, `"_attachments":"attachments/"`, `"_ts":`} {
		if !bytes.Contains(r.Value, []byte(k)) {
			t.Errorf("missing %s in %s", k, r.Value)
		}
	}
	var sys struct {
		TS int64 `json:"_ts"`
	}
	if err := json.Unmarshal(r.Value, &sys); err != nil || sys.TS <= 0 {
		t.Errorf("_ts is not an integer: %v", err)
	}

	pager := cc.NewQueryItemsPager("SELECT * FROM c", azcosmos.NewPartitionKeyString("a"), nil)
	var got [][]byte
	for pager.More() {
		page, err := pager.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, page.Items...)
		// The wire body carries the stored bytes verbatim; the SDK then
		// re-marshals each item (HTML-escaping <, & and >).
		body, err := runtime.Payload(page.RawResponse)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Contains(body, append(append([]byte(`"Documents":[`), r.Value...), ']')) {
			t.Errorf("query body %s does not carry the stored bytes %s", body, r.Value)
		}
	}
	var want bytes.Buffer
	if err := json.Compact(&want, r.Value); err != nil {
		t.Fatal(err)
	}
	var wantItem bytes.Buffer
	json.HTMLEscape(&wantItem, want.Bytes())
	if len(got) != 1 || !bytes.Equal(got[0], wantItem.Bytes()) {
		t.Errorf("SELECT * returned %q, want %s", got, wantItem.Bytes())
	}
}

func TestAppendSystemProperties(t *testing.T) {
	tests := []struct{ in, want string }{
		{`{"id":"a"}`, `{"id":"a",SYS}`},
		{` { "id" : "a" , "n":1 } `, `{ "id" : "a" , "n":1 ,SYS}`},
		{`{"id":"a","_rid":"old","n":[1,{"_ts":2}],"_ts":9}`, `{"id":"a","n":[1,{"_ts":2}],SYS}`},
		{`{"_etag":"x"}`, `{SYS}`},
	}
	for _, tt := range tests {
		got, err := appendSystemProperties(json.RawMessage(tt.in), "SYS")
		if err != nil {
			t.Fatalf("%s: %v", tt.in, err)
		}
		if string(got) != tt.want {
			t.Errorf("%s:\n got %s\nwant %s", tt.in, got, tt.want)
		}
	}
	for _, bad := range []string{`[1]`, `{"a":1} x`, `{"a":}`} {
		if _, err := appendSystemProperties(json.RawMessage(bad), "SYS"); err == nil {
			t.Errorf("%s: want error", bad)
		}
	}
}

func TestParsePartitionKeyHeader(t *testing.T) {
	tests := []struct {
		in   string
		want string
		err  bool
	}{
		{`["a"]`, `"a"`, false},
		{`["a\"\u00e9"]`, `"a\"é"`, false},
		{`["\U0001f600"]`, `"😀"`, false},
		{`["a\x01b"]`, `"a\u0001b"`, false},
		{`["t",1.5,true,null]`, `"t",1.5,true,null`, false},
		{`[42.0]`, `42`, false},
		{`[{}]`, `undefined`, false},
		{`[]`, ``, false},
		{`"a"`, ``, true},
		{`["a",]`, ``, true},
		{`[[1]]`, ``, true},
		{`["a" "b"]`, ``, true},
	}
	for _, tt := range tests {
		got, err := parsePartitionKeyHeader(tt.in)
		if (err != nil) != tt.err {
			t.Errorf("%s: err %v", tt.in, err)
			continue
		}
		if !tt.err && strings.Join(got, ",") != tt.want {
			t.Errorf("%s: got %s want %s", tt.in, strings.Join(got, ","), tt.want)
		}
	}
}

func TestParsePath(t *testing.T) {
	tests := []struct {
		path       string
		kind       resourceKind
		typ, link  string
		db, c, doc string
	}{
		{"/", kindAccount, "", "", "", "", ""},
		{"/dbs", kindDatabases, "dbs", "", "", "", ""},
		{"/dbs/my%20db", kindDatabase, "dbs", "dbs/my db", "my db", "", ""},
		{"/dbs/d/colls", kindContainers, "colls", "dbs/d", "d", "", ""},
		{"/dbs/d/colls/c%2F1%3F", kindContainer, "colls", "dbs/d/colls/c/1?", "d", "c/1?", ""},
		{"/dbs/d/colls/c/pkranges", kindPKRanges, "pkranges", "dbs/d/colls/c", "d", "c", ""},
		{"/dbs/d/colls/c/docs", kindDocuments, "docs", "dbs/d/colls/c", "d", "c", ""},
		{"/dbs/d/colls/c/docs/id%20with%20space%231+x", kindDocument, "docs", "dbs/d/colls/c/docs/id with space#1+x", "d", "c", "id with space#1+x"},
		{"/offers", kindOffers, "offers", "", "", "", ""},
		{"/offers/uT2L", kindOffer, "offers", "ut2l", "", "", "uT2L"},
		{"/dbs/d/colls/c/sprocs/p", kindSproc, "sprocs", "dbs/d/colls/c/sprocs/p", "d", "c", "p"},
		{"/dbs/d/colls/c/sprocs", kindManagement, "sprocs", "dbs/d/colls/c", "d", "c", ""},
		{"/dbs/d/users", kindManagement, "users", "dbs/d", "", "", ""},
	}
	for _, tt := range tests {
		ref, err := parsePath(tt.path)
		if err != nil {
			t.Fatalf("%s: %v", tt.path, err)
		}
		if ref.kind != tt.kind || ref.signType != tt.typ || ref.signLink != tt.link || ref.db != tt.db || ref.coll != tt.c || ref.doc != tt.doc {
			t.Errorf("%s: %+v", tt.path, ref)
		}
	}
	if _, err := parsePath("/dbs/%zz"); err == nil {
		t.Error("bad escape accepted")
	}
}

func TestNewValidation(t *testing.T) {
	pk := func(p ...string) engineDef { return engineDef{Paths: p} }
	tests := []struct {
		name string
		dbs  []Database
		want string
	}{
		{"duplicate database", []Database{{ID: "a"}, {ID: "a"}}, `database "a": duplicate id`},
		{"duplicate container", []Database{{ID: "a", Containers: []Container{{ID: "c", PartitionKey: pk("/p")}, {ID: "c", PartitionKey: pk("/p")}}}}, `database "a": container "c": duplicate id`},
		{"no pk", []Database{{ID: "a", Containers: []Container{{ID: "c"}}}}, `container "c": partition key has no paths`},
		{"bad pk path", []Database{{ID: "a", Containers: []Container{{ID: "c", PartitionKey: pk("p")}}}}, `partition key path "p"`},
		{"bad kind", []Database{{ID: "a", Containers: []Container{{ID: "c", PartitionKey: engineDef{Paths: []string{"/p"}, Kind: "Range"}}}}}, `kind "Range"`},
		{"item without id", []Database{{ID: "a", Containers: []Container{{ID: "c", PartitionKey: pk("/p"), Items: seedItems(`{"id":"x","p":1}`, `{"p":1}`)}}}}, `container "c": item #2: document has no string "id"`},
		{"duplicate item", []Database{{ID: "a", Containers: []Container{{ID: "c", PartitionKey: pk("/p"), Items: seedItems(`{"id":"x","p":1}`, `{"id":"x","p":1.0}`)}}}}, `item #2: duplicate id "x"`},
		{"item not object", []Database{{ID: "a", Containers: []Container{{ID: "c", PartitionKey: pk("/p"), Items: seedItems(`[1]`)}}}}, `container "c": item #1`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(Config{Databases: tt.dbs})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want it to contain %q", err, tt.want)
			}
		})
	}
	// Same id in different logical partitions is fine.
	if _, err := New(Config{Databases: []Database{{ID: "a", Containers: []Container{{ID: "c", PartitionKey: pk("/p"),
		Items: seedItems(`{"id":"x","p":1}`, `{"id":"x","p":2}`)}}}}}); err != nil {
		t.Error(err)
	}
}

type engineDef = engine.PartitionKeyDef
