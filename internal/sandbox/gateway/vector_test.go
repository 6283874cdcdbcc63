package gateway

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/data/azcosmos"

	"github.com/cosmosctl/cosmosctl/internal/sandbox/engine"
)

// withVectors adds shop/vec: 3 ranges, euclidean embeddings at /e with a
// diskANN index.
func withVectors(cfg *Config) {
	cfg.Databases[0].Containers = append(cfg.Databases[0].Containers, Container{
		ID: "vec", PartitionKey: engine.PartitionKeyDef{Paths: []string{"/pk"}, Kind: "Hash", Version: 2}, PhysicalPartitions: 3,
		Vectors: engine.VectorPolicy{Embeddings: []engine.VectorEmbedding{
			{Path: "/e", DataType: "float32", Dimensions: 2, DistanceFunction: "euclidean"},
		}},
		VectorIndexes: []VectorIndex{{Path: "/e", Type: "diskANN"}},
		Items: seedItems(`{"id":"far","pk":"a","e":[3,4]}`, `{"id":"near","pk":"a","e":[0,1]}`,
			`{"id":"mid","pk":"a","e":[2,0]}`, `{"id":"other","pk":"b","e":[1,1]}`),
	})
}

const vectorQuery = "SELECT TOP 2 c.id, VectorDistance(c.e, [0, 0]) AS s FROM c ORDER BY VectorDistance(c.e, [0, 0])"

func TestVectorContainerProperties(t *testing.T) {
	f := newFixture(t, withVectors)
	for _, tc := range []struct {
		coll, wantIndexing, wantVectors string
	}{
		{"vec",
			`{"indexingMode":"consistent","automatic":true,"includedPaths":[{"path":"/*"}],"excludedPaths":[{"path":"/\"_etag\"/?"}],"vectorIndexes":[{"path":"/e","type":"diskANN"}]}`,
			`{"vectorEmbeddings":[{"path":"/e","dataType":"float32","dimensions":2,"distanceFunction":"euclidean"}]}`},
		{"orders",
			`{"indexingMode":"consistent","automatic":true,"includedPaths":[{"path":"/*"}],"excludedPaths":[{"path":"/\"_etag\"/?"}]}`,
			``},
	} {
		t.Run(tc.coll, func(t *testing.T) {
			resp := f.rawRequest(http.MethodGet, "/dbs/shop/colls/"+tc.coll, nil, nil, true)
			body := readBody(t, resp)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("GET container: %d %s", resp.StatusCode, body)
			}
			var props struct {
				IndexingPolicy        json.RawMessage `json:"indexingPolicy"`
				VectorEmbeddingPolicy json.RawMessage `json:"vectorEmbeddingPolicy"`
			}
			if err := json.Unmarshal(body, &props); err != nil {
				t.Fatal(err)
			}
			if string(props.IndexingPolicy) != tc.wantIndexing {
				t.Errorf("indexingPolicy\n got %s\nwant %s", props.IndexingPolicy, tc.wantIndexing)
			}
			if string(props.VectorEmbeddingPolicy) != tc.wantVectors {
				t.Errorf("vectorEmbeddingPolicy\n got %s\nwant %s", props.VectorEmbeddingPolicy, tc.wantVectors)
			}
		})
	}
}

func TestVectorQueryPlans(t *testing.T) {
	f := newFixture(t, withVectors)
	ctx := context.Background()
	cc := containerClient(t, f.keyClient(testKeyString()), "shop", "vec")

	// Without a partition key: refused with the plan, as for every ORDER BY.
	_, err := cc.NewQueryItemsPager(vectorQuery, azcosmos.NewPartitionKey(), nil).NextPage(ctx)
	st, sub, body := respErr(t, err)
	if st != 400 || sub != "1004" {
		t.Fatalf("cross-partition vector query: %d/%s %s", st, sub, body.Message)
	}
	var plan struct {
		QueryInfo struct {
			OrderBy                []string `json:"orderBy"`
			HasNonStreamingOrderBy bool     `json:"hasNonStreamingOrderBy"`
			Top                    int      `json:"top"`
		} `json:"queryInfo"`
	}
	if err := json.Unmarshal([]byte(body.AdditionalErrorInfo), &plan); err != nil {
		t.Fatal(err)
	}
	if !plan.QueryInfo.HasNonStreamingOrderBy || strings.Join(plan.QueryInfo.OrderBy, ",") != "Ascending" || plan.QueryInfo.Top != 2 {
		t.Errorf("plan from the container's euclidean policy: %s", body.AdditionalErrorInfo)
	}

	// A plan request must advertise NonStreamingOrderBy.
	for _, tc := range []struct {
		supported string
		missing   []string
	}{
		{"OrderBy,Top", []string{"NonStreamingOrderBy"}},
		{"Top,OrderBy,NonStreamingOrderBy", nil},
	} {
		pctx := policy.WithHTTPHeader(ctx, http.Header{
			"x-ms-cosmos-is-query-plan-request":    {"True"},
			"x-ms-cosmos-supported-query-features": {tc.supported},
		})
		_, err := cc.NewQueryItemsPager(vectorQuery, azcosmos.NewPartitionKey(), nil).NextPage(pctx)
		if tc.missing == nil {
			if err != nil {
				t.Errorf("plan with %q: %v", tc.supported, err)
			}
			continue
		}
		st, _, body := respErr(t, err)
		if want := unsupportedFeaturesMessage(tc.missing); st != 400 || messageText(body.Message) != want {
			t.Errorf("plan with %q: %d %q, want %q", tc.supported, st, body.Message, want)
		}
	}

	// In one logical partition the gateway runs it, closest first.
	page, err := cc.NewQueryItemsPager(vectorQuery, azcosmos.NewPartitionKeyString("a"), nil).NextPage(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, it := range page.Items {
		got = append(got, string(it))
	}
	if want := `{"id":"near","s":1} {"id":"mid","s":2}`; strings.Join(got, " ") != want {
		t.Errorf("rows %s, want %s", strings.Join(got, " "), want)
	}

	// ASC/DESC is refused as the service does.
	_, err = cc.NewQueryItemsPager(vectorQuery+" DESC", azcosmos.NewPartitionKeyString("a"), nil).NextPage(ctx)
	st, _, body = respErr(t, err)
	if want := "Specifying a sorting order (ASC or DESC) with VectorDistance function is not supported."; st != 400 || messageText(body.Message) != want {
		t.Errorf("ORDER BY VectorDistance DESC: %d %q, want %q", st, body.Message, want)
	}
}
