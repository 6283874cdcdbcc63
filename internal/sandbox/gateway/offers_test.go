package gateway

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/data/azcosmos"
	"github.com/golang-jwt/jwt/v5"
)

// TestOffersWithKey: the account key may read throughput on the data plane
// (only Entra ID tokens get 403/5300 for offers, rbac.md §1).
func TestOffersWithKey(t *testing.T) {
	f := newFixture(t, func(c *Config) { c.Databases[0].Containers[1].Throughput = 1000 })
	ctx := context.Background()
	key := f.keyClient(testKeyString())
	for _, tt := range []struct {
		coll string
		want int32
	}{{"orders", 400}, {"single", 1000}, {"hier", 400}} {
		t.Run("ReadThroughput "+tt.coll, func(t *testing.T) {
			r, err := containerClient(t, key, "shop", tt.coll).ReadThroughput(ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			if got, ok := r.ThroughputProperties.ManualThroughput(); !ok || got != tt.want {
				t.Errorf("ManualThroughput = %d, %v; want %d", got, ok, tt.want)
			}
		})
	}

	type offers struct {
		Offers []offerBody `json:"Offers"`
		Count  int         `json:"_count"`
	}
	decode := func(t *testing.T, b []byte) offers {
		t.Helper()
		var o offers
		if err := json.Unmarshal(b, &o); err != nil {
			t.Fatalf("%v: %s", err, b)
		}
		return o
	}
	resp := f.rawRequest("GET", "/offers", nil, nil, true)
	all := decode(t, readBody(t, resp))
	if resp.StatusCode != 200 || all.Count != 3 || len(all.Offers) != 3 {
		t.Fatalf("GET /offers: %d, %+v", resp.StatusCode, all)
	}
	ordersRID := all.Offers[0].OfferResourceID
	resp = f.rawRequest("POST", "/offers", []byte(`{"query":"SELECT * FROM c WHERE c.offerResourceId = @rid","parameters":[{"name":"@rid","value":"`+ordersRID+`"}]}`),
		map[string]string{"Content-Type": "application/query+json", "x-ms-documentdb-isquery": "True"}, true)
	one := decode(t, readBody(t, resp))
	if resp.StatusCode != 200 || len(one.Offers) != 1 || one.Offers[0].Content.OfferThroughput != 400 || one.Offers[0].Self != "offers/"+one.Offers[0].ID+"/" {
		t.Fatalf("offers query: %d, %+v", resp.StatusCode, one)
	}
	if resp := f.rawRequest("GET", "/offers/nope", nil, nil, true); resp.StatusCode != 404 {
		t.Errorf("GET /offers/nope: %d, want 404", resp.StatusCode)
	}
	// Changing throughput stays a management operation the sandbox refuses.
	_, err := containerClient(t, key, "shop", "orders").ReplaceThroughput(ctx, azcosmos.NewManualThroughputProperties(500), nil)
	if st, sub, _ := respErr(t, err); st != 403 || sub != "5300" {
		t.Errorf("ReplaceThroughput with key: %d/%s, want 403/5300", st, sub)
	}
}

// TestOffersWithToken: every offers request under Entra ID is 403/5300.
func TestOffersWithToken(t *testing.T) {
	f := newFixture(t, nil)
	ctx := context.Background()
	c := f.aadClient(jwt.MapClaims{"oid": "reader"})
	_, err := containerClient(t, c, "shop", "orders").ReadThroughput(ctx, nil)
	if st, sub, _ := respErr(t, err); st != 403 || sub != "5300" {
		t.Errorf("ReadThroughput with a token: %d/%s, want 403/5300", st, sub)
	}
	_, err = containerClient(t, c, "shop", "orders").ReplaceThroughput(ctx, azcosmos.NewManualThroughputProperties(500), nil)
	if st, sub, _ := respErr(t, err); st != 403 || sub != "5300" {
		t.Errorf("ReplaceThroughput with a token: %d/%s, want 403/5300", st, sub)
	}
}
