package gateway

import (
	"encoding/base64"
	"net/http"
)

// defaultThroughput is the provisioned throughput (RU/s) of a container whose
// seed does not say: the service's minimum for manual throughput.
const defaultThroughput = 400

// offerBody is the Offer resource (REST "Offers"): one dedicated,
// manually provisioned (V2) offer per container.
type offerBody struct {
	Resource        string       `json:"resource"`
	OfferType       string       `json:"offerType"`
	OfferResourceID string       `json:"offerResourceId"`
	OfferVersion    string       `json:"offerVersion"`
	Content         offerContent `json:"content"`
	ID              string       `json:"id"`
	RID             string       `json:"_rid"`
	Self            string       `json:"_self"`
	ETag            string       `json:"_etag"`
	TS              int64        `json:"_ts"`
}

type offerContent struct {
	OfferThroughput                     int  `json:"offerThroughput"`
	OfferIsRUPerMinuteThroughputEnabled bool `json:"offerIsRUPerMinuteThroughputEnabled"`
}

// offerID names the n-th container's offer (n from 1): short and
// URL-safe like the service's four-character offer rids.
func offerID(n int) string {
	return base64.RawURLEncoding.EncodeToString([]byte{byte(n >> 16), byte(n >> 8), byte(n)})
}

func (c *container) offer() offerBody {
	return offerBody{
		Resource: "dbs/" + c.db.rid + "/colls/" + c.rid + "/", OfferType: "Invalid", OfferResourceID: c.rid, OfferVersion: "V2",
		Content: offerContent{OfferThroughput: c.throughput},
		ID:      c.offerID, RID: c.offerID, Self: "offers/" + c.offerID + "/", ETag: `"` + c.offerID + `-0"`, TS: c.ts,
	}
}

// listOffers serves GET /offers and the offers query (azcosmos ReadThroughput
// queries "SELECT * FROM c WHERE c.offerResourceId = '<rid>'"). Throughput
// is a management resource: Entra ID tokens get 403/5300, the account key
// may read it (rbac.md §1, cosmos-wire.md §7.4).
func (g *Gateway) listOffers(x *exchange, isQuery bool) {
	if x.aad {
		g.management(x)
		return
	}
	g.mu.RLock()
	var bodies []any
	for _, id := range g.order {
		db := g.dbs[id]
		for _, cid := range db.order {
			bodies = append(bodies, db.colls[cid].offer())
		}
	}
	g.mu.RUnlock()
	g.serveMetadataFeed(x, isQuery, "", "Offers", bodies)
}

// readOffer serves GET /offers/{rid}.
func (g *Gateway) readOffer(x *exchange, ref resourceRef) {
	if x.aad {
		g.management(x)
		return
	}
	g.mu.RLock()
	var body *offerBody
	for _, id := range g.order {
		db := g.dbs[id]
		for _, cid := range db.order {
			if c := db.colls[cid]; c.offerID == ref.doc {
				o := c.offer()
				body = &o
			}
		}
	}
	g.mu.RUnlock()
	if body == nil {
		x.fail(http.StatusNotFound, subNone, "", msgResourceNotFound)
		return
	}
	x.w.Header().Set("etag", body.ETag)
	x.writeJSON(http.StatusOK, body)
}
