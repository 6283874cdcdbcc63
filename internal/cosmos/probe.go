package cosmos

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/streaming"
	"github.com/Azure/azure-sdk-for-go/sdk/data/azcosmos"

	"github.com/cosmosctl/cosmosctl/internal/access"
)

// Probe sends the harmless request of rbac.md §8.1 that tells whether the
// signed-in principal may perform a at scope, and returns its outcome for
// access.Decide. Probes never change data: they address a random id in a
// fresh random logical partition, deletes and replaces carry an If-Match
// etag no document has, and the query's filter is always false. An error
// is returned only when no HTTP answer came back (network, TLS, sign-in);
// an HTTP failure is an outcome, not an error. Callers ask only for
// actions access.Probeable accepts (access.Check does).
func (c *Client) Probe(ctx context.Context, a access.Action, sc access.Scope) (access.Outcome, error) {
	return c.Prober().Probe(ctx, a, sc)
}

// Prober returns a prober that learns each container's partition key
// definition once, so item probes address a well-formed (random) key.
func (c *Client) Prober() *Prober { return &Prober{c: c, keys: map[access.Scope][]string{}} }

// Prober sends can-i's probes (see Client.Probe) for one check.
type Prober struct {
	c    *Client
	keys map[access.Scope][]string // partition key paths per container
}

// Probe implements access.Prober.
func (p *Prober) Probe(ctx context.Context, a access.Action, sc access.Scope) (access.Outcome, error) {
	if a.Name != access.ActionReadMetadata && sc.Container == "" {
		return access.Outcome{}, fmt.Errorf("%w: %s is decided per container: name one with -c or a /dbs/DB/colls/C scope", access.ErrUndecidable, a.Verb)
	}
	return outcome(p.probe(ctx, a, sc))
}

// keyPaths is the container's partition key paths, or one path when the
// definition cannot be read (the principal may hold items/read without
// readMetadata on the container: the probe then still asks).
func (p *Prober) keyPaths(ctx context.Context, ctr *azcosmos.ContainerClient, sc access.Scope) []string {
	if paths, ok := p.keys[sc]; ok {
		return paths
	}
	paths := []string{"/id"}
	if resp, err := ctr.Read(ctx, nil); err == nil && len(resp.ContainerProperties.PartitionKeyDefinition.Paths) > 0 {
		paths = resp.ContainerProperties.PartitionKeyDefinition.Paths
	}
	p.keys[sc] = paths
	return paths
}

func (p *Prober) probe(ctx context.Context, a access.Action, sc access.Scope) error {
	c := p.c
	if a.Name == access.ActionReadMetadata {
		switch {
		case sc.Database == "":
			_, err := c.NewQueryDatabasesPager("SELECT VALUE 1 FROM root WHERE false", nil).NextPage(ctx)
			return err
		case sc.Container == "":
			db, err := c.NewDatabase(sc.Database)
			if err != nil {
				return err
			}
			_, err = db.Read(ctx, nil)
			return err
		}
	}
	ctr, err := c.NewContainer(sc.Database, sc.Container)
	if err != nil {
		return err
	}
	id, pkValue := probeValue("id"), probeValue("pk")
	// A well-formed key for the container's definition (one component per
	// path of a hierarchical key), in a logical partition no one uses.
	pk := azcosmos.NewPartitionKeyString(pkValue)
	paths := []string{"/id"}
	if a.Name != access.ActionReadMetadata && a.Name != access.ActionReadChangeFeed {
		paths = p.keyPaths(ctx, ctr, sc)
		for range paths[1:] {
			pk = pk.AppendString(pkValue)
		}
	}
	bogusEtag := azcore.ETag(`"` + probeValue("etag") + `"`)
	switch a.Name {
	case access.ActionReadMetadata:
		_, err = ctr.Read(ctx, nil)
	case access.ActionItemsRead:
		_, err = ctr.ReadItem(ctx, pk, id, nil)
	case access.ActionExecuteQuery:
		_, err = ctr.NewQueryItemsPager("SELECT VALUE 1 FROM c WHERE false", pk, &azcosmos.QueryOptions{PageSizeHint: 1}).NextPage(ctx)
	case access.ActionReadChangeFeed:
		var ranges []azcosmos.FeedRange
		if ranges, err = ctr.ReadFeedRanges(ctx, nil); err == nil && len(ranges) > 0 {
			_, err = ctr.ReadChangeFeed(ctx, &azcosmos.ChangeFeedOptions{FeedRange: &ranges[0], MaxItemCount: 1})
		}
	case access.ActionItemsReplace:
		_, err = ctr.ReplaceItem(ctx, pk, id, probeDocument(id, pkValue, paths), &azcosmos.ItemOptions{IfMatchEtag: &bogusEtag})
	case access.ActionItemsDelete:
		_, err = ctr.DeleteItem(ctx, pk, id, &azcosmos.ItemOptions{IfMatchEtag: &bogusEtag})
	case access.ActionExecuteStoredProcedure:
		err = c.executeMissingSproc(ctx, sc, pkValue, len(paths), id)
	default:
		return fmt.Errorf("no probe for %s", a.Name)
	}
	return err
}

// executeMissingSproc runs a stored procedure that does not exist (azcosmos
// has no stored-procedure API): authorization is checked before the name
// is looked up, so 404 means allowed.
func (c *Client) executeMissingSproc(ctx context.Context, sc access.Scope, pkValue string, levels int, id string) error {
	u := c.base.JoinPath("dbs", sc.Database, "colls", sc.Container, "sprocs", id)
	req, err := runtime.NewRequest(ctx, http.MethodPost, u.String())
	if err != nil {
		return err
	}
	comps := make([]string, levels)
	for i := range comps {
		comps[i] = pkValue
	}
	pkJSON, _ := json.Marshal(comps)
	req.Raw().Header.Set("x-ms-documentdb-partitionkey", string(pkJSON))
	if err := req.SetBody(streaming.NopCloser(strings.NewReader("[]")), "application/json"); err != nil {
		return err
	}
	resp, err := c.raw.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 300 {
		return runtime.NewResponseErrorWithErrorCode(resp, resp.Status)
	}
	return nil
}

// outcome turns a probe's error into its HTTP outcome; errors without an
// HTTP answer stay errors.
func outcome(err error) (access.Outcome, error) {
	if err == nil {
		return access.Outcome{Status: http.StatusOK}, nil
	}
	f, ok := AsFailure(err)
	if !ok {
		return access.Outcome{}, err
	}
	return access.Outcome{Status: f.Status, SubStatus: f.SubStatus, Message: f.Message,
		AccountRead: f.Method == http.MethodGet && strings.Trim(f.URL, "/") == ""}, nil
}

// probeValue is a random value no document uses, recognisable in the
// service's diagnostic logs.
func probeValue(kind string) string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return "cosmosctl-probe-" + kind + "-" + hex.EncodeToString(b)
}

// probeDocument is a replacement body whose id and key match the request,
// so the service judges only the authorization and the (missing) item.
func probeDocument(id, pkValue string, paths []string) []byte {
	doc := map[string]any{"id": id}
	for _, path := range paths {
		segs := strings.Split(strings.TrimPrefix(path, "/"), "/")
		m := doc
		for _, s := range segs[:len(segs)-1] {
			next, ok := m[s].(map[string]any)
			if !ok {
				next = map[string]any{}
				m[s] = next
			}
			m = next
		}
		m[segs[len(segs)-1]] = pkValue
	}
	b, _ := json.Marshal(doc)
	return b
}

// ReadAccount reads the account resource (GET /), the request every client
// sends first; it needs readMetadata on any scope of the account.
func (c *Client) ReadAccount(ctx context.Context) error {
	req, err := runtime.NewRequest(ctx, http.MethodGet, c.base.String())
	if err != nil {
		return err
	}
	resp, err := c.raw.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return runtime.NewResponseErrorWithErrorCode(resp, resp.Status)
	}
	return nil
}
