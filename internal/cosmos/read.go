package cosmos

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"

	"github.com/Azure/azure-sdk-for-go/sdk/data/azcosmos"

	"github.com/cosmosctl/cosmosctl/internal/errs"
	"github.com/cosmosctl/cosmosctl/internal/query/merge"
)

// ReadMeta is what a point read reports besides the document.
type ReadMeta struct {
	ETag          string
	RequestCharge float32 // as the SDK reports it
	SessionToken  *string
}

// ReadItem reads one item by id and partition key and returns the bytes
// the service stored (key order, numbers and escapes intact). A missing
// item is a not-found error naming the id, the container and the key.
func (c *Client) ReadItem(ctx context.Context, db, coll, id string, pk PartitionKey) (json.RawMessage, ReadMeta, error) {
	ctr, err := c.NewContainer(db, coll)
	if err != nil {
		return nil, ReadMeta{}, fmt.Errorf("container %s/%s: %w", db, coll, err)
	}
	resp, err := ctr.ReadItem(ctx, pk.SDK(), id, nil)
	if err != nil {
		// A 404 with a substatus is a missing container or database, which
		// Explain words better.
		if fl, ok := AsFailure(err); ok && fl.Status == 404 && (fl.SubStatus == "" || fl.SubStatus == "0") {
			return nil, ReadMeta{}, errs.New(errs.KindNotFound, err, "check the id and the partition key (both must match)",
				"item %q not found in %s/%s (partition key %s)", id, db, coll, pk)
		}
		return nil, ReadMeta{}, c.Explain(ctx, err, Target{What: fmt.Sprintf("read item %q in %s/%s", id, db, coll), Database: db, Container: coll})
	}
	return json.RawMessage(resp.Value), ReadMeta{ETag: string(resp.ETag), RequestCharge: resp.RequestCharge, SessionToken: resp.SessionToken}, nil
}

// ItemRef names one item: its id and partition key.
type ItemRef struct {
	ID           string
	PartitionKey PartitionKey
}

// String is the item for messages: "id" (partition key k).
func (r ItemRef) String() string {
	return fmt.Sprintf("%q (partition key %s)", r.ID, r.PartitionKey)
}

// matchKey identifies an item by id and canonical key value, so that a
// key given as 2 matches a document's 2.0.
func matchKey(id string, pk PartitionKey) (string, error) {
	c, err := merge.Canonical(json.RawMessage(pk.JSON()))
	if err != nil {
		return "", err
	}
	return id + "\x00" + string(c), nil
}

// ParseItemRefs reads JSON lines of {"id": …, "pk": …}; blank lines are
// skipped. The pk value follows the --pk rules (a JSON array for a
// hierarchical key). Errors name source and the line number.
func ParseItemRefs(r io.Reader, source string) ([]ItemRef, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 4<<20)
	var out []ItemRef
	line := 0
	for sc.Scan() {
		line++
		t := bytes.TrimSpace(sc.Bytes())
		if len(t) == 0 {
			continue
		}
		var e map[string]json.RawMessage
		if err := json.Unmarshal(t, &e); err != nil {
			return nil, errs.Usage("%s:%d: not a JSON object {\"id\":…,\"pk\":…}: %v", source, line, err)
		}
		var id string
		if json.Unmarshal(e["id"], &id) != nil || id == "" {
			return nil, errs.Usage("%s:%d: missing string \"id\"", source, line)
		}
		pkRaw, ok := e["pk"]
		if !ok {
			return nil, errs.Usage("%s:%d: missing \"pk\" (use null for a null key)", source, line)
		}
		pk, err := ParsePartitionKey(string(pkRaw))
		if err != nil {
			return nil, errs.Usage("%s:%d: %v", source, line, err)
		}
		if _, err := matchKey(id, pk); err != nil {
			return nil, errs.Usage("%s:%d: %v", source, line, err)
		}
		out = append(out, ItemRef{ID: id, PartitionKey: pk})
	}
	if err := sc.Err(); err != nil {
		return nil, errs.Usage("%s: %v", source, err)
	}
	return out, nil
}

// ReadMany reads the items refs name in as few requests as the SDK
// manages. found holds the stored bytes of the items that exist, in the
// order of refs (HTML escapes the SDK adds undone, see UnescapeHTML);
// missing the refs that matched no item. charge is the request charge of
// the read-many and of the container read that learns the key paths.
// No refs, no requests.
func (c *Client) ReadMany(ctx context.Context, db, coll string, refs []ItemRef) (found []json.RawMessage, missing []ItemRef, charge float64, err error) {
	if len(refs) == 0 {
		return nil, nil, 0, nil
	}
	what := fmt.Sprintf("read-many %s/%s", db, coll)
	ctr, err := c.NewContainer(db, coll)
	if err != nil {
		return nil, nil, 0, fmt.Errorf("container %s/%s: %w", db, coll, err)
	}
	// The items come back without their keys: the container's key paths
	// say where in each document to find them.
	props, err := ctr.Read(ctx, nil)
	if err != nil {
		return nil, nil, 0, c.Explain(ctx, err, Target{What: what, Database: db, Container: coll})
	}
	charge = float64(props.RequestCharge)
	paths := props.ContainerProperties.PartitionKeyDefinition.Paths
	ids := make([]azcosmos.ItemIdentity, len(refs))
	for i, r := range refs {
		ids[i] = azcosmos.ItemIdentity{ID: r.ID, PartitionKey: r.PartitionKey.SDK()}
	}
	resp, err := ctr.ReadManyItems(ctx, ids, nil)
	if err != nil {
		return nil, nil, charge, c.Explain(ctx, err, Target{What: what, Database: db, Container: coll})
	}
	charge += float64(resp.RequestCharge)
	byKey := map[string]json.RawMessage{}
	for _, it := range resp.Items {
		// azcosmos re-marshals each item; restore the bytes the service sent.
		doc := json.RawMessage(UnescapeHTML(it))
		key, err := documentKey(doc, paths)
		if err != nil {
			return nil, nil, charge, fmt.Errorf("%s: decode item: %w", what, err)
		}
		byKey[key] = doc
	}
	for _, r := range refs {
		key, err := matchKey(r.ID, r.PartitionKey)
		if err != nil {
			return nil, nil, charge, errs.Usage("%s: item %s: %v", what, r, err)
		}
		if doc, ok := byKey[key]; ok {
			found = append(found, doc)
		} else {
			missing = append(missing, r)
		}
	}
	return found, missing, charge, nil
}

// documentKey is matchKey for a document read back.
func documentKey(doc json.RawMessage, paths []string) (string, error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(doc, &top); err != nil {
		return "", err
	}
	var id string
	_ = json.Unmarshal(top["id"], &id)
	return matchKey(id, partitionKeyOfTop(top, paths))
}
