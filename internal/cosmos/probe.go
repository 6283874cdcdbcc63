package cosmos

import (
	"context"
	"crypto/rand"
	"encoding/hex"
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
	if a.Name != access.ActionReadMetadata && sc.Container == "" {
		return access.Outcome{}, fmt.Errorf("%w: %s is decided per container: name one with -c or a /dbs/DB/colls/C scope", access.ErrUndecidable, a.Verb)
	}
	return outcome(c.probe(ctx, a, sc))
}

func (c *Client) probe(ctx context.Context, a access.Action, sc access.Scope) error {
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
	pk := azcosmos.NewPartitionKeyString(pkValue)
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
		_, err = ctr.ReplaceItem(ctx, pk, id, []byte(`{"id":"`+id+`"}`), &azcosmos.ItemOptions{IfMatchEtag: &bogusEtag})
	case access.ActionItemsDelete:
		_, err = ctr.DeleteItem(ctx, pk, id, &azcosmos.ItemOptions{IfMatchEtag: &bogusEtag})
	case access.ActionExecuteStoredProcedure:
		err = c.executeMissingSproc(ctx, sc, pkValue, id)
	default:
		return fmt.Errorf("no probe for %s", a.Name)
	}
	return err
}

// executeMissingSproc runs a stored procedure that does not exist (azcosmos
// has no stored-procedure API): authorization is checked before the name
// is looked up, so 404 means allowed.
func (c *Client) executeMissingSproc(ctx context.Context, sc access.Scope, pkValue, id string) error {
	u := c.base.JoinPath("dbs", sc.Database, "colls", sc.Container, "sprocs", id)
	req, err := runtime.NewRequest(ctx, http.MethodPost, u.String())
	if err != nil {
		return err
	}
	req.Raw().Header.Set("x-ms-documentdb-partitionkey", `["`+pkValue+`"]`)
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
