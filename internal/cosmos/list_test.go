package cosmos_test

import (
	"context"
	"encoding/json"
	"errors"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/cosmosctl/cosmosctl/internal/errs"
)

func TestDatabases(t *testing.T) {
	e := startCore(t)
	dbs, err := e.client.Databases(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, d := range dbs {
		ids = append(ids, d.ID)
		b, err := json.Marshal(d)
		if err != nil {
			t.Fatal(err)
		}
		if !regexp.MustCompile(`^\{"id":"` + d.ID + `"(,"lastModified":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")?\}$`).Match(b) {
			t.Errorf("database %s as JSON: %s", d.ID, b)
		}
	}
	sort.Strings(ids)
	if got := strings.Join(ids, ","); got != "core,shop" {
		t.Errorf("databases %s, want core,shop", got)
	}
}

func TestContainers(t *testing.T) {
	e := startCore(t)
	tests := []struct {
		db   string
		want []string // each container's JSON, sorted by id
		code int
	}{
		{"core", []string{
			`{"id":"mixed","partitionKey":"/k","kind":"Hash"}`,
			`{"id":"nested","partitionKey":"/a/b","kind":"Hash","defaultTtl":-1}`,
			`{"id":"tree","partitionKey":"/t,/u","kind":"MultiHash","defaultTtl":60}`,
		}, 0},
		{"shop", []string{
			`{"id":"events","partitionKey":"/tenantId,/userId","kind":"MultiHash"}`,
			`{"id":"orders","partitionKey":"/customerId","kind":"Hash"}`,
			`{"id":"products","partitionKey":"/categoryId","kind":"Hash"}`,
		}, 0},
		{"nope", nil, errs.ExitNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.db, func(t *testing.T) {
			cs, err := e.client.Containers(context.Background(), tt.db)
			if tt.code != 0 {
				if errs.ExitCode(err) != tt.code || len(cs) != 0 || !strings.Contains(err.Error(), "list containers of nope") {
					t.Fatalf("containers %v, err %v; want none and exit %d naming the listing", cs, err, tt.code)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, c := range cs {
				got = append(got, string(mustMarshal(c)))
			}
			sort.Strings(got)
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("containers:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}

func TestDescribeContainer(t *testing.T) {
	e := startCore(t)
	const indexing = `"indexing":{"mode":"consistent","automatic":true,"includedPaths":["/*"],"excludedPaths":["/\"_etag\"/?"],"compositeIndexes":0,"spatialIndexes":0}`
	const keyThroughput = `"throughput":"not read (use ` + "`az cosmosdb sql container throughput show`" + `)"`
	tests := []struct {
		name, db, coll string
		want           string // the JSON, or an error substring
		code           int
	}{
		{"hash", "core", "mixed", `{"id":"mixed","database":"core","partitionKey":{"kind":"Hash","paths":["/k"],"version":2},"physicalPartitions":3,"defaultTtl":"off",` + indexing + `,` + keyThroughput + `}`, 0},
		{"hierarchical with ttl", "core", "tree", `{"id":"tree","database":"core","partitionKey":{"kind":"MultiHash","paths":["/t","/u"],"version":2},"physicalPartitions":2,"defaultTtl":60,` + indexing + `,` + keyThroughput + `}`, 0},
		{"ttl on without default", "core", "nested", `{"id":"nested","database":"core","partitionKey":{"kind":"Hash","paths":["/a/b"],"version":2},"physicalPartitions":1,"defaultTtl":"on (no default expiry)",` + indexing + `,` + keyThroughput + `}`, 0},
		{"missing container", "core", "nope", `container "nope" not found in database "core"`, errs.ExitNotFound},
		{"missing database", "nope", "mixed", `container "mixed" not found in database "nope"`, errs.ExitNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := e.client.DescribeContainer(context.Background(), tt.db, tt.coll)
			if tt.code != 0 {
				var ce *errs.Error
				if errs.ExitCode(err) != tt.code || !strings.Contains(err.Error(), tt.want) || !errors.As(err, &ce) || !strings.Contains(ce.Hint, "cosmosctl container list -d "+tt.db) {
					t.Fatalf("err %v, want exit %d with %q and a hint to list", err, tt.code, tt.want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := string(mustMarshal(d)); got != tt.want {
				t.Errorf("description:\n got %s\nwant %s", got, tt.want)
			}
		})
	}
	// Under Entra ID the description says why throughput is missing.
	d, err := e.tokenClient(t, "alice").DescribeContainer(context.Background(), "shop", "orders")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(d.Throughput, "not available to Entra ID tokens") || d.PhysicalPartitions != 4 {
		t.Errorf("alice: throughput %q, %d ranges", d.Throughput, d.PhysicalPartitions)
	}
}
