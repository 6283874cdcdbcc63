package gateway

import "encoding/json"

// ContainerItems is one container's current documents, with the system
// properties the gateway added (New drops and regenerates those).
type ContainerItems struct {
	Database, Container string
	Items               []json.RawMessage
}

// Snapshot returns every container's documents in feed order, for a
// sandbox that keeps its data across restarts. Expired (TTL) documents
// are included until the gateway has dropped them.
func (g *Gateway) Snapshot() []ContainerItems {
	g.mu.RLock()
	defer g.mu.RUnlock()
	var out []ContainerItems
	for _, dbID := range g.order {
		db := g.dbs[dbID]
		for _, cID := range db.order {
			c := db.colls[cID]
			ci := ContainerItems{Database: dbID, Container: cID, Items: make([]json.RawMessage, 0, len(c.docs))}
			for _, d := range c.docs {
				ci.Items = append(ci.Items, append(json.RawMessage(nil), d.raw...))
			}
			out = append(out, ci)
		}
	}
	return out
}
